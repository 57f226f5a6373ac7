package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/streamsql/streamsql/planner/types"
)

// Node is a node of the logical plan: what to compute, not how. Nodes are
// values; rewrite rules build new ones with WithChildren.
type Node interface {
	// Schema is the node's output columns.
	Schema() Schema
	// Children are the node's inputs.
	Children() []Node
	// WithChildren returns a copy of the node reading from children.
	WithChildren(children ...Node) Node
	// AppendOnly reports whether the node's output only inserts rows; an
	// aggregate's output also updates and deletes them.
	AppendOnly() bool
	// Describe is the node's line in EXPLAIN.
	Describe() string
}

// SourceSpec says what a source reads. It is plain data, shared by the
// logical Scan and the physical source operator.
type SourceSpec struct {
	// Name is how EXPLAIN shows the source: SOCKET('host:port'), or the
	// name of a CREATE SOURCE.
	Name      string
	Connector string
	Options   map[string]string
	// Columns are what the connector produces.
	Columns Schema
	// Rows are the rows of a VALUES source.
	Rows    [][]types.Value
	Bounded bool
}

// Scan reads a source. Its schema is the source's columns, renamed by an
// alias list if the query gave one.
type Scan struct {
	Source *SourceSpec
	Names  []string
}

// Filter keeps the rows for which Cond is TRUE.
type Filter struct {
	Input Node
	Cond  Expr
}

// Project computes Exprs for each input row.
type Project struct {
	Input Node
	Exprs []Expr
	Names []string
}

// Unnest emits, for each input row, one row per element of the array Array:
// the input columns listed in Keep followed by the element.
type Unnest struct {
	Input Node
	Array Expr
	Keep  []int
	Name  string // the element column
}

// Aggregate groups its input by the Keys columns and computes Aggs per
// group; its output is the keys followed by the aggregates. It holds state
// and emits a changelog. With Keys but no Aggs it is DISTINCT. With no Keys
// it is a global aggregate, whose one row exists even for an empty input
// (and may have no columns, when pruning found none of them read).
type Aggregate struct {
	Input Node
	Keys  []int
	Aggs  []AggCall
	Names []string
}

// Schema implementations.

func (n *Scan) Schema() Schema {
	s := make(Schema, len(n.Source.Columns))
	for i, c := range n.Source.Columns {
		s[i] = Column{Name: n.Names[i], Type: c.Type}
	}
	return s
}

func (n *Filter) Schema() Schema { return n.Input.Schema() }

func (n *Project) Schema() Schema {
	s := make(Schema, len(n.Exprs))
	for i, e := range n.Exprs {
		s[i] = Column{Name: n.Names[i], Type: e.Type()}
	}
	return s
}

func (n *Unnest) Schema() Schema {
	in := n.Input.Schema()
	s := make(Schema, 0, len(n.Keep)+1)
	for _, k := range n.Keep {
		s = append(s, in[k])
	}
	return append(s, Column{Name: n.Name, Type: *n.Array.Type().Elem})
}

func (n *Aggregate) Schema() Schema {
	in := n.Input.Schema()
	s := make(Schema, 0, len(n.Keys)+len(n.Aggs))
	for i, k := range n.Keys {
		s = append(s, Column{Name: n.Names[i], Type: in[k].Type})
	}
	for i, a := range n.Aggs {
		s = append(s, Column{Name: n.Names[len(n.Keys)+i], Type: a.T})
	}
	return s
}

// Children implementations.

func (n *Scan) Children() []Node      { return nil }
func (n *Filter) Children() []Node    { return []Node{n.Input} }
func (n *Project) Children() []Node   { return []Node{n.Input} }
func (n *Unnest) Children() []Node    { return []Node{n.Input} }
func (n *Aggregate) Children() []Node { return []Node{n.Input} }

// WithChildren implementations.

func (n *Scan) WithChildren(...Node) Node { return n }

func (n *Filter) WithChildren(c ...Node) Node {
	m := *n
	m.Input = c[0]
	return &m
}

func (n *Project) WithChildren(c ...Node) Node {
	m := *n
	m.Input = c[0]
	return &m
}

func (n *Unnest) WithChildren(c ...Node) Node {
	m := *n
	m.Input = c[0]
	return &m
}

func (n *Aggregate) WithChildren(c ...Node) Node {
	m := *n
	m.Input = c[0]
	return &m
}

// AppendOnly implementations.

func (n *Scan) AppendOnly() bool      { return true }
func (n *Filter) AppendOnly() bool    { return n.Input.AppendOnly() }
func (n *Project) AppendOnly() bool   { return n.Input.AppendOnly() }
func (n *Unnest) AppendOnly() bool    { return n.Input.AppendOnly() }
func (n *Aggregate) AppendOnly() bool { return false }

// Describe implementations.

func (n *Scan) Describe() string {
	return fmt.Sprintf("Scan: %s %s", n.Source.Name, n.Schema())
}

func (n *Filter) Describe() string { return "Filter: " + n.Cond.String() }

func (n *Project) Describe() string {
	return "Project: " + namedExprs(n.Exprs, n.Names)
}

func (n *Unnest) Describe() string {
	return fmt.Sprintf("Unnest: %s AS %s", n.Array, n.Name)
}

func (n *Aggregate) Describe() string {
	if len(n.Aggs) == 0 && len(n.Keys) > 0 {
		return "Distinct: " + strings.Join(n.keyNames(), ", ")
	}
	return fmt.Sprintf("Aggregate: keys=[%s] aggs=[%s]", strings.Join(n.keyNames(), ", "), strings.Join(n.aggStrings(), ", "))
}

func (n *Aggregate) keyNames() []string {
	in := n.Input.Schema()
	names := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		names[i] = in[k].Name
	}
	return names
}

func (n *Aggregate) aggStrings() []string {
	in := n.Input.Schema()
	out := make([]string, len(n.Aggs))
	for i, a := range n.Aggs {
		out[i] = n.Names[len(n.Keys)+i] + "=" + aggString(a, in)
	}
	return out
}

func aggString(a AggCall, in Schema) string {
	var arg string
	switch {
	case a.Kind == AggCountStar:
		arg = "*"
	case a.Distinct:
		arg = "DISTINCT " + in[a.Arg].Name
	default:
		arg = in[a.Arg].Name
	}
	s := a.Kind.String() + "(" + arg + ")"
	if a.Filter >= 0 {
		s += " FILTER (WHERE " + in[a.Filter].Name + ")"
	}
	return s
}

func namedExprs(exprs []Expr, names []string) string {
	if len(exprs) == 0 {
		return "(no columns)"
	}
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		s := e.String()
		if names != nil && s != names[i] {
			s += " AS " + names[i]
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

func optionsString(opts map[string]string) string {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + opts[k]
	}
	return strings.Join(parts, ", ")
}

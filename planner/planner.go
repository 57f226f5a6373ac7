package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// Planner plans queries against a catalog.
type Planner struct {
	cat Catalog
}

// New returns a planner that resolves names in cat.
func New(cat Catalog) *Planner { return &Planner{cat: cat} }

// Plan is everything needed to run a job: its options, the optimized
// logical plan (for EXPLAIN) and the physical plan (for the runtime).
type Plan struct {
	Stmt    parser.Stmt // the *parser.SelectStmt or *parser.InsertStmt
	Options Options
	// JobName names the job and its state: the job_name option, or one
	// derived from the statement so that running the same statement again
	// finds the same state.
	JobName string
	// Schema is the result's columns.
	Schema   Schema
	Logical  Node
	Physical *Physical
	// Bounded is true when every source ends, so the job finishes.
	Bounded bool
	// Fingerprint identifies the plan's state layout; a checkpoint records
	// it, and restoring into a plan with another fingerprint is refused.
	Fingerprint string
}

// Plan plans a SELECT or an INSERT INTO (or the statement inside an
// EXPLAIN). settings are the session's SET options, which the statement's
// WITH options override.
func (p *Planner) Plan(stmt parser.Stmt, settings map[string]string) (*Plan, error) {
	switch s := stmt.(type) {
	case *parser.ExplainStmt:
		return p.Plan(s.Stmt, settings)
	case *parser.SelectStmt:
		opts, err := ResolveOptions(settings, s.Options)
		if err != nil {
			return nil, err
		}
		sink := &SinkOp{Name: "print", Connector: ConnectorPrint, Format: opts.Format}
		return p.plan(s, s, opts, sink, nil)
	case *parser.InsertStmt:
		opts, err := ResolveOptions(settings, s.Query.Options)
		if err != nil {
			return nil, err
		}
		def := p.cat.Sink(s.Sink.Name)
		if def == nil {
			kind := ""
			if p.cat.Source(s.Sink.Name) != nil {
				kind = "; it is a source, and INSERT writes to a sink"
			} else if p.cat.View(s.Sink.Name) != nil {
				kind = "; it is a view, and INSERT writes to a sink"
			}
			return nil, parser.Errorf(s.Sink.At, "unknown sink %q%s", s.Sink.Name, kind)
		}
		format := def.Options["format"]
		if format == "" {
			format = opts.Format
		}
		sink := &SinkOp{Name: def.Name, Connector: def.Connector, Options: def.Options, Format: format}
		return p.plan(s, s.Query, opts, sink, def)
	}
	return nil, parser.Errorf(stmt.Pos(), "only SELECT and INSERT INTO can be planned")
}

func (p *Planner) plan(stmt parser.Stmt, query *parser.SelectStmt, opts Options, sink *SinkOp, def *SinkDef) (*Plan, error) {
	b := newBinder(p.cat)
	rel, err := b.bindSelect(query)
	if err != nil {
		return nil, err
	}
	node := rel.node
	if def != nil && len(def.Columns) > 0 {
		if node, err = conformToSink(node, def, query); err != nil {
			return nil, err
		}
	}
	logical, err := optimize(node)
	if err != nil {
		return nil, err
	}
	if sink.Format == FormatCSV && sink.Connector != ConnectorPrint {
		for _, c := range logical.Schema() {
			if c.Type.Kind == types.KindArray {
				return nil, parser.Errorf(query.At, "sink %q writes csv, which cannot hold column %q of type %s; use format 'json'", sink.Name, c.Name, c.Type)
			}
		}
	}
	physical := buildPhysical(logical, sink, opts)
	plan := &Plan{Stmt: stmt, Options: opts, Schema: logical.Schema(), Logical: logical, Physical: physical,
		Bounded: bounded(logical), Fingerprint: physical.fingerprint()}
	plan.JobName = opts.JobName
	if plan.JobName == "" {
		plan.JobName = deriveJobName(stmt, sink)
	}
	return plan, nil
}

// conformToSink checks that the query's columns fit the sink's declared
// ones, widening BIGINT to DOUBLE where needed, and names them as the sink.
func conformToSink(node Node, def *SinkDef, query *parser.SelectStmt) (Node, error) {
	got := node.Schema()
	if len(got) != len(def.Columns) {
		return nil, parser.Errorf(query.At, "sink %q has %s %s, but the query produces %d %s",
			def.Name, plural(len(def.Columns), "column"), def.Columns, len(got), got)
	}
	exprs := make([]Expr, len(got))
	for i, c := range got {
		want := def.Columns[i].Type
		if !assignable(c.Type, want) {
			return nil, parser.Errorf(query.Items[min(i, len(query.Items)-1)].At,
				"column %d (%s) is %s, but the sink's column %s is %s", i+1, c.Name, c.Type, def.Columns[i].Name, want)
		}
		exprs[i] = coerce(&ColumnRef{Index: i, Name: c.Name, T: c.Type}, want)
	}
	return &Project{Input: node, Exprs: exprs, Names: def.Columns.Names()}, nil
}

func bounded(n Node) bool {
	if s, ok := n.(*Scan); ok {
		return s.Source.Bounded
	}
	for _, c := range n.Children() {
		if !bounded(c) {
			return false
		}
	}
	return true
}

// deriveJobName names a job after its statement, without its WITH options,
// so that tuning an option keeps the name (and the state).
func deriveJobName(stmt parser.Stmt, sink *SinkOp) string {
	var text, prefix string
	switch s := stmt.(type) {
	case *parser.SelectStmt:
		c := *s
		c.Options = nil
		text, prefix = parser.Format(&c), "select"
	case *parser.InsertStmt:
		q := *s.Query
		q.Options = nil
		c := *s
		c.Query = &q
		text, prefix = parser.Format(&c), "insert_"+sink.Name
	}
	sum := sha256.Sum256([]byte(text))
	return fmt.Sprintf("%s_%s", prefix, hex.EncodeToString(sum[:])[:8])
}

// ResultTypes returns the types of a schema's columns.
func ResultTypes(s Schema) []types.Type {
	out := make([]types.Type, len(s))
	for i, c := range s {
		out[i] = c.Type
	}
	return out
}

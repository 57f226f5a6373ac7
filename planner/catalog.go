package planner

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// SourceDef is a named source made by CREATE SOURCE.
type SourceDef struct {
	Name      string
	Columns   Schema
	Connector string
	Options   map[string]string // validated, with defaults filled in
	Bounded   bool
	SQL       string // the CREATE SOURCE statement, canonical
}

// SinkDef is a named sink made by CREATE SINK. Columns is empty when the
// sink takes whatever columns the query produces.
type SinkDef struct {
	Name      string
	Columns   Schema
	Connector string
	Options   map[string]string
	SQL       string
}

// ViewDef is a named query made by CREATE VIEW.
type ViewDef struct {
	Name    string
	Query   *parser.SelectStmt
	Columns Schema
	SQL     string
}

// Catalog is what the planner reads names from.
type Catalog interface {
	Source(name string) *SourceDef
	Sink(name string) *SinkDef
	View(name string) *ViewDef
}

// MemCatalog is an in-memory Catalog, safe for concurrent use. Sources,
// sinks and views share one namespace.
type MemCatalog struct {
	mu      sync.RWMutex
	sources map[string]*SourceDef
	sinks   map[string]*SinkDef
	views   map[string]*ViewDef
}

// NewMemCatalog returns an empty catalog.
func NewMemCatalog() *MemCatalog {
	return &MemCatalog{sources: map[string]*SourceDef{}, sinks: map[string]*SinkDef{}, views: map[string]*ViewDef{}}
}

// Source implements Catalog.
func (c *MemCatalog) Source(name string) *SourceDef {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.sources[name]
}

// Sink implements Catalog.
func (c *MemCatalog) Sink(name string) *SinkDef {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.sinks[name]
}

// View implements Catalog.
func (c *MemCatalog) View(name string) *ViewDef {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.views[name]
}

// Kind returns what name is ("source", "sink", "view"), or "".
func (c *MemCatalog) Kind(name string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	switch {
	case c.sources[name] != nil:
		return "source"
	case c.sinks[name] != nil:
		return "sink"
	case c.views[name] != nil:
		return "view"
	}
	return ""
}

// AddSource adds or replaces a source.
func (c *MemCatalog) AddSource(d *SourceDef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sources[d.Name] = d
}

// AddSink adds or replaces a sink.
func (c *MemCatalog) AddSink(d *SinkDef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sinks[d.Name] = d
}

// AddView adds or replaces a view.
func (c *MemCatalog) AddView(d *ViewDef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.views[d.Name] = d
}

// Drop removes the object of the given kind; it reports whether it existed.
func (c *MemCatalog) Drop(kind parser.ObjectKind, name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ok bool
	switch kind {
	case parser.ObjectSource:
		_, ok = c.sources[name]
		delete(c.sources, name)
	case parser.ObjectSink:
		_, ok = c.sinks[name]
		delete(c.sinks, name)
	case parser.ObjectView:
		_, ok = c.views[name]
		delete(c.views, name)
	}
	return ok
}

// Sources lists the sources by name.
func (c *MemCatalog) Sources() []*SourceDef {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedValues(c.sources, func(d *SourceDef) string { return d.Name })
}

// Sinks lists the sinks by name.
func (c *MemCatalog) Sinks() []*SinkDef {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedValues(c.sinks, func(d *SinkDef) string { return d.Name })
}

// Views lists the views by name.
func (c *MemCatalog) Views() []*ViewDef {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedValues(c.views, func(d *ViewDef) string { return d.Name })
}

func sortedValues[T any](m map[string]T, name func(T) string) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	return out
}

// DefineSource validates CREATE SOURCE: the connector and its options, and
// the columns it will produce.
func DefineSource(stmt *parser.CreateSourceStmt) (*SourceDef, error) {
	cols, err := columnDefs(stmt.Columns)
	if err != nil {
		return nil, err
	}
	conn, opts, err := connectorFromOptions(stmt.Options, "source", stmt.Name.At)
	if err != nil {
		return nil, err
	}
	schema, err := conn.schema(opts, cols)
	if err != nil {
		return nil, parser.Errorf(stmt.Name.At, "source %q: %v", stmt.Name.Name, err)
	}
	return &SourceDef{Name: stmt.Name.Name, Columns: schema, Connector: conn.name, Options: opts,
		Bounded: conn.bounded(opts), SQL: parser.Format(stmt)}, nil
}

// DefineSink validates CREATE SINK.
func DefineSink(stmt *parser.CreateSinkStmt) (*SinkDef, error) {
	cols, err := columnDefs(stmt.Columns)
	if err != nil {
		return nil, err
	}
	conn, opts, err := connectorFromOptions(stmt.Options, "sink", stmt.Name.At)
	if err != nil {
		return nil, err
	}
	return &SinkDef{Name: stmt.Name.Name, Columns: cols, Connector: conn.name, Options: opts, SQL: parser.Format(stmt)}, nil
}

// DefineView validates CREATE VIEW by planning its query.
func DefineView(cat Catalog, stmt *parser.CreateViewStmt) (*ViewDef, error) {
	if len(stmt.Query.Options) > 0 {
		return nil, parser.Errorf(stmt.Query.Options[0].At, "a view cannot have job options; give them to the query that uses it")
	}
	b := newBinder(cat)
	b.viewStack = []string{stmt.Name.Name}
	rel, err := b.bindSelect(stmt.Query)
	if err != nil {
		return nil, err
	}
	return &ViewDef{Name: stmt.Name.Name, Query: stmt.Query, Columns: rel.node.Schema(), SQL: parser.Format(stmt)}, nil
}

func columnDefs(defs []*parser.ColumnDef) (Schema, error) {
	var cols Schema
	seen := map[string]bool{}
	for _, d := range defs {
		if seen[d.Name.Name] {
			return nil, parser.Errorf(d.At, "column %q is declared twice", d.Name.Name)
		}
		seen[d.Name.Name] = true
		t, err := resolveType(d.Type)
		if err != nil {
			return nil, err
		}
		cols = append(cols, Column{Name: d.Name.Name, Type: t})
	}
	return cols, nil
}

// resolveType maps a type name of the SQL text to a type.
func resolveType(t *parser.TypeName) (types.Type, error) {
	if t.Name == "ARRAY" {
		if t.Elem == nil {
			return types.Type{}, parser.Errorf(t.At, "ARRAY needs an element type: ARRAY<STRING>")
		}
		elem, err := resolveType(t.Elem)
		if err != nil {
			return types.Type{}, err
		}
		return types.ArrayOf(elem), nil
	}
	if t.Elem != nil {
		return types.Type{}, parser.Errorf(t.At, "type %s takes no element type", t.Name)
	}
	typ, ok := types.ByName(t.Name)
	if !ok {
		return types.Type{}, parser.Errorf(t.At, "unknown type %s (accepted: BOOLEAN, BIGINT, DOUBLE, STRING, TIMESTAMP, INTERVAL, ARRAY<T>)", t.Name)
	}
	return typ, nil
}

// connectorFromOptions finds the connector named by the connector option and
// checks the other options against it. at positions errors about a missing
// connector option.
func connectorFromOptions(options []*parser.Option, kind string, at parser.Pos) (*connectorDef, map[string]string, error) {
	given := map[string]string{}
	positions := map[string]*parser.Option{}
	for _, o := range options {
		if _, dup := given[o.Key]; dup {
			return nil, nil, parser.Errorf(o.At, "option %q is given twice", o.Key)
		}
		v, err := OptionValue(o)
		if err != nil {
			return nil, nil, err
		}
		given[o.Key], positions[o.Key] = v, o
	}
	name, ok := given["connector"]
	if !ok {
		return nil, nil, parser.Errorf(at, "a %s needs WITH (connector = '...'), one of: %s", kind, connectorNames(kind == "source"))
	}
	name = strings.ToLower(name)
	conn := connectors[name]
	if conn == nil || conn.internal || (kind == "source" && !conn.source) || (kind == "sink" && !conn.sink) {
		return nil, nil, parser.Errorf(positions["connector"].Value.Pos(), "unknown %s connector '%s' (accepted: %s)", kind, name, connectorNames(kind == "source"))
	}
	delete(given, "connector")
	opts, err := resolveConnectorOptions(conn, kind, given)
	if err != nil {
		var oe *optionError
		if ok := asOptionError(err, &oe); ok {
			o := positions[oe.key]
			if oe.value {
				return nil, nil, parser.Errorf(o.Value.Pos(), "%v", err)
			}
			return nil, nil, parser.Errorf(o.At, "%v", err)
		}
		return nil, nil, parser.Errorf(at, "%v", err)
	}
	return conn, opts, nil
}

func asOptionError(err error, target **optionError) bool {
	oe, ok := err.(*optionError)
	if ok {
		*target = oe
	}
	return ok
}

// Describe renders a catalog object's columns for DESCRIBE.
func Describe(cols Schema) string {
	var b strings.Builder
	for _, c := range cols {
		fmt.Fprintf(&b, "%s %s\n", c.Name, c.Type)
	}
	return b.String()
}

// Reads reports whether query names the source or view name in a FROM
// clause (its own, a subquery's, or a join's).
func Reads(query *parser.SelectStmt, name string) bool {
	var from func(f parser.FromItem) bool
	from = func(f parser.FromItem) bool {
		switch f := f.(type) {
		case *parser.TableName:
			return f.Name.Name == name
		case *parser.Subquery:
			return Reads(f.Query, name)
		case *parser.Join:
			return from(f.Left) || from(f.Right)
		}
		return false
	}
	return query.From != nil && from(query.From)
}

package planner

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// scopeColumn is a column visible to expressions: its relation's name (the
// alias) and its own.
type scopeColumn struct {
	table string
	name  string
	typ   types.Type
}

// scope is the columns of the relation an expression is evaluated on, in
// the order of that relation's schema.
type scope struct {
	cols []scopeColumn
}

// relation is a bound FROM item or query: the plan that produces it and the
// names it can be referred to by.
type relation struct {
	node  Node
	scope *scope
}

func newScope(table string, schema Schema) *scope {
	s := &scope{}
	for _, c := range schema {
		s.cols = append(s.cols, scopeColumn{table: table, name: c.Name, typ: c.Type})
	}
	return s
}

// resolve finds the column ref names.
func (s *scope) resolve(ref *parser.ColumnRef) (int, error) {
	found := -1
	var matches []string
	for i, c := range s.cols {
		if c.name != ref.Column.Name || (ref.Table != nil && c.table != ref.Table.Name) {
			continue
		}
		if found >= 0 {
			matches = append(matches, c.table+"."+c.name)
			continue
		}
		found = i
		matches = append(matches, c.table+"."+c.name)
	}
	switch {
	case len(matches) > 1 && matches[0] == matches[len(matches)-1]:
		return -1, parser.Errorf(ref.At, "column %q is ambiguous (%s has %d columns named %s)", ref.Column.Name,
			strings.TrimSuffix(matches[0], "."+ref.Column.Name), len(matches), ref.Column.Name)
	case len(matches) > 1:
		return -1, parser.Errorf(ref.At, "column %q is ambiguous (it could be %s)", ref.Column.Name, strings.Join(matches, " or "))
	case found >= 0:
		return found, nil
	}
	if ref.Table != nil && !s.hasTable(ref.Table.Name) {
		hint := didYouMean(ref.Table.Name, s.tables())
		if hint == "" && len(s.tables()) > 0 {
			hint = " (the FROM clause names " + strings.Join(s.tables(), ", ") + ")"
		}
		return -1, parser.Errorf(ref.At, "unknown table %q%s", ref.Table.Name, hint)
	}
	name := ref.Column.Name
	if ref.Table != nil {
		name = ref.Table.Name + "." + name
	}
	var names []string
	for _, c := range s.cols {
		names = append(names, c.name)
	}
	hint := didYouMean(ref.Column.Name, names)
	if hint == "" && len(names) > 0 && len(names) <= 12 {
		hint = " (columns: " + strings.Join(names, ", ") + ")"
	}
	return -1, parser.Errorf(ref.At, "unknown column %q%s", name, hint)
}

func (s *scope) hasTable(t string) bool {
	for _, c := range s.cols {
		if c.table == t {
			return true
		}
	}
	return false
}

func (s *scope) tables() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range s.cols {
		if !seen[c.table] {
			seen[c.table] = true
			out = append(out, c.table)
		}
	}
	return out
}

// sourceFunctions are the table functions that read a source.
var sourceFunctions = []string{"SOCKET", "FILE", "GENERATE_SERIES", "GENERATE_LINES"}

// sourceFunctionParams names the connector option each argument becomes.
var sourceFunctionParams = map[string][]string{
	"SOCKET":          {"address"},
	"FILE":            {"path"},
	"GENERATE_SERIES": {"start", "stop", "step"},
	"GENERATE_LINES":  {"rows", "words_per_line", "vocabulary", "seed"},
}

func (b *binder) bindFrom(item parser.FromItem) (*relation, error) {
	switch it := item.(type) {
	case *parser.TableName:
		return b.bindTableName(it)
	case *parser.TableFunc:
		spec, err := b.sourceFunction(it)
		if err != nil {
			return nil, err
		}
		return scanRelation(spec, strings.ToLower(it.Name.Name), it.Alias)
	case *parser.Values:
		return b.bindValues(it)
	case *parser.Unnest:
		// UNNEST on its own unnests a constant array: lateral to one empty row.
		one := &relation{node: &Scan{Source: &SourceSpec{Name: "VALUES ()", Connector: ConnectorValues, Rows: [][]types.Value{{}}, Bounded: true}}, scope: &scope{}}
		return b.bindUnnest(one, it)
	case *parser.Subquery:
		rel, err := b.bindSelect(it.Query)
		if err != nil {
			return nil, err
		}
		if len(it.Query.Options) > 0 {
			return nil, parser.Errorf(it.Query.Options[0].At, "job options belong to the outermost query")
		}
		return aliased(rel.node, "", it.Alias)
	case *parser.Join:
		return b.bindJoin(it)
	}
	return nil, fmt.Errorf("unsupported FROM item %T", item)
}

func (b *binder) bindTableName(it *parser.TableName) (*relation, error) {
	name := it.Name.Name
	if v := b.cat.View(name); v != nil {
		for _, open := range b.viewStack {
			if open == name {
				return nil, parser.Errorf(it.At, "view %q refers to itself", name)
			}
		}
		b.viewStack = append(b.viewStack, name)
		rel, err := b.bindSelect(v.Query)
		b.viewStack = b.viewStack[:len(b.viewStack)-1]
		if err != nil {
			// err is positioned in the view's definition, another statement
			// than the one being planned: report it at the view's name here.
			var perr *parser.Error
			if errors.As(err, &perr) {
				return nil, parser.Errorf(it.At, "in view %q: %s (at %s, in the view's definition)", name, perr.Msg, perr.Pos)
			}
			return nil, fmt.Errorf("in view %q: %w", name, err)
		}
		return aliased(relocate(rel.node, name, it.At), name, it.Alias)
	}
	if s := b.cat.Source(name); s != nil {
		spec := &SourceSpec{Name: name, Connector: s.Connector, Options: s.Options, Columns: s.Columns, Bounded: s.Bounded}
		return scanRelation(spec, name, it.Alias)
	}
	if b.cat.Sink(name) != nil {
		return nil, parser.Errorf(it.At, "%q is a sink; a query reads from sources and views", name)
	}
	for _, f := range sourceFunctions {
		if strings.EqualFold(f, name) {
			return nil, parser.Errorf(it.At, "%s is a source function: call it, e.g. %s(...)", f, f)
		}
	}
	return nil, parser.Errorf(it.At, "unknown source or view %q%s", name, b.catalogHint(name))
}

// plural renders a count with its noun: "1 column", "2 columns".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// relocate marks the expressions of a view's plan as coming from the view:
// each keeps where it is in the view's definition as its Origin and takes
// the view's reference in the query (at) as its position. An expression of
// a view inside the view keeps its innermost origin.
func relocate(n Node, view string, at parser.Pos) Node {
	move := func(pos parser.Pos, origin *Origin) (parser.Pos, *Origin) {
		if origin == nil {
			origin = &Origin{View: view, At: pos}
		}
		return at, origin
	}
	return transformUp(n, func(n Node) Node {
		if agg, ok := n.(*Aggregate); ok {
			m := *agg
			m.Aggs = append([]AggCall(nil), agg.Aggs...)
			for i := range m.Aggs {
				m.Aggs[i].At, m.Aggs[i].Origin = move(m.Aggs[i].At, m.Aggs[i].Origin)
			}
			return &m
		}
		return mapNodeExprs(n, func(e Expr) Expr {
			return mapExpr(e, func(x Expr) Expr {
				switch x := x.(type) {
				case *Call:
					c := *x
					c.At, c.Origin = move(x.At, x.Origin)
					return &c
				case *Cast:
					c := *x
					c.At, c.Origin = move(x.At, x.Origin)
					return &c
				}
				return x
			})
		})
	})
}

func (b *binder) catalogHint(name string) string {
	lister, ok := b.cat.(interface {
		Sources() []*SourceDef
		Views() []*ViewDef
	})
	if !ok {
		return ""
	}
	var names []string
	for _, s := range lister.Sources() {
		names = append(names, s.Name)
	}
	for _, v := range lister.Views() {
		names = append(names, v.Name)
	}
	return didYouMean(name, names)
}

func scanRelation(spec *SourceSpec, table string, alias *parser.TableAlias) (*relation, error) {
	scan := &Scan{Source: spec, Names: spec.Columns.Names()}
	return aliased(scan, table, alias)
}

// aliased names a relation: AS t renames the relation, AS t(a, b) its
// columns too. A Scan takes new column names itself; anything else gets a
// renaming projection.
func aliased(node Node, table string, alias *parser.TableAlias) (*relation, error) {
	if alias == nil {
		return &relation{node: node, scope: newScope(table, node.Schema())}, nil
	}
	schema := node.Schema()
	if len(alias.Columns) > len(schema) {
		return nil, parser.Errorf(alias.At, "%s has %s, but the alias names %d", alias.Name.Name, plural(len(schema), "column"), len(alias.Columns))
	}
	if len(alias.Columns) > 0 {
		names := schema.Names()
		for i, c := range alias.Columns {
			names[i] = c.Name
		}
		if scan, ok := node.(*Scan); ok {
			s := *scan
			s.Names = names
			node = &s
		} else {
			exprs := make([]Expr, len(schema))
			for i, c := range schema {
				exprs[i] = &ColumnRef{Index: i, Name: c.Name, T: c.Type}
			}
			node = &Project{Input: node, Exprs: exprs, Names: names}
		}
	}
	return &relation{node: node, scope: newScope(alias.Name.Name, node.Schema())}, nil
}

// sourceFunction turns SOCKET(...), FILE(...), GENERATE_SERIES(...) or
// GENERATE_LINES(...) into a source.
func (b *binder) sourceFunction(f *parser.TableFunc) (*SourceSpec, error) {
	name := strings.ToUpper(f.Name.Name)
	// An unknown function is the error to report, not its arguments.
	if !slices.Contains(sourceFunctions, name) {
		if b.cat.Source(strings.ToLower(name)) != nil || b.cat.View(strings.ToLower(name)) != nil {
			return nil, parser.Errorf(f.At, "%q is not a function; write it without parentheses", f.Name.Name)
		}
		return nil, parser.Errorf(f.At, "unknown source function %s%s (accepted: %s)", name,
			didYouMean(name, sourceFunctions), strings.Join(sourceFunctions, ", "))
	}
	args := make([]types.Value, len(f.Args))
	for i, a := range f.Args {
		v, _, err := b.constant(a, name+" arguments")
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	argc := func(lo, hi int, form string) error {
		if len(args) < lo || len(args) > hi {
			return parser.Errorf(f.At, "%s takes %s", name, form)
		}
		return nil
	}
	str := func(i int, what string) (string, error) {
		if args[i].Kind() != types.KindString {
			return "", parser.Errorf(f.Args[i].Pos(), "%s: %s must be a STRING, got %s", name, what, args[i].Kind())
		}
		return args[i].AsString(), nil
	}
	integer := func(i int, what string) (string, error) {
		if args[i].Kind() != types.KindInt {
			return "", parser.Errorf(f.Args[i].Pos(), "%s: %s must be a BIGINT, got %s", name, what, args[i].Kind())
		}
		return strconv.FormatInt(args[i].AsInt(), 10), nil
	}
	display := name + "(" + b.argText(f.Args) + ")"
	var conn string
	given := map[string]string{}
	switch name {
	case "SOCKET":
		if err := argc(1, 1, "one argument: SOCKET('host:port')"); err != nil {
			return nil, err
		}
		addr, err := str(0, "the address")
		if err != nil {
			return nil, err
		}
		conn, given["address"] = ConnectorSocket, addr
	case "FILE":
		if err := argc(1, 1, "one argument: FILE('path'); for csv or json use CREATE SOURCE with columns and format"); err != nil {
			return nil, err
		}
		path, err := str(0, "the path")
		if err != nil {
			return nil, err
		}
		conn, given["path"] = ConnectorFile, path
	case "GENERATE_SERIES":
		if err := argc(2, 3, "(start, stop[, step])"); err != nil {
			return nil, err
		}
		conn = ConnectorSeries
		for i, key := range sourceFunctionParams[name][:len(args)] {
			v, err := integer(i, key)
			if err != nil {
				return nil, err
			}
			given[key] = v
		}
		if given["step"] == "0" {
			return nil, parser.Errorf(f.Args[2].Pos(), "GENERATE_SERIES: step must not be zero")
		}
	case "GENERATE_LINES":
		if err := argc(0, 4, "([rows[, words_per_line[, vocabulary[, seed]]]]); rows 0 means unbounded"); err != nil {
			return nil, err
		}
		conn = ConnectorDatagen
		for i, key := range sourceFunctionParams[name][:len(args)] {
			v, err := integer(i, key)
			if err != nil {
				return nil, err
			}
			given[key] = v
		}
	}
	c := connectors[conn]
	opts, err := resolveConnectorOptions(c, "source", given)
	if err != nil {
		// Point at the argument that became the bad option.
		at := f.At
		var oe *optionError
		if asOptionError(err, &oe) {
			for i, key := range sourceFunctionParams[name] {
				if key == oe.key && i < len(f.Args) {
					at = parser.Start(f.Args[i])
				}
			}
		}
		return nil, parser.Errorf(at, "%s: %v", name, err)
	}
	schema, err := c.schema(opts, nil)
	if err != nil {
		return nil, parser.Errorf(f.At, "%s: %v", name, err)
	}
	return &SourceSpec{Name: display, Connector: conn, Options: opts, Columns: schema, Bounded: c.bounded(opts)}, nil
}

func (b *binder) argText(args []parser.Expr) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = parser.Format(a)
	}
	return strings.Join(parts, ", ")
}

// constant binds an expression that must not read columns and evaluates
// it, returning its value and type.
func (b *binder) constant(e parser.Expr, what string) (types.Value, types.Type, error) {
	bound, err := b.bindExpr(e, &scope{}, exprContext{clause: what})
	if err != nil {
		return types.Null, types.Type{}, err
	}
	v, err := evalConst(bound)
	if err != nil {
		// An *EvalError already says where (the / of 1/0); wrapping its
		// text would print the position twice.
		var ee *EvalError
		if errors.As(err, &ee) && ee.Pos.IsValid() {
			return types.Null, types.Type{}, parser.Errorf(ee.Pos, "%v", ee.Err)
		}
		return types.Null, types.Type{}, parser.Errorf(e.Pos(), "%v", err)
	}
	return v, bound.Type(), nil
}

func (b *binder) bindValues(v *parser.Values) (*relation, error) {
	width := len(v.Rows[0])
	rows := make([][]types.Value, len(v.Rows))
	colTypes := make([]types.Type, width)
	for i, r := range v.Rows {
		if len(r) != width {
			return nil, parser.Errorf(parser.Start(r[0]), "VALUES rows must all have %s; this one has %d", plural(width, "value"), len(r))
		}
		rows[i] = make([]types.Value, width)
		for j, e := range r {
			val, t, err := b.constant(e, "VALUES")
			if err != nil {
				return nil, err
			}
			common, ok := types.Common(colTypes[j], t)
			if !ok {
				return nil, parser.Errorf(e.Pos(), "VALUES column %d mixes %s and %s", j+1, colTypes[j], t)
			}
			colTypes[j], rows[i][j] = common, val
		}
	}
	cols := make(Schema, width)
	for j := range cols {
		t := colTypes[j]
		if t.Kind == types.KindNull {
			t = types.STRING // a column of only NULLs: STRING, as in PostgreSQL
		}
		cols[j] = Column{Name: fmt.Sprintf("column%d", j+1), Type: t}
		for i := range rows {
			c, err := castValue(rows[i][j], t)
			if err != nil {
				return nil, parser.Errorf(parser.Start(v.Rows[i][j]), "%v", err)
			}
			rows[i][j] = c
		}
	}
	spec := &SourceSpec{Name: "VALUES", Connector: ConnectorValues, Columns: cols, Rows: rows, Bounded: true}
	return scanRelation(spec, "values", v.Alias)
}

func (b *binder) bindJoin(j *parser.Join) (*relation, error) {
	un, isUnnest := j.Right.(*parser.Unnest)
	switch {
	case j.Kind == parser.JoinCross && isUnnest:
		left, err := b.bindFrom(j.Left)
		if err != nil {
			return nil, err
		}
		return b.bindUnnest(left, un)
	case j.Kind == parser.JoinCross:
		return nil, parser.Errorf(j.At, "joining two relations is not supported yet; CROSS JOIN is supported with UNNEST(...) on its right")
	}
	return nil, parser.Errorf(j.At, "%s ... ON is not supported yet; only CROSS JOIN UNNEST(...) is", j.Kind)
}

// bindUnnest joins UNNEST(array) laterally to left: each row of left is
// repeated once per element of the array computed from it.
func (b *binder) bindUnnest(left *relation, un *parser.Unnest) (*relation, error) {
	arr, err := b.bindExpr(un.Array, left.scope, exprContext{clause: "UNNEST"})
	if err != nil {
		return nil, err
	}
	if arr.Type().Kind != types.KindArray {
		return nil, parser.Errorf(un.Array.Pos(), "UNNEST expects an ARRAY, got %s", arr.Type())
	}
	table, col := "unnest", "unnest"
	if un.Alias != nil {
		table, col = un.Alias.Name.Name, un.Alias.Name.Name
		switch len(un.Alias.Columns) {
		case 0:
		case 1:
			col = un.Alias.Columns[0].Name
		default:
			return nil, parser.Errorf(un.Alias.At, "UNNEST produces one column, but the alias names %d", len(un.Alias.Columns))
		}
	}
	keep := make([]int, len(left.scope.cols))
	for i := range keep {
		keep[i] = i
	}
	node := &Unnest{Input: left.node, Array: arr, Keep: keep, Name: col}
	sc := &scope{cols: append(append([]scopeColumn(nil), left.scope.cols...), scopeColumn{table: table, name: col, typ: *arr.Type().Elem})}
	return &relation{node: node, scope: sc}, nil
}

// SourceFunctions lists the table functions that read a source, with their
// parameters, as FROM accepts them: SOCKET(address), FILE(path), ...
func SourceFunctions() []string {
	out := make([]string, len(sourceFunctions))
	for i, name := range sourceFunctions {
		out[i] = name + "(" + strings.Join(sourceFunctionParams[name], ", ") + ")"
	}
	return out
}

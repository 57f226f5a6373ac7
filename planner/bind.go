package planner

import (
	"fmt"
	"strings"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// binder resolves names and types in a query and builds its logical plan.
type binder struct {
	cat Catalog
	// viewStack holds the views being expanded, to reject a view that
	// refers to itself.
	viewStack []string
}

func newBinder(cat Catalog) *binder { return &binder{cat: cat} }

// selectItem is one output column of a select list before binding: an
// expression to bind, or (for * and t.*) an input column.
type selectItem struct {
	expr  parser.Expr
	bound Expr
	name  string
	at    parser.Pos
}

func (b *binder) bindSelect(s *parser.SelectStmt) (*relation, error) {
	in, err := b.bindInput(s)
	if err != nil {
		return nil, err
	}
	node := in.node
	if s.Where != nil {
		cond, err := b.bindCondition(s.Where, in.scope, "WHERE")
		if err != nil {
			return nil, err
		}
		node = &Filter{Input: node, Cond: cond}
	}
	items, err := b.expandItems(s.Items, in.scope)
	if err != nil {
		return nil, err
	}
	collector := &aggCollector{}
	exprs := make([]Expr, len(items))
	for i, it := range items {
		if it.bound != nil {
			exprs[i] = it.bound
			continue
		}
		if exprs[i], err = b.bindExpr(it.expr, in.scope, exprContext{clause: "SELECT", aggs: collector}); err != nil {
			return nil, err
		}
	}
	var having Expr
	if s.Having != nil {
		if having, err = b.bindExpr(s.Having, in.scope, exprContext{clause: "HAVING", aggs: collector}); err != nil {
			return nil, err
		}
		if !assignable(having.Type(), types.BOOLEAN) {
			return nil, parser.Errorf(parser.Start(s.Having), "HAVING must be a BOOLEAN condition, got %s", having.Type())
		}
		having = coerce(having, types.BOOLEAN)
	}
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.name
	}
	if len(s.GroupBy) > 0 || len(collector.refs) > 0 || having != nil {
		node, exprs, err = b.aggregate(s, node, in.scope, items, exprs, having, collector)
		if err != nil {
			return nil, err
		}
	}
	node = &Project{Input: node, Exprs: exprs, Names: names}
	if s.Distinct {
		keys := make([]int, len(exprs))
		for i := range keys {
			keys[i] = i
		}
		node = &Aggregate{Input: node, Keys: keys, Names: names}
	}
	return &relation{node: node, scope: newScope("", node.Schema())}, nil
}

func (b *binder) bindInput(s *parser.SelectStmt) (*relation, error) {
	if s.From == nil {
		one := &Scan{Source: &SourceSpec{Name: "VALUES ()", Connector: ConnectorValues, Rows: [][]types.Value{{}}, Bounded: true}}
		return &relation{node: one, scope: &scope{}}, nil
	}
	return b.bindFrom(s.From)
}

func (b *binder) bindCondition(e parser.Expr, sc *scope, clause string) (Expr, error) {
	cond, err := b.bindExpr(e, sc, exprContext{clause: clause})
	if err != nil {
		return nil, err
	}
	if !assignable(cond.Type(), types.BOOLEAN) {
		return nil, parser.Errorf(parser.Start(e), "%s must be a BOOLEAN condition, got %s", clause, cond.Type())
	}
	return coerce(cond, types.BOOLEAN), nil
}

// expandItems expands * and t.* and names every output column: its alias,
// else the column or function it is, else expr$N (N its position from 0).
func (b *binder) expandItems(items []*parser.SelectItem, sc *scope) ([]selectItem, error) {
	var out []selectItem
	for i, it := range items {
		if it.Star {
			if it.Qualifier == nil && len(sc.cols) == 0 {
				return nil, parser.Errorf(it.At, "SELECT * needs a FROM clause")
			}
			found := false
			for idx, c := range sc.cols {
				if it.Qualifier != nil && c.table != it.Qualifier.Name {
					continue
				}
				found = true
				out = append(out, selectItem{bound: &ColumnRef{Index: idx, Name: c.name, T: c.typ, At: it.At}, name: c.name, at: it.At})
			}
			if !found && it.Qualifier != nil {
				return nil, parser.Errorf(it.At, "unknown table %q%s", it.Qualifier.Name, didYouMean(it.Qualifier.Name, sc.tables()))
			}
			continue
		}
		name := fmt.Sprintf("expr$%d", i)
		switch e := it.Expr.(type) {
		case *parser.ColumnRef:
			name = e.Column.Name
		case *parser.CallExpr:
			name = strings.ToLower(e.Name.Name)
		}
		if it.Alias != nil {
			name = it.Alias.Name
		}
		out = append(out, selectItem{expr: it.Expr, name: name, at: it.At})
	}
	return out, nil
}

// aggregate plans GROUP BY: a projection computing the group keys and the
// aggregates' arguments, the Aggregate, HAVING as a filter, and returns the
// select expressions rewritten to read the Aggregate's output.
func (b *binder) aggregate(s *parser.SelectStmt, input Node, sc *scope, items []selectItem, exprs []Expr,
	having Expr, collector *aggCollector) (Node, []Expr, error) {
	var keys []Expr
	for _, g := range s.GroupBy {
		k, err := b.groupKey(g, sc, items)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
	}
	// pre-projection: keys, then each aggregate's argument and filter
	var pre []Expr
	var preNames []string
	slot := func(e Expr, name string) int {
		fp := fingerprint(e)
		for i, p := range pre {
			if fingerprint(p) == fp {
				return i
			}
		}
		pre = append(pre, e)
		preNames = append(preNames, name)
		return len(pre) - 1
	}
	keyIdx := make([]int, len(keys))
	keyNames := make([]string, len(keys))
	for i, k := range keys {
		keyNames[i] = exprName(k, fmt.Sprintf("key$%d", i))
		keyIdx[i] = slot(k, keyNames[i])
	}
	aggs := make([]AggCall, len(collector.refs))
	aggNamesOut := make([]string, len(collector.refs))
	for i, r := range collector.refs {
		call := AggCall{Kind: r.kind, Arg: -1, Filter: -1, Distinct: r.distinct, T: r.t, At: r.at}
		if r.arg != nil {
			call.Arg, call.ArgType = slot(r.arg, exprName(r.arg, fmt.Sprintf("arg$%d", i))), r.arg.Type()
		}
		if r.filter != nil {
			call.Filter = slot(r.filter, exprName(r.filter, fmt.Sprintf("filter$%d", i)))
		}
		aggs[i] = call
		aggNamesOut[i] = r.String()
	}
	// An aggregate named in the select list takes that name in EXPLAIN.
	for i, e := range exprs {
		if r, ok := e.(*aggRef); ok {
			aggNamesOut[r.index] = items[i].name
		}
	}
	projected := &Project{Input: input, Exprs: pre, Names: preNames}
	var node Node = projected
	// The keys are the first len(keys) pre columns unless two keys are the
	// same expression; the Aggregate takes them in GROUP BY order.
	agg := &Aggregate{Input: node, Keys: keyIdx, Aggs: aggs, Names: append(keyNames, aggNamesOut...)}
	node = agg
	rewrite := func(e Expr) (Expr, error) { return rewriteAggregated(e, keys, keyNames, collector.refs, agg.Names) }
	if having != nil {
		cond, err := rewrite(having)
		if err != nil {
			return nil, nil, err
		}
		node = &Filter{Input: node, Cond: cond}
	}
	out := make([]Expr, len(exprs))
	for i, e := range exprs {
		r, err := rewrite(e)
		if err != nil {
			return nil, nil, err
		}
		out[i] = r
	}
	return node, out, nil
}

// groupKey binds a GROUP BY item. Like PostgreSQL, an item may also name a
// select-list column by its alias or its position (GROUP BY 1), when it is
// not an input column.
func (b *binder) groupKey(g parser.Expr, sc *scope, items []selectItem) (Expr, error) {
	ctx := exprContext{clause: "GROUP BY"}
	if lit, ok := g.(*parser.IntLit); ok {
		if lit.Value < 1 || int(lit.Value) > len(items) {
			return nil, parser.Errorf(lit.At, "GROUP BY position %d is not in the select list (1 to %d)", lit.Value, len(items))
		}
		it := items[lit.Value-1]
		if it.bound != nil {
			return it.bound, nil
		}
		return b.bindExpr(it.expr, sc, ctx)
	}
	k, err := b.bindExpr(g, sc, ctx)
	if err == nil {
		return k, nil
	}
	if ref, ok := g.(*parser.ColumnRef); ok && ref.Table == nil {
		for _, it := range items {
			if it.name == ref.Column.Name && it.expr != nil {
				return b.bindExpr(it.expr, sc, ctx)
			}
		}
	}
	return nil, err
}

// rewriteAggregated rewrites an expression over the aggregate's input into
// one over its output: group keys and aggregate calls become column
// references; any other column is an error, as it has no single value per
// group.
func rewriteAggregated(e Expr, keys []Expr, keyNames []string, refs []*aggRef, names []string) (Expr, error) {
	fp := fingerprint(e)
	for i, k := range keys {
		if fingerprint(k) == fp {
			return &ColumnRef{Index: i, Name: keyNames[i], T: k.Type()}, nil
		}
	}
	rec := func(x Expr) (Expr, error) { return rewriteAggregated(x, keys, keyNames, refs, names) }
	all := func(xs []Expr) ([]Expr, error) {
		out := make([]Expr, len(xs))
		for i, a := range xs {
			r, err := rec(a)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	switch x := e.(type) {
	case *aggRef:
		return &ColumnRef{Index: len(keys) + x.index, Name: names[len(keys)+x.index], T: x.t}, nil
	case *ColumnRef:
		return nil, parser.Errorf(x.At, "column %q must appear in the GROUP BY clause or be used in an aggregate function", x.Name)
	case *Literal:
		return x, nil
	case *Call:
		c := *x
		args, err := all(x.Args)
		c.Args = args
		return &c, err
	case *Cast:
		c := *x
		r, err := rec(x.X)
		c.X = r
		return &c, err
	case *Logical:
		c := *x
		args, err := all(x.Args)
		c.Args = args
		return &c, err
	case *Case:
		c := *x
		c.Whens = make([]When, len(x.Whens))
		for i, w := range x.Whens {
			cond, err := rec(w.Cond)
			if err != nil {
				return nil, err
			}
			res, err := rec(w.Result)
			if err != nil {
				return nil, err
			}
			c.Whens[i] = When{Cond: cond, Result: res}
		}
		if x.Else != nil {
			r, err := rec(x.Else)
			if err != nil {
				return nil, err
			}
			c.Else = r
		}
		return &c, nil
	}
	return e, nil
}

// exprName names a computed column in EXPLAIN: a column keeps its name,
// anything else is shown as written.
func exprName(e Expr, fallback string) string {
	if c, ok := e.(*ColumnRef); ok {
		return c.Name
	}
	if s := e.String(); len(s) <= 40 {
		return s
	}
	return fallback
}

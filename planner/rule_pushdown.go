package planner

import "github.com/streamsql/streamsql/planner/types"

// pushDownFilters moves filters toward the sources, so fewer rows flow
// through the plan.
//
//	Filter(c, Filter(d, x))     ⇒ Filter(d AND c, x)               d first: it guards c (WHERE qty <> 0 below 100 / qty)
//	Filter(c, Project(e, x))    ⇒ Project(e, Filter(c[e], x))      the columns c reads are not volatile
//	Filter(c, Unnest(a, x))     ⇒ Unnest(a, Filter(c', x))         for the conjuncts c' not reading the element, that cannot fail
//	Filter(c, Aggregate(k, x))  ⇒ Aggregate(k, Filter(c', x))      for the conjuncts c' reading only keys, not volatile, k not empty
//
// Below an UNNEST a condition also runs for rows whose array is empty, which
// it would never have seen: only conditions that cannot fail move there (no
// RAISE_ERROR, no cast of a string, no arithmetic), or a job would fail that
// should not. A global aggregate (no keys) always emits its
// row, so nothing moves below it: HAVING FALSE must still remove that row.
func pushDownFilters(n Node) Node {
	children := n.Children()
	if len(children) > 0 {
		newChildren := make([]Node, len(children))
		for i, c := range children {
			newChildren[i] = pushDownFilters(c)
		}
		n = n.WithChildren(newChildren...)
	}
	f, ok := n.(*Filter)
	if !ok {
		return n
	}
	switch in := f.Input.(type) {
	case *Filter:
		merged := &Filter{Input: in.Input, Cond: conjoin(append(conjuncts(in.Cond), conjuncts(f.Cond)...))}
		return pushDownFilters(merged)
	case *Project:
		used := map[int]bool{}
		columnsUsed(f.Cond, used)
		for i := range used {
			if isVolatile(in.Exprs[i]) {
				return f
			}
		}
		below := &Filter{Input: in.Input, Cond: substitute(f.Cond, in.Exprs)}
		return in.WithChildren(pushDownFilters(below))
	case *Unnest:
		elem := len(in.Keep)
		mapping := map[int]int{}
		for out, k := range in.Keep {
			mapping[out] = k
		}
		return splitFilter(f, in, func(c Expr) (Expr, bool) {
			used := map[int]bool{}
			columnsUsed(c, used)
			if used[elem] || canFail(c) || isVolatile(c) {
				return nil, false
			}
			return remapColumns(c, mapping), true
		})
	case *Aggregate:
		if len(in.Keys) == 0 {
			return f
		}
		mapping := map[int]int{}
		for out, k := range in.Keys {
			mapping[out] = k
		}
		return splitFilter(f, in, func(c Expr) (Expr, bool) {
			used := map[int]bool{}
			columnsUsed(c, used)
			for col := range used {
				if col >= len(in.Keys) {
					return nil, false
				}
			}
			if isVolatile(c) {
				return nil, false
			}
			return remapColumns(c, mapping), true
		})
	}
	return f
}

// splitFilter pushes the conjuncts of f that push accepts below the
// single-input node in, keeping the rest above it.
func splitFilter(f *Filter, in Node, push func(Expr) (Expr, bool)) Node {
	var below, above []Expr
	for _, c := range conjuncts(f.Cond) {
		if moved, ok := push(c); ok {
			below = append(below, moved)
		} else {
			above = append(above, c)
		}
	}
	if len(below) == 0 {
		return f
	}
	child := in.Children()[0]
	var node Node = in.WithChildren(pushDownFilters(&Filter{Input: child, Cond: conjoin(below)}))
	if len(above) > 0 {
		node = &Filter{Input: node, Cond: conjoin(above)}
	}
	return node
}

// infallible are the functions that cannot fail on any input.
var infallible = map[string]bool{
	"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true, "NOT": true, "IN": true,
	"IS NULL": true, "IS NOT NULL": true, "IS TRUE": true, "IS NOT TRUE": true, "IS FALSE": true, "IS NOT FALSE": true,
	"||": true, "CONCAT": true, "LOWER": true, "UPPER": true, "TRIM": true, "LTRIM": true, "RTRIM": true,
	"LENGTH": true, "CHAR_LENGTH": true, "REPLACE": true, "SPLIT": true, "SPLIT_INDEX": true, "CARDINALITY": true,
}

// canFail reports whether evaluating e may fail on some row: it calls a
// function that can (division, RAISE_ERROR, ...), casts in a way that can,
// or matches a pattern that is not a constant.
func canFail(e Expr) bool {
	fails := false
	walkExpr(e, func(x Expr) bool {
		switch x := x.(type) {
		case *Call:
			switch {
			case x.Func == "LIKE" || x.Func == "NOT LIKE":
				_, constant := x.Args[1].(*Literal)
				fails = fails || !constant
			case !infallible[x.Func]:
				fails = true
			}
		case *Cast:
			from, to := x.X.Type(), x.T
			safe := to.Kind == types.KindString || from.Kind == types.KindNull || from.Equal(to) ||
				(from.Kind == types.KindInt && to.Kind == types.KindFloat)
			fails = fails || !safe
		}
		return !fails
	})
	return fails
}

func conjuncts(e Expr) []Expr {
	if l, ok := e.(*Logical); ok && l.Op == And {
		return l.Args
	}
	return []Expr{e}
}

func conjoin(es []Expr) Expr {
	if len(es) == 1 {
		return es[0]
	}
	return &Logical{Op: And, Args: es}
}

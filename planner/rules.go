package planner

import "fmt"

// A rule rewrites a logical plan into an equivalent one. Rules run once
// each, in order; after each, the plan's output schema must be unchanged
// (as DataFusion checks), which catches a rule that loses or reorders
// columns.
type rule struct {
	name  string
	apply func(Node) Node
}

// rules is the rewrite pipeline. Filters move down before columns are
// pruned, so that pruning sees where each column is really needed;
// projections merge last so pruning's narrowed projections fuse.
var rules = []rule{
	{"fold_constants", foldConstants},
	{"push_down_filters", pushDownFilters},
	{"prune_columns", pruneColumns},
	{"merge_projections", mergeProjections},
	{"remove_identity_projections", removeIdentityProjections},
}

// optimize applies the rules to a bound plan.
func optimize(n Node) (Node, error) {
	want := n.Schema()
	for _, r := range rules {
		out := r.apply(n)
		if got := out.Schema(); !got.Equal(want) {
			return nil, fmt.Errorf("internal error: rule %s changed the plan's schema from %s to %s", r.name, want, got)
		}
		n = out
	}
	return n, nil
}

// transformUp rebuilds a plan bottom-up, applying fn to each node after its
// children.
func transformUp(n Node, fn func(Node) Node) Node {
	children := n.Children()
	if len(children) > 0 {
		newChildren := make([]Node, len(children))
		for i, c := range children {
			newChildren[i] = transformUp(c, fn)
		}
		n = n.WithChildren(newChildren...)
	}
	return fn(n)
}

// mapNodeExprs applies fn to every expression held by a node.
func mapNodeExprs(n Node, fn func(Expr) Expr) Node {
	switch x := n.(type) {
	case *Filter:
		m := *x
		m.Cond = fn(x.Cond)
		return &m
	case *Project:
		m := *x
		m.Exprs = make([]Expr, len(x.Exprs))
		for i, e := range x.Exprs {
			m.Exprs[i] = fn(e)
		}
		return &m
	case *Unnest:
		m := *x
		m.Array = fn(x.Array)
		return &m
	}
	return n
}

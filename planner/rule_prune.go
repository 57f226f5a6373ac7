package planner

// pruneColumns removes columns no one reads: projections keep only the
// expressions read above them, UNNEST stops carrying input columns that are
// not needed, and aggregates whose results are unused are dropped.
//
//	Project(a, Unnest(SPLIT(line) AS w keep [line], x))  ⇒ Project(a, Unnest(SPLIT(line) AS w keep [], x))
//	Aggregate(k, [f, g]) with only f read                ⇒ Aggregate(k, [f])
func pruneColumns(n Node) Node {
	all := make([]bool, len(n.Schema()))
	for i := range all {
		all[i] = true
	}
	out, _ := prune(n, all)
	return out
}

// prune returns n narrowed to the required output columns, and where each
// kept column now is (old index -> new index). It may keep more columns
// than required.
func prune(n Node, required []bool) (Node, map[int]int) {
	switch x := n.(type) {
	case *Project:
		var exprs []Expr
		var names []string
		mapping := map[int]int{}
		for i, e := range x.Exprs {
			if required[i] {
				mapping[i] = len(exprs)
				exprs = append(exprs, e)
				names = append(names, x.Names[i])
			}
		}
		child, childMap := pruneFor(x.Input, exprs...)
		for i := range exprs {
			exprs[i] = remapColumns(exprs[i], childMap)
		}
		return &Project{Input: child, Exprs: exprs, Names: names}, mapping
	case *Filter:
		need := append([]bool(nil), required...)
		used := map[int]bool{}
		columnsUsed(x.Cond, used)
		for c := range used {
			need[c] = true
		}
		child, childMap := prune(x.Input, need)
		return &Filter{Input: child, Cond: remapColumns(x.Cond, childMap)}, childMap
	case *Unnest:
		elem := len(x.Keep)
		var keep []int
		mapping := map[int]int{}
		for out, k := range x.Keep {
			if required[out] {
				mapping[out] = len(keep)
				keep = append(keep, k)
			}
		}
		mapping[elem] = len(keep)
		childNeed := make([]bool, len(x.Input.Schema()))
		for _, k := range keep {
			childNeed[k] = true
		}
		used := map[int]bool{}
		columnsUsed(x.Array, used)
		for c := range used {
			childNeed[c] = true
		}
		child, childMap := prune(x.Input, childNeed)
		for i, k := range keep {
			keep[i] = childMap[k]
		}
		return &Unnest{Input: child, Array: remapColumns(x.Array, childMap), Keep: keep, Name: x.Name}, mapping
	case *Aggregate:
		mapping := map[int]int{}
		for i := range x.Keys {
			mapping[i] = i
		}
		var aggs []AggCall
		names := append([]string(nil), x.Names[:len(x.Keys)]...)
		for i, a := range x.Aggs {
			if required[len(x.Keys)+i] {
				mapping[len(x.Keys)+i] = len(x.Keys) + len(aggs)
				aggs = append(aggs, a)
				names = append(names, x.Names[len(x.Keys)+i])
			}
		}
		childNeed := make([]bool, len(x.Input.Schema()))
		for _, k := range x.Keys {
			childNeed[k] = true
		}
		for _, a := range aggs {
			if a.Arg >= 0 {
				childNeed[a.Arg] = true
			}
			if a.Filter >= 0 {
				childNeed[a.Filter] = true
			}
		}
		child, childMap := prune(x.Input, childNeed)
		keys := make([]int, len(x.Keys))
		for i, k := range x.Keys {
			keys[i] = childMap[k]
		}
		for i := range aggs {
			if aggs[i].Arg >= 0 {
				aggs[i].Arg = childMap[aggs[i].Arg]
			}
			if aggs[i].Filter >= 0 {
				aggs[i].Filter = childMap[aggs[i].Filter]
			}
		}
		return &Aggregate{Input: child, Keys: keys, Aggs: aggs, Names: names}, mapping
	}
	// Scan: a source produces all its columns; the projection above drops
	// what is not needed.
	identity := map[int]int{}
	for i := range n.Schema() {
		identity[i] = i
	}
	return n, identity
}

// pruneFor prunes n to the columns the expressions read.
func pruneFor(n Node, exprs ...Expr) (Node, map[int]int) {
	need := make([]bool, len(n.Schema()))
	used := map[int]bool{}
	for _, e := range exprs {
		columnsUsed(e, used)
	}
	for c := range used {
		need[c] = true
	}
	return prune(n, need)
}

// mergeProjections fuses a projection into the one above it.
//
//	Project(e1, Project(e2, x))  ⇒ Project(e1[e2], x)    the inlined e2 are not volatile
func mergeProjections(n Node) Node {
	return transformUp(n, func(n Node) Node {
		outer, ok := n.(*Project)
		if !ok {
			return n
		}
		inner, ok := outer.Input.(*Project)
		if !ok {
			return n
		}
		used := map[int]bool{}
		for _, e := range outer.Exprs {
			columnsUsed(e, used)
		}
		for c := range used {
			if isVolatile(inner.Exprs[c]) {
				return n
			}
		}
		exprs := make([]Expr, len(outer.Exprs))
		for i, e := range outer.Exprs {
			exprs[i] = substitute(e, inner.Exprs)
		}
		return &Project{Input: inner.Input, Exprs: exprs, Names: outer.Names}
	})
}

// removeIdentityProjections drops projections that pass their input through
// unchanged, names included.
//
//	Project([#0 AS a, #1 AS b], x[a, b])  ⇒ x
func removeIdentityProjections(n Node) Node {
	return transformUp(n, func(n Node) Node {
		p, ok := n.(*Project)
		if !ok {
			return n
		}
		in := p.Input.Schema()
		if len(p.Exprs) != len(in) {
			return n
		}
		for i, e := range p.Exprs {
			c, ok := e.(*ColumnRef)
			if !ok || c.Index != i || p.Names[i] != in[i].Name {
				return n
			}
		}
		return p.Input
	})
}

package planner

import (
	"github.com/streamsql/streamsql/planner/types"
)

// foldConstants evaluates what can be known before the job runs.
//
//	f(literal, ...)                   ⇒ literal      f neither NOW nor RAISE_ERROR, and no error
//	CAST(literal AS t)                ⇒ literal
//	x AND TRUE                        ⇒ x            (and the OR/FALSE dual)
//	x AND FALSE                       ⇒ FALSE        (and the OR/TRUE dual)
//	CASE WHEN FALSE THEN a ... END    ⇒ CASE ... END
//	CASE WHEN TRUE THEN a ... END     ⇒ a
//	Filter(TRUE, x)                   ⇒ x
//
// A call whose evaluation fails (1/0) is left for the runtime, which
// reports the error only if a row actually reaches it.
func foldConstants(n Node) Node {
	return transformUp(n, func(n Node) Node {
		n = mapNodeExprs(n, foldExpr)
		if f, ok := n.(*Filter); ok && isTrue(f.Cond) {
			return f.Input
		}
		return n
	})
}

func foldExpr(e Expr) Expr {
	return mapExpr(e, foldOne)
}

func foldOne(e Expr) Expr {
	switch x := e.(type) {
	case *Call:
		f := lookupFunction(x.Func)
		if f == nil || f.Volatile || !allLiterals(x.Args) {
			return x
		}
		if v, err := evalConst(x); err == nil {
			return &Literal{Value: v, T: x.T}
		}
	case *Cast:
		if lit, ok := x.X.(*Literal); ok {
			if v, err := castValue(lit.Value, x.T); err == nil {
				return &Literal{Value: v, T: x.T}
			}
		}
	case *Logical:
		return foldLogical(x)
	case *Case:
		return foldCase(x)
	}
	return e
}

func allLiterals(es []Expr) bool {
	for _, e := range es {
		if _, ok := e.(*Literal); !ok {
			return false
		}
	}
	return true
}

func isTrue(e Expr) bool {
	lit, ok := e.(*Literal)
	return ok && lit.Value.Kind() == types.KindBool && lit.Value.AsBool()
}

func isFalse(e Expr) bool {
	lit, ok := e.(*Literal)
	return ok && lit.Value.Kind() == types.KindBool && !lit.Value.AsBool()
}

func foldLogical(x *Logical) Expr {
	// For AND, TRUE is neutral and FALSE decides; for OR the reverse.
	neutral, decisive := isTrue, isFalse
	if x.Op == Or {
		neutral, decisive = isFalse, isTrue
	}
	var args []Expr
	for _, a := range x.Args {
		switch {
		case decisive(a):
			return a
		case neutral(a):
		default:
			args = append(args, a)
		}
	}
	switch len(args) {
	case 0:
		return &Literal{Value: types.Bool(x.Op == And), T: types.BOOLEAN}
	case 1:
		return args[0]
	}
	return &Logical{Op: x.Op, Args: args}
}

func foldCase(x *Case) Expr {
	var whens []When
	for _, w := range x.Whens {
		if lit, ok := w.Cond.(*Literal); ok {
			if isTrue(lit) {
				if len(whens) == 0 {
					return w.Result
				}
				return &Case{Whens: whens, Else: w.Result, T: x.T}
			}
			continue // FALSE or NULL: never taken
		}
		whens = append(whens, w)
	}
	if len(whens) == 0 {
		if x.Else != nil {
			return x.Else
		}
		return &Literal{Value: types.Null, T: x.T}
	}
	return &Case{Whens: whens, Else: x.Else, T: x.T}
}

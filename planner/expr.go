package planner

import (
	"strings"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// Expr is a bound, type-checked scalar expression. It is plain data: column
// references are positions in the input row, functions are named; Compile
// turns it into code. The set of expressions is closed.
type Expr interface {
	// Type is the type of the expression's value.
	Type() types.Type
	// String renders the expression for EXPLAIN.
	String() string
	exprNode()
}

// ColumnRef reads column Index of the input row. At is where the SQL
// names it, when it does.
type ColumnRef struct {
	Index int
	Name  string
	T     types.Type
	At    parser.Pos
}

// Literal is a constant.
type Literal struct {
	Value types.Value
	T     types.Type
}

// Call applies a scalar function or operator (named by its symbol: "+",
// "=", "NOT", "IS NULL", ...) to its arguments. At is where the call is in
// the SQL, for runtime errors; Origin is set when it comes from a view.
type Call struct {
	Func   string
	Args   []Expr
	T      types.Type
	At     parser.Pos
	Origin *Origin
}

// Origin says that an expression was written in a view's definition, and
// where. The expression's own position is then where the query names the
// view, so that an error points into the statement the user is running.
type Origin struct {
	View string
	At   parser.Pos
}

// When is one arm of a Case.
type When struct {
	Cond   Expr
	Result Expr
}

// Case is a searched CASE: the Result of the first Cond that is TRUE, else
// Else (NULL when Else is nil). Only the chosen arm is evaluated.
type Case struct {
	Whens []When
	Else  Expr
	T     types.Type
}

// Cast converts X to type T.
type Cast struct {
	X      Expr
	T      types.Type
	At     parser.Pos
	Origin *Origin
}

// LogicalOp is AND or OR.
type LogicalOp int

// The logical operators.
const (
	And LogicalOp = iota + 1
	Or
)

// Logical is an n-ary AND or OR with SQL's three-valued logic. Arguments are
// evaluated left to right and evaluation stops once the result is known.
type Logical struct {
	Op   LogicalOp
	Args []Expr
}

// Type implementations.

func (e *ColumnRef) Type() types.Type { return e.T }
func (e *Literal) Type() types.Type   { return e.T }
func (e *Call) Type() types.Type      { return e.T }
func (e *Case) Type() types.Type      { return e.T }
func (e *Cast) Type() types.Type      { return e.T }
func (e *Logical) Type() types.Type   { return types.BOOLEAN }

// exprNode seals the family.

func (*ColumnRef) exprNode() {}
func (*Literal) exprNode()   {}
func (*Call) exprNode()      {}
func (*Case) exprNode()      {}
func (*Cast) exprNode()      {}
func (*Logical) exprNode()   {}

// String implementations: canonical SQL-like text, used by EXPLAIN and to
// recognize a GROUP BY expression repeated in the select list.

func (e *ColumnRef) String() string { return e.Name }

func (e *Literal) String() string {
	switch {
	case e.Value.IsNull():
		if e.T.Kind == types.KindNull {
			return "NULL"
		}
		return "CAST(NULL AS " + e.T.String() + ")"
	}
	return literalText(e.Value)
}

// literalText renders a constant as SQL would write it.
func literalText(v types.Value) string {
	switch v.Kind() {
	case types.KindString:
		return parser.QuoteString(v.AsString())
	case types.KindTimestamp:
		return "TIMESTAMP " + parser.QuoteString(v.String())
	case types.KindInterval:
		return "INTERVAL " + parser.QuoteString(FormatDuration(v.AsInterval()))
	case types.KindArray:
		parts := make([]string, len(v.AsArray()))
		for i, e := range v.AsArray() {
			parts[i] = literalText(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return v.String()
}

func (e *Call) String() string {
	if len(e.Args) == 2 && isInfix(e.Func) {
		return operand(e.Args[0]) + " " + e.Func + " " + operand(e.Args[1])
	}
	switch e.Func {
	case "NOT":
		return "NOT " + operand(e.Args[0])
	case "NEG":
		return "-" + operand(e.Args[0])
	case "IS NULL", "IS NOT NULL", "IS TRUE", "IS NOT TRUE", "IS FALSE", "IS NOT FALSE":
		return operand(e.Args[0]) + " " + e.Func
	case "IN":
		return operand(e.Args[0]) + " IN (" + joinExprs(e.Args[1:]) + ")"
	}
	return e.Func + "(" + joinExprs(e.Args) + ")"
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func (e *Cast) String() string { return "CAST(" + e.X.String() + " AS " + e.T.String() + ")" }

func (e *Logical) String() string {
	op := " AND "
	if e.Op == Or {
		op = " OR "
	}
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = operand(a)
	}
	return strings.Join(parts, op)
}

var infixOps = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "%": true, "||": true,
	"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true, "LIKE": true, "NOT LIKE": true,
}

func isInfix(name string) bool { return infixOps[name] }

// operand renders an operand of an operator, parenthesized unless it is
// atomic, so that EXPLAIN output is never ambiguous.
func operand(e Expr) string {
	switch e := e.(type) {
	case *ColumnRef, *Literal, *Cast, *Case:
		return e.String()
	case *Call:
		if !isInfix(e.Func) && !strings.HasPrefix(e.Func, "IS ") && e.Func != "IN" && e.Func != "NOT" && e.Func != "NEG" {
			return e.String()
		}
	}
	return "(" + e.String() + ")"
}

func joinExprs(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// walkExpr calls fn for e and every expression inside it, parents first;
// fn returns false to skip an expression's children.
func walkExpr(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch e := e.(type) {
	case *Call:
		for _, a := range e.Args {
			walkExpr(a, fn)
		}
	case *Case:
		for _, w := range e.Whens {
			walkExpr(w.Cond, fn)
			walkExpr(w.Result, fn)
		}
		walkExpr(e.Else, fn)
	case *Cast:
		walkExpr(e.X, fn)
	case *Logical:
		for _, a := range e.Args {
			walkExpr(a, fn)
		}
	}
}

// mapExpr rebuilds e bottom-up, replacing each expression by fn's result.
func mapExpr(e Expr, fn func(Expr) Expr) Expr {
	if e == nil {
		return nil
	}
	switch x := e.(type) {
	case *Call:
		c := *x
		c.Args = mapExprs(x.Args, fn)
		return fn(&c)
	case *Case:
		c := *x
		c.Whens = make([]When, len(x.Whens))
		for i, w := range x.Whens {
			c.Whens[i] = When{Cond: mapExpr(w.Cond, fn), Result: mapExpr(w.Result, fn)}
		}
		c.Else = mapExpr(x.Else, fn)
		return fn(&c)
	case *Cast:
		c := *x
		c.X = mapExpr(x.X, fn)
		return fn(&c)
	case *Logical:
		c := *x
		c.Args = mapExprs(x.Args, fn)
		return fn(&c)
	}
	return fn(e)
}

func mapExprs(es []Expr, fn func(Expr) Expr) []Expr {
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = mapExpr(e, fn)
	}
	return out
}

// columnsUsed returns the input columns e reads.
func columnsUsed(e Expr, used map[int]bool) {
	walkExpr(e, func(x Expr) bool {
		if c, ok := x.(*ColumnRef); ok {
			used[c.Index] = true
		}
		return true
	})
}

// remapColumns rewrites column indexes through mapping (old index -> new).
func remapColumns(e Expr, mapping map[int]int) Expr {
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColumnRef); ok {
			n := *c
			n.Index = mapping[c.Index]
			return &n
		}
		return x
	})
}

// substitute replaces column references by the expressions they name
// (inlining a projection into the expression above it).
func substitute(e Expr, exprs []Expr) Expr {
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColumnRef); ok {
			return exprs[c.Index]
		}
		return x
	})
}

// isVolatile reports whether e calls a function whose result may differ
// between two evaluations (NOW) or that has an effect (RAISE_ERROR).
func isVolatile(e Expr) bool {
	volatile := false
	walkExpr(e, func(x Expr) bool {
		if c, ok := x.(*Call); ok {
			if f := lookupFunction(c.Func); f != nil && f.Volatile {
				volatile = true
			}
		}
		return !volatile
	})
	return volatile
}

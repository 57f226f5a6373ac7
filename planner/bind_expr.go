package planner

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// exprContext is where an expression is bound: the clause (for messages)
// and, where aggregates are allowed, the collector of aggregate calls.
type exprContext struct {
	clause string
	aggs   *aggCollector
}

// aggCollector gathers the aggregate calls of a select list and HAVING.
type aggCollector struct {
	refs []*aggRef
}

// aggRef stands for an aggregate call while the select list is bound; once
// the Aggregate node exists it becomes a reference to the aggregate's
// output column.
type aggRef struct {
	index    int
	at       parser.Pos
	kind     AggKind
	arg      Expr // nil for COUNT(*)
	distinct bool
	filter   Expr
	t        types.Type
}

func (a *aggRef) Type() types.Type { return a.t }
func (a *aggRef) String() string {
	arg := "*"
	if a.arg != nil {
		arg = a.arg.String()
		if a.distinct {
			arg = "DISTINCT " + arg
		}
	}
	s := a.kind.String() + "(" + arg + ")"
	if a.filter != nil {
		s += " FILTER (WHERE " + a.filter.String() + ")"
	}
	return s
}
func (a *aggRef) exprNode() {}

// add registers a call, sharing the entry of an identical one.
func (c *aggCollector) add(r *aggRef) *aggRef {
	key := fingerprint(r)
	for _, old := range c.refs {
		if fingerprint(old) == key {
			return old
		}
	}
	r.index = len(c.refs)
	c.refs = append(c.refs, r)
	return r
}

// fingerprint identifies an expression by its structure, with columns by
// position, so that `GROUP BY lower(w)` matches `SELECT lower(w)`.
func fingerprint(e Expr) string {
	if a, ok := e.(*aggRef); ok {
		s := a.kind.String() + "|" + fmt.Sprint(a.distinct) + "|"
		if a.arg != nil {
			s += fingerprint(a.arg)
		}
		if a.filter != nil {
			s += "|" + fingerprint(a.filter)
		}
		return s
	}
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColumnRef); ok {
			n := *c
			n.Name = fmt.Sprintf("#%d", c.Index)
			return &n
		}
		return x
	}).String()
}

func (b *binder) bindExpr(e parser.Expr, sc *scope, ctx exprContext) (Expr, error) {
	switch e := e.(type) {
	case *parser.IntLit:
		return &Literal{Value: types.Int(e.Value), T: types.BIGINT}, nil
	case *parser.FloatLit:
		return &Literal{Value: types.Float(e.Value), T: types.DOUBLE}, nil
	case *parser.StringLit:
		return &Literal{Value: types.Str(e.Value), T: types.STRING}, nil
	case *parser.BoolLit:
		return &Literal{Value: types.Bool(e.Value), T: types.BOOLEAN}, nil
	case *parser.NullLit:
		return &Literal{Value: types.Null, T: types.NULL}, nil
	case *parser.IntervalLit:
		d, err := intervalValue(e)
		if err != nil {
			return nil, parser.Errorf(e.At, "%v", err)
		}
		return &Literal{Value: types.Interval(d), T: types.INTERVAL}, nil
	case *parser.TimestampLit:
		t, ok := types.ParseTimestamp(e.Value)
		if !ok {
			return nil, parser.Errorf(e.At, "bad timestamp %s (expected 'yyyy-mm-dd hh:mm:ss[.fff]' from %s to %s)",
				parser.QuoteString(e.Value), types.MinTimestamp.Format("2006-01-02"), types.MaxTimestamp.Format("2006-01-02"))
		}
		return &Literal{Value: types.Timestamp(t), T: types.TIMESTAMP}, nil
	case *parser.ColumnRef:
		idx, err := sc.resolve(e)
		if err != nil {
			if e.Table == nil && (e.Column.Name == "current_timestamp" || e.Column.Name == "localtimestamp") {
				return &Call{Func: "CURRENT_TIMESTAMP", T: types.TIMESTAMP, At: e.At}, nil
			}
			return nil, err
		}
		c := sc.cols[idx]
		return &ColumnRef{Index: idx, Name: c.name, T: c.typ, At: e.At}, nil
	case *parser.UnaryExpr:
		return b.bindUnary(e, sc, ctx)
	case *parser.BinaryExpr:
		return b.bindBinary(e, sc, ctx)
	case *parser.IsExpr:
		x, err := b.bindExpr(e.X, sc, ctx)
		if err != nil {
			return nil, err
		}
		name := "IS " + e.What.String()
		if e.Not {
			name = "IS NOT " + e.What.String()
		}
		return b.call(name, []Expr{x}, e.At)
	case *parser.InExpr:
		x, err := b.bindExpr(e.X, sc, ctx)
		if err != nil {
			return nil, err
		}
		args := []Expr{x}
		for _, item := range e.List {
			a, err := b.bindExpr(item, sc, ctx)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		in, err := b.call("IN", args, e.At)
		if err != nil || !e.Not {
			return in, err
		}
		return b.call("NOT", []Expr{in}, e.At)
	case *parser.BetweenExpr:
		return b.bindBetween(e, sc, ctx)
	case *parser.CaseExpr:
		return b.bindCase(e, sc, ctx)
	case *parser.CastExpr:
		x, err := b.bindExpr(e.X, sc, ctx)
		if err != nil {
			return nil, err
		}
		to, err := resolveType(e.Type)
		if err != nil {
			return nil, err
		}
		if !castable(x.Type(), to) {
			return nil, parser.Errorf(e.At, "cannot cast %s to %s", x.Type(), to)
		}
		if lit, ok := x.(*Literal); ok && lit.Value.IsNull() {
			return &Literal{Value: types.Null, T: to}, nil
		}
		return &Cast{X: x, T: to, At: e.At}, nil
	case *parser.CallExpr:
		return b.bindCall(e, sc, ctx)
	}
	return nil, parser.Errorf(e.Pos(), "unsupported expression")
}

func intervalValue(e *parser.IntervalLit) (time.Duration, error) {
	if e.Unit == "" {
		return ParseDuration(e.Value)
	}
	return ParseDuration(e.Value + " " + strings.ToLower(e.Unit))
}

func (b *binder) bindUnary(e *parser.UnaryExpr, sc *scope, ctx exprContext) (Expr, error) {
	x, err := b.bindExpr(e.X, sc, ctx)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case parser.OpNot:
		return b.call("NOT", []Expr{x}, e.At)
	case parser.OpNeg:
		return b.call("NEG", []Expr{x}, e.At)
	}
	if k := x.Type().Kind; !x.Type().IsNumeric() && k != types.KindInterval && k != types.KindNull {
		return nil, parser.Errorf(e.At, "cannot apply unary + to %s", x.Type())
	}
	return x, nil
}

func (b *binder) bindBinary(e *parser.BinaryExpr, sc *scope, ctx exprContext) (Expr, error) {
	l, err := b.bindExpr(e.L, sc, ctx)
	if err != nil {
		return nil, err
	}
	r, err := b.bindExpr(e.R, sc, ctx)
	if err != nil {
		return nil, err
	}
	if e.Op == parser.OpAnd || e.Op == parser.OpOr {
		op := And
		if e.Op == parser.OpOr {
			op = Or
		}
		var args []Expr
		for i, x := range []Expr{l, r} {
			if !assignable(x.Type(), types.BOOLEAN) {
				return nil, parser.Errorf([]parser.Expr{e.L, e.R}[i].Pos(), "%s expects BOOLEAN operands, got %s", e.Op, x.Type())
			}
			// flatten a AND (b AND c) into one n-ary AND
			if lg, ok := x.(*Logical); ok && lg.Op == op {
				args = append(args, lg.Args...)
			} else {
				args = append(args, coerce(x, types.BOOLEAN))
			}
		}
		return &Logical{Op: op, Args: args}, nil
	}
	return b.call(e.Op.String(), []Expr{l, r}, e.At)
}

func (b *binder) bindBetween(e *parser.BetweenExpr, sc *scope, ctx exprContext) (Expr, error) {
	var parts [3]Expr
	for i, p := range []parser.Expr{e.X, e.Lo, e.Hi} {
		x, err := b.bindExpr(p, sc, ctx)
		if err != nil {
			return nil, err
		}
		parts[i] = x
	}
	lo, err := b.call(">=", []Expr{parts[0], parts[1]}, e.At)
	if err != nil {
		return nil, err
	}
	hi, err := b.call("<=", []Expr{parts[0], parts[2]}, e.At)
	if err != nil {
		return nil, err
	}
	between := &Logical{Op: And, Args: []Expr{lo, hi}}
	if e.Not {
		return b.call("NOT", []Expr{between}, e.At)
	}
	return between, nil
}

func (b *binder) bindCase(e *parser.CaseExpr, sc *scope, ctx exprContext) (Expr, error) {
	var operand Expr
	if e.Operand != nil {
		var err error
		if operand, err = b.bindExpr(e.Operand, sc, ctx); err != nil {
			return nil, err
		}
	}
	c := &Case{T: types.NULL}
	var results []Expr
	var resultPos []parser.Pos
	for _, w := range e.Whens {
		cond, err := b.bindExpr(w.Cond, sc, ctx)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			// CASE x WHEN v THEN ... is CASE WHEN x = v THEN ...
			if cond, err = b.call("=", []Expr{operand, cond}, w.Cond.Pos()); err != nil {
				return nil, err
			}
		} else if !assignable(cond.Type(), types.BOOLEAN) {
			return nil, parser.Errorf(parser.Start(w.Cond), "WHEN expects a BOOLEAN condition, got %s", cond.Type())
		}
		res, err := b.bindExpr(w.Result, sc, ctx)
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, When{Cond: coerce(cond, types.BOOLEAN), Result: res})
		results, resultPos = append(results, res), append(resultPos, w.Result.Pos())
	}
	if e.Else != nil {
		res, err := b.bindExpr(e.Else, sc, ctx)
		if err != nil {
			return nil, err
		}
		c.Else = res
		results, resultPos = append(results, res), append(resultPos, e.Else.Pos())
	}
	for i, r := range results {
		t, ok := types.Common(c.T, r.Type())
		if !ok {
			return nil, parser.Errorf(resultPos[i], "CASE branches mix %s and %s", c.T, r.Type())
		}
		c.T = t
	}
	for i := range c.Whens {
		c.Whens[i].Result = coerce(c.Whens[i].Result, c.T)
	}
	if c.Else != nil {
		c.Else = coerce(c.Else, c.T)
	}
	return c, nil
}

// coerce converts e to type t (which e's type is known to convert to).
func coerce(e Expr, t types.Type) Expr {
	if e.Type().Equal(t) || t.Kind == types.KindNull {
		return e
	}
	if lit, ok := e.(*Literal); ok {
		if lit.Value.IsNull() {
			return &Literal{Value: types.Null, T: t}
		}
		if v, err := castValue(lit.Value, t); err == nil {
			return &Literal{Value: v, T: t}
		}
	}
	return &Cast{X: e, T: t}
}

// call binds a call of a scalar function or operator to bound arguments.
func (b *binder) call(name string, args []Expr, at parser.Pos) (Expr, error) {
	f := lookupFunction(name)
	argTypes := make([]types.Type, len(args))
	for i, a := range args {
		argTypes[i] = a.Type()
	}
	t, _, err := f.resolve(argTypes)
	if err != nil {
		if f.Operator {
			msg := err.Error()
			if strings.HasPrefix(msg, "expects") {
				// The resolver says what it accepts, not which operator it is.
				name := f.Name
				if name == "NEG" {
					name = "unary -"
				}
				msg = fmt.Sprintf("%s %s, got %s", name, msg, typeList(argTypes))
			}
			return nil, parser.Errorf(at, "%s", msg)
		}
		return nil, parser.Errorf(at, "no function matches %s%s: %s %v", f.Name, typeList(argTypes), f.Name, err)
	}
	if err := checkConstantPattern(f.Name, args); err != nil {
		return nil, parser.Errorf(at, "%v", err)
	}
	return &Call{Func: f.Name, Args: args, T: t, At: at}, nil
}

// checkConstantPattern reports a bad LIKE or regular expression pattern
// written as a literal now, rather than on every row at run time.
func checkConstantPattern(fn string, args []Expr) error {
	if len(args) < 2 {
		return nil
	}
	lit, ok := args[1].(*Literal)
	if !ok || lit.Value.Kind() != types.KindString {
		return nil
	}
	switch fn {
	case "LIKE", "NOT LIKE":
		_, err := likeToRegexp(lit.Value.AsString())
		return err
	case "REGEXP_EXTRACT":
		if _, err := regexp.Compile(lit.Value.AsString()); err != nil {
			return fmt.Errorf("bad regular expression %s: %v", parser.QuoteString(lit.Value.AsString()), regexpProblem(err))
		}
	}
	return nil
}

func (b *binder) bindCall(e *parser.CallExpr, sc *scope, ctx exprContext) (Expr, error) {
	name := strings.ToUpper(e.Name.Name)
	if agg := lookupAggregate(name); agg != nil {
		return b.bindAggregate(agg, e, sc, ctx)
	}
	switch {
	case e.Star:
		return nil, parser.Errorf(e.At, "%s(*) is not allowed; * is only allowed in COUNT(*)", name)
	case e.Distinct:
		return nil, parser.Errorf(e.At, "DISTINCT is only allowed in aggregate functions, and %s is not one", name)
	case e.Filter != nil:
		return nil, parser.Errorf(e.At, "FILTER is only allowed after aggregate functions, and %s is not one", name)
	}
	args := make([]Expr, len(e.Args))
	for i, a := range e.Args {
		x, err := b.bindExpr(a, sc, ctx)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	if name == "COALESCE" {
		return b.bindCoalesce(e, args)
	}
	if lookupFunction(name) == nil || lookupFunction(name).Operator {
		var names []string
		for _, f := range Functions() {
			names = append(names, f.Name)
		}
		names = append(names, Aggregates()...)
		names = append(names, "COALESCE")
		for _, f := range sourceFunctions {
			if f == name {
				return nil, parser.Errorf(e.At, "%s is a source function; use it in FROM", name)
			}
		}
		return nil, parser.Errorf(e.At, "unknown function %s%s", name, didYouMean(name, names))
	}
	return b.call(name, args, e.At)
}

// bindCoalesce turns COALESCE(a, b, c) into CASE WHEN a IS NOT NULL THEN a
// WHEN b IS NOT NULL THEN b ELSE c END, which evaluates lazily.
func (b *binder) bindCoalesce(e *parser.CallExpr, args []Expr) (Expr, error) {
	if len(args) == 0 {
		return nil, parser.Errorf(e.At, "COALESCE expects at least one argument")
	}
	t := types.NULL
	for i, a := range args {
		c, ok := types.Common(t, a.Type())
		if !ok {
			return nil, parser.Errorf(parser.Start(e.Args[i]), "COALESCE arguments mix %s and %s", t, a.Type())
		}
		t = c
	}
	c := &Case{T: t, Else: coerce(args[len(args)-1], t)}
	for _, a := range args[:len(args)-1] {
		notNull, err := b.call("IS NOT NULL", []Expr{a}, e.At)
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, When{Cond: notNull, Result: coerce(a, t)})
	}
	return c, nil
}

func (b *binder) bindAggregate(agg *aggregateDef, e *parser.CallExpr, sc *scope, ctx exprContext) (Expr, error) {
	if ctx.aggs == nil {
		if ctx.clause == "aggregate arguments" {
			return nil, parser.Errorf(e.At, "aggregate function calls cannot be nested")
		}
		return nil, parser.Errorf(e.At, "aggregate functions are not allowed in %s", ctx.clause)
	}
	inner := exprContext{clause: "aggregate arguments"}
	ref := &aggRef{kind: agg.kind, distinct: e.Distinct, at: e.At}
	switch {
	case e.Star && agg.kind != AggCount:
		return nil, parser.Errorf(e.At, "%s(*) is not allowed; * is only allowed in COUNT(*)", agg.Name)
	case e.Star:
		ref.kind, ref.t = AggCountStar, types.BIGINT
	case len(e.Args) != 1:
		return nil, parser.Errorf(e.At, "%s takes one argument, got %d", agg.Name, len(e.Args))
	default:
		arg, err := b.bindExpr(e.Args[0], sc, inner)
		if err != nil {
			return nil, err
		}
		t, err := agg.result(arg.Type())
		if err != nil {
			return nil, parser.Errorf(parser.Start(e.Args[0]), "%v", err)
		}
		if arg.Type().Kind == types.KindNull {
			arg = coerce(arg, types.BIGINT)
		}
		ref.arg, ref.t = arg, t
		if ref.kind == AggMin || ref.kind == AggMax {
			ref.distinct = false // the same either way
		}
	}
	if e.Filter != nil {
		f, err := b.bindExpr(e.Filter, sc, exprContext{clause: "FILTER"})
		if err != nil {
			return nil, err
		}
		if !assignable(f.Type(), types.BOOLEAN) {
			return nil, parser.Errorf(parser.Start(e.Filter), "FILTER (WHERE ...) expects a BOOLEAN condition, got %s", f.Type())
		}
		ref.filter = coerce(f, types.BOOLEAN)
	}
	return ctx.aggs.add(ref), nil
}

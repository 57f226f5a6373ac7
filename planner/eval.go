package planner

import (
	"errors"
	"fmt"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// Evaluator computes an expression for one input row. It keeps scratch
// space and compiled patterns between calls, so it is not safe for
// concurrent use: compile one per goroutine.
type Evaluator func(row types.Row) (types.Value, error)

// EvalError is a failure to evaluate an expression on a row — a division by
// zero, a value that does not cast, RAISE_ERROR — at the expression's place
// in the SQL text.
type EvalError struct {
	Pos    parser.Pos
	Origin *Origin // set when the expression is in a view's definition
	Err    error
}

// Error renders file:line:col: message; for an expression of a view, the
// position is where the query names the view, followed by where in the
// view's definition the expression is.
func (e *EvalError) Error() string {
	msg := e.Err.Error()
	if e.Origin != nil {
		msg = fmt.Sprintf("in view %q: %s (at %s, in the view's definition)", e.Origin.View, msg, e.Origin.At)
	}
	if !e.Pos.IsValid() {
		return msg
	}
	return e.Pos.String() + ": " + msg
}

// Unwrap returns the underlying error (a *RaisedError for RAISE_ERROR).
func (e *EvalError) Unwrap() error { return e.Err }

func evalErr(at parser.Pos, origin *Origin, err error) error {
	var already *EvalError
	if errors.As(err, &already) {
		return err
	}
	return &EvalError{Pos: at, Origin: origin, Err: err}
}

// Compile turns a bound expression into an Evaluator.
func Compile(e Expr) (Evaluator, error) {
	switch e := e.(type) {
	case *ColumnRef:
		idx := e.Index
		return func(row types.Row) (types.Value, error) { return row[idx], nil }, nil
	case *Literal:
		v := e.Value
		return func(types.Row) (types.Value, error) { return v, nil }, nil
	case *Call:
		return compileCall(e)
	case *Cast:
		x, err := Compile(e.X)
		if err != nil {
			return nil, err
		}
		to, at, origin := e.T, e.At, e.Origin
		if e.X.Type().Equal(to) {
			return x, nil
		}
		return func(row types.Row) (types.Value, error) {
			v, err := x(row)
			if err != nil {
				return v, err
			}
			out, err := castValue(v, to)
			if err != nil {
				return out, evalErr(at, origin, err)
			}
			return out, nil
		}, nil
	case *Case:
		return compileCase(e)
	case *Logical:
		return compileLogical(e)
	}
	return nil, fmt.Errorf("cannot compile %T", e)
}

func compileAll(es []Expr) ([]Evaluator, error) {
	out := make([]Evaluator, len(es))
	for i, e := range es {
		ev, err := Compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

func compileCall(e *Call) (Evaluator, error) {
	f := lookupFunction(e.Func)
	if f == nil {
		return nil, fmt.Errorf("unknown function %q", e.Func)
	}
	argTypes := make([]types.Type, len(e.Args))
	for i, a := range e.Args {
		argTypes[i] = a.Type()
	}
	_, fn, err := f.resolve(argTypes)
	if err != nil {
		return nil, fmt.Errorf("%s%s: %v", e.Func, typeList(argTypes), err)
	}
	args, err := compileAll(e.Args)
	if err != nil {
		return nil, err
	}
	scratch := make([]types.Value, len(args))
	strict, at, origin := f.Strict, e.At, e.Origin
	return func(row types.Row) (types.Value, error) {
		for i, arg := range args {
			v, err := arg(row)
			if err != nil {
				return v, err
			}
			if strict && v.IsNull() {
				return types.Null, nil
			}
			scratch[i] = v
		}
		v, err := fn(scratch)
		if err != nil {
			return v, evalErr(at, origin, err)
		}
		return v, nil
	}, nil
}

func compileCase(e *Case) (Evaluator, error) {
	conds := make([]Evaluator, len(e.Whens))
	results := make([]Evaluator, len(e.Whens))
	for i, w := range e.Whens {
		var err error
		if conds[i], err = Compile(w.Cond); err != nil {
			return nil, err
		}
		if results[i], err = Compile(w.Result); err != nil {
			return nil, err
		}
	}
	elseEval := func(types.Row) (types.Value, error) { return types.Null, nil }
	if e.Else != nil {
		var err error
		if elseEval, err = Compile(e.Else); err != nil {
			return nil, err
		}
	}
	return func(row types.Row) (types.Value, error) {
		for i, cond := range conds {
			c, err := cond(row)
			if err != nil {
				return c, err
			}
			if !c.IsNull() && c.AsBool() {
				return results[i](row)
			}
		}
		return elseEval(row)
	}, nil
}

// compileLogical implements three-valued AND/OR with short-circuiting: AND
// is FALSE as soon as one argument is FALSE, NULL if none is FALSE but one
// is NULL, else TRUE; OR is the dual.
func compileLogical(e *Logical) (Evaluator, error) {
	args, err := compileAll(e.Args)
	if err != nil {
		return nil, err
	}
	decisive := e.Op == Or // OR stops at TRUE, AND at FALSE
	return func(row types.Row) (types.Value, error) {
		sawNull := false
		for _, arg := range args {
			v, err := arg(row)
			if err != nil {
				return v, err
			}
			if v.IsNull() {
				sawNull = true
				continue
			}
			if v.AsBool() == decisive {
				return v, nil
			}
		}
		if sawNull {
			return types.Null, nil
		}
		return types.Bool(!decisive), nil
	}, nil
}

// evalConst evaluates an expression that reads no columns.
func evalConst(e Expr) (types.Value, error) {
	ev, err := Compile(e)
	if err != nil {
		return types.Null, err
	}
	return ev(nil)
}

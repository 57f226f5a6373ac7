package planner

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// Operators are functions named by their symbol; the binder turns each
// parser operator into a Call of one of these.

var (
	errDivByZero         = errors.New("division by zero")
	errIntOverflow       = errors.New("BIGINT out of range")
	errTimestampOverflow = errors.New("TIMESTAMP out of range")
)

func init() {
	for _, op := range []string{"+", "-", "*", "/", "%"} {
		register(&Function{Name: op, Operator: true, Strict: true, resolve: arithmetic(op)})
	}
	for _, op := range []string{"=", "<>", "<", "<=", ">", ">="} {
		register(&Function{Name: op, Operator: true, Strict: true, resolve: comparison(op)})
	}
	register(&Function{Name: "||", Operator: true, Strict: true, resolve: concatResolver})
	register(&Function{Name: "NOT", Operator: true, Strict: true, resolve: overloads(
		sig(types.BOOLEAN, func(a []types.Value) (types.Value, error) { return types.Bool(!a[0].AsBool()), nil }, types.BOOLEAN))})
	register(&Function{Name: "NEG", Operator: true, Strict: true, resolve: overloads(
		sig(types.BIGINT, func(a []types.Value) (types.Value, error) {
			if a[0].AsInt() == math.MinInt64 {
				return types.Null, errIntOverflow
			}
			return types.Int(-a[0].AsInt()), nil
		}, types.BIGINT),
		sig(types.DOUBLE, func(a []types.Value) (types.Value, error) { return types.Float(-a[0].AsFloat()), nil }, types.DOUBLE),
		sig(types.INTERVAL, func(a []types.Value) (types.Value, error) { return types.Interval(-a[0].AsInterval()), nil }, types.INTERVAL),
	)})
	registerIs := func(name string, test func(v types.Value) bool, param types.Type) {
		register(&Function{Name: name, Operator: true, resolve: func(args []types.Type) (types.Type, evalFunc, error) {
			if len(args) != 1 || (param.Kind != types.KindNull && !assignable(args[0], param)) {
				return types.Type{}, nil, fmt.Errorf("expects a %s operand", param)
			}
			return types.BOOLEAN, func(a []types.Value) (types.Value, error) { return types.Bool(test(a[0])), nil }, nil
		}})
	}
	registerIs("IS NULL", func(v types.Value) bool { return v.IsNull() }, types.NULL)
	registerIs("IS NOT NULL", func(v types.Value) bool { return !v.IsNull() }, types.NULL)
	registerIs("IS TRUE", func(v types.Value) bool { return !v.IsNull() && v.AsBool() }, types.BOOLEAN)
	registerIs("IS NOT TRUE", func(v types.Value) bool { return v.IsNull() || !v.AsBool() }, types.BOOLEAN)
	registerIs("IS FALSE", func(v types.Value) bool { return !v.IsNull() && !v.AsBool() }, types.BOOLEAN)
	registerIs("IS NOT FALSE", func(v types.Value) bool { return v.IsNull() || v.AsBool() }, types.BOOLEAN)
	register(&Function{Name: "IN", Operator: true, resolve: inResolver})
	register(&Function{Name: "LIKE", Operator: true, Strict: true, resolve: likeResolver(false)})
	register(&Function{Name: "NOT LIKE", Operator: true, Strict: true, resolve: likeResolver(true)})
}

func arithmetic(op string) resolver {
	return func(args []types.Type) (types.Type, evalFunc, error) {
		if len(args) != 2 {
			return types.Type{}, nil, fmt.Errorf("takes two operands")
		}
		a, b := args[0], args[1]
		if a.Kind == types.KindNull && b.Kind == types.KindNull {
			a, b = types.BIGINT, types.BIGINT
		}
		if a.Kind == types.KindNull {
			a = b
		}
		if b.Kind == types.KindNull {
			b = a
		}
		switch {
		case a.Kind == types.KindInt && b.Kind == types.KindInt:
			return types.BIGINT, intArith(op), nil
		case a.IsNumeric() && b.IsNumeric():
			return types.DOUBLE, floatArith(op), nil
		}
		if t, fn := temporalArith(op, a, b); fn != nil {
			return t, fn, nil
		}
		return types.Type{}, nil, fmt.Errorf("cannot apply %s to %s and %s", op, args[0], args[1])
	}
}

func intArith(op string) evalFunc {
	switch op {
	case "+":
		return func(v []types.Value) (types.Value, error) {
			a, b := v[0].AsInt(), v[1].AsInt()
			r := a + b
			if (a > 0 && b > 0 && r < 0) || (a < 0 && b < 0 && r >= 0) {
				return types.Null, errIntOverflow
			}
			return types.Int(r), nil
		}
	case "-":
		return func(v []types.Value) (types.Value, error) {
			a, b := v[0].AsInt(), v[1].AsInt()
			r := a - b
			if (a >= 0 && b < 0 && r < 0) || (a < 0 && b > 0 && r >= 0) {
				return types.Null, errIntOverflow
			}
			return types.Int(r), nil
		}
	case "*":
		return func(v []types.Value) (types.Value, error) {
			a, b := v[0].AsInt(), v[1].AsInt()
			if a == 0 || b == 0 {
				return types.Int(0), nil
			}
			r := a * b
			if r/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
				return types.Null, errIntOverflow
			}
			return types.Int(r), nil
		}
	case "/":
		return func(v []types.Value) (types.Value, error) {
			a, b := v[0].AsInt(), v[1].AsInt()
			switch {
			case b == 0:
				return types.Null, errDivByZero
			case a == math.MinInt64 && b == -1:
				return types.Null, errIntOverflow
			}
			return types.Int(a / b), nil
		}
	default:
		return func(v []types.Value) (types.Value, error) {
			a, b := v[0].AsInt(), v[1].AsInt()
			switch {
			case b == 0:
				return types.Null, errDivByZero
			case b == -1:
				return types.Int(0), nil
			}
			return types.Int(a % b), nil
		}
	}
}

func floatArith(op string) evalFunc {
	switch op {
	case "+":
		return func(v []types.Value) (types.Value, error) { return types.Float(v[0].AsFloat() + v[1].AsFloat()), nil }
	case "-":
		return func(v []types.Value) (types.Value, error) { return types.Float(v[0].AsFloat() - v[1].AsFloat()), nil }
	case "*":
		return func(v []types.Value) (types.Value, error) { return types.Float(v[0].AsFloat() * v[1].AsFloat()), nil }
	case "/":
		return func(v []types.Value) (types.Value, error) {
			if v[1].AsFloat() == 0 {
				return types.Null, errDivByZero
			}
			return types.Float(v[0].AsFloat() / v[1].AsFloat()), nil
		}
	default:
		return func(v []types.Value) (types.Value, error) {
			if v[1].AsFloat() == 0 {
				return types.Null, errDivByZero
			}
			return types.Float(math.Mod(v[0].AsFloat(), v[1].AsFloat())), nil
		}
	}
}

// temporalArith covers TIMESTAMP ± INTERVAL, TIMESTAMP - TIMESTAMP,
// INTERVAL ± INTERVAL and INTERVAL * or / BIGINT.
func temporalArith(op string, a, b types.Type) (types.Type, evalFunc) {
	ts, iv := types.KindTimestamp, types.KindInterval
	switch {
	case (a.Kind == ts && b.Kind == iv && (op == "+" || op == "-")) || (a.Kind == iv && b.Kind == ts && op == "+"):
		// Both are nanoseconds; the checked BIGINT arithmetic catches a
		// result beyond the years a TIMESTAMP can hold.
		fn := intArith(op)
		return types.TIMESTAMP, func(v []types.Value) (types.Value, error) {
			r, err := fn([]types.Value{types.Int(v[0].AsNanos()), types.Int(v[1].AsNanos())})
			if err != nil {
				return types.Null, errTimestampOverflow
			}
			return types.TimestampNanos(r.AsInt()), nil
		}
	case a.Kind == ts && b.Kind == ts && op == "-":
		fn := intArith(op)
		return types.INTERVAL, func(v []types.Value) (types.Value, error) {
			r, err := fn([]types.Value{types.Int(v[0].AsNanos()), types.Int(v[1].AsNanos())})
			return types.Interval(time.Duration(r.AsInt())), err
		}
	case a.Kind == iv && b.Kind == iv && (op == "+" || op == "-"):
		fn := intArith(op)
		return types.INTERVAL, func(v []types.Value) (types.Value, error) {
			r, err := fn([]types.Value{types.Int(v[0].AsNanos()), types.Int(v[1].AsNanos())})
			return types.Interval(time.Duration(r.AsInt())), err
		}
	case a.Kind == iv && b.Kind == types.KindInt && (op == "*" || op == "/"):
		fn := intArith(op)
		return types.INTERVAL, func(v []types.Value) (types.Value, error) {
			r, err := fn([]types.Value{types.Int(v[0].AsNanos()), v[1]})
			return types.Interval(time.Duration(r.AsInt())), err
		}
	}
	return types.Type{}, nil
}

func comparison(op string) resolver {
	var test func(c int) bool
	switch op {
	case "=":
		test = func(c int) bool { return c == 0 }
	case "<>":
		test = func(c int) bool { return c != 0 }
	case "<":
		test = func(c int) bool { return c < 0 }
	case "<=":
		test = func(c int) bool { return c <= 0 }
	case ">":
		test = func(c int) bool { return c > 0 }
	default:
		test = func(c int) bool { return c >= 0 }
	}
	return func(args []types.Type) (types.Type, evalFunc, error) {
		if len(args) != 2 {
			return types.Type{}, nil, fmt.Errorf("takes two operands")
		}
		common, ok := types.Common(args[0], args[1])
		if !ok {
			return types.Type{}, nil, fmt.Errorf("cannot compare %s with %s", args[0], args[1])
		}
		if !common.Comparable() && op != "=" && op != "<>" {
			return types.Type{}, nil, fmt.Errorf("%s values have no order: %s cannot compare them (= and <> can)", common, op)
		}
		return types.BOOLEAN, func(v []types.Value) (types.Value, error) {
			return types.Bool(test(types.Compare(v[0], v[1]))), nil
		}, nil
	}
}

// inResolver types x IN (a, b, ...): the list must share a type with x.
// Following SQL, the result is NULL when x is NULL, or when nothing matched
// and the list holds a NULL.
func inResolver(args []types.Type) (types.Type, evalFunc, error) {
	for _, a := range args[1:] {
		if _, ok := types.Common(args[0], a); !ok {
			return types.Type{}, nil, fmt.Errorf("cannot compare %s with %s in IN list", args[0], a)
		}
	}
	return types.BOOLEAN, func(v []types.Value) (types.Value, error) {
		if v[0].IsNull() {
			return types.Null, nil
		}
		sawNull := false
		for _, item := range v[1:] {
			if item.IsNull() {
				sawNull = true
				continue
			}
			if types.Compare(v[0], item) == 0 {
				return types.Bool(true), nil
			}
		}
		if sawNull {
			return types.Null, nil
		}
		return types.Bool(false), nil
	}, nil
}

// concatResolver types a || b. Like PostgreSQL, a non-string operand is
// converted to its text form, so 'n = ' || 42 works.
func concatResolver(args []types.Type) (types.Type, evalFunc, error) {
	for _, a := range args {
		if a.Kind == types.KindArray {
			return types.Type{}, nil, fmt.Errorf("cannot concatenate %s", a)
		}
	}
	return types.STRING, func(v []types.Value) (types.Value, error) {
		return types.Str(textOf(v[0]) + textOf(v[1])), nil
	}, nil
}

func textOf(v types.Value) string {
	if v.Kind() == types.KindString {
		return v.AsString()
	}
	return v.String()
}

func likeResolver(negate bool) resolver {
	return func(args []types.Type) (types.Type, evalFunc, error) {
		if len(args) != 2 || !assignable(args[0], types.STRING) || !assignable(args[1], types.STRING) {
			return types.Type{}, nil, fmt.Errorf("expects (STRING, STRING)")
		}
		cache := patternCache{compile: likeToRegexp}
		return types.BOOLEAN, func(v []types.Value) (types.Value, error) {
			re, err := cache.get(v[1].AsString())
			if err != nil {
				return types.Null, err
			}
			return types.Bool(re.MatchString(v[0].AsString()) != negate), nil
		}, nil
	}
}

// likeToRegexp translates a LIKE pattern: % is any run of characters, _ any
// one character, and a backslash makes the next character literal.
func likeToRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			b.WriteString(regexp.QuoteMeta(string(r)))
			escaped = false
		case r == '\\':
			escaped = true
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if escaped {
		return nil, fmt.Errorf("LIKE pattern %s ends with an escape character", parser.QuoteString(pattern))
	}
	b.WriteString(`$`)
	return regexp.Compile(b.String())
}

// patternCache keeps the last compiled pattern: patterns are nearly always
// constants, so one entry compiles each pattern once.
type patternCache struct {
	compile func(string) (*regexp.Regexp, error)
	last    string
	re      *regexp.Regexp
}

func (c *patternCache) get(p string) (*regexp.Regexp, error) {
	if c.re != nil && c.last == p {
		return c.re, nil
	}
	re, err := c.compile(p)
	if err != nil {
		return nil, err
	}
	c.last, c.re = p, re
	return re, nil
}

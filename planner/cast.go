package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// castable reports whether CAST(x AS to) is allowed for x of type from.
// Whether a particular value converts (is 'abc' a BIGINT?) is decided when
// the cast runs.
func castable(from, to types.Type) bool {
	if from.Kind == types.KindNull || from.Equal(to) || to.Kind == types.KindString && from.Kind != types.KindArray {
		return true
	}
	switch to.Kind {
	case types.KindBool, types.KindInt, types.KindFloat:
		return from.Kind == types.KindString || from.Kind == types.KindBool || from.IsNumeric()
	case types.KindTimestamp, types.KindInterval:
		return from.Kind == types.KindString
	case types.KindArray:
		return from.Kind == types.KindArray && castable(*from.Elem, *to.Elem)
	}
	return false
}

// castValue converts a non-NULL value to type to.
func castValue(v types.Value, to types.Type) (types.Value, error) {
	if v.IsNull() {
		return v, nil
	}
	from := v.Kind()
	switch to.Kind {
	case types.KindString:
		return types.Str(textOf(v)), nil
	case types.KindBool:
		switch from {
		case types.KindBool:
			return v, nil
		case types.KindInt:
			return types.Bool(v.AsInt() != 0), nil
		case types.KindFloat:
			return types.Bool(v.AsFloat() != 0), nil
		case types.KindString:
			switch strings.ToLower(strings.TrimSpace(v.AsString())) {
			case "true", "t", "yes", "y", "on", "1":
				return types.Bool(true), nil
			case "false", "f", "no", "n", "off", "0":
				return types.Bool(false), nil
			}
		}
	case types.KindInt:
		switch from {
		case types.KindInt:
			return v, nil
		case types.KindBool:
			if v.AsBool() {
				return types.Int(1), nil
			}
			return types.Int(0), nil
		case types.KindFloat:
			// Truncates toward zero, as Flink and Java do.
			f := math.Trunc(v.AsFloat())
			if math.IsNaN(f) || f < math.MinInt64 || f >= math.MaxInt64 {
				return types.Null, fmt.Errorf("cannot cast %s to BIGINT: out of range", v)
			}
			return types.Int(int64(f)), nil
		case types.KindString:
			if i, err := strconv.ParseInt(strings.TrimSpace(v.AsString()), 10, 64); err == nil {
				return types.Int(i), nil
			}
		}
	case types.KindFloat:
		switch from {
		case types.KindFloat:
			return v, nil
		case types.KindInt:
			return types.Float(float64(v.AsInt())), nil
		case types.KindBool:
			if v.AsBool() {
				return types.Float(1), nil
			}
			return types.Float(0), nil
		case types.KindString:
			if f, err := strconv.ParseFloat(strings.TrimSpace(v.AsString()), 64); err == nil {
				return types.Float(f), nil
			}
		}
	case types.KindTimestamp:
		if from == types.KindTimestamp {
			return v, nil
		}
		if t, ok := types.ParseTimestamp(v.AsString()); ok {
			return types.Timestamp(t), nil
		}
	case types.KindInterval:
		if from == types.KindInterval {
			return v, nil
		}
		if d, err := ParseDuration(v.AsString()); err == nil {
			return types.Interval(d), nil
		}
	case types.KindArray:
		elems := make([]types.Value, len(v.AsArray()))
		for i, e := range v.AsArray() {
			c, err := castValue(e, *to.Elem)
			if err != nil {
				return types.Null, err
			}
			elems[i] = c
		}
		return types.Array(elems), nil
	}
	return types.Null, fmt.Errorf("cannot cast %s to %s", quoteValue(v), to)
}

// quoteValue shows a value in an error message: strings quoted, so that an
// empty or blank string is visible, and long ones shortened.
func quoteValue(v types.Value) string {
	if v.Kind() != types.KindString {
		return v.String()
	}
	s := v.AsString()
	if len(s) > 60 {
		s = strings.ToValidUTF8(s[:57], "") + "..."
	}
	return parser.QuoteString(s)
}

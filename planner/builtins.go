package planner

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// The scalar functions of SPEC §3.1 and a few more, each with the syntax,
// description and example that help shows.

// RaisedError is what RAISE_ERROR(msg) fails with; Msg is the user's text.
type RaisedError struct{ Msg string }

// Error returns the user's message.
func (e *RaisedError) Error() string { return e.Msg }

var nowFunc = time.Now

func init() {
	str, i64, f64 := types.STRING, types.BIGINT, types.DOUBLE
	strFn := func(fn func(string) string) evalFunc {
		return func(a []types.Value) (types.Value, error) { return types.Str(fn(a[0].AsString())), nil }
	}
	register(&Function{
		Name: "SPLIT", Strict: true, Syntax: "SPLIT(s STRING, sep STRING) -> ARRAY<STRING>",
		Doc:     "Splits s at every occurrence of sep. Empty strings appear between adjacent separators and at the ends; an empty sep splits into characters.",
		Example: "SPLIT('a b  c', ' ') = ['a', 'b', '', 'c']",
		resolve: overloads(sig(types.ArrayOf(str), func(a []types.Value) (types.Value, error) {
			parts := strings.Split(a[0].AsString(), a[1].AsString())
			elems := make([]types.Value, len(parts))
			for i, p := range parts {
				elems[i] = types.Str(p)
			}
			return types.Array(elems), nil
		}, str, str)),
	})
	register(&Function{
		Name: "SPLIT_INDEX", Strict: true, Syntax: "SPLIT_INDEX(s STRING, sep STRING, index BIGINT) -> STRING",
		Doc:     "The index-th piece (from 0) of s split at sep, or NULL when there is no such piece.",
		Example: "SPLIT_INDEX('a,b,c', ',', 1) = 'b'",
		resolve: overloads(sig(str, func(a []types.Value) (types.Value, error) {
			parts := strings.Split(a[0].AsString(), a[1].AsString())
			idx := a[2].AsInt()
			if idx < 0 || idx >= int64(len(parts)) {
				return types.Null, nil
			}
			return types.Str(parts[idx]), nil
		}, str, str, i64)),
	})
	register(&Function{Name: "LOWER", Strict: true, Syntax: "LOWER(s STRING) -> STRING", Doc: "s in lower case.",
		Example: "LOWER('Hello') = 'hello'", resolve: overloads(sig(str, strFn(strings.ToLower), str))})
	register(&Function{Name: "UPPER", Strict: true, Syntax: "UPPER(s STRING) -> STRING", Doc: "s in upper case.",
		Example: "UPPER('Hello') = 'HELLO'", resolve: overloads(sig(str, strFn(strings.ToUpper), str))})
	trimSpaces := func(fn func(string, string) string) func(string) string {
		return func(s string) string { return fn(s, " ") }
	}
	register(&Function{Name: "TRIM", Strict: true, Syntax: "TRIM(s STRING) -> STRING", Doc: "s without leading and trailing spaces.",
		Example: "TRIM('  hi  ') = 'hi'", resolve: overloads(sig(str, strFn(trimSpaces(strings.Trim)), str))})
	register(&Function{Name: "LTRIM", Strict: true, Syntax: "LTRIM(s STRING) -> STRING", Doc: "s without leading spaces.",
		Example: "LTRIM('  hi') = 'hi'", resolve: overloads(sig(str, strFn(trimSpaces(strings.TrimLeft)), str))})
	register(&Function{Name: "RTRIM", Strict: true, Syntax: "RTRIM(s STRING) -> STRING", Doc: "s without trailing spaces.",
		Example: "RTRIM('hi  ') = 'hi'", resolve: overloads(sig(str, strFn(trimSpaces(strings.TrimRight)), str))})
	length := overloads(sig(i64, func(a []types.Value) (types.Value, error) {
		return types.Int(int64(utf8.RuneCountInString(a[0].AsString()))), nil
	}, str))
	register(&Function{Name: "LENGTH", Strict: true, Syntax: "LENGTH(s STRING) -> BIGINT", Doc: "The number of characters in s.",
		Example: "LENGTH('héllo') = 5", resolve: length})
	register(&Function{Name: "CHAR_LENGTH", Strict: true, Syntax: "CHAR_LENGTH(s STRING) -> BIGINT", Doc: "The same as LENGTH.",
		Example: "CHAR_LENGTH('abc') = 3", resolve: length})
	register(&Function{
		Name: "SUBSTRING", Strict: true, Syntax: "SUBSTRING(s STRING, start BIGINT [, length BIGINT]) -> STRING",
		Doc:     "The characters of s from position start (the first is 1), length of them or all to the end.",
		Example: "SUBSTRING('streaming', 1, 6) = 'stream'",
		resolve: overloads(sig(str, substring, str, i64), sig(str, substring, str, i64, i64)),
	})
	register(&Function{
		Name: "CONCAT", Strict: true, Syntax: "CONCAT(a, b, ...) -> STRING",
		Doc:     "The arguments' text joined; NULL if any argument is NULL.",
		Example: "CONCAT('a', 1, 'b') = 'a1b'",
		resolve: func(args []types.Type) (types.Type, evalFunc, error) {
			if len(args) == 0 {
				return types.Type{}, nil, fmt.Errorf("expects at least one argument")
			}
			if _, _, err := concatResolver(args); err != nil {
				return types.Type{}, nil, err
			}
			return str, func(a []types.Value) (types.Value, error) {
				var b strings.Builder
				for _, v := range a {
					b.WriteString(textOf(v))
				}
				return types.Str(b.String()), nil
			}, nil
		},
	})
	register(&Function{
		Name: "REPLACE", Strict: true, Syntax: "REPLACE(s STRING, from STRING, to STRING) -> STRING",
		Doc: "s with every occurrence of from replaced by to.", Example: "REPLACE('a-b-c', '-', '+') = 'a+b+c'",
		resolve: overloads(sig(str, func(a []types.Value) (types.Value, error) {
			return types.Str(strings.ReplaceAll(a[0].AsString(), a[1].AsString(), a[2].AsString())), nil
		}, str, str, str)),
	})
	register(&Function{
		Name: "REGEXP_EXTRACT", Strict: true, Syntax: "REGEXP_EXTRACT(s STRING, pattern STRING [, group BIGINT]) -> STRING",
		Doc:     "The part of s matched by group (0, the default, is the whole match) of the first match of pattern (RE2 syntax), or NULL when it does not match.",
		Example: "REGEXP_EXTRACT('user=42', 'user=(\\d+)', 1) = '42'",
		resolve: func(args []types.Type) (types.Type, evalFunc, error) {
			cache := patternCache{compile: regexp.Compile}
			fn := func(a []types.Value) (types.Value, error) {
				re, err := cache.get(a[1].AsString())
				if err != nil {
					return types.Null, fmt.Errorf("bad regular expression %s: %v", parser.QuoteString(a[1].AsString()), regexpProblem(err))
				}
				group := int64(0)
				if len(a) > 2 {
					group = a[2].AsInt()
				}
				if group < 0 || group > int64(re.NumSubexp()) {
					return types.Null, fmt.Errorf("group %d does not exist in %s", group, parser.QuoteString(a[1].AsString()))
				}
				m := re.FindStringSubmatchIndex(a[0].AsString())
				if m == nil || m[2*group] < 0 {
					return types.Null, nil
				}
				return types.Str(a[0].AsString()[m[2*group]:m[2*group+1]]), nil
			}
			return overloads(sig(str, fn, str, str), sig(str, fn, str, str, i64))(args)
		},
	})
	register(&Function{
		Name: "ABS", Strict: true, Syntax: "ABS(x) -> same type as x", Doc: "The absolute value of x.", Example: "ABS(-3) = 3",
		resolve: overloads(
			sig(i64, func(a []types.Value) (types.Value, error) {
				v := a[0].AsInt()
				if v == math.MinInt64 {
					return types.Null, errIntOverflow
				}
				if v < 0 {
					v = -v
				}
				return types.Int(v), nil
			}, i64),
			sig(f64, func(a []types.Value) (types.Value, error) { return types.Float(math.Abs(a[0].AsFloat())), nil }, f64)),
	})
	register(&Function{
		Name: "ROUND", Strict: true, Syntax: "ROUND(x [, digits BIGINT]) -> same type as x",
		Doc: "x rounded half away from zero to digits decimal places (default 0).", Example: "ROUND(2.345, 2) = 2.35",
		resolve: overloads(
			sig(i64, func(a []types.Value) (types.Value, error) { return a[0], nil }, i64),
			sig(i64, func(a []types.Value) (types.Value, error) { return roundInt(a[0].AsInt(), a[1].AsInt()) }, i64, i64),
			sig(f64, func(a []types.Value) (types.Value, error) { return types.Float(roundFloat(a[0].AsFloat(), 0)), nil }, f64),
			sig(f64, func(a []types.Value) (types.Value, error) {
				return types.Float(roundFloat(a[0].AsFloat(), a[1].AsInt())), nil
			}, f64, i64)),
	})
	register(&Function{
		Name: "FLOOR", Strict: true, Syntax: "FLOOR(x) -> same type as x", Doc: "The largest integer not above x.", Example: "FLOOR(2.7) = 2.0",
		resolve: overloads(sig(i64, func(a []types.Value) (types.Value, error) { return a[0], nil }, i64),
			sig(f64, func(a []types.Value) (types.Value, error) { return types.Float(math.Floor(a[0].AsFloat())), nil }, f64)),
	})
	register(&Function{
		Name: "CEIL", Strict: true, Syntax: "CEIL(x) -> same type as x", Doc: "The smallest integer not below x.", Example: "CEIL(2.1) = 3.0",
		resolve: overloads(sig(i64, func(a []types.Value) (types.Value, error) { return a[0], nil }, i64),
			sig(f64, func(a []types.Value) (types.Value, error) { return types.Float(math.Ceil(a[0].AsFloat())), nil }, f64)),
	})
	register(&Function{
		Name: "CARDINALITY", Strict: true, Syntax: "CARDINALITY(a ARRAY) -> BIGINT", Doc: "The number of elements of a.",
		Example: "CARDINALITY(SPLIT('a b', ' ')) = 2",
		resolve: func(args []types.Type) (types.Type, evalFunc, error) {
			if len(args) != 1 || (args[0].Kind != types.KindArray && args[0].Kind != types.KindNull) {
				return types.Type{}, nil, fmt.Errorf("expects (ARRAY)")
			}
			return i64, func(a []types.Value) (types.Value, error) { return types.Int(int64(len(a[0].AsArray()))), nil }, nil
		},
	})
	now := overloads(sig(types.TIMESTAMP, func([]types.Value) (types.Value, error) { return types.Timestamp(nowFunc()), nil }))
	register(&Function{Name: "NOW", Volatile: true, Syntax: "NOW() -> TIMESTAMP",
		Doc: "The current time (UTC) when the row is processed.", Example: "SELECT NOW()", resolve: now})
	register(&Function{Name: "CURRENT_TIMESTAMP", Volatile: true, Syntax: "CURRENT_TIMESTAMP -> TIMESTAMP",
		Doc: "The same as NOW(); written without parentheses.", Example: "SELECT CURRENT_TIMESTAMP", resolve: now})
	register(&Function{
		Name: "RAISE_ERROR", Volatile: true, Syntax: "RAISE_ERROR(message STRING) -> any type",
		Doc:     "Fails the job with message when evaluated (the job then restarts or ends FAILED per its restart strategy). Its value is NULL of whatever type the context needs, so it fits in any CASE branch.",
		Example: "CASE WHEN line = 'ERROR' THEN RAISE_ERROR('bad line') ELSE TRUE END",
		resolve: func(args []types.Type) (types.Type, evalFunc, error) {
			if len(args) != 1 || !assignable(args[0], str) {
				return types.Type{}, nil, fmt.Errorf("expects (STRING)")
			}
			return types.NULL, func(a []types.Value) (types.Value, error) {
				return types.Null, &RaisedError{Msg: a[0].String()}
			}, nil
		},
	})
}

// regexpProblem is what is wrong with a pattern, without the pattern that
// regexp's error repeats.
func regexpProblem(err error) string {
	var syn *syntax.Error
	if errors.As(err, &syn) {
		return syn.Code.String()
	}
	return err.Error()
}

func substring(a []types.Value) (types.Value, error) {
	s := a[0].AsString()
	start := a[1].AsInt()
	end := int64(math.MaxInt64)
	if len(a) > 2 {
		n := a[2].AsInt()
		if n < 0 {
			return types.Null, fmt.Errorf("negative substring length %d", n)
		}
		if start > math.MaxInt64-n {
			end = math.MaxInt64
		} else {
			end = start + n
		}
	}
	// Positions are 1-based; a start before 1 still counts toward length,
	// as in PostgreSQL: SUBSTRING('abc', 0, 2) = 'a'.
	var b strings.Builder
	pos := int64(1)
	for _, r := range s {
		if pos >= end {
			break
		}
		if pos >= start {
			b.WriteRune(r)
		}
		pos++
	}
	return types.Str(b.String()), nil
}

// roundFloat rounds the shortest decimal that reads back as x (what the
// user wrote and sees), not x's binary value, as Flink does: the double
// nearest 1.005 is a little below it, yet ROUND(1.005, 2) is 1.01.
func roundFloat(x float64, digits int64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) || x == 0 {
		return x
	}
	digits = max(-400, min(400, digits)) // beyond any double's digits either way
	mant, exp, _ := strings.Cut(strconv.FormatFloat(math.Abs(x), 'e', -1, 64), "e")
	e, _ := strconv.ParseInt(exp, 10, 64)
	ds := strings.Replace(mant, ".", "", 1) // significant digits, the first worth 10^e
	keep := e + 1 + digits                  // how many of them stay
	switch {
	case keep >= int64(len(ds)):
		return x
	case keep < 0:
		return 0
	}
	n, _ := strconv.ParseUint("0"+ds[:keep], 10, 64)
	if ds[keep] >= '5' {
		n++
	}
	if n == 0 {
		return 0
	}
	r, _ := strconv.ParseFloat(strconv.FormatUint(n, 10)+"e"+strconv.FormatInt(e+1-keep, 10), 64)
	return math.Copysign(r, x)
}

func roundInt(x, digits int64) (types.Value, error) {
	if digits >= 0 {
		return types.Int(x), nil
	}
	if digits < -18 {
		// 10^19 is beyond BIGINT, and only x of at least half of it
		// would round to it rather than to 0.
		if digits == -19 && (x >= 5e18 || x <= -5e18) {
			return types.Null, errIntOverflow
		}
		return types.Int(0), nil
	}
	p := int64(math.Pow10(int(-digits)))
	half := p / 2
	r := x / p * p
	if rem := x % p; rem >= half {
		if r > math.MaxInt64-p {
			return types.Null, errIntOverflow
		}
		r += p
	} else if rem <= -half {
		if r < math.MinInt64+p {
			return types.Null, errIntOverflow
		}
		r -= p
	}
	return types.Int(r), nil
}

package types

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// TimestampLayout is how timestamps are written and read as text; the
// fraction is optional and printed only when non-zero.
const TimestampLayout = "2006-01-02 15:04:05.999999999"

// String renders v as text: what CAST(v AS STRING) gives and what result
// rows show. NULL is "NULL", booleans TRUE and FALSE, doubles as Java and
// Flink print them (1.0, 0.5, 1.0E10), arrays as [a, b].
func (v Value) String() string {
	switch v.kind {
	case KindNull:
		return "NULL"
	case KindBool:
		if v.AsBool() {
			return "TRUE"
		}
		return "FALSE"
	case KindInt:
		return strconv.FormatInt(v.AsInt(), 10)
	case KindFloat:
		return FormatDouble(v.AsFloat())
	case KindString:
		return v.AsString()
	case KindTimestamp:
		return v.AsTime().Format(TimestampLayout)
	case KindInterval:
		return v.AsInterval().String()
	case KindArray:
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range v.AsArray() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.String())
		}
		b.WriteByte(']')
		return b.String()
	}
	return "?"
}

// FormatDouble renders a DOUBLE the way Java's Double.toString does, which
// is what Flink prints: plain decimals with at least one fractional digit for
// magnitudes in [1e-3, 1e7), scientific notation (1.0E10) otherwise.
func FormatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if abs := math.Abs(f); abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1.5E+10, 1E-05
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(exp, "+-0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}

// ParseTimestamp reads a timestamp written as 'yyyy-mm-dd[ hh:mm:ss[.fff]]'
// (a T instead of the space is accepted too). A timestamp is nanoseconds
// since the epoch in an int64, so ok is false outside MinTimestamp to
// MaxTimestamp.
func ParseTimestamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{TimestampLayout, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return t, !t.Before(MinTimestamp) && !t.After(MaxTimestamp)
		}
	}
	return time.Time{}, false
}

// MinTimestamp and MaxTimestamp are the first and the last TIMESTAMP
// (in 1677 and 2262).
var (
	MinTimestamp = time.Unix(0, math.MinInt64).UTC()
	MaxTimestamp = time.Unix(0, math.MaxInt64).UTC()
)

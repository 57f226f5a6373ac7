package types

import (
	"math"
	"strings"
	"time"
	"unsafe"
)

// Value is one SQL value. It is a small struct rather than an interface so
// that rows are flat slices without an allocation per value: numbers,
// booleans, timestamps and intervals live in num; a string is its bytes in
// ptr and its length in num, an array its first element in ptr and its
// length in num. The zero Value is NULL.
//
// One pointer and one word, rather than a string header and a slice header
// beside the number, make a Value 24 bytes instead of 56: rows, batches and
// the changelog an aggregate emits take less than half the memory, and the
// collector less than half the work.
type Value struct {
	ptr  unsafe.Pointer
	num  uint64
	kind Kind
}

// Null is the NULL value.
var Null = Value{}

// Bool returns a BOOLEAN value.
func Bool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.num = 1
	}
	return v
}

// Int returns a BIGINT value.
func Int(i int64) Value { return Value{kind: KindInt, num: uint64(i)} }

// Float returns a DOUBLE value.
func Float(f float64) Value { return Value{kind: KindFloat, num: math.Float64bits(f)} }

// Str returns a STRING value.
func Str(s string) Value {
	if len(s) == 0 {
		return Value{kind: KindString} // no pointer to nothing, which could point past an object
	}
	return Value{kind: KindString, ptr: unsafe.Pointer(unsafe.StringData(s)), num: uint64(len(s))}
}

// Timestamp returns a TIMESTAMP value. Timestamps have no time zone; they are
// kept as nanoseconds since the Unix epoch, read as UTC.
func Timestamp(t time.Time) Value { return Value{kind: KindTimestamp, num: uint64(t.UnixNano())} }

// TimestampNanos returns a TIMESTAMP from nanoseconds since the Unix epoch.
func TimestampNanos(ns int64) Value { return Value{kind: KindTimestamp, num: uint64(ns)} }

// Interval returns an INTERVAL value.
func Interval(d time.Duration) Value { return Value{kind: KindInterval, num: uint64(d)} }

// Array returns an ARRAY value holding elems (not copied).
func Array(elems []Value) Value {
	if len(elems) == 0 {
		return Value{kind: KindArray}
	}
	return Value{kind: KindArray, ptr: unsafe.Pointer(unsafe.SliceData(elems)), num: uint64(len(elems))}
}

// Kind returns the kind of the value; KindNull for NULL.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.kind == KindNull }

// AsBool returns a BOOLEAN's value.
func (v Value) AsBool() bool { return v.num != 0 }

// AsInt returns a BIGINT's value.
func (v Value) AsInt() int64 { return int64(v.num) }

// AsFloat returns a DOUBLE's value, or a BIGINT's value widened.
func (v Value) AsFloat() float64 {
	if v.kind == KindInt {
		return float64(int64(v.num))
	}
	return math.Float64frombits(v.num)
}

// AsString returns a STRING's value.
func (v Value) AsString() string {
	if v.kind != KindString || v.ptr == nil {
		return ""
	}
	return unsafe.String((*byte)(v.ptr), int(v.num))
}

// AsTime returns a TIMESTAMP's value in UTC.
func (v Value) AsTime() time.Time { return time.Unix(0, int64(v.num)).UTC() }

// AsNanos returns a TIMESTAMP's nanoseconds since the epoch or an INTERVAL's
// length in nanoseconds.
func (v Value) AsNanos() int64 { return int64(v.num) }

// AsInterval returns an INTERVAL's value.
func (v Value) AsInterval() time.Duration { return time.Duration(v.num) }

// AsArray returns an ARRAY's elements.
func (v Value) AsArray() []Value {
	if v.kind != KindArray || v.ptr == nil {
		return nil
	}
	return unsafe.Slice((*Value)(v.ptr), int(v.num))
}

// Compare orders two non-NULL values of the same type (BIGINT and DOUBLE
// compare with each other). NULLs sort first. For DOUBLE, NaN sorts after
// every other number, as in PostgreSQL, so that the order is total.
func Compare(a, b Value) int {
	switch {
	case a.kind == KindNull || b.kind == KindNull:
		return cmpBool(a.kind != KindNull, b.kind != KindNull)
	case a.kind == KindInt && b.kind == KindInt, a.kind == KindTimestamp, a.kind == KindInterval:
		return cmpOrdered(int64(a.num), int64(b.num))
	case a.kind == KindFloat || b.kind == KindFloat:
		return cmpFloat(a.AsFloat(), b.AsFloat())
	case a.kind == KindString:
		return strings.Compare(a.AsString(), b.AsString())
	case a.kind == KindBool:
		return cmpOrdered(a.num, b.num)
	case a.kind == KindArray:
		aa, ba := a.AsArray(), b.AsArray()
		for i := 0; i < len(aa) && i < len(ba); i++ {
			if c := Compare(aa[i], ba[i]); c != 0 {
				return c
			}
		}
		return cmpOrdered(len(aa), len(ba))
	}
	return 0
}

// Equal reports whether a and b are the same value; NULL equals NULL here
// (this is identity for grouping and state, not SQL's = operator).
func Equal(a, b Value) bool {
	if a.kind != b.kind && !(a.IsNumber() && b.IsNumber()) {
		return false
	}
	return Compare(a, b) == 0
}

// IsNumber reports whether v is a BIGINT or DOUBLE.
func (v Value) IsNumber() bool { return v.kind == KindInt || v.kind == KindFloat }

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func cmpOrdered[T int | int64 | uint64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an || bn:
		return cmpBool(an, bn)
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

package exec

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/streamsql/streamsql/planner/types"
)

// sameValue reports whether two values are identical: the same kind, and
// for DOUBLE the same bits up to NaN payloads (NaN equals NaN) — stricter
// than types.Equal, which takes BIGINT 1 and DOUBLE 1.0 as one value.
func sameValue(a, b types.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case types.KindFloat:
		x, y := a.AsFloat(), b.AsFloat()
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		return math.Float64bits(x) == math.Float64bits(y)
	case types.KindArray:
		ea, eb := a.AsArray(), b.AsArray()
		if len(ea) != len(eb) {
			return false
		}
		for i := range ea {
			if !sameValue(ea[i], eb[i]) {
				return false
			}
		}
		return true
	}
	return types.Equal(a, b)
}

func TestCodecRoundTrip(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 45, 0, 123456789, time.UTC)
	tests := []struct {
		name string
		v    types.Value
	}{
		{"null", types.Null},
		{"true", types.Bool(true)},
		{"false", types.Bool(false)},
		{"int zero", types.Int(0)},
		{"int one", types.Int(1)},
		{"int negative", types.Int(-42)},
		{"int max", types.Int(math.MaxInt64)},
		{"int min", types.Int(math.MinInt64)},
		{"double", types.Float(1.5)},
		{"double negative", types.Float(-0.25)},
		{"double zero", types.Float(0)},
		{"double NaN", types.Float(math.NaN())},
		{"double +Inf", types.Float(math.Inf(1))},
		{"double -Inf", types.Float(math.Inf(-1))},
		{"double max", types.Float(math.MaxFloat64)},
		{"double smallest", types.Float(math.SmallestNonzeroFloat64)},
		{"string empty", types.Str("")},
		{"string ascii", types.Str("hello")},
		{"string non-ASCII", types.Str("héllo, 世界 🎉")},
		{"string with NUL and 0xff", types.Str("a\x00b\xffc")},
		{"string long", types.Str(strings.Repeat("x", 300))}, // a two-byte length
		{"timestamp", types.Timestamp(ts)},
		{"timestamp before epoch", types.TimestampNanos(-1)},
		{"timestamp min", types.TimestampNanos(math.MinInt64)},
		{"interval", types.Interval(90 * time.Second)},
		{"interval negative", types.Interval(-time.Millisecond)},
		{"array empty", types.Array([]types.Value{})},
		{"array of strings", types.Array([]types.Value{types.Str("a"), types.Str(""), types.Null})},
		{"array nested", types.Array([]types.Value{
			types.Array([]types.Value{types.Int(1), types.Int(2)}),
			types.Array(nil),
			types.Array([]types.Value{types.Array([]types.Value{types.Str("deep")})}),
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := appendValue(nil, tt.v)
			got, rest, err := decodeValue(string(enc))
			if err != nil {
				t.Fatalf("decodeValue(%x): %v", enc, err)
			}
			if rest != "" {
				t.Errorf("decodeValue left %q", rest)
			}
			if !sameValue(got, tt.v) {
				t.Errorf("round trip of %v (%s) gave %v (%s)", tt.v, tt.v.Kind(), got, got.Kind())
			}
			// every truncation of the encoding is an error, never a panic
			// and never a different value
			for i := 0; i < len(enc); i++ {
				if v, _, err := decodeValue(string(enc[:i])); !errors.Is(err, errCorrupt) {
					t.Errorf("decoding the first %d of %d bytes gave %v, %v; want errCorrupt", i, len(enc), v, err)
				}
			}
			// Appending to a non-empty buffer, and reading a value followed
			// by another, leaves both intact.
			buf := appendValue([]byte("prefix"), tt.v)
			buf = appendValue(buf, types.Int(7))
			got, rest, err = decodeValue(string(buf[len("prefix"):]))
			if err != nil || !sameValue(got, tt.v) {
				t.Fatalf("decoding before another value: %v, %v", got, err)
			}
			next, rest, err := decodeValue(rest)
			if err != nil || rest != "" || !types.Equal(next, types.Int(7)) {
				t.Errorf("the following value decoded as %v, rest %q, err %v", next, rest, err)
			}
		})
	}
}

// -0.0 and 0.0 are one group key: they encode to the same bytes (the sign
// is not kept).
func TestCodecNegativeZero(t *testing.T) {
	neg, pos := appendValue(nil, types.Float(math.Copysign(0, -1))), appendValue(nil, types.Float(0))
	if string(neg) != string(pos) {
		t.Errorf("-0.0 encodes as %x, 0.0 as %x", neg, pos)
	}
	v, _, err := decodeValue(string(neg))
	if err != nil || !types.Equal(v, types.Float(0)) {
		t.Errorf("-0.0 decodes as %v, %v", v, err)
	}
}

// Equal values encode to equal bytes (the codec's contract): every NaN is
// the same value, whatever its bits (x86 arithmetic makes 0xfff8..., Go's
// math.NaN() is 0x7ff8...01).
func TestCodecNaNsAreOneKey(t *testing.T) {
	a := types.Float(math.NaN())
	b := types.Float(math.Float64frombits(0xfff8000000000000))
	if !types.Equal(a, b) {
		t.Fatal("types.Equal says the NaNs differ; this test assumes they are one value")
	}
	if ea, eb := appendValue(nil, a), appendValue(nil, b); string(ea) != string(eb) {
		t.Errorf("two NaNs encode differently: %x and %x", ea, eb)
	}
	if ha, hb := hashKey(types.Row{a}, []int{0}), hashKey(types.Row{b}, []int{0}); ha != hb {
		t.Errorf("two NaNs hash differently: %#x and %#x", ha, hb)
	}
}

func TestDecodeValuesRow(t *testing.T) {
	row := types.Row{types.Str("k"), types.Int(3), types.Null, types.Float(2.5)}
	enc := appendKey(nil, row, []int{3, 0, 2})
	dst := make([]types.Value, 3)
	rest, err := decodeValues(string(enc), dst)
	if err != nil || rest != "" {
		t.Fatalf("decodeValues: rest %q, err %v", rest, err)
	}
	want := []types.Value{types.Float(2.5), types.Str("k"), types.Null}
	for i := range want {
		if !sameValue(dst[i], want[i]) {
			t.Errorf("value %d is %v, want %v", i, dst[i], want[i])
		}
	}
	if _, err := decodeValues(string(enc), make([]types.Value, 4)); !errors.Is(err, errCorrupt) {
		t.Errorf("decoding one value too many: err %v, want errCorrupt", err)
	}
}

func TestDecodeValueCorrupt(t *testing.T) {
	str := string(appendValue(nil, types.Str("hello")))
	arr := string(appendValue(nil, types.Array([]types.Value{types.Int(1), types.Str("ab")})))
	num := string(appendValue(nil, types.Int(12345)))
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"unknown kind", "\x63" + strings.Repeat("\x00", 8)},
		{"kind past array", string([]byte{byte(types.KindArray) + 1, 0, 0, 0, 0, 0, 0, 0, 0})},
		{"int without payload", string([]byte{byte(types.KindInt)})},
		{"int truncated", num[:5]},
		{"bool truncated", string([]byte{byte(types.KindBool), 0, 0})},
		{"double truncated", string(appendValue(nil, types.Float(1)))[:8]},
		{"timestamp truncated", string(appendValue(nil, types.TimestampNanos(5)))[:3]},
		{"interval truncated", string(appendValue(nil, types.Interval(5)))[:1]},
		{"string without length", string([]byte{byte(types.KindString)})},
		{"string truncated", str[:len(str)-1]},
		{"string length huge", string([]byte{byte(types.KindString), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})},
		{"string length overflows int", string([]byte{byte(types.KindString), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 'a'})},
		{"string varint unterminated", string([]byte{byte(types.KindString), 0x80, 0x80})},
		{"varint too long", string([]byte{byte(types.KindString), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})},
		{"array without count", string([]byte{byte(types.KindArray)})},
		{"array truncated", arr[:len(arr)-1]},
		{"array missing elements", arr[:3]},
		{"array count huge", string([]byte{byte(types.KindArray), 0xff, 0xff, 0xff, 0xff, 0x0f})},
		{"array count past the data", string([]byte{byte(types.KindArray), 0x05, byte(types.KindNull), byte(types.KindNull)})},
		{"array with a bad element", string([]byte{byte(types.KindArray), 0x01, 0x63})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("decodeValue(%x) panicked: %v", tt.in, r)
					}
				}()
				_, _, err = decodeValue(tt.in)
			}()
			if !errors.Is(err, errCorrupt) {
				t.Errorf("decodeValue(%x): err %v, want errCorrupt", tt.in, err)
			}
		})
	}
}

// FuzzDecodeValue checks that decodeValue never panics, and that whatever
// it accepts re-encodes to the bytes it read (up to NaN payloads and the
// sign of zero, which the encoder normalizes, and the spelling of a varint
// or a boolean).
func FuzzDecodeValue(f *testing.F) {
	for _, v := range []types.Value{
		types.Null, types.Bool(true), types.Int(-1), types.Float(math.Inf(-1)), types.Str("héllo"),
		types.TimestampNanos(1e18), types.Interval(time.Hour),
		types.Array([]types.Value{types.Str("a"), types.Array([]types.Value{types.Null})}),
	} {
		f.Add(appendValue(nil, v))
	}
	f.Add([]byte{byte(types.KindArray), 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, rest, err := decodeValue(string(data))
		if err != nil {
			return
		}
		if len(rest) > len(data) {
			t.Fatalf("rest is longer than the input")
		}
		again, rest2, err := decodeValue(string(appendValue(nil, v)))
		if err != nil || rest2 != "" {
			t.Fatalf("re-decoding %v: rest %q, err %v", v, rest2, err)
		}
		if !sameValue(again, v) && !(v.Kind() == types.KindFloat && v.AsFloat() == 0) {
			t.Fatalf("%v re-decoded as %v", v, again)
		}
	})
}

func TestHashKeyEqualKeys(t *testing.T) {
	negZero := math.Copysign(0, -1)
	tests := []struct {
		name string
		a, b types.Row
	}{
		{"ints", types.Row{types.Int(7)}, types.Row{types.Int(7)}},
		{"strings", types.Row{types.Str("héllo")}, types.Row{types.Str(string([]byte("héllo")))}},
		{"substring of a longer string", types.Row{types.Str("ab")}, types.Row{types.Str("xaby"[1:3])}},
		{"-0.0 and 0.0", types.Row{types.Float(negZero)}, types.Row{types.Float(0)}},
		{"nulls", types.Row{types.Null}, types.Row{types.Null}},
		{"arrays", types.Row{types.Array([]types.Value{types.Str("a"), types.Float(negZero)})},
			types.Row{types.Array([]types.Value{types.Str("a"), types.Float(0)})}},
		{"multi-column", types.Row{types.Str("k"), types.Bool(true), types.TimestampNanos(9)},
			types.Row{types.Str("k"), types.Bool(true), types.TimestampNanos(9)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx := make([]int, len(tt.a))
			for i := range idx {
				idx[i] = i
			}
			if ha, hb := hashKey(tt.a, idx), hashKey(tt.b, idx); ha != hb {
				t.Errorf("hashKey(%v) = %#x, hashKey(%v) = %#x", tt.a, ha, tt.b, hb)
			}
		})
	}
}

// The key columns are picked by idx, in idx's order; other columns do
// not matter.
func TestHashKeyColumns(t *testing.T) {
	a := types.Row{types.Str("x"), types.Int(1), types.Str("ignored")}
	b := types.Row{types.Str("other"), types.Int(1), types.Str("x")}
	if hashKey(a, []int{0, 1}) != hashKey(b, []int{2, 1}) {
		t.Error("the same key values in other columns hash differently")
	}
	if hashKey(a, []int{0, 1}) == hashKey(a, []int{1, 0}) {
		t.Error("the column order does not change the hash")
	}
}

// Different keys that a careless hash would mix up hash differently: the
// string terminator keeps ("ab", "c") apart from ("a", "bc"), and the kind
// byte keeps BIGINT 1 apart from TIMESTAMP 1 and NULL from an empty string.
func TestHashKeyDistinguishes(t *testing.T) {
	pairs := []struct{ a, b types.Row }{
		{types.Row{types.Str("ab"), types.Str("c")}, types.Row{types.Str("a"), types.Str("bc")}},
		{types.Row{types.Int(1)}, types.Row{types.TimestampNanos(1)}},
		{types.Row{types.Null}, types.Row{types.Str("")}},
		{types.Row{types.Bool(false)}, types.Row{types.Null}},
		{types.Row{types.Int(1)}, types.Row{types.Float(1)}},
	}
	for _, p := range pairs {
		idx := make([]int, len(p.a))
		for i := range idx {
			idx[i] = i
		}
		if hashKey(p.a, idx) == hashKey(p.b, idx) {
			t.Errorf("%v and %v hash the same", p.a, p.b)
		}
	}
}

// TestHashKeyStable pins hashKey's values (computed independently with
// hash/fnv over the documented byte layout). Keyed state is partitioned by
// this hash, so a change to the function would send restored keys to the
// wrong subtasks: if this test fails, the change breaks restoring state.
func TestHashKeyStable(t *testing.T) {
	tests := []struct {
		row  types.Row
		want uint64
	}{
		{types.Row{}, 0xcbf29ce484222325}, // FNV-1a's offset basis
		{types.Row{types.Null}, 0xaf63bd4c8601b7df},
		{types.Row{types.Str("hello")}, 0x121871884382fe2a},
		{types.Row{types.Int(42)}, 0x21fdd47119083f4f},
		{types.Row{types.Float(1.5)}, 0xea8cd9bee3f19024},
		{types.Row{types.Str("word"), types.Int(-1), types.Bool(true)}, 0x65d52ecee153c6fc},
	}
	for _, tt := range tests {
		idx := make([]int, len(tt.row))
		for i := range idx {
			idx[i] = i
		}
		if got := hashKey(tt.row, idx); got != tt.want {
			t.Errorf("hashKey(%v) = %#x, want %#x", tt.row, got, tt.want)
		}
	}
}

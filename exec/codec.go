package exec

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/streamsql/streamsql/planner/types"
)

// The row codec turns values into bytes and back: group keys in aggregate
// state, distinct sets, and checkpoints. Each value is a kind byte followed
// by its payload: 8 bytes big-endian for numbers, booleans, timestamps and
// intervals; a uvarint length and the bytes for strings; a uvarint count
// and the elements for arrays; nothing for NULL. Equal values encode to
// equal bytes (a BIGINT 1 and a DOUBLE 1.0 differ, as their columns do).

// appendValue appends v's encoding to buf.
func appendValue(buf []byte, v types.Value) []byte {
	buf = append(buf, byte(v.Kind()))
	switch v.Kind() {
	case types.KindNull:
	case types.KindString:
		buf = binary.AppendUvarint(buf, uint64(len(v.AsString())))
		buf = append(buf, v.AsString()...)
	case types.KindArray:
		elems := v.AsArray()
		buf = binary.AppendUvarint(buf, uint64(len(elems)))
		for _, e := range elems {
			buf = appendValue(buf, e)
		}
	case types.KindFloat:
		f := v.AsFloat()
		switch {
		case f == 0:
			f = 0 // -0.0 and 0.0 are one group
		case math.IsNaN(f):
			f = math.NaN() // so are all NaNs
		}
		buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(f))
	case types.KindBool:
		if v.AsBool() {
			buf = binary.BigEndian.AppendUint64(buf, 1)
		} else {
			buf = binary.BigEndian.AppendUint64(buf, 0)
		}
	default:
		buf = binary.BigEndian.AppendUint64(buf, uint64(v.AsNanos()))
	}
	return buf
}

// appendKey appends the encoding of the row's columns at idx.
func appendKey(buf []byte, row types.Row, idx []int) []byte {
	for _, i := range idx {
		buf = appendValue(buf, row[i])
	}
	return buf
}

var errCorrupt = errors.New("corrupt encoded value")

// decodeValue reads one value from s, returning the rest. Strings are
// substrings of s, so decoding a key held as a Go string does not copy.
func decodeValue(s string) (types.Value, string, error) {
	if len(s) == 0 {
		return types.Null, s, errCorrupt
	}
	kind, s := types.Kind(s[0]), s[1:]
	switch kind {
	case types.KindNull:
		return types.Null, s, nil
	case types.KindString:
		n, w := uvarint(s)
		if w <= 0 || uint64(len(s)-w) < n {
			return types.Null, s, errCorrupt
		}
		return types.Str(s[w : w+int(n)]), s[w+int(n):], nil
	case types.KindArray:
		n, w := uvarint(s)
		if w <= 0 || n > uint64(len(s)) {
			return types.Null, s, errCorrupt
		}
		s = s[w:]
		elems := make([]types.Value, n)
		for i := range elems {
			var err error
			if elems[i], s, err = decodeValue(s); err != nil {
				return types.Null, s, err
			}
		}
		return types.Array(elems), s, nil
	}
	if len(s) < 8 {
		return types.Null, s, errCorrupt
	}
	bits := binary.BigEndian.Uint64([]byte(s[:8]))
	s = s[8:]
	switch kind {
	case types.KindBool:
		return types.Bool(bits != 0), s, nil
	case types.KindInt:
		return types.Int(int64(bits)), s, nil
	case types.KindFloat:
		return types.Float(math.Float64frombits(bits)), s, nil
	case types.KindTimestamp:
		return types.TimestampNanos(int64(bits)), s, nil
	case types.KindInterval:
		return types.Interval(durationOf(bits)), s, nil
	}
	return types.Null, s, errCorrupt
}

// decodeValues decodes n values into dst.
func decodeValues(s string, dst []types.Value) (string, error) {
	for i := range dst {
		var err error
		if dst[i], s, err = decodeValue(s); err != nil {
			return s, err
		}
	}
	return s, nil
}

func uvarint(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			return x | uint64(b)<<shift, i + 1
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	return 0, -1
}

// hashKey hashes the columns idx of row with FNV-1a over their encoding
// (without building it), so every process sends a key to the same subtask.
func hashKey(row types.Row, idx []int) uint64 {
	h := uint64(14695981039346656037)
	mix := func(b byte) {
		h ^= uint64(b)
		h *= 1099511628211
	}
	for _, i := range idx {
		v := row[i]
		mix(byte(v.Kind()))
		switch v.Kind() {
		case types.KindNull:
		case types.KindString:
			s := v.AsString()
			for j := 0; j < len(s); j++ {
				mix(s[j])
			}
			mix(0xff)
		case types.KindArray, types.KindFloat:
			for _, b := range appendValue(nil, v) {
				mix(b)
			}
		default:
			n := uint64(v.AsNanos())
			for j := 0; j < 8; j++ {
				mix(byte(n >> (8 * j)))
			}
		}
	}
	return h
}

func durationOf(bits uint64) time.Duration { return time.Duration(int64(bits)) }

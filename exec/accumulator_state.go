package exec

import (
	"encoding/binary"
	"math"
	"sort"

	"github.com/streamsql/streamsql/planner/types"
)

// Accumulator state in checkpoints: each accumulator appends its fields
// with the helpers below and reads them back in the same order. Values use
// the row codec; numbers are varints.

func appendVarint(b []byte, v int64) []byte   { return binary.AppendVarint(b, v) }
func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
func appendFloat(b []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

// stateReader reads fields in order; the first failure sticks, so callers
// check err once at the end.
type stateReader struct {
	s   string
	err error
}

func (r *stateReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, w := binary.Varint([]byte(r.s[:min(len(r.s), binary.MaxVarintLen64)]))
	if w <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.s = r.s[w:]
	return v
}

func (r *stateReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, w := uvarint(r.s)
	if w <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.s = r.s[w:]
	return v
}

func (r *stateReader) float() float64 {
	if r.err != nil || len(r.s) < 8 {
		r.err = errCorrupt
		return 0
	}
	f := math.Float64frombits(binary.BigEndian.Uint64([]byte(r.s[:8])))
	r.s = r.s[8:]
	return f
}

func (r *stateReader) value() types.Value {
	if r.err != nil {
		return types.Null
	}
	v, rest, err := decodeValue(r.s)
	if err != nil {
		r.err = err
		return types.Null
	}
	r.s = rest
	return cloneValue(v)
}

func (r *stateReader) bytes() string {
	n := r.uvarint()
	if r.err != nil || uint64(len(r.s)) < n {
		r.err = errCorrupt
		return ""
	}
	b := r.s[:n]
	r.s = r.s[n:]
	return b
}

func (a *countAcc) appendState(b []byte) []byte { return appendVarint(b, a.n) }
func (a *countAcc) readState(r *stateReader)    { a.n = r.varint() }

func (a *sumIntAcc) appendState(b []byte) []byte { return appendVarint(appendVarint(b, a.sum), a.n) }
func (a *sumIntAcc) readState(r *stateReader)    { a.sum, a.n = r.varint(), r.varint() }

func (a *sumFloatAcc) appendState(b []byte) []byte { return appendVarint(appendFloat(b, a.sum), a.n) }
func (a *sumFloatAcc) readState(r *stateReader)    { a.sum, a.n = r.float(), r.varint() }

func (a *avgAcc) appendState(b []byte) []byte {
	b = appendVarint(b, a.hi)
	b = appendUvarint(b, a.lo)
	b = appendFloat(b, a.floatSum)
	return appendVarint(b, a.n)
}

func (a *avgAcc) readState(r *stateReader) {
	a.hi, a.lo, a.floatSum, a.n = r.varint(), r.uvarint(), r.float(), r.varint()
}

func (a *extremeAcc) appendState(b []byte) []byte {
	if !a.set {
		return append(b, 0)
	}
	return appendValue(append(b, 1), a.best)
}

func (a *extremeAcc) readState(r *stateReader) {
	if r.err != nil || len(r.s) == 0 {
		r.err = errCorrupt
		return
	}
	set := r.s[0] == 1
	r.s = r.s[1:]
	a.set = set
	if set {
		a.best = r.value()
	}
}

func (a *multisetExtremeAcc) appendState(b []byte) []byte {
	b = appendUvarint(b, uint64(len(a.entries)))
	for _, e := range a.entries {
		b = appendVarint(appendValue(b, e.v), e.n)
	}
	return b
}

func (a *multisetExtremeAcc) readState(r *stateReader) {
	n := r.uvarint()
	a.entries = make([]multisetEntry, 0, min(n, 1<<16))
	for i := uint64(0); i < n && r.err == nil; i++ {
		a.entries = append(a.entries, multisetEntry{v: r.value(), n: r.varint()})
	}
}

func (a *distinctAcc) appendState(b []byte) []byte {
	keys := make([]string, 0, len(a.seen))
	for k := range a.seen {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same state always writes the same bytes
	b = appendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendUvarint(b, uint64(len(k)))
		b = appendVarint(append(b, k...), a.seen[k])
	}
	return a.inner.appendState(b)
}

func (a *distinctAcc) readState(r *stateReader) {
	n := r.uvarint()
	a.seen = make(map[string]int64, min(n, 1<<16))
	for i := uint64(0); i < n && r.err == nil; i++ {
		k := r.bytes()
		a.seen[k] = r.varint()
	}
	a.inner.readState(r)
}

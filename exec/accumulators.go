package exec

import (
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"time"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// accumulator holds one aggregate's running value for one group. add and
// retract take non-NULL values for every aggregate but COUNT(*), which gets
// every row; a retraction always matches an earlier add.
type accumulator interface {
	add(v types.Value) error
	retract(v types.Value) error
	result() types.Value
	// appendState and readState save and load the accumulator in a
	// checkpoint (accumulator_state.go).
	appendState(b []byte) []byte
	readState(r *stateReader)
}

// addChecker is an accumulator whose add can fail. checkAdd returns the
// error add would, changing nothing, so that the aggregate can check a row
// against every accumulator of its group before it changes any: a row that
// fails leaves the group as it was (mini_batch emits the group after a
// failure, and must not show half of the failing row).
type addChecker interface {
	checkAdd(v types.Value) error
}

var errSumOverflow = errors.New("SUM is out of range for BIGINT")

// newAccumulator returns an empty accumulator for call. appendOnly inputs
// never retract, so MIN and MAX need only the current extreme.
func newAccumulator(call planner.AggCall, appendOnly bool) accumulator {
	var acc accumulator
	switch call.Kind {
	case planner.AggCountStar, planner.AggCount:
		acc = &countAcc{}
	case planner.AggSum:
		switch call.ArgType.Kind {
		case types.KindFloat:
			acc = &sumFloatAcc{}
		case types.KindInterval:
			acc = &sumIntAcc{interval: true}
		default:
			acc = &sumIntAcc{}
		}
	case planner.AggAvg:
		acc = &avgAcc{}
	case planner.AggMin, planner.AggMax:
		sign := 1
		if call.Kind == planner.AggMax {
			sign = -1
		}
		if appendOnly {
			acc = &extremeAcc{sign: sign}
		} else {
			acc = &multisetExtremeAcc{sign: sign}
		}
	}
	if call.Distinct {
		acc = &distinctAcc{inner: acc, seen: map[string]int64{}}
	}
	return acc
}

// countAcc counts rows (COUNT(*)) or non-NULL values (COUNT(x)).
type countAcc struct{ n int64 }

func (a *countAcc) add(types.Value) error     { a.n++; return nil }
func (a *countAcc) retract(types.Value) error { a.n--; return nil }
func (a *countAcc) result() types.Value       { return types.Int(a.n) }

// sumIntAcc sums BIGINT (or INTERVAL) values; NULL when there are none.
type sumIntAcc struct {
	sum      int64
	n        int64
	interval bool
}

func (a *sumIntAcc) add(v types.Value) error {
	s, ok := addInt64(a.sum, v.AsNanos())
	if !ok {
		return errSumOverflow
	}
	a.sum, a.n = s, a.n+1
	return nil
}

func (a *sumIntAcc) checkAdd(v types.Value) error {
	if _, ok := addInt64(a.sum, v.AsNanos()); !ok {
		return errSumOverflow
	}
	return nil
}

// addInt64 returns x + y, and false if it overflows.
func addInt64(x, y int64) (int64, bool) {
	s := x + y
	return s, (y > 0 && s > x) || (y < 0 && s < x) || y == 0
}

func (a *sumIntAcc) retract(v types.Value) error {
	a.sum -= v.AsNanos()
	a.n--
	return nil
}

func (a *sumIntAcc) result() types.Value {
	switch {
	case a.n == 0:
		return types.Null
	case a.interval:
		return types.Interval(time.Duration(a.sum))
	}
	return types.Int(a.sum)
}

// sumFloatAcc sums DOUBLE values.
type sumFloatAcc struct {
	sum float64
	n   int64
}

func (a *sumFloatAcc) add(v types.Value) error { a.sum += v.AsFloat(); a.n++; return nil }
func (a *sumFloatAcc) retract(v types.Value) error {
	a.sum -= v.AsFloat()
	a.n--
	if a.n == 0 {
		a.sum = 0 // drop the rounding error left by add-then-retract
	}
	return nil
}
func (a *sumFloatAcc) result() types.Value {
	if a.n == 0 {
		return types.Null
	}
	return types.Float(a.sum)
}

// avgAcc averages numbers as a DOUBLE. BIGINT inputs are summed exactly in
// 128 bits, so that no sum of BIGINTs overflows and retracting leaves no
// rounding error.
type avgAcc struct {
	hi       int64 // the BIGINT sum is hi·2⁶⁴ + lo, two's complement
	lo       uint64
	floatSum float64
	n        int64
}

func (a *avgAcc) add(v types.Value) error {
	if v.Kind() == types.KindInt {
		x := v.AsInt()
		var carry uint64
		a.lo, carry = bits.Add64(a.lo, uint64(x), 0)
		a.hi += x>>63 + int64(carry)
	} else {
		a.floatSum += v.AsFloat()
	}
	a.n++
	return nil
}

func (a *avgAcc) retract(v types.Value) error {
	if v.Kind() == types.KindInt {
		x := v.AsInt()
		var borrow uint64
		a.lo, borrow = bits.Sub64(a.lo, uint64(x), 0)
		a.hi -= x>>63 + int64(borrow)
	} else {
		a.floatSum -= v.AsFloat()
	}
	a.n--
	if a.n == 0 {
		a.floatSum = 0
	}
	return nil
}

func (a *avgAcc) result() types.Value {
	if a.n == 0 {
		return types.Null
	}
	return types.Float((int128ToFloat(a.hi, a.lo) + a.floatSum) / float64(a.n))
}

// int128ToFloat converts the two's-complement hi·2⁶⁴ + lo to a float. A
// negative value is negated first: converting its halves separately would
// round lo up to 2⁶⁴ and cancel hi out.
func int128ToFloat(hi int64, lo uint64) float64 {
	if hi >= 0 {
		return float64(hi)*(1<<64) + float64(lo)
	}
	nlo := ^lo + 1
	nhi := ^uint64(hi)
	if nlo == 0 {
		nhi++
	}
	return -(float64(nhi)*(1<<64) + float64(nlo))
}

// extremeAcc keeps MIN (sign 1) or MAX (sign -1) of an input that never
// retracts.
type extremeAcc struct {
	sign int
	best types.Value
	set  bool
}

func (a *extremeAcc) add(v types.Value) error {
	if !a.set || a.sign*types.Compare(v, a.best) < 0 {
		a.best, a.set = cloneValue(v), true
	}
	return nil
}

func (a *extremeAcc) retract(types.Value) error {
	return fmt.Errorf("internal error: MIN/MAX over an append-only input got a retraction")
}

func (a *extremeAcc) result() types.Value {
	if !a.set {
		return types.Null
	}
	return a.best
}

// multisetExtremeAcc keeps every value with its multiplicity in order, so
// MIN and MAX stay right when the current extreme is retracted.
type multisetExtremeAcc struct {
	sign    int
	entries []multisetEntry // sorted ascending
}

type multisetEntry struct {
	v types.Value
	n int64
}

func (a *multisetExtremeAcc) find(v types.Value) (int, bool) {
	i := sort.Search(len(a.entries), func(i int) bool { return types.Compare(a.entries[i].v, v) >= 0 })
	return i, i < len(a.entries) && types.Compare(a.entries[i].v, v) == 0
}

func (a *multisetExtremeAcc) add(v types.Value) error {
	i, ok := a.find(v)
	if ok {
		a.entries[i].n++
		return nil
	}
	a.entries = append(a.entries, multisetEntry{})
	copy(a.entries[i+1:], a.entries[i:])
	a.entries[i] = multisetEntry{v: cloneValue(v), n: 1}
	return nil
}

func (a *multisetExtremeAcc) retract(v types.Value) error {
	i, ok := a.find(v)
	if !ok {
		return nil // never added: nothing to take back
	}
	if a.entries[i].n--; a.entries[i].n == 0 {
		a.entries = append(a.entries[:i], a.entries[i+1:]...)
	}
	return nil
}

func (a *multisetExtremeAcc) result() types.Value {
	switch {
	case len(a.entries) == 0:
		return types.Null
	case a.sign > 0:
		return a.entries[0].v
	}
	return a.entries[len(a.entries)-1].v
}

// distinctAcc feeds its inner accumulator each distinct value once: on the
// first add of a value, and the retraction of its last copy.
type distinctAcc struct {
	inner accumulator
	seen  map[string]int64
	buf   []byte
}

func (a *distinctAcc) add(v types.Value) error {
	a.buf = appendValue(a.buf[:0], v)
	n := a.seen[string(a.buf)]
	a.seen[string(a.buf)] = n + 1
	if n == 0 {
		return a.inner.add(v)
	}
	return nil
}

func (a *distinctAcc) checkAdd(v types.Value) error {
	c, ok := a.inner.(addChecker)
	if !ok {
		return nil
	}
	a.buf = appendValue(a.buf[:0], v)
	if a.seen[string(a.buf)] > 0 {
		return nil // not new: the inner accumulator will not see it
	}
	return c.checkAdd(v)
}

func (a *distinctAcc) retract(v types.Value) error {
	a.buf = appendValue(a.buf[:0], v)
	n, ok := a.seen[string(a.buf)]
	if !ok {
		return nil
	}
	if n == 1 {
		delete(a.seen, string(a.buf))
		return a.inner.retract(v)
	}
	a.seen[string(a.buf)] = n - 1
	return nil
}

func (a *distinctAcc) result() types.Value { return a.inner.result() }

// cloneValue copies a value's string out of whatever buffer it points into,
// so state does not keep a whole input line alive.
func cloneValue(v types.Value) types.Value {
	switch v.Kind() {
	case types.KindString:
		return types.Str(string(append([]byte(nil), v.AsString()...)))
	case types.KindArray:
		elems := make([]types.Value, len(v.AsArray()))
		for i, e := range v.AsArray() {
			elems[i] = cloneValue(e)
		}
		return types.Array(elems)
	}
	return v
}

package exec

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// change is one input row of an operator test with its kind.
type change struct {
	kind types.RowKind
	row  types.Row
}

func ins(vals ...types.Value) change { return change{types.Insert, vals} }
func del(vals ...types.Value) change { return change{types.Delete, vals} }
func ub(vals ...types.Value) change  { return change{types.UpdateBefore, vals} }
func ua(vals ...types.Value) change  { return change{types.UpdateAfter, vals} }

// Short value constructors for tables of rows.
var (
	null = types.Null
	i64  = types.Int
	f64  = types.Float
	str  = types.Str
	bl   = types.Bool
)

// call returns an aggregate call over column arg (-1 for COUNT(*)) without
// a FILTER; callers set Distinct and Filter themselves.
func call(kind planner.AggKind, arg int, argType types.Type) planner.AggCall {
	return planner.AggCall{Kind: kind, Arg: arg, ArgType: argType, Filter: -1}
}

// opHarness drives an operator directly, one batch per step.
type opHarness struct {
	t  *testing.T
	op Operator
}

func newOpHarness(t *testing.T, op Operator) *opHarness {
	t.Helper()
	if err := op.Open(&OperatorContext{Name: "GroupAggregate", Parallelism: 1}); err != nil {
		t.Fatalf("Open: %v", err)
	}
	return &opHarness{t: t, op: op}
}

func batchOf(changes ...change) *Batch {
	b := NewBatch(len(changes))
	for _, c := range changes {
		b.Append(c.kind, c.row)
	}
	return b
}

func formatBatch(b *Batch) []string {
	out := []string{}
	for i, r := range b.Rows {
		out = append(out, types.FormatChange(b.Kinds[i], r))
	}
	return out
}

// step processes the changes as one batch and returns the output changelog.
func (h *opHarness) step(changes ...change) []string {
	h.t.Helper()
	out := NewBatch(0)
	if err := h.op.Process(batchOf(changes...), out); err != nil {
		h.t.Fatalf("Process: %v", err)
	}
	return formatBatch(out)
}

func (h *opHarness) finish() []string {
	h.t.Helper()
	out := NewBatch(0)
	if err := h.op.Finish(out); err != nil {
		h.t.Fatalf("Finish: %v", err)
	}
	return formatBatch(out)
}

// aggStep is one input batch of an aggregate test and the changelog it
// must produce.
type aggStep struct {
	in   []change
	want []string
}

func step(want []string, in ...change) aggStep { return aggStep{in: in, want: want} }

// out lists expected changes; out() is "emits nothing".
func out(changes ...string) []string { return append([]string{}, changes...) }

// runAggSteps checks the changelog of each step, and that with mini_batch
// on the same steps give the same result after each of them (fold_test.go
// checks what mini_batch emits).
func runAggSteps(t *testing.T, spec *planner.AggregateOp, steps []aggStep) {
	t.Helper()
	h := newOpHarness(t, newAggregate(spec))
	folded := *spec
	folded.MiniBatch = true
	hf := newOpHarness(t, newAggregate(&folded))
	rowByRow, byBatch := newResultTable(spec), newResultTable(spec)
	for i, s := range steps {
		got := h.applyStep(rowByRow, s.in...)
		if strings.Join(got, " ") != strings.Join(s.want, " ") {
			t.Errorf("step %d %v:\n got  %v\n want %v", i+1, describeChanges(s.in), got, s.want)
		}
		foldedOut := hf.applyStep(byBatch, s.in...)
		if want, got := tableString(rowByRow), tableString(byBatch); want != got {
			t.Errorf("step %d %v with mini_batch emits %v:\n result %s\n want   %s", i+1, describeChanges(s.in), foldedOut, got, want)
		}
	}
}

// applyStep is step, applying the changelog to tab too.
func (h *opHarness) applyStep(tab *Table, changes ...change) []string {
	h.t.Helper()
	out := NewBatch(0)
	if err := h.op.Process(batchOf(changes...), out); err != nil {
		h.t.Fatalf("Process: %v", err)
	}
	for i, r := range out.Rows {
		tab.Apply(out.Kinds[i], r)
	}
	return formatBatch(out)
}

// newResultTable returns a table for an aggregate's output rows.
func newResultTable(spec *planner.AggregateOp) *Table {
	schema := make(planner.Schema, len(spec.Keys)+len(spec.Aggs))
	for i := range schema {
		schema[i].Name = fmt.Sprintf("c%d", i)
	}
	return NewTable(schema)
}

func tableString(tab *Table) string {
	var rows []string
	for _, r := range tab.Rows() {
		rows = append(rows, types.FormatChange(types.Insert, r)[2:])
	}
	return strings.Join(rows, " ")
}

func describeChanges(cs []change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, types.FormatChange(c.kind, c.row))
	}
	return out
}

var (
	bigint   = types.BIGINT
	double   = types.DOUBLE
	text     = types.STRING
	interval = types.INTERVAL
)

func TestAggregateChangelog(t *testing.T) {
	spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{call(planner.AggCountStar, -1, types.NULL)}}
	runAggSteps(t, spec, []aggStep{
		step(out("+I[a, 1]"), ins(str("a"))),
		step(out("+I[b, 1]"), ins(str("b"))),
		step(out("-U[a, 1]", "+U[a, 2]"), ins(str("a"))),
		// -U and -D both take a row back
		step(out("-U[a, 2]", "+U[a, 1]"), ub(str("a"))),
		step(out("-U[a, 1]", "+U[a, 2]"), ua(str("a"))),
		step(out("-U[a, 2]", "+U[a, 1]"), del(str("a"))),
		step(out("-D[a, 1]"), del(str("a"))),
		// a retraction for a key that is not there is ignored
		step(out(), del(str("a"))),
		step(out(), ub(str("never-seen"))),
		// the key comes back as new
		step(out("+I[a, 1]"), ins(str("a"))),
		// several rows in one batch: each emits its own changes
		step(out("-U[b, 1]", "+U[b, 2]", "+I[c, 1]", "-U[c, 1]", "+U[c, 2]"),
			ins(str("b")), ins(str("c")), ins(str("c"))),
		// a NULL key is a key like any other
		step(out("+I[NULL, 1]", "-U[NULL, 1]", "+U[NULL, 2]"), ins(null), ins(null)),
	})
}

// A row that leaves every result as it was emits nothing.
func TestAggregateUnchangedResultEmitsNothing(t *testing.T) {
	spec := &planner.AggregateOp{Keys: []int{0}, InputAppendOnly: true,
		Aggs: []planner.AggCall{call(planner.AggMax, 1, bigint), call(planner.AggMin, 1, bigint)}}
	runAggSteps(t, spec, []aggStep{
		step(out("+I[a, 5, 5]"), ins(str("a"), i64(5))),
		step(out(), ins(str("a"), i64(5))),
		step(out("-U[a, 5, 5]", "+U[a, 7, 5]"), ins(str("a"), i64(7))),
		step(out(), ins(str("a"), i64(6))),
		step(out(), ins(str("a"), null)),
	})
}

func TestAggregateCount(t *testing.T) {
	spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{
		call(planner.AggCountStar, -1, types.NULL), call(planner.AggCount, 1, bigint),
	}}
	runAggSteps(t, spec, []aggStep{
		step(out("+I[a, 1, 0]"), ins(str("a"), null)),
		step(out("-U[a, 1, 0]", "+U[a, 2, 1]"), ins(str("a"), i64(1))),
		step(out("-U[a, 2, 1]", "+U[a, 3, 2]"), ins(str("a"), i64(1))),
		step(out("-U[a, 3, 2]", "+U[a, 2, 2]"), del(str("a"), null)),
		step(out("-U[a, 2, 2]", "+U[a, 1, 1]"), del(str("a"), i64(1))),
		step(out("-D[a, 1, 1]"), del(str("a"), i64(1))),
	})
}

func TestAggregateSum(t *testing.T) {
	t.Run("bigint", func(t *testing.T) {
		spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{call(planner.AggSum, 1, bigint)}}
		runAggSteps(t, spec, []aggStep{
			// of no non-NULL values, SUM is NULL
			step(out("+I[a, NULL]"), ins(str("a"), null)),
			step(out("-U[a, NULL]", "+U[a, 2]"), ins(str("a"), i64(2))),
			step(out("-U[a, 2]", "+U[a, -3]"), ins(str("a"), i64(-5))),
			step(out("-U[a, -3]", "+U[a, -5]"), del(str("a"), i64(2))),
			step(out("-U[a, -5]", "+U[a, NULL]"), del(str("a"), i64(-5))),
			step(out("-D[a, NULL]"), del(str("a"), null)),
			// a sum of zero is 0, not NULL
			step(out("+I[b, 3]", "-U[b, 3]", "+U[b, 0]"), ins(str("b"), i64(3)), ins(str("b"), i64(-3))),
			step(out("+I[c, 9223372036854775807]"), ins(str("c"), i64(math.MaxInt64))),
			step(out("-U[c, 9223372036854775807]", "+U[c, -1]"), ins(str("c"), i64(math.MinInt64))),
		})
	})
	t.Run("double", func(t *testing.T) {
		spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{call(planner.AggSum, 1, double)}}
		runAggSteps(t, spec, []aggStep{
			step(out("+I[a, NULL]"), ins(str("a"), null)),
			step(out("-U[a, NULL]", "+U[a, 0.1]"), ins(str("a"), f64(0.1))),
			step(out("-U[a, 0.1]", "+U[a, 0.30000000000000004]"), ins(str("a"), f64(0.2))),
			step(out("-U[a, 0.30000000000000004]", "+U[a, 0.20000000000000004]"), del(str("a"), f64(0.1))),
			// the last value retracted: NULL again, not a rounding error
			step(out("-U[a, 0.20000000000000004]", "+U[a, NULL]"), del(str("a"), f64(0.2))),
		})
	})
	t.Run("interval", func(t *testing.T) {
		spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{call(planner.AggSum, 1, interval)}}
		runAggSteps(t, spec, []aggStep{
			step(out("+I[a, 1s]"), ins(str("a"), types.Interval(time.Second))),
			step(out("-U[a, 1s]", "+U[a, 1m31.5s]"), ins(str("a"), types.Interval(90*time.Second+500*time.Millisecond))),
			step(out("-U[a, 1m31.5s]", "+U[a, 1m30.5s]"), del(str("a"), types.Interval(time.Second))),
			step(out(), ins(str("a"), null)),
			step(out("-U[a, 1m30.5s]", "+U[a, NULL]"), del(str("a"), types.Interval(90*time.Second+500*time.Millisecond))),
		})
	})
}

// SUM beyond BIGINT fails with an *planner.EvalError at the call.
func TestAggregateSumOverflow(t *testing.T) {
	for _, tt := range []struct {
		name string
		a, b int64
	}{
		{"above max", math.MaxInt64, 1},
		{"below min", math.MinInt64, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sum := call(planner.AggSum, 1, bigint)
			sum.At = parser.Pos{Line: 3, Col: 8}
			agg := newAggregate(&planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{sum}})
			h := newOpHarness(t, agg)
			h.step(ins(str("a"), i64(tt.a)))
			err := agg.Process(batchOf(ins(str("a"), i64(tt.b))), NewBatch(0))
			if !errors.Is(err, errSumOverflow) {
				t.Fatalf("err = %v, want errSumOverflow", err)
			}
			var evalErr *planner.EvalError
			if !errors.As(err, &evalErr) || evalErr.Pos != sum.At {
				t.Errorf("err = %#v, want an *planner.EvalError at %v", err, sum.At)
			}
		})
	}
}

func TestAggregateAvg(t *testing.T) {
	tests := []struct {
		name  string
		typ   types.Type
		steps []aggStep
	}{
		{"bigint", bigint, []aggStep{
			step(out("+I[a, NULL]"), ins(str("a"), null)),
			step(out("-U[a, NULL]", "+U[a, 1.0]"), ins(str("a"), i64(1))),
			step(out("-U[a, 1.0]", "+U[a, 1.5]"), ins(str("a"), i64(2))),
			step(out("-U[a, 1.5]", "+U[a, 3.0]"), ins(str("a"), i64(6))),
			step(out("-U[a, 3.0]", "+U[a, 4.0]"), del(str("a"), i64(1))),
			// each row of a batch emits its own changes
			step(out("-U[a, 4.0]", "+U[a, 6.0]", "-U[a, 6.0]", "+U[a, NULL]"), del(str("a"), i64(2)), del(str("a"), i64(6))),
		}},
		// The sum of the BIGINTs is beyond int64; the average is not.
		{"bigint beyond int64", bigint, []aggStep{
			step(out("+I[a, 9.223372036854776E18]"), ins(str("a"), i64(math.MaxInt64)), ins(str("a"), i64(math.MaxInt64))),
			step(out("+I[b, -9.223372036854776E18]"), ins(str("b"), i64(math.MinInt64)), ins(str("b"), i64(math.MinInt64))),
			step(out("-U[a, 9.223372036854776E18]", "+U[a, 6.148914691236517E18]"), ins(str("a"), i64(0))),
			// retracting leaves no rounding error behind
			step(out("-U[a, 6.148914691236517E18]", "+U[a, 4.611686018427388E18]"),
				del(str("a"), i64(math.MaxInt64))),
		}},
		// Negative sums: AVG(-1) is -1, AVG(-3, 1) is -1, AVG(max, min) is -0.5.
		{"bigint negative", bigint, []aggStep{
			step(out("+I[a, -1.0]"), ins(str("a"), i64(-1))),
			step(out("+I[b, -3.0]", "-U[b, -3.0]", "+U[b, -1.0]"), ins(str("b"), i64(-3)), ins(str("b"), i64(1))),
			step(out("+I[c, 9.223372036854776E18]", "-U[c, 9.223372036854776E18]", "+U[c, -0.5]"),
				ins(str("c"), i64(math.MaxInt64)), ins(str("c"), i64(math.MinInt64))),
			step(out("-U[a, -1.0]", "+U[a, -1.5]"), ins(str("a"), i64(-2))),
		}},
		{"double", double, []aggStep{
			step(out("+I[a, 0.5]"), ins(str("a"), f64(0.5))),
			step(out("-U[a, 0.5]", "+U[a, -0.25]"), ins(str("a"), f64(-1))),
			step(out("-U[a, -0.25]", "+U[a, -1.0]"), del(str("a"), f64(0.5))),
			step(out("-D[a, -1.0]"), del(str("a"), f64(-1))),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{call(planner.AggAvg, 1, tt.typ)}}
			runAggSteps(t, spec, tt.steps)
		})
	}
}

func TestAggregateMinMax(t *testing.T) {
	minMax := []planner.AggCall{call(planner.AggMin, 1, bigint), call(planner.AggMax, 1, bigint)}
	t.Run("append-only", func(t *testing.T) {
		spec := &planner.AggregateOp{Keys: []int{0}, Aggs: minMax, InputAppendOnly: true}
		runAggSteps(t, spec, []aggStep{
			step(out("+I[a, NULL, NULL]"), ins(str("a"), null)),
			step(out("-U[a, NULL, NULL]", "+U[a, 5, 5]"), ins(str("a"), i64(5))),
			step(out("-U[a, 5, 5]", "+U[a, 3, 5]"), ins(str("a"), i64(3))),
			step(out("-U[a, 3, 5]", "+U[a, 3, 9]"), ins(str("a"), i64(9))),
			step(out(), ins(str("a"), i64(4))),
			step(out("+I[b, -1, -1]"), ins(str("b"), i64(-1))),
		})
	})
	t.Run("retracting", func(t *testing.T) {
		spec := &planner.AggregateOp{Keys: []int{0}, Aggs: minMax, InputAppendOnly: false}
		runAggSteps(t, spec, []aggStep{
			step(out("+I[a, 5, 5]"), ins(str("a"), i64(5))),
			step(out("-U[a, 5, 5]", "+U[a, 3, 5]"), ins(str("a"), i64(3))),
			step(out("-U[a, 3, 5]", "+U[a, 3, 9]"), ins(str("a"), i64(9))),
			step(out(), ins(str("a"), i64(3))),
			// one of the two 3s goes: 3 is still the minimum
			step(out(), del(str("a"), i64(3))),
			// the other goes: the next smallest takes over
			step(out("-U[a, 3, 9]", "+U[a, 5, 9]"), ub(str("a"), i64(3))),
			step(out("-U[a, 5, 9]", "+U[a, 5, 5]"), del(str("a"), i64(9))),
			step(out("-U[a, 5, 5]", "+U[a, 1, 5]"), ins(str("a"), i64(1))),
			step(out("-U[a, 1, 5]", "+U[a, 5, 5]"), del(str("a"), i64(1))),
			step(out("-D[a, 5, 5]"), del(str("a"), i64(5))),
		})
	})
	t.Run("retracting strings", func(t *testing.T) {
		spec := &planner.AggregateOp{Keys: []int{0},
			Aggs: []planner.AggCall{call(planner.AggMin, 1, text), call(planner.AggMax, 1, text)}}
		runAggSteps(t, spec, []aggStep{
			step(out("+I[k, pear, pear]", "-U[k, pear, pear]", "+U[k, apple, pear]", "-U[k, apple, pear]", "+U[k, apple, zucchini]"),
				ins(str("k"), str("pear")), ins(str("k"), str("apple")), ins(str("k"), str("zucchini"))),
			step(out("-U[k, apple, zucchini]", "+U[k, pear, zucchini]"), del(str("k"), str("apple"))),
			step(out("-U[k, pear, zucchini]", "+U[k, pear, pear]"), del(str("k"), str("zucchini"))),
			step(out("-U[k, pear, pear]", "+U[k, NULL, NULL]"), ins(str("k"), null), del(str("k"), str("pear"))),
		})
	})
	t.Run("retracting doubles", func(t *testing.T) {
		spec := &planner.AggregateOp{Keys: []int{0},
			Aggs: []planner.AggCall{call(planner.AggMin, 1, double), call(planner.AggMax, 1, double)}}
		runAggSteps(t, spec, []aggStep{
			step(out("+I[k, 1.5, 1.5]", "-U[k, 1.5, 1.5]", "+U[k, -Infinity, 1.5]"),
				ins(str("k"), f64(1.5)), ins(str("k"), f64(math.Inf(-1)))),
			step(out("-U[k, -Infinity, 1.5]", "+U[k, -Infinity, NaN]"), ins(str("k"), f64(math.NaN()))),
			step(out("-U[k, -Infinity, NaN]", "+U[k, -Infinity, 1.5]"), del(str("k"), f64(math.NaN()))),
			step(out("-U[k, -Infinity, 1.5]", "+U[k, 1.5, 1.5]"), del(str("k"), f64(math.Inf(-1)))),
		})
	})
}

func TestAggregateDistinctAggs(t *testing.T) {
	countDistinct := call(planner.AggCount, 1, bigint)
	countDistinct.Distinct = true
	sumDistinct := call(planner.AggSum, 1, bigint)
	sumDistinct.Distinct = true
	minDistinct := call(planner.AggMin, 1, bigint)
	minDistinct.Distinct = true
	spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{countDistinct, sumDistinct, minDistinct}}
	runAggSteps(t, spec, []aggStep{
		step(out("+I[a, 1, 2, 2]"), ins(str("a"), i64(2))),
		step(out(), ins(str("a"), i64(2))),
		step(out(), ins(str("a"), null)),
		step(out("-U[a, 1, 2, 2]", "+U[a, 2, 3, 1]"), ins(str("a"), i64(1))),
		// one of the two 2s goes: 2 is still there
		step(out(), del(str("a"), i64(2))),
		step(out("-U[a, 2, 3, 1]", "+U[a, 1, 1, 1]"), del(str("a"), i64(2))),
		step(out("-U[a, 1, 1, 1]", "+U[a, 2, 8, 1]", "-U[a, 2, 8, 1]", "+U[a, 1, 1, 1]"),
			ins(str("a"), i64(7)), del(str("a"), i64(7))),
		step(out("-U[a, 1, 1, 1]", "+U[a, 0, NULL, NULL]"), del(str("a"), i64(1))),
		step(out("-D[a, 0, NULL, NULL]"), del(str("a"), null)),
		step(out("+I[a, 1, 5, 5]"), ins(str("a"), i64(5))),
	})
}

func TestAggregateFilter(t *testing.T) {
	countIf := call(planner.AggCountStar, -1, types.NULL)
	countIf.Filter = 2
	sumIf := call(planner.AggSum, 1, bigint)
	sumIf.Filter = 2
	spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{call(planner.AggCountStar, -1, types.NULL), countIf, sumIf}}
	runAggSteps(t, spec, []aggStep{
		step(out("+I[a, 1, 1, 1]"), ins(str("a"), i64(1), bl(true))),
		// FALSE and NULL filters leave the filtered aggregates alone
		step(out("-U[a, 1, 1, 1]", "+U[a, 2, 1, 1]"), ins(str("a"), i64(2), bl(false))),
		step(out("-U[a, 2, 1, 1]", "+U[a, 3, 1, 1]"), ins(str("a"), i64(3), null)),
		step(out("-U[a, 3, 1, 1]", "+U[a, 4, 2, 5]"), ins(str("a"), i64(4), bl(true))),
		step(out("-U[a, 4, 2, 5]", "+U[a, 3, 1, 4]"), del(str("a"), i64(1), bl(true))),
		step(out("-U[a, 3, 1, 4]", "+U[a, 2, 1, 4]"), del(str("a"), i64(2), bl(false))),
		// a group whose rows all fail the filter
		step(out("+I[b, 1, 0, NULL]"), ins(str("b"), i64(9), bl(false))),
	})
}

// Without aggregates the operator is SELECT DISTINCT: a row appears once
// however often it arrives, and goes when its last copy is retracted.
func TestAggregateDistinctRows(t *testing.T) {
	spec := &planner.AggregateOp{Keys: []int{0, 1}}
	runAggSteps(t, spec, []aggStep{
		step(out("+I[a, 1]"), ins(str("a"), i64(1))),
		step(out(), ins(str("a"), i64(1))),
		step(out("+I[a, 2]", "+I[b, NULL]"), ins(str("a"), i64(2)), ins(str("b"), null)),
		step(out(), del(str("a"), i64(1))),
		step(out("-D[a, 1]"), del(str("a"), i64(1))),
		step(out(), del(str("a"), i64(1))),
		step(out("-D[b, NULL]", "+I[b, NULL]"), del(str("b"), null), ins(str("b"), null)),
	})
}

// A global aggregate (no GROUP BY) over no rows still has its one row,
// emitted at the end: COUNT(*) of nothing is 0, SUM of nothing is NULL.
func TestAggregateGlobal(t *testing.T) {
	spec := func() *planner.AggregateOp {
		return &planner.AggregateOp{Aggs: []planner.AggCall{
			call(planner.AggCountStar, -1, types.NULL), call(planner.AggSum, 0, bigint), call(planner.AggMax, 0, bigint),
		}}
	}
	t.Run("empty input", func(t *testing.T) {
		h := newOpHarness(t, newAggregate(spec()))
		if got := h.step(); len(got) != 0 {
			t.Errorf("an empty batch emitted %v", got)
		}
		if got, want := strings.Join(h.finish(), " "), "+I[0, NULL, NULL]"; got != want {
			t.Errorf("Finish emitted %q, want %q", got, want)
		}
	})
	t.Run("with input", func(t *testing.T) {
		h := newOpHarness(t, newAggregate(spec()))
		if got, want := strings.Join(h.step(ins(i64(4)), ins(i64(6))), " "),
			"+I[1, 4, 4] -U[1, 4, 4] +U[2, 10, 6]"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if got := h.finish(); len(got) != 0 {
			t.Errorf("Finish after input emitted %v", got)
		}
	})
	t.Run("distinct has no row for no input", func(t *testing.T) {
		h := newOpHarness(t, newAggregate(&planner.AggregateOp{Keys: []int{0}}))
		if got := h.finish(); len(got) != 0 {
			t.Errorf("Finish emitted %v", got)
		}
	})
	t.Run("grouped has no row for no input", func(t *testing.T) {
		h := newOpHarness(t, newAggregate(&planner.AggregateOp{Keys: []int{0},
			Aggs: []planner.AggCall{call(planner.AggCountStar, -1, types.NULL)}}))
		if got := h.finish(); len(got) != 0 {
			t.Errorf("Finish emitted %v", got)
		}
	})
}

// Keys that are equal values are one group: -0.0 and 0.0, and NaNs
// whatever their bits. The group's changes all show the key in one
// canonical form (0.0, NaN), so that a -U takes back exactly the row an
// earlier +I or +U put out, whichever of the equal values came first.
func TestAggregateEqualKeysOneGroup(t *testing.T) {
	for _, tt := range []struct {
		name string
		a, b types.Value
		want string
	}{
		{"signed zeros", f64(0), f64(math.Copysign(0, -1)), "+I[0.0, 1] -U[0.0, 1] +U[0.0, 2]"},
		{"signed zeros the other way", f64(math.Copysign(0, -1)), f64(0), "+I[0.0, 1] -U[0.0, 1] +U[0.0, 2]"},
		{"NaNs", f64(math.NaN()), f64(math.Float64frombits(0xfff8000000000000)), "+I[NaN, 1] -U[NaN, 1] +U[NaN, 2]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newOpHarness(t, newAggregate(&planner.AggregateOp{Keys: []int{0},
				Aggs: []planner.AggCall{call(planner.AggCountStar, -1, types.NULL)}}))
			b := NewBatch(0)
			if err := h.op.Process(batchOf(ins(tt.a), ins(tt.b)), b); err != nil {
				t.Fatal(err)
			}
			table := NewTable(planner.Schema{{Name: "k", Type: double}, {Name: "n", Type: bigint}})
			for i, r := range b.Rows {
				table.Apply(b.Kinds[i], r)
			}
			rows := table.Rows()
			if len(rows) != 1 || !types.Equal(rows[0][1], i64(2)) {
				t.Errorf("groups %v (changelog %v), want one group of 2 rows", rows, formatBatch(b))
			}
			if got := strings.Join(formatBatch(b), " "); got != tt.want {
				t.Errorf("changelog %s, want %s", got, tt.want)
			}
		})
	}
}

package exec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

func miniBatch(spec *planner.AggregateOp) *planner.AggregateOp {
	spec.MiniBatch = true
	return spec
}

// With mini_batch a batch emits one change per group it changed: +I for a
// new group, -U/+U for one whose results changed, -D for one it emptied,
// and nothing for a group whose results end as they were.
func TestMiniBatchChangelog(t *testing.T) {
	countStar := []planner.AggCall{call(planner.AggCountStar, -1, types.NULL)}
	t.Run("counts", func(t *testing.T) {
		h := newOpHarness(t, newAggregate(miniBatch(&planner.AggregateOp{Keys: []int{0}, Aggs: countStar})))
		for i, s := range []aggStep{
			// a new group, counted three times: one +I of its count at the end of the batch
			step(out("+I[a, 3]", "+I[b, 1]"), ins(str("a")), ins(str("b")), ins(str("a")), ins(str("a"))),
			// updated: one -U/+U pair, in the order the batch first touched the groups
			step(out("-U[b, 1]", "+U[b, 3]", "-U[a, 3]", "+U[a, 4]"), ins(str("b")), ins(str("a")), ins(str("b"))),
			// a change and its retraction in one batch: nothing
			step(out(), ins(str("a")), del(str("a"))),
			// emptied: -D of what it was before the batch
			step(out("-D[b, 3]"), del(str("b")), ub(str("b")), del(str("b"))),
			// added and retracted within the batch: nothing
			step(out(), ins(str("c")), del(str("c"))),
			// emptied and back in the batch: an update from before to after
			step(out("-U[a, 4]", "+U[a, 1]"), del(str("a")), del(str("a")), del(str("a")), del(str("a")), ins(str("a"))),
			// emptied and back with the count it had: nothing
			step(out(), del(str("a")), ins(str("a"))),
			// retractions of a group that is not there are ignored, even after it went in the batch
			step(out("-D[a, 1]"), del(str("a")), del(str("a")), ub(str("never-seen"))),
			// a NULL key and the empty string are keys like any other
			step(out("+I[NULL, 2]", "+I[, 1]"), ins(null), ins(str("")), ins(null)),
		} {
			if got := h.step(s.in...); strings.Join(got, " ") != strings.Join(s.want, " ") {
				t.Errorf("step %d %v:\n got  %v\n want %v", i+1, describeChanges(s.in), got, s.want)
			}
		}
	})
	t.Run("accumulators", func(t *testing.T) {
		aggs := []planner.AggCall{call(planner.AggCountStar, -1, types.NULL), call(planner.AggSum, 1, bigint), call(planner.AggMin, 1, bigint)}
		h := newOpHarness(t, newAggregate(miniBatch(&planner.AggregateOp{Keys: []int{0}, Aggs: aggs})))
		for i, s := range []aggStep{
			step(out("+I[a, 2, 7, 2]"), ins(str("a"), i64(5)), ins(str("a"), i64(2))),
			step(out("-U[a, 2, 7, 2]", "+U[a, 2, 6, 1]"), ins(str("a"), i64(1)), del(str("a"), i64(2))),
			// the same results by other rows: nothing
			step(out(), ins(str("a"), i64(3)), del(str("a"), i64(3))),
			// emptied, then a fresh group: its state starts again from nothing
			step(out("-U[a, 2, 6, 1]", "+U[a, 1, 9, 9]"), del(str("a"), i64(5)), del(str("a"), i64(1)), ins(str("a"), i64(9))),
			step(out("-D[a, 1, 9, 9]"), del(str("a"), i64(9))),
			// a retraction of a row the group never had (SUM goes to -2)
			// empties it all the same; the group that comes back knows
			// nothing of it, as it would row by row
			step(out("+I[a, 1, 9, 9]"), ins(str("a"), i64(4)), del(str("a"), i64(6)), ins(str("a"), i64(9))),
		} {
			if got := h.step(s.in...); strings.Join(got, " ") != strings.Join(s.want, " ") {
				t.Errorf("step %d %v:\n got  %v\n want %v", i+1, describeChanges(s.in), got, s.want)
			}
		}
	})
	t.Run("key of two columns", func(t *testing.T) {
		h := newOpHarness(t, newAggregate(miniBatch(&planner.AggregateOp{Keys: []int{0, 1}, Aggs: countStar})))
		if got, want := strings.Join(h.step(ins(str("a"), i64(1)), ins(str("a"), i64(2)), ins(str("a"), i64(1))), " "),
			"+I[a, 1, 2] +I[a, 2, 1]"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

// A row that fails (a SUM out of range) changes nothing of its group, so
// what mini_batch emits before the error is what row by row emits: the
// rows before it, and none of the failing one.
func TestMiniBatchFailingRowChangesNothing(t *testing.T) {
	for name, aggs := range map[string][]planner.AggCall{
		"sum":          {call(planner.AggCountStar, -1, types.NULL), call(planner.AggSum, 1, bigint)},
		"sum distinct": {call(planner.AggCountStar, -1, types.NULL), {Kind: planner.AggSum, Arg: 1, ArgType: bigint, Filter: -1, Distinct: true}},
	} {
		for _, in := range [][]change{
			// the failing row is the second of a group the batch made
			{ins(str("a"), i64(math.MaxInt64)), ins(str("a"), i64(1))},
			// a group made before it in the batch, and a group it would change
			{ins(str("a"), i64(math.MaxInt64)), ins(str("b"), i64(1)), ins(str("b"), i64(math.MaxInt64))},
		} {
			spec := &planner.AggregateOp{Keys: []int{0}, Aggs: aggs}
			results := map[bool]string{}
			for _, mini := range []bool{false, true} {
				s := *spec
				s.MiniBatch = mini
				a := newAggregate(&s)
				if err := a.Open(&OperatorContext{Name: "GroupAggregate", Parallelism: 1}); err != nil {
					t.Fatal(err)
				}
				tab := newResultTable(spec)
				out := NewBatch(0)
				err := a.Process(batchOf(in...), out)
				if err == nil || !strings.Contains(err.Error(), "out of range") {
					t.Fatalf("%s, mini_batch %v: got error %v, want SUM out of range", name, mini, err)
				}
				for i, r := range out.Rows {
					tab.Apply(out.Kinds[i], r)
				}
				results[mini] = tableString(tab)
			}
			if results[false] != results[true] {
				t.Errorf("%s %v: emitted before the error\n row by row: %s\n mini_batch: %s",
					name, describeChanges(in), results[false], results[true])
			}
		}
	}
}

// Randomized: batches of inserts and retractions over a few keys, through
// the aggregate row by row and with mini_batch. After every batch both
// changelogs add up to the same result; so does the state each checkpoints
// (the snapshots so far, restored into a new operator, emit that result
// too), which is what a fold that never spans a barrier guarantees.
func TestMiniBatchAgreesWithRowByRow(t *testing.T) {
	specs := map[string]*planner.AggregateOp{
		"count": {Keys: []int{0}, Aggs: []planner.AggCall{call(planner.AggCountStar, -1, types.NULL), call(planner.AggCount, 1, bigint)}},
		"accumulators": {Keys: []int{0}, Aggs: []planner.AggCall{call(planner.AggCountStar, -1, types.NULL),
			call(planner.AggSum, 1, bigint), call(planner.AggMax, 1, bigint)}},
		"distinct":       {Keys: []int{0, 1}},
		"global":         {Aggs: []planner.AggCall{call(planner.AggCountStar, -1, types.NULL), call(planner.AggMin, 1, bigint)}},
		"non-string key": {Keys: []int{1}, Aggs: []planner.AggCall{call(planner.AggCountStar, -1, types.NULL)}},
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			folded := *spec
			folded.MiniBatch = true
			plain, mini := newAggregate(spec), newAggregate(&folded)
			for _, a := range []*aggregate{plain, mini} {
				if err := a.Open(&OperatorContext{Name: "GroupAggregate", Parallelism: 1, Checkpointing: true}); err != nil {
					t.Fatal(err)
				}
			}
			want, got := newResultTable(spec), newResultTable(spec)
			saved := map[string][]byte{} // the state as of the last snapshot, by key
			var live []types.Row         // rows accumulated and not yet retracted
			for b := range 200 {
				var in []change
				for range rng.IntN(12) {
					switch {
					case len(live) > 0 && rng.IntN(5) < 2:
						i := rng.IntN(len(live))
						kind := []types.RowKind{types.Delete, types.UpdateBefore}[rng.IntN(2)]
						in = append(in, change{kind, live[i]})
						live = slices.Delete(live, i, i+1)
					case rng.IntN(20) == 0:
						// a retraction of something never added
						in = append(in, del(str("ghost"), i64(int64(rng.IntN(3)))))
					default:
						row := types.Row{str(fmt.Sprint("k", rng.IntN(4))), i64(int64(rng.IntN(4)))}
						if rng.IntN(8) == 0 {
							row[1] = null
						}
						live = append(live, row)
						in = append(in, ins(row...))
					}
				}
				for _, x := range []struct {
					a   *aggregate
					tab *Table
				}{{plain, want}, {mini, got}} {
					out := NewBatch(0)
					if err := x.a.Process(batchOf(in...), out); err != nil {
						t.Fatal(err)
					}
					for i, r := range out.Rows {
						x.tab.Apply(out.Kinds[i], r)
					}
				}
				if w, g := tableString(want), tableString(got); w != g {
					t.Fatalf("batch %d %v: with mini_batch the result is\n %s\nwant\n %s", b, describeChanges(in), g, w)
				}
				if b%7 != 0 {
					continue
				}
				// a checkpoint: what mini_batch's aggregate saved restores to the same result
				id := int64(b + 1)
				if err := mini.Snapshot(id, mapWriter(saved)); err != nil {
					t.Fatal(err)
				}
				mini.Completed(id)
				restored := newAggregate(&folded)
				if err := restored.Open(&OperatorContext{Name: "GroupAggregate", Parallelism: 1}); err != nil {
					t.Fatal(err)
				}
				for k, v := range saved {
					if err := restored.Restore([]byte(k), v); err != nil {
						t.Fatal(err)
					}
				}
				if w, g := tableString(got), restoredResult(t, spec, restored); w != g {
					t.Fatalf("batch %d: the snapshot restores to\n %s\nwant\n %s", b, g, w)
				}
			}
		})
	}
}

// mapWriter is a StateWriter into a map, deletions applied.
type mapWriter map[string][]byte

func (m mapWriter) Put(key, value []byte) { m[string(key)] = append([]byte(nil), value...) }
func (m mapWriter) Delete(key []byte)     { delete(m, string(key)) }

// restoredResult returns what a restored aggregate holds, as a result
// table.
func restoredResult(t *testing.T, spec *planner.AggregateOp, a *aggregate) string {
	t.Helper()
	tab := newResultTable(spec)
	for slot, ref := range a.table.keyRefs {
		if ref == freeRef {
			continue
		}
		key := a.table.key(uint32(slot))
		rows, results, ok := a.group(string(key))
		if !ok || rows <= 0 {
			t.Fatalf("restored group %q: %d rows, found %v", key, rows, ok)
		}
		keys := make(types.Row, len(spec.Keys))
		if rest, err := decodeValues(string(key), keys); err != nil || rest != "" {
			t.Fatalf("restored key %q: %v", key, err)
		}
		tab.Apply(types.Insert, append(keys, results...))
	}
	return tableString(tab)
}

// A string key is found by its bytes as it is by its encoding: the two
// hashes agree, and findString finds what find finds.
func TestGroupTableStringKeys(t *testing.T) {
	tab := newGroupTable()
	words := []string{"", "a", "b", "ab", strings.Repeat("x", 127), strings.Repeat("x", 128), strings.Repeat("y", 20000)}
	others := []types.Value{null, i64(1), bl(true), types.Array([]types.Value{str("a")})}
	var keys [][]byte
	for _, w := range words {
		keys = append(keys, appendValue(nil, str(w)))
	}
	for _, v := range others {
		keys = append(keys, appendValue(nil, v))
	}
	// a key of two columns that begins with a string is no single string
	keys = append(keys, appendKey(nil, types.Row{str("a"), i64(1)}, []int{0, 1}))
	for i, k := range keys {
		if slot := tab.insert(k, tab.hash(k)); slot != uint32(i) {
			t.Fatalf("key %d got slot %d", i, slot)
		}
	}
	for i, w := range words {
		if h, hs := tab.hash(keys[i]), tab.hashString(w); h != hs {
			t.Errorf("%q: hash of the encoding %#x, of the string %#x", w, h, hs)
		}
		if got := stringKeyLen(len(w)); got != len(keys[i]) {
			t.Errorf("stringKeyLen(%d) = %d, want %d", len(w), got, len(keys[i]))
		}
		if slot, ok := tab.findString(w, tab.hashString(w)); !ok || slot != uint32(i) {
			t.Errorf("findString(%q) = %d, %v; want %d", w, slot, ok, i)
		}
	}
	for _, w := range []string{"c", "abc", strings.Repeat("x", 126), strings.Repeat("y", 19999)} {
		if slot, ok := tab.findString(w, tab.hashString(w)); ok {
			t.Errorf("findString(%q) found slot %d", w, slot)
		}
	}
	// removing by slot takes out that key only
	tab.remove(1, tab.hash(keys[1]))
	if _, ok := tab.findString("a", tab.hashString("a")); ok {
		t.Error("a removed key is still found")
	}
	for i, k := range keys {
		if slot, ok := tab.find(k, tab.hash(k)); ok != (i != 1) || (ok && slot != uint32(i)) {
			t.Errorf("after the removal key %d: slot %d, %v", i, slot, ok)
		}
	}
}

// A row an aggregate fails on follows on_error, with mini_batch or
// without: skip leaves it out and counts it, and its group goes on from
// the rows before it.
func TestAggregateErrorsFollowOnError(t *testing.T) {
	spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{
		call(planner.AggCountStar, -1, types.NULL), call(planner.AggSum, 1, bigint)}}
	in := []change{ins(str("a"), i64(math.MaxInt64)), ins(str("a"), i64(1)), ins(str("b"), i64(2)),
		ins(str("c"), i64(math.MaxInt64)), ins(str("c"), i64(math.MaxInt64)), ins(str("a"), i64(-7))}
	for _, mini := range []bool{false, true} {
		s := *spec
		s.MiniBatch = mini
		a := newAggregate(&s)
		policy := NewErrorPolicy(planner.OnErrorSkip, t.TempDir(), nil)
		if err := a.Open(&OperatorContext{Name: "GroupAggregate", Parallelism: 1, Errors: policy}); err != nil {
			t.Fatal(err)
		}
		tab := newResultTable(spec)
		out := NewBatch(0)
		if err := a.Process(batchOf(in...), out); err != nil {
			t.Fatalf("mini_batch %v: %v", mini, err)
		}
		for i, r := range out.Rows {
			tab.Apply(out.Kinds[i], r)
		}
		if got, want := tableString(tab), "[a, 2, 9223372036854775800] [b, 1, 2] [c, 1, 9223372036854775807]"; got != want {
			t.Errorf("mini_batch %v: result %s, want %s", mini, got, want)
		}
		if n := policy.Skipped(); n != 2 {
			t.Errorf("mini_batch %v: %d rows skipped, want 2", mini, n)
		}
	}
}

package exec

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streamsql/streamsql/internal/bytesize"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
	"github.com/streamsql/streamsql/statestore"
)

// opStateWriter writes one operator's snapshot into a checkpoint.
type opStateWriter struct {
	w  *statestore.Writer
	op uint32
}

func (o opStateWriter) Put(key, value []byte) { o.w.Put(o.op, key, value) }
func (o opStateWriter) Delete(key []byte)     { o.w.Delete(o.op, key) }

// keyBatch returns a batch of one-column rows with the keys from..to-1
// (every step-th).
func keyBatch(from, to, step int64) *Batch {
	b := NewBatch(int((to - from + step - 1) / step))
	for k := from; k < to; k += step {
		r := b.NewRow(1)
		r[0] = types.Int(k)
		b.Append(types.Insert, r)
	}
	return b
}

// snapshotInto takes a snapshot of agg as checkpoint w, commits it, and
// tells agg it is complete, as the runtime does.
func snapshotInto(t *testing.T, agg *aggregate, w *statestore.Writer) statestore.Meta {
	t.Helper()
	if err := agg.Snapshot(w.ID(), opStateWriter{w: w, op: 1}); err != nil {
		t.Fatal(err)
	}
	m, err := w.Commit(statestore.Meta{Taken: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	agg.Completed(m.ID)
	return m
}

// Checkpoints are incremental at scale: after a snapshot of a million
// groups, one that follows an update of 1% of them writes exactly those;
// a restore reads all of them back.
func TestAggregateIncrementalCheckpointsAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("a million groups: not in -short")
	}
	// A million keys, of which 1% are updated; a tenth of that under the
	// race detector, which makes it ten times slower.
	keys, updated := int64(1_000_000), int64(10_000)
	if raceEnabled {
		keys, updated = 100_000, 1_000
		t.Logf("under the race detector: %d keys", keys)
	}
	step := keys / updated
	spec := &planner.AggregateOp{Keys: []int{0}, Aggs: []planner.AggCall{call(planner.AggCountStar, -1, types.NULL)}, InputAppendOnly: true}
	agg := newAggregate(spec)
	if err := agg.Open(&OperatorContext{Name: "GroupAggregate", Parallelism: 1, Checkpointing: true}); err != nil {
		t.Fatal(err)
	}
	process := func(b *Batch) {
		t.Helper()
		// the operator's output is not what is tested: drop it batch by batch
		for start := 0; start < b.Len(); start += MaxBatchRows {
			end := min(start+MaxBatchRows, b.Len())
			in := &Batch{Kinds: b.Kinds[start:end], Rows: b.Rows[start:end]}
			if err := agg.Process(in, NewBatch(end-start)); err != nil {
				t.Fatal(err)
			}
		}
	}
	start := time.Now()
	process(keyBatch(0, keys, 1))
	t.Logf("aggregated %d keys in %s", keys, time.Since(start).Round(time.Millisecond))

	store, err := statestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	w, err := store.Begin()
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	full := snapshotInto(t, agg, w)
	t.Logf("checkpoint %d (all keys): %d entries, %s, in %s", full.ID, full.Entries, bytesize.Format(full.Bytes), time.Since(start).Round(time.Millisecond))
	if full.Entries != keys {
		t.Errorf("the first checkpoint has %d entries, want %d", full.Entries, keys)
	}

	// 1% of the keys, spread over the whole range, get a second row
	process(keyBatch(0, keys, step))
	if w, err = store.Begin(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	incr := snapshotInto(t, agg, w)
	t.Logf("checkpoint %d (1%% updated): %d entries, %s, in %s", incr.ID, incr.Entries, bytesize.Format(incr.Bytes), time.Since(start).Round(time.Millisecond))
	if incr.Entries != updated {
		t.Errorf("the incremental checkpoint has %d entries, want %d", incr.Entries, updated)
	}
	if incr.Bytes*50 > full.Bytes {
		t.Errorf("the incremental checkpoint wrote %d bytes, the full one %d: not incremental", incr.Bytes, full.Bytes)
	}
	// a checkpoint with nothing changed writes nothing
	if w, err = store.Begin(); err != nil {
		t.Fatal(err)
	}
	if empty := snapshotInto(t, agg, w); empty.Entries != 0 {
		t.Errorf("a checkpoint with no change has %d entries", empty.Entries)
	}
	latest, _ := store.Latest()

	restored := newAggregate(spec)
	if err := restored.Open(&OperatorContext{Name: "GroupAggregate", Parallelism: 1, Checkpointing: true}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := store.Load(latest.ID, 1, restored.Restore); err != nil {
		t.Fatal(err)
	}
	t.Logf("restored %d groups from checkpoint %d in %s", restored.table.len(), latest.ID, time.Since(start).Round(time.Millisecond))
	if int64(restored.table.len()) != keys {
		t.Fatalf("restored %d groups, want %d", restored.table.len(), keys)
	}
	samples := []int64{0, 1, step - 1, step, step + 1, 12_345, keys / 2, keys*7/9 - 1, keys - step, keys - 1}
	sampleKeys := map[string]int64{}
	for _, k := range samples {
		sampleKeys[string(appendKey(nil, types.Row{types.Int(k)}, spec.Keys))] = k
	}
	// the first checkpoint still reads as it was: every count 1
	before := newAggregate(spec)
	if err := store.Load(full.ID, 1, func(key, value []byte) error {
		if _, ok := sampleKeys[string(key)]; ok {
			return before.Restore(key, value)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for key, k := range sampleKeys {
		want := int64(1)
		if k%step == 0 {
			want = 2
		}
		for _, c := range []struct {
			agg  *aggregate
			id   int64
			want int64
		}{{restored, latest.ID, want}, {before, full.ID, 1}} {
			rows, results, ok := c.agg.group(key)
			if !ok {
				t.Errorf("key %d was not restored from checkpoint %d", k, c.id)
				continue
			}
			if n := results[0]; rows != c.want || n.AsInt() != c.want {
				t.Errorf("key %d restored from checkpoint %d with %d rows and COUNT(*) %v, want %d", k, c.id, rows, n, c.want)
			}
		}
	}
	// the restored operator goes on from the restored counts
	out := NewBatch(2)
	if err := restored.Process(keyBatch(step, step+1, 1), out); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(formatBatch(out), " "), fmt.Sprintf("-U[%d, 2] +U[%d, 3]", step, step); got != want {
		t.Errorf("after the restore a row of key %d emits %s, want %s", step, got, want)
	}
}

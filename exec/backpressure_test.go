package exec

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// slowSink receives changes slowly, checking at every batch how far the
// source has run ahead of it.
type slowSink struct {
	t        *testing.T
	session  *Session
	delay    time.Duration
	maxAhead int64
	mu       sync.Mutex
	table    *Table
	changes  int64
	maxHeap  uint64
	batches  int
}

func (s *slowSink) Write(b *Batch) error {
	time.Sleep(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range b.Rows {
		s.table.Apply(b.Kinds[i], r)
	}
	s.changes += int64(b.Len())
	// Each input row makes at most two changes (-U, +U), so the rows read
	// but not yet delivered are at least recordsIn - changes/2 ... and the
	// edges bound them.
	jobs := s.session.Jobs()
	in := jobs[len(jobs)-1].Info().RecordsIn
	if ahead := in - s.changes/2; ahead > s.maxAhead {
		s.maxAhead = ahead
	}
	if s.batches++; s.batches%64 == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		s.maxHeap = max(s.maxHeap, m.HeapAlloc)
	}
	return nil
}

func (s *slowSink) Finish() error { return nil }
func (s *slowSink) Close() error  { return nil }

// TestFastSourceSlowSink runs a source that can produce millions of rows a
// second into a sink that is deliberately slow. Nothing may be lost, and the
// source must be held back by the bounded edges (back-pressure), so memory
// stays bounded however much data flows.
func TestFastSourceSlowSink(t *testing.T) {
	const rows = 1_000_000
	const keys = 100
	sink := &slowSink{t: t, delay: 200 * time.Microsecond}
	sess, err := NewSession(Config{
		Settings: map[string]string{"parallelism": "2", "state_dir": t.TempDir()},
		Results: func(plan *planner.Plan) Sink {
			sink.table = NewTable(plan.Schema)
			return sink
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	sink.session = sess
	stmt, err := parser.ParseStmt("", "SELECT n % 100 AS k, COUNT(*) AS c FROM GENERATE_SERIES(1, 1000000) AS g(n) GROUP BY n % 100")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Execute(context.Background(), parser.Statement{Stmt: stmt}); err != nil {
		t.Fatal(err)
	}

	// Nothing lost: every key counted every one of its rows, and the
	// changelog has exactly one +I per key and a -U/+U pair per other row.
	if got, want := sink.changes, int64(keys+2*(rows-keys)); got != want {
		t.Errorf("the sink got %d changes, want %d", got, want)
	}
	result := sink.table.Rows()
	if len(result) != keys {
		t.Fatalf("%d groups, want %d", len(result), keys)
	}
	for _, r := range result {
		if !types.Equal(r[1], types.Int(rows/keys)) {
			t.Errorf("group %v counted %v rows, want %d", r[0], r[1], rows/keys)
		}
	}

	// Bounded: at most the edges' capacity (2 hash edges and 2 gather
	// edges of edgeCapacity batches) plus the batches being worked on is in
	// flight, far less than the million rows the source could have read.
	bound := int64(4*edgeCapacity*MaxBatchRows + 8*MaxBatchRows)
	if sink.maxAhead > bound {
		t.Errorf("the source ran %d rows ahead of the sink; back-pressure should hold it within %d", sink.maxAhead, bound)
	}
	t.Logf("at most %d rows in flight (bound %d); peak heap %d MiB", sink.maxAhead, bound, sink.maxHeap>>20)
	if sink.maxHeap > 256<<20 {
		t.Errorf("peak heap %d MiB: memory is not bounded", sink.maxHeap>>20)
	}
}

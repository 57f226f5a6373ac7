package exec

import (
	"sync"

	"github.com/streamsql/streamsql/planner/types"
)

// Batches are recycled: a batch that nothing refers to any more goes back
// to a pool, and the next batch an operator fills is taken from there, with
// its slices and its row arena already grown. The word count's aggregate
// emits two rows per word and its unnest one; without recycling, every one
// of them is fresh memory the collector must find, scan and free again,
// which took about half of the word count's time.
//
// Nothing may refer to a recycled batch, its rows or its arena. The task
// recycles only batches it owns (not a source's, which the quarantine may
// read again after a failure), and only once their consumer is done with
// them: an operator or sink that declares, by releasesInput, that it keeps
// no reference to its input once it returns — it copies the values it
// keeps (a Value is copied with its string, which is immutable and
// outlives any batch). Batches sent downstream belong to their receiver;
// the hash exchange copies rows into a batch per receiver, and recycles
// the batch it split.

var batchPool sync.Pool

// getBatch returns an empty batch, recycled if there is one.
func getBatch(n int) *Batch {
	if b, ok := batchPool.Get().(*Batch); ok {
		return b
	}
	return NewBatch(n)
}

// recycle returns a batch nothing refers to any more to the pool.
func recycle(b *Batch) {
	b.Kinds, b.Rows, b.RecordIDs = b.Kinds[:0], b.Rows[:0], nil
	if cap(b.arena) < b.carved {
		// One arena for what several took this time.
		b.arena = make([]types.Value, 0, b.carved)
	} else {
		clear(b.arena) // NewRow hands out zeroed rows; and no stale strings stay reachable
		b.arena = b.arena[:0]
	}
	b.carved = 0
	batchPool.Put(b)
}

// releasesInput is implemented by operators and sinks that may keep no
// reference to an input batch once Process or Write returns, when
// releasesInput says so.
type releasesInput interface {
	releasesInput() bool
}

// BatchReleaser may be implemented by a Sink of the caller's
// (Config.Results) that keeps no reference to a batch — its slices, its
// rows — once Write has returned, copying whatever values it keeps (a
// Value copied keeps its string, which stays valid). ReleasesBatches
// returning true lets the runtime reuse the batch's memory for the next
// one, which spares the collector most of a fast job's garbage.
type BatchReleaser interface {
	ReleasesBatches() bool
}

func releases(x any) bool {
	if r, ok := x.(releasesInput); ok {
		return r.releasesInput()
	}
	r, ok := x.(BatchReleaser)
	return ok && r.ReleasesBatches()
}

// The aggregate and unnest copy the values they keep or emit.
func (*aggregate) releasesInput() bool { return true }
func (*unnest) releasesInput() bool    { return true }

// A calc that projects builds new rows; one that only filters passes its
// input rows through.
func (c *calc) releasesInput() bool { return c.spec.Project != nil }

// The blackhole keeps nothing; the writer sinks (print, file) encode the
// batch before they return.
func (blackholeSink) releasesInput() bool { return true }
func (*writerSink) releasesInput() bool   { return true }
func (*fileSink) releasesInput() bool     { return true }

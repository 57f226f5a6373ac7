package exec

// Stateful is implemented by operators and sinks whose state checkpoints
// save. The runtime calls both methods from the task's goroutine, between
// batches: Snapshot when a checkpoint's barrier has arrived on every input
// (so the state reflects exactly the rows before it), Restore before the
// first batch of a job that resumes from a checkpoint.
type Stateful interface {
	// Snapshot writes the state that changed since the previous snapshot
	// for checkpoint id: checkpoints are incremental. What it writes is
	// copied; the operator may go on changing its state at once.
	Snapshot(id int64, w StateWriter) error
	// Restore loads one entry of state as an earlier Snapshot wrote it. A
	// keyed operator receives only the keys its subtask owns.
	Restore(key, value []byte) error
	// Completed says that checkpoint id (and every one before it) is
	// complete. Until then what a snapshot wrote may be lost with an
	// aborted checkpoint, so the next snapshot writes it again.
	Completed(id int64)
}

// StateWriter receives a snapshot's changes.
type StateWriter interface {
	Put(key, value []byte)
	Delete(key []byte)
}

// Committer is implemented by sinks that make their output visible only
// when a checkpoint completes — the second phase of a two-phase commit, the
// first being Snapshot. CommitCheckpoint is called from the task's
// goroutine, between batches, once checkpoint id is complete.
type Committer interface {
	CommitCheckpoint(id int64) error
}

// Resumable is implemented by sinks whose output outlives a run of the job
// (a file, a caller's collection). At the start of each run, after any
// Restore, Start says whether the run resumes from a checkpoint; a sink
// that starts afresh discards what no checkpoint committed, so that a
// failure followed by a restart leaves each change in the output once.
type Resumable interface {
	Start(restored bool) error
}

// dirtyKeys tracks the keys of a state that no completed checkpoint holds
// as they are: changed since, or written only by checkpoints that may still
// be aborted. A snapshot writes them all; a completion forgets those it
// covers.
type dirtyKeys map[string]int64 // key -> the checkpoint that wrote it, 0 if none yet

// touch marks a key changed. A nil set tracks nothing: a job without
// checkpoints pays nothing for them.
func (d dirtyKeys) touch(key []byte) {
	if d == nil {
		return
	}
	if by, ok := d[string(key)]; ok && by == 0 {
		return // already dirty; the lookup does not allocate, an assignment would
	}
	d[string(key)] = 0
}

// snapshotted records that checkpoint id wrote every dirty key.
func (d dirtyKeys) snapshotted(id int64) {
	for k := range d {
		d[k] = id
	}
}

// completed forgets the keys that checkpoints up to id wrote.
func (d dirtyKeys) completed(id int64) {
	for k, by := range d {
		if by != 0 && by <= id {
			delete(d, k)
		}
	}
}

// stateEntry is one change of a snapshot.
type stateEntry struct {
	key, value []byte
	deleted    bool
}

// snapshotBuffer collects a snapshot in memory, so that the task can go on
// while the checkpoint is written.
type snapshotBuffer struct {
	entries []stateEntry
}

func (b *snapshotBuffer) Put(key, value []byte) {
	b.entries = append(b.entries, stateEntry{key: append([]byte(nil), key...), value: append([]byte(nil), value...)})
}

func (b *snapshotBuffer) Delete(key []byte) {
	b.entries = append(b.entries, stateEntry{key: append([]byte(nil), key...), deleted: true})
}

// metaKey is the key under which an operator keeps facts about itself
// rather than a group: encoded keys start with a value kind byte, which is
// never 0xff.
const metaKeyPrefix = 0xff

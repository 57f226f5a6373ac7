package exec

import (
	"errors"
	"sync"

	"github.com/streamsql/streamsql/statestore"
)

// sourceLog is the replay log of a source that cannot replay by itself (a
// socket): what it receives is appended to the job's store, durably, before
// it is processed, and trimmed once a checkpoint covers it. After a
// failure, the records since the checkpoint are read back from it.
type sourceLog struct {
	store       *statestore.Store
	op, subtask uint32
	mu          sync.Mutex
	next        uint64 // the sequence number of the next record
}

func openSourceLog(store *statestore.Store, op, subtask int) (*sourceLog, error) {
	l := &sourceLog{store: store, op: uint32(op), subtask: uint32(subtask)}
	last, err := store.LastLogSeq(l.op, l.subtask)
	if err != nil {
		return nil, err
	}
	l.next = last + 1
	return l, nil
}

// append logs records and returns the sequence number of the first.
func (l *sourceLog) append(records [][]byte) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := l.next
	if err := l.store.AppendLog(l.op, l.subtask, first, records); err != nil {
		return 0, err
	}
	l.next += uint64(len(records))
	return first, nil
}

// nextSeq returns the sequence number the next record will get. The feed
// appends concurrently, so it is read under the lock.
func (l *sourceLog) nextSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next
}

var errEnough = errors.New("enough records")

// read calls fn with up to limit records after seq after.
func (l *sourceLog) read(after uint64, limit int, fn func(seq uint64, rec []byte)) error {
	n := 0
	err := l.store.ReadLog(l.op, l.subtask, after, func(seq uint64, rec []byte) error {
		fn(seq, rec)
		if n++; n >= limit {
			return errEnough
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		return nil
	}
	return err
}

// trim drops the records up to upto.
func (l *sourceLog) trim(upto uint64) error {
	return l.store.TrimLog(l.op, l.subtask, upto)
}

package statestore

import (
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// A source log keeps what a non-replayable source (a socket) received,
// durably and before it is processed, so that after a failure the records
// since the last checkpoint can be read again. Each source subtask (op,
// subtask) has its own log of records numbered from 1.

// AppendLog appends records with sequence numbers first, first+1, ... and
// returns once they are synced to disk.
func (s *Store) AppendLog(op, subtask uint32, first uint64, records [][]byte) error {
	size := 0
	for _, r := range records {
		size += len(r)
	}
	if err := s.checkWrite("log", int64(size)); err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for i, r := range records {
		if err := wb.Set(logKey(op, subtask, first+uint64(i)), frame(flagValue, r)); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	return s.db.Sync()
}

// ReadLog calls fn, in order, with every record numbered after after.
func (s *Store) ReadLog(op, subtask uint32, after uint64, fn func(seq uint64, rec []byte) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		prefix := logPrefix(op, subtask)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
		defer it.Close()
		for it.Seek(logKey(op, subtask, after+1)); it.ValidForPrefix(prefix); it.Next() {
			seq := parseLogSeq(it.Item().Key())
			err := it.Item().Value(func(v []byte) error {
				_, payload, err := unframe(v)
				if err != nil {
					return fmt.Errorf("source log record %d: %w", seq, err)
				}
				return fn(seq, payload)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// LastLogSeq returns the number of the newest record ever appended to the
// log (trimmed or not), or 0.
func (s *Store) LastLogSeq(op, subtask uint32) (uint64, error) {
	var last uint64
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := logPrefix(op, subtask)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		it.Seek(logKey(op, subtask, ^uint64(0)))
		if !it.ValidForPrefix(prefix) {
			return nil
		}
		if last = parseLogSeq(it.Item().Key()); last > 0 {
			return nil
		}
		return it.Item().Value(func(v []byte) error { // the trim mark
			last = trimMark(v)
			return nil
		})
	})
	return last, err
}

func trimMark(v []byte) uint64 {
	if _, payload, err := unframe(v); err == nil && len(payload) == 8 {
		return binary.BigEndian.Uint64(payload)
	}
	return 0
}

// TrimLog deletes the records numbered up to upto: a completed checkpoint
// covers them.
func (s *Store) TrimLog(op, subtask uint32, upto uint64) error {
	if err := s.checkWrite("trim", 0); err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := logPrefix(op, subtask)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(logKey(op, subtask, 1)); it.ValidForPrefix(prefix); it.Next() {
			if parseLogSeq(it.Item().Key()) > upto {
				break
			}
			if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	mark := binary.BigEndian.AppendUint64(nil, upto)
	if err := wb.Set(logKey(op, subtask, 0), frame(flagValue, mark)); err != nil {
		return err
	}
	return wb.Flush()
}

// Quarantine records that a source's record id made the job fail, so that
// a run that replays it skips it. reason is kept for people.
func (s *Store) Quarantine(op, subtask uint32, id uint64, reason string) error {
	if err := s.checkWrite("quarantine", int64(len(reason))); err != nil {
		return err
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(quarantineKey(op, subtask, id), frame(flagValue, []byte(reason)))
	})
	if err != nil {
		return err
	}
	return s.db.Sync()
}

// Quarantined returns the quarantined record ids of a source.
func (s *Store) Quarantined(op, subtask uint32) (map[uint64]bool, error) {
	ids := map[uint64]bool{}
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := quarantinePrefix(op, subtask)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
			ids[parseLogSeq(it.Item().Key())] = true
		}
		return nil
	})
	return ids, err
}

package statestore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Format names the layout of keys.go; a store written in another format is
// refused rather than misread.
const Format = "streamsql-state/1"

// ErrLocked is returned (wrapped) by Open when another process holds the
// store.
var ErrLocked = errors.New("state is in use by another process")

// Meta describes a completed checkpoint.
type Meta struct {
	ID    int64     `json:"id"`
	Taken time.Time `json:"taken"`
	// Duration is from the trigger to completion.
	Duration time.Duration `json:"duration"`
	// Bytes and Entries are what this checkpoint wrote: only the keys that
	// changed since the one before.
	Bytes   int64 `json:"bytes"`
	Entries int64 `json:"entries"`
	// Fingerprint identifies the plan whose state this is.
	Fingerprint string `json:"fingerprint"`
	Savepoint   bool   `json:"savepoint,omitempty"`
	// Positions are the sources' positions, by a name the caller chooses.
	Positions map[string][]byte `json:"positions,omitempty"`
	// Info is anything else the caller wants to keep with the checkpoint.
	Info map[string]string `json:"info,omitempty"`
}

// Store keeps one job's checkpoints in a Badger database. It is safe for
// concurrent use; one process at a time may open a directory.
type Store struct {
	dir  string
	db   *badger.DB
	lock *os.File

	minFree uint64                  // the free space writes leave (WithMinFree)
	fault   func(what string) error // the test seam of WithWriteFault

	mu          sync.Mutex
	checkpoints []Meta // completed, oldest first
	abandoned   map[int64]bool
	nextID      int64
	damaged     []string // checkpoints found damaged at Open, and ignored
}

// Open opens (or creates) the store in dir, with permissions 0700 for the
// directory and 0600 for files, and takes its lock. It refuses, with
// ErrNoSpace, to open a store on a filesystem without the reserve free:
// opening writes.
func Open(dir string, opts ...Option) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory %s: %w", dir, err)
	}
	// Before anything is written in it: Badger creates its files readable
	// by all (minus the umask), and only the directory keeps others out
	// until restrictPermissions narrows the files.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory %s: %w", dir, err)
	}
	s := &Store{dir: dir, minFree: DefaultMinFree, abandoned: map[int64]bool{}}
	for _, o := range opts {
		o(s)
	}
	if err := s.checkWrite("open", 0); err != nil {
		return nil, fmt.Errorf("opening state: %w", err)
	}
	lock, err := acquireLock(dir)
	if err != nil {
		return nil, err
	}
	bopts := badger.DefaultOptions(filepath.Join(dir, "db")).
		WithLogger(nil).
		WithMemTableSize(16 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBlockCacheSize(8 << 20).
		WithValueLogFileSize(64 << 20).
		WithNumCompactors(2).
		WithCompactL0OnClose(true)
	if err := removeEmptyLogs(bopts.Dir); err != nil {
		releaseLock(lock)
		return nil, fmt.Errorf("opening state in %s: %w", dir, err)
	}
	if err := verifyDB(dir, bopts); err != nil {
		releaseLock(lock)
		return nil, err
	}
	db, err := badger.Open(bopts)
	if err != nil {
		releaseLock(lock)
		return nil, openError(dir, err)
	}
	s.db, s.lock = db, lock
	if err := s.load(); err != nil {
		db.Close()
		releaseLock(lock)
		return nil, err
	}
	restrictPermissions(dir)
	return s, nil
}

// removeEmptyLogs deletes the empty write-ahead (.mem) and value (.vlog)
// log files of the database in dir. Badger creates such a file and then
// sizes it; a process killed in between leaves it empty, and Badger then
// refuses to open the database ("Create a new file": dgraph-io/badger#2207,
// not fixed in v4.9). An empty file holds no entry, so nothing is lost.
func removeEmptyLogs(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new store
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); e.IsDir() || (ext != ".mem" && ext != ".vlog") {
			continue
		}
		if info, err := e.Info(); err != nil || info.Size() > 0 {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// verifyDB opens the database without compaction, checks every table
// against its checksums, and closes it again, before the database is
// opened for use.
//
// It must come first: Badger's compactions start at Open, and a compaction
// that reads a damaged table either panics in a goroutine of Badger's (and
// takes the process with it) or ends its iteration quietly at the damaged
// block and replaces the table with the part it could read, which turns
// damage that a checksum would have reported into state silently lost.
// Reads of a damaged table panic or return wrong keys too, so nothing reads
// the state before it has been verified.
func verifyDB(dir string, bopts badger.Options) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the state in %s is damaged: reading it failed: %v: %w", dir, r, ErrCorrupt)
		}
	}()
	db, err := badger.Open(bopts.WithNumCompactors(0).WithCompactL0OnClose(false))
	if err != nil {
		return openError(dir, err)
	}
	verr := db.VerifyChecksum()
	cerr := db.Close()
	if verr != nil {
		return fmt.Errorf("the state in %s is damaged: %s: %w", dir, describeBadgerDamage(verr), ErrCorrupt)
	}
	if cerr != nil {
		return fmt.Errorf("closing state in %s: %w", dir, cerr)
	}
	return nil
}

// openError describes Badger's failure to open dir; its checksum failures
// become ErrCorrupt. Badger formats the errors it wraps with %+v, so
// errors.Is cannot see its own sentinel, and the message must do.
func openError(dir string, err error) error {
	if strings.Contains(err.Error(), "checksum") {
		return fmt.Errorf("the state in %s is damaged: %s: %w", dir, describeBadgerDamage(err), ErrCorrupt)
	}
	return fmt.Errorf("opening state in %s: %w", dir, err)
}

var (
	tableFileRE = regexp.MustCompile(`[^\s"]+\.sst`)
	blockRE     = regexp.MustCompile(`block: (\d+)`)
)

// describeBadgerDamage says which table file failed its checksum, and
// where in it, from one of Badger's chains of messages.
func describeBadgerDamage(err error) string {
	msg := strings.TrimSpace(err.Error())
	file := tableFileRE.FindString(msg)
	if file == "" {
		return msg
	}
	where := "its index"
	if m := blockRE.FindStringSubmatch(msg); m != nil {
		where = "block " + m[1]
	}
	return fmt.Sprintf("the table file %s fails its checksum (%s)", file, where)
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Close closes the database and releases the lock.
func (s *Store) Close() error {
	err := s.db.Close()
	restrictPermissions(s.dir)
	releaseLock(s.lock)
	return err
}

// load checks the format and reads the checkpoint list.
func (s *Store) load() error {
	return s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(formatKey())
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
			if err := txn.Set(formatKey(), []byte(Format)); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if string(v) != Format {
				return fmt.Errorf("%s holds state in format %q, but this version reads %q: %w", s.dir, v, Format, ErrCorrupt)
			}
		}
		if item, err := txn.Get(nextIDKey()); err == nil {
			v, err := item.ValueCopy(nil)
			if err != nil || len(v) != 8 {
				return fmt.Errorf("%s: the next checkpoint id: %w", s.dir, ErrCorrupt)
			}
			s.nextID = int64(binary.BigEndian.Uint64(v))
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindCheckpoint}, PrefetchValues: true})
		defer it.Close()
		latest := int64(0)
		var damagedIDs []int64
		for it.Rewind(); it.Valid(); it.Next() {
			id, ok := parseIDKey(it.Item().Key(), kindCheckpoint)
			if !ok {
				return fmt.Errorf("%s: a checkpoint key: %w", s.dir, ErrCorrupt)
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			s.nextID = max(s.nextID, id+1)
			m, err := decodeMeta(v)
			if err != nil || m.ID != id {
				// Only this checkpoint is lost: an older one may still be
				// whole, and a restore falls back to it. Its entries are
				// abandoned, so that no later checkpoint reads them.
				s.damaged = append(s.damaged, fmt.Sprintf("checkpoint %d is damaged (its description %s) and is ignored", id, describeDamage(err)))
				damagedIDs = append(damagedIDs, id)
				continue
			}
			s.checkpoints = append(s.checkpoints, m)
			latest = id
		}
		s.nextID = max(s.nextID, 1)
		ab := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindAbandoned}})
		defer ab.Close()
		for ab.Rewind(); ab.Valid(); ab.Next() {
			if id, ok := parseIDKey(ab.Item().Key(), kindAbandoned); ok {
				s.abandoned[id] = true
			}
		}
		for _, id := range damagedIDs {
			s.abandoned[id] = true
			if err := txn.Set(abandonedKey(id), nil); err != nil {
				return err
			}
			if err := txn.Delete(checkpointKey(id)); err != nil {
				return err
			}
		}
		// Checkpoints begun after the latest completed one were cut short
		// by the end of the last process: their entries do not count.
		for id := latest + 1; id < s.nextID; id++ {
			if !s.abandoned[id] {
				s.abandoned[id] = true
				if err := txn.Set(abandonedKey(id), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// describeDamage says what is wrong with a checkpoint's description.
func describeDamage(err error) string {
	if err == nil {
		return "names another checkpoint"
	}
	return "fails its checksum"
}

// Warnings returns what Open found wrong but could work around: damaged
// checkpoints it ignores. The caller should show them.
func (s *Store) Warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.damaged...)
}

func decodeMeta(v []byte) (Meta, error) {
	var m Meta
	_, payload, err := unframe(v)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(payload, &m); err != nil {
		return m, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return m, nil
}

// Checkpoints returns the completed checkpoints, oldest first.
func (s *Store) Checkpoints() []Meta {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Meta(nil), s.checkpoints...)
}

// Latest returns the newest completed checkpoint.
func (s *Store) Latest() (Meta, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.checkpoints) == 0 {
		return Meta{}, false
	}
	return s.checkpoints[len(s.checkpoints)-1], true
}

// Checkpoint returns the completed checkpoint id.
func (s *Store) Checkpoint(id int64) (Meta, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.checkpoints {
		if m.ID == id {
			return m, true
		}
	}
	return Meta{}, false
}

// Begin starts writing a checkpoint with a new id. The id is recorded
// before anything is written, so that the entries of a checkpoint that
// never completes (the process died) are never mistaken for another's.
func (s *Store) Begin() (*Writer, error) {
	// The previous checkpoint's size is the best guess of this one's.
	last, _ := s.Latest()
	if err := s.checkWrite("begin", last.Bytes); err != nil {
		return nil, err
	}
	s.mu.Lock()
	id := s.nextID
	s.nextID++
	s.mu.Unlock()
	err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(nextIDKey(), binary.BigEndian.AppendUint64(nil, uint64(id+1)))
	})
	if err != nil {
		return nil, err
	}
	return &Writer{store: s, id: id, batch: s.db.NewWriteBatch()}, nil
}

// Writer writes one checkpoint. Entries become visible all at once, when
// Commit writes the checkpoint's Meta; until then (and forever, if the
// process dies first) readers do not see them.
type Writer struct {
	store   *Store
	id      int64
	batch   *badger.WriteBatch
	mu      sync.Mutex
	bytes   int64
	entries int64
	checked int64 // bytes when free space was last checked
	err     error
	done    bool
}

// spaceCheckEvery is how many bytes a checkpoint writes between checks of
// the free space: Badger writes a big checkpoint as it goes, not only at
// Commit.
const spaceCheckEvery = 4 << 20

// ID returns the checkpoint's id.
func (w *Writer) ID() int64 { return w.id }

// Put records key's new value in operator op's state.
func (w *Writer) Put(op uint32, key, value []byte) {
	w.set(stateKey(op, key, w.id), frame(flagValue, value))
}

// Delete records that key is gone from operator op's state.
func (w *Writer) Delete(op uint32, key []byte) {
	w.set(stateKey(op, key, w.id), frame(flagTombstone, nil))
}

func (w *Writer) set(k, v []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || w.done {
		return
	}
	if w.store.fault != nil {
		if w.err = w.store.fault("put"); w.err != nil {
			return
		}
	}
	if w.bytes-w.checked >= spaceCheckEvery {
		w.checked = w.bytes
		if w.err = checkFree(w.store.dir, w.store.minFree, spaceCheckEvery); w.err != nil {
			return
		}
	}
	w.bytes += int64(len(k) + len(v))
	w.entries++
	w.err = w.batch.Set(k, v)
}

// Commit makes the checkpoint visible: the entries are flushed and synced,
// then the Meta is written, which is what makes it complete.
func (w *Writer) Commit(m Meta) (Meta, error) {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return m, errors.New("checkpoint already committed or aborted")
	}
	w.done = true
	err := w.err
	w.mu.Unlock()
	s := w.store
	m.ID, m.Bytes, m.Entries = w.id, w.bytes, w.entries
	payload, jerr := json.Marshal(m)
	if err == nil {
		err = jerr
	}
	if err == nil {
		err = s.checkWrite("commit", w.bytes-w.checked+int64(len(payload)))
	}
	if err != nil {
		w.batch.Cancel()
		return m, err
	}
	if err := w.batch.Flush(); err != nil {
		return m, err
	}
	// The entries must be on disk before the Meta that makes them count.
	if err := s.db.Sync(); err != nil {
		return m, err
	}
	// A checkpoint begun before this one and not completed never will be.
	prev, _ := s.Latest()
	if err := s.db.Update(func(txn *badger.Txn) error {
		for id := prev.ID + 1; id < w.id; id++ {
			s.mu.Lock()
			known := s.abandoned[id]
			s.abandoned[id] = true
			s.mu.Unlock()
			if !known {
				if err := txn.Set(abandonedKey(id), nil); err != nil {
					return err
				}
			}
		}
		return txn.Set(checkpointKey(w.id), frame(flagValue, payload))
	}); err != nil {
		return m, err
	}
	if err := s.db.Sync(); err != nil {
		return m, err
	}
	s.mu.Lock()
	s.checkpoints = append(s.checkpoints, m)
	sort.Slice(s.checkpoints, func(i, j int) bool { return s.checkpoints[i].ID < s.checkpoints[j].ID })
	s.mu.Unlock()
	// Files Badger created since the last checkpoint are readable by all
	// (minus the umask) until narrowed; the directory keeps others out
	// meanwhile.
	restrictPermissions(s.dir)
	return m, nil
}

// Abort gives the checkpoint up. What it wrote stays invisible and is
// removed by a later compaction.
func (w *Writer) Abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	w.done = true
	w.batch.Cancel()
	s := w.store
	s.mu.Lock()
	s.abandoned[w.id] = true
	s.mu.Unlock()
	// If this write fails or is refused, the next Open marks the
	// checkpoint abandoned.
	if s.checkWrite("abort", 0) == nil {
		s.db.Update(func(txn *badger.Txn) error { return txn.Set(abandonedKey(w.id), nil) })
	}
}

// DiscardAfter forgets the checkpoints newer than id: a job restored from
// id goes on from there, and what they wrote must not mix into its next
// checkpoints. Their entries become abandoned and are compacted later.
func (s *Store) DiscardAfter(id int64) (int, error) {
	if err := s.checkWrite("discard", 0); err != nil {
		return 0, err
	}
	s.mu.Lock()
	var keep, drop []Meta
	for _, m := range s.checkpoints {
		if m.ID > id {
			drop = append(drop, m)
		} else {
			keep = append(keep, m)
		}
	}
	s.checkpoints = keep
	for _, m := range drop {
		s.abandoned[m.ID] = true
	}
	s.mu.Unlock()
	err := s.db.Update(func(txn *badger.Txn) error {
		for _, m := range drop {
			if err := txn.Set(abandonedKey(m.ID), nil); err != nil {
				return err
			}
			if err := txn.Delete(checkpointKey(m.ID)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(drop), s.db.Sync()
}

// Load calls fn with every key and value of operator op's state as of
// checkpoint id, in key order. The slices are valid only during the call.
func (s *Store) Load(id int64, op uint32, fn func(key, value []byte) error) error {
	if _, ok := s.Checkpoint(id); !ok {
		return fmt.Errorf("checkpoint %d does not exist", id)
	}
	abandoned := s.abandonedIDs()
	return s.db.View(func(txn *badger.Txn) error {
		prefix := statePrefix(op)
		// No prefetching: state values are small, and Badger keeps values
		// under its value threshold (1 MiB) in the LSM tree beside their
		// keys, so Value reads them in place, where a prefetch would copy
		// each one first (a quarter of a restore's time at a million keys).
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
		defer it.Close()
		var current []byte // the key whose version was chosen
		chosen := false
		for it.Rewind(); it.Valid(); it.Next() {
			_, key, version, err := parseStateKey(it.Item().Key())
			if err != nil {
				return fmt.Errorf("a key of operator %d's state does not parse (%s): %w", op, s.locate(it.Item().Key()), err)
			}
			if chosen && bytes.Equal(key, current) {
				continue // an older version of a key already decided
			}
			if version > id || abandoned[version] {
				continue
			}
			current, chosen = append(current[:0], key...), true
			err = it.Item().Value(func(v []byte) error {
				flag, payload, err := unframe(v)
				if err != nil {
					return fmt.Errorf("the state of operator %d written by checkpoint %d fails its checksum (%s): %w",
						op, version, s.locateItem(it.Item()), err)
				}
				if flag == flagTombstone {
					return nil
				}
				return fn(key, payload)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) abandonedIDs() map[int64]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make(map[int64]bool, len(s.abandoned))
	for id := range s.abandoned {
		ids[id] = true
	}
	return ids
}

// Retain keeps the newest n completed checkpoints and forgets the rest,
// then removes the entries no retained checkpoint reads.
func (s *Store) Retain(n int) error {
	if err := s.checkWrite("retain", 0); err != nil {
		return err
	}
	s.mu.Lock()
	var drop []Meta
	if len(s.checkpoints) > n {
		drop = append(drop, s.checkpoints[:len(s.checkpoints)-n]...)
		s.checkpoints = append([]Meta(nil), s.checkpoints[len(s.checkpoints)-n:]...)
	}
	s.mu.Unlock()
	if len(drop) > 0 {
		err := s.db.Update(func(txn *badger.Txn) error {
			for _, m := range drop {
				if err := txn.Delete(checkpointKey(m.ID)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return s.compact()
}

// compact deletes state entries that no retained checkpoint reads: for
// each key, the versions older than the newest one visible to the oldest
// retained checkpoint, that one too if it is a deletion, and the versions
// of abandoned checkpoints, whose markers then go. Versions newer than the
// latest completed checkpoint belong to one being written and stay.
func (s *Store) compact() error {
	s.mu.Lock()
	if len(s.checkpoints) == 0 {
		s.mu.Unlock()
		return nil
	}
	oldest := s.checkpoints[0].ID
	limit := s.checkpoints[len(s.checkpoints)-1].ID
	s.mu.Unlock()
	abandoned := s.abandonedIDs()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindState}})
		defer it.Close()
		var current []byte
		baseSeen := false
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			_, key, version, err := parseStateKey(k)
			if err != nil {
				return err
			}
			if !bytes.Equal(key, current) {
				current, baseSeen = append(current[:0], key...), false
			}
			switch {
			case version > limit && !abandoned[version]:
				// a checkpoint in progress: not ours to judge
			case abandoned[version]:
				err = wb.Delete(k)
			case version > oldest:
				// read by a retained checkpoint newer than the oldest
			case !baseSeen:
				// the version the oldest retained checkpoint reads; a
				// deletion there reads as nothing and can go
				baseSeen = true
				if isTombstone(it.Item()) {
					err = wb.Delete(k)
				}
			default:
				err = wb.Delete(k)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	// The abandoned checkpoints' entries are gone; so can their markers.
	return s.db.Update(func(txn *badger.Txn) error {
		for id := range abandoned {
			if id <= limit {
				if err := txn.Delete(abandonedKey(id)); err != nil {
					return err
				}
				s.mu.Lock()
				delete(s.abandoned, id)
				s.mu.Unlock()
			}
		}
		return nil
	})
}

func isTombstone(item *badger.Item) bool {
	tomb := false
	item.Value(func(v []byte) error {
		flag, _, err := unframe(v)
		tomb = err == nil && flag == flagTombstone
		return nil
	})
	return tomb
}

// Destroy deletes every checkpoint and all state, keeping the store open
// and usable (a job that FINISHED leaves nothing to resume from).
func (s *Store) Destroy() error {
	if err := s.checkWrite("destroy", 0); err != nil {
		return err
	}
	s.mu.Lock()
	s.checkpoints = nil
	s.mu.Unlock()
	for _, prefix := range [][]byte{{kindCheckpoint}, {kindState}, {kindLog}, {kindQuarantine}} {
		if err := s.db.DropPrefix(prefix); err != nil {
			return err
		}
	}
	return nil
}

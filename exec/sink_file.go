package exec

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/streamsql/streamsql/planner"
)

// fileSink writes changes to a file. Without checkpoints it writes the
// file directly (what is written is visible at once, at least once after a
// failure). With checkpoints it commits in two phases, as Flink's FileSink
// does, so that the file holds each change exactly once even across
// failures and restarts:
//
//   - changes go to a hidden in-progress file beside the target;
//   - at a checkpoint's barrier (Snapshot, phase one) the in-progress file
//     is synced and renamed to a pending file named after the checkpoint,
//     and the state records the target's committed length and the pending
//     files;
//   - when the checkpoint completes (CommitCheckpoint, phase two) pending
//     files are appended to the target; a pending file is deleted only once
//     a later completed checkpoint no longer needs it;
//   - a restore truncates the target to the recorded length and appends the
//     recorded pending files again, and discards the rest.
type fileSink struct {
	path        string
	enc         encoder
	exactlyOnce bool

	f      *os.File // the target, or the in-progress file
	w      *bufio.Writer
	buf    []byte
	header bool // the header is written (into what is or will be the target)

	committed int64           // the target's length with every committed pending file
	pending   []int64         // checkpoints whose pending files await CommitCheckpoint
	sizes     map[int64]int64 // the pending files' sizes
	appended  []int64         // pending files appended to the target, kept until safe
	// deletable maps a checkpoint to the pending files appended before its
	// snapshot: once it completes, no restore needs them.
	deletable map[int64][]int64
}

func newFileSink(spec *planner.SinkOp, enc encoder, exactlyOnce bool) (*fileSink, error) {
	path := spec.Options["path"]
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sink %s: %w", spec.Name, err)
		}
	}
	return &fileSink{path: path, enc: enc, exactlyOnce: exactlyOnce, deletable: map[int64][]int64{}, sizes: map[int64]int64{}}, nil
}

func (s *fileSink) hidden(suffix string) string {
	return filepath.Join(filepath.Dir(s.path), "."+filepath.Base(s.path)+"."+suffix)
}

func (s *fileSink) inProgress() string { return s.hidden("inprogress") }
func (s *fileSink) pendingFile(id int64) string {
	return s.hidden("pending-" + strconv.FormatInt(id, 10))
}

// Start implements Resumable: a fresh run empties the target and forgets
// what an earlier run left pending; a restored one goes on from Restore.
func (s *fileSink) Start(restored bool) error {
	if restored {
		return nil
	}
	s.removeStray(nil)
	s.committed, s.header = 0, false
	s.pending, s.appended = nil, nil
	clear(s.deletable)
	if err := os.WriteFile(s.path, nil, 0o644); err != nil {
		return fmt.Errorf("sink file: %w", err)
	}
	return nil
}

// open starts the file that writes go to.
func (s *fileSink) open() error {
	if s.f != nil {
		return nil
	}
	var err error
	if s.exactlyOnce {
		s.f, err = os.Create(s.inProgress())
	} else {
		s.f, err = os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	}
	if err != nil {
		return fmt.Errorf("sink file: %w", err)
	}
	s.w = bufio.NewWriterSize(s.f, 64<<10)
	return nil
}

func (s *fileSink) Write(b *Batch) error {
	if err := s.open(); err != nil {
		return err
	}
	var err error
	if s.buf, err = writeChanges(s.w, s.enc, s.buf, &s.header, b); err != nil {
		return err
	}
	if !s.exactlyOnce {
		return s.w.Flush() // visible as it is written
	}
	return nil
}

// Snapshot is phase one: the in-progress file becomes checkpoint id's
// pending file.
func (s *fileSink) Snapshot(id int64, w StateWriter) error {
	if !s.exactlyOnce {
		return nil
	}
	if s.f != nil {
		if err := s.w.Flush(); err != nil {
			return err
		}
		if err := s.f.Sync(); err != nil {
			return err
		}
		if err := s.f.Close(); err != nil {
			return err
		}
		s.f = nil
		info, err := os.Stat(s.inProgress())
		if err != nil {
			return err
		}
		if err := os.Rename(s.inProgress(), s.pendingFile(id)); err != nil {
			return err
		}
		s.pending = append(s.pending, id)
		s.sizes[id] = info.Size()
	}
	s.deletable[id] = append([]int64(nil), s.appended...)
	w.Put([]byte("file"), s.encodeState())
	return nil
}

// Completed implements Stateful; CommitCheckpoint does the work.
func (s *fileSink) Completed(int64) {}

// CommitCheckpoint is phase two: the pending files of checkpoints up to
// the completed one are appended to the target. A later checkpoint's
// pending file waits for its own completion.
func (s *fileSink) CommitCheckpoint(completed int64) error {
	if !s.exactlyOnce {
		return nil
	}
	var later []int64
	for _, id := range s.pending {
		if id > completed {
			later = append(later, id)
			continue
		}
		if err := s.appendPending(id); err != nil {
			return err
		}
		s.appended = append(s.appended, id)
	}
	s.pending = later
	// A pending file appended before a completed checkpoint's snapshot is
	// in that checkpoint's committed length: no restore needs it again.
	for id, files := range s.deletable {
		if id > completed {
			continue
		}
		for _, f := range files {
			os.Remove(s.pendingFile(f))
			s.appended = remove(s.appended, f)
		}
		delete(s.deletable, id)
	}
	return nil
}

func remove(ids []int64, id int64) []int64 {
	out := ids[:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// appendPending appends a pending file to the target, from the committed
// length on, and syncs it.
func (s *fileSink) appendPending(id int64) error {
	src, err := os.Open(s.pendingFile(id))
	if err != nil {
		return fmt.Errorf("sink file: committing checkpoint %d: %w", id, err)
	}
	defer src.Close()
	dst, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := dst.Truncate(s.committed); err != nil {
		return err
	}
	if _, err := dst.Seek(s.committed, io.SeekStart); err != nil {
		return err
	}
	n, err := io.Copy(dst, src)
	if err != nil {
		return err
	}
	if err := dst.Sync(); err != nil {
		return err
	}
	s.committed += n
	return nil
}

// Restore implements Stateful: the target becomes exactly what the
// checkpoint covers — its committed length plus its pending files, which
// are appended again unless they already are (the target is at least that
// long: they were committed before the process stopped) — and anything
// written after the checkpoint is discarded.
func (s *fileSink) Restore(key, value []byte) error {
	if string(key) != "file" {
		return nil
	}
	if err := s.decodeState(string(value)); err != nil {
		return err
	}
	covered := s.committed
	for _, id := range s.pending {
		covered += s.sizes[id]
	}
	pending := s.pending
	s.pending = nil
	if info, err := os.Stat(s.path); err == nil && info.Size() >= covered {
		s.committed = covered // committed already: only what came later goes
		s.removeStray(nil)
		return os.Truncate(s.path, covered)
	}
	keep := map[int64]bool{}
	for _, id := range pending {
		keep[id] = true
	}
	s.removeStray(keep)
	for _, id := range pending {
		if err := s.appendPending(id); err != nil {
			return fmt.Errorf("restoring %s: %w", s.path, err)
		}
		s.appended = append(s.appended, id)
	}
	return os.Truncate(s.path, s.committed)
}

// removeStray deletes the hidden files of earlier runs but those in keep.
func (s *fileSink) removeStray(keep map[int64]bool) {
	os.Remove(s.inProgress())
	prefix := "." + filepath.Base(s.path) + ".pending-"
	entries, _ := os.ReadDir(filepath.Dir(s.path))
	for _, e := range entries {
		if id, ok := strings.CutPrefix(e.Name(), prefix); ok {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || !keep[n] {
				os.Remove(filepath.Join(filepath.Dir(s.path), e.Name()))
			}
		}
	}
}

// Finish commits everything: a bounded job's output is complete.
func (s *fileSink) Finish() error {
	if err := s.open(); err != nil {
		return err
	}
	if !s.header {
		// An empty result still gets its header, so a csv file is never
		// mistaken for a missing one.
		s.buf = s.enc.header(s.buf[:0])
		s.header = true
		if _, err := s.w.Write(s.buf); err != nil {
			return err
		}
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	if !s.exactlyOnce {
		return nil
	}
	if err := s.f.Close(); err != nil {
		return err
	}
	s.f = nil
	// The last changes follow every pending file, whose checkpoints the
	// end of the job makes final.
	for _, id := range s.pending {
		if err := s.appendPending(id); err != nil {
			return err
		}
	}
	s.pending = nil
	last, err := os.Open(s.inProgress())
	if err != nil {
		return err
	}
	defer last.Close()
	dst, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer dst.Close()
	if _, err := dst.Seek(s.committed, io.SeekStart); err != nil {
		return err
	}
	n, err := io.Copy(dst, last)
	if err != nil {
		return err
	}
	s.committed += n
	if err := dst.Truncate(s.committed); err != nil {
		return err
	}
	if err := dst.Sync(); err != nil {
		return err
	}
	s.removeStray(nil)
	return nil
}

func (s *fileSink) Close() error {
	if s.f == nil {
		return nil
	}
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	return err
}

// The state: the committed length, the header flag, and the pending files
// with their sizes.
func (s *fileSink) encodeState() []byte {
	b := appendVarint(nil, s.committed)
	if s.header {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = appendUvarint(b, uint64(len(s.pending)))
	for _, id := range s.pending {
		b = appendVarint(appendVarint(b, id), s.sizes[id])
	}
	return b
}

func (s *fileSink) decodeState(v string) error {
	r := &stateReader{s: v}
	s.committed = r.varint()
	if r.err != nil || len(r.s) == 0 {
		return errCorrupt
	}
	s.header = r.s[0] == 1
	r.s = r.s[1:]
	n := r.uvarint()
	s.pending, s.appended = nil, nil
	for j := uint64(0); j < n && r.err == nil; j++ {
		id := r.varint()
		s.pending = append(s.pending, id)
		s.sizes[id] = r.varint()
	}
	return r.err
}

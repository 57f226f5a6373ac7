package statestore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/google/go-cmp/cmp"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func load(t *testing.T, s *Store, id int64, op uint32) map[string]string {
	t.Helper()
	got := map[string]string{}
	if err := s.Load(id, op, func(k, v []byte) error {
		got[string(k)] = string(v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func commit(t *testing.T, s *Store, puts map[string]string, deletes ...string) Meta {
	t.Helper()
	w, err := s.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range puts {
		w.Put(1, []byte(k), []byte(v))
	}
	for _, k := range deletes {
		w.Delete(1, []byte(k))
	}
	m, err := w.Commit(Meta{Fingerprint: "fp"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestIncremental checks that each checkpoint writes only its changes and
// that loading any checkpoint gives the state as it was then.
func TestIncremental(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	c1 := commit(t, s, map[string]string{"a": "1", "b": "1", "ab": "x"})
	c2 := commit(t, s, map[string]string{"a": "2"}, "b")
	c3 := commit(t, s, map[string]string{"c": "3"})
	if c2.Entries != 2 || c3.Entries != 1 {
		t.Errorf("checkpoints wrote %d and %d entries, want 2 and 1 (only the changes)", c2.Entries, c3.Entries)
	}
	for _, tc := range []struct {
		id   int64
		want map[string]string
	}{
		{c1.ID, map[string]string{"a": "1", "b": "1", "ab": "x"}},
		{c2.ID, map[string]string{"a": "2", "ab": "x"}},
		{c3.ID, map[string]string{"a": "2", "ab": "x", "c": "3"}},
	} {
		if diff := cmp.Diff(tc.want, load(t, s, tc.id, 1)); diff != "" {
			t.Errorf("checkpoint %d (-want +got):\n%s", tc.id, diff)
		}
	}
	if got := load(t, s, c3.ID, 2); len(got) != 0 {
		t.Errorf("operator 2 has state %v", got)
	}
}

// TestUncommittedIsInvisible writes half a checkpoint and abandons it, as a
// crash would: neither it nor a reopened store may see its entries, and a
// later checkpoint must not mistake them for its own.
func TestUncommittedIsInvisible(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	c1 := commit(t, s, map[string]string{"a": "1", "b": "1"})
	w, err := s.Begin()
	if err != nil {
		t.Fatal(err)
	}
	w.Put(1, []byte("a"), []byte("half"))
	w.Delete(1, []byte("b"))
	if err := w.batch.Flush(); err != nil { // on disk, as if the process died right now
		t.Fatal(err)
	}
	s.Close()

	s = open(t, dir)
	defer s.Close()
	latest, ok := s.Latest()
	if !ok || latest.ID != c1.ID {
		t.Fatalf("latest checkpoint %v, want %d", latest, c1.ID)
	}
	if diff := cmp.Diff(map[string]string{"a": "1", "b": "1"}, load(t, s, c1.ID, 1)); diff != "" {
		t.Errorf("the half-written checkpoint leaked (-want +got):\n%s", diff)
	}
	c3 := commit(t, s, map[string]string{"c": "1"})
	if c3.ID <= w.ID() {
		t.Errorf("checkpoint id %d reused after the abandoned %d", c3.ID, w.ID())
	}
	if diff := cmp.Diff(map[string]string{"a": "1", "b": "1", "c": "1"}, load(t, s, c3.ID, 1)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestRetainAndCompact keeps the newest two checkpoints; both must still
// read right after the older versions are removed.
func TestRetainAndCompact(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	commit(t, s, map[string]string{"a": "1", "b": "1", "gone": "1"})
	commit(t, s, map[string]string{"a": "2"}, "gone")
	w, _ := s.Begin() // abandoned
	w.Put(1, []byte("a"), []byte("junk"))
	w.batch.Flush()
	c3 := commit(t, s, map[string]string{"b": "3"})
	c4 := commit(t, s, map[string]string{"a": "4"})
	if err := s.Retain(2); err != nil {
		t.Fatal(err)
	}
	if ids := len(s.Checkpoints()); ids != 2 {
		t.Fatalf("%d checkpoints retained, want 2", ids)
	}
	if diff := cmp.Diff(map[string]string{"a": "2", "b": "3"}, load(t, s, c3.ID, 1)); diff != "" {
		t.Errorf("checkpoint %d (-want +got):\n%s", c3.ID, diff)
	}
	if diff := cmp.Diff(map[string]string{"a": "4", "b": "3"}, load(t, s, c4.ID, 1)); diff != "" {
		t.Errorf("checkpoint %d (-want +got):\n%s", c4.ID, diff)
	}
	if n := countEntries(t, s); n != 3 { // a@2, a@4, b@3
		t.Errorf("%d state entries after compaction, want 3", n)
	}
}

func countEntries(t *testing.T, s *Store) int {
	n := 0
	s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{kindState}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	return n
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	_, err := Open(dir)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("a second Open got %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Errorf("the error does not name the holder: %v", err)
	}
	s.Close()
	s = open(t, dir) // free again
	s.Close()
}

func TestDetectsDamage(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	c := commit(t, s, map[string]string{"a": "1"})
	// flip a byte of the stored value behind the store's back
	k := stateKey(1, []byte("a"), c.ID)
	v := frame(flagValue, []byte("1"))
	v[len(v)-1] ^= 0xff
	s.db.Update(func(txn *badger.Txn) error { return txn.Set(k, v) })
	err := s.Load(c.ID, 1, func(k, v []byte) error { return nil })
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("loading damaged state got %v, want ErrCorrupt", err)
	}
}

func TestForeignFormat(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	s.db.Update(func(txn *badger.Txn) error { return txn.Set(formatKey(), []byte("something-else/9")) })
	s.Close()
	_, err := Open(dir)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "something-else/9") {
		t.Fatalf("got %v", err)
	}
}

func TestLog(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	recs := func(rs ...string) [][]byte {
		var out [][]byte
		for _, r := range rs {
			out = append(out, []byte(r))
		}
		return out
	}
	if err := s.AppendLog(3, 0, 1, recs("a", "b", "c")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendLog(3, 1, 1, recs("other")); err != nil {
		t.Fatal(err)
	}
	if err := s.TrimLog(3, 0, 1); err != nil {
		t.Fatal(err)
	}
	var got []string
	s.ReadLog(3, 0, 0, func(seq uint64, rec []byte) error {
		got = append(got, fmt.Sprintf("%d:%s", seq, rec))
		return nil
	})
	if diff := cmp.Diff([]string{"2:b", "3:c"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if last, _ := s.LastLogSeq(3, 0); last != 3 {
		t.Errorf("last seq %d, want 3", last)
	}
	// emptied by trimming, the log still knows where numbering stands
	if err := s.TrimLog(3, 0, 3); err != nil {
		t.Fatal(err)
	}
	if last, _ := s.LastLogSeq(3, 0); last != 3 {
		t.Errorf("last seq after trimming everything %d, want 3", last)
	}
	got = nil
	s.ReadLog(3, 0, 0, func(seq uint64, rec []byte) error {
		got = append(got, fmt.Sprintf("%d:%s", seq, rec))
		return nil
	})
	if len(got) != 0 {
		t.Errorf("records after trimming everything: %v", got)
	}
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "job")
	s := open(t, dir)
	commit(t, s, map[string]string{"a": "1"})
	s.Close()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		info, _ := d.Info()
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, info.Mode().Perm(), want)
		}
		return nil
	})
}

func TestDestroy(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	commit(t, s, map[string]string{"a": "1"})
	s.AppendLog(1, 0, 1, [][]byte{[]byte("x")})
	if err := s.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Latest(); ok {
		t.Error("a checkpoint survived Destroy")
	}
	if n := countEntries(t, s); n != 0 {
		t.Errorf("%d state entries survived Destroy", n)
	}
}

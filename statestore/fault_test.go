package statestore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/streamsql/streamsql/internal/tmpfs"
)

// bigPuts is a checkpoint's worth of entries, enough to take Badger's
// write-ahead log into pages of its memory map not yet written.
func bigPuts(tag string) map[string]string {
	puts := map[string]string{}
	for i := 0; i < 2000; i++ {
		puts[fmt.Sprintf("%s-%04d", tag, i)] = strings.Repeat(tag, 20)
	}
	return puts
}

// TestDiskFullFailsOnlyThatCheckpoint fills a real filesystem (a tmpfs)
// under a store: the next checkpoint is refused with ErrNoSpace instead of
// crashing the process — Badger writes through memory maps, and a write
// into a map on a full disk is a SIGBUS — the previous checkpoint stays
// intact, and once there is room again checkpoints go on.
func TestDiskFullFailsOnlyThatCheckpoint(t *testing.T) {
	fs := tmpfs.Mount(t, 128<<20, "TestWriteFaultFailsOnlyThatCheckpoint")
	s := open(t, filepath.Join(fs, "job"))
	c1 := commit(t, s, bigPuts("a"))
	filler := tmpfs.Fill(t, fs)

	for i := 0; i < 5; i++ {
		w, err := s.Begin()
		if err == nil {
			for k, v := range bigPuts("b") {
				w.Put(1, []byte(k), []byte(v))
			}
			_, err = w.Commit(Meta{Fingerprint: "fp"})
		}
		if !errors.Is(err, ErrNoSpace) {
			t.Fatalf("checkpoint %d on a full disk: %v, want ErrNoSpace", i, err)
		}
		if !strings.Contains(err.Error(), "free") || !strings.Contains(err.Error(), fs) {
			t.Errorf("the error does not say where space ran out: %v", err)
		}
	}
	if latest, _ := s.Latest(); latest.ID != c1.ID {
		t.Fatalf("latest checkpoint %d, want %d", latest.ID, c1.ID)
	}
	if got := load(t, s, c1.ID, 1); len(got) != 2000 {
		t.Fatalf("the previous checkpoint has %d keys, want 2000", len(got))
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	c2 := commit(t, s, bigPuts("c"))
	if got := load(t, s, c2.ID, 1); len(got) != 4000 {
		t.Fatalf("the checkpoint after the disk had room again has %d keys, want 4000", len(got))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, filepath.Join(fs, "job"))
	defer s.Close()
	if got := load(t, s, c2.ID, 1); len(got) != 4000 {
		t.Fatalf("after reopening, the checkpoint has %d keys, want 4000", len(got))
	}
}

// TestOpenRefusedOnFullDisk: opening writes, so a store is not opened on a
// filesystem without its reserve free.
func TestOpenRefusedOnFullDisk(t *testing.T) {
	fs := tmpfs.Mount(t, 96<<20, "TestWriteFaultFailsOnlyThatCheckpoint")
	tmpfs.Fill(t, fs)
	_, err := Open(filepath.Join(fs, "job"))
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("Open on a full disk: %v, want ErrNoSpace", err)
	}
}

// TestWriteFaultFailsOnlyThatCheckpoint makes the writes of a checkpoint
// fail through the test seam — at its start, among its entries, at its
// commit — and checks each time that the checkpoint fails, the one before
// stays whole, nothing of the failed one is visible, and the next one
// succeeds with every change.
func TestWriteFaultFailsOnlyThatCheckpoint(t *testing.T) {
	for _, at := range []string{"begin", "put", "commit"} {
		t.Run(at, func(t *testing.T) {
			var failing bool
			diskError := fmt.Errorf("write %s: %w", at, syscall.EROFS)
			s, err := Open(t.TempDir(), WithWriteFault(func(what string) error {
				if failing && what == at {
					return diskError
				}
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c1 := commit(t, s, map[string]string{"a": "1", "b": "1"})

			failing = true
			w, err := s.Begin()
			if err == nil {
				w.Put(1, []byte("a"), []byte("2"))
				w.Delete(1, []byte("b"))
				_, err = w.Commit(Meta{Fingerprint: "fp"})
			}
			if !errors.Is(err, syscall.EROFS) {
				t.Fatalf("got %v, want the injected error", err)
			}
			if latest, _ := s.Latest(); latest.ID != c1.ID {
				t.Fatalf("latest checkpoint %d, want %d", latest.ID, c1.ID)
			}

			failing = false
			c2 := commit(t, s, map[string]string{"a": "3"})
			if diff := cmp.Diff(map[string]string{"a": "1", "b": "1"}, load(t, s, c1.ID, 1)); diff != "" {
				t.Errorf("the previous checkpoint changed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]string{"a": "3", "b": "1"}, load(t, s, c2.ID, 1)); diff != "" {
				t.Errorf("the next checkpoint (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDamagedTableNamesFile damages a table file on disk, byte by byte at
// several places: Open finds it by checksum and names the file, rather
// than panicking, or reading part of the state as if it were all of it
// (Badger's iterators stop quietly at a block they cannot read).
func TestDamagedTableNamesFile(t *testing.T) {
	for _, at := range []float64{0.02, 0.3, 0.6, 0.9, 0.99} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir)
			commit(t, s, bigPuts("a"))
			commit(t, s, map[string]string{"a-0001": "changed"})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tables, _ := filepath.Glob(filepath.Join(dir, "db", "*.sst"))
			if len(tables) == 0 {
				t.Fatal("no table files: the test no longer damages what it means to")
			}
			b, err := os.ReadFile(tables[0])
			if err != nil {
				t.Fatal(err)
			}
			b[int(float64(len(b))*at)] ^= 0x55
			if err := os.WriteFile(tables[0], b, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err = Open(dir)
			if err == nil {
				s.Close()
				t.Fatal("a damaged table was opened")
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tables[0]) {
				t.Fatalf("got %v, want ErrCorrupt naming %s", err, tables[0])
			}
		})
	}
}

// TestDamagedCheckpointIsIgnored: a checkpoint whose description fails its
// checksum is reported and ignored, and the one before it is the latest;
// its entries are abandoned, so the next checkpoint does not read them.
func TestDamagedCheckpointIsIgnored(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	c1 := commit(t, s, map[string]string{"a": "1"})
	c2 := commit(t, s, map[string]string{"a": "2", "b": "2"})
	s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(checkpointKey(c2.ID))
		if err != nil {
			return err
		}
		v, _ := item.ValueCopy(nil)
		v[len(v)-2] ^= 0xff
		return txn.Set(checkpointKey(c2.ID), v)
	})
	s.Close()

	s = open(t, dir)
	defer s.Close()
	if latest, _ := s.Latest(); latest.ID != c1.ID {
		t.Fatalf("latest checkpoint %d, want %d", latest.ID, c1.ID)
	}
	if w := s.Warnings(); len(w) != 1 || !strings.Contains(w[0], fmt.Sprintf("checkpoint %d is damaged", c2.ID)) {
		t.Errorf("warnings %q, want one about checkpoint %d", w, c2.ID)
	}
	c3 := commit(t, s, map[string]string{"c": "3"})
	if diff := cmp.Diff(map[string]string{"a": "1", "c": "3"}, load(t, s, c3.ID, 1)); diff != "" {
		t.Errorf("the next checkpoint reads the damaged one's entries (-want +got):\n%s", diff)
	}
}

// TestLockIsNotFollowed: the lock file is truncated and written, so a
// symbolic link in its place is refused rather than followed, and the
// error does not show what the link points to.
func TestLockIsNotFollowed(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("SECRET CONTENT\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, lockName)); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir)
	if err == nil {
		t.Fatal("opened a store whose lock file is a symbolic link")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("the error shows the file's contents: %v", err)
	}
	if b, _ := os.ReadFile(secret); string(b) != "SECRET CONTENT\n" {
		t.Errorf("the file the link points to was changed to %q", b)
	}
}

// TestLockHolderText: the holder's pid is shown; anything else the lock
// file holds is not.
func TestLockHolderText(t *testing.T) {
	for text, want := range map[string]string{
		"process 4242\n":           "process 4242",
		"SECRET CONTENT\n":         "another process",
		"process 1\nSECRET\n":      "another process",
		"":                         "another process",
		"\x00\x01binary\xff\xfe\n": "another process",
	} {
		if got := lockHolder([]byte(text)); got != want {
			t.Errorf("lockHolder(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestPermissionsWhileOpen: the store's directory is 0700 from the start
// and its files are narrowed to 0600 at every commit, not only at Close:
// a process killed with kill -9 never closes its store.
func TestPermissionsWhileOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "job")
	s := open(t, dir)
	defer s.Close()
	commit(t, s, map[string]string{"a": "1"})
	checked := 0
	filepath.WalkDir(filepath.Dir(dir), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, _ := d.Info()
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, info.Mode().Perm(), want)
		}
		checked++
		return nil
	})
	if checked < 4 {
		t.Fatalf("checked only %d paths", checked)
	}
}

// TestDamagedValueNamesFile: a value that fails its checksum is reported
// with the file that holds it.
func TestDamagedValueNamesFile(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	c := commit(t, s, map[string]string{"a": "1"})
	v := frame(flagValue, []byte("1"))
	v[len(v)-1] ^= 0xff
	s.db.Update(func(txn *badger.Txn) error { return txn.Set(stateKey(1, []byte("a"), c.ID), v) })
	err := s.Load(c.ID, 1, func(k, v []byte) error { return nil })
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Join(s.Dir(), "db")) {
		t.Fatalf("got %v, want ErrCorrupt naming a file in %s", err, filepath.Join(s.Dir(), "db"))
	}
	if !bytes.Contains([]byte(err.Error()), []byte("checkpoint 1")) {
		t.Errorf("the error does not name the checkpoint that wrote the value: %v", err)
	}
}

// TestDamagedValueLogDetected damages, on disk, a value big enough that
// Badger keeps it in its value log, where it reads values without
// checking them: the value's own checksum catches it, and the message
// names the value log. The checkpoint before, which reads an older
// version of the key, is unharmed — what a restore falls back to.
func TestDamagedValueLogDetected(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	c1 := commit(t, s, map[string]string{"k": strings.Repeat("A", 2<<20)})
	c2 := commit(t, s, map[string]string{"k": strings.Repeat("B", 2<<20)})
	s.Close()
	logs, _ := filepath.Glob(filepath.Join(dir, "db", "*.vlog"))
	damaged := false
	for _, path := range logs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(b, []byte(strings.Repeat("B", 1<<20))); i >= 0 {
			b[i+1000] = 'X'
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			damaged = true
		}
	}
	if !damaged {
		t.Fatal("the value is in no value log file: the test no longer damages what it means to")
	}
	s = open(t, dir)
	defer s.Close()
	err := s.Load(c2.ID, 1, func(k, v []byte) error { return nil })
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), ".vlog") {
		t.Fatalf("loading the damaged checkpoint: %v, want ErrCorrupt naming the value log", err)
	}
	if got := load(t, s, c1.ID, 1); got["k"] != strings.Repeat("A", 2<<20) {
		t.Errorf("the checkpoint before was harmed")
	}
}

// TestOpensAfterKillDuringFileCreation leaves what a process killed while
// Badger creates a log file leaves: the file, still empty (Badger creates
// it, then sizes it). Badger cannot open such a directory (it reports
// "Create a new file"; dgraph-io/badger#2207), so the store removes empty
// log files first: they hold nothing. Every checkpoint stays readable.
func TestOpensAfterKillDuringFileCreation(t *testing.T) {
	for _, name := range []string{"000009.vlog", "00009.mem"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir)
			c := commit(t, s, map[string]string{"a": "1", "b": "2"})
			s.Close()
			if err := os.WriteFile(filepath.Join(dir, "db", name), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			s = open(t, dir)
			defer s.Close()
			if diff := cmp.Diff(map[string]string{"a": "1", "b": "2"}, load(t, s, c.ID, 1)); diff != "" {
				t.Errorf("after reopening (-want +got):\n%s", diff)
			}
			commit(t, s, map[string]string{"c": "3"})
		})
	}
}

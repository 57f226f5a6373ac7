// Package tmpfs gives tests a real filesystem that fills up: a tmpfs of a
// chosen size mounted on a fresh directory. What Badger and the engine do
// on a full disk is then seen as it is, not as a fake reports it.
package tmpfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a fresh directory and returns it;
// it is unmounted when the test ends. Where mounting is not allowed (not
// root) the test is skipped, naming otherTest, which covers the same
// ground without a real filesystem.
func Mount(t testing.TB, size int, otherTest string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a tmpfs to fill up (%v); %s covers the same ground through the store's test seam", err, otherTest)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", dir, err)
		}
	})
	return dir
}

// Fill writes a file in dir until the filesystem holding it is full, and
// returns the file's path: removing it makes room again.
func Fill(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			return path
		}
	}
}

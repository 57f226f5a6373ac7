package statestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// lockName is the file whose lock says a process has the store open.
const lockName = "LOCK"

// acquireLock takes an exclusive, non-blocking flock on dir/LOCK and writes
// the holder's pid in it, so that a second process gets an error naming the
// first. The kernel drops the lock when the holder dies, even by kill -9.
func acquireLock(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := strings.TrimSpace(string(holder))
			if who == "" {
				who = "another process"
			}
			return nil, fmt.Errorf("%s is in use by %s: %w", dir, who, ErrLocked)
		}
		return nil, fmt.Errorf("state lock %s: %w", path, err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "process %d\n", os.Getpid())
	f.Sync()
	return f, nil
}

func releaseLock(f *os.File) {
	if f == nil {
		return
	}
	f.Truncate(0)
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}

// restrictPermissions makes the store readable by its owner only: state
// holds the job's data.
func restrictPermissions(dir string) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			os.Chmod(path, 0o700)
		} else {
			os.Chmod(path, 0o600)
		}
		return nil
	})
}

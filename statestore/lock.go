package statestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
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
	// O_NOFOLLOW: the lock file is truncated and written below, which must
	// never happen to a file a symbolic link put in its place points to.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := make([]byte, 64)
		n, _ := f.ReadAt(holder, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is in use by %s: %w", dir, lockHolder(holder[:n]), ErrLocked)
		}
		return nil, fmt.Errorf("state lock %s: %w", path, err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "process %d\n", os.Getpid())
	f.Sync()
	return f, nil
}

// holderRE is what a holder writes in the lock file.
var holderRE = regexp.MustCompile(`^process \d+$`)

// lockHolder names the holder from what the lock file says, quoting it
// only when it is what a holder writes: an error must not show the
// contents of whatever else the file may be.
func lockHolder(text []byte) string {
	if who := strings.TrimSpace(string(text)); holderRE.MatchString(who) {
		return who
	}
	return "another process"
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

package statestore

import (
	"errors"
	"fmt"
	"syscall"
)

// DefaultMinFree is the free space a store keeps in reserve on its
// filesystem: a write that would leave less is refused with ErrNoSpace.
//
// Badger writes through memory-mapped files (its write-ahead log, the
// tables it flushes and compacts). On a full disk a write into such a
// mapping is not an error but a SIGBUS that kills the process, so the
// store must refuse before the disk is full, not after. The reserve covers
// what Badger may write on its own after a write of ours: a new 32 MiB
// write-ahead log file when the memtable turns over, the 16 MiB table it
// flushes, and a compaction's output.
const DefaultMinFree = 64 << 20

// ErrNoSpace is returned (wrapped) by a write that would leave less free
// space on the store's filesystem than its reserve (WithMinFree). Nothing
// of that write was done; the store stays usable, and a later write
// succeeds once there is room again.
var ErrNoSpace = errors.New("no space left for state")

// Option configures Open.
type Option func(*Store)

// WithMinFree sets the free space, in bytes, that writes leave on the
// store's filesystem (DefaultMinFree by default).
func WithMinFree(bytes uint64) Option {
	return func(s *Store) { s.minFree = bytes }
}

// WithWriteFault is a test seam: fault is called before every write the
// store makes to its database (what names the write: "begin", "put",
// "commit", "log", "trim", ...), and an error it returns fails that write
// as a disk error would. Tests use it to make a checkpoint fail at a
// chosen point; nil (the default) injects nothing.
func WithWriteFault(fault func(what string) error) Option {
	return func(s *Store) { s.fault = fault }
}

// checkWrite decides whether a write of about need bytes may go ahead: the
// test seam may refuse it, and the filesystem must keep the reserve free
// after it. Badger's writes amplify (a log, then a table, then compaction),
// so need is counted twice.
func (s *Store) checkWrite(what string, need int64) error {
	if s.fault != nil {
		if err := s.fault(what); err != nil {
			return err
		}
	}
	return checkFree(s.dir, s.minFree, need)
}

// checkFree fails with ErrNoSpace when the filesystem holding dir has less
// than reserve + 2*need bytes available.
func checkFree(dir string, reserve uint64, need int64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("checking free space in %s: %w", dir, err)
	}
	free := uint64(st.Bavail) * uint64(st.Bsize)
	want := reserve + 2*uint64(max(need, 0))
	if free < want {
		return fmt.Errorf("%s has %s free, and writing state needs %s (a reserve of %s, as the database writes through memory maps): %w",
			dir, formatSize(free), formatSize(want), formatSize(reserve), ErrNoSpace)
	}
	return nil
}

func formatSize(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

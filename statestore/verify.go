package statestore

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/badger/v4/y"
)

// Verify reads every table of the database and checks it against its
// checksums, naming the damaged file if one fails. Open does so before
// anything reads the state (see verifyDB); Verify is for a store that has
// been open a while.
func (s *Store) Verify() error {
	if err := s.db.VerifyChecksum(); err != nil {
		return fmt.Errorf("the state in %s is damaged: %s: %w", s.dir, describeBadgerDamage(err), ErrCorrupt)
	}
	return nil
}

// valueThreshold is the size from which Badger keeps a value in its value
// log (*.vlog) rather than in the table beside its key (Badger's default,
// which Open keeps).
const valueThreshold = 1 << 20

// locateItem names the file that holds an item's value: big values are in
// the value log, the others where locate finds their key.
func (s *Store) locateItem(item *badger.Item) string {
	if item.ValueSize() >= valueThreshold {
		return "in the value log, " + filepath.Join(s.dir, "db", "*.vlog")
	}
	return s.locate(item.Key())
}

// locate names the files that may hold key: the tables whose key range
// covers it, or the write-ahead log when none does (it was not flushed).
func (s *Store) locate(key []byte) string {
	var files []string
	for _, t := range s.db.Tables() {
		left, right := y.ParseKey(t.Left), y.ParseKey(t.Right)
		if bytes.Compare(key, left) >= 0 && bytes.Compare(key, right) <= 0 {
			files = append(files, table.NewFilename(t.ID, filepath.Join(s.dir, "db")))
		}
	}
	if len(files) == 0 {
		return "in the write-ahead log, " + filepath.Join(s.dir, "db", "*.mem")
	}
	return "in " + strings.Join(files, " or ")
}

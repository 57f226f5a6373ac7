package exec

import (
	"fmt"
	"io"
	"sync"

	"github.com/streamsql/streamsql/planner"
)

// LiveTable is a Sink that keeps a query's current result for a display
// that redraws it while the job runs: the shell's table mode. Like the
// table a script prints, its rows are checkpointed, so after a restore it
// shows the checkpoint's result rather than rows the restored job no
// longer knows about. Its methods may be called from the display's
// goroutine while the job writes.
type LiveTable struct {
	mu      sync.Mutex
	table   *Table
	changes int64
}

// NewLiveTable returns an empty live table with the given columns;
// checkpointing says whether the job checkpoints, so that the table tracks
// the rows that change between checkpoints.
func NewLiveTable(schema planner.Schema, checkpointing bool) *LiveTable {
	t := &LiveTable{table: NewTable(schema)}
	if checkpointing {
		t.table.trackChanges()
	}
	return t
}

// Write implements Sink.
func (t *LiveTable) Write(b *Batch) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, row := range b.Rows {
		t.table.Apply(b.Kinds[i], row)
	}
	t.changes += int64(b.Len())
	return nil
}

// Finish implements Sink; the display draws the table, not the sink.
func (t *LiveTable) Finish() error { return nil }

// Close implements Sink.
func (t *LiveTable) Close() error { return nil }

// Snapshot implements Stateful.
func (t *LiveTable) Snapshot(id int64, w StateWriter) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.table.snapshot(id, w)
}

// Restore implements Stateful.
func (t *LiveTable) Restore(key, value []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.changes++
	return t.table.restore(key, value)
}

// Completed implements Stateful.
func (t *LiveTable) Completed(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.table.dirty.completed(id)
}

// Changes returns how many changes the table has taken in: a display
// redraws when the number moved.
func (t *LiveTable) Changes() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changes
}

// Len returns the number of rows.
func (t *LiveTable) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.table.Len()
}

// Render writes the table boxed, as a script's table is printed, but with
// no more than maxRows rows (the first ones in sorted order; 0 means all)
// so that it fits a screen, and says how many it left out.
func (t *LiveTable) Render(w io.Writer, maxRows int) error {
	t.mu.Lock()
	n := t.table.Len()
	if maxRows <= 0 || maxRows > n {
		maxRows = n
	}
	rows := textRows(t.table.firstRows(maxRows))
	schema := t.table.schema
	t.mu.Unlock()
	footer := fmt.Sprintf("(%d rows)", n)
	switch {
	case n == 1:
		footer = "(1 row)"
	case len(rows) < n:
		footer = fmt.Sprintf("(%d rows, the first %d shown)", n, len(rows))
	}
	return renderBox(w, schema.Names(), rightAligned(schema), rows, footer)
}

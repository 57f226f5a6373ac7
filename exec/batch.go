package exec

import "github.com/streamsql/streamsql/planner/types"

// MaxBatchRows is how many rows an operator puts in one batch before it
// starts another. Batches amortize channel hand-offs; bounding them bounds
// the memory a full edge holds.
const MaxBatchRows = 1024

// Batch is rows travelling together, each with its change kind. Once a
// batch is sent on an edge it is never modified again, so operators may
// pass input rows through to their output without copying.
type Batch struct {
	Kinds []types.RowKind
	Rows  []types.Row
	// RecordIDs, set by sources, identify each row's input record across
	// runs (a line number, a log sequence number), so that a record that
	// makes the job fail can be set aside on the next run.
	RecordIDs []uint64
	// arena backs the rows made by NewRow: one allocation for many rows.
	arena []types.Value
	// carved counts the values NewRow handed out, so that a recycled
	// batch gets one arena large enough for all of them (batch_pool.go).
	carved int
}

// NewBatch returns an empty batch with room for n rows.
func NewBatch(n int) *Batch {
	return &Batch{Kinds: make([]types.RowKind, 0, n), Rows: make([]types.Row, 0, n)}
}

// Len returns the number of rows.
func (b *Batch) Len() int { return len(b.Rows) }

// Append adds a row.
func (b *Batch) Append(kind types.RowKind, row types.Row) {
	b.Kinds = append(b.Kinds, kind)
	b.Rows = append(b.Rows, row)
}

// NewRow returns a zeroed row of width values carved from the batch's
// arena. It lives as long as the batch's rows do; state that outlives the
// batch must copy it.
func (b *Batch) NewRow(width int) types.Row {
	if len(b.arena)+width > cap(b.arena) {
		n := max(MaxBatchRows*width, width)
		b.arena = make([]types.Value, 0, n)
	}
	start := len(b.arena)
	b.arena = b.arena[:start+width]
	b.carved += width
	return b.arena[start : start+width : start+width]
}

// Full reports whether the batch has reached MaxBatchRows.
func (b *Batch) Full() bool { return len(b.Rows) >= MaxBatchRows }

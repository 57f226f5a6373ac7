package exec

import (
	"container/heap"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mattn/go-runewidth"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// Table is the current result of a changelog: the rows that +I and +U
// added and -U and -D have not taken away (a multiset). The REPL redraws
// it; a script prints it once at the end.
type Table struct {
	schema planner.Schema
	rows   map[string]*tableRow
	buf    []byte
	all    []int // every column, for encoding whole rows
	// dirty holds the rows whose count no completed checkpoint has.
	dirty dirtyKeys
}

type tableRow struct {
	row   types.Row
	count int
}

// NewTable returns an empty table with the given columns.
func NewTable(schema planner.Schema) *Table {
	t := &Table{schema: schema, rows: map[string]*tableRow{}}
	for i := range schema {
		t.all = append(t.all, i)
	}
	return t
}

// Apply applies one change.
func (t *Table) Apply(kind types.RowKind, row types.Row) {
	t.buf = appendKey(t.buf[:0], row, t.all)
	t.dirty.touch(t.buf)
	r := t.rows[string(t.buf)]
	if kind.IsAccumulate() {
		if r == nil {
			r = &tableRow{row: cloneRow(row)}
			t.rows[string(t.buf)] = r
		}
		r.count++
		return
	}
	if r == nil {
		return // withdrawing a row that is not there: nothing to do
	}
	if r.count--; r.count == 0 {
		delete(t.rows, string(t.buf))
	}
}

// trackChanges makes the table remember which rows changed, for
// incremental snapshots; a table that is never checkpointed does not.
func (t *Table) trackChanges() {
	if t.dirty == nil {
		t.dirty = dirtyKeys{}
	}
}

// snapshot writes the rows whose count changed: the encoded row and its
// count, or a deletion.
func (t *Table) snapshot(id int64, w StateWriter) error {
	var buf []byte
	for k := range t.dirty {
		if r, ok := t.rows[k]; ok {
			buf = appendVarint(buf[:0], int64(r.count))
			w.Put([]byte(k), buf)
		} else {
			w.Delete([]byte(k))
		}
	}
	t.dirty.snapshotted(id)
	return nil
}

func (t *Table) restore(key, value []byte) error {
	row := make(types.Row, len(t.schema))
	if rest, err := decodeValues(string(key), row); err != nil || rest != "" {
		return errCorrupt
	}
	r := &stateReader{s: string(value)}
	n := r.varint()
	if r.err != nil || n <= 0 {
		return errCorrupt
	}
	t.rows[string(key)] = &tableRow{row: row, count: int(n)}
	return nil
}

// Len returns the number of rows.
func (t *Table) Len() int {
	n := 0
	for _, r := range t.rows {
		n += r.count
	}
	return n
}

// Rows returns the rows sorted by their values, column by column, so that
// the same result always prints the same way.
func (t *Table) Rows() []types.Row {
	out := make([]types.Row, 0, len(t.rows))
	for _, r := range t.rows {
		for i := 0; i < r.count; i++ {
			out = append(out, r.row)
		}
	}
	sort.Slice(out, func(i, j int) bool { return compareRows(out[i], out[j]) < 0 })
	return out
}

func compareRows(a, b types.Row) int {
	for i := range a {
		if c := types.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

func cloneRow(r types.Row) types.Row {
	out := make(types.Row, len(r))
	for i, v := range r {
		out[i] = cloneValue(v)
	}
	return out
}

// Render writes the table boxed, psql style: numbers right-aligned, text
// left-aligned, and the row count below.
func (t *Table) Render(w io.Writer) error {
	return RenderTable(w, t.schema.Names(), rightAligned(t.schema), textRows(t.Rows()))
}

// firstRows returns the first n rows in the order Rows gives, without
// sorting them all: a display of a large table shows only its top.
func (t *Table) firstRows(n int) []types.Row {
	if n >= t.Len() {
		return t.Rows()
	}
	// A max-heap of the n smallest rows seen so far.
	h := &rowHeap{}
	for _, r := range t.rows {
		for i := 0; i < r.count; i++ {
			if h.Len() < n {
				heap.Push(h, r.row)
			} else if compareRows(r.row, (*h)[0]) < 0 {
				(*h)[0] = r.row
				heap.Fix(h, 0)
			}
		}
	}
	out := []types.Row(*h)
	sort.Slice(out, func(i, j int) bool { return compareRows(out[i], out[j]) < 0 })
	return out
}

// rowHeap is a max-heap of rows, for firstRows.
type rowHeap []types.Row

func (h rowHeap) Len() int           { return len(h) }
func (h rowHeap) Less(i, j int) bool { return compareRows(h[i], h[j]) > 0 }
func (h rowHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rowHeap) Push(x any)        { *h = append(*h, x.(types.Row)) }
func (h *rowHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func rightAligned(s planner.Schema) []bool {
	out := make([]bool, len(s))
	for i, c := range s {
		out[i] = c.Type.IsNumeric()
	}
	return out
}

func textRows(rows []types.Row) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, v := range r {
			out[i][j] = cellEscaper.Replace(string(appendText(nil, v)))
		}
	}
	return out
}

// cellEscaper keeps a cell on one line of the box.
var cellEscaper = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`)

// RenderTable writes rows of text under a header in a box, with the count
// of rows below.
func RenderTable(w io.Writer, header []string, right []bool, rows [][]string) error {
	footer := fmt.Sprintf("(%d rows)", len(rows))
	if len(rows) == 1 {
		footer = "(1 row)"
	}
	return renderBox(w, header, right, rows, footer)
}

// renderBox writes rows of text under a header in a box, then footer.
func renderBox(w io.Writer, header []string, right []bool, rows [][]string, footer string) error {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = displayWidth(h)
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	rule := func() {
		b.WriteByte('+')
		for _, wd := range widths {
			b.WriteString(strings.Repeat("-", wd+2))
			b.WriteByte('+')
		}
		b.WriteByte('\n')
	}
	line := func(cells []string, alignRight []bool) {
		b.WriteByte('|')
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-displayWidth(c))
			if alignRight != nil && alignRight[i] {
				b.WriteString(" " + pad + c + " |")
			} else {
				b.WriteString(" " + c + pad + " |")
			}
		}
		b.WriteByte('\n')
	}
	rule()
	line(header, nil)
	rule()
	for _, r := range rows {
		line(r, right)
	}
	if len(rows) > 0 {
		rule()
	}
	b.WriteString(footer + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth is how many terminal cells s takes: two for a wide (East
// Asian) character, none for a combining mark.
func displayWidth(s string) int { return runewidth.StringWidth(s) }

package types

import "strings"

// Row is one row: a value per column.
type Row []Value

// RowKind is the change a row represents in a changelog, as Flink's RowKind:
// an aggregate emits +I for a new key, then -U and +U for each update, and
// -D when the key's last input is retracted.
type RowKind uint8

// The row kinds.
const (
	Insert       RowKind = iota // +I
	UpdateBefore                // -U
	UpdateAfter                 // +U
	Delete                      // -D
)

var rowKindNames = [...]string{Insert: "+I", UpdateBefore: "-U", UpdateAfter: "+U", Delete: "-D"}

// String returns the short form: +I, -U, +U or -D.
func (k RowKind) String() string {
	if int(k) < len(rowKindNames) {
		return rowKindNames[k]
	}
	return "?"
}

// IsAccumulate reports whether the row adds to the result (+I, +U) rather
// than withdrawing a previous row (-U, -D).
func (k RowKind) IsAccumulate() bool { return k == Insert || k == UpdateAfter }

// FormatChange renders a change in Flink's form: +I[hello, 1].
func FormatChange(kind RowKind, row Row) string {
	var b strings.Builder
	b.WriteString(kind.String())
	b.WriteByte('[')
	for i, v := range row {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.String())
	}
	b.WriteByte(']')
	return b.String()
}

package exec

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

func tableRows(tb *Table) string {
	var out []string
	for _, r := range tb.Rows() {
		out = append(out, formatRow(r))
	}
	return strings.Join(out, " ")
}

func TestTableApply(t *testing.T) {
	tb := NewTable(schemaOf("k", "STRING", "n", "BIGINT"))
	steps := []struct {
		c    change
		want string
	}{
		{ins(str("a"), i64(1)), "[a, 1]"},
		// a multiset: the same row twice is two rows
		{ins(str("a"), i64(1)), "[a, 1] [a, 1]"},
		{ua(str("b"), i64(2)), "[a, 1] [a, 1] [b, 2]"},
		{del(str("a"), i64(1)), "[a, 1] [b, 2]"},
		// withdrawing a row that is not there changes nothing
		{ub(str("c"), i64(3)), "[a, 1] [b, 2]"},
		{del(str("b"), i64(3)), "[a, 1] [b, 2]"},
		{ub(str("a"), i64(1)), "[b, 2]"},
		// ... not even later: the count does not go below zero
		{del(str("a"), i64(1)), "[b, 2]"},
		{ins(str("a"), i64(1)), "[a, 1] [b, 2]"},
		{del(str("b"), i64(2)), "[a, 1]"},
		{del(str("a"), i64(1)), ""},
		{ins(null, null), "[NULL, NULL]"},
	}
	for i, s := range steps {
		tb.Apply(s.c.kind, s.c.row)
		if got := tableRows(tb); got != s.want {
			t.Fatalf("after step %d (%s): rows %q, want %q", i+1, types.FormatChange(s.c.kind, s.c.row), got, s.want)
		}
		if got, want := tb.Len(), len(tb.Rows()); got != want {
			t.Errorf("after step %d: Len %d, but %d rows", i+1, got, want)
		}
	}
}

// Rows are sorted by value, column by column: numbers as numbers, NULL
// first.
func TestTableRowsSorted(t *testing.T) {
	tb := NewTable(schemaOf("n", "BIGINT", "s", "STRING"))
	for _, r := range []types.Row{
		{i64(10), str("b")}, {i64(2), str("z")}, {null, str("x")}, {i64(-1), str("a")}, {i64(10), str("a")}, {i64(2), null},
	} {
		tb.Apply(types.Insert, r)
	}
	if got, want := tableRows(tb), "[NULL, x] [-1, a] [2, NULL] [2, z] [10, a] [10, b]"; got != want {
		t.Errorf("rows %q, want %q", got, want)
	}
	d := NewTable(schemaOf("x", "DOUBLE"))
	for _, v := range []float64{math.NaN(), 2.5, math.Inf(-1), -0.5, math.Inf(1)} {
		d.Apply(types.Insert, types.Row{f64(v)})
	}
	if got, want := tableRows(d), "[-Infinity] [-0.5] [2.5] [Infinity] [NaN]"; got != want {
		t.Errorf("rows %q, want %q", got, want)
	}
}

// The table keeps its own copy of a row: the caller's slice may be reused.
func TestTableCopiesRows(t *testing.T) {
	tb := NewTable(schemaOf("k", "STRING"))
	row := types.Row{str("first")}
	tb.Apply(types.Insert, row)
	row[0] = str("changed")
	if got := tableRows(tb); got != "[first]" {
		t.Errorf("rows %q after the caller changed its row", got)
	}
}

// Equal values are the same row: -0.0 takes back 0.0.
func TestTableEqualValues(t *testing.T) {
	tb := NewTable(schemaOf("x", "DOUBLE"))
	tb.Apply(types.Insert, types.Row{f64(0)})
	tb.Apply(types.Delete, types.Row{f64(math.Copysign(0, -1))})
	if tb.Len() != 0 {
		t.Errorf("rows %q, want none", tableRows(tb))
	}
}

func renderString(t *testing.T, tb *Table) string {
	t.Helper()
	var b strings.Builder
	if err := tb.Render(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTableRender(t *testing.T) {
	tb := NewTable(schemaOf("word", "STRING", "cnt", "BIGINT", "avg", "DOUBLE", "ok", "BOOLEAN"))
	tb.Apply(types.Insert, types.Row{str("hello"), i64(10), f64(2.5), bl(true)})
	tb.Apply(types.Insert, types.Row{str("a"), i64(1), null, bl(false)})
	tb.Apply(types.Insert, types.Row{str("héllo"), i64(-1234), f64(-0.125), null})
	want := `+-------+-------+--------+-------+
| word  | cnt   | avg    | ok    |
+-------+-------+--------+-------+
| a     |     1 |   NULL | FALSE |
| hello |    10 |    2.5 | TRUE  |
| héllo | -1234 | -0.125 | NULL  |
+-------+-------+--------+-------+
(3 rows)
`
	if got := renderString(t, tb); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTableRenderRowCounts(t *testing.T) {
	tb := NewTable(schemaOf("n", "BIGINT"))
	empty := "+---+\n| n |\n+---+\n(0 rows)\n"
	if got := renderString(t, tb); got != empty {
		t.Errorf("empty table:\n%s\nwant\n%s", got, empty)
	}
	tb.Apply(types.Insert, types.Row{i64(7)})
	one := "+---+\n| n |\n+---+\n| 7 |\n+---+\n(1 row)\n"
	if got := renderString(t, tb); got != one {
		t.Errorf("one row:\n%s\nwant\n%s", got, one)
	}
	tb.Apply(types.Insert, types.Row{i64(7)})
	if got := renderString(t, tb); !strings.HasSuffix(got, "| 7 |\n| 7 |\n+---+\n(2 rows)\n") {
		t.Errorf("two rows:\n%s", got)
	}
}

// A cell stays on one line: line breaks and tabs are shown escaped, and
// the column is as wide as the escaped text.
func TestTableRenderEscapes(t *testing.T) {
	tb := NewTable(schemaOf("s", "STRING"))
	tb.Apply(types.Insert, types.Row{str("two\nlines")})
	tb.Apply(types.Insert, types.Row{str("tab\there\r")})
	want := `+-------------+
| s           |
+-------------+
| tab\there\r |
| two\nlines  |
+-------------+
(2 rows)
`
	if got := renderString(t, tb); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRenderTableDirect(t *testing.T) {
	var b strings.Builder
	err := RenderTable(&b, []string{"name", "value"}, []bool{false, true}, [][]string{{"x", "1"}, {"longer name", "22"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `+-------------+-------+
| name        | value |
+-------------+-------+
| x           |     1 |
| longer name |    22 |
+-------------+-------+
(2 rows)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// no alignment given: everything left-aligned
	b.Reset()
	if err := RenderTable(&b, []string{"a"}, nil, [][]string{{"1"}}); err != nil {
		t.Fatal(err)
	}
	if want := "+---+\n| a |\n+---+\n| 1 |\n+---+\n(1 row)\n"; b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestTableRenderWriteError(t *testing.T) {
	boom := errors.New("disk full")
	if err := NewTable(planner.Schema{{Name: "n", Type: types.BIGINT}}).Render(failingWriter{boom}); !errors.Is(err, boom) {
		t.Errorf("Render: %v, want %v", err, boom)
	}
}

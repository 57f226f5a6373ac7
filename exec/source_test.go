package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamsql/streamsql/planner/types"
)

func TestFileSourceLines(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	path := writeFile(t, t.TempDir(), "in.txt", "first\r\n\n  spaced  \nlast")
	got := ts.query(fmt.Sprintf("SELECT '<' || line || '>' FROM FILE(%s)", sqlString(path)))
	if want := "+I[<first>] +I[<>] +I[<  spaced  >] +I[<last>]"; strings.Join(got, " ") != want {
		t.Errorf("changes %v, want %s", got, want)
	}
}

// header = true skips the first line, however the boolean is written.
func TestFileSourceHeader(t *testing.T) {
	for _, header := range []string{"true", "TRUE", "True"} {
		t.Run(header, func(t *testing.T) {
			ts := newTestSession(t, sessionOpts{})
			path := writeFile(t, t.TempDir(), "in.csv", "a,b\n1,x\n2,y\n")
			ts.mustExec(fmt.Sprintf("CREATE SOURCE s (a BIGINT, b STRING) WITH (connector = 'file', path = %s, format = 'csv', header = '%s')",
				sqlString(path), header))
			res, err := ts.exec("SELECT a, b FROM s")
			if err != nil {
				t.Fatalf("the header was read as a record: %v", err)
			}
			if got, want := strings.Join(ts.lastSink().Changes(), " "), "+I[1, x] +I[2, y]"; got != want {
				t.Errorf("changes %s, want %s", got, want)
			}
			if res.Job.Info().RecordsIn != 2 {
				t.Errorf("%d records in, want 2", res.Job.Info().RecordsIn)
			}
		})
	}
	t.Run("false", func(t *testing.T) {
		ts := newTestSession(t, sessionOpts{})
		path := writeFile(t, t.TempDir(), "in.csv", "1,x\n2,y\n")
		ts.mustExec(fmt.Sprintf("CREATE SOURCE s (a BIGINT, b STRING) WITH (connector = 'file', path = %s, format = 'csv', header = 'false')", sqlString(path)))
		if got := ts.query("SELECT a FROM s"); strings.Join(got, " ") != "+I[1] +I[2]" {
			t.Errorf("changes %v", got)
		}
	})
}

// A bad record in a later line names that line, counting the header and
// empty lines.
func TestFileSourceLineNumbers(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	path := writeFile(t, t.TempDir(), "in.json", "{\"a\": 1}\n{\"a\": 2}\n\n{\"a\": 3}\n")
	ts.mustExec(fmt.Sprintf("CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = %s, format = 'json')", sqlString(path)))
	_, err := ts.exec("SELECT a FROM s")
	if want := "s line 3: empty line, expected a JSON object"; err == nil || err.Error() != want {
		t.Errorf("Execute: %v, want %q", err, want)
	}
}

func TestFileSourceMissingFile(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	path := filepath.Join(t.TempDir(), "missing.txt")
	res, err := ts.exec(fmt.Sprintf("SELECT line FROM FILE(%s)", sqlString(path)))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Execute: %v, want a not-exist error", err)
	}
	if want := fmt.Sprintf("FILE(%s): ", sqlString(path)); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not name the source %s", err, want)
	}
	if res.Job.State() != JobFailed {
		t.Errorf("job %s", res.Job.State())
	}
}

// Many lines go through in several batches, and every one arrives.
func TestFileSourceManyLines(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	var b strings.Builder
	const n = 3*MaxBatchRows + 17
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	path := writeFile(t, t.TempDir(), "in.csv", b.String())
	ts.mustExec(fmt.Sprintf("CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = %s, format = 'csv')", sqlString(path)))
	got := ts.query("SELECT COUNT(*), SUM(a), MIN(a), MAX(a) FROM s")
	if want := fmt.Sprintf("+U[%d, %d, 1, %d]", n, n*(n+1)/2, n); got[len(got)-1] != want {
		t.Errorf("last change %s, want %s", got[len(got)-1], want)
	}
}

func TestSeriesSource(t *testing.T) {
	tests := []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"start": "1", "stop": "4", "step": "1"}, "1 2 3 4"},
		{map[string]string{"start": "10", "stop": "1", "step": "-4"}, "10 6 2"},
		{map[string]string{"start": "1", "stop": "0", "step": "1"}, ""},
		{map[string]string{"start": "9223372036854775805", "stop": "9223372036854775807", "step": "1"},
			"9223372036854775805 9223372036854775806 9223372036854775807"},
		{map[string]string{"start": "-9223372036854775807", "stop": "-9223372036854775808", "step": "-1"},
			"-9223372036854775807 -9223372036854775808"},
		{map[string]string{"start": "0", "stop": "9223372036854775807", "step": "4611686018427387904"},
			"0 4611686018427387904"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.opts), func(t *testing.T) {
			src, err := newSeriesSource(tt.opts, MaxBatchRows)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range drainSource(t, src) {
				for _, r := range b.Rows {
					got = append(got, r[0].String())
				}
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("got %v, want %s", got, tt.want)
			}
		})
	}
}

// GENERATE_LINES is deterministic: the same seed gives the same lines, and
// a bounded run gives exactly its rows.
func TestDatagenSource(t *testing.T) {
	opts := map[string]string{"rows": "2500", "words_per_line": "3", "vocabulary": "50", "zipf_s": "1.1", "seed": "7"}
	read := func() []string {
		src, err := newDatagenSource(opts, MaxBatchRows)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, b := range drainSource(t, src) {
			for _, r := range b.Rows {
				if r[0].Kind() != types.KindString {
					t.Fatalf("line %v is a %s", r[0], r[0].Kind())
				}
				lines = append(lines, r[0].AsString())
			}
		}
		return lines
	}
	a, b := read(), read()
	if len(a) != 2500 {
		t.Fatalf("%d lines, want 2500", len(a))
	}
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Error("two runs with the same seed differ")
	}
	for _, l := range a[:10] {
		if n := len(strings.Fields(l)); n != 3 {
			t.Errorf("line %q has %d words, want 3", l, n)
		}
	}
}

// drainSource fetches every batch of a bounded source.
func drainSource(t *testing.T, src Source) []*Batch {
	t.Helper()
	var out []*Batch
	for {
		b, _, err := src.Fetch(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
}

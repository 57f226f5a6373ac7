package sqltests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/streamsql/streamsql/exec"
	"github.com/streamsql/streamsql/internal/golden"
	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// queryTimeout bounds one golden query; every golden source is bounded, so
// a query that runs this long is stuck.
const queryTimeout = time.Minute

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.test files")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".test"), func(t *testing.T) {
			t.Parallel()
			runFile(t, f)
		})
	}
}

// record is one directive of a test file with its SQL, data and expected
// output, and where it is in the file (for -update).
type record struct {
	directive []string
	line      int // 1-based line of the directive
	body      []string
	expected  []string
	hasSep    bool
	end       int // index of the line after the record
}

func (r *record) sql() string { return strings.Join(r.body, "\n") }

func (r *record) where(file string) string { return fmt.Sprintf("%s:%d", file, r.line) }

func parseFile(lines []string) ([]*record, error) {
	var recs []*record
	for i := 0; i < len(lines); {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			i++
			continue
		}
		r := &record{directive: strings.Fields(l), line: i + 1}
		i++
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			switch {
			case lines[i] == "----" && !r.hasSep:
				r.hasSep = true
			case r.hasSep:
				r.expected = append(r.expected, lines[i])
			default:
				r.body = append(r.body, lines[i])
			}
		}
		r.end = i
		if len(r.body) == 0 {
			return nil, fmt.Errorf("line %d: %q has no SQL or data", r.line, l)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// collector is the Results sink: it keeps the changes of the current query.
type collector struct {
	mu      sync.Mutex
	changes []change
}

type change struct {
	kind types.RowKind
	row  types.Row
}

func (c *collector) Write(b *exec.Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range b.Rows {
		c.changes = append(c.changes, change{b.Kinds[i], append(types.Row(nil), r...)})
	}
	return nil
}
func (c *collector) Finish() error { return nil }
func (c *collector) Close() error  { return nil }

func (c *collector) take() []change {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.changes
	c.changes = nil
	return out
}

type fileRunner struct {
	t       *testing.T
	name    string
	dir     string
	session *exec.Session
	results *collector
	schema  planner.Schema
}

func runFile(t *testing.T, path string) {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
	recs, err := parseFile(lines)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	fr := &fileRunner{t: t, name: filepath.Base(path), dir: t.TempDir(), results: &collector{}}
	fr.session, err = exec.NewSession(exec.Config{
		Settings: map[string]string{"parallelism": "1", "state_dir": filepath.Join(fr.dir, "state")},
		Results: func(plan *planner.Plan) exec.Sink {
			fr.schema = plan.Schema
			return fr.results
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer fr.session.Close()
	updated := false
	for _, r := range recs {
		got, ok := fr.run(r)
		if !ok {
			continue
		}
		if *golden.Update {
			if !r.hasSep || !cmp.Equal(got, r.expected, cmpopts.EquateEmpty()) {
				r.expected, r.hasSep, updated = got, true, true
			}
			continue
		}
		want := r.expected
		if len(r.directive) > 2 && r.directive[2] == "rowsort" {
			got, want = sorted(got), sorted(want)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: %s\n%s\n(-want +got):\n%s", r.where(fr.name), strings.Join(r.directive, " "), r.sql(), diff)
		}
	}
	if updated {
		writeBack(t, path, lines, recs)
	}
}

// run executes a record and returns its output to compare, or ok=false
// when the record has none.
func (fr *fileRunner) run(r *record) (out []string, ok bool) {
	t := fr.t
	switch strings.Join(r.directive[:min(2, len(r.directive))], " ") {
	case "statement ok":
		if err := fr.exec(r.sql()); err != nil {
			t.Errorf("%s: statement failed: %v\n%s", r.where(fr.name), err, r.sql())
		}
		fr.results.take()
		return nil, false
	case "statement error":
		err := fr.exec(r.sql())
		fr.results.take()
		if err == nil {
			t.Errorf("%s: statement succeeded, want an error\n%s", r.where(fr.name), r.sql())
			return []string{"<no error>"}, true
		}
		return []string{err.Error()}, true
	case "file contents":
		// file <path under $TMP>: the contents a sink wrote
		data, err := os.ReadFile(filepath.Join(fr.dir, strings.TrimPrefix(r.sql(), "$TMP/")))
		if err != nil {
			t.Errorf("%s: %v", r.where(fr.name), err)
			return nil, false
		}
		return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"), true
	case "query changelog", "query table":
		changes, err := fr.query(r.sql(), "1")
		if err != nil {
			t.Errorf("%s: query failed: %v\n%s", r.where(fr.name), err, r.sql())
			return nil, false
		}
		final := finalTable(fr.schema, changes)
		// The same query spread over four subtasks must end the same.
		changes4, err := fr.query(r.sql(), "4")
		if err != nil {
			t.Errorf("%s: query failed at parallelism 4: %v", r.where(fr.name), err)
		} else if diff := cmp.Diff(final, finalTable(fr.schema, changes4)); diff != "" {
			t.Errorf("%s: the result at parallelism 4 differs from parallelism 1 (-p1 +p4):\n%s", r.where(fr.name), diff)
		}
		if r.directive[1] == "table" {
			return final, true
		}
		out = []string{}
		for _, c := range changes {
			out = append(out, types.FormatChange(c.kind, c.row))
		}
		return out, true
	}
	if r.directive[0] == "source" {
		if err := fr.source(r); err != nil {
			t.Errorf("%s: %v", r.where(fr.name), err)
		}
		return nil, false
	}
	t.Errorf("%s: unknown directive %q", r.where(fr.name), strings.Join(r.directive, " "))
	return nil, false
}

func (fr *fileRunner) exec(sql string) error {
	stmts, err := parser.ParseScript("", strings.ReplaceAll(sql, "$TMP", fr.dir))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	for _, st := range stmts {
		if _, err := fr.session.Execute(ctx, st); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("timed out after %s", queryTimeout)
	}
	return nil
}

// query runs a query at the given parallelism and returns its changes.
func (fr *fileRunner) query(sql, parallelism string) ([]change, error) {
	if err := fr.exec("SET parallelism = " + parallelism); err != nil {
		return nil, err
	}
	defer fr.exec("SET parallelism = 1")
	fr.results.take()
	err := fr.exec(sql)
	return fr.results.take(), err
}

// source writes the record's data to a file and creates a source for it.
func (fr *fileRunner) source(r *record) error {
	if len(r.directive) < 3 {
		return fmt.Errorf("want: source <name> <lines|csv|json> [(<column> <TYPE>, ...)]")
	}
	name, format := r.directive[1], r.directive[2]
	columns, with, _ := strings.Cut(strings.Join(r.directive[3:], " "), "WITH (")
	if with != "" {
		with = ", " + strings.TrimSuffix(strings.TrimSpace(with), ")")
	}
	data := make([]string, len(r.body))
	for i, l := range r.body {
		if l == "<blank>" {
			l = ""
		}
		data[i] = l
	}
	path := filepath.Join(fr.dir, name+"."+format)
	if err := os.WriteFile(path, []byte(strings.Join(data, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return fr.exec(fmt.Sprintf("CREATE SOURCE %s %s WITH (connector = 'file', path = %s, format = '%s'%s)",
		name, columns, parser.QuoteString(path), format, with))
}

// finalTable applies changes and renders the rows sorted, as [v1, v2].
func finalTable(schema planner.Schema, changes []change) []string {
	tab := exec.NewTable(schema)
	for _, c := range changes {
		tab.Apply(c.kind, c.row)
	}
	out := []string{}
	for _, r := range tab.Rows() {
		out = append(out, types.FormatChange(types.Insert, r)[2:])
	}
	return out
}

func sorted(lines []string) []string {
	out := append([]string(nil), lines...)
	sort.Strings(out)
	return out
}

// writeBack rewrites a test file with the new expectations.
func writeBack(t *testing.T, path string, lines []string, recs []*record) {
	var out []string
	next := 0
	for _, r := range recs {
		out = append(out, lines[next:r.line]...) // up to and including the directive
		out = append(out, r.body...)
		if r.hasSep {
			out = append(out, "----")
			out = append(out, r.expected...)
		}
		next = r.end
	}
	out = append(out, lines[next:]...)
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

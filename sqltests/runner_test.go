package sqltests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// restored counts the golden queries whose failing run resumed from a
// checkpoint rather than from the start.
var restored atomic.Int64

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.test files")
	}
	t.Run("files", func(t *testing.T) {
		for _, f := range files {
			t.Run(strings.TrimSuffix(filepath.Base(f), ".test"), func(t *testing.T) {
				t.Parallel()
				runFile(t, f)
			})
		}
	})
	// Most queries read a few rows: a failure halfway through still comes
	// after a checkpoint in many of them. None would mean the restore path
	// went untested.
	if restored.Load() == 0 {
		t.Error("no failing run resumed from a checkpoint")
	}
	t.Logf("%d golden queries failed halfway and resumed from a checkpoint", restored.Load())
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

// Snapshot implements exec.Stateful: the collector's state is how many
// changes it holds, so that after a restore it holds each change once, as
// an exactly-once sink would.
func (c *collector) Snapshot(_ int64, w exec.StateWriter) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	w.Put([]byte("n"), []byte(strconv.Itoa(len(c.changes))))
	return nil
}

// Completed implements exec.Stateful: the collector keeps nothing that a
// completion would let go.
func (c *collector) Completed(int64) {}

// Start implements exec.Resumable: a run that restores nothing starts the
// collection over.
func (c *collector) Start(restored bool) error {
	if !restored {
		c.mu.Lock()
		c.changes = nil
		c.mu.Unlock()
	}
	return nil
}

// Restore implements exec.Stateful.
func (c *collector) Restore(key, value []byte) error {
	n, err := strconv.Atoi(string(value))
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changes = c.changes[:min(n, len(c.changes))]
	return nil
}

func (c *collector) take() []change {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.changes
	c.changes = nil
	return out
}

// mode is one way of running every golden query: straight through; with
// a checkpoint after every record; failing halfway, then restoring from
// the latest checkpoint; and with mini_batch, whose aggregates fold whole
// batches, checkpointing after each and failing halfway too. All four must
// end with the same result.
type mode struct {
	name        string
	dir         string
	parallelism string            // what statements run at
	querySet    map[string]string // what queries alone run with
	session     *exec.Session
	results     *collector
	schema      planner.Schema
}

// modeSpecs are the modes: the settings of each session, and those its
// queries alone run with. mini_batch is set for queries only, since it
// changes a changelog (not a result): a file sink's changelog written by a
// statement and read back by a later query must be the same in every mode.
var modeSpecs = []struct {
	name          string
	settings      map[string]string
	querySettings map[string]string
}{
	{"straight", map[string]string{"parallelism": "1"}, nil},
	{"with checkpoints", map[string]string{"parallelism": "2", "checkpoint_interval": "1h"}, nil}, // the test knob triggers them, not the clock
	{"failing and restoring", map[string]string{"parallelism": "2", "checkpoint_interval": "1h", "restart": "fixed-delay(1, 0s)"}, nil},
	{"mini_batch, failing and restoring", map[string]string{"parallelism": "2", "checkpoint_interval": "1h", "restart": "fixed-delay(1, 0s)"},
		map[string]string{"mini_batch": "on"}},
}

type fileRunner struct {
	t     *testing.T
	name  string
	dir   string
	modes []*mode
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
	fr := &fileRunner{t: t, name: filepath.Base(path), dir: t.TempDir()}
	for i, spec := range modeSpecs {
		// Each mode has a directory of its own for $TMP, sources and state;
		// file contents records read the straight run's.
		m := &mode{name: spec.name, results: &collector{}, dir: filepath.Join(fr.dir, "mode"+strconv.Itoa(i)),
			parallelism: spec.settings["parallelism"], querySet: spec.querySettings}
		all := map[string]string{"state_dir": filepath.Join(m.dir, "state")}
		for k, v := range spec.settings {
			all[k] = v
		}
		m.session, err = exec.NewSession(exec.Config{
			Settings: all,
			Results: func(plan *planner.Plan) exec.Sink {
				m.schema = plan.Schema
				return m.results
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer m.session.Close()
		fr.modes = append(fr.modes, m)
	}
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
	straight := fr.modes[0]
	switch strings.Join(r.directive[:min(2, len(r.directive))], " ") {
	case "statement ok":
		for _, m := range fr.modes {
			if err := m.exec(r.sql()); err != nil {
				t.Errorf("%s: statement failed (%s): %v\n%s", r.where(fr.name), m.name, err, r.sql())
			}
			m.results.take()
		}
		return nil, false
	case "statement error":
		err := straight.exec(r.sql())
		straight.results.take()
		if err == nil {
			t.Errorf("%s: statement succeeded, want an error\n%s", r.where(fr.name), r.sql())
			return []string{"<no error>"}, true
		}
		return []string{err.Error()}, true
	case "file contents":
		// file <path under $TMP>: the contents a sink wrote
		data, err := os.ReadFile(filepath.Join(straight.dir, strings.TrimPrefix(r.sql(), "$TMP/")))
		if err != nil {
			t.Errorf("%s: %v", r.where(fr.name), err)
			return nil, false
		}
		return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"), true
	case "query changelog", "query table":
		changes, err := straight.query(r.sql(), "1", exec.Testing{})
		if err != nil {
			t.Errorf("%s: query failed: %v\n%s", r.where(fr.name), err, r.sql())
			return nil, false
		}
		final := finalTable(straight.schema, changes)
		if err := retractsOnlyWhatIsThere(changes); err != nil {
			t.Errorf("%s: the changelog %v\n%s", r.where(fr.name), err, r.sql())
		}
		records := lastJob(straight.session).RecordsIn
		fr.agree(r, final, straight, "4", exec.Testing{})
		fr.agree(r, final, fr.modes[1], "2", exec.Testing{BatchRows: 1, CheckpointEveryBatch: true})
		if records > 0 {
			fr.agree(r, final, fr.modes[2], "2", exec.Testing{BatchRows: 1, CheckpointEveryBatch: true, FailAfterRecords: (records + 1) / 2})
			if job := lastJob(fr.modes[2].session); job.Restarts != 1 {
				t.Errorf("%s: the injected failure did not happen: %d restarts", r.where(fr.name), job.Restarts)
			} else if job.Restores > 0 {
				restored.Add(1)
			}
			// Batches of a few rows (not one each) so that mini_batch has rows
			// to fold, and checkpoints between them.
			fr.agree(r, final, fr.modes[3], "2", exec.Testing{BatchRows: 3, CheckpointEveryBatch: true, FailAfterRecords: (records + 1) / 2})
			if job := lastJob(fr.modes[3].session); job.Restarts != 1 {
				t.Errorf("%s: the injected failure did not happen with mini_batch: %d restarts", r.where(fr.name), job.Restarts)
			}
		} else {
			fr.agree(r, final, fr.modes[3], "2", exec.Testing{})
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
		for _, m := range fr.modes {
			if err := m.source(r); err != nil {
				t.Errorf("%s: %v", r.where(fr.name), err)
			}
		}
		return nil, false
	}
	t.Errorf("%s: unknown directive %q", r.where(fr.name), strings.Join(r.directive, " "))
	return nil, false
}

// agree runs a query in another mode (or at another parallelism) and
// demands the final result of the straight run.
func (fr *fileRunner) agree(r *record, want []string, m *mode, parallelism string, hooks exec.Testing) {
	changes, err := m.query(r.sql(), parallelism, hooks)
	what := fmt.Sprintf("%s at parallelism %s", m.name, parallelism)
	if err != nil {
		fr.t.Errorf("%s: query failed %s: %v", r.where(fr.name), what, err)
		return
	}
	if diff := cmp.Diff(want, finalTable(m.schema, changes)); diff != "" {
		fr.t.Errorf("%s: the result %s differs from the straight run (-straight +this):\n%s", r.where(fr.name), what, diff)
	}
	if err := retractsOnlyWhatIsThere(changes); err != nil {
		fr.t.Errorf("%s: the changelog %s %v", r.where(fr.name), what, err)
	}
}

// retractsOnlyWhatIsThere checks that every -U and -D of a changelog takes
// back a row that an earlier +I or +U added and nothing took back since.
// A table (exec.Table) ignores other retractions, so the final result
// alone would not show them.
func retractsOnlyWhatIsThere(changes []change) error {
	rows := map[string]int{}
	for i, c := range changes {
		key := types.FormatChange(types.Insert, c.row)
		if c.kind.IsAccumulate() {
			rows[key]++
			continue
		}
		if rows[key] == 0 {
			return fmt.Errorf("takes back a row that is not there: change %d, %s", i+1, types.FormatChange(c.kind, c.row))
		}
		rows[key]--
	}
	return nil
}

func lastJob(s *exec.Session) exec.JobInfo {
	jobs := s.Jobs()
	return jobs[len(jobs)-1].Info()
}

func (m *mode) exec(sql string) error {
	if err := os.MkdirAll(m.dir, 0o755); err != nil {
		return err
	}
	stmts, err := parser.ParseScript("", strings.ReplaceAll(sql, "$TMP", m.dir))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	for _, st := range stmts {
		if _, err := m.session.Execute(ctx, st); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("timed out after %s", queryTimeout)
	}
	return nil
}

// query runs a query at the given parallelism and returns its changes.
func (m *mode) query(sql, parallelism string, hooks exec.Testing) ([]change, error) {
	if err := m.exec("SET parallelism = " + parallelism); err != nil {
		return nil, err
	}
	defer m.exec("SET parallelism = " + m.parallelism)
	for k, v := range m.querySet {
		if err := m.exec(fmt.Sprintf("SET %s = '%s'", k, v)); err != nil {
			return nil, err
		}
		defer m.exec("RESET " + k)
	}
	m.session.SetTesting(hooks)
	defer m.session.SetTesting(exec.Testing{})
	m.results.take()
	err := m.exec(sql)
	return m.results.take(), err
}

// source writes the record's data to a file and creates a source for it.
func (m *mode) source(r *record) error {
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
	if err := os.MkdirAll(m.dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(m.dir, name+"."+format)
	if err := os.WriteFile(path, []byte(strings.Join(data, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return m.exec(fmt.Sprintf("CREATE SOURCE %s %s WITH (connector = 'file', path = %s, format = '%s'%s)",
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

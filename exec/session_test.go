package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
)

// syncBuffer is a bytes.Buffer safe for a job to write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testSession is a session whose SELECT results go to a fresh collectSink
// per job (unless the config routes them elsewhere), with its state in a
// temporary directory.
type testSession struct {
	t        *testing.T
	sess     *Session
	stateDir string
	stdout   *syncBuffer

	mu    sync.Mutex
	sinks []*collectSink
	// newSink, when set, makes the results sink of each SELECT.
	newSink func() *collectSink
}

// sessionOpts adjusts a test session: settings to start with, and whether
// SELECT results go to the print sink (Stdout) rather than a collectSink.
type sessionOpts struct {
	settings map[string]string
	print    bool
	newSink  func() *collectSink
	log      *slog.Logger
}

func newTestSession(t *testing.T, o sessionOpts) *testSession {
	t.Helper()
	ts := &testSession{t: t, stateDir: t.TempDir(), stdout: &syncBuffer{}, newSink: o.newSink}
	settings := map[string]string{"state_dir": ts.stateDir, "parallelism": "2"}
	for k, v := range o.settings {
		settings[k] = v
	}
	cfg := Config{Stdout: ts.stdout, Settings: settings, Log: o.log}
	if !o.print {
		cfg.Results = func(*planner.Plan) Sink {
			s := newCollectSink()
			if ts.newSink != nil {
				s = ts.newSink()
			}
			ts.mu.Lock()
			ts.sinks = append(ts.sinks, s)
			ts.mu.Unlock()
			return s
		}
	}
	sess, err := NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.sess = sess
	t.Cleanup(sess.Close)
	return ts
}

// lastSink returns the results sink of the latest SELECT.
func (ts *testSession) lastSink() *collectSink {
	ts.t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.sinks) == 0 {
		ts.t.Fatal("no SELECT has run")
	}
	return ts.sinks[len(ts.sinks)-1]
}

// exec runs the statements of src in order and returns the last result,
// or the first error. A statement that runs past testDeadline fails the
// test (rather than being cancelled, which would hide a hang).
func (ts *testSession) exec(src string) (*Result, error) {
	ts.t.Helper()
	stmts, err := parser.ParseScript("test.sql", src)
	if err != nil {
		ts.t.Fatalf("parsing %q: %v", src, err)
	}
	var res *Result
	for _, st := range stmts {
		type outcome struct {
			res *Result
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			r, err := ts.sess.Execute(context.Background(), st)
			done <- outcome{r, err}
		}()
		select {
		case o := <-done:
			if o.err != nil {
				return o.res, o.err
			}
			res = o.res
		case <-time.After(testDeadline):
			ts.t.Fatalf("%s: did not finish within %s", st.Text, testDeadline)
		}
	}
	return res, nil
}

// mustExec is exec that fails the test on an error.
func (ts *testSession) mustExec(src string) *Result {
	ts.t.Helper()
	res, err := ts.exec(src)
	if err != nil {
		ts.t.Fatalf("%s: %v", src, err)
	}
	return res
}

// query runs a SELECT and returns its changes.
func (ts *testSession) query(src string) []string {
	ts.t.Helper()
	ts.mustExec(src)
	return ts.lastSink().Changes()
}

func mustParse(t *testing.T, src string) []parser.Statement {
	t.Helper()
	stmts, err := parser.ParseScript("test.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	return stmts
}

// submit starts a query without waiting for it.
func (ts *testSession) submit(src string) *Job {
	ts.t.Helper()
	st, err := parser.ParseStmt("test.sql", src)
	if err != nil {
		ts.t.Fatal(err)
	}
	job, err := ts.sess.Submit(parser.Statement{Stmt: st, Text: src})
	if err != nil {
		ts.t.Fatal(err)
	}
	return job
}

// waitJob waits for a job to end, failing the test after testDeadline.
func waitJob(t *testing.T, job *Job) {
	t.Helper()
	select {
	case <-job.Done():
	case <-time.After(testDeadline):
		t.Fatalf("job %s did not end within %s (state %s)", job.Name, testDeadline, job.State())
	}
}

// writeFile writes a file under dir and returns its path, quoted for SQL.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sqlString(s string) string { return parser.QuoteString(s) }

// wantParserError checks that err is a *parser.Error with the message want
// (or with want's prefix, see errorMatches) at line 1, column col of
// test.sql.
func wantParserError(t *testing.T, err error, col int, want string) {
	t.Helper()
	var pe *parser.Error
	if !errors.As(err, &pe) {
		t.Errorf("err = %v (%T), want a *parser.Error", err, err)
		return
	}
	if pe.Pos.File != "test.sql" || pe.Pos.Line != 1 || pe.Pos.Col != col {
		t.Errorf("error %q is at %s, want test.sql:1:%d", pe.Msg, pe.Pos, col)
	}
	if !errorMatches(errors.New(pe.Msg), want) {
		t.Errorf("error message %q, want %q", pe.Msg, want)
	}
}

func TestSessionCatalogStatements(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	data := writeFile(t, t.TempDir(), "s.csv", "1,x\n")
	src := fmt.Sprintf("CREATE SOURCE s (a BIGINT, b STRING) WITH (connector = 'file', path = %s, format = 'csv')", sqlString(data))

	steps := []struct {
		sql string
		msg string // the Result's Message
		col int    // for an error: its column
		err string // the error (see errorMatches)
	}{
		{sql: src, msg: "created source s"},
		{sql: strings.Replace(src, "SOURCE s", "SOURCE IF NOT EXISTS s", 1), msg: "source s already exists"},
		{sql: src, col: 15, err: `"s" already exists as a source`},
		{sql: strings.Replace(src, "SOURCE s", "SOURCE S", 1), col: 15, err: `"s" already exists as a source`},
		{sql: "CREATE SINK s WITH (connector = 'blackhole')", col: 13, err: `"s" already exists as a source`},
		{sql: "CREATE SINK IF NOT EXISTS s WITH (connector = 'blackhole')", col: 27, err: `"s" already exists as a source`},
		{sql: "CREATE VIEW s AS SELECT 1", col: 13, err: `"s" already exists as a source`},
		{sql: "CREATE SINK out WITH (connector = 'blackhole')", msg: "created sink out"},
		{sql: "CREATE SOURCE out WITH (connector = 'file', path = 'x')", col: 15, err: `"out" already exists as a sink`},
		{sql: "CREATE VIEW IF NOT EXISTS out AS SELECT 1", col: 27, err: `"out" already exists as a sink`},
		{sql: "CREATE VIEW v AS SELECT a FROM s WHERE a > 0", msg: "created view v"},
		{sql: "CREATE VIEW IF NOT EXISTS v AS SELECT 2", msg: "view v already exists"},
		{sql: "CREATE SINK v WITH (connector = 'blackhole')", col: 13, err: `"v" already exists as a view`},
		{sql: "CREATE SOURCE bad WITH (connector = 'nope')", err: "*"},
		{sql: "DROP SOURCE out", col: 13, err: `unknown source "out"`},
		{sql: "DROP VIEW v", msg: "dropped view v"},
		{sql: "DROP VIEW v", col: 11, err: `unknown view "v"`},
		{sql: "DROP VIEW IF EXISTS v", msg: "view v does not exist; nothing dropped"},
		{sql: "DROP SINK out", msg: "dropped sink out"},
		{sql: "CREATE VIEW out AS SELECT 1 AS one", msg: "created view out"},
		{sql: "DROP SOURCE IF EXISTS S", msg: "dropped source s"},
		{sql: "DROP SOURCE IF EXISTS s", msg: "source s does not exist; nothing dropped"},
	}
	for _, s := range steps {
		res, err := ts.exec(s.sql)
		switch {
		case s.err != "":
			if err == nil {
				t.Errorf("%s: no error, want %q", s.sql, s.err)
			} else if s.col > 0 {
				wantParserError(t, err, s.col, s.err)
			}
		case err != nil:
			t.Errorf("%s: %v", s.sql, err)
		case res.Message != s.msg:
			t.Errorf("%s: message %q, want %q", s.sql, res.Message, s.msg)
		}
	}
	// what failed changed nothing
	if ts.sess.Catalog().Sink("s") != nil || ts.sess.Catalog().Source("bad") != nil {
		t.Error("a failed CREATE left something in the catalog")
	}
}

func TestSessionShowAndDescribe(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	data := writeFile(t, t.TempDir(), "s.csv", "1,x\n")
	ts.mustExec(fmt.Sprintf(`
		CREATE SOURCE s (a BIGINT, b STRING) WITH (connector = 'file', path = %s, format = 'csv');
		CREATE SOURCE lines WITH (connector = 'socket', address = '127.0.0.1:1');
		CREATE SINK out WITH (connector = 'file', path = 'out.json', format = 'json');
		CREATE SINK nothing WITH (connector = 'blackhole');
		CREATE VIEW v AS SELECT b, a * 2 AS twice FROM s`, sqlString(data)))

	table := func(r *Result) string {
		var lines []string
		lines = append(lines, strings.Join(r.Columns, "|"))
		for _, row := range r.Rows {
			lines = append(lines, strings.Join(row, "|"))
		}
		return strings.Join(lines, "\n")
	}
	tests := []struct {
		sql, want string
	}{
		{"SHOW SOURCES", "name|connector|columns|bounded\nlines|socket|[line STRING]|false\ns|file|[a BIGINT, b STRING]|true"},
		{"SHOW SINKS", "name|connector|columns|format\nnothing|blackhole|(as the query)|\nout|file|(as the query)|json"},
		{"SHOW VIEWS", "name|columns\nv|[b STRING, twice BIGINT]"},
		{"DESCRIBE s", "column|type\na|BIGINT\nb|STRING"},
		{"DESCRIBE V", "column|type\nb|STRING\ntwice|BIGINT"},
		{"SHOW JOBS", "id|name|state|uptime|records in|records out|bad records|restarts|last checkpoint"},
	}
	for _, tt := range tests {
		res := ts.mustExec(tt.sql)
		if got := table(res); got != tt.want {
			t.Errorf("%s:\n%s\nwant\n%s", tt.sql, got, tt.want)
		}
	}
	// DESCRIBE also gives the object's definition, canonical
	res := ts.mustExec("DESCRIBE s")
	if !strings.HasPrefix(res.Text, "CREATE SOURCE s (") || !strings.HasSuffix(res.Text, "\n") {
		t.Errorf("DESCRIBE s text: %q", res.Text)
	}
	_, err := ts.exec("DESCRIBE nope")
	wantParserError(t, err, 10, `unknown source, sink or view "nope"`)

	if res := ts.mustExec("SHOW FUNCTIONS"); len(res.Rows) == 0 || res.Columns[0] != "name" {
		t.Errorf("SHOW FUNCTIONS: %v", res)
	}
	if res := ts.mustExec("SHOW CHECKPOINTS"); len(res.Rows) != 0 || res.Columns[1] != "id" {
		t.Errorf("SHOW CHECKPOINTS with no checkpointing job: %v", res)
	}
	_, err = ts.exec("SHOW CHECKPOINTS FOR 'nope'")
	wantParserError(t, err, 1, "job 'nope' has no checkpoints in *")
	if res := ts.mustExec("EXPLAIN SELECT a FROM s"); !strings.Contains(res.Text, "Source") {
		t.Errorf("EXPLAIN text: %q", res.Text)
	}
}

func TestSessionSettings(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	setting := func(key string) string {
		for _, row := range ts.mustExec("SHOW SETTINGS").Rows {
			if row[0] == key {
				return row[1]
			}
		}
		t.Fatalf("SHOW SETTINGS has no %s", key)
		return ""
	}
	if got := ts.mustExec("SET on_error = 'skip'").Message; got != "set on_error = 'skip'" {
		t.Errorf("SET message %q", got)
	}
	if v, ok := ts.sess.Setting("on_error"); !ok || v != "skip" {
		t.Errorf("Setting(on_error) = %q, %v", v, ok)
	}
	if got := setting("on_error"); got != "skip" {
		t.Errorf("SHOW SETTINGS on_error = %q", got)
	}
	if got := setting("restart"); got != "(default)" {
		t.Errorf("SHOW SETTINGS restart = %q, want (default)", got)
	}
	// a later SET replaces the value
	ts.mustExec("SET on_error = 'dead_letter'")
	if got := setting("on_error"); got != "dead_letter" {
		t.Errorf("after a second SET: %q", got)
	}

	_, err := ts.exec("SET no_such_option = 'x'")
	wantParserError(t, err, 5, "unknown option*")
	_, err = ts.exec("SET on_error = 'sometimes'")
	wantParserError(t, err, 16, "*")
	if v, _ := ts.sess.Setting("on_error"); v != "dead_letter" {
		t.Errorf("a bad SET changed the setting to %q", v)
	}

	if got := ts.mustExec("RESET on_error").Message; got != "reset on_error" {
		t.Errorf("RESET message %q", got)
	}
	if _, ok := ts.sess.Setting("on_error"); ok {
		t.Error("on_error is still set after RESET")
	}
	_, err = ts.exec("RESET no_such_option")
	wantParserError(t, err, 7, "unknown option*")

	ts.mustExec("SET format = 'json'; SET job_name = 'x'")
	if got := ts.mustExec("RESET").Message; got != "reset all settings" {
		t.Errorf("RESET message %q", got)
	}
	// RESET goes back to the session's starting settings: state_dir and
	// parallelism came with the session's configuration.
	for _, k := range []string{"format", "job_name"} {
		if _, ok := ts.sess.Setting(k); ok {
			t.Errorf("%s is still set after RESET", k)
		}
	}
}

func TestNewSessionBadSetting(t *testing.T) {
	if _, err := NewSession(Config{Settings: map[string]string{"on_error": "never"}}); err == nil {
		t.Error("NewSession accepted on_error = 'never'")
	}
	if _, err := NewSession(Config{Settings: map[string]string{"nope": "1"}}); err == nil {
		t.Error("NewSession accepted an unknown setting")
	}
}

func TestSessionJobStatements(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	res := ts.mustExec("SELECT n FROM GENERATE_SERIES(1, 3) AS g(n) WITH (job_name = 'three')")
	if res.Job == nil || res.Job.State() != JobFinished || res.Job.ID != "1" || res.Job.Name != "three" {
		t.Fatalf("result job %+v", res.Job)
	}
	rows := ts.mustExec("SHOW JOBS").Rows
	if len(rows) != 1 || rows[0][0] != "1" || rows[0][1] != "three" || rows[0][2] != "FINISHED" || rows[0][4] != "3" || rows[0][5] != "3" || rows[0][6] != "0" {
		t.Errorf("SHOW JOBS rows %v", rows)
	}
	describe := map[string]string{}
	for _, row := range ts.mustExec("DESCRIBE JOB 'three'").Rows {
		describe[row[0]] = row[1]
	}
	if describe["id"] != "1" || describe["state"] != "FINISHED" || describe["records in"] != "3" ||
		!strings.HasPrefix(describe["statement"], "SELECT n FROM GENERATE_SERIES(1, 3)") {
		t.Errorf("DESCRIBE JOB: %v", describe)
	}
	_, err := ts.exec("CANCEL JOB 'nope'")
	wantParserError(t, err, 1, "unknown job 'nope' (SHOW JOBS lists them)")
	_, err = ts.exec("STOP JOB '1' WITH SAVEPOINT")
	wantParserError(t, err, 1, "job 1 is not running with checkpoints (set checkpoint_interval); use CANCEL JOB")
	// cancelling a job that has ended leaves it as it was
	if got := ts.mustExec("CANCEL JOB '1'").Message; got != "job 1 (three) is FINISHED" {
		t.Errorf("CANCEL JOB message %q", got)
	}
}

// DROP refuses to take away what a view reads; RESET goes back to the
// session's starting settings, not past them.
func TestSessionDropAndReset(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	ts.mustExec("CREATE SOURCE n WITH (connector = 'datagen', rows = 3)")
	ts.mustExec("CREATE VIEW v AS SELECT line FROM (SELECT line FROM n) AS s")
	_, err := ts.exec("DROP SOURCE n")
	wantParserError(t, err, 13, "view v reads source n; drop the view first")
	ts.mustExec("DROP VIEW v")
	ts.mustExec("DROP SOURCE n")

	sess, err := NewSession(Config{Settings: map[string]string{"format": "csv"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for _, sql := range []string{"SET format = 'json'", "RESET format"} {
		st, _ := parser.ParseStmt("", sql)
		if _, err := sess.Execute(context.Background(), parser.Statement{Stmt: st}); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := sess.Setting("format"); v != "csv" {
		t.Errorf("after RESET format is %q, want the starting csv", v)
	}
	st, _ := parser.ParseStmt("", "RESET")
	sess.Execute(context.Background(), parser.Statement{Stmt: st})
	if v, _ := sess.Setting("format"); v != "csv" {
		t.Errorf("after RESET (all) format is %q, want the starting csv", v)
	}
}

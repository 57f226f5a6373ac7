package exec

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamsql/streamsql/planner"
)

func TestJobFinishes(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	res := ts.mustExec("SELECT n, n * 2 AS twice FROM GENERATE_SERIES(1, 3) AS g(n)")
	job := res.Job
	if got, want := strings.Join(ts.lastSink().Changes(), " "), "+I[1, 2] +I[2, 4] +I[3, 6]"; got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	info := job.Info()
	if info.State != JobFinished || info.Err != nil || job.Err() != nil || job.Wait() != nil {
		t.Errorf("job state %s, err %v", info.State, info.Err)
	}
	if info.RecordsIn != 3 || info.RecordsOut != 3 || info.BadRecords != 0 {
		t.Errorf("records in %d, out %d, bad %d", info.RecordsIn, info.RecordsOut, info.BadRecords)
	}
	sink := ts.lastSink()
	if sink.finished != 1 || sink.closed != 1 {
		t.Errorf("sink finished %d and closed %d times, want once each", sink.finished, sink.closed)
	}
}

// An unbounded word count, split over several subtasks.
const unboundedWordCount = "SELECT line AS word, COUNT(*) AS n FROM GENERATE_LINES(0, 1, 5) AS g GROUP BY line"

// A failing task fails the job: the other tasks (here an unbounded source
// and the aggregates) are stopped, and the job ends FAILED with the error.
func TestJobTaskErrorFailsJob(t *testing.T) {
	boom := errors.New("the sink is full")
	ts := newTestSession(t, sessionOpts{newSink: func() *collectSink {
		s := newCollectSink()
		s.write = func(*Batch) error { return boom }
		return s
	}})
	res, err := ts.exec(unboundedWordCount)
	if !errors.Is(err, boom) {
		t.Fatalf("Execute: %v, want %v", err, boom)
	}
	job := res.Job
	if job.State() != JobFailed || !errors.Is(job.Err(), boom) || !errors.Is(job.Info().Err, boom) {
		t.Errorf("job state %s, err %v, info err %v", job.State(), job.Err(), job.Info().Err)
	}
	if ts.lastSink().closed != 1 {
		t.Errorf("the sink was closed %d times, want once", ts.lastSink().closed)
	}
}

// A panic in a task (here in a sink's Write) fails the job with an error
// instead of crashing the process.
func TestJobPanicBecomesError(t *testing.T) {
	ts := newTestSession(t, sessionOpts{newSink: func() *collectSink {
		s := newCollectSink()
		s.write = func(*Batch) error { panic("sink bug") }
		return s
	}})
	res, err := ts.exec(unboundedWordCount)
	if err == nil {
		t.Fatal("Execute returned no error after a panic")
	}
	if !strings.HasPrefix(err.Error(), "internal error in ") || !strings.Contains(firstLine(err.Error()), "sink bug") {
		t.Errorf("error %q, want an internal error naming the task and the panic", firstLine(err.Error()))
	}
	if res.Job.State() != JobFailed {
		t.Errorf("job state %s, want FAILED", res.Job.State())
	}
}

// waitForOutput waits until a job has sent some results to its sinks.
func waitForOutput(t *testing.T, job *Job) {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for job.Info().RecordsOut == 0 {
		if time.Now().After(deadline) || job.State().Terminal() {
			t.Fatalf("job %s produced nothing (state %s, err %v)", job.Name, job.State(), job.Err())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var tableRowRE = regexp.MustCompile(`^\| (\S+)\s+\|\s+(\d+) \|$`)

// Cancelling an unbounded job stops its source; what is in flight drains,
// the table sink prints the result so far, and the job ends CANCELED.
func TestJobCancelDrainsAndPrintsTable(t *testing.T) {
	ts := newTestSession(t, sessionOpts{print: true, settings: map[string]string{"format": "table"}})
	job := ts.submit(unboundedWordCount)
	waitForOutput(t, job)
	job.Cancel()
	waitJob(t, job)
	if job.State() != JobCanceled || job.Err() != nil || job.Wait() != nil {
		t.Fatalf("job state %s, err %v; want CANCELED without error", job.State(), job.Err())
	}
	// The table counts every line the source read: nothing in flight was
	// lost when the job was cancelled.
	out := ts.stdout.String()
	var sum int64
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		if m := tableRowRE.FindStringSubmatch(line); m != nil {
			n, _ := strconv.ParseInt(m[2], 10, 64)
			sum += n
			rows++
		}
	}
	if rows == 0 || !strings.HasSuffix(out, fmt.Sprintf("(%d rows)\n", rows)) || !strings.HasPrefix(out, "+-") {
		t.Fatalf("the table sink printed\n%s", out)
	}
	if in := job.Info().RecordsIn; sum != in {
		t.Errorf("the table counts %d lines, the source read %d:\n%s", sum, in, out)
	}
	// cancelling again does nothing
	job.Cancel()
	if job.State() != JobCanceled {
		t.Errorf("after a second Cancel: %s", job.State())
	}
}

// Execute cancels its job when its context is done, and returns what the
// job produced without an error.
func TestExecuteContextCancelsJob(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	stmts := mustParse(t, unboundedWordCount)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := ts.sess.Execute(ctx, stmts[0])
		done <- outcome{res, err}
	}()
	ts.waitForSink(t).waitFor(t, 1)
	cancel()
	select {
	case o := <-done:
		if o.err != nil || o.res.Job.State() != JobCanceled {
			t.Errorf("Execute: %v, job %s", o.err, o.res.Job.State())
		}
		if sink := ts.lastSink(); sink.finished != 1 {
			t.Errorf("the sink was finished %d times, want once", sink.finished)
		}
	case <-time.After(testDeadline):
		t.Fatal("Execute did not return after its context was cancelled")
	}
}

// waitForSink waits for the first SELECT's sink to exist.
func (ts *testSession) waitForSink(t *testing.T) *collectSink {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for {
		ts.mu.Lock()
		n := len(ts.sinks)
		ts.mu.Unlock()
		if n > 0 {
			return ts.lastSink()
		}
		if time.Now().After(deadline) {
			t.Fatal("no job made a sink")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCancelJobStatement(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	job := ts.submit(unboundedWordCount + " WITH (job_name = 'forever')")
	waitForOutput(t, job)
	res := ts.mustExec("CANCEL JOB 'forever'")
	if res.Message != "job 1 (forever) is CANCELED" || job.State() != JobCanceled {
		t.Errorf("CANCEL JOB: %q, job %s", res.Message, job.State())
	}
}

// badCSV has a good record, one with too few fields, one with a bad
// BIGINT, one with invalid UTF-8, and a last good one.
const badCSV = "1,one\n2\nthree,3\n4,f\xffur\n5,five\n"

func createBadCSV(t *testing.T, ts *testSession) {
	t.Helper()
	path := writeFile(t, t.TempDir(), "bad.csv", badCSV)
	ts.mustExec(fmt.Sprintf("CREATE SOURCE s (a BIGINT, b STRING) WITH (connector = 'file', path = %s, format = 'csv')", sqlString(path)))
}

var badCSVErrors = []string{
	"s line 2: expected 2 fields, got 1",
	"s line 3: column a: cannot read 'three' as BIGINT",
	"s line 4: invalid UTF-8 at byte 3",
}

func TestOnErrorFail(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	createBadCSV(t, ts)
	res, err := ts.exec("SELECT a, b FROM s")
	if err == nil || err.Error() != badCSVErrors[0] {
		t.Fatalf("Execute: %v, want %q", err, badCSVErrors[0])
	}
	if res.Job.State() != JobFailed || res.Job.Info().BadRecords != 0 {
		t.Errorf("job %s, %d bad records", res.Job.State(), res.Job.Info().BadRecords)
	}
	// on_error = 'fail' is also what SET gives
	ts.mustExec("SET on_error = 'fail'")
	if _, err := ts.exec("SELECT a, b FROM s"); err == nil || err.Error() != badCSVErrors[0] {
		t.Errorf("with SET on_error = 'fail': %v", err)
	}
}

func TestOnErrorSkip(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	createBadCSV(t, ts)
	res := ts.mustExec("SELECT a, b FROM s WITH (on_error = 'skip')")
	if got, want := strings.Join(ts.lastSink().Changes(), " "), "+I[1, one] +I[5, five]"; got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	info := res.Job.Info()
	if info.State != JobFinished || info.BadRecords != 3 || info.RecordsIn != 2 {
		t.Errorf("job %s, %d bad records, %d in; want FINISHED, 3, 2", info.State, info.BadRecords, info.RecordsIn)
	}
	// a skipped record is not dead-lettered
	if _, err := os.Stat(filepath.Join(ts.stateDir, res.Job.Name, "dead_letter.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("skip wrote a dead-letter file (stat: %v)", err)
	}
}

type deadLetter struct {
	Time         string `json:"time"`
	Error        string `json:"error"`
	Record       string `json:"record"`
	RecordBase64 string `json:"record_base64"`
}

func readDeadLetters(t *testing.T, path string) []deadLetter {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []deadLetter
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var d deadLetter
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("dead letter %q: %v", sc.Text(), err)
		}
		if _, err := time.Parse(time.RFC3339Nano, d.Time); err != nil {
			t.Errorf("dead letter time %q: %v", d.Time, err)
		}
		out = append(out, d)
	}
	return out
}

func TestOnErrorDeadLetter(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	createBadCSV(t, ts)
	res := ts.mustExec("SELECT a, b FROM s WITH (on_error = 'dead_letter', job_name = 'dl')")
	if got, want := strings.Join(ts.lastSink().Changes(), " "), "+I[1, one] +I[5, five]"; got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	if n := res.Job.Info().BadRecords; n != 3 {
		t.Errorf("%d bad records, want 3", n)
	}
	path := filepath.Join(ts.stateDir, "dl", "dead_letter.jsonl")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("dead-letter file mode %o, want 600", perm)
	}
	letters := readDeadLetters(t, path)
	wantRecords := []string{"2", "three,3", "4,f\uFFFDur"} // JSON text cannot hold the invalid byte...
	if len(letters) != len(wantRecords) {
		t.Fatalf("dead letters %+v, want %d", letters, len(wantRecords))
	}
	for i, d := range letters {
		if d.Error != badCSVErrors[i] || d.Record != wantRecords[i] {
			t.Errorf("dead letter %d: error %q record %q; want %q, %q", i, d.Error, d.Record, badCSVErrors[i], wantRecords[i])
		}
	}
	// ... so record_base64 keeps the exact bytes of a record that is not UTF-8.
	if raw, _ := base64.StdEncoding.DecodeString(letters[2].RecordBase64); string(raw) != "4,f\xffur" {
		t.Errorf("record_base64 of the invalid record decodes to %q, want the original bytes", raw)
	}
	if letters[0].RecordBase64 != "" {
		t.Errorf("a valid record has record_base64 %q", letters[0].RecordBase64)
	}

	// A second job of the same name appends; an expression error is
	// dead-lettered with its position and the row it failed on.
	ts.mustExec("SELECT a, 10 / (a - 5) AS q FROM s WITH (on_error = 'dead_letter', job_name = 'dl')")
	if got, want := strings.Join(ts.lastSink().Changes(), " "), "+I[1, -2]"; got != want {
		t.Errorf("changes %s, want %s", got, want)
	}
	letters = readDeadLetters(t, path)
	if len(letters) != 7 {
		t.Fatalf("%d dead letters after the second job, want 7: %+v", len(letters), letters)
	}
	if d := letters[6]; d.Error != "test.sql:1:14: division by zero" || d.Record != "[5, five]" {
		t.Errorf("the expression's dead letter: %+v", d)
	}
}

// A runtime error in an expression fails the job with a
// *planner.EvalError at the operator's position.
func TestExpressionErrorFailsWithPosition(t *testing.T) {
	tests := []struct {
		sql  string
		col  int
		msg  string
		kind error
	}{
		{"SELECT n, 10 / (n - 2) FROM GENERATE_SERIES(1, 3) AS g(n)", 14, "division by zero", nil},
		{"SELECT n FROM GENERATE_SERIES(1, 3) AS g(n) WHERE 7 % (n - 3) = 1", 53, "division by zero", nil},
		{"SELECT CASE WHEN n = 2 THEN RAISE_ERROR('two is ' || CAST(n AS STRING)) ELSE n END FROM GENERATE_SERIES(1, 3) AS g(n)",
			29, "two is 2", &planner.RaisedError{}},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			ts := newTestSession(t, sessionOpts{})
			res, err := ts.exec(tt.sql)
			var ee *planner.EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("Execute: %v (%T), want an *planner.EvalError", err, err)
			}
			if ee.Pos.Line != 1 || ee.Pos.Col != tt.col || ee.Err.Error() != tt.msg {
				t.Errorf("error %q at %s, want %q at 1:%d", ee.Err, ee.Pos, tt.msg, tt.col)
			}
			if want := fmt.Sprintf("test.sql:1:%d: %s", tt.col, tt.msg); err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if tt.kind != nil {
				var raised *planner.RaisedError
				if !errors.As(err, &raised) {
					t.Errorf("error %v does not wrap a *planner.RaisedError", err)
				}
			}
			if res.Job.State() != JobFailed {
				t.Errorf("job %s", res.Job.State())
			}
		})
	}
}

func TestJobStateNames(t *testing.T) {
	want := []string{"CREATED", "RUNNING", "FAILING", "RESTARTING", "CANCELLING", "CANCELED", "FAILED", "FINISHED"}
	for s := JobCreated; s <= JobFinished; s++ {
		if s.String() != want[s] {
			t.Errorf("state %d is %q, want %q", s, s, want[s])
		}
		if terminal := s == JobCanceled || s == JobFailed || s == JobFinished; s.Terminal() != terminal {
			t.Errorf("%s.Terminal() = %v", s, s.Terminal())
		}
	}
}

// recordingHandler keeps log records' messages with their cause.
type recordingHandler struct {
	mu    sync.Mutex
	lines []string
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "cause" {
			line += " cause=" + a.Value.String()
		}
		return true
	})
	h.mu.Lock()
	h.lines = append(h.lines, line)
	h.mu.Unlock()
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) matching(substr string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, l := range h.lines {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// Every job state change is logged, Flink style, with the cause of a
// failure.
func TestJobLogsTransitions(t *testing.T) {
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{log: slog.New(h)})
	ts.mustExec("SELECT n FROM GENERATE_SERIES(1, 2) AS g(n) WITH (job_name = 'ok')")
	want := []string{"INFO Job ok (1) switched from CREATED to RUNNING", "INFO Job ok (1) switched from RUNNING to FINISHED"}
	if got := h.matching("Job ok "); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logged\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := ts.exec("SELECT 1 / (n - 2) FROM GENERATE_SERIES(1, 2) AS g(n) WITH (job_name = 'bad')"); err == nil {
		t.Error("1 / 0 did not fail the job")
	}
	// SPEC §5: a failure goes RUNNING → FAILING; with no restart allowed
	// the job then ends FAILED.
	want = []string{"INFO Job bad (2) switched from CREATED to RUNNING",
		"ERROR Job bad (2) switched from RUNNING to FAILING cause=test.sql:1:10: division by zero",
		"ERROR Job bad (2) switched from FAILING to FAILED cause=test.sql:1:10: division by zero"}
	if got := h.matching("Job bad "); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logged\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	job := ts.submit(unboundedWordCount + " WITH (job_name = 'endless')")
	waitForOutput(t, job)
	job.Cancel()
	waitJob(t, job)
	want = []string{"INFO Job endless (3) switched from CREATED to RUNNING", "INFO Job endless (3) switched from RUNNING to CANCELLING",
		"INFO Job endless (3) switched from CANCELLING to CANCELED"}
	if got := h.matching("Job endless "); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logged\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A job cancelled as soon as it is submitted goes from CANCELLING only to
// CANCELED: it does not come back to RUNNING on the way.
func TestJobCancelledAtOnce(t *testing.T) {
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{log: slog.New(h)})
	job := ts.submit(unboundedWordCount + " WITH (job_name = 'brief')")
	job.Cancel()
	waitJob(t, job)
	if job.State() != JobCanceled {
		t.Errorf("job %s, want CANCELED", job.State())
	}
	for _, l := range h.matching("Job brief ") {
		if strings.Contains(l, "from CANCELLING to RUNNING") || strings.Contains(l, "from CANCELED") {
			t.Errorf("logged %q", l)
		}
	}
}

package exec

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamsql/streamsql/internal/wordgen"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
	"github.com/streamsql/streamsql/statestore"
)

// Helpers for the checkpoint and restore tests.

// waitUntil polls cond until it holds, failing the test after testDeadline
// (which only keeps a broken test from hanging).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", testDeadline, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitCheckpoint waits until job has completed a checkpoint newer than
// after, and returns it.
func waitCheckpoint(t *testing.T, job *Job, after int64) statestore.Meta {
	t.Helper()
	var m statestore.Meta
	waitUntil(t, fmt.Sprintf("job %s to complete a checkpoint after %d", job.Name, after), func() bool {
		info := job.Info()
		if info.State.Terminal() {
			t.Fatalf("job %s ended %s (err %v) before completing a checkpoint after %d", job.Name, info.State, info.Err, after)
		}
		if c := info.LastCheckpoint; c != nil && c.ID > after {
			m = *c
			return true
		}
		return false
	})
	return m
}

// retainedCheckpoints opens the state a job left in stateDir and returns
// its completed checkpoints, oldest first.
func retainedCheckpoints(t *testing.T, stateDir, jobName string) []statestore.Meta {
	t.Helper()
	dir := filepath.Join(stateDir, jobName)
	if _, err := os.Stat(filepath.Join(dir, "db")); err != nil {
		return nil
	}
	store, err := statestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	return store.Checkpoints()
}

// latestRetained returns the newest checkpoint a job left behind.
func latestRetained(t *testing.T, stateDir, jobName string) statestore.Meta {
	t.Helper()
	cps := retainedCheckpoints(t, stateDir, jobName)
	if len(cps) == 0 {
		t.Fatalf("job %s left no checkpoint in %s", jobName, stateDir)
	}
	return cps[len(cps)-1]
}

// sourcePosition returns the record count a checkpoint recorded for the
// (single) source subtask of operator 0.
func sourcePosition(t *testing.T, m statestore.Meta) uint64 {
	t.Helper()
	pos, ok := m.Positions["0/0"]
	if !ok {
		t.Fatalf("checkpoint %d has no position for source 0/0: %v", m.ID, m.Positions)
	}
	n, err := readCounterPos(pos)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// parseChange splits "+U[a, 3]" into "+U" and ["a", "3"].
func parseChange(t *testing.T, c string) (string, []string) {
	t.Helper()
	if len(c) < 4 || c[2] != '[' || c[len(c)-1] != ']' {
		t.Fatalf("malformed change %q", c)
	}
	return c[:2], strings.Split(c[3:len(c)-1], ", ")
}

// firstChanges returns the first change of each key (the first column).
func firstChanges(t *testing.T, changes []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range changes {
		_, f := parseChange(t, c)
		if _, ok := out[f[0]]; !ok {
			out[f[0]] = c
		}
	}
	return out
}

// lastValues folds changelogs, in order, into the current row of each key
// (the first column): the latest +I or +U wins, -D removes. Across the
// sinks of a job's attempts this is the job's final result, as long as
// every attempt re-emits what it replays.
func lastValues(t *testing.T, logs ...[]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, changes := range logs {
		for _, c := range changes {
			kind, f := parseChange(t, c)
			switch kind {
			case "+I", "+U":
				out[f[0]] = strings.Join(f[1:], ", ")
			case "-D":
				delete(out, f[0])
			}
		}
	}
	return out
}

func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}

// sinkCount returns how many results sinks the session has made.
func (ts *testSession) sinkCount() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.sinks)
}

// sinksSince returns the results sinks made after the first n.
func (ts *testSession) sinksSince(n int) []*collectSink {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]*collectSink(nil), ts.sinks[n:]...)
}

// wordCount counts the lines of an unbounded GENERATE_LINES with one word
// a line from a vocabulary of five.
const wordCount = "SELECT line AS word, COUNT(*) AS n FROM GENERATE_LINES(0, 1, 5) AS g GROUP BY line"

// datagenCounts counts the words of the first n lines a job's (single)
// GENERATE_LINES source produces: the same on every run.
func datagenCounts(t *testing.T, plan *planner.Plan, n uint64) map[string]int64 {
	t.Helper()
	src := plan.Physical.Operators[0].Spec.(*planner.SourceOp).Source
	g, err := newDatagenSource(src.Options, 1)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	var buf []byte
	for i := uint64(0); i < n; i++ {
		buf = g.line(buf[:0], int64(i))
		for _, w := range strings.Fields(string(buf)) {
			counts[w]++
		}
	}
	return counts
}

// vocabulary returns the words of GENERATE_LINES(..., vocabulary = n).
func vocabulary(n int) []string {
	out := make([]string, n)
	for k := range out {
		out[k] = wordgen.Word(k)
	}
	return out
}

// waitAllWords waits until sink has a change for every word.
func waitAllWords(t *testing.T, job *Job, sink *collectSink, words []string) {
	t.Helper()
	waitUntil(t, "a change for every word", func() bool {
		if job.State().Terminal() {
			t.Fatalf("job %s ended %s: %v", job.Name, job.State(), job.Err())
		}
		first := firstChanges(t, sink.Changes())
		for _, w := range words {
			if _, ok := first[w]; !ok {
				return false
			}
		}
		return true
	})
}

// checkContinues checks that the first change of every word continues
// from the restored counts: -U with the restored count (the group was
// restored), or +I[w, 1] for a word the checkpoint had not seen.
func checkContinues(t *testing.T, changes []string, counts map[string]int64, words []string) {
	t.Helper()
	first := firstChanges(t, changes)
	for _, w := range words {
		want := fmt.Sprintf("-U[%s, %d]", w, counts[w])
		if counts[w] == 0 {
			want = fmt.Sprintf("+I[%s, 1]", w)
		}
		if first[w] != want {
			t.Errorf("the first change of %s after the restore is %s, want %s (restored counts %v)", w, first[w], want, counts)
		}
	}
}

// A bounded aggregate that fails after k records (with a checkpoint after
// every record) restarts from the latest checkpoint and ends with the
// result a run without failure has. The table sink's rows are part of the
// state, so the table printed at the end is the whole result.
func TestRestoreBoundedAggregate(t *testing.T) {
	const query = "SELECT n % 4 AS k, COUNT(*) AS c, SUM(n) AS s, MIN(n) AS lo, MAX(n) AS hi, AVG(n) AS a, " +
		"COUNT(DISTINCT n % 3) AS d FROM GENERATE_SERIES(1, 40) AS g(n) GROUP BY n % 4 " +
		"WITH (job_name = 'agg', checkpoint_interval = '50ms', restart = 'fixed-delay(1, 0s)')"
	settings := map[string]string{"format": "table"}
	straight := newTestSession(t, sessionOpts{print: true, settings: settings})
	straight.mustExec(query)
	want := straight.stdout.String()
	if !strings.HasSuffix(want, "(4 rows)\n") {
		t.Fatalf("the straight run printed\n%s", want)
	}

	for _, tt := range []struct {
		failAfter int64
		restores  int // 0: the failure came before the first checkpoint
	}{{1, 0}, {2, 1}, {23, 1}, {40, 1}} {
		t.Run(fmt.Sprintf("fail after %d", tt.failAfter), func(t *testing.T) {
			h := &recordingHandler{}
			ts := newTestSession(t, sessionOpts{print: true, settings: settings, log: slog.New(h)})
			ts.sess.SetTesting(Testing{BatchRows: 1, CheckpointEveryBatch: true, FailAfterRecords: tt.failAfter})
			res := ts.mustExec(query)
			if got := ts.stdout.String(); got != want {
				t.Errorf("after a failure and a restart the table is\n%s\nwant (as without failure)\n%s", got, want)
			}
			info := res.Job.Info()
			if info.State != JobFinished || info.Restarts != 1 || info.Restores != tt.restores {
				t.Errorf("job %s with %d restarts and %d restores; want FINISHED, 1 and %d", info.State, info.Restarts, info.Restores, tt.restores)
			}
			if got := h.matching("switched from RUNNING to FAILING"); len(got) != 1 || !strings.Contains(got[0], errInjected.Error()) {
				t.Errorf("failures logged: %q; want the injected one", got)
			}
			// SPEC §5: a job that ends FINISHED removes its checkpoints
			if _, err := os.Stat(filepath.Join(ts.stateDir, "agg", "db")); !os.IsNotExist(err) {
				t.Errorf("the finished job left its state behind (stat: %v)", err)
			}
		})
	}
}

// State written at parallelism 1 restores into parallelism 3: each
// aggregate subtask gets the keys it owns, and counting goes on from the
// retained checkpoint.
func TestRestoreAtAnotherParallelism(t *testing.T) {
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{log: slog.New(h), settings: map[string]string{"parallelism": "1"}})
	ts.sess.SetTesting(Testing{BatchRows: 16})
	query := wordCount + " WITH (job_name = 'rescale', checkpoint_interval = '20ms', checkpoint_retention = 'retain_on_cancellation')"
	words := vocabulary(5)

	job1 := ts.submit(query)
	waitCheckpoint(t, job1, 0)
	job1.Cancel()
	waitJob(t, job1)
	if job1.State() != JobCanceled {
		t.Fatalf("job %s (err %v), want CANCELED", job1.State(), job1.Err())
	}
	m := latestRetained(t, ts.stateDir, "rescale")
	counts := datagenCounts(t, job1.Plan, sourcePosition(t, m))

	for _, par := range []string{"3", "2"} {
		ts.mustExec("SET parallelism = " + par)
		n := ts.sinkCount()
		job := ts.submit(query)
		if got := job.Plan.Physical.Operators[1].Parallelism; strconv.Itoa(got) != par {
			t.Fatalf("the aggregate runs with parallelism %d, want %s", got, par)
		}
		waitUntil(t, "the job's sink", func() bool { return ts.sinkCount() > n })
		sink := ts.sinksSince(n)[0]
		waitAllWords(t, job, sink, words)
		job.Cancel()
		waitJob(t, job)
		checkContinues(t, sink.Changes(), counts, words)
		if info := job.Info(); info.State != JobCanceled || info.Restores != 1 {
			t.Errorf("parallelism %s: job %s with %d restores, want CANCELED and 1", par, info.State, info.Restores)
		}
		if len(h.matching(fmt.Sprintf("Job rescale resumes from checkpoint %d,", m.ID))) == 0 {
			t.Errorf("parallelism %s: no log says the job resumes from checkpoint %d", par, m.ID)
		}
		// the next run (at yet another parallelism) goes on from here
		m = latestRetained(t, ts.stateDir, "rescale")
		counts = datagenCounts(t, job.Plan, sourcePosition(t, m))
	}
}

// A retained checkpoint does not restore into a plan whose state differs:
// the job fails naming the operator that changed and how to start fresh;
// with restore = 'none' it starts fresh and the old checkpoints go.
func TestRestoreIntoChangedPlan(t *testing.T) {
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{log: slog.New(h)})
	const a = "SELECT line AS word, SUM(LENGTH(line)) AS n FROM GENERATE_LINES(0, 1, 5) AS g GROUP BY line"
	const b = "SELECT line AS word, MAX(LENGTH(line)) AS n FROM GENERATE_LINES(0, 1, 5) AS g GROUP BY line"
	const opts = " WITH (job_name = 'x', checkpoint_interval = '20ms', checkpoint_retention = 'retain_on_cancellation'%s)"

	jobA := ts.submit(a + fmt.Sprintf(opts, ""))
	waitCheckpoint(t, jobA, 0)
	jobA.Cancel()
	waitJob(t, jobA)
	old := latestRetained(t, ts.stateDir, "x")

	res, err := ts.exec(b + fmt.Sprintf(opts, ""))
	if err == nil {
		t.Fatal("query B restored query A's checkpoint")
	}
	if res.Job.State() != JobFailed {
		t.Errorf("job %s, want FAILED", res.Job.State())
	}
	msg := err.Error()
	for _, want := range []string{fmt.Sprintf("checkpoint %d of job x", old.ID), "operator 2 was GroupAggregate",
		"SUM(LENGTH(line))", "MAX(LENGTH(line))", "restore = 'none'"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	// the refused run left the checkpoint alone
	if m := latestRetained(t, ts.stateDir, "x"); m.ID != old.ID {
		t.Errorf("after the refused run the latest checkpoint is %d, want %d", m.ID, old.ID)
	}

	n := ts.sinkCount()
	jobB := ts.submit(b + fmt.Sprintf(opts, ", restore = 'none'"))
	waitCheckpoint(t, jobB, old.ID)
	for _, c := range jobB.Checkpoints() {
		if c.ID == old.ID || c.Fingerprint != jobB.Plan.Fingerprint {
			t.Errorf("with restore = 'none' the job has checkpoint %d of fingerprint %s (query A's: %d, %s)", c.ID, c.Fingerprint, old.ID, old.Fingerprint)
		}
	}
	waitUntil(t, "the job's sink", func() bool { return ts.sinkCount() > n })
	sink := ts.sinksSince(n)[0]
	waitAllWords(t, jobB, sink, vocabulary(5))
	jobB.Cancel()
	waitJob(t, jobB)
	if jobB.State() != JobCanceled || jobB.Info().Restores != 0 {
		t.Errorf("job B %s with %d restores, want CANCELED and 0", jobB.State(), jobB.Info().Restores)
	}
	for w, c := range firstChanges(t, sink.Changes()) {
		if !strings.HasPrefix(c, "+I[") {
			t.Errorf("with restore = 'none' the first change of %s is %s, want an insert", w, c)
		}
	}
	if len(h.matching("Job x starts fresh (restore = 'none'); removing 1 old checkpoint(s)")) != 1 {
		t.Errorf("no log says the old checkpoint is removed: %q", h.matching("Job x"))
	}
	for _, c := range retainedCheckpoints(t, ts.stateDir, "x") {
		if c.ID <= old.ID || c.Fingerprint != jobB.Plan.Fingerprint {
			t.Errorf("checkpoint %d (fingerprint %s) is left; query A's was %d (%s)", c.ID, c.Fingerprint, old.ID, old.Fingerprint)
		}
	}
}

// While a job runs with checkpoints its state is locked: the same job
// started from another session fails, naming the process that holds it.
// Once the first job ends the state is free again.
func TestStateLockedByRunningJob(t *testing.T) {
	query := wordCount + " WITH (job_name = 'locked', checkpoint_interval = '20ms')"
	ts1 := newTestSession(t, sessionOpts{})
	job1 := ts1.submit(query)
	waitCheckpoint(t, job1, 0)

	ts2 := newTestSession(t, sessionOpts{settings: map[string]string{"state_dir": ts1.stateDir}})
	res, err := ts2.exec(query)
	if err == nil {
		t.Fatal("a second job ran on locked state")
	}
	if want := fmt.Sprintf("in use by process %d", os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if res.Job.State() != JobFailed {
		t.Errorf("the second job is %s, want FAILED", res.Job.State())
	}
	// the first job goes on checkpointing
	last := job1.Info().LastCheckpoint.ID
	waitCheckpoint(t, job1, last)
	job1.Cancel()
	waitJob(t, job1)
	if job1.State() != JobCanceled {
		t.Errorf("the first job is %s (err %v), want CANCELED", job1.State(), job1.Err())
	}

	job3 := ts2.submit(query)
	waitCheckpoint(t, job3, 0)
	job3.Cancel()
	waitJob(t, job3)
	if job3.State() != JobCanceled {
		t.Errorf("the job run after the first ended is %s (err %v), want CANCELED", job3.State(), job3.Err())
	}
}

// STOP JOB ... WITH SAVEPOINT takes a checkpoint that is kept whatever
// the retention, then cancels the job; running the statement again
// resumes from the savepoint and says so.
func TestStopWithSavepoint(t *testing.T) {
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{log: slog.New(h)})
	ts.sess.SetTesting(Testing{BatchRows: 16})
	// The periodic checkpoints are far apart: the savepoint is the only one.
	query := wordCount + " WITH (job_name = 'sp', checkpoint_interval = '1h')"
	words := vocabulary(5)

	job1 := ts.submit(query)
	waitForOutput(t, job1)
	res := ts.mustExec("STOP JOB 'sp' WITH SAVEPOINT")
	if job1.State() != JobCanceled || job1.Err() != nil {
		t.Fatalf("after STOP JOB ... WITH SAVEPOINT the job is %s (err %v), want CANCELED", job1.State(), job1.Err())
	}
	rows := ts.mustExec("SHOW CHECKPOINTS FOR 'sp'").Rows
	if len(rows) != 1 || rows[0][0] != "sp" || rows[0][6] != "savepoint" {
		t.Fatalf("SHOW CHECKPOINTS FOR 'sp': %v, want one savepoint", rows)
	}
	id := rows[0][1]
	if want := fmt.Sprintf("job 1 (sp) stopped with savepoint %s; run it again with the same job_name to resume from it", id); res.Message != want {
		t.Errorf("STOP JOB message %q, want %q", res.Message, want)
	}
	m := latestRetained(t, ts.stateDir, "sp")
	if !m.Savepoint || strconv.FormatInt(m.ID, 10) != id {
		t.Fatalf("the retained checkpoint is %d (savepoint %v), want savepoint %s", m.ID, m.Savepoint, id)
	}
	counts := datagenCounts(t, job1.Plan, sourcePosition(t, m))

	n := ts.sinkCount()
	job2 := ts.submit(query)
	waitUntil(t, "the job's sink", func() bool { return ts.sinkCount() > n })
	sink := ts.sinksSince(n)[0]
	waitAllWords(t, job2, sink, words)
	job2.Cancel()
	waitJob(t, job2)
	if len(h.matching(fmt.Sprintf("Job sp resumes from checkpoint %s,", id))) != 1 {
		t.Errorf("no log says the job resumes from savepoint %s: %q", id, h.matching("Job sp"))
	}
	checkContinues(t, sink.Changes(), counts, words)
	if info := job2.Info(); info.State != JobCanceled || info.Restores != 1 {
		t.Errorf("the second run is %s with %d restores, want CANCELED and 1", info.State, info.Restores)
	}
}

// heldBackSession is a test session logging to h whose sinks hold every
// write — and so every checkpoint's barrier — back until release is
// closed.
func heldBackSession(t *testing.T, h *recordingHandler, release <-chan struct{}) *testSession {
	return newTestSession(t, sessionOpts{log: slog.New(h), newSink: func() *collectSink {
		s := newCollectSink()
		s.write = func(*Batch) error {
			select {
			case <-release:
			case <-time.After(testDeadline):
			}
			return nil
		}
		return s
	}})
}

// A checkpoint that a slow sink keeps from completing within
// checkpoint_timeout is aborted; the job goes on and finishes with the
// right result, without a failure.
func TestCheckpointTimeoutAborts(t *testing.T) {
	h := &recordingHandler{}
	release := make(chan struct{})
	ts := heldBackSession(t, h, release)
	// Small batches, more than the edges hold: the source is still running
	// (held back by the sink) when checkpoints are triggered.
	ts.sess.SetTesting(Testing{BatchRows: 1})
	job := ts.submit("SELECT n % 3 AS k, COUNT(*) AS c, SUM(n) AS s FROM GENERATE_SERIES(1, 3000) AS g(n) GROUP BY n % 3 " +
		"WITH (job_name = 'slow', checkpoint_interval = '10ms', checkpoint_timeout = '20ms')")
	waitUntil(t, "a checkpoint to time out", func() bool {
		return len(h.matching("aborted: not complete after checkpoint_timeout")) > 0
	})
	close(release)
	waitJob(t, job)
	info := job.Info()
	if info.State != JobFinished || info.Restarts != 0 {
		t.Errorf("job %s (err %v) with %d restarts, want FINISHED without restarts", info.State, info.Err, info.Restarts)
	}
	if got := h.matching("switched from RUNNING to FAILING"); len(got) > 0 {
		t.Errorf("a checkpoint timeout failed the job: %q", got)
	}
	for _, l := range h.matching("aborted: not complete after checkpoint_timeout") {
		if !strings.HasPrefix(l, "WARN Checkpoint ") || !strings.Contains(l, "of job slow aborted: not complete after checkpoint_timeout 20ms; the job goes on") {
			t.Errorf("logged %q", l)
		}
	}
	if got, want := formatMap(lastValues(t, ts.lastSink().Changes())), "0=1000, 1501500 1=1000, 1499500 2=1000, 1500500"; got != want {
		t.Errorf("result %s, want %s", got, want)
	}
}

// STOP JOB ... WITH SAVEPOINT while a periodic checkpoint is still in
// flight waits for it and then takes the savepoint: a user cannot know
// when checkpoints run, so the statement must not fail because one does.
func TestStopWithSavepointWhileCheckpointInFlight(t *testing.T) {
	h := &recordingHandler{}
	release := make(chan struct{})
	ts := heldBackSession(t, h, release)
	ts.sess.SetTesting(Testing{BatchRows: 16})
	job := ts.submit(wordCount + " WITH (job_name = 'busy', checkpoint_interval = '10ms')")
	waitUntil(t, "a checkpoint to be triggered", func() bool { return len(h.matching("Triggering checkpoint")) > 0 })

	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	st := mustParse(t, "STOP JOB 'busy' WITH SAVEPOINT")[0]
	go func() {
		res, err := ts.sess.Execute(context.Background(), st)
		done <- outcome{res, err}
	}()
	// Let the statement find the checkpoint in flight, then let the sink go.
	var o outcome
	returned := false
	select {
	case o = <-done:
		returned = true
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if !returned {
		select {
		case o = <-done:
		case <-time.After(testDeadline):
			t.Fatal("STOP JOB ... WITH SAVEPOINT did not return")
		}
	}
	if o.err != nil {
		job.Cancel()
		waitJob(t, job)
		t.Fatalf("STOP JOB ... WITH SAVEPOINT while a checkpoint was in flight: %v", o.err)
	}
	waitJob(t, job)
	if job.State() != JobCanceled {
		t.Errorf("job %s (err %v), want CANCELED", job.State(), job.Err())
	}
	rows := ts.mustExec("SHOW CHECKPOINTS FOR 'busy'").Rows
	if len(rows) != 1 || rows[0][6] != "savepoint" {
		t.Errorf("SHOW CHECKPOINTS FOR 'busy': %v, want the savepoint", rows)
	}
}

// Checkpoints are incremental, so a checkpoint that is aborted after some
// operators have taken their snapshot must not lose the changes those
// snapshots held: the next checkpoint has to write them again. Here the
// aggregates snapshot the checkpoint after n = 60, the sink keeps it from
// completing until it times out, and a failure after n = 100 restores a
// later checkpoint: the group of n = 60 (k = 10, not changed again until
// n = 110) must be restored with n = 60 counted.
func TestCheckpointAbortedKeepsChangesForNext(t *testing.T) {
	h := &recordingHandler{}
	release := make(chan struct{})
	var blocked atomic.Bool
	ts := newTestSession(t, sessionOpts{log: slog.New(h), newSink: func() *collectSink {
		s := newCollectSink()
		s.write = func(b *Batch) error {
			for i, r := range b.Rows {
				if b.Kinds[i] == types.UpdateAfter && r[0].AsInt() == 10 && r[1].AsInt() == 2 && blocked.CompareAndSwap(false, true) {
					select {
					case <-release:
					case <-time.After(testDeadline):
					}
				}
			}
			return nil
		}
		return s
	}})
	ts.sess.SetTesting(Testing{BatchRows: 1, CheckpointEveryBatch: true, FailAfterRecords: 100})
	job := ts.submit("SELECT n % 50 AS k, COUNT(*) AS c FROM GENERATE_SERIES(1, 200) AS g(n) GROUP BY n % 50 " +
		"WITH (job_name = 'aborted', checkpoint_interval = '1h', checkpoint_timeout = '20ms', restart = 'fixed-delay(1, 0s)')")
	waitUntil(t, "a checkpoint to time out", func() bool {
		return len(h.matching("aborted: not complete after checkpoint_timeout")) > 0
	})
	close(release)
	waitJob(t, job)
	info := job.Info()
	if info.State != JobFinished || info.Restarts != 1 || info.Restores != 1 {
		t.Fatalf("job %s (err %v) with %d restarts and %d restores, want FINISHED, 1 and 1", info.State, info.Err, info.Restarts, info.Restores)
	}
	sinks := ts.sinksSince(0)
	if len(sinks) != 2 {
		t.Fatalf("%d sinks, want one per run", len(sinks))
	}
	// every count is 4: n % 50 over 1..200
	var logs [][]string
	for _, s := range sinks {
		logs = append(logs, s.Changes())
	}
	for k, v := range lastValues(t, logs...) {
		if v != "4" {
			t.Errorf("key %s ends counted %s, want 4", k, v)
		}
	}
	// the run after the failure resumes from the counts at n = 99: k = 10
	// has counted n = 10 and 60
	if got := firstChanges(t, sinks[1].Changes())["10"]; got != "-U[10, 2]" {
		t.Errorf("after the restore the first change of k = 10 is %s, want -U[10, 2]", got)
	}
}

// The savepoint of STOP JOB ... WITH SAVEPOINT is where the next run
// resumes: no checkpoint the stopping job completes after it may replace
// it (with checkpoints_retained = 1, one would delete it). A checkpoint
// after every batch makes such checkpoints as likely as can be.
func TestStopWithSavepointIsTheLastCheckpoint(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	ts.sess.SetTesting(Testing{BatchRows: 16, CheckpointEveryBatch: true})
	job := ts.submit(wordCount + " WITH (job_name = 'final', checkpoint_interval = '1h')")
	waitCheckpoint(t, job, 0)
	res, err := ts.exec("STOP JOB 'final' WITH SAVEPOINT")
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, job)
	rows := ts.mustExec("SHOW CHECKPOINTS FOR 'final'").Rows
	var kinds []string
	for _, r := range rows {
		kinds = append(kinds, r[1]+" "+r[6])
	}
	m := latestRetained(t, ts.stateDir, "final")
	if !m.Savepoint || !strings.Contains(res.Message, fmt.Sprintf("stopped with savepoint %d;", m.ID)) {
		t.Errorf("STOP JOB said %q, but the checkpoint a new run resumes from is %d (savepoint %v); SHOW CHECKPOINTS: %v",
			res.Message, m.ID, m.Savepoint, kinds)
	}
}

// A failed bounded job keeps its checkpoints; running it again resumes
// and finishes with the whole result, also at another parallelism (state
// written by p subtasks is split among q by key; keys of several columns
// and types here). The table sink's rows are restored too.
func TestRestoreFailedJobAtAnotherParallelism(t *testing.T) {
	const query = "SELECT n % 7 AS a, CAST(n % 3 AS DOUBLE) / 2 AS b, CASE WHEN n % 2 = 0 THEN 'even' ELSE 'odd' END AS c, " +
		"COUNT(*) AS cnt, SUM(n) AS s FROM GENERATE_SERIES(1, 120) AS g(n) " +
		"GROUP BY n % 7, CAST(n % 3 AS DOUBLE) / 2, CASE WHEN n % 2 = 0 THEN 'even' ELSE 'odd' END " +
		"WITH (job_name = 'refail', checkpoint_interval = '1h')"
	settings := map[string]string{"format": "table"}
	straight := newTestSession(t, sessionOpts{print: true, settings: settings})
	straight.mustExec(query)
	want := straight.stdout.String()
	if !strings.HasSuffix(want, "(42 rows)\n") {
		t.Fatalf("the straight run printed\n%s", want)
	}
	for _, tt := range []struct{ from, to string }{{"1", "3"}, {"3", "1"}, {"2", "4"}} {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			ts := newTestSession(t, sessionOpts{print: true, settings: map[string]string{"format": "table", "parallelism": tt.from}})
			ts.sess.SetTesting(Testing{BatchRows: 1, CheckpointEveryBatch: true, FailAfterRecords: 77})
			if _, err := ts.exec(query); err == nil || !strings.Contains(err.Error(), errInjected.Error()) {
				t.Fatalf("the first run: %v, want the injected failure", err)
			}
			if got := ts.stdout.String(); got != "" {
				t.Fatalf("the failed run printed\n%s", got)
			}
			m := latestRetained(t, ts.stateDir, "refail")
			if pos := sourcePosition(t, m); pos != 76 {
				t.Errorf("the failed run's last checkpoint is at record %d, want 76", pos)
			}
			ts.sess.SetTesting(Testing{})
			ts.mustExec("SET parallelism = " + tt.to)
			res := ts.mustExec(query)
			if got := ts.stdout.String(); got != want {
				t.Errorf("the run resumed at parallelism %s printed\n%s\nwant\n%s", tt.to, got, want)
			}
			if info := res.Job.Info(); info.State != JobFinished || info.Restores != 1 || info.RecordsIn != 120-76 {
				t.Errorf("the second run is %s with %d restores, read %d records; want FINISHED, 1, %d", info.State, info.Restores, info.RecordsIn, 120-76)
			}
		})
	}
}

// Restoring a checkpoint older than the latest (restore = '<id>', with
// checkpoints_retained > 1) starts a new history: checkpoints taken after
// it must not mix in state that the newer checkpoints of the abandoned
// history wrote. Here run 1 fails after record 20 with checkpoints after
// records 15 to 19 retained; run 2 resumes from the one after 15 and fails
// after record 17, its last checkpoint being after 16; run 3 resumes from
// that and must finish with the result of a run without failures.
func TestRestoreOlderCheckpointStartsNewHistory(t *testing.T) {
	const query = "SELECT n %% 10 AS k, COUNT(*) AS c FROM GENERATE_SERIES(1, 30) AS g(n) GROUP BY n %% 10 " +
		"WITH (job_name = 'branch', checkpoint_interval = '1h', checkpoints_retained = '5'%s)"
	settings := map[string]string{"format": "table"}
	straight := newTestSession(t, sessionOpts{print: true, settings: settings})
	straight.mustExec(fmt.Sprintf(query, ""))
	want := straight.stdout.String()

	ts := newTestSession(t, sessionOpts{print: true, settings: settings})
	ts.sess.SetTesting(Testing{BatchRows: 1, CheckpointEveryBatch: true, FailAfterRecords: 20})
	if _, err := ts.exec(fmt.Sprintf(query, "")); err == nil {
		t.Fatal("run 1 did not fail")
	}
	cps := retainedCheckpoints(t, ts.stateDir, "branch")
	if len(cps) != 5 || sourcePosition(t, cps[0]) != 15 {
		t.Fatalf("run 1 kept %d checkpoints, the oldest at record %d; want 5, from 15", len(cps), sourcePosition(t, cps[0]))
	}
	ts.sess.SetTesting(Testing{BatchRows: 1, CheckpointEveryBatch: true, FailAfterRecords: 2})
	if _, err := ts.exec(fmt.Sprintf(query, fmt.Sprintf(", restore = '%d'", cps[0].ID))); err == nil {
		t.Fatal("run 2 did not fail")
	}
	if m := latestRetained(t, ts.stateDir, "branch"); sourcePosition(t, m) != 16 {
		t.Fatalf("run 2's last checkpoint is at record %d, want 16", sourcePosition(t, m))
	}
	ts.sess.SetTesting(Testing{})
	res := ts.mustExec(fmt.Sprintf(query, ""))
	if got := ts.stdout.String(); got != want {
		t.Errorf("run 3 printed\n%s\nwant (each of the 10 keys counted 3 times)\n%s", got, want)
	}
	if info := res.Job.Info(); info.State != JobFinished || info.Restores != 1 {
		t.Errorf("run 3 is %s with %d restores, want FINISHED and 1", info.State, info.Restores)
	}
}

// checkpoint_min_pause holds the next checkpoint back after one completes,
// however often the interval comes round; a savepoint does not wait for it.
func TestCheckpointMinPause(t *testing.T) {
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{log: slog.New(h)})
	job := ts.submit(wordCount + " WITH (job_name = 'paused', checkpoint_interval = '5ms', checkpoint_min_pause = '1h')")
	first := waitCheckpoint(t, job, 0)
	// let the interval come round a few times (how many does not matter:
	// none can start another checkpoint within the hour)
	time.Sleep(100 * time.Millisecond)
	if m := job.Info().LastCheckpoint; m.ID != first.ID {
		t.Errorf("checkpoint %d completed within checkpoint_min_pause of checkpoint %d", m.ID, first.ID)
	}
	if got := h.matching("Triggering checkpoint"); len(got) != 1 {
		t.Errorf("%d checkpoints triggered, want 1: %q", len(got), got)
	}
	if _, err := ts.exec("STOP JOB 'paused' WITH SAVEPOINT"); err != nil {
		t.Fatalf("STOP JOB ... WITH SAVEPOINT within checkpoint_min_pause: %v", err)
	}
	if m := latestRetained(t, ts.stateDir, "paused"); !m.Savepoint || m.ID <= first.ID {
		t.Errorf("the retained checkpoint is %d (savepoint %v), want a savepoint after %d", m.ID, m.Savepoint, first.ID)
	}
}

package exec

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamsql/streamsql/statestore"
)

// jobStore returns the state store of a running job.
func jobStore(t *testing.T, job *Job) *statestore.Store {
	t.Helper()
	job.mu.Lock()
	defer job.mu.Unlock()
	if job.store == nil {
		t.Fatalf("job %s has no open state", job.Name)
	}
	return job.store
}

// logRecords returns the records left in the log of source 0, subtask 0.
func logRecords(t *testing.T, store *statestore.Store) []string {
	t.Helper()
	var out []string
	err := store.ReadLog(0, 0, 0, func(seq uint64, rec []byte) error {
		out = append(out, fmt.Sprintf("%d:%s", seq, rec))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitResult waits until the changes of the session's sinks made since
// the n-th, folded, are want.
func waitResult(t *testing.T, ts *testSession, job *Job, n int, want string) {
	t.Helper()
	got := ""
	waitUntil(t, "the result "+want, func() bool {
		if job.State().Terminal() {
			t.Fatalf("job %s ended %s: %v", job.Name, job.State(), job.Err())
		}
		var logs [][]string
		for _, s := range ts.sinksSince(n) {
			logs = append(logs, s.Changes())
		}
		got = formatMap(lastValues(t, logs...))
		return got == want
	})
}

const socketWordCount = "SELECT line AS word, COUNT(*) AS n FROM SOCKET('%s') AS s " +
	"WHERE CASE WHEN s.line = 'ERROR' THEN RAISE_ERROR('custom error flag, restart application') ELSE TRUE END GROUP BY line"

// With source_log = 'on' a socket's lines are logged as they arrive, by a
// connection that outlives the job's runs: lines sent while the job
// restarts after a failure are counted by the next run, nothing is counted
// twice, and the log is trimmed as checkpoints complete.
func TestSocketSourceLogAcrossRestart(t *testing.T) {
	srv := newLineServer(t)
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{log: slog.New(h)})
	job := ts.submit(fmt.Sprintf(socketWordCount, srv.addr()) +
		" WITH (job_name = 'sock', checkpoint_interval = '20ms', source_log = 'on', restart = 'fixed-delay(1, 1s)')")
	c := srv.accept()
	write(t, c, "a\nb\na\n")
	waitResult(t, ts, job, 0, "a=2 b=1")
	store := jobStore(t, job)

	write(t, c, "ERROR\n")
	waitUntil(t, "the job to restart", func() bool {
		if job.State().Terminal() {
			t.Fatalf("job %s: %v", job.State(), job.Err())
		}
		return job.State() == JobRestarting
	})
	write(t, c, "a\nc\n")
	waitUntil(t, "the lines sent while restarting to be logged", func() bool {
		last, err := store.LastLogSeq(0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return last >= 6
	})
	if s := job.State(); s != JobRestarting {
		t.Logf("note: the job was %s, not RESTARTING, once the lines were logged", s)
	}
	waitResult(t, ts, job, 0, "a=3 b=1 c=1")
	if info := job.Info(); info.State != JobRunning || info.Restarts != 1 {
		t.Errorf("job %s with %d restarts, want RUNNING and 1", info.State, info.Restarts)
	}
	if got := h.matching("switched from RUNNING to FAILING"); len(got) != 1 || !strings.Contains(got[0], "custom error flag") {
		t.Errorf("failures logged: %q", got)
	}
	// the ERROR line is set aside rather than failing every run
	letters := readDeadLetters(t, filepath.Join(ts.stateDir, "sock", "dead_letter.jsonl"))
	if len(letters) != 1 || letters[0].Record != "[ERROR]" || !strings.Contains(letters[0].Error, "custom error flag") {
		t.Errorf("dead letters %+v, want the ERROR line", letters)
	}
	// once a checkpoint covers every line, the log holds none
	waitUntil(t, "the source log to be trimmed", func() bool { return len(logRecords(t, store)) == 0 })

	job.Cancel()
	waitJob(t, job)
	if job.State() != JobCanceled {
		t.Errorf("job %s (err %v), want CANCELED", job.State(), job.Err())
	}
}

// A job with a logged socket, cancelled with its checkpoints retained (or
// killed), resumes in a later run: lines the new run receives are counted,
// on top of the restored counts.
func TestSocketSourceLogResumesInLaterRun(t *testing.T) {
	srv := newLineServer(t)
	// one aggregate subtask: changes reach the sink in the order of lines
	ts := newTestSession(t, sessionOpts{settings: map[string]string{"parallelism": "1"}})
	query := fmt.Sprintf(socketWordCount, srv.addr()) +
		" WITH (job_name = 'later', checkpoint_interval = '20ms', source_log = 'on', checkpoint_retention = 'retain_on_cancellation')"

	job1 := ts.submit(query)
	c1 := srv.accept()
	write(t, c1, "a\nb\n")
	waitResult(t, ts, job1, 0, "a=1 b=1")
	store := jobStore(t, job1)
	waitUntil(t, "the source log to be trimmed", func() bool { return len(logRecords(t, store)) == 0 })
	job1.Cancel()
	waitJob(t, job1)
	if m := latestRetained(t, ts.stateDir, "later"); sourcePosition(t, m) != 2 {
		t.Fatalf("the retained checkpoint is at line %d of the log, want 2", sourcePosition(t, m))
	}

	n := ts.sinkCount()
	job2 := ts.submit(query)
	c2 := srv.accept()
	write(t, c2, "a\nc\nd\ne\n")
	waitUntil(t, "the second run to count e", func() bool {
		if job2.State().Terminal() {
			t.Fatalf("job %s: %v", job2.State(), job2.Err())
		}
		for _, s := range ts.sinksSince(n) {
			if _, ok := firstChanges(t, s.Changes())["e"]; ok {
				return true
			}
		}
		return false
	})
	job2.Cancel()
	waitJob(t, job2)
	// e is the last line: by its change every line's is there
	changes := ts.sinksSince(n)[0].Changes()
	if got, want := formatMap(lastValues(t, changes)), "a=2 c=1 d=1 e=1"; got != want {
		t.Errorf("after the second run the result is %s, want %s (changes %v)", got, want, changes)
	}
	if got := firstChanges(t, changes)["a"]; got != "-U[a, 1]" {
		t.Errorf("the second run's first change of a is %s, want -U[a, 1]", got)
	}
}

// Every retained checkpoint can be restored (restore = '<id>'): the source
// log keeps the lines a retained checkpoint has not covered, not only
// those after the latest.
func TestSocketSourceLogKeepsLinesOfRetainedCheckpoints(t *testing.T) {
	srv := newLineServer(t)
	ts := newTestSession(t, sessionOpts{settings: map[string]string{"parallelism": "1"}})
	// a checkpoint after every line, and only then
	ts.sess.SetTesting(Testing{CheckpointEveryBatch: true})
	query := fmt.Sprintf(socketWordCount, srv.addr()) + " WITH (job_name = 'retained', checkpoint_interval = '1h', source_log = 'on', " +
		"checkpoints_retained = '3', checkpoint_retention = 'retain_on_cancellation'%s)"

	job1 := ts.submit(fmt.Sprintf(query, ""))
	c1 := srv.accept()
	for i, line := range []string{"a", "b", "c"} {
		write(t, c1, line+"\n")
		waitUntil(t, fmt.Sprintf("a checkpoint after line %d", i+1), func() bool {
			if job1.State().Terminal() {
				t.Fatalf("job %s: %v", job1.State(), job1.Err())
			}
			m := job1.Info().LastCheckpoint
			return m != nil && sourcePosition(t, *m) == uint64(i+1)
		})
	}
	job1.Cancel()
	waitJob(t, job1)
	cps := retainedCheckpoints(t, ts.stateDir, "retained")
	if len(cps) != 3 || sourcePosition(t, cps[0]) != 1 {
		t.Fatalf("%d checkpoints retained, the oldest at line %d; want 3, from line 1", len(cps), sourcePosition(t, cps[0]))
	}

	n := ts.sinkCount()
	job2 := ts.submit(fmt.Sprintf(query, fmt.Sprintf(", restore = '%d'", cps[0].ID)))
	c2 := srv.accept()
	write(t, c2, "d\n")
	waitUntil(t, "the second run to count d", func() bool {
		if job2.State().Terminal() {
			t.Fatalf("job %s: %v", job2.State(), job2.Err())
		}
		for _, s := range ts.sinksSince(n) {
			if _, ok := firstChanges(t, s.Changes())["d"]; ok {
				return true
			}
		}
		return false
	})
	job2.Cancel()
	waitJob(t, job2)
	// d is the last line: by its change every line's is there
	changes := ts.sinksSince(n)[0].Changes()
	if got, want := formatMap(lastValues(t, changes)), "b=1 c=1 d=1"; got != want {
		t.Errorf("resumed from the checkpoint after line 1, the run's changes fold to %s, want %s (changes %v)", got, want, changes)
	}
}

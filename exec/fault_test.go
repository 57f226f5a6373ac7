package exec

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/streamsql/streamsql/statestore"
)

// The fault tests of docs/reliability.md: what the engine does when its
// surroundings fail — the server it reads from, the disk it checkpoints
// to, the state on that disk.

// waitLog waits until a log line contains substr, and returns it.
func waitLog(t *testing.T, h *recordingHandler, substr string) string {
	t.Helper()
	var line string
	waitUntil(t, fmt.Sprintf("a log line with %q", substr), func() bool {
		if got := h.matching(substr); len(got) > 0 {
			line = got[0]
			return true
		}
		return false
	})
	return line
}

// A server that is not there when the job starts is retried max_retries
// times; the run then fails, and the restart strategy runs it again; when
// the strategy gives up, the job ends FAILED with an error that says what
// it could not connect to and why.
func TestSocketServerAbsentExhaustsRestarts(t *testing.T) {
	addr := closedPort(t)
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{log: slog.New(h)})
	ts.mustExec(fmt.Sprintf("CREATE SOURCE s WITH (connector = 'socket', address = '%s', max_retries = '1')", addr))
	res, err := ts.exec("SELECT line FROM s WITH (restart = 'fixed-delay(2, 0s)')")
	want := "s: cannot connect after 2 attempts: "
	if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v, want an error starting %q that wraps ECONNREFUSED", err, want)
	}
	info := res.Job.Info()
	if info.State != JobFailed || info.Restarts != 2 {
		t.Errorf("job %s after %d restarts; want FAILED after 2", info.State, info.Restarts)
	}
	if got := h.matching("cannot connect (connection refused); retrying"); len(got) != 3 {
		t.Errorf("%d retries logged, want one per run: %q", len(got), got)
	}
	waitLog(t, h, "cannot restart: the restart strategy fixed-delay(2, 0s) allows no more")
}

// A server that comes up while the job is restarting is connected to, and
// the job runs on.
func TestSocketServerAppearsWithinRestarts(t *testing.T) {
	addr := closedPort(t)
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{log: slog.New(h)})
	ts.mustExec(fmt.Sprintf("CREATE SOURCE s WITH (connector = 'socket', address = '%s', max_retries = '0')", addr))
	job := ts.submit("SELECT line FROM s WITH (restart = 'fixed-delay(3, 1s)')")
	// The first run fails at once; the server comes up during the second's
	// one-second delay.
	waitLog(t, h, "restarts in 1s: restart 1 of 3")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &lineServer{t: t, ln: ln.(*net.TCPListener)}
	t.Cleanup(func() { ln.Close() })
	c := srv.accept()
	write(t, c, "hello\n")
	if got := ts.waitForSink(t).waitFor(t, 1); got[0] != "+I[hello]" {
		t.Errorf("changes %v", got)
	}
	if info := job.Info(); info.State != JobRunning || info.Restarts != 1 {
		t.Errorf("job %s after %d restarts; want RUNNING after 1", info.State, info.Restarts)
	}
	job.Cancel()
	waitJob(t, job)
	if job.State() != JobCanceled {
		t.Errorf("job %s, want CANCELED", job.State())
	}
}

const failingCheckpointsQuery = "SELECT word, COUNT(*) AS cnt FROM SOCKET('%s') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word " +
	"WITH (job_name = 'wc', checkpoint_interval = '20ms', parallelism = 1, checkpoint_retention = 'retain_on_cancellation')"

// When the state's disk fails while the job runs — here through the
// store's test seam, as an I/O error on every write; TestDiskFull* in
// cmd/streamsql fills a real disk — each checkpoint fails, with a
// warning, and the job goes on processing. The checkpoint before the
// failures stays intact: a job stopped while they fail resumes from it.
// Once the disk works again the next checkpoint holds every change made
// meanwhile.
func TestCheckpointWriteFailureJobGoesOn(t *testing.T) {
	for _, recover := range []bool{false, true} {
		t.Run(fmt.Sprintf("recovers=%v", recover), func(t *testing.T) {
			var failing atomic.Bool
			fault := statestore.WithWriteFault(func(what string) error {
				if failing.Load() && (what == "begin" || what == "put" || what == "commit") {
					return &os.PathError{Op: "write", Path: "state", Err: syscall.EIO}
				}
				return nil
			})
			h := &recordingHandler{}
			srv := newLineServer(t)
			ts := newTestSession(t, sessionOpts{log: slog.New(h)})
			ts.sess.SetTesting(Testing{StoreOptions: []statestore.Option{fault}})
			query := fmt.Sprintf(failingCheckpointsQuery, srv.addr())
			job := ts.submit(query)
			c := srv.accept()
			write(t, c, "a b\n")
			sink := ts.waitForSink(t)
			sink.waitFor(t, 2)
			var seen int64
			if m := job.Info().LastCheckpoint; m != nil {
				seen = m.ID
			}
			// the one in progress when the line arrived may not hold it
			before := waitCheckpoint(t, job, seen+1)

			failing.Store(true)
			waitUntil(t, "checkpoints to fail", func() bool { return job.Info().FailedCheckpoints >= 2 })
			last := job.Info().LastCheckpoint.ID
			failed := job.Info().FailedCheckpoints
			write(t, c, "a c\n")
			if got := strings.Join(sink.waitFor(t, 5)[2:], " "); got != "-U[a, 1] +U[a, 2] +I[c, 1]" {
				t.Errorf("while checkpoints fail the job produced %s", got)
			}
			waitUntil(t, "more checkpoints to fail", func() bool { return job.Info().FailedCheckpoints >= failed+3 })
			info := job.Info()
			if info.State != JobRunning || info.LastCheckpoint.ID != last {
				t.Fatalf("while checkpoints fail: job %s, latest checkpoint %d; want RUNNING, %d", info.State, info.LastCheckpoint.ID, last)
			}
			if !errors.Is(info.CheckpointError, syscall.EIO) {
				t.Errorf("the job's checkpoint error is %v, want the disk's", info.CheckpointError)
			}
			warning := waitLog(t, h, "input/output error; the job goes on")
			if !strings.Contains(warning, fmt.Sprintf("checkpoint %d stays the latest", last)) {
				t.Errorf("the warning does not say which checkpoint stays: %s", warning)
			}

			want := "-U[a, 1] +U[a, 2]" // resumed from the checkpoint before the failures
			if recover {
				failing.Store(false)
				waitCheckpoint(t, job, last)
				waitLog(t, h, "that failed")
				want = "-U[a, 2] +U[a, 3]" // the changes made meanwhile are in the state
			} else if last != before.ID {
				t.Fatalf("a checkpoint (%d) completed after the failures began", last)
			}
			job.Cancel()
			waitJob(t, job)

			job = ts.submit(query)
			c = srv.accept()
			write(t, c, "a\n")
			if got := strings.Join(ts.waitForSink(t).waitFor(t, 2), " "); got != want {
				t.Errorf("the resumed job produced %s, want %s", got, want)
			}
			job.Cancel()
			waitJob(t, job)
		})
	}
}

// A state_dir that cannot be written fails a job that checkpoints at its
// start, naming the directory and the reason — and no contents of the
// file that is in the way.
func TestStateDirUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("SECRET CONTENT\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{"under a file": filepath.Join(file, "state")}
	ro := t.TempDir()
	if err := syscall.Mount("tmpfs", ro, "tmpfs", syscall.MS_RDONLY, "size=1m"); err == nil {
		t.Cleanup(func() { syscall.Unmount(ro, syscall.MNT_DETACH) })
		dirs["on a read-only filesystem"] = filepath.Join(ro, "state")
	} else {
		t.Logf("not testing a read-only filesystem: cannot mount one (%v)", err)
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			ts := newTestSession(t, sessionOpts{})
			_, err := ts.exec(fmt.Sprintf("SELECT COUNT(*) AS n FROM GENERATE_SERIES(1, 10) "+
				"WITH (job_name = 'j', checkpoint_interval = '1s', state_dir = %s)", sqlString(dir)))
			if err == nil {
				t.Fatal("the job ran without the state it checkpoints to")
			}
			if !strings.Contains(err.Error(), dir) || !strings.HasPrefix(err.Error(), "job j: ") {
				t.Errorf("the error does not name the job and the directory: %v", err)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("the error shows a file's contents: %v", err)
			}
		})
	}
}

// bigLines writes lines of n bytes each, the i-th all of the letter
// 'A'+i: a MAX(line) of them is state big enough for Badger's value log.
func bigLines(t *testing.T, dir string, lines, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < lines; i++ {
		b.WriteString(strings.Repeat(string(rune('A'+i)), n))
		b.WriteByte('\n')
	}
	return writeFile(t, dir, "big.txt", b.String())
}

const bigQuery = "SELECT LENGTH(MAX(line)) AS len, SUBSTRING(MAX(line), 1, 1) AS last, COUNT(*) AS n FROM FILE(%s) " +
	"WITH (job_name = 'big', checkpoint_interval = '1h', checkpoints_retained = 3)"

// damageRuns flips a byte in the middle of every run of n bytes of letter
// in the files matching pattern, and returns how many it damaged.
func damageRuns(t *testing.T, pattern string, letter byte, n int) int {
	t.Helper()
	paths, _ := filepath.Glob(pattern)
	damaged := 0
	run := bytes.Repeat([]byte{letter}, n)
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for from := 0; ; {
			i := bytes.Index(b[from:], run)
			if i < 0 {
				break
			}
			b[from+i+n/2] ^= 0x20
			damaged++
			from += i + n
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return damaged
}

// failBigJob runs bigQuery so that it fails after its third record, with a
// checkpoint after each record, leaving checkpoints after the first and
// the second.
func failBigJob(t *testing.T, ts *testSession, input string) {
	t.Helper()
	ts.sess.SetTesting(Testing{BatchRows: 1, CheckpointEveryBatch: true, FailAfterRecords: 3})
	if _, err := ts.exec(fmt.Sprintf(bigQuery, sqlString(input))); err == nil || !errors.Is(err, errInjected) {
		t.Fatalf("the first run: %v, want the injected failure", err)
	}
	ts.sess.SetTesting(Testing{BatchRows: 1})
	if n := len(retainedCheckpoints(t, ts.stateDir, "big")); n != 2 {
		t.Fatalf("the failed run left %d checkpoints, want 2", n)
	}
}

// A checkpoint whose state is damaged on disk — in a value Badger keeps
// in its value log and reads back without a check — is found by its
// checksum when restored; the job falls back to the retained checkpoint
// before it and the result is exactly that of a run without failure. With
// no checkpoint to fall back to, the job fails naming the damaged file.
func TestRestoreFallsBackFromDamagedCheckpoint(t *testing.T) {
	const size = 1200 << 10 // over Badger's 1 MiB value threshold
	input := bigLines(t, t.TempDir(), 5, size)
	straight := newTestSession(t, sessionOpts{print: true, settings: map[string]string{"format": "table"}})
	straight.mustExec(fmt.Sprintf(bigQuery, sqlString(input)))
	want := straight.stdout.String()
	if !strings.Contains(want, "| 1228800 | E    | 5 |") {
		t.Fatalf("the straight run printed\n%s", want)
	}

	t.Run("falls back", func(t *testing.T) {
		h := &recordingHandler{}
		ts := newTestSession(t, sessionOpts{print: true, settings: map[string]string{"format": "table"}, log: slog.New(h)})
		failBigJob(t, ts, input)
		cps := retainedCheckpoints(t, ts.stateDir, "big")
		// the latest checkpoint's MAX(line) is the second line, all B
		if n := damageRuns(t, filepath.Join(ts.stateDir, "big", "db", "*.vlog"), 'B', size); n == 0 {
			t.Fatal("found no state in the value log to damage")
		}
		res := ts.mustExec(fmt.Sprintf(bigQuery, sqlString(input)))
		if got := ts.stdout.String(); !strings.HasSuffix(got, want) {
			t.Errorf("after falling back the job printed\n%s\nwant\n%s", got, want)
		}
		line := waitLog(t, h, "falls back to checkpoint")
		for _, part := range []string{fmt.Sprintf("cannot restore checkpoint %d", cps[1].ID), "fails its checksum", ".vlog",
			fmt.Sprintf("falls back to checkpoint %d", cps[0].ID)} {
			if !strings.Contains(line, part) {
				t.Errorf("the warning has no %q: %s", part, line)
			}
		}
		if info := res.Job.Info(); info.Restarts != 0 || info.Restores != 1 {
			t.Errorf("%d restarts and %d restores; falling back is one restore and no restart", info.Restarts, info.Restores)
		}
	})

	t.Run("nothing to fall back to", func(t *testing.T) {
		ts := newTestSession(t, sessionOpts{print: true, settings: map[string]string{"format": "table"}})
		failBigJob(t, ts, input)
		// both checkpoints read a damaged value
		if damageRuns(t, filepath.Join(ts.stateDir, "big", "db", "*.vlog"), 'A', size) == 0 ||
			damageRuns(t, filepath.Join(ts.stateDir, "big", "db", "*.vlog"), 'B', size) == 0 {
			t.Fatal("found no state in the value log to damage")
		}
		_, err := ts.exec(fmt.Sprintf(bigQuery, sqlString(input)))
		if !errors.Is(err, statestore.ErrCorrupt) || !strings.Contains(err.Error(), filepath.Join(ts.stateDir, "big", "db")) {
			t.Fatalf("got %v, want the damage, naming the file", err)
		}
	})
}

// A table file of the state damaged on disk is found by its checksum
// before anything reads it: the job fails naming the file and how to start
// fresh, and starting fresh (restore = 'none') works.
func TestDamagedStateFailsNamingFile(t *testing.T) {
	input := bigLines(t, t.TempDir(), 5, 1000)
	ts := newTestSession(t, sessionOpts{print: true, settings: map[string]string{"format": "table"}})
	failBigJob(t, ts, input)
	tables, _ := filepath.Glob(filepath.Join(ts.stateDir, "big", "db", "*.sst"))
	if len(tables) == 0 {
		t.Fatal("the state has no table file to damage")
	}
	b, err := os.ReadFile(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/3] ^= 0x55
	if err := os.WriteFile(tables[0], b, 0o600); err != nil {
		t.Fatal(err)
	}

	_, err = ts.exec(fmt.Sprintf(bigQuery, sqlString(input)))
	if !errors.Is(err, statestore.ErrCorrupt) || !strings.Contains(err.Error(), tables[0]) ||
		!strings.Contains(err.Error(), "restore = 'none'") {
		t.Fatalf("got %v, want the damage, naming %s and how to start fresh", err, tables[0])
	}
	ts.mustExec(fmt.Sprintf(strings.Replace(bigQuery, "checkpoints_retained = 3", "restore = 'none'", 1), sqlString(input)))
	if got := ts.stdout.String(); !strings.Contains(got, "| 1000 | E    | 5 |") {
		t.Errorf("starting fresh printed\n%s", got)
	}
}

package exec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// hiddenFiles returns the files a file sink keeps beside its target while
// it commits in two phases (.name.inprogress, .name.pending-N).
func hiddenFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// foldWordCounts checks that text is a whole csv changelog of a word count
// (header op,word,n, then complete lines in which every -U takes back the
// current count of its word) and returns the counts it ends with.
func foldWordCounts(text string) (map[string]int64, error) {
	counts := map[string]int64{}
	if text == "" {
		return counts, nil
	}
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("the file ends inside a line: %q", text[max(0, len(text)-40):])
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if lines[0] != "op,word,n" {
		return nil, fmt.Errorf("the file starts %q, want the header op,word,n", lines[0])
	}
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d %q has %d fields, want 3", i+2, line, len(f))
		}
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %v", i+2, line, err)
		}
		cur, seen := counts[f[1]]
		switch f[0] {
		case "+I":
			if seen || n != 1 {
				return nil, fmt.Errorf("line %d %q inserts a word counted %d", i+2, line, cur)
			}
			counts[f[1]] = n
		case "-U":
			if !seen || n != cur {
				return nil, fmt.Errorf("line %d %q takes back %d, but the count is %d", i+2, line, n, cur)
			}
		case "+U":
			if n != cur+1 {
				return nil, fmt.Errorf("line %d %q follows the count %d", i+2, line, cur)
			}
			counts[f[1]] = n
		default:
			return nil, fmt.Errorf("line %d %q: unknown op", i+2, line)
		}
	}
	return counts, nil
}

func sumCounts(counts map[string]int64) int64 {
	var sum int64
	for _, n := range counts {
		sum += n
	}
	return sum
}

// With checkpoints, a failure and a restart leave the file sink's file
// byte for byte as a run without failure writes it: changes written after
// the restored checkpoint are discarded and written again once.
func TestFileSinkExactlyOnceAcrossFailure(t *testing.T) {
	const query = "INSERT INTO out SELECT n % 3 AS k, COUNT(*) AS c, SUM(n) AS s FROM GENERATE_SERIES(1, 30) AS g(n) GROUP BY n % 3"
	const checkpointing = " WITH (job_name = 'fs', checkpoint_interval = '50ms', restart = 'fixed-delay(1, 0s)')"
	run := func(t *testing.T, hooks Testing, with string) (string, *Job) {
		t.Helper()
		ts := newTestSession(t, sessionOpts{settings: map[string]string{"parallelism": "1"}})
		ts.sess.SetTesting(hooks)
		dir := t.TempDir()
		path := filepath.Join(dir, "out.csv")
		ts.mustExec(fmt.Sprintf("CREATE SINK out WITH (connector = 'file', path = %s, format = 'csv')", sqlString(path)))
		res := ts.mustExec(query + with)
		if hidden := hiddenFiles(t, dir); len(hidden) > 0 {
			t.Errorf("the finished job left %v beside its file", hidden)
		}
		return readFile(t, path), res.Job
	}
	want, _ := run(t, Testing{}, "")
	if !strings.HasPrefix(want, "op,k,c,s\n+I,1,1,1\n") || !strings.HasSuffix(want, "+U,0,10,165\n") {
		t.Fatalf("the straight run wrote\n%s", want)
	}
	if got, _ := run(t, Testing{BatchRows: 1, CheckpointEveryBatch: true}, checkpointing); got != want {
		t.Errorf("with checkpoints and no failure the file is\n%s\nwant\n%s", got, want)
	}
	for _, k := range []int64{1, 2, 17, 30} {
		t.Run(fmt.Sprintf("fail after %d", k), func(t *testing.T) {
			got, job := run(t, Testing{BatchRows: 1, CheckpointEveryBatch: true, FailAfterRecords: k}, checkpointing)
			if got != want {
				t.Errorf("after a failure and a restart the file is\n%s\nwant\n%s", got, want)
			}
			if info := job.Info(); info.State != JobFinished || info.Restarts != 1 {
				t.Errorf("job %s with %d restarts, want FINISHED and 1", info.State, info.Restarts)
			}
		})
	}
}

// While a checkpointing job runs, its file holds only what completed
// checkpoints committed: whole lines, a consistent changelog, ending at a
// batch boundary (the barriers come between batches). Once the job is
// cancelled the file holds everything the job read.
func TestFileSinkShowsOnlyCommittedCheckpoints(t *testing.T) {
	const batch = 7
	ts := newTestSession(t, sessionOpts{})
	ts.sess.SetTesting(Testing{BatchRows: batch})
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	ts.mustExec(fmt.Sprintf("CREATE SINK out WITH (connector = 'file', path = %s, format = 'csv')", sqlString(path)))
	job := ts.submit("INSERT INTO out " + wordCount + " WITH (job_name = 'live', checkpoint_interval = '5ms')")

	seen := map[int64]bool{} // the totals the file has shown
	reads := 0
	waitUntil(t, "the file to show five checkpoints", func() bool {
		if job.State().Terminal() {
			t.Fatalf("job %s: %v", job.State(), job.Err())
		}
		b, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		reads++
		counts, err := foldWordCounts(string(b))
		if err != nil {
			t.Fatalf("read %d of the file while the job runs: %v", reads, err)
		}
		total := sumCounts(counts)
		if total%batch != 0 {
			t.Fatalf("read %d: the file counts %d lines, not a whole number of %d-line batches", reads, total, batch)
		}
		if total > 0 {
			seen[total] = true
		}
		return len(seen) >= 5
	})
	if hidden := hiddenFiles(t, dir); len(hidden) == 0 {
		t.Error("no in-progress or pending file beside the target while the job runs")
	}
	job.Cancel()
	waitJob(t, job)
	if job.State() != JobCanceled {
		t.Fatalf("job %s (err %v), want CANCELED", job.State(), job.Err())
	}
	counts, err := foldWordCounts(readFile(t, path))
	if err != nil {
		t.Fatalf("after the cancel: %v", err)
	}
	if total, in := sumCounts(counts), job.Info().RecordsIn; total != in {
		t.Errorf("after the cancel the file counts %d lines, the job read %d", total, in)
	}
	if hidden := hiddenFiles(t, dir); len(hidden) > 0 {
		t.Errorf("the cancelled job left %v beside its file", hidden)
	}
}

// A job that writes a file sink, cancelled with its checkpoints retained,
// resumes: the next run cuts the file back to the checkpoint and goes on,
// so that the file holds each change once.
func TestFileSinkResumesRetainedCheckpoint(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	ts.sess.SetTesting(Testing{BatchRows: 7})
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	ts.mustExec(fmt.Sprintf("CREATE SINK out WITH (connector = 'file', path = %s, format = 'csv')", sqlString(path)))
	query := "INSERT INTO out " + wordCount +
		" WITH (job_name = 'again', checkpoint_interval = '10ms', checkpoint_retention = 'retain_on_cancellation')"

	job1 := ts.submit(query)
	waitCheckpoint(t, job1, 0)
	job1.Cancel()
	waitJob(t, job1)
	m := latestRetained(t, ts.stateDir, "again")
	restored := sourcePosition(t, m)

	job2 := ts.submit(query)
	waitCheckpoint(t, job2, m.ID)
	job2.Cancel()
	waitJob(t, job2)
	if info := job2.Info(); info.State != JobCanceled || info.Restores != 1 {
		t.Fatalf("the second run is %s (err %v) with %d restores, want CANCELED and 1", info.State, info.Err, info.Restores)
	}
	counts, err := foldWordCounts(readFile(t, path))
	if err != nil {
		t.Fatalf("after the second run: %v", err)
	}
	// the first run's lines up to the checkpoint, then the second run's
	if total, want := sumCounts(counts), int64(restored)+job2.Info().RecordsIn; total != want {
		t.Errorf("the file counts %d lines, want %d (%d restored + %d read by the second run)", total, want, restored, job2.Info().RecordsIn)
	}
}

// A run that does not resume from a checkpoint replaces the file, and
// removes what an earlier run left beside it.
func TestFileSinkFreshRunTruncates(t *testing.T) {
	ts := newTestSession(t, sessionOpts{settings: map[string]string{"parallelism": "1"}})
	dir := t.TempDir()
	path := writeFile(t, dir, "out.csv", strings.Repeat("old contents that are longer than the new ones\n", 10))
	writeFile(t, dir, ".out.csv.inprogress", "+I,9,9\n")
	writeFile(t, dir, ".out.csv.pending-3", "+I,8,8\n")
	ts.mustExec(fmt.Sprintf("CREATE SINK out WITH (connector = 'file', path = %s)", sqlString(path)))
	ts.mustExec("INSERT INTO out SELECT n FROM GENERATE_SERIES(7, 8) AS g(n) WITH (checkpoint_interval = '10ms')")
	if got := readFile(t, path); got != "n\n7\n8\n" {
		t.Errorf("the file holds %q", got)
	}
	if hidden := hiddenFiles(t, dir); len(hidden) > 0 {
		t.Errorf("left beside the file: %v", hidden)
	}
}

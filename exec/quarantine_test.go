package exec

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// A record that makes the job fail (here a line CAST cannot read, with
// on_error = 'fail') is quarantined: the job fails once, restarts, skips
// it, and finishes with every other line counted exactly once. The record
// and its error are in the job's dead-letter file.
func TestQuarantinePoisonRecord(t *testing.T) {
	const lines = "1\n2\nthree\n4\n5\n6\n7\n"
	const query = "SELECT CAST(line AS BIGINT) %% 2 AS k, COUNT(*) AS c, SUM(CAST(line AS BIGINT)) AS s FROM FILE(%s) AS f " +
		"GROUP BY CAST(line AS BIGINT) %% 2 WITH (job_name = 'poison', on_error = 'fail', checkpoint_interval = '50ms', restart = 'fixed-delay(1, 0s)')"
	settings := map[string]string{"format": "table"}

	// the result without the poison line
	straight := newTestSession(t, sessionOpts{print: true, settings: settings})
	clean := writeFile(t, t.TempDir(), "clean.txt", strings.Replace(lines, "three\n", "", 1))
	straight.mustExec(fmt.Sprintf(query, sqlString(clean)))
	want := straight.stdout.String()
	if !strings.Contains(want, "| 0 | 3 | 12 |") || !strings.Contains(want, "| 1 | 3 | 13 |") {
		t.Fatalf("the run without the poison line printed\n%s", want)
	}

	for _, tt := range []struct {
		name     string
		hooks    Testing
		restores int
	}{
		// the whole file is one batch: the failure comes before any checkpoint
		{"one batch", Testing{}, 0},
		// a checkpoint after every line: the run after the failure resumes
		// from the one after line 2
		{"checkpoint every line", Testing{BatchRows: 1, CheckpointEveryBatch: true}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &recordingHandler{}
			ts := newTestSession(t, sessionOpts{print: true, settings: settings, log: slog.New(h)})
			ts.sess.SetTesting(tt.hooks)
			path := writeFile(t, t.TempDir(), "lines.txt", lines)
			res, err := ts.exec(fmt.Sprintf(query, sqlString(path)))
			if err != nil {
				t.Fatalf("the job failed: %v", err)
			}
			if got := ts.stdout.String(); got != want {
				t.Errorf("the job printed\n%s\nwant (every line but the poison one, once)\n%s", got, want)
			}
			info := res.Job.Info()
			if info.State != JobFinished || info.Restarts != 1 || info.Restores != tt.restores {
				t.Errorf("job %s with %d restarts and %d restores, want FINISHED, 1 and %d", info.State, info.Restarts, info.Restores, tt.restores)
			}
			failures := h.matching("switched from RUNNING to FAILING")
			if len(failures) != 1 || !strings.Contains(failures[0], "three") {
				t.Errorf("failures logged: %q; want one, on 'three'", failures)
			}
			if len(h.matching("quarantined the record that made the job fail")) != 1 {
				t.Errorf("the quarantine is not logged once: %q", h.matching("quarantine"))
			}
			letters := readDeadLetters(t, filepath.Join(ts.stateDir, "poison", "dead_letter.jsonl"))
			if len(letters) != 1 || letters[0].Record != "[three]" || !strings.Contains(letters[0].Error, "three") ||
				!strings.Contains(letters[0].Error, "BIGINT") {
				t.Errorf("dead letters %+v, want the line three with its CAST error", letters)
			}
		})
	}
}

// Quarantined records are kept with the job's state: when the restarts
// run out (a second poison record) the job fails, keeping its checkpoints
// and what it set aside, and running it again resumes and skips both
// records, so that the runs together count every other line once.
func TestQuarantineSkippedByLaterRun(t *testing.T) {
	const query = "SELECT CAST(line AS BIGINT) %% 2 AS k, COUNT(*) AS c, SUM(CAST(line AS BIGINT)) AS s FROM FILE(%s) AS f " +
		"GROUP BY CAST(line AS BIGINT) %% 2 WITH (job_name = 'later', checkpoint_interval = '50ms', restart = 'fixed-delay(1, 0s)')"
	h := &recordingHandler{}
	ts := newTestSession(t, sessionOpts{print: true, settings: map[string]string{"format": "table"}, log: slog.New(h)})
	ts.sess.SetTesting(Testing{BatchRows: 1, CheckpointEveryBatch: true})
	path := writeFile(t, t.TempDir(), "lines.txt", "1\n2\nthree\n4\nfive\n6\n7\n")
	sql := fmt.Sprintf(query, sqlString(path))
	res, err := ts.exec(sql)
	if err == nil || !strings.Contains(err.Error(), "five") {
		t.Fatalf("the first run: %v, want it to fail on 'five' after a restart", err)
	}
	if info := res.Job.Info(); info.Restarts != 1 {
		t.Errorf("the first run restarted %d times, want 1", info.Restarts)
	}
	if n := len(h.matching("quarantined the record that made the job fail")); n != 2 {
		t.Errorf("%d records quarantined, want 2", n)
	}
	res, err = ts.exec(sql)
	if err != nil {
		t.Fatalf("the second run: %v", err)
	}
	want := "+---+---+----+\n| k | c | s  |\n+---+---+----+\n| 0 | 3 | 12 |\n| 1 | 2 |  8 |\n+---+---+----+\n(2 rows)\n"
	if got := ts.stdout.String(); got != want {
		t.Errorf("the second run printed\n%s\nwant\n%s", got, want)
	}
	if info := res.Job.Info(); info.State != JobFinished || info.Restores != 1 || info.Restarts != 0 {
		t.Errorf("the second run is %s with %d restores and %d restarts, want FINISHED, 1 and 0", info.State, info.Restores, info.Restarts)
	}
	letters := readDeadLetters(t, filepath.Join(ts.stateDir, "later", "dead_letter.jsonl"))
	if len(letters) != 2 || letters[0].Record != "[three]" || letters[1].Record != "[five]" {
		t.Errorf("dead letters %+v, want three and five", letters)
	}
}

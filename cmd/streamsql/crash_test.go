package main_test

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/streamsql/streamsql/internal/testbin"
)

// -crashloop runs TestKillAndResume at full size (1,000,000 lines);
// without it the same 20 kills hit a run of 100,000 lines, which keeps
// make test quick.
var crashLoop = flag.Bool("crashloop", false, "run the kill -9 loop on 1,000,000 lines")

const crashScript = `
CREATE SINK counts WITH (connector = 'file', path = 'out/counts.csv', format = 'csv');
INSERT INTO counts SELECT word, COUNT(*) AS cnt FROM FILE('words.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
WITH (job_name = 'wc_sink', checkpoint_interval = '200ms', parallelism = 1);
SELECT word, COUNT(*) AS cnt FROM FILE('words.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
WITH (job_name = 'wc_table', checkpoint_interval = '200ms', parallelism = 2, format = 'table');
`

// TestKillAndResume kills a word count with SIGKILL at 20 random moments,
// running it again after each, then lets it complete. Every other kill
// waits for a checkpoint to be triggered and lands inside it (the log
// tells whether it did: the checkpoint never completed). Each run resumes
// from the latest retained checkpoint, so the output must be exactly that
// of a run without failures: the file sink's changelog byte for byte (it
// commits in two phases, at parallelism 1 its changelog is deterministic)
// and the final table.
func TestKillAndResume(t *testing.T) {
	const kills = 20
	lines := 100_000
	if *crashLoop {
		lines = 1_000_000
	}
	if testing.Short() {
		t.Skip("kills and restarts the binary repeatedly")
	}
	input := filepath.Join(t.TempDir(), "words.txt")
	writeWords(t, input, lines)

	start := time.Now()
	reference := runToEnd(t, input)
	// A kill comes on average after a twentieth of an uninterrupted run,
	// so that the kills spread over the whole job rather than its start.
	window := 2 * time.Since(start) / kills

	dir := prepare(t, input)
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	var log strings.Builder
	killed, inside := 0, 0
	for run := 1; killed < kills; run++ {
		if run > 3*kills {
			t.Fatalf("only %d kills in %d runs: the runs keep completing first\n%s", killed, run-1, log.String())
		}
		wait := time.Duration(rng.Int63n(int64(window)))
		r := runAndKill(t, dir, wait, run%2 == 0)
		if !r.killed {
			fmt.Fprintf(&log, "run %d: completed before the kill\n", run)
			continue
		}
		killed++
		where := "between checkpoints"
		if r.checkpoint != "" {
			where = "inside checkpoint " + r.checkpoint
			inside++
		}
		fmt.Fprintf(&log, "run %d: killed %s, %s\n", run, r.how, where)
	}
	final := streamsql(t, dir, "warn")
	var stdout, stderr strings.Builder
	final.Stdout, final.Stderr = &stdout, &stderr
	if err := final.Run(); err != nil {
		t.Fatalf("the last run failed: %v\n%s", err, stderr.String())
	}
	t.Logf("%d lines, %d kills, %d of them inside a checkpoint:\n%s", lines, killed, inside, log.String())
	if inside == 0 {
		t.Errorf("no kill landed inside a checkpoint")
	}
	if diff := cmp.Diff(reference.table, stdout.String()); diff != "" {
		t.Errorf("the final table differs from an uninterrupted run's (-want +got):\n%s", diff)
	}
	got, err := os.ReadFile(filepath.Join(dir, "out", "counts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != reference.file {
		t.Errorf("the sink's file (%d bytes) differs from an uninterrupted run's (%d bytes); first difference at byte %d",
			len(got), len(reference.file), firstDifference(string(got), reference.file))
	}
}

// killResult is what became of one run of runAndKill.
type killResult struct {
	killed     bool   // false: the run completed before the kill
	how        string // when the kill came
	checkpoint string // the id of the checkpoint the kill interrupted, if any
}

// runAndKill runs the script in dir and kills it with SIGKILL after wait
// — or, atCheckpoint, as soon as a checkpoint is triggered after wait.
func runAndKill(t *testing.T, dir string, wait time.Duration, atCheckpoint bool) killResult {
	t.Helper()
	cmd := streamsql(t, dir, "debug")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	triggered := make(chan struct{}, 1)
	var stderrText strings.Builder
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			stderrText.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Triggering checkpoint") {
				select {
				case triggered <- struct{}{}:
				default:
				}
			}
		}
	}()
	done := make(chan error, 1)
	go func() {
		<-scanned // Wait closes the pipe: read it to the end first
		done <- cmd.Wait()
	}()
	kill := func(how string) killResult {
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		r := killResult{killed: true, how: how}
		if id, ok := killedInsideCheckpoint(stderrText.String()); ok {
			r.checkpoint = id
		}
		return r
	}
	timer := time.After(wait)
	after := wait.Round(time.Millisecond).String()
	for {
		select {
		case <-timer:
			if !atCheckpoint {
				return kill("after " + after)
			}
			timer = nil
			for len(triggered) > 0 {
				<-triggered // only a checkpoint triggered from now on
			}
		case <-triggered:
			if atCheckpoint && timer == nil {
				return kill("at a checkpoint after " + after)
			}
		case err := <-done:
			if err != nil {
				t.Fatalf("a run failed by itself: %v\n%s", err, stderrText.String())
			}
			return killResult{}
		}
	}
}

// killedInsideCheckpoint reports whether a killed run's log shows a
// checkpoint triggered and neither completed nor aborted: the kill came
// while it was being taken.
func killedInsideCheckpoint(log string) (string, bool) {
	m := regexp.MustCompile(`Triggering checkpoint (\d+)`).FindAllStringSubmatchIndex(log, -1)
	if m == nil {
		return "", false
	}
	last := m[len(m)-1]
	id, after := log[last[2]:last[3]], log[last[1]:]
	// ids start again in each job of the script: look after the trigger
	ended := strings.Contains(after, "Completed checkpoint "+id+" ") || strings.Contains(after, "Checkpoint "+id+" of job")
	return id, !ended
}

type output struct{ table, file string }

func runToEnd(t *testing.T, input string) output {
	dir := prepare(t, input)
	cmd := streamsql(t, dir, "warn")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the uninterrupted run failed: %v\n%s", err, stderr.String())
	}
	file, err := os.ReadFile(filepath.Join(dir, "out", "counts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return output{table: stdout.String(), file: string(file)}
}

// prepare makes a working directory with the script and the input.
func prepare(t *testing.T, input string) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "job.sql"), []byte(crashScript), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(input, filepath.Join(dir, "words.txt")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func streamsql(t *testing.T, dir, logLevel string) *exec.Cmd {
	cmd := exec.Command(testbin.Path(t), "--log-level", logLevel, "-f", "job.sql")
	cmd.Dir = dir
	return cmd
}

// writeWords writes n lines of 8 words drawn from 100,000 with a Zipf law
// (so that checkpoints have many keys to write, and take a while),
// from a fixed seed.
func writeWords(t *testing.T, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewSource(42))
	zipf := rand.NewZipf(rng, 1.1, 1, 99_999)
	for i := 0; i < n; i++ {
		for j := 0; j < 8; j++ {
			if j > 0 {
				w.WriteByte(' ')
			}
			fmt.Fprintf(w, "w%d", zipf.Uint64())
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func firstDifference(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

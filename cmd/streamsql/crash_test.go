package main_test

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/streamsql/streamsql/internal/testbin"
)

// -crashloop runs TestKillAndResume at full size (1,000,000 lines, 10
// kills); without it a smaller run keeps make test quick.
var crashLoop = flag.Bool("crashloop", false, "run the kill -9 loop on 1,000,000 lines with 10 kills")

const crashScript = `
CREATE SINK counts WITH (connector = 'file', path = 'out/counts.csv', format = 'csv');
INSERT INTO counts
SELECT word, COUNT(*) AS cnt FROM FILE('words.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
WITH (job_name = 'wc_file', checkpoint_interval = '200ms', parallelism = 1);
SELECT word, COUNT(*) AS cnt FROM FILE('words.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
WITH (job_name = 'wc_table', checkpoint_interval = '200ms', parallelism = 2, format = 'table');
`

// TestKillAndResume kills a word count with SIGKILL at random moments and
// runs it again each time, until it completes. Each run resumes from the
// latest retained checkpoint, so the output must be exactly that of a run
// without failures: the file sink's changelog byte for byte (it commits in
// two phases, at parallelism 1 its changelog is deterministic) and the
// final table.
func TestKillAndResume(t *testing.T) {
	lines, kills, window := 100_000, 4, 3*time.Second
	if *crashLoop {
		lines, kills, window = 1_000_000, 10, 10*time.Second
	}
	if testing.Short() {
		t.Skip("kills and restarts the binary repeatedly")
	}
	input := filepath.Join(t.TempDir(), "words.txt")
	writeWords(t, input, lines)

	reference := runToEnd(t, input)

	dir := prepare(t, input)
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	var log strings.Builder
	for i := 0; i < kills; i++ {
		cmd := streamsql(t, dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill at a random moment: early, while reading, often inside a
		// checkpoint (one every 200 ms).
		wait := time.Duration(rng.Int63n(int64(window)))
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-time.After(wait):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			fmt.Fprintf(&log, "run %d: killed after %s\n", i+1, wait.Round(time.Millisecond))
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d failed by itself: %v\n%s", i+1, err, stderr.String())
			}
			fmt.Fprintf(&log, "run %d: completed before the kill\n", i+1)
		}
	}
	final := streamsql(t, dir)
	var stdout, stderr strings.Builder
	final.Stdout, final.Stderr = &stdout, &stderr
	if err := final.Run(); err != nil {
		t.Fatalf("the last run failed: %v\n%s", err, stderr.String())
	}
	t.Logf("%d lines, %d kills:\n%s", lines, kills, log.String())
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

type output struct{ table, file string }

func runToEnd(t *testing.T, input string) output {
	dir := prepare(t, input)
	cmd := streamsql(t, dir)
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

func streamsql(t *testing.T, dir string) *exec.Cmd {
	cmd := exec.Command(testbin.Path(t), "--log-level", "warn", "-f", "job.sql")
	cmd.Dir = dir
	return cmd
}

// writeWords writes n lines of 8 words drawn from 2,000 with a Zipf law,
// from a fixed seed.
func writeWords(t *testing.T, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewSource(42))
	zipf := rand.NewZipf(rng, 1.1, 1, 1999)
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

package main_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/streamsql/streamsql/internal/testbin"
)

// modelCase is SPEC §1's query with a shorter restart delay, to keep the
// test quick.
const modelCase = `SELECT word, COUNT(*) AS cnt
FROM SOCKET('%s') AS s
CROSS JOIN UNNEST(SPLIT(s.line, ' ')) AS t(word)
WHERE CASE WHEN s.line = 'ERROR' THEN RAISE_ERROR('custom error flag, restart application') ELSE TRUE END
GROUP BY word
WITH (checkpoint_interval = '200ms', checkpoint_min_pause = '100ms', checkpoint_timeout = '60s',
      checkpoint_retention = 'retain_on_cancellation', restart = 'fixed-delay(3, 1s)', parallelism = 1)`

// logWatch collects a process's log lines and waits for ones to appear.
type logWatch struct {
	mu    sync.Mutex
	lines []string
	seen  int // lines already matched by wait
	ch    chan struct{}
}

func watchLog(r io.Reader) *logWatch {
	w := &logWatch{ch: make(chan struct{}, 1)}
	go func() {
		for l := range readLines(r).ch {
			w.mu.Lock()
			w.lines = append(w.lines, l)
			w.mu.Unlock()
			select {
			case w.ch <- struct{}{}:
			default:
			}
		}
	}()
	return w
}

// wait returns once a line after those already matched contains text.
func (w *logWatch) wait(t *testing.T, text string) {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		w.mu.Lock()
		for i := w.seen; i < len(w.lines); i++ {
			if strings.Contains(w.lines[i], text) {
				w.seen = i + 1
				w.mu.Unlock()
				return
			}
		}
		w.mu.Unlock()
		select {
		case <-w.ch:
		case <-deadline:
			t.Fatalf("the log has no %q after line %d:\n%s", text, w.seen, w.all())
		}
	}
}

func (w *logWatch) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// TestModelCase drives the real binary through SPEC §1, fed by serve-lines:
// counts appear, ERROR fails the job, it restarts from the last checkpoint
// so counting goes on (hello: 3 before the failure, 4 after, not 1), and the
// fourth ERROR exhausts fixed-delay(3, ...) and ends the job FAILED with the
// error on stderr and exit code 1.
func TestModelCase(t *testing.T) {
	addr, feed := startServeLines(t)
	job, stdout, stderr := startJob(t, "--log-level", "debug", "--state-dir", t.TempDir(), "-e", fmt.Sprintf(modelCase, addr))
	out := readLines(stdout)
	log := watchLog(stderr)

	fmt.Fprintln(feed, "hello world")
	fmt.Fprintln(feed, "hello")
	fmt.Fprintln(feed, "hello")
	out.expect(t, "+I[hello, 1]", "+I[world, 1]", "-U[hello, 1]", "+U[hello, 2]", "-U[hello, 2]", "+U[hello, 3]")
	log.wait(t, "Completed checkpoint") // one that has hello at 3

	restarted := func(n int) {
		t.Helper()
		fmt.Fprintln(feed, "ERROR")
		log.wait(t, "switched from RUNNING to FAILED")
		log.wait(t, "switched from RUNNING to FAILING")
		log.wait(t, fmt.Sprintf("restart %d of 3 (fixed-delay(3, 1s))", n))
		log.wait(t, "restores checkpoint")
		log.wait(t, "switched from RESTARTING to RUNNING")
	}
	restarted(1)
	fmt.Fprintln(feed, "hello")
	out.expect(t, "-U[hello, 3]", "+U[hello, 4]")
	log.wait(t, "Completed checkpoint")
	restarted(2)
	restarted(3)
	fmt.Fprintln(feed, "hello")
	out.expect(t, "-U[hello, 4]", "+U[hello, 5]")
	fmt.Fprintln(feed, "ERROR")
	log.wait(t, "cannot restart: the restart strategy fixed-delay(3, 1s) allows no more")
	log.wait(t, "switched from FAILING to FAILED")

	err := job.Wait()
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit code %d (%v), want 1\n%s", code, err, log.all())
	}
	all := log.all()
	for _, want := range []string{
		"switched from CREATED to DEPLOYING",
		"switched from DEPLOYING to RUNNING",
		"switched from RUNNING to FAILED",
		"switched from CANCELING to CANCELED",
		"custom error flag, restart application",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("stderr has no %q", want)
		}
	}
	// the root cause is the last thing the user reads
	lines := strings.Split(strings.TrimSpace(all), "\n")
	if last := lines[len(lines)-2] + lines[len(lines)-1]; !strings.Contains(last, "custom error flag, restart application") {
		t.Errorf("stderr does not end with the root cause:\n%s", strings.Join(lines[max(0, len(lines)-5):], "\n"))
	}
}

// startJob starts the real binary with args and returns it with its stdout
// and stderr; the test kills it if it is still running at the end.
func startJob(t *testing.T, args ...string) (*exec.Cmd, io.Reader, io.Reader) {
	t.Helper()
	job := exec.Command(testbin.Path(t), args...)
	stdout, err := job.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := job.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { job.Process.Kill() })
	return job, stdout, stderr
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// TestSourceLogExactlyOnce feeds a socket word count with source_log on
// through three failures (ERROR lines): every line is counted exactly once
// — none lost from between a checkpoint and a failure, or while the job
// restarts, none counted twice — and each ERROR line is quarantined to the
// dead-letter file instead of failing the job again when it is replayed.
func TestSourceLogExactlyOnce(t *testing.T) {
	addr, feed := startServeLines(t)
	state := t.TempDir()
	query := strings.Replace(fmt.Sprintf(modelCase, addr), "parallelism = 1)",
		"parallelism = 2, source_log = 'on', job_name = 'logged')", 1)
	query = strings.Replace(query, "fixed-delay(3, 1s)", "fixed-delay(3, 100ms)", 1)
	job, stdout, stderr := startJob(t, "--state-dir", state, "-e", query)
	log := watchLog(stderr)

	// A stream of lines, fast enough that each failure strikes between
	// checkpoints, with three poison lines in it.
	want := map[string]int{}
	go func() {
		for i := 0; i < 3000; i++ {
			if i == 700 || i == 1500 || i == 2300 {
				fmt.Fprintln(feed, "ERROR")
			}
			line := fmt.Sprintf("w%d w%d x", i%37, i%11)
			fmt.Fprintln(feed, line)
			if i%100 == 0 {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	for i := 0; i < 3000; i++ {
		want[fmt.Sprintf("w%d", i%37)]++
		want[fmt.Sprintf("w%d", i%11)]++
		want["x"]++
	}

	// The latest value of each key in the changelog is its count.
	current := map[string]string{}
	reached := make(chan bool, 1)
	go func() {
		for l := range readLines(stdout).ch {
			if len(l) < 4 || !strings.HasSuffix(l, "]") {
				continue
			}
			key, value, _ := strings.Cut(l[3:len(l)-1], ", ")
			if l[:2] == "+I" || l[:2] == "+U" {
				current[key] = value
			}
			if len(current) == len(want) && matches(current, want) {
				reached <- true
				return
			}
		}
		reached <- false
	}()
	select {
	case ok := <-reached:
		if !ok {
			t.Fatalf("the output ended before the counts were reached:\n%s", log.all())
		}
	case <-time.After(waitLimit):
		t.Fatalf("the counts did not reach the exact ones; got %v\n%s", current, log.all())
	}
	for i := 1; i <= 3; i++ {
		log.wait(t, fmt.Sprintf("restart %d of 3", i))
	}
	job.Process.Signal(syscall.SIGTERM)
	if err := job.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, log.all())
	}
	dead, err := os.ReadFile(filepath.Join(state, "logged", "dead_letter.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(dead), `"record":"[ERROR]"`); n != 3 {
		t.Errorf("%d quarantined ERROR lines in the dead-letter file, want 3:\n%s", n, dead)
	}
}

func matches(got map[string]string, want map[string]int) bool {
	for k, n := range want {
		if got[k] != strconv.Itoa(n) {
			return false
		}
	}
	return true
}

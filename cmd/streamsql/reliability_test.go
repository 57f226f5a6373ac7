package main_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamsql/streamsql/internal/testbin"
	"github.com/streamsql/streamsql/internal/tmpfs"
)

// The tests of docs/reliability.md that need the real binary: signals in
// the middle of a checkpoint, two processes on one job's state, a disk
// that fills up, the memory a huge line takes.

// writeManyWords writes n lines of 8 words drawn in turn from a vocabulary
// of vocab words, so that every checkpoint has many keys to write.
func writeManyWords(t *testing.T, path string, n, vocab int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := 0; i < n; i++ {
		for j := 0; j < 8; j++ {
			if j > 0 {
				w.WriteByte(' ')
			}
			fmt.Fprintf(w, "w%d", (i*8+j)%vocab)
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

const signalScript = `
CREATE SINK counts WITH (connector = 'file', path = 'out/counts.csv', format = 'csv');
INSERT INTO counts
SELECT word, COUNT(*) AS cnt FROM FILE('words.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
WITH (job_name = 'wc_sig', checkpoint_interval = '100ms', parallelism = 1, checkpoint_retention = 'retain_on_cancellation');
`

// workDir makes a working directory holding script as job.sql and a link
// to input as words.txt.
func workDir(t *testing.T, script, input string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "job.sql"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(input, filepath.Join(dir, "words.txt")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runScript runs job.sql in dir to its end and returns stdout, stderr.
func runScript(t *testing.T, dir string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(testbin.Path(t), append(args, "-f", "job.sql")...)
	cmd.Dir = dir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

var triggeringRE = regexp.MustCompile(`Triggering checkpoint (\d+)`)

// signalInCheckpoint runs job.sql in dir and sends sig as soon as the log
// says checkpoint 2 or later has been triggered. It returns the id of that
// checkpoint, whether the process ended before completing it, its whole
// log and its exit error.
func signalInCheckpoint(t *testing.T, dir string, sig syscall.Signal) (id string, inside bool, log string, err error) {
	t.Helper()
	cmd := exec.Command(testbin.Path(t), "--log-level", "debug", "-f", "job.sql")
	cmd.Dir = dir
	stderr, perr := cmd.StderrPipe()
	if perr != nil {
		t.Fatal(perr)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		all.WriteString(sc.Text() + "\n")
		if m := triggeringRE.FindStringSubmatch(sc.Text()); m != nil && m[1] != "1" && id == "" {
			id = m[1]
			cmd.Process.Signal(sig)
		}
	}
	err = cmd.Wait()
	if id == "" {
		t.Fatalf("the job ended before its second checkpoint:\n%s", all.String())
	}
	log = all.String()
	return id, !strings.Contains(log, "Completed checkpoint "+id+" "), log, err
}

// TestSignalInsideCheckpoint sends SIGKILL, and SIGTERM, to a word count
// while a checkpoint is being taken — big state makes each take a while,
// and the log shows the signal came between its start and its completion.
// SIGKILL leaves the previous checkpoint intact; SIGTERM aborts the one in
// flight, drains and exits 0. Either way a new run resumes from the
// previous checkpoint and its output file is exactly that of a run without
// signals.
func TestSignalInsideCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a word count several times")
	}
	input := filepath.Join(t.TempDir(), "words.txt")
	writeManyWords(t, input, 200_000, 100_000)
	ref := workDir(t, signalScript, input)
	runScript(t, ref, "--log-level", "warn")
	want, err := os.ReadFile(filepath.Join(ref, "out", "counts.csv"))
	if err != nil {
		t.Fatal(err)
	}

	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := workDir(t, signalScript, input)
			var id, log string
			var err error
			inside := false
			// A checkpoint can complete before the signal lands; the run
			// after resumes from it, and the next try signals a later one.
			for try := 0; try < 5 && !inside; try++ {
				id, inside, log, err = signalInCheckpoint(t, dir, sig)
			}
			if !inside {
				t.Fatalf("five signals all came after their checkpoint completed; the last log:\n%s", log)
			}
			switch sig {
			case syscall.SIGKILL:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("the process was not killed: %v\n%s", err, log)
				}
			case syscall.SIGTERM:
				if err != nil {
					t.Fatalf("after SIGTERM: %v, want exit code 0\n%s", err, log)
				}
				if !strings.Contains(log, "Checkpoint "+id+" of job wc_sig aborted") {
					t.Errorf("the log does not say checkpoint %s was aborted:\n%s", id, log)
				}
			}
			_, stderr := runScript(t, dir, "--log-level", "info")
			if !strings.Contains(stderr, "Job wc_sig resumes from checkpoint") {
				t.Errorf("the run after the signal did not resume:\n%s", stderr)
			}
			got, err := os.ReadFile(filepath.Join(dir, "out", "counts.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("the output (%d bytes) differs from a run without signals (%d bytes) from byte %d",
					len(got), len(want), firstDifference(string(got), string(want)))
			}
		})
	}
}

// TestSecondProcessLocked: while a job runs, a second process running the
// same job (same job_name and state_dir) fails with an error naming the
// holder's pid; once the first is killed with SIGKILL, the kernel has
// dropped its lock and the job can run again.
func TestSecondProcessLocked(t *testing.T) {
	state := t.TempDir()
	query := "SELECT COUNT(*) AS n FROM GENERATE_LINES() WITH (job_name = 'same', checkpoint_interval = '1s', parallelism = 1)"
	args := []string{"--log-level", "info", "--state-dir", state, "--format", "table", "-e", query}
	first, _, stderr := startJob(t, args...)
	watchLog(stderr).wait(t, "Job same (1) switched from CREATED to RUNNING")

	second := exec.Command(testbin.Path(t), args...)
	out, err := second.CombinedOutput()
	if code := exitCode(err); code != 1 {
		t.Fatalf("the second process: exit code %d, want 1\n%s", code, out)
	}
	want := fmt.Sprintf("job same: %s is in use by process %d", filepath.Join(state, "same"), first.Process.Pid)
	if !strings.Contains(string(out), want) {
		t.Errorf("the second process said\n%s\nwant it to say %q", out, want)
	}

	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	third, _, stderr := startJob(t, args...)
	watchLog(stderr).wait(t, "Job same (1) switched from CREATED to RUNNING")
	third.Process.Signal(syscall.SIGTERM)
	if err := third.Wait(); err != nil {
		t.Errorf("the run after the kill: %v", err)
	}
}

// TestDiskFullDuringCheckpoints puts a socket word count's state on a real
// filesystem (a tmpfs) and fills it while the job runs. The checkpoints
// fail, saying why, and the job goes on counting; when there is room again
// they complete; the job stops cleanly, and a new run resumes with every
// count. The engine writes its state through memory maps, where a full
// disk is a SIGBUS: before the store kept a reserve free, this killed the
// process.
func TestDiskFullDuringCheckpoints(t *testing.T) {
	fs := tmpfs.Mount(t, 160<<20, "exec's TestCheckpointWriteFailureJobGoesOn")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	query := fmt.Sprintf("SELECT word, COUNT(*) AS cnt FROM SOCKET('%s') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word "+
		"WITH (job_name = 'wc', checkpoint_interval = '50ms', parallelism = 1, checkpoint_retention = 'retain_on_cancellation')", ln.Addr())
	args := []string{"--log-level", "debug", "--state-dir", filepath.Join(fs, "state"), "-e", query}
	accept := func() net.Conn {
		t.Helper()
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(waitLimit))
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	job, stdout, stderr := startJob(t, args...)
	out, log := readLines(stdout), watchLog(stderr)
	c := accept()
	fmt.Fprintln(c, "a b")
	out.expect(t, "+I[a, 1]", "+I[b, 1]")
	log.wait(t, "Completed checkpoint")

	filler := tmpfs.Fill(t, fs)
	log.wait(t, "could not start: ")
	if !strings.Contains(log.all(), "no space left for state; the job goes on") {
		t.Errorf("the warning does not say the disk is full:\n%s", log.all())
	}
	fmt.Fprintln(c, "a c")
	out.expect(t, "-U[a, 1]", "+U[a, 2]", "+I[c, 1]")

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	log.wait(t, "that failed")
	job.Process.Signal(syscall.SIGTERM)
	if err := job.Wait(); err != nil {
		t.Fatalf("the job did not end cleanly: %v\n%s", err, log.all())
	}

	job, stdout, _ = startJob(t, args...)
	out = readLines(stdout)
	c = accept()
	fmt.Fprintln(c, "a c")
	out.expect(t, "-U[a, 2]", "+U[a, 3]", "-U[c, 1]", "+U[c, 2]")
	job.Process.Signal(syscall.SIGTERM)
	job.Wait()
}

// peakRSS runs the binary on query, followed by a query that waits on a
// socket forever, so that once the first has printed until its line last,
// the process is still there to be asked for its peak resident memory
// (VmHWM: since it started, not counting the test process it was forked
// from, as the rusage of a child does). It returns that peak in bytes,
// with the output of the first query and the log.
func peakRSS(t *testing.T, dir, query, last string) (int64, string, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	script := fmt.Sprintf("%s;\nSELECT line FROM SOCKET('%s')", query, ln.Addr())
	cmd := exec.Command(testbin.Path(t), "--log-level", "warn", "-e", script)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	var out strings.Builder
	for l := range readLines(stdout).ch {
		out.WriteString(l + "\n")
		if l == last {
			break
		}
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Skipf("cannot read the process's peak memory: %v", err)
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(status)
	if m == nil {
		t.Fatalf("no VmHWM in\n%s", status)
	}
	var kb int64
	fmt.Sscan(string(m[1]), &kb)
	return kb << 10, out.String(), stderr.String()
}

// TestHugeLineMemory reads a file with a line of 200 MB under on_error =
// 'skip': the line is rejected as longer than 16 MiB without being held,
// the process's peak memory grows by much less than the line, and the
// lines around it are read.
func TestHugeLineMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 200 MB file")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.txt"), []byte("before\nafter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "huge.txt"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("before\n")
	chunk := []byte(strings.Repeat("x", 1<<20))
	for i := 0; i < 200; i++ {
		w.Write(chunk)
	}
	w.WriteString("\nafter\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	query := "SELECT line FROM FILE('%s.txt') WITH (on_error = 'skip')"
	base, _, _ := peakRSS(t, dir, fmt.Sprintf(query, "small"), "+I[after]")
	huge, stdout, stderr := peakRSS(t, dir, fmt.Sprintf(query, "huge"), "+I[after]")
	if stdout != "+I[before]\n+I[after]\n" {
		t.Errorf("stdout %q", stdout)
	}
	if !strings.Contains(stderr, "bad record (on_error=skip): FILE('huge.txt') line 2: line longer than 16777216 bytes") {
		t.Errorf("stderr %q", stderr)
	}
	t.Logf("peak memory: %d MiB for a small file, %d MiB with the 200 MB line", base>>20, huge>>20)
	if huge-base > 128<<20 {
		t.Errorf("reading the 200 MB line took %d MiB more memory: it is being held", (huge-base)>>20)
	}
}

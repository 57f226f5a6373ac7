package main_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamsql/streamsql/internal/testbin"
)

// waitLimit bounds how long a test waits for output that must come; it is a
// guard against hanging, not a measurement.
const waitLimit = 30 * time.Second

// lines reads a process's output a line at a time in the background.
type lines struct {
	ch chan string
}

func readLines(r io.Reader) *lines {
	l := &lines{ch: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.ch <- sc.Text()
		}
		close(l.ch)
	}()
	return l
}

// expect reads lines until it has seen each of want, in order.
func (l *lines) expect(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.After(waitLimit)
	for _, w := range want {
		for {
			select {
			case got, ok := <-l.ch:
				if !ok {
					t.Fatalf("output ended before %q", w)
				}
				if got == w {
					goto next
				}
			case <-deadline:
				t.Fatalf("no %q in the output within %s", w, waitLimit)
			}
		}
	next:
	}
}

func wordCount(addr string) string {
	return fmt.Sprintf("SELECT word, COUNT(*) AS cnt FROM SOCKET('%s') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word WITH (parallelism = 1)", addr)
}

// startServeLines starts `streamsql serve-lines` on a free port and returns
// its address and the pipe to its stdin.
func startServeLines(t *testing.T) (string, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(testbin.Path(t), "serve-lines", "--addr", "127.0.0.1:0")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	logs := readLines(stderr)
	listening := regexp.MustCompile(`listening on (\S+)`)
	select {
	case l := <-logs.ch:
		m := listening.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("serve-lines said %q", l)
		}
		go func() {
			for range logs.ch {
			}
		}()
		return m[1], stdin
	case <-time.After(waitLimit):
		t.Fatal("serve-lines did not start")
	}
	return "", nil
}

// TestSocketWordCountLive feeds the word count through serve-lines a line at
// a time and checks that each line's changes appear before the next line is
// sent, then that SIGTERM ends the job cleanly with exit code 0.
func TestSocketWordCountLive(t *testing.T) {
	addr, feed := startServeLines(t)
	job := exec.Command(testbin.Path(t), "--log-level", "warn", "--state-dir", t.TempDir(), "-e", wordCount(addr))
	stdout, err := job.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Start(); err != nil {
		t.Fatal(err)
	}
	out := readLines(stdout)

	fmt.Fprintln(feed, "hello world")
	out.expect(t, "+I[hello, 1]", "+I[world, 1]")
	fmt.Fprintln(feed, "hello again")
	out.expect(t, "-U[hello, 1]", "+U[hello, 2]", "+I[again, 1]")
	fmt.Fprintln(feed, "world")
	out.expect(t, "-U[world, 1]", "+U[world, 2]")

	if err := job.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := job.Wait(); err != nil {
		t.Fatalf("after SIGTERM the job exited with %v, want exit code 0", err)
	}
}

// TestSocketReconnects drops the connection under a running job: the source
// reconnects with backoff and counting goes on where it was.
func TestSocketReconnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	job := exec.Command(testbin.Path(t), "--log-level", "warn", "-e", wordCount(ln.Addr().String()))
	stdout, err := job.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	job.Stderr = &stderr
	if err := job.Start(); err != nil {
		t.Fatal(err)
	}
	defer job.Process.Kill()
	out := readLines(stdout)

	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(conn, "a b")
	out.expect(t, "+I[a, 1]", "+I[b, 1]")
	conn.Close()

	conn, err = ln.Accept() // the source comes back
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintln(conn, "a")
	out.expect(t, "-U[a, 1]", "+U[a, 2]")

	job.Process.Signal(syscall.SIGTERM)
	if err := job.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "connection closed; reconnecting") {
		t.Errorf("the log does not mention the reconnection:\n%s", stderr.String())
	}
}

// TestServeLines checks the line server on its own: every client gets every
// line, and lines wait for a client instead of being lost.
func TestServeLines(t *testing.T) {
	addr, feed := startServeLines(t)
	fmt.Fprintln(feed, "first") // no client yet: must wait, not vanish
	c1, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	r1 := bufio.NewReader(c1)
	if l, _ := r1.ReadString('\n'); l != "first\n" {
		t.Fatalf("client 1 got %q", l)
	}
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	r2 := bufio.NewReader(c2)
	// c2 may or may not be registered before the next line is read from
	// stdin; send until it sees one, then both must see the same next line.
	deadline := time.Now().Add(waitLimit)
	c2.SetReadDeadline(deadline)
	go func() {
		for i := 0; time.Now().Before(deadline); i++ {
			if _, err := fmt.Fprintf(feed, "line %d\n", i); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	l2, err := r2.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	for {
		l1, err := r1.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if l1 == l2 {
			break
		}
	}
	next1, _ := r1.ReadString('\n')
	next2, _ := r2.ReadString('\n')
	if next1 != next2 {
		t.Errorf("clients diverged: %q vs %q", next1, next2)
	}
}

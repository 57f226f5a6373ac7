package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/streamsql/streamsql/internal/testbin"
)

// terminal runs the real streamsql binary in a pseudo-terminal, as a user
// at a terminal runs the shell, and reads the screen it writes.
type terminal struct {
	t   *testing.T
	pty *os.File
	cmd *exec.Cmd

	mu   sync.Mutex
	out  bytes.Buffer // everything written, escape sequences and all
	seen int          // how much of the plain text expect has consumed
	done chan struct{}
}

// startShell starts the shell with the given history file (none when "")
// and state under a temporary directory, on a 120×40 terminal.
func startShell(t *testing.T, history string, args ...string) *terminal {
	t.Helper()
	args = append([]string{"--state-dir", filepath.Join(t.TempDir(), "state"), "--history", history}, args...)
	cmd := exec.Command(testbin.Path(t), args...)
	cmd.Env = append(os.Environ(), "TERM=xterm")
	cmd.Dir = t.TempDir()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, pty: f, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	})
	term.expect("streamsql> ")
	return term
}

// escapes are the terminal control sequences the shell and liner write.
var escapes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\r`)

// text returns the screen output so far as plain text.
func (tm *terminal) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return escapes.ReplaceAllString(tm.out.String(), "")
}

// raw returns the output so far, escape sequences included.
func (tm *terminal) raw() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// send types s.
func (tm *terminal) send(s string) {
	tm.t.Helper()
	if _, err := tm.pty.Write([]byte(s)); err != nil {
		tm.t.Fatalf("typing %q: %v", s, err)
	}
}

// expect waits until want appears in the plain text after what earlier
// expects consumed, and consumes up to its end.
func (tm *terminal) expect(want string) {
	tm.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		text := tm.text()
		if i := strings.Index(text[tm.seen:], want); i >= 0 {
			tm.seen += i + len(want)
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("no %q on the screen within %s; the screen after the last match:\n%s", want, waitLimit, text[tm.seen:])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// since returns the plain text consumed between mark and now.
func (tm *terminal) since(mark int) string {
	return tm.text()[mark:tm.seen]
}

// run types a statement with Enter and waits for the next prompt.
func (tm *terminal) run(stmt string) string {
	tm.t.Helper()
	mark := tm.seen
	tm.send(stmt + "\r")
	tm.expect("\nstreamsql> ") // a new prompt, not liner redrawing the line
	return tm.since(mark)
}

// exit leaves the shell with Ctrl-D and returns its exit code.
func (tm *terminal) exit() int {
	tm.t.Helper()
	tm.send("\x04")
	select {
	case <-tm.done:
	case <-time.After(waitLimit):
		tm.t.Fatalf("the shell did not exit on Ctrl-D; the screen:\n%s", tm.text()[tm.seen:])
	}
	err := tm.cmd.Wait()
	return exitCode(err)
}

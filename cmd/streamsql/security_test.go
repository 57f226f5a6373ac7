package main_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/streamsql/streamsql/internal/testbin"
)

// The security tests of docs/reliability.md that watch the real binary.

// socketInodes returns the inodes of the sockets a process has open.
func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("cannot see the process's descriptors: %v", err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	return inodes
}

// listening returns the local addresses (as /proc writes them, hex) on
// which the process has a listening TCP socket or a bound UDP socket, and
// its listening Unix sockets.
func listening(t *testing.T, pid int) []string {
	t.Helper()
	mine := socketInodes(t, pid)
	var found []string
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // the header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !mine[fields[9]] {
				continue
			}
			// TCP state 0A is LISTEN; any UDP socket of ours is bound
			if fields[3] == "0A" || strings.HasPrefix(table, "udp") {
				found = append(found, table+" "+fields[1])
			}
		}
		f.Close()
	}
	if f, err := os.Open(fmt.Sprintf("/proc/%d/net/unix", pid)); err == nil {
		sc := bufio.NewScanner(f)
		sc.Scan()
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 7 || !mine[fields[6]] {
				continue
			}
			if flags, err := strconv.ParseUint(fields[3], 16, 32); err == nil && flags&0x10000 != 0 { // __SO_ACCEPTCON
				found = append(found, "unix "+strings.Join(fields[7:], " "))
			}
		}
		f.Close()
	}
	return found
}

// TestNoListeningSocket runs jobs of every kind — one that checkpoints,
// one that reads a socket with its source log, one that dead-letters — and
// looks at the sockets the process holds while it runs: it listens on
// none. (internal/deps checks the source: only serve-lines listens.)
func TestNoListeningSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "hello world")
			defer c.Close()
		}
	}()
	query := fmt.Sprintf("SELECT COUNT(*) AS n FROM GENERATE_LINES() WITH (checkpoint_interval = '50ms', on_error = 'dead_letter');\n"+
		"SELECT word, COUNT(*) AS cnt FROM SOCKET('%s') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word "+
		"WITH (checkpoint_interval = '50ms', source_log = 'on')", ln.Addr())
	// The first query never ends by itself: run each in its own process.
	for i, q := range strings.Split(query, ";\n") {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			job, stdout, stderr := startJob(t, "--log-level", "debug", "--state-dir", t.TempDir(), "-e", q)
			go io.Copy(io.Discard, stdout)
			log := watchLog(stderr)
			log.wait(t, "Completed checkpoint")
			if got := listening(t, job.Process.Pid); len(got) > 0 {
				t.Errorf("the job listens on %q", got)
			}
			job.Process.Signal(syscall.SIGTERM)
			job.Wait()
		})
	}
}

// TestServeLinesListensOnLoopback: serve-lines without --addr listens on
// 127.0.0.1 (port 9100), not on every interface. If the port is taken its
// error names the address it tried, which must be the same.
func TestServeLinesListensOnLoopback(t *testing.T) {
	cmd := exec.Command(testbin.Path(t), "serve-lines")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	first := <-readLines(stderr).ch
	switch {
	case first == "serve-lines: listening on 127.0.0.1:9100":
		// 127.0.0.1:9100 as /proc/net/tcp writes it
		if got := listening(t, cmd.Process.Pid); len(got) != 1 || got[0] != "tcp 0100007F:238C" {
			t.Errorf("serve-lines listens on %q, want only 127.0.0.1:9100", got)
		}
	case strings.Contains(first, "listen tcp 127.0.0.1:9100: bind: address already in use"):
		t.Logf("port 9100 is taken; the error names the address tried: %s", first)
	default:
		t.Errorf("serve-lines said %q, want it to listen on 127.0.0.1:9100", first)
	}
}

// TestPathsUsedAsGiven: FILE() paths and state_dir are used as written —
// no ~ or $VAR expansion, no globbing — relative to the working directory.
func TestPathsUsedAsGiven(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "~", "x.txt"), "tilde\n")
	write(filepath.Join(dir, "$HOME"), "dollar\n")
	write(filepath.Join(dir, "*.txt"), "star\n")
	write(filepath.Join(dir, "a.txt"), "a glob would match me\n")
	write(filepath.Join(home, "x.txt"), "expanded\n")
	cmd := exec.Command(testbin.Path(t), "--log-level", "warn", "-e",
		"SELECT line FROM FILE('~/x.txt');\nSELECT line FROM FILE('$HOME');\nSELECT line FROM FILE('*.txt');\n"+
			"SELECT COUNT(*) AS n FROM GENERATE_SERIES(1, 3) WITH (job_name = 'j', state_dir = '~/$HOME', checkpoint_interval = '1h', "+
			"checkpoint_retention = 'retain_on_cancellation', on_error = 'dead_letter', format = 'table')")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if want := "+I[tilde]\n+I[dollar]\n+I[star]\n"; !strings.HasPrefix(string(out), want) {
		t.Errorf("output\n%s\nwant it to start\n%s", out, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "~", "$HOME")); err != nil {
		t.Errorf("state_dir '~/$HOME' was not made as written: %v", err)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 1 {
		t.Errorf("the home directory was written to: %v", entries)
	}
}

// TestPathErrorsShowNoContents points FILE() and state_dir at files that
// are not what they should be — a directory, a binary file, a file where a
// directory must be, a file in place of the database — each holding a
// secret: every error names the path and never shows the secret.
func TestPathErrorsShowNoContents(t *testing.T) {
	dir := t.TempDir()
	secret := "SECRET-CONTENT"
	files := map[string]string{
		"secret.txt":         secret + "\n",
		"secret.bin":         "\xff\xfe" + secret + "\x00\n",
		"state/j/db":         secret + "\n", // a file where the database's directory goes
		"badstate/j/db/LOCK": secret,
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, "adir"), 0o700)
	for _, tt := range []struct{ query, path string }{
		{"SELECT line FROM FILE('adir')", "adir"},
		{"SELECT line FROM FILE('secret.bin')", "secret.bin"},
		{"CREATE SOURCE s (a STRING, b STRING) WITH (connector = 'file', path = 'secret.txt', format = 'csv');\nSELECT a, b FROM s", "s line 1"},
		{"SELECT 1 AS x WITH (state_dir = 'secret.txt', job_name = 'j', checkpoint_interval = '1s')", "secret.txt"},
		{"SELECT 1 AS x WITH (state_dir = 'state', job_name = 'j', checkpoint_interval = '1s')", "state/j"},
		{"SELECT 1 AS x WITH (state_dir = 'badstate', job_name = 'j', checkpoint_interval = '1s')", "badstate/j"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			cmd := exec.Command(testbin.Path(t), "--log-level", "warn", "-e", tt.query)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Logf("%s ran:\n%s", tt.query, out)
			} else if !strings.Contains(string(out), tt.path) {
				t.Errorf("the error does not name %s:\n%s", tt.path, out)
			}
			if strings.Contains(string(out), secret) {
				t.Errorf("the output shows the file's contents:\n%s", out)
			}
		})
	}
}

// Package examples holds runnable examples; this test runs every one with
// the real binary, so that none rots.
//
// An example is a directory with one .sql script and expected.txt, what the
// script prints. Files the script writes under out/ are compared with
// expected/. A script reading SOCKET('localhost:9100') gets input.txt
// through a real TCP server, and its changelog, applied, must reach the
// table in expected.txt.
package examples

import (
	"bufio"
	"net"
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

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

func TestExamples(t *testing.T) {
	dirs, err := filepath.Glob("*/expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 3 {
		t.Fatalf("found %d examples", len(dirs))
	}
	for _, d := range dirs {
		dir := filepath.Dir(d)
		t.Run(dir, func(t *testing.T) {
			scripts, _ := filepath.Glob(filepath.Join(dir, "*.sql"))
			if len(scripts) != 1 {
				t.Fatalf("want one .sql script in %s, found %d", dir, len(scripts))
			}
			src, err := os.ReadFile(scripts[0])
			if err != nil {
				t.Fatal(err)
			}
			work := t.TempDir()
			if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(dir, "expected.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(src), "SOCKET('localhost:9100')") {
				runSocketExample(t, work, filepath.Base(scripts[0]), string(want))
				return
			}
			runBoundedExample(t, work, filepath.Base(scripts[0]), string(want))
		})
	}
}

func runBoundedExample(t *testing.T, work, script, want string) {
	cmd := exec.Command(testbin.Path(t), "--log-level", "warn", "--state-dir", filepath.Join(work, "state"), "-f", script)
	cmd.Dir = work
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.String())
	}
	if diff := cmp.Diff(want, stdout.String()); diff != "" {
		t.Errorf("output differs from expected.txt (-want +got):\n%s", diff)
	}
	expected := filepath.Join(work, "expected")
	filepath.WalkDir(expected, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(expected, path)
		wantFile, _ := os.ReadFile(path)
		gotFile, err := os.ReadFile(filepath.Join(work, "out", rel))
		if err != nil {
			t.Errorf("the script did not write out/%s: %v", rel, err)
			return nil
		}
		if diff := cmp.Diff(string(wantFile), string(gotFile)); diff != "" {
			t.Errorf("out/%s differs from expected/%s (-want +got):\n%s", rel, rel, diff)
		}
		return nil
	})
}

// runSocketExample serves input.txt on a free port in place of
// localhost:9100, waits until the changelog has produced the expected
// table, then stops the job with SIGTERM, which must exit 0.
func runSocketExample(t *testing.T, work, script, want string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	src, _ := os.ReadFile(filepath.Join(work, script))
	local := strings.ReplaceAll(string(src), "localhost:9100", ln.Addr().String())
	if err := os.WriteFile(filepath.Join(work, script), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testbin.Path(t), "--log-level", "warn", "--state-dir", filepath.Join(work, "state"), "-f", script)
	cmd.Dir = work
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		input, _ := os.ReadFile(filepath.Join(work, "input.txt"))
		conn.Write(input)
		time.Sleep(time.Hour) // keep the connection open, as a live server does
	}()

	wantRows := tableRows(want)
	current := map[string]string{}
	sc := bufio.NewScanner(stdout)
	done := make(chan bool)
	go func() {
		for sc.Scan() {
			l := sc.Text()
			if len(l) < 4 || !strings.HasSuffix(l, "]") {
				continue
			}
			key, value, _ := strings.Cut(l[3:len(l)-1], ", ")
			switch l[:2] {
			case "+I", "+U":
				current[key] = value
			case "-D":
				delete(current, key)
			}
			if cmp.Equal(current, wantRows) {
				done <- true
				return
			}
		}
		done <- false
	}()
	select {
	case ok := <-done:
		if !ok {
			t.Fatalf("the changelog ended before reaching expected.txt:\n%s", stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("the changelog did not reach expected.txt; got %v", current)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, stderr.String())
	}
}

// tableRows reads a two-column table as printed by --format table.
func tableRows(table string) map[string]string {
	rows := map[string]string{}
	for _, l := range strings.Split(table, "\n")[3:] {
		cells := strings.Split(l, "|")
		if len(cells) != 4 {
			continue
		}
		rows[strings.TrimSpace(cells[1])] = strings.TrimSpace(cells[2])
	}
	return rows
}

// Package testbin builds the real streamsql binary once per test process,
// for tests that drive it as a user would (CLI, REPL, examples).
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	once    sync.Once
	binPath string
	dir     string
	err     error
	output  []byte
)

// Path returns the path of a freshly built streamsql binary. The first
// call builds it (a few seconds); later calls reuse it.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		dir, err = os.MkdirTemp("", "streamsql-bin-")
		if err != nil {
			return
		}
		binPath = filepath.Join(dir, "streamsql")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/streamsql/streamsql/cmd/streamsql")
		output, err = cmd.CombinedOutput()
	})
	if err != nil {
		t.Fatalf("building streamsql: %v\n%s", err, output)
	}
	return binPath
}

// Dir returns the directory holding the binary, for PATH.
func Dir(t testing.TB) string {
	return filepath.Dir(Path(t))
}

// Cleanup removes the built binary; call it from TestMain after the tests.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}

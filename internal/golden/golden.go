// Package golden compares test output with expectation files and rewrites
// them when tests run with -update. Every package with golden files imports
// it, so the flag is spelled the same everywhere:
//
//	go test ./parser ./planner ./sqltests -update
//
// Review the diff of every regenerated file before committing it.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update is set by -update: rewrite golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite golden files with the current output")

// Check compares got with the contents of the file at path, or writes got
// there when -update is set.
func Check(t testing.TB, path, got string) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from the output (-want +got):\n%s\nrun with -update to accept the output", path, diff)
	}
}

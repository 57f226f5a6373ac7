// Package deps holds the statement of policy on which package may import
// which (as Go's go/build/deps_test.go does). The direction is
//
//	cmd/streamsql → exec → planner → parser → participle
//	                 └───→ statestore → badger
//
// and each third-party library stays in the one package that owns it.
package deps

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/streamsql/streamsql"

// allowed maps a package (or a package prefix ending in /...) to the
// project packages and third-party modules it may import. The standard
// library is always allowed.
var allowed = map[string][]string{
	"parser":         {"github.com/alecthomas/participle/v2"},
	"planner/...":    {"parser", "planner/..."},
	"statestore/...": {"github.com/dgraph-io/badger/v4"},
	// go-runewidth measures text in terminal cells, for tables that line up
	// with wide characters; liner already depends on it.
	"exec/...": {"parser", "planner/...", "statestore/...", "golang.org/x/sync", "internal/...", "github.com/mattn/go-runewidth"},
	"cmd/streamsql": {"parser", "planner/...", "exec/...", "internal/...", "github.com/peterh/liner",
		"github.com/mattn/go-runewidth", "golang.org/x/sys/unix"},
	"internal/...":    {"parser", "planner/...", "exec/...", "statestore/...", "internal/..."},
	"internal/golden": {"github.com/google/go-cmp"},
	"sqltests":        {"parser", "planner/...", "exec/...", "statestore/...", "internal/..."},
	"examples":        {"internal/..."},
	// The benchmarks drive the library, as sqltests does: they need a job's
	// checkpoints and counters, which the binary does not show.
	"bench/...": {"parser", "planner/...", "exec/...", "statestore/...", "internal/...", "bench/..."},
}

// testOnly are imports any package's tests may use.
var testOnly = []string{"github.com/google/go-cmp", "github.com/rogpeppe/go-internal", "github.com/creack/pty", "internal/..."}

func TestDependencyDirection(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		isTest := strings.HasSuffix(path, "_test.go")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				continue // standard library
			}
			checked++
			if !permitted(pkg, p, isTest) {
				t.Errorf("%s imports %s, which the dependency policy does not allow", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("found no imports: is the test running from internal/deps?")
	}
}

func permitted(pkg, imp string, isTest bool) bool {
	rules, ok := rulesFor(pkg)
	if !ok {
		return false
	}
	if isTest {
		rules = append(append([]string(nil), rules...), testOnly...)
		rules = append(rules, pkg) // external test packages import their own package
	}
	target := strings.TrimPrefix(imp, module+"/")
	for _, r := range rules {
		if matches(r, target) {
			return true
		}
	}
	return false
}

// rulesFor returns the rules of the most specific pattern matching pkg.
func rulesFor(pkg string) ([]string, bool) {
	best := ""
	for pattern := range allowed {
		if matches(pattern, pkg) && len(pattern) > len(best) {
			best = pattern
		}
	}
	rules, ok := allowed[best]
	return rules, ok
}

// matches reports whether path matches pattern: exactly, as a module prefix
// for third-party modules, or under a /... prefix.
func matches(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == pattern || (strings.Contains(pattern, ".") && strings.HasPrefix(path, pattern+"/"))
}

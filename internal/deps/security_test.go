package deps

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The security policy of docs/reliability.md, as far as source can show
// it: streamsql runs no other program, and listens only where asked.

// runsPrograms are the ways a Go program starts another.
var runsPrograms = map[string]bool{
	"os.StartProcess": true, "syscall.Exec": true, "syscall.ForkExec": true, "syscall.StartProcess": true,
}

// mayRunPrograms are the non-test files that may: tools for tests and
// benchmarks, not part of what ships.
func mayRunPrograms(rel string) bool {
	return strings.HasPrefix(rel, "bench/") || strings.HasPrefix(rel, "internal/testbin/")
}

// listens are the calls that open a listening socket.
var listens = map[string]bool{
	"net.Listen": true, "net.ListenTCP": true, "net.ListenUDP": true, "net.ListenPacket": true,
	"net.ListenUnix": true, "net.ListenUnixgram": true, "net.ListenIP": true, "net.ListenMulticastUDP": true,
	"http.ListenAndServe": true, "http.ListenAndServeTLS": true, "syscall.Listen": true, "syscall.Bind": true,
}

// mayListen is the one place that listens: serve-lines, which a user runs
// by name.
func mayListen(rel string) bool {
	return rel == "cmd/streamsql/serve_lines.go" || strings.HasPrefix(rel, "bench/")
}

// TestNoShellOutsNoListeners checks every non-test Go file of the project:
// none imports os/exec or calls another way of starting a program, and
// none listens, except the files allowed to.
func TestNoShellOutsNoListeners(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		names := map[string]string{} // local name -> import path
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			name := filepath.Base(p)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			names[name] = p
			if p == "os/exec" && !mayRunPrograms(rel) {
				t.Errorf("%s imports os/exec: streamsql runs no other program", rel)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok || names[pkg.Name] == "" {
				return true
			}
			call := filepath.Base(names[pkg.Name]) + "." + sel.Sel.Name
			where := fset.Position(sel.Pos())
			if runsPrograms[call] && !mayRunPrograms(rel) {
				t.Errorf("%s:%d: %s starts a program: streamsql runs no other program", rel, where.Line, call)
			}
			if listens[call] && !mayListen(rel) {
				t.Errorf("%s:%d: %s listens: only serve-lines may, when a user runs it", rel, where.Line, call)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("checked only %d files: is the test running from internal/deps?", files)
	}
}

// TestBinaryLinksNoOsExec: the binary's dependencies, the project's and
// every library's, do not include os/exec, so nothing it links can run a
// program through it.
func TestBinaryLinksNoOsExec(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/streamsql/streamsql/cmd/streamsql").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list found %d dependencies: %s", len(deps), out)
	}
	for _, d := range deps {
		if d == "os/exec" {
			t.Error("the streamsql binary links os/exec")
		}
	}
}

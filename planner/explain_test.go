package planner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamsql/streamsql/internal/golden"
	"github.com/streamsql/streamsql/parser"
)

// TestExplain plans the statements of each testdata/explain/NAME.sql and
// compares what EXPLAIN shows with NAME.golden.
//
// A .sql file is a script: statements separated by semicolons, run in
// order in a fresh session with an empty catalog (see session). CREATE
// statements define catalog objects and SET changes the session settings
// for the statements after it. The golden file has, for every statement
// that has an effect, its text, a line "----", and the effect: for SELECT,
// INSERT and EXPLAIN the plan (all of it, or what EXPLAIN LOGICAL or
// PHYSICAL asks for), for CREATE the object defined. Every statement must
// succeed; errors belong in testdata/errors.sql.
//
// The default parallelism is the number of CPUs, so every planned statement
// must have it set, by SET parallelism or WITH (parallelism = n), for the
// golden files to be the same on every machine.
//
// Regenerate with go test ./planner -run TestExplain -update, and review
// the diff: each plan must be right, not just unchanged.
func TestExplain(t *testing.T) {
	files, err := filepath.Glob("testdata/explain/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/explain/*.sql files")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".sql")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			stmts, err := parser.ParseScript(filepath.Base(file), string(src))
			if err != nil {
				t.Fatal(err)
			}
			s := newSession()
			var out strings.Builder
			for _, st := range stmts {
				if planned(st.Stmt) && s.settings["parallelism"] == "" && !hasOption(st.Stmt, "parallelism") {
					t.Errorf("%s: %s\nset parallelism explicitly, so that the plan is the same on every machine",
						st.Stmt.Pos(), st.Text)
				}
				plan, result, err := s.run(st.Stmt)
				if err != nil {
					t.Errorf("%s\n%v", st.Text, err)
					continue
				}
				if plan != nil {
					if err := checkPlan(plan); err != nil {
						t.Errorf("%s\n%v", st.Text, err)
					}
				}
				if result == "" {
					continue
				}
				out.WriteString(st.Text + "\n----\n" + result + "\n")
			}
			golden.Check(t, strings.TrimSuffix(file, ".sql")+".golden", out.String())
		})
	}
}

func planned(stmt parser.Stmt) bool {
	switch stmt.(type) {
	case *parser.SelectStmt, *parser.InsertStmt, *parser.ExplainStmt:
		return true
	}
	return false
}

func hasOption(stmt parser.Stmt, key string) bool {
	for _, o := range queryOptions(stmt) {
		if o.Key == key {
			return true
		}
	}
	return false
}

package planner_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
)

// FuzzPlan runs scripts through the parser and the planner the way the CLI
// does (see session): DDL defines objects in a catalog holding the fixture
// sources, sinks and view, and queries are planned and explained. Nothing
// may panic; every error must be a *parser.Error positioned in the script
// itself (not, say, in a view's definition); every plan must pass
// checkPlan.
//
//	go test ./planner -run XXX -fuzz FuzzPlan -fuzztime 5m -fuzzminimizetime 10s
func FuzzPlan(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		const file = "fuzz.sql"
		stmts, err := parser.ParseScript(file, src)
		if err != nil {
			checkPositioned(t, src, file, err)
		}
		s := fixtureCopy(t)
		for _, st := range stmts {
			plan, _, err := s.run(st.Stmt)
			if err != nil {
				checkPositioned(t, src, file, err)
				continue
			}
			if plan != nil {
				if err := checkPlan(plan); err != nil {
					t.Fatalf("%q\n%s\n%v", src, st.Text, err)
				}
			}
		}
	})
}

// checkPositioned fails unless err is a *parser.Error at a place in src.
func checkPositioned(t *testing.T, src, file string, err error) {
	t.Helper()
	var perr *parser.Error
	if !errors.As(err, &perr) {
		t.Fatalf("%q\nnot a *parser.Error: %T %v", src, err, err)
	}
	if perr != err {
		t.Fatalf("%q\nthe *parser.Error is wrapped: %v", src, err)
	}
	pos := perr.Pos
	if !pos.IsValid() || pos.File != file {
		t.Fatalf("%q\nerror without a position in the script: %v", src, err)
	}
	lines := strings.Split(src, "\n")
	if pos.Line > len(lines) || pos.Col > utf8.RuneCountInString(lines[pos.Line-1])+1 || pos.Offset < 0 || pos.Offset > len(src) {
		t.Fatalf("%q\nerror positioned outside the script: %v", src, err)
	}
	if perr.Msg == "" {
		t.Fatalf("%q\nerror without a message at %s", src, pos)
	}
}

var (
	fixtureOnce sync.Once
	fixtureCat  *planner.MemCatalog
	fixtureSet  map[string]string
)

// fixtureCopy returns a session with a fresh copy of the fixture catalog,
// built once: definitions are not changed after they are made, so copies
// can share them.
func fixtureCopy(t *testing.T) *session {
	fixtureOnce.Do(func() {
		s := newFixtureSession(t)
		fixtureCat, fixtureSet = s.cat, s.settings
	})
	s := newSession()
	for _, d := range fixtureCat.Sources() {
		s.cat.AddSource(d)
	}
	for _, d := range fixtureCat.Sinks() {
		s.cat.AddSink(d)
	}
	for _, d := range fixtureCat.Views() {
		s.cat.AddView(d)
	}
	for k, v := range fixtureSet {
		s.settings[k] = v
	}
	return s
}

// fuzzSeeds are the parser's statements one by one, the explain inputs
// whole, and the error cases.
func fuzzSeeds(f *testing.F) []string {
	var seeds []string
	src, err := os.ReadFile("../parser/testdata/statements.sql")
	if err != nil {
		f.Fatal(err)
	}
	stmts, err := parser.ParseScript("", string(src))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range stmts {
		seeds = append(seeds, s.Text)
	}
	files, err := filepath.Glob("testdata/explain/*.sql")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, string(src))
	}
	src, err = os.ReadFile("testdata/errors.sql")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, "/* ERROR") {
			seeds = append(seeds, line)
		}
	}
	return seeds
}

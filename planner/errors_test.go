package planner_test

import (
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/streamsql/streamsql/parser"
)

var errorMarker = regexp.MustCompile(`/\* ERROR ("(?:[^"\\]|\\.)*") \*/`)

// TestErrors checks every case of testdata/errors.sql, in the style of the
// parser's error tests: a case is one line, a script that parses; its
// statements run in order in a session holding the fixture catalog
// (fixtureSQL), and the first error must be reported at the token after
// the ERROR comment with a message matching the quoted regular expression.
func TestErrors(t *testing.T) {
	src, err := os.ReadFile("testdata/errors.sql")
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for i, line := range strings.Split(string(src), "\n") {
		m := errorMarker.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		cases++
		pattern, err := strconv.Unquote(line[m[2]:m[3]])
		if err != nil {
			t.Fatalf("line %d: bad marker: %v", i+1, err)
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Fatalf("line %d: bad pattern: %v", i+1, err)
		}
		wantCol := m[1] + 1
		for wantCol <= len(line) && line[wantCol-1] == ' ' {
			wantCol++
		}
		t.Run(strconv.Itoa(i+1), func(t *testing.T) {
			stmts, err := parser.ParseScript("errors.sql", line)
			if err != nil {
				t.Fatalf("%s\ndoes not parse: %v", line, err)
			}
			s := newFixtureSession(t)
			for _, st := range stmts {
				if _, _, err = s.run(st.Stmt); err != nil {
					break
				}
			}
			if err == nil {
				t.Fatalf("%s\nwant an error, got none", line)
			}
			var perr *parser.Error
			if !errors.As(err, &perr) {
				t.Fatalf("%s\nwant a *parser.Error, got %T: %v", line, err, err)
			}
			if perr != err {
				t.Errorf("%s\nthe *parser.Error is wrapped: %v", line, err)
			}
			want := parser.Pos{File: "errors.sql", Line: 1, Col: wantCol}
			if perr.Pos.File != want.File || perr.Pos.Line != want.Line || perr.Pos.Col != want.Col {
				t.Errorf("%s\nerror at %s, want %s: %v", line, perr.Pos, want, err)
			}
			if !re.MatchString(perr.Msg) {
				t.Errorf("%s\nmessage %q does not match %q", line, perr.Msg, pattern)
			}
		})
	}
	if cases == 0 {
		t.Fatal("no cases in testdata/errors.sql")
	}
}

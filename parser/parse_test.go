package parser_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/streamsql/streamsql/internal/golden"
	"github.com/streamsql/streamsql/parser"
)

// ignorePos compares trees by shape and values, not by where they were.
var ignorePos = cmpopts.IgnoreTypes(parser.Pos{})

// TestRoundTrip parses every statement of testdata/statements.sql, checks
// its canonical form against statements.golden, and checks that parsing the
// canonical form gives the same tree (Format is a fixed point after one step).
func TestRoundTrip(t *testing.T) {
	src, err := os.ReadFile("testdata/statements.sql")
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := parser.ParseScript("statements.sql", string(src))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, s := range stmts {
		formatted := parser.Format(s.Stmt)
		out.WriteString(formatted + ";\n")
		again, err := parser.ParseStmt("", formatted)
		if err != nil {
			t.Errorf("reparsing %q: %v", formatted, err)
			continue
		}
		if diff := cmp.Diff(s.Stmt, again, ignorePos); diff != "" {
			t.Errorf("tree changed after format of %q (-first +second):\n%s", s.Text, diff)
		}
		if twice := parser.Format(again); twice != formatted {
			t.Errorf("format is not idempotent:\n%s\n%s", formatted, twice)
		}
	}
	golden.Check(t, "testdata/statements.golden", out.String())
}

var errorMarker = regexp.MustCompile(`/\* ERROR ("(?:[^"\\]|\\.)*") \*/`)

// TestErrors checks that each case of testdata/errors.sql fails at the token
// after its ERROR comment with a matching message, in the style of
// go/parser's error tests.
func TestErrors(t *testing.T) {
	src, err := os.ReadFile("testdata/errors.sql")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(src), "\n") {
		m := errorMarker.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		pattern, err := strconv.Unquote(line[m[2]:m[3]])
		if err != nil {
			t.Fatalf("line %d: bad marker: %v", i+1, err)
		}
		wantCol := m[1] + 1
		for wantCol <= len(line) && line[wantCol-1] == ' ' {
			wantCol++
		}
		t.Run(strconv.Itoa(i+1), func(t *testing.T) {
			_, err := parser.ParseScript("errors.sql", line)
			perr, ok := err.(*parser.Error)
			if !ok {
				t.Fatalf("%s\nwant a *parser.Error, got %v", line, err)
			}
			want := parser.Pos{File: "errors.sql", Line: 1, Col: wantCol}
			if perr.Pos.Line != want.Line || perr.Pos.Col != want.Col || perr.Pos.File != want.File {
				t.Errorf("%s\nerror at %s, want %s: %v", line, perr.Pos, want, err)
			}
			if !regexp.MustCompile(pattern).MatchString(perr.Msg) {
				t.Errorf("%s\nmessage %q does not match %q", line, perr.Msg, pattern)
			}
		})
	}
}

func TestScriptStopsAtFirstError(t *testing.T) {
	src := "SELECT 1;\nSELECT 2;\nSELEC 3;\nSELECT 4;"
	stmts, err := parser.ParseScript("s.sql", src)
	if len(stmts) != 2 {
		t.Fatalf("got %d statements before the error, want 2", len(stmts))
	}
	if err == nil || err.Error() != `s.sql:3:1: syntax error at or near "SELEC"` {
		t.Fatalf("got error %v", err)
	}
	if stmts[1].Text != "SELECT 2" {
		t.Errorf("statement text %q", stmts[1].Text)
	}
}

func TestPositions(t *testing.T) {
	src := "SELECT a,\n  b + c\nFROM t"
	stmt, err := parser.ParseStmt("", src)
	if err != nil {
		t.Fatal(err)
	}
	sel := stmt.(*parser.SelectStmt)
	plus := sel.Items[1].Expr.(*parser.BinaryExpr)
	if got := plus.Pos().String(); got != "2:5" {
		t.Errorf("operator at %s, want 2:5", got)
	}
	if got := plus.L.Pos().String(); got != "2:3" {
		t.Errorf("operand at %s, want 2:3", got)
	}
	if got := sel.From.Pos().String(); got != "3:6" {
		t.Errorf("table at %s, want 3:6", got)
	}
}

func TestPrecedence(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a OR b AND c", "a OR (b AND c)"},
		{"NOT a = b", "NOT (a = b)"},
		{"NOT a AND b", "(NOT a) AND b"},
		{"a + b * c", "a + (b * c)"},
		{"a - b - c", "(a - b) - c"},
		{"a = b IS NULL", "(a = b) IS NULL"},
		{"a AND b IS NULL", "a AND (b IS NULL)"},
		{"a BETWEEN 1 AND 2 AND b", "(a BETWEEN 1 AND 2) AND b"},
		{"a || b = c", "(a || b) = c"},
		{"-a * b", "(-a) * b"},
		{"a LIKE b || c", "a LIKE (b || c)"},
	} {
		got, err := parser.ParseExpr(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		want, err := parser.ParseExpr(tc.want)
		if err != nil {
			t.Fatalf("%s: %v", tc.want, err)
		}
		if diff := cmp.Diff(want, got, ignorePos); diff != "" {
			t.Errorf("%s parsed unlike %s:\n%s", tc.in, tc.want, diff)
		}
	}
}

func TestExcerpt(t *testing.T) {
	src := "SELECT a\nFROM\tt WHERE x"
	got := parser.Excerpt(src, parser.Pos{Line: 2, Col: 6})
	want := "FROM\tt WHERE x\n    \t^"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// FuzzRoundTrip checks that whatever parses formats to text that parses to
// the same tree, and that nothing panics.
func FuzzRoundTrip(f *testing.F) {
	src, err := os.ReadFile("testdata/statements.sql")
	if err != nil {
		f.Fatal(err)
	}
	stmts, _ := parser.ParseScript("", string(src))
	for _, s := range stmts {
		f.Add(s.Text)
	}
	f.Fuzz(func(t *testing.T, in string) {
		stmts, _ := parser.ParseScript("", in)
		for _, s := range stmts {
			formatted := parser.Format(s.Stmt)
			again, err := parser.ParseStmt("", formatted)
			if err != nil {
				t.Fatalf("%q formats to %q, which does not parse: %v", s.Text, formatted, err)
			}
			if diff := cmp.Diff(s.Stmt, again, ignorePos); diff != "" {
				t.Fatalf("%q formats to %q, which parses differently:\n%s", s.Text, formatted, diff)
			}
		}
	})
}

func TestNestingLimit(t *testing.T) {
	deep := "SELECT " + strings.Repeat("(", parser.MaxNesting+1) + "1" + strings.Repeat(")", parser.MaxNesting+1)
	_, err := parser.ParseScript("", deep)
	if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("got %v", err)
	}
	ok := "SELECT " + strings.Repeat("(", parser.MaxNesting) + "1" + strings.Repeat(")", parser.MaxNesting)
	if _, err := parser.ParseScript("", ok); err != nil {
		t.Fatalf("nesting at the limit must parse: %v", err)
	}
}

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/streamsql/streamsql/exec"
	"github.com/streamsql/streamsql/parser"
)

// catalogFor returns a session's catalog after running setup.
func catalogFor(t *testing.T, setup string) *exec.Session {
	t.Helper()
	sess, err := exec.NewSession(exec.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sess.Close)
	stmts, err := parser.ParseScript("", setup)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if _, err := sess.Execute(context.Background(), st); err != nil {
			t.Fatal(err)
		}
	}
	return sess
}

func TestComplete(t *testing.T) {
	sess := catalogFor(t, `
		CREATE SOURCE orders (customer STRING, amount BIGINT) WITH (connector = 'file', path = 'o.csv', format = 'csv');
		CREATE SOURCE lines WITH (connector = 'socket', address = '127.0.0.1:9');
		CREATE VIEW big AS SELECT customer FROM orders WHERE amount > 10;
		CREATE SINK out WITH (connector = 'blackhole');
		CREATE SINK outfile WITH (connector = 'file', path = 'x.csv');`)
	cat := sess.Catalog()
	for _, tc := range []struct {
		name, pending, line string
		want                []string
	}{
		{"a source after FROM", "", "SELECT * FROM ord", []string{"orders"}},
		{"sources, views and source functions after FROM", "", "SELECT * FROM ", []string{
			"FILE", "GENERATE_LINES", "GENERATE_SERIES", "SOCKET", "UNNEST", "VALUES", "big", "lines", "orders"}},
		{"a column of the relation read", "", "SELECT cus| FROM orders", []string{"customer"}},
		{"columns after an alias", "", "SELECT o.| FROM orders AS o", []string{"amount", "customer"}},
		{"columns after an alias without AS", "", "SELECT o.a| FROM orders o", []string{"amount"}},
		{"columns after the source's name", "", "SELECT orders.c| FROM orders", []string{"customer"}},
		{"an alias on an earlier line", "SELECT x.\nFROM lines x", "WHERE x.", []string{"line"}},
		{"the column an UNNEST alias names", "", "SELECT t.w| FROM lines CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)", []string{"word"}},
		{"a source function's column", "", "SELECT s.l| FROM SOCKET('a:1') AS s", []string{"line"}},
		{"a view's columns", "", "SELECT b.c| FROM big b", []string{"customer"}},
		{"sinks after INTO", "", "INSERT INTO ou", []string{"out", "outfile"}},
		{"job options in a query's WITH", "", "SELECT 1 WITH (checkpoint_i", []string{"checkpoint_interval"}},
		{"job options after a comma", "SELECT 1 WITH (parallelism = 1,", "res", []string{"restart", "restore", "result_mode"}},
		{"a connector's options", "", "CREATE SOURCE s WITH (connector = 'socket', add", []string{"address"}},
		{"no options of other connectors", "", "CREATE SOURCE s WITH (connector = 'socket', pa", nil},
		{"any connector's options before connector", "", "CREATE SINK s WITH (pa", []string{"path"}},
		{"settings after SET", "", "SET check", []string{"checkpoint_interval", "checkpoint_min_pause", "checkpoint_retention", "checkpoint_timeout", "checkpoints_retained"}},
		{"what SHOW shows", "", "SHOW J", []string{"JOBS"}},
		{"names after DROP VIEW", "", "DROP VIEW ", []string{"big"}},
		{"keywords in the case typed", "", "sel", []string{"select"}},
		{"keywords and functions in upper case", "", "SELECT SP", []string{"SPLIT", "SPLIT_INDEX"}},
		{"help topics", "", "help spl", []string{"split", "split_index"}},
		{"nothing inside a string", "", "SELECT 'cu", nil},
		{"any relation's columns before FROM", "", "SELECT amo", []string{"amount"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// | marks the cursor; without one it is at the end
			before, after, _ := strings.Cut(tc.line, "|")
			head, got, tail := complete(cat, tc.pending, before+after, len([]rune(before)))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("complete(%q) (-want +got):\n%s", tc.line, diff)
			}
			if tail != after || head+wordAtEnd(before) != before {
				t.Errorf("complete(%q) split the line as %q + word + %q", tc.line, head, tail)
			}
		})
	}
}

// TestCompleteMidLine completes a word with text after the cursor, which
// stays as it is.
func TestCompleteMidLine(t *testing.T) {
	sess := catalogFor(t, `CREATE SOURCE orders (customer STRING) WITH (connector = 'file', path = 'o.csv', format = 'csv');`)
	line := "SELECT o.cu FROM orders o"
	head, got, tail := complete(sess.Catalog(), "", line, len("SELECT o.cu"))
	if head != "SELECT o." || tail != " FROM orders o" || !cmp.Equal(got, []string{"customer"}) {
		t.Errorf("complete mid-line = %q %q %q", head, got, tail)
	}
}

func wordAtEnd(s string) string {
	i := len(s)
	for i > 0 && isWordByte(s[i-1]) {
		i--
	}
	return s[i:]
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1;":                            "SELECT 1;",
		"SELECT a,\n  b -- the b\nFROM t;":     "SELECT a, b /* the b */ FROM t;",
		"SELECT '--x'\n;":                      "SELECT '--x' ;",
		"SELECT 1 -- a */ trick\n;":            "SELECT 1 /* a * / trick */ ;",
		"SELECT\n\n  x\n  /* kept */\nFROM t;": "SELECT x /* kept */ FROM t;",
	} {
		got := oneLine(in)
		if got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
		if _, err := parser.ParseScript("", got); err != nil {
			t.Errorf("oneLine(%q) = %q does not parse: %v", in, got, err)
		}
	}
}

package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestShellMultiLine types a statement over three lines: the shell asks
// for more with the continuation prompt until the semicolon, then runs it.
func TestShellMultiLine(t *testing.T) {
	sh := startShell(t, "")
	sh.send("SELECT 1 +\r")
	sh.expect("        -> ")
	sh.send("  2 AS three\r")
	sh.expect("        -> ")
	sh.send(";\r")
	sh.expect("| three |")
	sh.expect("|     3 |")
	sh.expect("(1 row)")
	sh.expect("FINISHED")
	sh.expect("streamsql> ")
	if code := sh.exit(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

// TestShellHistory runs statements, leaves, and finds them again in a new
// shell: with the up arrow (a multi-line statement comes back as one line)
// and with Ctrl-R.
func TestShellHistory(t *testing.T) {
	history := filepath.Join(t.TempDir(), "history")
	sh := startShell(t, history)
	sh.run("SELECT 42 AS answer;")
	sh.send("SELECT 'multi' AS m,\r")
	sh.expect("-> ")
	sh.send("  -- a comment\r")
	sh.expect("-> ")
	sh.send("  7 AS seven;\r")
	sh.expect("| multi |     7 |")
	sh.expect("streamsql> ")
	sh.exit()

	saved, err := os.ReadFile(history)
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT 'multi' AS m, /* a comment */ 7 AS seven;"; !strings.Contains(string(saved), want) {
		t.Errorf("history file:\n%s\nwant a line %q", saved, want)
	}

	sh = startShell(t, history)
	sh.send("\x1b[A") // up: the last statement
	sh.expect("SELECT 'multi' AS m, /* a comment */ 7 AS seven;")
	sh.send("\x1b[A") // up again: the one before
	sh.expect("SELECT 42 AS answer;")
	sh.send("\r")
	sh.expect("| answer |")
	sh.expect("streamsql> ")

	sh.send("\x12") // Ctrl-R, then part of the statement
	sh.expect("(reverse-i-search)")
	sh.send("mult")
	sh.expect("SELECT 'multi'")
	sh.send("\r") // accepts the line found, and runs it
	sh.expect("| multi |     7 |")
	sh.expect("streamsql> ")
}

// TestShellCompletion completes a source's name after FROM, one of its
// columns (by itself and after an alias), and an option name in WITH.
func TestShellCompletion(t *testing.T) {
	sh := startShell(t, "")
	sh.run("CREATE SOURCE orders (customer STRING, amount BIGINT) WITH (connector = 'file', path = 'orders.csv', format = 'csv');")

	sh.send("SELECT cust")
	sh.expect("SELECT cust")
	sh.send("\t")
	sh.expect("SELECT customer")
	sh.send(", o.amo")
	sh.expect("o.amo")
	sh.send(" FROM ord")
	sh.expect("FROM ord")
	sh.send("\t")
	sh.expect("FROM orders")
	sh.send(" AS o WITH (checkpoint_int")
	sh.expect("checkpoint_int")
	sh.send("\t")
	sh.expect("WITH (checkpoint_interval")
	// back to the alias: the columns of orders under o
	sh.send("\x01") // Ctrl-A: the start of the line
	for range len("SELECT customer, o.amo") {
		sh.send("\x1b[C") // right
	}
	sh.send("\t")
	sh.expect("SELECT customer, o.amount FROM orders AS o WITH (checkpoint_interval")
	sh.send("\x05 = '1s');\r") // Ctrl-E: the end of the line
	// the file does not exist: the query fails, and says so
	sh.expect("orders.csv")
	sh.expect("streamsql> ")
}

// TestShellWordCountTable runs the word count over a SOCKET fed by
// serve-lines in table mode: the table is redrawn in place as lines
// arrive, with a status line; Ctrl-C stops the query, returns to the
// prompt, and the job is gone from SHOW JOBS.
func TestShellWordCountTable(t *testing.T) {
	addr, feed := startServeLines(t)
	sh := startShell(t, "")
	sh.send(wordCount(addr) + ";\r")
	sh.expect("job 1 RUNNING")

	fmt.Fprintln(feed, "hello world")
	sh.expect("| hello |   1 |")
	sh.expect("| world |   1 |")
	sh.expect("records/s")
	fmt.Fprintln(feed, "hello again")
	sh.expect("| again |   1 |")
	sh.expect("| hello |   2 |")
	sh.expect("(3 rows)")
	sh.expect("job 1 RUNNING | 3 rows | 2 records in")
	sh.expect("Ctrl-C stops")
	// Redrawn in place: the cursor goes back up over the old table
	// (the header, the rows, the footer and the status line).
	if !strings.Contains(sh.raw(), "\x1b[J") {
		t.Errorf("the table was not redrawn in place (no cursor-up and erase sequence):\n%q", sh.raw())
	}

	sh.send("\x03") // Ctrl-C
	sh.expect("job 1 CANCELED")
	sh.expect("streamsql> ")
	jobs := sh.run("SHOW JOBS;")
	if !strings.Contains(jobs, "(0 rows)") {
		t.Errorf("SHOW JOBS after Ctrl-C still lists the query:\n%s", jobs)
	}
	// The shell is still usable.
	sh.run("SELECT 'still here' AS s;")
	if code := sh.exit(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

// TestShellDetachedInsert starts an INSERT INTO in the background: SHOW
// JOBS lists it running, CANCEL JOB ends it, SHOW JOBS shows it CANCELED,
// and what it wrote is in the sink's file.
func TestShellDetachedInsert(t *testing.T) {
	addr, feed := startServeLines(t)
	out := filepath.Join(t.TempDir(), "lines.csv")
	sh := startShell(t, "")
	sh.run(fmt.Sprintf("CREATE SINK copy WITH (connector = 'file', path = '%s');", out))
	text := sh.run(fmt.Sprintf("INSERT INTO copy SELECT UPPER(line) AS l FROM SOCKET('%s');", addr))
	if !strings.Contains(text, "runs in the background") {
		t.Errorf("INSERT INTO said:\n%s", text)
	}
	jobs := sh.run("SHOW JOBS;")
	if !strings.Contains(jobs, "insert_copy") || !strings.Contains(jobs, "RUNNING") {
		t.Errorf("SHOW JOBS does not list the running INSERT:\n%s", jobs)
	}
	fmt.Fprintln(feed, "abc")
	deadline := time.Now().Add(waitLimit)
	wrote := regexp.MustCompile(`\| records out +\| 1 `)
	for !wrote.MatchString(sh.run("DESCRIBE JOB '1';")) {
		if time.Now().After(deadline) {
			t.Fatal("the background job did not write the line")
		}
		time.Sleep(50 * time.Millisecond)
	}
	text = sh.run("CANCEL JOB '1';")
	if !strings.Contains(text, "job 1 (insert_copy") || !strings.Contains(text, "is CANCELED") {
		t.Errorf("CANCEL JOB said:\n%s", text)
	}
	jobs = sh.run("SHOW JOBS;")
	if !strings.Contains(jobs, "CANCELED") {
		t.Errorf("SHOW JOBS after CANCEL JOB:\n%s", jobs)
	}
	if code := sh.exit(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); got != "l\nABC\n" {
		t.Errorf("the sink's file holds %q, want %q", got, "l\nABC\n")
	}
}

// TestShellErrorThenSuccess makes a parse error and a type error: each
// prints line:col, the line and a caret, the shell goes on, and the next
// statement succeeds.
func TestShellErrorThenSuccess(t *testing.T) {
	sh := startShell(t, "")
	text := sh.run("SELEC 1;")
	if !strings.Contains(text, "1:1: syntax error") || !strings.Contains(text, "SELEC 1;\n^") {
		t.Errorf("a parse error shows:\n%s", text)
	}
	sh.send("SELECT 1\r")
	sh.expect("-> ")
	text = sh.run("  + 'x';")
	if !strings.Contains(text, "2:3:") || !strings.Contains(text, "  + 'x';\n  ^") {
		t.Errorf("a type error on the second line shows:\n%s", text)
	}
	text = sh.run("SELECT 'fine' AS r;")
	if !strings.Contains(text, "| fine |") {
		t.Errorf("the statement after the errors shows:\n%s", text)
	}
}

// TestShellBackgroundFailure starts an INSERT INTO that fails: the next
// prompt announces it with its root cause.
func TestShellBackgroundFailure(t *testing.T) {
	sh := startShell(t, "")
	sh.run("CREATE SINK nothing WITH (connector = 'blackhole');")
	// The job may fail before the next prompt or after a few: each prompt
	// checks.
	text := sh.run("INSERT INTO nothing SELECT 10 / (generate_series - 3) AS x FROM GENERATE_SERIES(1, 5);")
	deadline := time.Now().Add(waitLimit)
	for !strings.Contains(text, "is FAILED") {
		if time.Now().After(deadline) {
			t.Fatalf("the failed background job was not announced:\n%s", text)
		}
		time.Sleep(50 * time.Millisecond)
		text += sh.run("SHOW SINKS;")
	}
	if !strings.Contains(text, "division by zero") {
		t.Errorf("the announcement has no root cause:\n%s", text)
	}
}

// TestShellResultModes shows a query in changelog and append modes, and
// refuses append for a query that updates its rows.
func TestShellResultModes(t *testing.T) {
	sh := startShell(t, "")
	sh.run("SET result_mode = 'changelog';")
	text := sh.run("SELECT x % 2 AS k, COUNT(*) AS n FROM (VALUES (1), (2), (3)) AS v(x) GROUP BY x % 2 WITH (parallelism = 1);")
	for _, want := range []string{"+I[1, 1]", "+I[0, 1]", "-U[1, 1]", "+U[1, 2]", "(4 changes) job"} {
		if !strings.Contains(text, want) {
			t.Errorf("changelog mode shows no %q:\n%s", want, text)
		}
	}
	sh.run("SET result_mode = 'append';")
	text = sh.run("SELECT x, x * 10 AS y FROM (VALUES (1), (2)) AS v(x) WITH (parallelism = 1);")
	for _, want := range []string{"x        | y", "1        | 10", "2        | 20", "(2 rows) job"} {
		if !strings.Contains(text, want) {
			t.Errorf("append mode shows no %q:\n%s", want, text)
		}
	}
	text = sh.run("SELECT COUNT(*) FROM (VALUES (1)) AS v(x);")
	if !strings.Contains(text, "1:1: result_mode 'append' shows only inserted rows") {
		t.Errorf("append mode with an updating query:\n%s", text)
	}
}

// TestShellHelp shows the list of topics, a statement's syntax and
// example, and a function's.
func TestShellHelp(t *testing.T) {
	sh := startShell(t, "")
	text := sh.run("help")
	for _, want := range []string{"SELECT", "INSERT INTO", "CREATE SOURCE", "SHOW", "CANCEL JOB", "quit"} {
		if !strings.Contains(text, want) {
			t.Errorf("help lists no %q:\n%s", want, text)
		}
	}
	text = sh.run("help select")
	if !strings.Contains(text, "Syntax:") || !strings.Contains(text, "Example:") || !strings.Contains(text, "GROUP BY") {
		t.Errorf("help select:\n%s", text)
	}
	text = sh.run(`\h split`)
	if !strings.Contains(text, "SPLIT(") || !strings.Contains(text, "Example:") {
		t.Errorf(`\h split:`+"\n%s", text)
	}
	text = sh.run("help nosuchthing")
	if !strings.Contains(text, `no help for "nosuchthing"`) {
		t.Errorf("help for an unknown topic:\n%s", text)
	}
}

package planner_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// Typed NULLs for rows: a VALUES column of bare NULLs is a STRING.
const (
	nullBool   = "CAST(NULL AS BOOLEAN)"
	nullInt    = "CAST(NULL AS BIGINT)"
	nullDouble = "CAST(NULL AS DOUBLE)"
	nullString = "CAST(NULL AS STRING)"
	exprCol    = len("SELECT ") + 1 // the column where eval's expression starts
)

// eval computes expr on one row. It plans
//
//	SELECT expr AS r FROM (VALUES (row)) AS v(a, b, ...)
//
// with row's literals as the columns a, b, c, ... (no FROM when row is
// empty), and runs the optimized plan with Compile. Since the columns are
// not constants, the expression is evaluated by the compiled code, not by
// constant folding.
func eval(t *testing.T, expr string, row ...string) (types.Value, types.Type, error) {
	t.Helper()
	sql := "SELECT " + expr + " AS r"
	if len(row) > 0 {
		names := make([]string, len(row))
		for i := range row {
			names[i] = string(rune('a' + i))
		}
		sql += fmt.Sprintf(" FROM (VALUES (%s)) AS v(%s)", strings.Join(row, ", "), strings.Join(names, ", "))
	}
	sql += " WITH (parallelism = 1)"
	stmt, err := parser.ParseStmt("", sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	plan, err := planner.New(planner.NewMemCatalog()).Plan(stmt, nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	rows, err := runPlan(t, plan.Logical)
	if err != nil {
		return types.Null, plan.Schema[0].Type, err
	}
	if len(rows) != 1 {
		t.Fatalf("%s: got %d rows, want 1", sql, len(rows))
	}
	return rows[0][0], plan.Schema[0].Type, nil
}

// runPlan interprets a logical plan of stateless operators over VALUES, so
// that tests can run what the planner produced.
func runPlan(t *testing.T, n planner.Node) ([]types.Row, error) {
	t.Helper()
	if scan, ok := n.(*planner.Scan); ok {
		if scan.Source.Connector != planner.ConnectorValues {
			t.Fatalf("cannot run a scan of %s", scan.Source.Connector)
		}
		rows := make([]types.Row, len(scan.Source.Rows))
		for i, r := range scan.Source.Rows {
			rows[i] = r
		}
		return rows, nil
	}
	in, err := runPlan(t, n.Children()[0])
	if err != nil {
		return nil, err
	}
	compile := func(e planner.Expr) planner.Evaluator {
		ev, err := planner.Compile(e)
		if err != nil {
			t.Fatalf("compiling %s: %v", e, err)
		}
		return ev
	}
	var out []types.Row
	switch x := n.(type) {
	case *planner.Project:
		evs := make([]planner.Evaluator, len(x.Exprs))
		for i, e := range x.Exprs {
			evs[i] = compile(e)
		}
		for _, row := range in {
			r := make(types.Row, len(evs))
			for i, ev := range evs {
				if r[i], err = ev(row); err != nil {
					return nil, err
				}
			}
			out = append(out, r)
		}
	case *planner.Filter:
		cond := compile(x.Cond)
		for _, row := range in {
			v, err := cond(row)
			if err != nil {
				return nil, err
			}
			if !v.IsNull() && v.AsBool() {
				out = append(out, row)
			}
		}
	case *planner.Unnest:
		arr := compile(x.Array)
		for _, row := range in {
			v, err := arr(row)
			if err != nil {
				return nil, err
			}
			for _, elem := range v.AsArray() {
				r := make(types.Row, 0, len(x.Keep)+1)
				for _, k := range x.Keep {
					r = append(r, row[k])
				}
				out = append(out, append(r, elem))
			}
		}
	default:
		t.Fatalf("cannot run %T", n)
	}
	return out, nil
}

// show renders a value as a SQL literal, so that 'a' and 1 differ from
// the string '1'.
func show(v types.Value) string {
	switch v.Kind() {
	case types.KindNull:
		return "NULL"
	case types.KindString:
		return parser.QuoteString(v.AsString())
	case types.KindTimestamp:
		return "TIMESTAMP " + parser.QuoteString(v.String())
	case types.KindInterval:
		return "INTERVAL " + parser.QuoteString(v.String())
	case types.KindArray:
		parts := make([]string, len(v.AsArray()))
		for i, e := range v.AsArray() {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return v.String()
}

// evalCase is an expression, the row it reads, and what it gives: a value
// shown by show, or "error: " and a regular expression for the message.
type evalCase struct {
	expr string
	row  []string
	want string
}

func row(cols ...string) []string { return cols }

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		v, _, err := eval(t, tc.expr, tc.row...)
		got := show(v)
		if err != nil {
			got = "error: " + err.Error()
		}
		if pattern, ok := strings.CutPrefix(tc.want, "error: "); ok && err != nil {
			if !matches(pattern, errorMessage(err)) {
				t.Errorf("%s with %v: error %q does not match %q", tc.expr, tc.row, errorMessage(err), pattern)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s with %v = %s, want %s", tc.expr, tc.row, got, tc.want)
		}
	}
}

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// errorMessage is an evaluation error's message without its position.
func errorMessage(err error) string {
	var ee *planner.EvalError
	if errors.As(err, &ee) {
		return ee.Err.Error()
	}
	return err.Error()
}

func TestThreeValuedLogic(t *testing.T) {
	vals := []string{"TRUE", "FALSE", nullBool}
	show := map[string]string{"TRUE": "TRUE", "FALSE": "FALSE", nullBool: "NULL"}
	// The truth tables, indexed like vals.
	and := [3][3]string{{"TRUE", "FALSE", "NULL"}, {"FALSE", "FALSE", "FALSE"}, {"NULL", "FALSE", "NULL"}}
	or := [3][3]string{{"TRUE", "TRUE", "TRUE"}, {"TRUE", "FALSE", "NULL"}, {"TRUE", "NULL", "NULL"}}
	var cases []evalCase
	for i, a := range vals {
		for j, b := range vals {
			cases = append(cases,
				evalCase{"a AND b", row(a, b), and[i][j]},
				evalCase{"a OR b", row(a, b), or[i][j]},
				// n-ary forms evaluate the same way in any order
				evalCase{"a AND b AND a", row(a, b), and[i][j]},
				evalCase{"b OR a OR b", row(a, b), or[i][j]},
			)
		}
		not := map[string]string{"TRUE": "FALSE", "FALSE": "TRUE", nullBool: "NULL"}[a]
		isTrue := map[string]string{"TRUE": "TRUE", "FALSE": "FALSE", nullBool: "FALSE"}[a]
		isFalse := map[string]string{"TRUE": "FALSE", "FALSE": "TRUE", nullBool: "FALSE"}[a]
		isNull := map[string]string{"TRUE": "FALSE", "FALSE": "FALSE", nullBool: "TRUE"}[a]
		cases = append(cases,
			evalCase{"NOT a", row(a), not},
			evalCase{"a IS TRUE", row(a), isTrue},
			evalCase{"a IS NOT TRUE", row(a), negate(isTrue)},
			evalCase{"a IS FALSE", row(a), isFalse},
			evalCase{"a IS NOT FALSE", row(a), negate(isFalse)},
			evalCase{"a IS NULL", row(a), isNull},
			evalCase{"a IS NOT NULL", row(a), negate(isNull)},
			// a WHERE keeps only TRUE rows
			evalCase{"CASE WHEN a THEN 'kept' ELSE 'dropped' END", row(a), map[bool]string{true: "'kept'", false: "'dropped'"}[show[a] == "TRUE"]},
		)
	}
	runEvalCases(t, cases)
}

func negate(b string) string {
	if b == "TRUE" {
		return "FALSE"
	}
	return "TRUE"
}

func TestShortCircuit(t *testing.T) {
	// The first argument that decides stops evaluation: 1/0 is never run.
	runEvalCases(t, []evalCase{
		{"a AND 1 / b = 1", row("FALSE", "0"), "FALSE"},
		{"a OR 1 / b = 1", row("TRUE", "0"), "TRUE"},
		{"a AND 1 / b = 1", row("TRUE", "0"), "error: ^division by zero$"},
		{"a AND 1 / b = 1", row(nullBool, "0"), "error: ^division by zero$"},
		{"CASE WHEN b = 0 THEN NULL ELSE 1 / b END", row("TRUE", "0"), "NULL"},
		{"COALESCE(b, 1 / 0)", row("TRUE", "5"), "5"},
		{"COALESCE(b, 1 / 0)", row("TRUE", nullInt), "error: ^division by zero$"},
	})
}

func TestNullSemantics(t *testing.T) {
	runEvalCases(t, []evalCase{
		// comparisons and arithmetic with NULL are NULL
		{"a = b", row(nullInt, "1"), "NULL"},
		{"a <> b", row("1", nullInt), "NULL"},
		{"a < b", row(nullString, "'x'"), "NULL"},
		{"a + 1", row(nullInt), "NULL"},
		{"a * 2.5", row(nullDouble), "NULL"},
		{"-a", row(nullInt), "NULL"},
		{"a / 0", row(nullInt), "NULL"}, // strict: not evaluated, so no error
		{"a BETWEEN 1 AND 10", row(nullInt), "NULL"},
		{"a BETWEEN b AND 10", row("5", nullInt), "NULL"},
		{"a BETWEEN b AND 10", row("50", nullInt), "FALSE"},
		{"a NOT BETWEEN b AND 10", row("50", nullInt), "TRUE"},
		// IN: TRUE on a match, else NULL if the list or the operand has a NULL
		{"a IN (1, 2)", row("1"), "TRUE"},
		{"a IN (1, 2)", row("3"), "FALSE"},
		{"a IN (1, NULL)", row("1"), "TRUE"},
		{"a IN (2, NULL)", row("1"), "NULL"},
		{"a IN (1, 2)", row(nullInt), "NULL"},
		{"a IN (b, 2)", row("2", nullInt), "TRUE"},
		{"a NOT IN (2, 3)", row("1"), "TRUE"},
		{"a NOT IN (1, 3)", row("1"), "FALSE"},
		{"a NOT IN (2, NULL)", row("1"), "NULL"},
		{"a NOT IN (2)", row(nullInt), "NULL"},
		{"a IN (1.0, 2.5)", row("1"), "TRUE"},
		{"a IN ('x', 'y')", row("'y'"), "TRUE"},
		// strict functions give NULL for a NULL argument
		{"LOWER(a)", row(nullString), "NULL"},
		{"SPLIT(a, ' ')", row(nullString), "NULL"},
		{"SPLIT('a b', a)", row(nullString), "NULL"},
		{"CONCAT('x', a, 'y')", row(nullString), "NULL"},
		{"'x' || a", row(nullString), "NULL"},
		{"a || 'x'", row(nullInt), "NULL"},
		{"SUBSTRING('abc', a)", row(nullInt), "NULL"},
		{"SUBSTRING('abc', 1, a)", row(nullInt), "NULL"},
		{"ABS(a)", row(nullDouble), "NULL"},
		{"ROUND(a, 2)", row(nullDouble), "NULL"},
		{"ROUND(1.55, a)", row(nullInt), "NULL"},
		{"CARDINALITY(SPLIT(a, ','))", row(nullString), "NULL"},
		{"a LIKE 'x%'", row(nullString), "NULL"},
		{"'x' LIKE a", row(nullString), "NULL"},
		{"a NOT LIKE 'x%'", row(nullString), "NULL"},
		{"REGEXP_EXTRACT(a, 'x')", row(nullString), "NULL"},
		{"CAST(a AS BIGINT)", row(nullString), "NULL"},
		// COALESCE and CASE are not strict
		{"COALESCE(a, b, 'z')", row(nullString, nullString), "'z'"},
		{"COALESCE(a, b, 'z')", row(nullString, "'b'"), "'b'"},
		{"COALESCE(a, 2.5)", row("1"), "1.0"},
		{"COALESCE(a, 2.5)", row(nullInt), "2.5"},
		{"CASE WHEN a THEN 1 ELSE 2 END", row(nullBool), "2"},
		{"CASE WHEN a THEN 1 END", row("FALSE"), "NULL"},
		{"CASE a WHEN 1 THEN 'one' ELSE 'other' END", row(nullInt), "'other'"},
	})
}

func TestArithmetic(t *testing.T) {
	const maxInt, minInt = "9223372036854775807", "-9223372036854775808"
	runEvalCases(t, []evalCase{
		{"a + b", row("2", "3"), "5"},
		{"a - b", row("2", "3"), "-1"},
		{"a * b", row("-4", "3"), "-12"},
		{"a / b", row("7", "2"), "3"},
		{"a / b", row("-7", "2"), "-3"}, // truncates toward zero
		{"a % b", row("7", "3"), "1"},
		{"a % b", row("-7", "3"), "-1"}, // the sign of the dividend
		{"a % b", row("7", "-3"), "1"},
		{"a % b", row(minInt, "-1"), "0"},
		{"a / b", row("7.0", "2"), "3.5"},
		{"a + b", row("1", "0.5"), "1.5"},
		{"a % b", row("7.5", "2"), "1.5"},
		{"a * b", row("1e308", "10"), "Infinity"},
		{"-a", row("5"), "-5"},
		{"-a", row("2.5"), "-2.5"},
		{"a + b", row(maxInt, "-1"), "9223372036854775806"},
		{"a - b", row(minInt, "-1"), "-9223372036854775807"},
		{"a * b", row("-1", maxInt), "-9223372036854775807"},
		// overflow and division by zero are errors, not wrong numbers
		{"a + b", row(maxInt, "1"), "error: ^BIGINT out of range$"},
		{"a + b", row(minInt, "-1"), "error: ^BIGINT out of range$"},
		{"a - b", row(minInt, "1"), "error: ^BIGINT out of range$"},
		{"a - b", row("0", minInt), "error: ^BIGINT out of range$"},
		{"a * b", row(maxInt, "2"), "error: ^BIGINT out of range$"},
		{"a * b", row(minInt, "-1"), "error: ^BIGINT out of range$"},
		{"a * b", row("-1", minInt), "error: ^BIGINT out of range$"},
		{"a * b", row("4294967296", "4294967296"), "error: ^BIGINT out of range$"},
		{"a / b", row(minInt, "-1"), "error: ^BIGINT out of range$"},
		{"-a", row(minInt), "error: ^BIGINT out of range$"},
		{"ABS(a)", row(minInt), "error: ^BIGINT out of range$"},
		{"a / b", row("1", "0"), "error: ^division by zero$"},
		{"a % b", row("1", "0"), "error: ^division by zero$"},
		{"a / b", row("1.5", "0"), "error: ^division by zero$"},
		{"a / b", row("1", "0.0"), "error: ^division by zero$"},
		{"a % b", row("1.5", "0.0"), "error: ^division by zero$"},
		// time
		{"a + INTERVAL '1' HOUR", row("TIMESTAMP '2024-01-01 23:30:00'"), "TIMESTAMP '2024-01-02 00:30:00'"},
		{"INTERVAL '1' DAY + a", row("TIMESTAMP '2024-02-28'"), "TIMESTAMP '2024-02-29 00:00:00'"},
		{"a - INTERVAL '500' MILLISECOND", row("TIMESTAMP '2024-01-01 00:00:01'"), "TIMESTAMP '2024-01-01 00:00:00.5'"},
		{"a - b", row("TIMESTAMP '2024-01-02'", "TIMESTAMP '2024-01-01 12:00:00'"), "INTERVAL '12h0m0s'"},
		{"a + INTERVAL '30s'", row("INTERVAL '1 min'"), "INTERVAL '1m30s'"},
		{"a - INTERVAL '2 min'", row("INTERVAL '1 min'"), "INTERVAL '-1m0s'"},
		{"a * 3", row("INTERVAL '20s'"), "INTERVAL '1m0s'"},
		{"a / 4", row("INTERVAL '1s'"), "INTERVAL '250ms'"},
		{"-a", row("INTERVAL '1s'"), "INTERVAL '-1s'"},
		{"a + INTERVAL '2562047' HOUR", row("TIMESTAMP '2000-01-01'"), "error: ^TIMESTAMP out of range$"},
		{"INTERVAL '2562047' HOUR + a", row("TIMESTAMP '2000-01-01'"), "error: ^TIMESTAMP out of range$"},
		{"a - INTERVAL '2562047' HOUR", row("TIMESTAMP '1970-01-01'"), "TIMESTAMP '1677-09-21 01:00:00'"},
		{"a - INTERVAL '2562047' HOUR", row("TIMESTAMP '1969-01-01'"), "error: ^TIMESTAMP out of range$"},
		{"a - b", row("TIMESTAMP '2262-01-01'", "TIMESTAMP '1678-01-01'"), "error: ^BIGINT out of range$"},
		{"a / 0", row("INTERVAL '1s'"), "error: ^division by zero$"},
		{"a * 9223372036", row("INTERVAL '1000 h'"), "error: ^BIGINT out of range$"},
	})
}

// TestEvalErrorPosition checks that evaluation errors are *EvalErrors at
// the operator or function that failed, and that RAISE_ERROR's message can
// be recovered.
func TestEvalErrorPosition(t *testing.T) {
	for _, tc := range []struct {
		expr string
		row  []string
		at   string // the text of expr where the error must be
		msg  string
	}{
		{"a + (b / c)", row("1", "2", "0"), "/", "division by zero"},
		{"a * 2", row("9223372036854775807"), "*", "BIGINT out of range"},
		{"ABS(a)", row("-9223372036854775808"), "ABS", "BIGINT out of range"},
		{"1 + CAST(a AS BIGINT)", row("'x'"), "CAST", "cannot cast 'x' to BIGINT"},
		{"1 / 0", nil, "/", "division by zero"}, // left unfolded, fails when run
		{"CASE WHEN a = 'ERROR' THEN RAISE_ERROR('bad line: ' || a) ELSE TRUE END", row("'ERROR'"), "RAISE_ERROR", "bad line: ERROR"},
		{"SUBSTRING('abc', 1, a)", row("-1"), "SUBSTRING", "negative substring length -1"},
		{"REGEXP_EXTRACT('a', a)", row("'('"), "REGEXP_EXTRACT", "bad regular expression '\\(': missing closing \\)"},
		{"'a' LIKE a", row(`'x\'`), "LIKE", `LIKE pattern .* ends with an escape character`},
	} {
		_, _, err := eval(t, tc.expr, tc.row...)
		var ee *planner.EvalError
		if !errors.As(err, &ee) {
			t.Errorf("%s: want an *EvalError, got %T %v", tc.expr, err, err)
			continue
		}
		want := parser.Pos{Line: 1, Col: exprCol + strings.Index(tc.expr, tc.at)}
		if ee.Pos.Line != want.Line || ee.Pos.Col != want.Col {
			t.Errorf("%s: error at %s, want %s", tc.expr, ee.Pos, want)
		}
		if !matches(tc.msg, ee.Err.Error()) {
			t.Errorf("%s: message %q does not match %q", tc.expr, ee.Err, tc.msg)
		}
		if got, want := err.Error(), want.String()+": "+ee.Err.Error(); got != want {
			t.Errorf("%s: Error() = %q, want %q", tc.expr, got, want)
		}
	}

	_, _, err := eval(t, "RAISE_ERROR('custom error flag')")
	var raised *planner.RaisedError
	if !errors.As(err, &raised) || raised.Msg != "custom error flag" {
		t.Errorf("RAISE_ERROR: got %v, want a *RaisedError with the message", err)
	}
	if v, typ, err := eval(t, "CASE WHEN a THEN RAISE_ERROR('x') ELSE 1 END", "FALSE"); err != nil || show(v) != "1" || typ != types.BIGINT {
		t.Errorf("RAISE_ERROR in a branch not taken: got %s %s %v", show(v), typ, err)
	}
}

func TestFunctions(t *testing.T) {
	cases := []evalCase{
		// SPLIT keeps the empty strings between adjacent separators and at
		// the ends; an empty separator splits into characters.
		{"SPLIT(a, ' ')", row("'a b c'"), "['a', 'b', 'c']"},
		{"SPLIT(a, ' ')", row("'a  b'"), "['a', '', 'b']"},
		{"SPLIT(a, ' ')", row("' a b '"), "['', 'a', 'b', '']"},
		{"SPLIT(a, ' ')", row("''"), "['']"},
		{"SPLIT(a, ' ')", row("'word'"), "['word']"},
		{"SPLIT(a, '')", row("'héllo'"), "['h', 'é', 'l', 'l', 'o']"},
		{"SPLIT(a, ', ')", row("'x, y,z'"), "['x', 'y,z']"},
		{"SPLIT_INDEX(a, ',', 1)", row("'a,b,c'"), "'b'"},
		{"SPLIT_INDEX(a, ',', 0)", row("',b'"), "''"},
		{"SPLIT_INDEX(a, ',', 3)", row("'a,b,c'"), "NULL"},
		{"SPLIT_INDEX(a, ',', -1)", row("'a,b,c'"), "NULL"},
		{"LOWER(a)", row("'HeLLo ÄÖ'"), "'hello äö'"},
		{"UPPER(a)", row("'HeLLo äö'"), "'HELLO ÄÖ'"},
		{"TRIM(a)", row("'  hi there  '"), "'hi there'"},
		{"TRIM(a)", row("'\thi\t'"), "'\thi\t'"}, // only spaces
		{"LTRIM(a)", row("'  hi  '"), "'hi  '"},
		{"RTRIM(a)", row("'  hi  '"), "'  hi'"},
		{"LENGTH(a)", row("'héllo'"), "5"},
		{"LENGTH(a)", row("''"), "0"},
		{"CHAR_LENGTH(a)", row("'日本'"), "2"},
		// SUBSTRING counts characters from 1; a start before 1 still
		// counts toward the length, as in PostgreSQL.
		{"SUBSTRING(a, 1, 6)", row("'streaming'"), "'stream'"},
		{"SUBSTRING(a, 3)", row("'streaming'"), "'reaming'"},
		{"SUBSTRING(a, 0, 2)", row("'abc'"), "'a'"},
		{"SUBSTRING(a, -1, 3)", row("'abc'"), "'a'"},
		{"SUBSTRING(a, -5, 2)", row("'abc'"), "''"},
		{"SUBSTRING(a, 2, 0)", row("'abc'"), "''"},
		{"SUBSTRING(a, 4)", row("'abc'"), "''"},
		{"SUBSTRING(a, 2, 100)", row("'abc'"), "'bc'"},
		{"SUBSTRING(a, 2, 9223372036854775807)", row("'abc'"), "'bc'"},
		{"SUBSTRING(a, -9223372036854775808, 9223372036854775807)", row("'abc'"), "''"},
		{"SUBSTRING(a, 2, 2)", row("'héllo'"), "'él'"},
		{"SUBSTRING(a, 1, -1)", row("'abc'"), "error: ^negative substring length -1$"},
		{"CONCAT(a, 1, 'b', 2.5, TRUE)", row("'a'"), "'a1b2.5TRUE'"},
		{"CONCAT(a)", row("'x'"), "'x'"},
		{"a || 1 || 1.0", row("'n = '"), "'n = 11.0'"},
		{"REPLACE(a, '-', '+')", row("'a-b-c'"), "'a+b+c'"},
		{"REPLACE(a, '', '+')", row("'ab'"), "'+a+b+'"},
		{"REPLACE(a, 'x', '')", row("'xax'"), "'a'"},
		// REGEXP_EXTRACT: group 0 is the whole match; no match or a group
		// that did not take part is NULL.
		{`REGEXP_EXTRACT(a, 'user=(\d+)', 1)`, row("'id user=42 x'"), "'42'"},
		{`REGEXP_EXTRACT(a, 'user=(\d+)')`, row("'id user=42 x'"), "'user=42'"},
		{`REGEXP_EXTRACT(a, 'user=(\d+)', 0)`, row("'user=1 user=2'"), "'user=1'"},
		{`REGEXP_EXTRACT(a, '(a)|(b)', 2)`, row("'a'"), "NULL"},
		{`REGEXP_EXTRACT(a, 'user=(\d+)', 1)`, row("'nobody'"), "NULL"},
		{`REGEXP_EXTRACT(a, 'x*', 0)`, row("'abc'"), "''"},
		{`REGEXP_EXTRACT(a, '(x)', 2)`, row("'x'"), `error: ^group 2 does not exist in '\(x\)'$`},
		{`REGEXP_EXTRACT(a, '(x)', -1)`, row("'x'"), `error: ^group -1 does not exist`},
		{`REGEXP_EXTRACT(a, b)`, row("'x'", "'['"), `error: ^bad regular expression '\[': missing closing \]`},
		{"ABS(a)", row("-3"), "3"},
		{"ABS(a)", row("3"), "3"},
		{"ABS(a)", row("-2.5"), "2.5"},
		{"ABS(a)", row("-0.0"), "0.0"},
		// ROUND is half away from zero, on the decimal as written
		{"ROUND(a)", row("2.5"), "3.0"},
		{"ROUND(a)", row("-2.5"), "-3.0"},
		{"ROUND(a)", row("2.4999"), "2.0"},
		{"ROUND(a)", row("0.5"), "1.0"},
		{"ROUND(a)", row("-0.4"), "0.0"},
		{"ROUND(a, 2)", row("2.345"), "2.35"},
		{"ROUND(a, 2)", row("-2.345"), "-2.35"},
		{"ROUND(a, 2)", row("1.005"), "1.01"},
		{"ROUND(a, 2)", row("0.285"), "0.29"},
		{"ROUND(a, 2)", row("9.995"), "10.0"},
		{"ROUND(a, 2)", row("0.005"), "0.01"},
		{"ROUND(a, 2)", row("0.0049"), "0.0"},
		{"ROUND(a, 1)", row("1.15"), "1.2"},
		{"ROUND(a, 5)", row("1.5"), "1.5"},
		{"ROUND(a, -2)", row("1234.5678"), "1200.0"},
		{"ROUND(a, -2)", row("1250.0"), "1300.0"},
		{"ROUND(a, -2)", row("-1250.0"), "-1300.0"},
		{"ROUND(a, -3)", row("499.9"), "0.0"},
		{"ROUND(a, 2)", row("1.5e300"), "1.5E300"},
		{"ROUND(a, -300)", row("1.5e300"), "2.0E300"},
		{"ROUND(a, 400)", row("1.25"), "1.25"},
		{"ROUND(a, 9223372036854775807)", row("1.25"), "1.25"},
		{"ROUND(a, -9223372036854775808)", row("1.25"), "0.0"},
		{"ROUND(a, 300)", row("1e-300"), "1.0E-300"},
		{"ROUND(a)", row("7"), "7"},
		{"ROUND(a, 2)", row("7"), "7"},
		{"ROUND(a, -1)", row("15"), "20"},
		{"ROUND(a, -1)", row("-15"), "-20"},
		{"ROUND(a, -1)", row("14"), "10"},
		{"ROUND(a, -2)", row("-149"), "-100"},
		{"ROUND(a, -18)", row("9223372036854775807"), "9000000000000000000"},
		{"ROUND(a, -19)", row("123"), "0"},
		{"ROUND(a, -19)", row("4999999999999999999"), "0"},
		{"ROUND(a, -100)", row("9223372036854775807"), "0"},
		{"ROUND(a, -1)", row("9223372036854775807"), "error: ^BIGINT out of range$"},
		{"ROUND(a, -1)", row("-9223372036854775807"), "error: ^BIGINT out of range$"},
		{"ROUND(a, -19)", row("5000000000000000000"), "error: ^BIGINT out of range$"},
		{"ROUND(a, -19)", row("-5000000000000000000"), "error: ^BIGINT out of range$"},
		{"FLOOR(a)", row("2.7"), "2.0"},
		{"FLOOR(a)", row("-2.2"), "-3.0"},
		{"FLOOR(a)", row("5"), "5"},
		{"CEIL(a)", row("2.1"), "3.0"},
		{"CEIL(a)", row("-2.7"), "-2.0"},
		{"CEIL(a)", row("-5"), "-5"},
		{"CARDINALITY(SPLIT(a, ' '))", row("'a b  c'"), "4"},
		{"CARDINALITY(a)", row("CAST(NULL AS ARRAY<STRING>)"), "NULL"},
		{"COALESCE(a, 'x')", row("'a'"), "'a'"},
	}
	runEvalCases(t, cases)

	// Every function that help lists has cases here.
	tested := map[string]bool{"NOW": true, "CURRENT_TIMESTAMP": true, "RAISE_ERROR": true} // below and in TestEvalErrorPosition
	for _, tc := range cases {
		name, _, _ := strings.Cut(tc.expr, "(")
		tested[name] = true
	}
	for _, f := range planner.Functions() {
		if !tested[f.Name] {
			t.Errorf("function %s has no cases in TestFunctions", f.Name)
		}
	}

	// NOW is never folded: it is a call in the plan, and each evaluation
	// reads the clock.
	for _, expr := range []string{"NOW()", "CURRENT_TIMESTAMP"} {
		v, typ, err := eval(t, expr)
		if err != nil || v.Kind() != types.KindTimestamp || typ != types.TIMESTAMP {
			t.Errorf("%s = %s %s %v, want a TIMESTAMP", expr, show(v), typ, err)
		}
	}
}

func TestLike(t *testing.T) {
	for _, tc := range []struct {
		s, pattern string
		want       bool
	}{
		{"abc", "abc", true},
		{"abc", "ABC", false}, // case-sensitive
		{"abc", "a%", true},
		{"abc", "%c", true},
		{"abc", "%b%", true},
		{"abc", "%", true},
		{"", "%", true},
		{"", "", true},
		{"abc", "", false},
		{"abc", "a_c", true},
		{"abc", "a_", false},
		{"abc", "___", true},
		{"héllo", "h_llo", true}, // _ is one character, not one byte
		{"a.c", "a.c", true},     // regexp characters are literal
		{"abc", "a.c", false},
		{"a+b*c", "a+b*c", true},
		{"(x)", "(x)", true},
		{"a^$b", "a^$b", true},
		{"100%", `100\%`, true}, // a backslash escapes % and _
		{"1000", `100\%`, false},
		{"a_b", `a\_b`, true},
		{"axb", `a\_b`, false},
		{`a\b`, `a\\b`, true},
		{"line1\nline2", "line1%line2", true}, // % spans newlines
		{"line1\nline2", "line1_line2", true},
	} {
		// the string and pattern come from the row, so nothing is folded
		expr := "a LIKE b"
		sqlRow := row(parser.QuoteString(tc.s), parser.QuoteString(tc.pattern))
		v, _, err := eval(t, expr, sqlRow...)
		if err != nil {
			t.Errorf("%q LIKE %q: %v", tc.s, tc.pattern, err)
			continue
		}
		if v.AsBool() != tc.want {
			t.Errorf("%q LIKE %q = %v, want %v", tc.s, tc.pattern, v.AsBool(), tc.want)
		}
		if nv, _, err := eval(t, "a NOT LIKE b", sqlRow...); err != nil || nv.AsBool() == tc.want {
			t.Errorf("%q NOT LIKE %q = %s %v, want %v", tc.s, tc.pattern, show(nv), err, !tc.want)
		}
	}
	if _, _, err := eval(t, "a LIKE b", "'x'", `'x\'`); err == nil || !strings.Contains(err.Error(), "ends with an escape character") {
		t.Errorf("a pattern ending in a backslash: got %v", err)
	}
}

func TestCast(t *testing.T) {
	runEvalCases(t, []evalCase{
		// STRING to BIGINT
		{"CAST(a AS BIGINT)", row("'42'"), "42"},
		{"CAST(a AS BIGINT)", row("' -7 '"), "-7"},
		{"CAST(a AS INT)", row("'+3'"), "3"},
		{"CAST(a AS BIGINT)", row("'9223372036854775807'"), "9223372036854775807"},
		{"CAST(a AS BIGINT)", row("'9223372036854775808'"), "error: ^cannot cast '9223372036854775808' to BIGINT$"},
		{"CAST(a AS BIGINT)", row("'4.2'"), "error: ^cannot cast '4.2' to BIGINT$"},
		{"CAST(a AS BIGINT)", row("'abc'"), "error: ^cannot cast 'abc' to BIGINT$"},
		{"CAST(a AS BIGINT)", row("''"), "error: ^cannot cast '' to BIGINT$"},
		// STRING to DOUBLE
		{"CAST(a AS DOUBLE)", row("'1.5'"), "1.5"},
		{"CAST(a AS DOUBLE)", row("' 1e3 '"), "1000.0"},
		{"CAST(a AS DOUBLE)", row("'-0.25'"), "-0.25"},
		{"CAST(a AS DOUBLE)", row("'1e400'"), "error: ^cannot cast '1e400' to DOUBLE$"},
		{"CAST(a AS DOUBLE)", row("'one'"), "error: ^cannot cast 'one' to DOUBLE$"},
		// STRING to BOOLEAN
		{"CAST(a AS BOOLEAN)", row("'true'"), "TRUE"},
		{"CAST(a AS BOOLEAN)", row("' YES '"), "TRUE"},
		{"CAST(a AS BOOLEAN)", row("'on'"), "TRUE"},
		{"CAST(a AS BOOLEAN)", row("'1'"), "TRUE"},
		{"CAST(a AS BOOLEAN)", row("'t'"), "TRUE"},
		{"CAST(a AS BOOLEAN)", row("'False'"), "FALSE"},
		{"CAST(a AS BOOLEAN)", row("'no'"), "FALSE"},
		{"CAST(a AS BOOLEAN)", row("'off'"), "FALSE"},
		{"CAST(a AS BOOLEAN)", row("'0'"), "FALSE"},
		{"CAST(a AS BOOL)", row("'maybe'"), "error: ^cannot cast 'maybe' to BOOLEAN$"},
		// STRING to TIMESTAMP
		{"CAST(a AS TIMESTAMP)", row("'2024-01-02 03:04:05'"), "TIMESTAMP '2024-01-02 03:04:05'"},
		{"CAST(a AS TIMESTAMP)", row("'2024-01-02 03:04:05.123'"), "TIMESTAMP '2024-01-02 03:04:05.123'"},
		{"CAST(a AS TIMESTAMP)", row("'2024-01-02T03:04:05'"), "TIMESTAMP '2024-01-02 03:04:05'"},
		{"CAST(a AS TIMESTAMP)", row("'2024-01-02 03:04'"), "TIMESTAMP '2024-01-02 03:04:00'"},
		{"CAST(a AS TIMESTAMP)", row("'2024-01-02'"), "TIMESTAMP '2024-01-02 00:00:00'"},
		{"CAST(a AS TIMESTAMP)", row("'2024-01-02T03:04:05+02:00'"), "TIMESTAMP '2024-01-02 01:04:05'"},
		{"CAST(a AS TIMESTAMP)", row("'2024-02-30'"), "error: ^cannot cast '2024-02-30' to TIMESTAMP$"},
		{"CAST(a AS TIMESTAMP)", row("'yesterday'"), "error: ^cannot cast 'yesterday' to TIMESTAMP$"},
		{"CAST(a AS TIMESTAMP)", row("'2262-04-11 23:47:16'"), "TIMESTAMP '2262-04-11 23:47:16'"},
		{"CAST(a AS TIMESTAMP)", row("'2262-04-12'"), "error: ^cannot cast '2262-04-12' to TIMESTAMP$"},
		{"CAST(a AS TIMESTAMP)", row("'1677-09-21'"), "error: ^cannot cast '1677-09-21' to TIMESTAMP$"},
		{"CAST(a AS TIMESTAMP)", row("'9999-12-31 23:59:59'"), "error: ^cannot cast '9999-12-31 23:59:59' to TIMESTAMP$"},
		// DOUBLE to BIGINT truncates toward zero
		{"CAST(a AS BIGINT)", row("2.7"), "2"},
		{"CAST(a AS BIGINT)", row("-2.7"), "-2"},
		{"CAST(a AS BIGINT)", row("0.999"), "0"},
		{"CAST(a AS BIGINT)", row("-9.2233720368547758e18"), "-9223372036854775808"},
		{"CAST(a AS BIGINT)", row("9.2233720368547758e18"), "error: ^cannot cast 9.223372036854776E18 to BIGINT: out of range$"},
		{"CAST(a AS BIGINT)", row("-1e19"), "error: ^cannot cast -1.0E19 to BIGINT: out of range$"},
		{"CAST(CAST(a AS DOUBLE) AS BIGINT)", row("'NaN'"), "error: ^cannot cast NaN to BIGINT: out of range$"},
		{"CAST(CAST(a AS DOUBLE) AS BIGINT)", row("'-Inf'"), "error: ^cannot cast -Infinity to BIGINT: out of range$"},
		// between numbers and booleans
		{"CAST(a AS DOUBLE)", row("3"), "3.0"},
		{"CAST(a AS BIGINT)", row("TRUE"), "1"},
		{"CAST(a AS DOUBLE)", row("FALSE"), "0.0"},
		{"CAST(a AS BOOLEAN)", row("0"), "FALSE"},
		{"CAST(a AS BOOLEAN)", row("-2"), "TRUE"},
		{"CAST(a AS BOOLEAN)", row("0.5"), "TRUE"},
		// anything but an array to STRING: as results are printed
		{"CAST(a AS STRING)", row("1e10"), "'1.0E10'"},
		{"CAST(a AS VARCHAR)", row("0.5"), "'0.5'"},
		{"CAST(a AS STRING)", row("TRUE"), "'TRUE'"},
		{"CAST(a AS STRING)", row("-12"), "'-12'"},
		{"CAST(a AS STRING)", row("TIMESTAMP '2024-01-02 03:04:05.5'"), "'2024-01-02 03:04:05.5'"},
		{"CAST(a AS STRING)", row("INTERVAL '90' SECOND"), "'1m30s'"},
		// arrays convert element by element
		{"CAST(SPLIT(a, ' ') AS ARRAY<BIGINT>)", row("'1 2 3'"), "[1, 2, 3]"},
		{"CAST(SPLIT(a, ' ') AS ARRAY<DOUBLE>)", row("'1 2.5'"), "[1.0, 2.5]"},
		{"CAST(SPLIT(a, ' ') AS ARRAY<BIGINT>)", row("'1 x'"), "error: ^cannot cast 'x' to BIGINT$"},
		// NULL casts to anything
		{"CAST(a AS BIGINT)", row(nullString), "NULL"},
		{"CAST(NULL AS TIMESTAMP)", nil, "NULL"},
		{"CAST(NULL AS ARRAY<STRING>)", nil, "NULL"},
	})
}

// TestCastToInterval builds the casts by hand: the parser does not accept
// INTERVAL as a type name in CAST (it is a reserved word).
func TestCastToInterval(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1 min", "INTERVAL '1m0s'"},
		{"1m30s", "INTERVAL '1m30s'"},
		{"500 milliseconds", "INTERVAL '500ms'"},
		{"2 days", "INTERVAL '48h0m0s'"},
		{"soon", "error: 1:1: cannot cast 'soon' to INTERVAL"},
	} {
		cast := &planner.Cast{X: &planner.ColumnRef{Index: 0, Name: "a", T: types.STRING}, T: types.INTERVAL,
			At: parser.Pos{Line: 1, Col: 1}}
		ev, err := planner.Compile(cast)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ev(types.Row{types.Str(tc.in)})
		got := show(v)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tc.want {
			t.Errorf("CAST(%q AS INTERVAL) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

package planner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// ruleQueries exercise every rewrite rule. They read only VALUES,
// GENERATE_SERIES and the view of ruleCatalog, so that their plans can be
// run by interpret.
var ruleQueries = []string{
	// fold_constants
	"SELECT n + (1 + 1) AS a, CASE WHEN FALSE THEN 0 WHEN n > 5 THEN 1 ELSE 2 END AS b, n > 1 AND TRUE AS c FROM GENERATE_SERIES(1, 10) AS g(n)",
	"SELECT n FROM GENERATE_SERIES(1, 5) AS g(n) WHERE 1 = 1",
	"SELECT n FROM GENERATE_SERIES(1, 5) AS g(n) WHERE 1 = 2 OR n > 3",
	"SELECT COALESCE(NULL, n, 0) AS a, CAST('12' AS BIGINT) + n AS b FROM GENERATE_SERIES(1, 3) AS g(n)",
	// push_down_filters
	"SELECT x FROM (SELECT n * 2 AS x, n FROM GENERATE_SERIES(1, 10) AS g(n) WHERE n > 1) AS sub WHERE x > 4",
	`SELECT line, word FROM (VALUES ('a b c'), ('hello world'), (''), ('aaaa bb'), ('ab  ab')) AS f(line)
	 CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
	 WHERE LENGTH(line) > 3 AND word <> '' AND line LIKE 'a%' AND word <> line`,
	`SELECT word, cnt FROM (
	   SELECT word, COUNT(*) AS cnt FROM (VALUES ('a b a'), ('b c'), ('a'), ('x a')) AS f(line)
	   CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word
	 ) AS c WHERE word <> 'c' AND cnt > 1 AND (word = 'x' OR cnt >= 2)`,
	"SELECT n % 3 AS k, SUM(n) AS s FROM GENERATE_SERIES(1, 30) AS g(n) GROUP BY n % 3 HAVING n % 3 <> 0 AND SUM(n) > 10",
	"SELECT * FROM (SELECT DISTINCT n % 5 AS m FROM GENERATE_SERIES(1, 100) AS g(n)) AS d WHERE m > 1",
	"SELECT w FROM (SELECT w FROM (SELECT UPPER(line) AS w FROM (VALUES ('ab'), (''), ('abcdef')) AS f(line)) AS a WHERE w <> '') AS b WHERE LENGTH(w) < 5",
	"SELECT COUNT(*) AS c FROM GENERATE_SERIES(1, 10) AS g(n) HAVING 1 = 0",
	"SELECT COUNT(*) AS c FROM GENERATE_SERIES(1, 10) AS g(n) HAVING COUNT(*) > 5",
	"SELECT k, c FROM (SELECT n % 4 AS k, COUNT(*) AS c FROM GENERATE_SERIES(1, 20) AS g(n) GROUP BY n % 4) AS s WHERE k + c > 5",
	"SELECT a, b FROM (SELECT n AS a, n * n AS b FROM GENERATE_SERIES(1, 9) AS g(n)) AS s(a, b) WHERE b > a + 10",
	"SELECT x FROM (VALUES (1, NULL), (2, 'b'), (NULL, 'c')) AS v(x, y) WHERE y IS NOT NULL AND (x IS NULL OR x > 1)",
	// prune_columns
	`SELECT k, s FROM (SELECT n % 3 AS k, SUM(n) AS s, MAX(n * 2) AS mx, COUNT(DISTINCT n + 1) AS c
	 FROM GENERATE_SERIES(1, 10) AS g(n) GROUP BY n % 3) AS a`,
	"SELECT k FROM (SELECT n % 3 AS k, COUNT(*) AS c FROM GENERATE_SERIES(1, 10) AS g(n) GROUP BY n % 3) AS a",
	"SELECT word FROM (VALUES ('a b'), ('c')) AS f(line) CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)",
	"SELECT word, line FROM (VALUES ('a b'), ('c')) AS f(line) CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)",
	"SELECT a, b FROM (VALUES ('x;y', 1)) AS f(line, z) CROSS JOIN UNNEST(SPLIT(line, ';')) AS x(a) CROSS JOIN UNNEST(SPLIT(a || ',q', ',')) AS y(b)",
	"SELECT 1 AS one FROM (SELECT COUNT(*) AS c FROM GENERATE_SERIES(1, 10)) AS s",
	// merge_projections and remove_identity_projections
	"SELECT y + 1 AS z FROM (SELECT x * 2 AS y FROM (SELECT n + 1 AS x FROM GENERATE_SERIES(1, 10) AS g(n)) AS a) AS b",
	"SELECT * FROM (SELECT * FROM GENERATE_SERIES(1, 10)) AS s",
	"SELECT x, x AS y, x + x AS z FROM (SELECT n * 3 AS x FROM GENERATE_SERIES(1, 4) AS g(n)) AS s",
	// aggregates
	`SELECT k, COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS s, MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean,
	        COUNT(DISTINCT v) AS dv, SUM(v) FILTER (WHERE v > 1) AS big, COUNT(*) FILTER (WHERE v IS NULL) AS nulls
	 FROM (VALUES ('a', 1), ('a', 2), ('a', 2), ('b', NULL), ('b', 5), ('c', NULL)) AS t(k, v) GROUP BY k`,
	"SELECT LOWER(k) AS u, COUNT(*) AS n FROM (VALUES ('A'), ('a'), ('b')) AS t(k) GROUP BY u",
	"SELECT LOWER(k) AS u, LENGTH(k) AS l, COUNT(*) AS n FROM (VALUES ('A'), ('a'), ('bb')) AS t(k) GROUP BY 1, 2",
	"SELECT DISTINCT c FROM (SELECT n % 3 AS k, COUNT(*) AS c FROM GENERATE_SERIES(1, 9) AS g(n) GROUP BY n % 3) AS s",
	"SELECT c, COUNT(*) AS keys FROM (SELECT n % 4 AS k, COUNT(*) AS c FROM GENERATE_SERIES(1, 10) AS g(n) GROUP BY n % 4) AS s GROUP BY c",
	"SELECT SUM(LENGTH(word)) AS letters, COUNT(DISTINCT word) AS words FROM (VALUES ('a bb a'), ('ccc')) AS f(line) CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)",
	"SELECT k + 1 AS next, COUNT(*) * 2 AS twice, CASE WHEN COUNT(*) > 2 THEN 'many' ELSE 'few' END AS how FROM (SELECT n % 2 AS k FROM GENERATE_SERIES(1, 5) AS g(n)) AS s GROUP BY k",
	// views
	"SELECT k, COUNT(*) AS c FROM v WHERE n > 3 GROUP BY k",
	"SELECT * FROM v AS w(a, b) WHERE b = 0",
}

func ruleCatalog(t *testing.T) *MemCatalog {
	cat := NewMemCatalog()
	stmt, err := parser.ParseStmt("", "CREATE VIEW v AS SELECT n, n % 3 AS k FROM GENERATE_SERIES(1, 20) AS g(n)")
	if err != nil {
		t.Fatal(err)
	}
	def, err := DefineView(cat, stmt.(*parser.CreateViewStmt))
	if err != nil {
		t.Fatal(err)
	}
	cat.AddView(def)
	return cat
}

func bindQuery(t *testing.T, cat Catalog, sql string) Node {
	t.Helper()
	stmt, err := parser.ParseStmt("", sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	rel, err := newBinder(cat).bindSelect(stmt.(*parser.SelectStmt))
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rel.node
}

// TestRulesKeepSchema applies every rule to the bound plan of each query,
// alone and in the pipeline's order, and checks that the output schema
// stays the same. optimize checks it too; here each rule also meets plans
// that the rules before it would have changed.
func TestRulesKeepSchema(t *testing.T) {
	cat := ruleCatalog(t)
	for _, q := range ruleQueries {
		bound := bindQuery(t, cat, q)
		want := bound.Schema()
		n := bound
		for _, r := range rules {
			if got := r.apply(bound).Schema(); !got.Equal(want) {
				t.Errorf("%s\nrule %s alone changes the schema from %s to %s", q, r.name, want, got)
			}
			n = r.apply(n)
			if got := n.Schema(); !got.Equal(want) {
				t.Errorf("%s\nrule %s in the pipeline changes the schema from %s to %s", q, r.name, want, got)
			}
			if got := r.apply(n).Schema(); !got.Equal(want) {
				t.Errorf("%s\nrule %s applied twice changes the schema from %s to %s", q, r.name, want, got)
			}
		}
		if _, err := optimize(bound); err != nil {
			t.Errorf("%s\n%v", q, err)
		}
	}
}

// TestRulesKeepResults runs the bound and the optimized plan of each query
// and checks that they give the same rows.
func TestRulesKeepResults(t *testing.T) {
	cat := ruleCatalog(t)
	for _, q := range ruleQueries {
		bound := bindQuery(t, cat, q)
		optimized, err := optimize(bound)
		if err != nil {
			t.Fatalf("%s\n%v", q, err)
		}
		want, err := interpret(bound)
		if err != nil {
			t.Fatalf("%s\nbound plan: %v", q, err)
		}
		got, err := interpret(optimized)
		if err != nil {
			t.Fatalf("%s\noptimized plan: %v", q, err)
		}
		if len(want) == 0 && !strings.Contains(q, "1 = 0") {
			t.Errorf("%s\ngives no rows: a weak test", q)
		}
		if w, g := rowSet(want), rowSet(got); w != g {
			t.Errorf("%s\nthe rules change the result\nbound:\n%s\noptimized:\n%s\nbound plan:\n%s\noptimized plan:\n%s",
				q, w, g, explainTree(bound), explainTree(optimized))
		}
	}
}

func explainTree(n Node) string {
	var b strings.Builder
	writeTree(&b, n, "", "")
	return b.String()
}

// rowSet renders rows in a canonical order, as a multiset.
func rowSet(rows []types.Row) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, v := range r {
			parts[j] = valueKey(v)
		}
		lines[i] = strings.Join(parts, ", ")
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func valueKey(v types.Value) string { return fmt.Sprintf("%s:%s", v.Kind(), v) }

// interpret runs a logical plan to its final result. An aggregate gives one
// row per group with input rows, as a streaming aggregate's final state:
// without input, even a global aggregate gives no row.
func interpret(n Node) ([]types.Row, error) {
	if scan, ok := n.(*Scan); ok {
		return scanRows(scan.Source)
	}
	in, err := interpret(n.Children()[0])
	if err != nil {
		return nil, err
	}
	var out []types.Row
	switch x := n.(type) {
	case *Filter:
		cond, err := Compile(x.Cond)
		if err != nil {
			return nil, err
		}
		for _, row := range in {
			v, err := cond(row)
			if err != nil {
				return nil, err
			}
			if !v.IsNull() && v.AsBool() {
				out = append(out, row)
			}
		}
	case *Project:
		evs, err := compileAll(x.Exprs)
		if err != nil {
			return nil, err
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
	case *Unnest:
		arr, err := Compile(x.Array)
		if err != nil {
			return nil, err
		}
		for _, row := range in {
			v, err := arr(row)
			if err != nil {
				return nil, err
			}
			for _, elem := range v.AsArray() {
				r := types.Row{}
				for _, k := range x.Keep {
					r = append(r, row[k])
				}
				out = append(out, append(r, elem))
			}
		}
	case *Aggregate:
		return aggregateRows(x, in), nil
	default:
		return nil, fmt.Errorf("cannot interpret %T", n)
	}
	return out, nil
}

func scanRows(src *SourceSpec) ([]types.Row, error) {
	switch src.Connector {
	case ConnectorValues:
		rows := make([]types.Row, len(src.Rows))
		for i, r := range src.Rows {
			rows[i] = r
		}
		return rows, nil
	case ConnectorSeries:
		var bounds [3]int64
		for i, key := range []string{"start", "stop", "step"} {
			v, err := strconv.ParseInt(src.Options[key], 10, 64)
			if err != nil {
				return nil, err
			}
			bounds[i] = v
		}
		start, stop, step := bounds[0], bounds[1], bounds[2]
		var rows []types.Row
		for i := start; (step > 0 && i <= stop) || (step < 0 && i >= stop); i += step {
			rows = append(rows, types.Row{types.Int(i)})
		}
		return rows, nil
	}
	return nil, fmt.Errorf("cannot scan %s", src.Connector)
}

type aggState struct {
	count    int64
	sum      types.Value
	extreme  types.Value
	floatSum float64
	seen     map[string]bool
}

func aggregateRows(x *Aggregate, in []types.Row) []types.Row {
	type group struct {
		keys   types.Row
		states []*aggState
	}
	var order []string
	groups := map[string]*group{}
	for _, row := range in {
		var key strings.Builder
		keys := make(types.Row, len(x.Keys))
		for i, k := range x.Keys {
			keys[i] = row[k]
			key.WriteString(valueKey(row[k]) + "|")
		}
		g := groups[key.String()]
		if g == nil {
			g = &group{keys: keys}
			for range x.Aggs {
				g.states = append(g.states, &aggState{seen: map[string]bool{}})
			}
			groups[key.String()] = g
			order = append(order, key.String())
		}
		for i, a := range x.Aggs {
			s := g.states[i]
			if a.Filter >= 0 && (row[a.Filter].IsNull() || !row[a.Filter].AsBool()) {
				continue
			}
			if a.Kind == AggCountStar {
				s.count++
				continue
			}
			v := row[a.Arg]
			if v.IsNull() {
				continue
			}
			if a.Distinct {
				if s.seen[valueKey(v)] {
					continue
				}
				s.seen[valueKey(v)] = true
			}
			s.count++
			s.floatSum += v.AsFloat()
			switch {
			case s.sum.IsNull():
				s.sum = v
			case v.Kind() == types.KindInt:
				s.sum = types.Int(s.sum.AsInt() + v.AsInt())
			case v.Kind() == types.KindInterval:
				s.sum = types.Interval(s.sum.AsInterval() + v.AsInterval())
			default:
				s.sum = types.Float(s.sum.AsFloat() + v.AsFloat())
			}
			c := types.Compare(v, s.extreme)
			if s.extreme.IsNull() || (a.Kind == AggMin && c < 0) || (a.Kind == AggMax && c > 0) {
				s.extreme = v
			}
		}
	}
	var out []types.Row
	for _, k := range order {
		g := groups[k]
		row := append(types.Row{}, g.keys...)
		for i, a := range x.Aggs {
			s := g.states[i]
			switch a.Kind {
			case AggCountStar, AggCount:
				row = append(row, types.Int(s.count))
			case AggSum:
				row = append(row, s.sum)
			case AggMin, AggMax:
				row = append(row, s.extreme)
			case AggAvg:
				if s.count == 0 {
					row = append(row, types.Null)
				} else {
					row = append(row, types.Float(s.floatSum/float64(s.count)))
				}
			}
		}
		out = append(out, row)
	}
	return out
}

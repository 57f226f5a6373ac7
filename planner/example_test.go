package planner_test

import (
	"errors"
	"fmt"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// Plan the word count over a file and show its plans. Parallelism is set
// so that the plan does not depend on the machine's number of CPUs, the
// default.
func ExamplePlanner_Plan() {
	stmt, err := parser.ParseStmt("", `SELECT word, COUNT(*) AS cnt
FROM FILE('big.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
GROUP BY word
WITH (parallelism = 2)`)
	if err != nil {
		panic(err)
	}
	plan, err := planner.New(planner.NewMemCatalog()).Plan(stmt, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(plan.Schema)
	fmt.Print(plan.Explain(parser.ExplainAll))
	// Output:
	// [word STRING, cnt BIGINT]
	// == Logical Plan ==
	// Aggregate: keys=[word] aggs=[cnt=COUNT(*)]
	// └─ Unnest: SPLIT(line, ' ') AS word
	//    └─ Scan: FILE('big.txt') [line STRING]
	//
	// == Physical Plan ==
	// Sink: print (format=changelog)  [id=3 parallelism=1 updating]
	// └─ Exchange: gather
	//    └─ GroupAggregate (keys=[word], aggs=[cnt=COUNT(*)])  [id=2 parallelism=2 stateful updating]
	//       └─ Exchange: hash[word]
	//          └─ Unnest (SPLIT(line, ' ') AS word)  [id=1 parallelism=1]
	//             └─ Source: FILE('big.txt') [line STRING]  [id=0 parallelism=1]
	//
	// job select_4a9fa784: bounded, no checkpoints, restart none
}

// Define a source with CREATE SOURCE, keep it in a catalog, and plan a
// query that reads it. The session's settings (SET) are the defaults of
// the query's WITH options.
func ExampleNew() {
	cat := planner.NewMemCatalog()
	script := `
CREATE SOURCE words (line STRING) WITH (connector = 'socket', address = 'localhost:9100');
SELECT word, COUNT(*) AS cnt
FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
WHERE word <> ''
GROUP BY word
WITH (checkpoint_interval = '1s', restart = 'fixed-delay(3, 10s)');`
	stmts, err := parser.ParseScript("wordcount.sql", script)
	if err != nil {
		panic(err)
	}
	settings := map[string]string{"parallelism": "4"}
	for _, s := range stmts {
		switch stmt := s.Stmt.(type) {
		case *parser.CreateSourceStmt:
			def, err := planner.DefineSource(stmt)
			if err != nil {
				panic(err)
			}
			cat.AddSource(def)
			fmt.Printf("source %s %s\n", def.Name, def.Columns)
		case *parser.SelectStmt:
			plan, err := planner.New(cat).Plan(stmt, settings)
			if err != nil {
				panic(err)
			}
			fmt.Print(plan.Explain(parser.ExplainPhysical))
		}
	}
	// Output:
	// source words [line STRING]
	// == Physical Plan ==
	// Sink: print (format=changelog)  [id=4 parallelism=1 updating]
	// └─ Exchange: gather
	//    └─ GroupAggregate (keys=[word], aggs=[cnt=COUNT(*)])  [id=3 parallelism=4 stateful updating]
	//       └─ Exchange: hash[word]
	//          └─ Calc (filter=word <> '')  [id=2 parallelism=1]
	//             └─ Unnest (SPLIT(line, ' ') AS word)  [id=1 parallelism=1]
	//                └─ Source: words [line STRING] (connector=socket, address=localhost:9100, format=lines, max_retries=10)  [id=0 parallelism=1]
	//
	// job select_0283248f: unbounded, checkpoint every 1s, restart fixed-delay(3, 10s)
}

// Errors in SQL are *parser.Errors that say where: show the line with a
// caret under the offending token.
func ExamplePlanner_Plan_error() {
	src := "SELECT wrod, COUNT(*)\nFROM FILE('big.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)\nGROUP BY word"
	stmt, err := parser.ParseStmt("query.sql", src)
	if err != nil {
		panic(err)
	}
	_, err = planner.New(planner.NewMemCatalog()).Plan(stmt, nil)
	var perr *parser.Error
	if errors.As(err, &perr) {
		fmt.Println(err)
		fmt.Println(parser.Excerpt(src, perr.Pos))
	}
	// Output:
	// query.sql:1:8: unknown column "wrod" (did you mean "word"?)
	// SELECT wrod, COUNT(*)
	//        ^
}

// A plan's expressions are data; Compile turns one into a function of a
// row, which is what the runtime does for each operator.
func ExampleCompile() {
	stmt, err := parser.ParseStmt("", "SELECT UPPER(name) || '!' AS shout FROM (VALUES ('ada'), ('bob')) AS v(name) WITH (parallelism = 1)")
	if err != nil {
		panic(err)
	}
	plan, err := planner.New(planner.NewMemCatalog()).Plan(stmt, nil)
	if err != nil {
		panic(err)
	}
	project := plan.Logical.(*planner.Project)
	eval, err := planner.Compile(project.Exprs[0])
	if err != nil {
		panic(err)
	}
	for _, row := range []types.Row{{types.Str("ada")}, {types.Null}} {
		v, err := eval(row)
		fmt.Println(v, err)
	}
	// Output:
	// ADA! <nil>
	// NULL <nil>
}

// Options are written in SQL as Flink users write them.
func ExampleParseRestartStrategy() {
	r, err := planner.ParseRestartStrategy("failure-rate(3, 5 min, 10s)")
	fmt.Println(r.Kind == planner.RestartFailureRate, r.MaxFailures, r.Interval, r.Delay, err)
	_, err = planner.ParseRestartStrategy("fixed-delay(3)")
	fmt.Println(err)
	// Output:
	// true 3 5m0s 10s <nil>
	// fixed-delay takes (attempts, delay), e.g. 'fixed-delay(3, 10s)'
}

func ExampleParseDuration() {
	for _, s := range []string{"500ms", "1m30s", "1 min", "2 hours", "10"} {
		d, _ := planner.ParseDuration(s)
		fmt.Println(s, "=", d, "=", planner.FormatDuration(d))
	}
	// Output:
	// 500ms = 500ms = 500ms
	// 1m30s = 1m30s = 1m30s
	// 1 min = 1m0s = 1min
	// 2 hours = 2h0m0s = 2h
	// 10 = 10s = 10s
}

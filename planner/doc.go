// Package planner turns parsed SQL into plans: it resolves names against a
// Catalog, checks types, builds a logical plan, rewrites it, and lowers it
// to a physical plan that package exec runs. It imports only package parser
// and the standard library, so a program can plan and explain queries
// without the runtime:
//
//	cat := planner.NewMemCatalog()
//	stmt, _ := parser.ParseStmt("", "SELECT word, COUNT(*) FROM FILE('words.txt') "+
//		"CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word")
//	plan, err := planner.New(cat).Plan(stmt, nil)
//	if err != nil {
//		return err // a *parser.Error: file:line:col: message
//	}
//	fmt.Print(plan.Explain(parser.ExplainAll))
//
// The pieces, one concept per file:
//
//   - catalog.go: sources, sinks and views (Catalog, MemCatalog, DefineSource).
//   - bind*.go: name resolution and type checking into the logical plan.
//   - expr.go, eval.go: bound expressions as data, and Compile to run them.
//   - builtins.go, operators.go, aggregates.go, cast.go: the functions.
//   - logical.go: the logical nodes (Scan, Filter, Project, Unnest, Aggregate).
//   - rules.go, rule_*.go: the rewrite rules, each documented as
//     pattern ⇒ replacement, with the output schema checked after each.
//   - physical.go: operators with stable ids, parallelism and exchanges.
//   - explain.go: EXPLAIN.
//   - options.go, duration.go, connectors.go: job and connector options.
//
// Every error about SQL is a *parser.Error positioned at the offending
// token; runtime errors of compiled expressions are *EvalError, positioned
// at the expression.
package planner

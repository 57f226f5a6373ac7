// Package parser turns streamsql's SQL text into a syntax tree.
//
// It is the only package that knows participle: grammar.go holds the
// participle grammar, build.go turns its parse tree into the AST of ast.go,
// whose node families (Stmt, Expr, FromItem) are closed like go/ast's.
// Every node carries the Pos where it starts (operators: where the operator
// is), and every error is an *Error rendering as file:line:col: message.
//
// A script is parsed a statement at a time, so a caller can run the
// statements before a syntax error:
//
//	stmts, err := parser.ParseScript("job.sql", src)
//	for _, s := range stmts {
//		run(s.Stmt)
//	}
//	if err != nil {
//		var perr *parser.Error
//		if errors.As(err, &perr) {
//			fmt.Println(err)
//			fmt.Println(parser.Excerpt(src, perr.Pos))
//		}
//	}
//
// Format renders any node as canonical SQL; parsing its output gives back
// the same tree.
package parser

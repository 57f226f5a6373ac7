package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// reservedWords cannot be used as unquoted identifiers: they are the words
// that could otherwise be mistaken for an alias (FROM t WHERE ...) or that
// start an expression form. Everything else (SOURCE, JOBS, COUNT, ...) is an
// ordinary identifier matched by value where the grammar needs it, so users
// can still name a column "count" or "timestamp".
var reservedWords = []string{
	"ALL", "AND", "AS", "BETWEEN", "BY", "CASE", "CAST", "CROSS", "DISTINCT", "ELSE", "END",
	"EXCEPT", "FALSE", "FILTER", "FROM", "FULL", "GROUP", "HAVING", "IN", "INNER", "INTERSECT",
	"INTERVAL", "IS", "JOIN", "LEFT", "LIKE", "LIMIT", "NOT", "NULL", "ON", "OR", "ORDER",
	"OUTER", "RIGHT", "SELECT", "THEN", "TRUE", "UNION", "VALUES", "WHEN", "WHERE",
	"WINDOW", "WITH",
}

// isReserved reports whether word (any case) is a reserved word.
func isReserved(word string) bool {
	_, ok := reservedSet[strings.ToUpper(word)]
	return ok
}

var reservedSet = func() map[string]struct{} {
	m := make(map[string]struct{}, len(reservedWords))
	for _, w := range reservedWords {
		m[w] = struct{}{}
	}
	return m
}()

// sqlLexer tokenizes SQL. Rules are tried in order, so Keyword precedes Ident
// and the Unterminated*/Invalid rules only match what nothing else did; the
// splitter turns those into positioned errors that say what is wrong.
var sqlLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `--[^\n]*|/\*(?s:.*?)\*/`},
	{Name: "UnterminatedComment", Pattern: `/\*(?s:.*)`},
	{Name: "Whitespace", Pattern: `\s+`},
	{Name: "String", Pattern: `'(?:[^']|'')*'`},
	{Name: "UnterminatedString", Pattern: `'(?s:.*)`},
	{Name: "QuotedIdent", Pattern: `"(?:[^"]|"")*"`},
	{Name: "UnterminatedIdent", Pattern: `"(?s:.*)`},
	{Name: "Float", Pattern: `(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+`},
	{Name: "Int", Pattern: `\d+`},
	{Name: "Keyword", Pattern: `(?i)\b(?:` + strings.Join(reservedWords, "|") + `)\b`},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_$]*`},
	{Name: "Operator", Pattern: `<>|!=|<=|>=|\|\||=>|::|[-+*/%=<>(),.;\[\]]`},
	{Name: "Invalid", Pattern: `.`},
})

var (
	tokEOF                 = lexer.EOF
	tokComment             = sqlLexer.Symbols()["Comment"]
	tokWhitespace          = sqlLexer.Symbols()["Whitespace"]
	tokUnterminatedComment = sqlLexer.Symbols()["UnterminatedComment"]
	tokUnterminatedString  = sqlLexer.Symbols()["UnterminatedString"]
	tokUnterminatedIdent   = sqlLexer.Symbols()["UnterminatedIdent"]
	tokInvalid             = sqlLexer.Symbols()["Invalid"]
	tokOperator            = sqlLexer.Symbols()["Operator"]
)

// tokenSlice replays already-lexed tokens to participle, so each statement of
// a script is parsed on its own while keeping positions in the whole file.
type tokenSlice struct {
	toks []lexer.Token
	eof  lexer.Token
}

func (t *tokenSlice) Next() (lexer.Token, error) {
	if len(t.toks) == 0 {
		return t.eof, nil
	}
	tok := t.toks[0]
	t.toks = t.toks[1:]
	return tok, nil
}

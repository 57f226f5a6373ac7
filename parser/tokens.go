package parser

import (
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// TokenKind classifies a Token.
type TokenKind int

// The kinds of Token. The Unterminated kinds are a string, quoted
// identifier or block comment still open at the end of the text: what a
// user typing a statement line by line has not finished yet.
const (
	TokenWord TokenKind = iota // an identifier or keyword, unquoted
	TokenQuotedIdent
	TokenString
	TokenNumber
	TokenOperator // punctuation and operators: ( ) , ; . = <> ...
	TokenComment
	TokenUnterminated
	TokenInvalid
)

// Token is a lexical token of SQL text, for tools that work on text which
// may not parse yet, such as a shell's completion.
type Token struct {
	Kind TokenKind
	Text string
	// Offset is the byte offset of the token in the text.
	Offset int
}

// Tokenize splits src into tokens, whitespace left out. It never fails: what
// the parser would reject comes back as TokenInvalid or TokenUnterminated.
func Tokenize(src string) []Token {
	lex, err := sqlLexer.LexString("", src)
	if err != nil {
		return nil
	}
	var out []Token
	for {
		t, err := lex.Next()
		if err != nil || t.EOF() {
			return out
		}
		if t.Type == tokWhitespace {
			continue
		}
		out = append(out, Token{Kind: tokenKind(t.Type), Text: t.Value, Offset: t.Pos.Offset})
	}
}

var (
	tokString      = sqlLexer.Symbols()["String"]
	tokQuotedIdent = sqlLexer.Symbols()["QuotedIdent"]
	tokInt         = sqlLexer.Symbols()["Int"]
	tokFloat       = sqlLexer.Symbols()["Float"]
)

func tokenKind(t lexer.TokenType) TokenKind {
	switch t {
	case tokComment:
		return TokenComment
	case tokUnterminatedComment, tokUnterminatedString, tokUnterminatedIdent:
		return TokenUnterminated
	case tokInvalid:
		return TokenInvalid
	case tokOperator:
		return TokenOperator
	case tokString:
		return TokenString
	case tokQuotedIdent:
		return TokenQuotedIdent
	case tokInt, tokFloat:
		return TokenNumber
	}
	return TokenWord
}

// EndsStatement reports whether src, typed so far, ends a statement: its
// last token other than a comment is a semicolon that is not inside a
// string, quoted identifier or comment. A shell reads lines until it does.
func EndsStatement(src string) bool {
	toks := Tokenize(src)
	for i := len(toks) - 1; i >= 0; i-- {
		switch t := toks[i]; {
		case t.Kind == TokenComment:
			continue
		case t.Kind == TokenOperator && t.Text == ";":
			return true
		default:
			return false
		}
	}
	return false
}

// statementWords are the words the grammar matches by value without
// reserving them.
var statementWords = []string{
	"CANCEL", "CHECKPOINTS", "CREATE", "DESC", "DESCRIBE", "DROP", "EXISTS", "EXPLAIN", "FOR",
	"FUNCTIONS", "IF", "INSERT", "INTO", "JOB", "JOBS", "LOGICAL", "PHYSICAL", "RESET", "SAVEPOINT",
	"SET", "SETTINGS", "SHOW", "SINK", "SINKS", "SOURCE", "SOURCES", "STOP", "TIMESTAMP", "TO",
	"UNNEST", "VIEW", "VIEWS",
}

// Keywords returns every keyword of the language in upper case, sorted:
// the reserved words and those the grammar recognizes where a statement
// needs them.
func Keywords() []string {
	out := append(append([]string(nil), reservedWords...), statementWords...)
	sort.Strings(out)
	return out
}

// IsKeyword reports whether word (any case) is one of Keywords.
func IsKeyword(word string) bool {
	if isReserved(word) {
		return true
	}
	w := strings.ToUpper(word)
	for _, k := range statementWords {
		if k == w {
			return true
		}
	}
	return false
}

package parser

import (
	"errors"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// MaxNesting is how deeply parentheses and CASE expressions may nest.
const MaxNesting = 1000

// Statement is one statement of a script together with its source text.
type Statement struct {
	Stmt Stmt
	// Text is the statement as written, without the terminating semicolon.
	Text string
}

var stmtParser = participle.MustBuild[stmtG](
	participle.Lexer(sqlLexer),
	participle.CaseInsensitive("Keyword", "Ident"),
	participle.UseLookahead(4),
)

var exprParser = participle.MustBuild[exprG](
	participle.Lexer(sqlLexer),
	participle.CaseInsensitive("Keyword", "Ident"),
	participle.UseLookahead(4),
)

// ParseScript parses a script of statements separated by semicolons (the last
// one may omit it). Statements are parsed one at a time, so on an error it
// returns every statement before the faulty one together with the error:
// a caller that runs statements in order can run those first.
func ParseScript(filename, src string) ([]Statement, error) {
	chunks, lexErr := split(filename, src)
	var out []Statement
	for _, c := range chunks {
		stmt, err := parseChunk(c)
		if err != nil {
			return out, err
		}
		out = append(out, Statement{Stmt: stmt, Text: src[c.start:c.end]})
	}
	return out, lexErr
}

// ParseStmt parses exactly one statement; a trailing semicolon is allowed.
func ParseStmt(filename, src string) (Stmt, error) {
	stmts, err := ParseScript(filename, src)
	if err != nil {
		return nil, err
	}
	switch len(stmts) {
	case 0:
		return nil, Errorf(Pos{File: filename, Line: 1, Col: 1}, "empty statement")
	case 1:
		return stmts[0].Stmt, nil
	}
	return nil, Errorf(stmts[1].Stmt.Pos(), "expected one statement, found %d", len(stmts))
}

// ParseExpr parses a single scalar expression.
func ParseExpr(src string) (Expr, error) {
	toks, end, err := lex("", src)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if t.Value == ";" && t.Type == tokOperator {
			return nil, Errorf(pos(t.Pos), "unexpected %q in expression", ";")
		}
	}
	g, err := exprParser.ParseFromLexer(peek(toks, end))
	if err != nil {
		return nil, translate(err)
	}
	b := &builder{}
	e := b.expr(g)
	return e, b.err
}

// chunk is the tokens of one statement and where its text is.
type chunk struct {
	toks       []lexer.Token
	eof        lexer.Token // placed at the ';' or the end of input
	start, end int         // byte offsets of the statement's text
}

// split lexes src and cuts it into statements at semicolons. On a lexical
// error it returns the statements before the error and the error.
func split(filename, src string) ([]chunk, error) {
	toks, eof, lexErr := lex(filename, src)
	var chunks []chunk
	var cur []lexer.Token
	depth := 0
	flush := func(end lexer.Token) {
		if len(cur) > 0 {
			chunks = append(chunks, chunk{toks: cur, eof: lexer.EOFToken(end.Pos), start: cur[0].Pos.Offset, end: end.Pos.Offset})
		}
		cur, depth = nil, 0
	}
	for _, t := range toks {
		if t.Type == tokOperator && t.Value == ";" {
			flush(t)
			continue
		}
		// Every later stage recurses over the tree; bound the nesting here so
		// that no input can exhaust the stack.
		switch strings.ToUpper(t.Value) {
		case "(", "CASE":
			if depth++; depth > MaxNesting {
				return chunks, Errorf(pos(t.Pos), "expression is nested too deeply (more than %d levels)", MaxNesting)
			}
		case ")", "END":
			depth--
		}
		cur = append(cur, t)
	}
	if lexErr != nil {
		// The statement the error is in is incomplete: report the error, not
		// a confusing "unexpected end" for the part before it.
		return chunks, lexErr
	}
	flush(eof)
	return chunks, nil
}

// lex returns the significant tokens of src (no whitespace or comments) and
// an EOF token at its end. It stops at the first malformed token.
func lex(filename, src string) ([]lexer.Token, lexer.Token, error) {
	l, err := sqlLexer.LexString(filename, src)
	if err != nil {
		return nil, lexer.Token{}, err
	}
	var toks []lexer.Token
	for {
		t, err := l.Next()
		if err != nil {
			var perr participle.Error
			if errors.As(err, &perr) {
				return toks, lexer.Token{}, Errorf(pos(perr.Position()), "%s", strings.TrimPrefix(perr.Message(), "lexer: "))
			}
			return toks, lexer.Token{}, err
		}
		switch t.Type {
		case tokEOF:
			return toks, t, nil
		case tokWhitespace, tokComment:
			continue
		case tokUnterminatedComment:
			return toks, t, Errorf(pos(t.Pos), "unterminated comment")
		case tokUnterminatedString:
			return toks, t, Errorf(pos(t.Pos), "unterminated string literal")
		case tokUnterminatedIdent:
			return toks, t, Errorf(pos(t.Pos), "unterminated quoted identifier")
		case tokInvalid:
			return toks, t, Errorf(pos(t.Pos), "unexpected character %q", t.Value)
		}
		toks = append(toks, t)
	}
}

func peek(toks []lexer.Token, eof lexer.Token) *lexer.PeekingLexer {
	pl, err := lexer.Upgrade(&tokenSlice{toks: toks, eof: eof})
	if err != nil {
		panic(fmt.Sprintf("parser: replaying tokens cannot fail: %v", err))
	}
	return pl
}

func parseChunk(c chunk) (Stmt, error) {
	g, err := stmtParser.ParseFromLexer(peek(c.toks, c.eof))
	if err != nil {
		return nil, translate(err)
	}
	b := &builder{}
	stmt := b.stmt(g)
	return stmt, b.err
}

// translate turns participle's errors into ours: positioned, lowercase and
// phrased for SQL users rather than in terms of the grammar.
func translate(err error) error {
	var unexpected *participle.UnexpectedTokenError
	if errors.As(err, &unexpected) {
		tok := unexpected.Unexpected
		if tok.EOF() {
			return Errorf(pos(tok.Pos), "unexpected end of statement")
		}
		return Errorf(pos(tok.Pos), "syntax error at or near %q", tok.Value)
	}
	var perr participle.Error
	if errors.As(err, &perr) {
		return Errorf(pos(perr.Position()), "%s", perr.Message())
	}
	return err
}

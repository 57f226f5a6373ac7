package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a positioned error in SQL text. Every error the parser and the
// planner return for bad SQL is an *Error, so callers can draw the offending
// line (see Excerpt).
type Error struct {
	Pos Pos
	Msg string
}

// Error renders file:line:col: message (line:col: message without a file).
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Errorf returns an *Error at pos with a formatted message.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Excerpt returns the line of src that pos is on and a caret under the
// column, for showing an error to a person:
//
//	SELECT wrod FROM t
//	       ^
//
// Tabs in the line are kept in the caret line so the caret lines up.
func Excerpt(src string, pos Pos) string {
	if !pos.IsValid() {
		return ""
	}
	lines := strings.Split(src, "\n")
	if pos.Line > len(lines) {
		return ""
	}
	line := strings.TrimRight(lines[pos.Line-1], "\r")
	var caret strings.Builder
	col := 1
	for _, r := range line {
		if col >= pos.Col {
			break
		}
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
		col++
	}
	for ; col < pos.Col; col++ {
		caret.WriteByte(' ')
	}
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	return line + "\n" + caret.String() + "^"
}

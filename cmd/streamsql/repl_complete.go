package main

import (
	"sort"
	"strings"
	"unicode"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
)

// complete is the shell's tab completion. pending is the statement's
// earlier lines, line the one being edited with the cursor at rune pos. It
// returns the text before the word being completed, the candidates for the
// word, and the text after the cursor, as liner wants them.
//
// What is offered depends on where the cursor is: columns after "name." or
// "alias."; option names inside WITH (...); sources and views after FROM or
// JOIN, sinks after INTO, settings after SET; otherwise keywords,
// functions, names and the columns of the relations the statement reads.
func complete(cat *planner.MemCatalog, pending, line string, pos int) (string, []string, string) {
	runes := []rune(line)
	pos = min(max(pos, 0), len(runes))
	before, tail := string(runes[:pos]), string(runes[pos:])
	start := len(before)
	for start > 0 && isWordByte(before[start-1]) {
		start--
	}
	head, word := before[:start], before[start:]

	text := pending + "\n" + head // what comes before the word
	if pending == "" {
		text = head
	}
	full := pending + "\n" + line
	ctx := parser.Tokenize(text)
	if n := len(ctx); n > 0 && (ctx[n-1].Kind == parser.TokenString || ctx[n-1].Kind == parser.TokenUnterminated ||
		ctx[n-1].Kind == parser.TokenComment) && ctx[n-1].Offset+len(ctx[n-1].Text) >= len(text) {
		return head, nil, tail // inside a string or comment: nothing to offer
	}
	rels := readRelations(parser.Tokenize(full), cat)

	var cands []string
	switch prev, prev2 := lastWords(ctx); {
	case pending == "" && isCommand(head):
		cands = helpTopics()
	case prev == ".":
		cands = rels.columns[strings.ToLower(prev2)]
	case inWith(ctx) && (prev == "(" || prev == ","):
		cands = optionNames(ctx)
	case prev == "from" || prev == "join":
		cands = append(relationNames(cat), sourceFunctionNames()...)
		cands = append(cands, "UNNEST", "VALUES")
	case prev == "into":
		for _, s := range cat.Sinks() {
			cands = append(cands, s.Name)
		}
	case prev == "set" || prev == "reset":
		for _, s := range planner.Settings() {
			cands = append(cands, s.Name)
		}
	case prev == "describe" || (prev2 == "drop" && (prev == "source" || prev == "sink" || prev == "view")):
		cands = droppable(cat, prev)
	case prev == "show":
		cands = []string{"SOURCES", "SINKS", "VIEWS", "JOBS", "SETTINGS", "FUNCTIONS", "CHECKPOINTS"}
	default:
		cands = append(parser.Keywords(), functionNames()...)
		cands = append(cands, relationNames(cat)...)
		for _, cols := range rels.columns {
			cands = append(cands, cols...)
		}
		if len(rels.columns) == 0 {
			// No FROM yet (SELECT comes first): any relation's columns.
			for _, name := range relationNames(cat) {
				cands = append(cands, relationColumns(cat, name)...)
			}
		}
	}
	return head, matching(cands, word), tail
}

// relations is what a statement reads: the columns of each relation by
// its name or alias (lower case).
type relations struct {
	columns map[string][]string
}

// readRelations finds the relations a statement reads: catalog names after
// FROM, JOIN or a comma, source functions and UNNEST, each under its alias
// too, with the columns an alias list gives.
func readRelations(toks []parser.Token, cat *planner.MemCatalog) relations {
	r := relations{columns: map[string][]string{}}
	var opened []string // for each open parenthesis, the word before it
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.Text == "(":
			word := ""
			if i > 0 && toks[i-1].Kind == parser.TokenWord {
				word = strings.ToUpper(toks[i-1].Text)
			}
			opened = append(opened, word)
		case t.Text == ")" && len(opened) > 0:
			fn := opened[len(opened)-1]
			opened = opened[:len(opened)-1]
			var cols []string
			switch fn {
			case "SOCKET", "FILE", "GENERATE_LINES":
				cols = []string{"line"}
			case "GENERATE_SERIES":
				cols = []string{"generate_series"}
			case "UNNEST", "":
			default:
				continue // a function call in an expression
			}
			alias, aliasCols, next := readAlias(toks, i+1)
			if len(aliasCols) > 0 {
				cols = aliasCols
			}
			if alias != "" {
				r.columns[strings.ToLower(alias)] = cols
			}
			i = next - 1
		case t.Kind == parser.TokenWord && i > 0 && followsFrom(toks[i-1]):
			cols := relationColumns(cat, t.Text)
			if cols == nil {
				continue
			}
			r.columns[strings.ToLower(t.Text)] = cols
			if alias, _, next := readAlias(toks, i+1); alias != "" {
				r.columns[strings.ToLower(alias)] = cols
				i = next - 1
			}
		}
	}
	return r
}

// followsFrom reports whether a relation name may come after t.
func followsFrom(t parser.Token) bool {
	switch strings.ToLower(t.Text) {
	case "from", "join", ",":
		return true
	}
	return false
}

// readAlias reads "[AS] alias [(col, ...)]" at toks[i], returning the
// alias, its columns and the index after them.
func readAlias(toks []parser.Token, i int) (string, []string, int) {
	if i < len(toks) && strings.EqualFold(toks[i].Text, "as") {
		i++
	}
	if i >= len(toks) || toks[i].Kind != parser.TokenWord || parser.IsKeyword(toks[i].Text) {
		return "", nil, i
	}
	alias := toks[i].Text
	i++
	var cols []string
	if i < len(toks) && toks[i].Text == "(" {
		for i++; i < len(toks) && toks[i].Text != ")"; i++ {
			if toks[i].Kind == parser.TokenWord {
				cols = append(cols, toks[i].Text)
			}
		}
		i++
	}
	return alias, cols, i
}

// relationColumns returns the columns of a source or view, or nil.
func relationColumns(cat *planner.MemCatalog, name string) []string {
	if s := cat.Source(name); s != nil {
		return s.Columns.Names()
	}
	if v := cat.View(name); v != nil {
		return v.Columns.Names()
	}
	return nil
}

// lastWords returns the last two tokens before the word being completed,
// in lower case.
func lastWords(toks []parser.Token) (prev, prev2 string) {
	if n := len(toks); n > 0 {
		prev = strings.ToLower(toks[n-1].Text)
		if n > 1 {
			prev2 = strings.ToLower(toks[n-2].Text)
		}
	}
	return prev, prev2
}

// inWith reports whether the innermost open parenthesis follows WITH.
func inWith(toks []parser.Token) bool {
	depth := 0
	for i := len(toks) - 1; i >= 0; i-- {
		switch toks[i].Text {
		case ")":
			depth++
		case "(":
			if depth == 0 {
				return i > 0 && strings.EqualFold(toks[i-1].Text, "with")
			}
			depth--
		}
	}
	return false
}

// optionNames are the options a WITH (...) takes: a connector's in CREATE
// SOURCE and CREATE SINK (every connector's until connector = '...' says
// which), the job options anywhere else.
func optionNames(toks []parser.Token) []string {
	if len(toks) >= 2 && strings.EqualFold(toks[0].Text, "create") {
		kind := strings.ToLower(toks[1].Text)
		if kind == "source" || kind == "sink" {
			connector := ""
			for i := 0; i+2 < len(toks); i++ {
				if strings.EqualFold(toks[i].Text, "connector") && toks[i+1].Text == "=" && toks[i+2].Kind == parser.TokenString {
					connector = strings.ToLower(strings.Trim(toks[i+2].Text, "'"))
				}
			}
			return planner.ConnectorOptions(connector, kind == "source")
		}
	}
	var names []string
	for _, s := range planner.Settings() {
		names = append(names, s.Name)
	}
	return names
}

func relationNames(cat *planner.MemCatalog) []string {
	var out []string
	for _, s := range cat.Sources() {
		out = append(out, s.Name)
	}
	for _, v := range cat.Views() {
		out = append(out, v.Name)
	}
	return out
}

// droppable lists the names DESCRIBE or DROP <kind> takes.
func droppable(cat *planner.MemCatalog, kind string) []string {
	var out []string
	if kind == "source" || kind == "describe" {
		for _, s := range cat.Sources() {
			out = append(out, s.Name)
		}
	}
	if kind == "sink" || kind == "describe" {
		for _, s := range cat.Sinks() {
			out = append(out, s.Name)
		}
	}
	if kind == "view" || kind == "describe" {
		for _, v := range cat.Views() {
			out = append(out, v.Name)
		}
	}
	return out
}

func functionNames() []string {
	var out []string
	for _, f := range planner.Functions() {
		out = append(out, f.Name)
	}
	out = append(out, planner.Aggregates()...)
	return append(out, "COALESCE")
}

func sourceFunctionNames() []string {
	var out []string
	for _, s := range planner.SourceFunctions() {
		out = append(out, s[:strings.IndexByte(s, '(')])
	}
	return out
}

// matching returns the candidates that start with word, ignoring case,
// sorted and without repeats. Keywords and functions (upper case) follow
// the case of what was typed: "sel" completes to "select".
func matching(cands []string, word string) []string {
	lower := word != "" && word == strings.ToLower(word) && strings.ToUpper(word) != word
	seen := map[string]bool{}
	var out []string
	for _, c := range cands {
		if !strings.HasPrefix(strings.ToLower(c), strings.ToLower(word)) {
			continue
		}
		if lower && isUpperWord(c) {
			c = strings.ToLower(c)
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func isUpperWord(s string) bool {
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

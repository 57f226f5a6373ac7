package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/streamsql/streamsql/planner"
)

// helpTopic is what help says about one statement.
type helpTopic struct {
	name    string // as help lists it and as it is looked up
	summary string
	syntax  string
	example string
}

// statementHelp is one topic per statement, in the order help lists them.
var statementHelp = []helpTopic{
	{"SELECT", "run a query as a job and show its results live",
		"SELECT [DISTINCT] item [, ...] [FROM from_item [CROSS JOIN UNNEST(array) [AS] alias(col)]]\n" +
			"  [WHERE condition] [GROUP BY expr [, ...]] [HAVING condition] [WITH (option = value [, ...])]\n" +
			"from_item: a source or view | SOCKET('host:port') | FILE('path') | GENERATE_SERIES(start, stop[, step])\n" +
			"           | GENERATE_LINES(rows) | VALUES (expr, ...), ... | (SELECT ...)   [[AS] alias[(col, ...)]]",
		"SELECT word, COUNT(*) AS cnt FROM SOCKET('127.0.0.1:9100')\n" +
			"  CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word;"},
	{"INSERT INTO", "run a query as a background job writing to a sink",
		"INSERT INTO sink SELECT ... [WITH (option = value [, ...])]",
		"CREATE SINK counts WITH (connector = 'file', path = 'counts.csv');\n" +
			"INSERT INTO counts SELECT word, COUNT(*) FROM words GROUP BY word;"},
	{"CREATE SOURCE", "name a source: its connector, options and columns",
		"CREATE SOURCE [IF NOT EXISTS] name [(column type, ...)] WITH (connector = 'socket' | 'file' | 'datagen', option = value, ...)",
		"CREATE SOURCE lines WITH (connector = 'socket', address = '127.0.0.1:9100');"},
	{"CREATE SINK", "name a sink that INSERT INTO writes",
		"CREATE SINK [IF NOT EXISTS] name [(column type, ...)] WITH (connector = 'print' | 'file' | 'blackhole', option = value, ...)",
		"CREATE SINK out WITH (connector = 'file', path = 'out.json', format = 'json');"},
	{"CREATE VIEW", "name a query that other queries read",
		"CREATE VIEW [IF NOT EXISTS] name AS SELECT ...",
		"CREATE VIEW words AS SELECT word FROM lines CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word);"},
	{"DROP", "remove a source, sink or view",
		"DROP SOURCE | SINK | VIEW [IF EXISTS] name",
		"DROP VIEW IF EXISTS words;"},
	{"EXPLAIN", "show the plan of a query without running it",
		"EXPLAIN [LOGICAL | PHYSICAL] SELECT ... | INSERT INTO ...",
		"EXPLAIN SELECT word, COUNT(*) FROM words GROUP BY word;"},
	{"SET", "set a job option for the queries that follow (SHOW SETTINGS lists them)",
		"SET option = value",
		"SET checkpoint_interval = '1s';\nSET result_mode = 'changelog';"},
	{"RESET", "put one option, or all, back as the session started",
		"RESET [option]",
		"RESET checkpoint_interval;"},
	{"SHOW", "list the catalog, jobs, settings, functions or checkpoints",
		"SHOW SOURCES | SINKS | VIEWS | JOBS | SETTINGS | FUNCTIONS | CHECKPOINTS [FOR 'job']",
		"SHOW JOBS;"},
	{"DESCRIBE", "the columns and definition of a source, sink or view",
		"DESCRIBE name",
		"DESCRIBE lines;"},
	{"DESCRIBE JOB", "everything about one job",
		"DESCRIBE JOB 'id or name'",
		"DESCRIBE JOB '2';"},
	{"CANCEL JOB", "stop a job; it ends CANCELED",
		"CANCEL JOB 'id or name'",
		"CANCEL JOB '2';"},
	{"STOP JOB", "stop a job, with a savepoint to resume it from",
		"STOP JOB 'id or name' [WITH SAVEPOINT]",
		"STOP JOB '2' WITH SAVEPOINT;"},
}

// shellCommands are the shell's own commands, which need no semicolon.
var shellCommands = [][2]string{
	{"help [topic]", "this list, or a statement, function or option (also \\? and \\h)"},
	{"quit, exit", "leave (also \\q and Ctrl-D); jobs running in the background are waited for"},
	{"Ctrl-C", "stop the query on screen, or drop the statement being typed"},
	{"Ctrl-R", "search the history"},
	{"Tab", "complete keywords, functions, names, columns and options"},
}

// isCommand reports whether a line is a shell command rather than SQL.
func isCommand(line string) bool {
	switch commandWord(line) {
	case "help", "quit", "exit", `\q`, `\?`, `\h`, `\help`:
		return true
	}
	return false
}

func commandWord(line string) string {
	fields := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ";"))
	if len(fields) == 0 {
		return ""
	}
	return strings.ToLower(fields[0])
}

// command runs a shell command and reports whether the shell should leave.
func (sh *shell) command(line string) (quit bool) {
	switch commandWord(line) {
	case "quit", "exit", `\q`:
		return true
	}
	topic := strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ";"))[1:], " ")
	fmt.Fprint(sh.out, help(topic))
	return false
}

// help returns the help text for a topic: "" lists everything; otherwise a
// statement, a function, a source function or an option, in any case.
func help(topic string) string {
	var b strings.Builder
	if topic == "" {
		b.WriteString("Statements end with ';' and may span lines. Type help and a topic for its syntax and an example.\n\n")
		for _, t := range statementHelp {
			fmt.Fprintf(&b, "  %-14s %s\n", t.name, t.summary)
		}
		b.WriteString("\nShell commands:\n")
		for _, c := range shellCommands {
			fmt.Fprintf(&b, "  %-14s %s\n", c[0], c[1])
		}
		b.WriteString("\nMore: help functions, help options, help SOCKET; the reference is docs/sql.md.\n")
		return b.String()
	}
	key := strings.ToUpper(strings.Join(strings.Fields(topic), " "))
	switch key {
	case "FUNCTIONS":
		b.WriteString("Functions (help NAME shows one):\n")
		for _, f := range planner.Functions() {
			fmt.Fprintf(&b, "  %s\n", f.Syntax)
		}
		for _, name := range planner.Aggregates() {
			fmt.Fprintf(&b, "  %s\n", planner.LookupFunction(name).Syntax)
		}
		b.WriteString("Sources in FROM:\n")
		for _, s := range planner.SourceFunctions() {
			fmt.Fprintf(&b, "  %s\n", s)
		}
		return b.String()
	case "OPTIONS", "SETTINGS", "WITH":
		b.WriteString("Job options, for SET or a query's WITH (...):\n")
		for _, s := range planner.Settings() {
			fmt.Fprintf(&b, "  %-22s default %s: %s\n", s.Name, s.Default, s.Doc)
		}
		return b.String()
	}
	var matches []helpTopic
	for _, t := range statementHelp {
		if t.name == key || strings.HasPrefix(t.name, key+" ") || (key == "INSERT" && t.name == "INSERT INTO") {
			matches = append(matches, t)
		}
	}
	for _, t := range matches {
		fmt.Fprintf(&b, "%s — %s\n\nSyntax:\n%s\n\nExample:\n%s\n", t.name, t.summary, indent(t.syntax), indent(t.example))
		if len(matches) > 1 {
			b.WriteString("\n")
		}
	}
	if len(matches) > 0 {
		return b.String()
	}
	name := strings.TrimSuffix(key, "()")
	if f := planner.LookupFunction(name); f != nil {
		fmt.Fprintf(&b, "%s\n\n%s\n", f.Syntax, f.Doc)
		if f.Example != "" {
			fmt.Fprintf(&b, "\nExample:\n%s\n", indent(f.Example))
		}
		return b.String()
	}
	for _, s := range planner.SourceFunctions() {
		if strings.HasPrefix(s, name+"(") {
			fmt.Fprintf(&b, "%s — a source to read in FROM; CREATE SOURCE names one with options\n\nExample:\n%s\n",
				s, indent(sourceExamples[name]))
			return b.String()
		}
	}
	for _, s := range planner.Settings() {
		if strings.EqualFold(s.Name, topic) {
			fmt.Fprintf(&b, "%s (default %s): %s\n\nExample:\n  SET %s = '...';\n", s.Name, s.Default, s.Doc, s.Name)
			return b.String()
		}
	}
	return fmt.Sprintf("no help for %q; type help for the list of topics\n", topic)
}

// sourceExamples show each source function in a query.
var sourceExamples = map[string]string{
	"SOCKET":          "SELECT line FROM SOCKET('127.0.0.1:9100');",
	"FILE":            "SELECT line FROM FILE('words.txt');",
	"GENERATE_SERIES": "SELECT generate_series * 2 AS even FROM GENERATE_SERIES(1, 5);",
	"GENERATE_LINES":  "SELECT line FROM GENERATE_LINES(10);",
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// helpTopics are the words help takes, for completion.
func helpTopics() []string {
	seen := map[string]bool{"functions": true, "options": true}
	for _, t := range statementHelp {
		seen[strings.Fields(t.name)[0]] = true
	}
	for _, f := range planner.Functions() {
		seen[f.Name] = true
	}
	for _, s := range planner.Settings() {
		seen[s.Name] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

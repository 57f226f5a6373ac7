// Command streamsql runs streaming SQL: scripts (-f, -e, or statements on
// standard input), the interactive shell, and a small line server for
// feeding SOCKET sources.
//
//	streamsql -f job.sql
//	streamsql -e "SELECT word, COUNT(*) FROM FILE('words.txt') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word"
//	streamsql serve-lines --addr 127.0.0.1:9100 < input.txt
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `streamsql runs streaming SQL queries as jobs.

Usage:
  streamsql [flags] -f script.sql     run the statements of a file, in order
  streamsql [flags] -e 'SQL'          run one or more statements given inline
  streamsql [flags] < script.sql      run the statements read from stdin
  streamsql                           start the interactive shell (on a terminal)
  streamsql serve-lines [--addr host:port] [--interval d]
                                      send each line of stdin to every client
                                      that connects (for SOCKET sources)

A script stops at the first error, which is printed as file:line:col with the
line and a caret, and exits 1. A query over bounded sources (FILE, VALUES,
GENERATE_SERIES) ends when its input does; one over SOCKET runs until Ctrl-C
or SIGTERM, which stops it cleanly (exit 0, results so far flushed).

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program, testable without a process: it returns the
// exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve-lines" {
		return serveLines(args[1:], stdin, stderr)
	}
	fs := flag.NewFlagSet("streamsql", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("f", "", "run the statements in `file`")
	var inline multiFlag
	fs.Var(&inline, "e", "run the `statements` given (repeatable)")
	format := fs.String("format", "", "print query results as `changelog`, table, csv or json (default changelog)")
	stateDir := fs.String("state-dir", "", "keep job state under `dir` (default ./streamsql-state)")
	logLevel := fs.String("log-level", "info", "log `level` on stderr: debug, info, warn or error (the shell: warn)")
	history := fs.String("history", defaultHistory(), "keep the shell's history in `file` (\"\" keeps none; or set STREAMSQL_HISTORY)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "streamsql %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "streamsql: unexpected argument %q (statements go in -e '...' or a file given to -f)\n", fs.Arg(0))
		return 2
	}
	if *file != "" && len(inline) > 0 {
		fmt.Fprintln(stderr, "streamsql: give -f or -e, not both")
		return 2
	}
	interactive := *file == "" && len(inline) == 0 && isTerminal(stdin) && isTerminal(stdout)
	if interactive && !flagGiven(fs, "log-level") {
		// The shell shows job transitions itself; the log would scroll
		// them over the prompt.
		*logLevel = "warn"
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "streamsql: %v\n", err)
		return 2
	}
	settings := map[string]string{}
	if *format != "" {
		settings["format"] = *format
	}
	if *stateDir != "" {
		settings["state_dir"] = *stateDir
	}

	r := &runner{stdout: stdout, stderr: stderr, log: log, logLevel: *logLevel, settings: settings, history: *history}
	if interactive {
		// Ctrl-C belongs to the shell: it stops the query on screen.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
		defer stop()
		return r.repl(ctx)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, a second one kills the process at once.
	context.AfterFunc(ctx, stop)

	switch {
	case *file != "":
		src, err := os.ReadFile(*file)
		if err != nil {
			fmt.Fprintf(stderr, "streamsql: %v\n", err)
			return 1
		}
		return r.script(ctx, *file, string(src))
	case len(inline) > 0:
		return r.script(ctx, "", strings.Join(inline, ";\n"))
	default:
		src, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "streamsql: reading stdin: %v\n", err)
			return 1
		}
		return r.script(ctx, "<stdin>", string(src))
	}
}

// flagGiven reports whether the command line set the flag name.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, "; ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

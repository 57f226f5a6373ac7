package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/streamsql/streamsql/exec"
	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
)

// runner executes statements for the CLI.
type runner struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	logLevel       string
	settings       map[string]string
	history        string // the shell's history file
}

func (r *runner) newSession() (*exec.Session, error) {
	return exec.NewSession(exec.Config{Stdout: r.stdout, Log: r.log, Settings: r.settings})
}

// script runs the statements of src in order and stops at the first error.
// It returns the exit code: 0, or 1 after an error.
func (r *runner) script(ctx context.Context, filename, src string) int {
	sess, err := r.newSession()
	if err != nil {
		fmt.Fprintf(r.stderr, "streamsql: %v\n", err)
		return 2
	}
	defer sess.Close()
	stmts, parseErr := parser.ParseScript(filename, src)
	for _, st := range stmts {
		res, err := sess.Execute(ctx, st)
		if err != nil {
			printError(r.stderr, src, err)
			return 1
		}
		printResult(r.stdout, res)
		if ctx.Err() != nil {
			// Interrupted: the running job was stopped and flushed; the
			// statements after it do not run.
			return 0
		}
	}
	if parseErr != nil {
		printError(r.stderr, src, parseErr)
		return 1
	}
	return 0
}

// printResult prints what a statement returns besides a job's own output.
func printResult(w io.Writer, res *exec.Result) {
	if res == nil {
		return
	}
	if res.Text != "" {
		fmt.Fprint(w, res.Text)
	}
	if res.Columns != nil {
		exec.RenderTable(w, res.Columns, nil, res.Rows)
	}
}

// printError prints an error as file:line:col: message, then the line of
// src it points at with a caret under the column.
func printError(w io.Writer, src string, err error) {
	fmt.Fprintln(w, err)
	if pos, ok := errorPos(err); ok {
		if ex := parser.Excerpt(src, pos); ex != "" {
			fmt.Fprintln(w, ex)
		}
	}
}

// errorPos finds the SQL position an error is about, if any.
func errorPos(err error) (parser.Pos, bool) {
	var perr *parser.Error
	if errors.As(err, &perr) {
		return perr.Pos, perr.Pos.IsValid()
	}
	var eerr *planner.EvalError
	if errors.As(err, &eerr) {
		return eerr.Pos, eerr.Pos.IsValid()
	}
	return parser.Pos{}, false
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/peterh/liner"

	"github.com/streamsql/streamsql/exec"
	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
)

const (
	prompt             = "streamsql> "
	continuationPrompt = "        -> "
)

// shell is the interactive shell: it reads statements with line editing,
// history and completion, shows a query's results live until the query
// ends or Ctrl-C stops it, and runs INSERT INTO jobs in the background.
type shell struct {
	ctx     context.Context // cancelled by SIGTERM: the shell leaves
	out     io.Writer       // the terminal
	errOut  io.Writer
	line    *liner.State
	sess    *exec.Session
	history string // the history file; "" keeps none
	notices *noticeBoard

	// interrupts receives Ctrl-C while no prompt is reading the terminal
	// (at a prompt, liner reads Ctrl-C itself).
	interrupts chan os.Signal
	atPrompt   atomic.Bool

	// pending holds the lines of a statement read so far, for completion.
	pending string

	mu   sync.Mutex
	view view // the foreground query's results, while one runs
}

// repl runs the interactive shell until Ctrl-D, quit, or SIGTERM.
func (r *runner) repl(ctx context.Context) int {
	notices := &noticeBoard{}
	log, err := newLogger(notices, r.logLevel)
	if err != nil {
		fmt.Fprintf(r.stderr, "streamsql: %v\n", err)
		return 2
	}
	sh := &shell{ctx: ctx, out: r.stdout, errOut: r.stderr, history: r.history, notices: notices,
		interrupts: make(chan os.Signal, 1)}
	sh.sess, err = exec.NewSession(exec.Config{Stdout: r.stdout, Log: log, Settings: r.settings, Results: sh.results})
	if err != nil {
		fmt.Fprintf(r.stderr, "streamsql: %v\n", err)
		return 2
	}
	signal.Notify(sh.interrupts, os.Interrupt)
	defer signal.Stop(sh.interrupts)

	sh.line = liner.NewLiner()
	defer sh.line.Close()
	sh.line.SetCtrlCAborts(true)
	sh.line.SetTabCompletionStyle(liner.TabPrints)
	sh.line.SetWordCompleter(func(line string, pos int) (string, []string, string) {
		return complete(sh.sess.Catalog(), sh.pending, line, pos)
	})
	sh.loadHistory()

	// SIGTERM while a prompt waits for a line: nothing reads the context
	// until the user types, so leave from here.
	stopWatch := context.AfterFunc(ctx, func() {
		if sh.atPrompt.Load() {
			sh.line.Close()
			fmt.Fprintln(sh.out)
			sh.sess.Close()
			os.Exit(0)
		}
	})
	defer stopWatch()

	fmt.Fprintf(sh.out, "streamsql %s — type help for help, quit or Ctrl-D to leave.\n", version)
	for ctx.Err() == nil {
		sh.showNotices()
		text, err := sh.readStatement()
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(sh.out)
			break
		}
		if errors.Is(err, liner.ErrPromptAborted) {
			continue
		}
		if err != nil {
			fmt.Fprintf(sh.errOut, "streamsql: reading the terminal: %v\n", err)
			break
		}
		sh.remember(text)
		if quit := sh.run(text); quit {
			break
		}
	}
	sh.leave()
	return 0
}

// readStatement reads lines until they end a statement with a semicolon,
// or a shell command on a line of its own. Ctrl-C drops what was typed.
func (sh *shell) readStatement() (string, error) {
	var lines []string
	for {
		p := prompt
		if len(lines) > 0 {
			p = continuationPrompt
		}
		sh.pending = strings.Join(lines, "\n")
		sh.atPrompt.Store(true)
		line, err := sh.line.Prompt(p)
		sh.atPrompt.Store(false)
		if err != nil {
			if errors.Is(err, io.EOF) && len(lines) > 0 {
				fmt.Fprintf(sh.out, "\n(the unfinished statement was not run)")
			}
			return "", err
		}
		if len(lines) == 0 {
			if strings.TrimSpace(line) == "" {
				continue
			}
			if isCommand(line) {
				return strings.TrimSpace(line), nil
			}
		}
		lines = append(lines, line)
		if text := strings.Join(lines, "\n"); parser.EndsStatement(text) {
			return text, nil
		}
	}
}

// run runs what was read: a shell command, or statements in order until
// one fails. It reports whether the shell should leave.
func (sh *shell) run(text string) (quit bool) {
	if isCommand(text) {
		return sh.command(text)
	}
	stmts, parseErr := parser.ParseScript("", text)
	for _, st := range stmts {
		if err := sh.execute(st); err != nil {
			printError(sh.errOut, text, err)
			return false
		}
		if sh.ctx.Err() != nil {
			return true
		}
	}
	if parseErr != nil {
		printError(sh.errOut, text, parseErr)
	}
	return false
}

// execute runs one statement: a SELECT in the foreground, an INSERT INTO
// in the background, anything else at once.
func (sh *shell) execute(st parser.Statement) error {
	switch st.Stmt.(type) {
	case *parser.SelectStmt:
		return sh.query(st)
	case *parser.InsertStmt:
		job, err := sh.sess.SubmitDetached(st)
		if err != nil {
			return err
		}
		fmt.Fprintf(sh.out, "job %s (%s) runs in the background: SHOW JOBS follows it, CANCEL JOB '%s' stops it\n",
			job.ID, job.Name, job.ID)
		return nil
	}
	res, err := sh.sess.Execute(sh.ctx, st)
	if err != nil {
		return err
	}
	if res.Message != "" {
		fmt.Fprintln(sh.out, res.Message)
	}
	printResult(sh.out, res)
	return nil
}

// results gives a foreground query its sink, for each run of its job.
func (sh *shell) results(plan *planner.Plan) exec.Sink {
	sh.mu.Lock()
	v := sh.view
	sh.mu.Unlock()
	if v == nil {
		// Only a foreground SELECT prints to the session; this is not
		// reached, but a job must never write nowhere.
		v = newChangelogView(sh.out)
	}
	return v.sink(plan)
}

// showNotices prints, before a prompt, what happened while the user typed:
// background jobs that ended, and warnings from the log.
func (sh *shell) showNotices() {
	for _, job := range sh.sess.Jobs() {
		if !job.State().Terminal() || !sh.notices.firstTimeEnded(job.ID) {
			continue
		}
		info := job.Info()
		if !info.Detached {
			continue
		}
		msg := fmt.Sprintf("job %s (%s) is %s", info.ID, info.Name, info.State)
		if info.Err != nil {
			msg += ": " + info.Err.Error()
		}
		fmt.Fprintln(sh.errOut, msg)
	}
	if logs := sh.notices.drain(); logs != "" {
		fmt.Fprint(sh.errOut, logs)
	}
}

// leave ends the session: jobs started in the background go on, so the
// shell waits for them (Ctrl-C or SIGTERM cancels them); any other job
// still running is cancelled.
func (sh *shell) leave() {
	var running []*exec.Job
	for _, job := range sh.sess.Jobs() {
		if !job.State().Terminal() && job.Info().Detached {
			running = append(running, job)
		}
	}
	if len(running) > 0 && sh.ctx.Err() == nil {
		fmt.Fprintf(sh.out, "waiting for %d background job(s) to end; Ctrl-C cancels them:\n", len(running))
		for _, job := range running {
			fmt.Fprintf(sh.out, "  job %s (%s) %s\n", job.ID, job.Name, job.State())
		}
		drain(sh.interrupts)
	wait:
		for _, job := range running {
			select {
			case <-job.Done():
			case <-sh.interrupts:
				break wait
			case <-sh.ctx.Done():
				break wait
			}
		}
	}
	sh.sess.Close()
	sh.showNotices()
	sh.saveHistory()
}

// loadHistory reads the history file; a missing one is a first session.
func (sh *shell) loadHistory() {
	if sh.history == "" {
		return
	}
	f, err := os.Open(sh.history)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(sh.errOut, "streamsql: history: %v\n", err)
		}
		return
	}
	defer f.Close()
	if _, err := sh.line.ReadHistory(f); err != nil {
		fmt.Fprintf(sh.errOut, "streamsql: history %s: %v\n", sh.history, err)
	}
}

// remember adds what was read to the history and saves it at once, so
// that it survives whatever happens next.
func (sh *shell) remember(text string) {
	sh.line.AppendHistory(oneLine(text))
	sh.saveHistory()
}

// saveHistory writes the history file whole, through a temporary file, so
// a crash while writing cannot leave half of it.
func (sh *shell) saveHistory() {
	if sh.history == "" {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(sh.history), ".streamsql_history-*")
	if err == nil {
		_, err = sh.line.WriteHistory(tmp)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), sh.history)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		fmt.Fprintf(sh.errOut, "streamsql: saving history: %v\n", err)
	}
}

// oneLine turns a statement typed on several lines into one history entry:
// the line breaks become spaces and -- comments become /* */ ones, so that
// recalling it gives the same statement on a single editable line.
func oneLine(text string) string {
	if !strings.Contains(text, "\n") {
		return text
	}
	var b strings.Builder
	end := 0
	for _, t := range parser.Tokenize(text) {
		gap := text[end:t.Offset]
		if strings.Contains(gap, "\n") {
			gap = " "
		}
		b.WriteString(gap)
		tok := t.Text
		if t.Kind == parser.TokenComment && strings.HasPrefix(tok, "--") {
			tok = "/*" + strings.ReplaceAll(tok[2:], "*/", "* /") + " */"
		}
		b.WriteString(tok)
		end = t.Offset + len(t.Text)
	}
	return b.String()
}

// defaultHistory is where the history is kept when neither --history nor
// STREAMSQL_HISTORY says.
func defaultHistory() string {
	if p, ok := os.LookupEnv("STREAMSQL_HISTORY"); ok {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".streamsql_history")
}

// drain empties a signal channel of interrupts that arrived while nothing
// was waiting for them, so that they do not stop what starts next.
func drain(c chan os.Signal) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

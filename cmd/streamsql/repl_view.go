package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/streamsql/streamsql/exec"
	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// refreshEvery bounds how often table mode redraws: a fast stream changes
// the table thousands of times a second, the screen five times.
const refreshEvery = 200 * time.Millisecond

// maxFinalRows is how many rows the table mode prints when a query ends.
const maxFinalRows = 1000

// view shows a foreground query's results while its job runs.
type view interface {
	// sink returns the sink for a run of the query's job; a job that
	// restarts asks again.
	sink(plan *planner.Plan) exec.Sink
	// refresh shows the latest results and the job's progress; called
	// every refreshEvery.
	refresh(p progress)
	// finish shows the final results and progress once the job has ended.
	finish(p progress)
}

// query runs a SELECT in the foreground: its results show in the session's
// result_mode until it ends or Ctrl-C stops it.
func (sh *shell) query(st parser.Statement) error {
	plan, err := sh.sess.Plan(st.Stmt)
	if err != nil {
		return err
	}
	var v view
	switch plan.Options.ResultMode {
	case "changelog":
		v = newChangelogView(sh.out)
	case "append":
		if !plan.Logical.AppendOnly() {
			return parser.Errorf(st.Stmt.Pos(), "result_mode 'append' shows only inserted rows, but this query also updates or "+
				"deletes rows it has shown; use result_mode 'table' or 'changelog'")
		}
		v = newAppendView(sh.out)
	default:
		v = newTableView(sh.out, terminalSize)
	}
	sh.mu.Lock()
	sh.view = v
	sh.mu.Unlock()
	defer func() {
		sh.mu.Lock()
		sh.view = nil
		sh.mu.Unlock()
	}()

	drain(sh.interrupts)
	job, err := sh.sess.Submit(st)
	if err != nil {
		return err
	}
	rate := &rateMeter{}
	tick := time.NewTicker(refreshEvery)
	defer tick.Stop()
	stopping := false
	for waiting := true; waiting; {
		select {
		case <-job.Done():
			waiting = false
		case <-tick.C:
			v.refresh(progressOf(job.Info(), rate))
		case <-sh.interrupts:
			stopping = true
			job.Cancel()
		case <-sh.ctx.Done():
			stopping = true
			job.Cancel()
		}
	}
	v.finish(progressOf(job.Info(), rate))
	sh.notices.firstTimeEnded(job.ID) // shown here; nothing to announce
	sh.sess.Forget(job)
	if stopping && job.State() == exec.JobCanceled {
		return nil
	}
	return job.Err()
}

// progress is how a foreground query's job is doing.
type progress struct {
	info exec.JobInfo
	rate float64 // records in per second
}

func progressOf(info exec.JobInfo, rate *rateMeter) progress {
	return progress{info: info, rate: rate.update(info.RecordsIn)}
}

// line is the status line under a live result: the job's state, the rows
// of the result (unless rows < 0), records read and their rate, restarts
// and the last checkpoint.
func (p progress) line(rows int) string {
	info := p.info
	parts := []string{fmt.Sprintf("job %s %s", info.ID, info.State)}
	if rows >= 0 {
		parts = append(parts, plural(rows, "row"))
	}
	parts = append(parts, fmt.Sprintf("%d records in", info.RecordsIn))
	if !info.State.Terminal() {
		parts = append(parts, fmt.Sprintf("%s records/s", formatRate(p.rate)))
	}
	if info.Restarts > 0 {
		parts = append(parts, plural(info.Restarts, "restart"))
	}
	if c := info.LastCheckpoint; c != nil {
		parts = append(parts, fmt.Sprintf("checkpoint %d at %s", c.ID, c.Taken.Format(time.TimeOnly)))
	}
	if info.BadRecords > 0 {
		parts = append(parts, fmt.Sprintf("%d bad records", info.BadRecords))
	}
	if !info.State.Terminal() {
		parts = append(parts, "Ctrl-C stops")
	}
	return strings.Join(parts, " | ")
}

// rateMeter turns a growing count into a rate over about the last second.
type rateMeter struct {
	at    time.Time
	count int64
	rate  float64
}

func (m *rateMeter) update(count int64) float64 {
	now := time.Now()
	if m.at.IsZero() {
		m.at, m.count = now, count
		return 0
	}
	if d := now.Sub(m.at); d >= time.Second {
		m.rate = float64(count-m.count) / d.Seconds()
		m.at, m.count = now, count
	}
	return m.rate
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func formatRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.1fM", r/1e6)
	case r >= 1e4:
		return fmt.Sprintf("%.0fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

// tableView keeps the result drawn in place: each refresh moves the cursor
// back over what it drew last and draws the table again, cut to the
// terminal so that no line wraps and the count of lines stays right.
type tableView struct {
	out  io.Writer
	size func() (width, height int)

	mu    sync.Mutex
	table *exec.LiveTable // the current run's

	drawn       int // lines drawn last time
	lastChanges int64
	lastStatus  string
}

func newTableView(out io.Writer, size func() (int, int)) *tableView {
	return &tableView{out: out, size: size, lastChanges: -1}
}

func (v *tableView) sink(plan *planner.Plan) exec.Sink {
	t := exec.NewLiveTable(plan.Schema, plan.Options.CheckpointInterval > 0)
	v.mu.Lock()
	v.table = t
	v.mu.Unlock()
	return t
}

func (v *tableView) refresh(p progress) { v.draw(p, false) }
func (v *tableView) finish(p progress)  { v.draw(p, true) }

func (v *tableView) draw(p progress, final bool) {
	v.mu.Lock()
	t := v.table
	v.mu.Unlock()
	if t == nil {
		if final {
			fmt.Fprintln(v.out, p.line(-1))
		}
		return
	}
	status := p.line(t.Len())
	changes := t.Changes()
	if !final && changes == v.lastChanges && status == v.lastStatus {
		return
	}
	v.lastChanges, v.lastStatus = changes, status

	width, height := v.size()
	// The box takes five lines besides its rows, the status one, and one
	// stays free for the cursor. The final table may scroll, but a huge
	// one is cut rather than flooding the terminal.
	maxRows := max(height-7, 1)
	if final {
		maxRows = max(maxRows, maxFinalRows)
	}
	var table bytes.Buffer
	t.Render(&table, maxRows)
	var b bytes.Buffer
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\r\x1b[%dA\x1b[J", v.drawn)
	}
	lines := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	lines = append(lines, status)
	for _, l := range lines {
		if !final && runewidth.StringWidth(l) >= width {
			l = runewidth.Truncate(l, width-1, "…")
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	v.drawn = len(lines)
	v.out.Write(b.Bytes())
}

// lineView prints each change as it comes, a line each: the changelog and
// append modes, which differ only in what a line shows.
type lineView struct {
	out  io.Writer
	noun string // what finish counts
	// header, called at the job's first run, returns the line to print
	// above the others ("" for none) and how to print each change.
	header func(plan *planner.Plan) (string, func(buf []byte, kind types.RowKind, row types.Row) []byte)

	mu     sync.Mutex
	format func(buf []byte, kind types.RowKind, row types.Row) []byte
	count  int64
}

// newChangelogView prints one line per change with its kind, as a script
// prints a query's changelog.
func newChangelogView(out io.Writer) *lineView {
	return &lineView{out: out, noun: "changes", header: func(*planner.Plan) (string, func([]byte, types.RowKind, types.Row) []byte) {
		return "", exec.AppendChange
	}}
}

// newAppendView prints each row as it comes under a header of the column
// names, for queries that only insert rows.
func newAppendView(out io.Writer) *lineView {
	return &lineView{out: out, noun: "rows", header: func(plan *planner.Plan) (string, func([]byte, types.RowKind, types.Row) []byte) {
		widths := make([]int, len(plan.Schema))
		names := make([]string, len(plan.Schema))
		for i, c := range plan.Schema {
			widths[i] = max(runewidth.StringWidth(c.Name), columnWidth(c.Type))
			names[i] = c.Name
		}
		format := func(buf []byte, _ types.RowKind, row types.Row) []byte {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = exec.CellText(v)
			}
			return appendCells(buf, cells, widths)
		}
		return string(appendCells(nil, names, widths)), format
	}}
}

func (v *lineView) sink(plan *planner.Plan) exec.Sink {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.format == nil {
		var header string
		header, v.format = v.header(plan)
		io.WriteString(v.out, header)
	}
	return &funcSink{write: func(b *exec.Batch) error {
		var buf []byte
		for i, row := range b.Rows {
			buf = v.format(buf, b.Kinds[i], row)
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		v.count += int64(b.Len())
		_, err := v.out.Write(buf)
		return err
	}}
}

func (v *lineView) refresh(progress) {}

func (v *lineView) finish(p progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintf(v.out, "(%d %s) %s\n", v.count, v.noun, p.line(-1))
}

// appendCells appends a line of cells padded to the column widths,
// separated by bars.
func appendCells(buf []byte, cells []string, widths []int) []byte {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(runewidth.FillRight(c, widths[i]))
	}
	buf = append(buf, strings.TrimRight(b.String(), " ")...)
	return append(buf, '\n')
}

// columnWidth is the width an append-mode column gets before any row is
// seen, so that the columns of most rows line up.
func columnWidth(t types.Type) int {
	if t.IsNumeric() {
		return 8
	}
	return 12
}

// funcSink is a Sink whose writes go to a function and that keeps no
// state: what it printed stays printed when the job restarts.
type funcSink struct {
	write func(b *exec.Batch) error
}

func (s *funcSink) Write(b *exec.Batch) error { return s.write(b) }
func (s *funcSink) Finish() error             { return nil }
func (s *funcSink) Close() error              { return nil }

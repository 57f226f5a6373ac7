package exec

import (
	"bufio"
	"fmt"
	"io"

	"github.com/streamsql/streamsql/planner"
)

// Sink writes a job's results. The runtime calls it from one goroutine.
type Sink interface {
	// Write writes a batch of changes.
	Write(b *Batch) error
	// Finish is called when the results are complete — the input ended, or
	// the job was stopped and drained — to flush what remains (a table
	// prints here).
	Finish() error
	// Close releases the sink; it is called once, last, also after a
	// failure.
	Close() error
}

// SinkEnv is where a job's sinks write.
type SinkEnv struct {
	// Stdout receives what print sinks write.
	Stdout io.Writer
	// Results, when set, replaces the print sink of a query: the REPL
	// and tests receive the changes themselves.
	Results func(plan *planner.Plan) Sink
}

// newSink returns the sink of op. With checkpointing, a file sink commits
// its output in two phases (exactly once) and a table keeps its rows in
// checkpoints.
func newSink(plan *planner.Plan, op *planner.Operator, env SinkEnv, checkpointing bool) (Sink, error) {
	spec := op.Spec.(*planner.SinkOp)
	updating := !op.AppendOnly
	switch spec.Connector {
	case planner.ConnectorBlackhole:
		return &blackholeSink{}, nil
	case planner.ConnectorPrint:
		if env.Results != nil && spec.Name == "print" {
			return env.Results(plan), nil
		}
		if spec.Format == planner.FormatTable {
			table := NewTable(op.Schema)
			if checkpointing {
				table.trackChanges()
			}
			return &tableSink{table: table, w: env.Stdout}, nil
		}
		return newWriterSink(env.Stdout, newEncoder(spec.Format, op.Schema, updating), nil), nil
	case planner.ConnectorFile:
		return newFileSink(spec, newEncoder(spec.Format, op.Schema, updating), checkpointing)
	}
	return nil, fmt.Errorf("no runtime for sink connector %q", spec.Connector)
}

// writerSink encodes changes to a writer, flushing after every batch so
// that results appear as they are produced.
type writerSink struct {
	w       *bufio.Writer
	enc     encoder
	closer  io.Closer
	buf     []byte
	started bool
}

func newWriterSink(w io.Writer, enc encoder, closer io.Closer) *writerSink {
	return &writerSink{w: bufio.NewWriterSize(w, 64<<10), enc: enc, closer: closer}
}

func (s *writerSink) Write(b *Batch) error {
	var err error
	if s.buf, err = writeChanges(s.w, s.enc, s.buf, &s.started, b); err != nil {
		return err
	}
	return s.w.Flush()
}

// writeChanges encodes b to w, after the header if it has not been
// written yet; buf is scratch space, returned for the next call.
func writeChanges(w *bufio.Writer, enc encoder, buf []byte, headerDone *bool, b *Batch) ([]byte, error) {
	buf = buf[:0]
	if !*headerDone {
		buf = enc.header(buf)
		*headerDone = true
	}
	for i, row := range b.Rows {
		buf = enc.encode(buf, b.Kinds[i], row)
		if len(buf) > 32<<10 {
			if _, err := w.Write(buf); err != nil {
				return buf, err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return buf, err
}

func (s *writerSink) Finish() error {
	if !s.started {
		// An empty result still gets its header, so a csv file is never
		// mistaken for a missing one.
		s.buf = s.enc.header(s.buf[:0])
		s.started = true
		if _, err := s.w.Write(s.buf); err != nil {
			return err
		}
	}
	return s.w.Flush()
}

func (s *writerSink) Close() error {
	err := s.w.Flush()
	if s.closer != nil {
		if cerr := s.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// tableSink keeps the current result and prints it when it is complete.
// Its rows are state: restored from a checkpoint, the table printed at the
// end of a bounded job is the whole result, not what came after the
// restore.
type tableSink struct {
	table *Table
	w     io.Writer
}

func (s *tableSink) Write(b *Batch) error {
	for i, row := range b.Rows {
		s.table.Apply(b.Kinds[i], row)
	}
	return nil
}

func (s *tableSink) Finish() error { return s.table.Render(s.w) }
func (s *tableSink) Close() error  { return nil }

// Snapshot implements Stateful.
func (s *tableSink) Snapshot(id int64, w StateWriter) error { return s.table.snapshot(id, w) }

// Completed implements Stateful.
func (s *tableSink) Completed(id int64) { s.table.dirty.completed(id) }

// Restore implements Stateful.
func (s *tableSink) Restore(key, value []byte) error { return s.table.restore(key, value) }

// blackholeSink discards everything (for benchmarks).
type blackholeSink struct{}

func (blackholeSink) Write(*Batch) error { return nil }
func (blackholeSink) Finish() error      { return nil }
func (blackholeSink) Close() error       { return nil }

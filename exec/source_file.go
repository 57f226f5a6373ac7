package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/streamsql/streamsql/planner/types"
)

// fileSource reads a file of records, one per line. It is bounded: the job
// finishes when the file has been read.
type fileSource struct {
	env    sourceEnv
	path   string
	dec    decoder
	width  int
	header bool // skip the first line
}

func (s *fileSource) Run(ctx context.Context, emit func(*Batch) error) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("%s: %w", s.env.name, err)
	}
	defer f.Close()
	lr := newLineReader(f)
	r := &recordBatcher{env: s.env, dec: s.dec, width: s.width}
	for ctx.Err() == nil {
		line, err := lr.next()
		switch {
		case errors.Is(err, io.EOF):
			return r.flush(emit)
		case errors.Is(err, errLineTooLong):
			if err := s.env.errors.Handle(fmt.Sprintf("%s line %d", s.env.name, lr.line), "", err); err != nil {
				return err
			}
			continue
		case err != nil:
			return fmt.Errorf("%s: %w", s.env.name, err)
		}
		if s.header && lr.line == 1 {
			continue
		}
		r.add(line, lr.line)
		if r.full() {
			if err := r.flush(emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordBatcher collects lines into a batch of rows: the lines of a batch
// are copied into one string, and rows refer to pieces of it, so a batch
// costs a few allocations rather than one per line.
type recordBatcher struct {
	env   sourceEnv
	dec   decoder
	width int
	text  []byte
	ends  []int
	lines []int64
}

func (r *recordBatcher) add(line []byte, lineNo int64) {
	r.text = append(r.text, line...)
	r.ends = append(r.ends, len(r.text))
	r.lines = append(r.lines, lineNo)
}

func (r *recordBatcher) full() bool { return len(r.ends) >= MaxBatchRows }

func (r *recordBatcher) len() int { return len(r.ends) }

// flush decodes the collected lines and emits them as one batch.
func (r *recordBatcher) flush(emit func(*Batch) error) error {
	if len(r.ends) == 0 {
		return nil
	}
	text := string(r.text)
	b := NewBatch(len(r.ends))
	start := 0
	for i, end := range r.ends {
		rec := text[start:end]
		start = end
		row := b.NewRow(r.width)
		if err := r.dec.decode(rec, row); err != nil {
			where := r.env.name
			if r.lines[i] > 0 {
				where = fmt.Sprintf("%s line %d", r.env.name, r.lines[i])
			}
			if err := r.env.errors.Handle(where, rec, err); err != nil {
				return err
			}
			continue
		}
		b.Append(types.Insert, row)
	}
	r.text, r.ends, r.lines = r.text[:0], r.ends[:0], r.lines[:0]
	if b.Len() == 0 {
		return nil
	}
	return emit(b)
}

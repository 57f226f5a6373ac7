package exec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/streamsql/streamsql/planner/types"
)

// fileSource reads a file of records, one per line. It is bounded: the job
// finishes when the file has been read. Its position is the byte offset and
// the line number of the next line.
type fileSource struct {
	env    sourceEnv
	path   string
	dec    decoder
	width  int
	header bool // skip the first line

	f            *os.File
	lr           *lineReader
	offset, line int64 // where to start, from Seek
}

func (s *fileSource) Seek(pos []byte) error {
	if len(pos) != 16 {
		return fmt.Errorf("%s: position of %d bytes, want 16: %w", s.env.name, len(pos), errCorrupt)
	}
	s.offset = int64(binary.BigEndian.Uint64(pos))
	s.line = int64(binary.BigEndian.Uint64(pos[8:]))
	return nil
}

func (s *fileSource) open() error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("%s: %w", s.env.name, err)
	}
	if s.offset > 0 {
		if _, err := f.Seek(s.offset, io.SeekStart); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", s.env.name, err)
		}
	}
	s.f, s.lr = f, newLineReader(f)
	s.lr.offset, s.lr.line = s.offset, s.line
	return nil
}

func (s *fileSource) Fetch(ctx context.Context) (*Batch, []byte, error) {
	if s.lr == nil {
		if err := s.open(); err != nil {
			return nil, nil, err
		}
	}
	r := &recordBatcher{env: s.env, dec: s.dec, width: s.width}
	for r.len() < s.env.batchRows {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		line, err := s.lr.next()
		switch {
		case errors.Is(err, io.EOF):
			if r.len() == 0 {
				return nil, nil, io.EOF
			}
			return r.build(s.position())
		case errors.Is(err, errLineTooLong):
			if err := s.env.errors.Handle(fmt.Sprintf("%s line %d", s.env.name, s.lr.line), s.lr.longLineRecord(), err); err != nil {
				return nil, nil, err
			}
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("%s: %w", s.env.name, err)
		}
		if s.header && s.lr.line == 1 {
			continue
		}
		r.add(line, s.lr.line)
	}
	return r.build(s.position())
}

func (s *fileSource) position() []byte {
	pos := binary.BigEndian.AppendUint64(nil, uint64(s.lr.offset))
	return binary.BigEndian.AppendUint64(pos, uint64(s.lr.line))
}

func (s *fileSource) Close() error {
	if s.f != nil {
		return s.f.Close()
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
	ids   []uint64 // each line's record id: its line number or log sequence
}

func (r *recordBatcher) add(line []byte, id int64) {
	r.text = append(r.text, line...)
	r.ends = append(r.ends, len(r.text))
	r.ids = append(r.ids, uint64(id))
}

func (r *recordBatcher) len() int { return len(r.ends) }

// records returns the collected lines.
func (r *recordBatcher) records() [][]byte {
	out := make([][]byte, len(r.ends))
	start := 0
	for i, end := range r.ends {
		out[i] = r.text[start:end]
		start = end
	}
	return out
}

// build decodes the collected lines into a batch; records that fail to
// decode go through the error policy. pos is returned as it is.
func (r *recordBatcher) build(pos []byte) (*Batch, []byte, error) {
	text := string(r.text)
	b := NewBatch(len(r.ends))
	start := 0
	for i, end := range r.ends {
		rec := text[start:end]
		start = end
		row := b.NewRow(r.width)
		if err := r.dec.decode(rec, row); err != nil {
			where := fmt.Sprintf("%s line %d", r.env.name, r.ids[i])
			if err := r.env.errors.Handle(where, rec, err); err != nil {
				return nil, nil, err
			}
			continue
		}
		b.Append(types.Insert, row)
		b.RecordIDs = append(b.RecordIDs, r.ids[i])
	}
	return b, pos, nil
}

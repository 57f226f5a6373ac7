package exec

import (
	"context"
	"io"
	"strconv"

	"github.com/streamsql/streamsql/planner/types"
)

// seriesSource emits start, start+step, ... up to stop inclusive
// (GENERATE_SERIES). Its position is how many values it has emitted.
type seriesSource struct {
	start, stop, step int64
	batchRows         int
	emitted           uint64
	done              bool
}

func newSeriesSource(opts map[string]string, batchRows int) (*seriesSource, error) {
	s := &seriesSource{batchRows: batchRows}
	var err error
	if s.start, err = strconv.ParseInt(opts["start"], 10, 64); err != nil {
		return nil, err
	}
	if s.stop, err = strconv.ParseInt(opts["stop"], 10, 64); err != nil {
		return nil, err
	}
	if s.step, err = strconv.ParseInt(opts["step"], 10, 64); err != nil {
		return nil, err
	}
	s.done = (s.step > 0 && s.start > s.stop) || (s.step < 0 && s.start < s.stop)
	return s, nil
}

func (s *seriesSource) Seek(pos []byte) error {
	n, err := readCounterPos(pos)
	if err != nil {
		return err
	}
	for s.emitted < n && !s.done {
		s.advance()
	}
	return nil
}

// value returns the next value.
func (s *seriesSource) value() int64 { return s.start + int64(s.emitted)*s.step }

// advance moves past the next value, stopping at stop without overflowing.
func (s *seriesSource) advance() {
	v := s.value()
	s.emitted++
	if (s.step > 0 && v > s.stop-s.step) || (s.step < 0 && v < s.stop-s.step) {
		s.done = true
	}
}

func (s *seriesSource) Fetch(ctx context.Context) (*Batch, []byte, error) {
	if s.done {
		return nil, nil, io.EOF
	}
	b := NewBatch(s.batchRows)
	for len(b.Rows) < s.batchRows && !s.done {
		r := b.NewRow(1)
		r[0] = types.Int(s.value())
		b.Append(types.Insert, r)
		s.advance()
		b.RecordIDs = append(b.RecordIDs, s.emitted)
	}
	return b, counterPos(s.emitted), nil
}

func (s *seriesSource) Close() error { return nil }

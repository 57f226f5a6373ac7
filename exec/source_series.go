package exec

import (
	"context"
	"strconv"

	"github.com/streamsql/streamsql/planner/types"
)

// seriesSource emits start, start+step, ... up to stop inclusive
// (GENERATE_SERIES).
type seriesSource struct {
	start, stop, step int64
}

func newSeriesSource(opts map[string]string) (*seriesSource, error) {
	var s seriesSource
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
	return &s, nil
}

func (s *seriesSource) Run(ctx context.Context, emit func(*Batch) error) error {
	b := NewBatch(MaxBatchRows)
	for v := s.start; (s.step > 0 && v <= s.stop) || (s.step < 0 && v >= s.stop); v += s.step {
		r := b.NewRow(1)
		r[0] = types.Int(v)
		b.Append(types.Insert, r)
		if b.Full() {
			if ctx.Err() != nil {
				return nil
			}
			if err := emit(b); err != nil {
				return err
			}
			b = NewBatch(MaxBatchRows)
		}
		if (s.step > 0 && v > s.stop-s.step) || (s.step < 0 && v < s.stop-s.step) {
			break // the next step would overflow or pass stop
		}
	}
	if b.Len() > 0 {
		return emit(b)
	}
	return nil
}

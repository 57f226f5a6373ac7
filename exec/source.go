package exec

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// Source produces a job's input, in batches, each with the position just
// after it. A checkpoint records the position of the last batch before its
// barrier, and a restored job Seeks there, so a source that can replay
// (files, generators, a socket with its log) gives exactly-once state.
type Source interface {
	// Seek positions the source where a checkpoint left it. It is called
	// at most once, before the first Fetch.
	Seek(pos []byte) error
	// Fetch returns the next batch and the position after it, blocking
	// until there is input or ctx is done (then it returns ctx's error).
	// A bounded source returns io.EOF when it is exhausted. Every row of
	// the batch has a record id in Batch.RecordIDs, stable across runs.
	Fetch(ctx context.Context) (*Batch, []byte, error)
	// Close releases the source.
	Close() error
}

// sourceEnv is what a source needs from its job.
type sourceEnv struct {
	name      string // how errors name the source: SOCKET('localhost:9100')
	errors    *ErrorPolicy
	log       *slog.Logger
	batchRows int // the most rows in a batch
}

// newSource returns the source for spec.
func newSource(spec *planner.SourceSpec, env sourceEnv) (Source, error) {
	if env.batchRows <= 0 {
		env.batchRows = MaxBatchRows
	}
	switch spec.Connector {
	case planner.ConnectorValues:
		return &valuesSource{rows: spec.Rows, batchRows: env.batchRows}, nil
	case planner.ConnectorSeries:
		return newSeriesSource(spec.Options, env.batchRows)
	case planner.ConnectorDatagen:
		return newDatagenSource(spec.Options, env.batchRows)
	case planner.ConnectorFile:
		dec, err := newDecoder(spec)
		if err != nil {
			return nil, err
		}
		return &fileSource{env: env, path: spec.Options["path"], dec: dec, width: len(spec.Columns),
			header: spec.Options["header"] == "true"}, nil
	case planner.ConnectorSocket:
		dec, err := newDecoder(spec)
		if err != nil {
			return nil, err
		}
		return newSocketSource(spec, env, dec)
	}
	return nil, fmt.Errorf("no runtime for source connector %q", spec.Connector)
}

// counterPos encodes a position that is a count of records.
func counterPos(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func readCounterPos(pos []byte) (uint64, error) {
	if len(pos) != 8 {
		return 0, fmt.Errorf("position of %d bytes, want 8: %w", len(pos), errCorrupt)
	}
	return binary.BigEndian.Uint64(pos), nil
}

// valuesSource emits fixed rows.
type valuesSource struct {
	rows      [][]types.Value
	batchRows int
	next      int
}

func (s *valuesSource) Seek(pos []byte) error {
	n, err := readCounterPos(pos)
	s.next = int(min(n, uint64(len(s.rows))))
	return err
}

func (s *valuesSource) Fetch(ctx context.Context) (*Batch, []byte, error) {
	if s.next >= len(s.rows) {
		return nil, nil, io.EOF
	}
	end := min(len(s.rows), s.next+s.batchRows)
	b := NewBatch(end - s.next)
	for ; s.next < end; s.next++ {
		b.Append(types.Insert, types.Row(s.rows[s.next]))
		b.RecordIDs = append(b.RecordIDs, uint64(s.next+1))
	}
	return b, counterPos(uint64(s.next)), nil
}

func (s *valuesSource) Close() error { return nil }

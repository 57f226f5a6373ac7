package exec

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// Source produces a job's input.
type Source interface {
	// Run reads records and passes them to emit in batches, until the
	// source is exhausted (bounded sources) or ctx is done; either way it
	// returns nil, and an error only when reading failed. emit blocks while
	// downstream is busy (back-pressure) and fails when the job is killed.
	Run(ctx context.Context, emit func(*Batch) error) error
}

// sourceEnv is what a source needs from its job.
type sourceEnv struct {
	name   string // how errors name the source: SOCKET('localhost:9100')
	errors *ErrorPolicy
	log    *slog.Logger
}

// newSource returns the source for spec.
func newSource(spec *planner.SourceSpec, env sourceEnv) (Source, error) {
	switch spec.Connector {
	case planner.ConnectorValues:
		return &valuesSource{rows: spec.Rows}, nil
	case planner.ConnectorSeries:
		return newSeriesSource(spec.Options)
	case planner.ConnectorDatagen:
		return newDatagenSource(spec.Options)
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

// valuesSource emits fixed rows.
type valuesSource struct {
	rows [][]types.Value
}

func (s *valuesSource) Run(ctx context.Context, emit func(*Batch) error) error {
	b := NewBatch(min(len(s.rows), MaxBatchRows))
	for _, r := range s.rows {
		if ctx.Err() != nil {
			return nil
		}
		b.Append(types.Insert, types.Row(r))
		if b.Full() {
			if err := emit(b); err != nil {
				return err
			}
			b = NewBatch(MaxBatchRows)
		}
	}
	if b.Len() > 0 {
		return emit(b)
	}
	return nil
}

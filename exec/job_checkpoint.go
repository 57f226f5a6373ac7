package exec

import (
	"context"
	"fmt"

	"github.com/streamsql/streamsql/statestore"
)

// Checkpoint takes a checkpoint now rather than at the next interval, and
// returns it once it is complete — what Flink's "trigger checkpoint" does.
// Unlike StopWithSavepoint the job goes on. The job must be running with
// checkpoints (a checkpoint_interval); a checkpoint already in progress is
// finished first. Benchmarks use it to time checkpoints of a known state.
func (j *Job) Checkpoint(ctx context.Context) (statestore.Meta, error) {
	j.mu.Lock()
	coord := j.coord
	j.mu.Unlock()
	if coord == nil || j.State() != JobRunning {
		return statestore.Meta{}, fmt.Errorf("job %s is not running with checkpoints (set checkpoint_interval)", j.ID)
	}
	done := make(chan error, 1)
	coord.request(checkpointRequest{done: done})
	select {
	case err := <-done:
		if err != nil {
			return statestore.Meta{}, err
		}
	case <-j.done:
		return statestore.Meta{}, fmt.Errorf("job %s ended before the checkpoint completed", j.ID)
	case <-ctx.Done():
		return statestore.Meta{}, ctx.Err()
	}
	// The coordinator records the checkpoint before it says it is done.
	return *j.Info().LastCheckpoint, nil
}

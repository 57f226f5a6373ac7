package exec

import (
	"context"
	"testing"
	"time"
)

// Job.Checkpoint takes a checkpoint on request, and the job goes on.
func TestJobCheckpointOnRequest(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	ts.mustExec("CREATE SINK out WITH (connector = 'blackhole')")
	job := ts.submit("INSERT INTO out SELECT word, COUNT(*) FROM GENERATE_LINES(0) CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) " +
		"GROUP BY word WITH (checkpoint_interval = '1h')")
	// running, and with counts to checkpoint
	for info := job.Info(); info.State != JobRunning || info.RecordsOut == 0; info = job.Info() {
		if info.State.Terminal() {
			t.Fatalf("the job ended %s: %v", info.State, info.Err)
		}
		time.Sleep(time.Millisecond)
	}
	for i := int64(1); i <= 2; i++ {
		m, err := job.Checkpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if m.ID != i || m.Entries == 0 {
			t.Errorf("checkpoint %d is %d with %d entries", i, m.ID, m.Entries)
		}
	}
	if st := job.State(); st != JobRunning {
		t.Errorf("after the checkpoints the job is %s", st)
	}
	job.Cancel()
	if err := job.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := job.Checkpoint(context.Background()); err == nil {
		t.Error("a checkpoint of an ended job succeeded")
	}
}

package exec

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/statestore"
)

// JobState is a job's state (SPEC §5).
type JobState int

// The job states.
const (
	JobCreated JobState = iota
	JobRunning
	JobFailing
	JobRestarting
	JobCancelling
	JobCanceled
	JobFailed
	JobFinished
)

var jobStateNames = [...]string{"CREATED", "RUNNING", "FAILING", "RESTARTING", "CANCELLING", "CANCELED", "FAILED", "FINISHED"}

// String returns the state's name.
func (s JobState) String() string { return jobStateNames[s] }

// Terminal reports whether the job has ended.
func (s JobState) Terminal() bool { return s == JobCanceled || s == JobFailed || s == JobFinished }

// drainTimeout is how long a cancelled job may take to drain what is in
// flight and flush its sinks before it is killed.
const drainTimeout = 5 * time.Second

// Testing holds knobs that tests turn to exercise checkpoints and
// recovery on small inputs. The zero value changes nothing.
type Testing struct {
	// BatchRows caps the rows of a source batch (default MaxBatchRows), so
	// that a small input spans many batches and checkpoints.
	BatchRows int
	// CheckpointEveryBatch asks for a checkpoint after every source batch
	// (when the job checkpoints at all).
	CheckpointEveryBatch bool
	// FailAfterRecords makes the job fail once, after its sources have
	// read this many records.
	FailAfterRecords int64
	// StoreOptions are passed to statestore.Open for the job's state:
	// statestore.WithWriteFault makes its writes fail on cue.
	StoreOptions []statestore.Option
}

// Job is a running (or ended) query.
type Job struct {
	ID   string
	Name string
	// SQL is the statement the job runs.
	SQL  string
	Plan *planner.Plan

	log     *slog.Logger
	env     SinkEnv
	errors  *ErrorPolicy
	testing Testing

	mu         sync.Mutex
	state      JobState
	err        error
	started    time.Time
	ended      time.Time
	restarts   int
	restores   int              // runs that resumed from a checkpoint
	checkpoint *statestore.Meta // the latest completed
	// checkpointErr is why the latest checkpoint failed, until one
	// completes; checkpointFailures counts failed checkpoints.
	checkpointErr      error
	checkpointFailures int
	coord              *coordinator // of the running attempt, if it checkpoints
	store              *statestore.Store

	quarantine quarantine
	feeds      map[string]*socketFeed // logged sockets, by source task

	recordsIn  atomic.Int64
	recordsOut atomic.Int64
	injected   atomic.Bool

	stop      context.CancelFunc // ask sources to end; the job drains
	stopped   atomic.Bool
	kill      context.CancelFunc
	done      chan struct{}
	detached  bool
	savepoint atomic.Bool // the job stops after a savepoint: keep its state
}

// JobInfo is a snapshot of a job for SHOW JOBS.
type JobInfo struct {
	ID, Name   string
	State      JobState
	Started    time.Time
	Uptime     time.Duration
	RecordsIn  int64
	RecordsOut int64
	BadRecords int64
	Restarts   int
	// Restores counts the runs that resumed from a checkpoint.
	Restores int
	// LastCheckpoint is the latest completed checkpoint, if any.
	LastCheckpoint *statestore.Meta
	// CheckpointError is why the checkpoints since LastCheckpoint failed
	// (a full disk, say), or nil; FailedCheckpoints counts the failures
	// over the job's life.
	CheckpointError   error
	FailedCheckpoints int
	Err               error
	SQL               string
	Detached          bool
}

func newJob(id, sql string, plan *planner.Plan, env SinkEnv, log *slog.Logger, hooks Testing) *Job {
	j := &Job{ID: id, Name: plan.JobName, SQL: sql, Plan: plan, env: env, testing: hooks, done: make(chan struct{})}
	j.log = log.With("job", plan.JobName)
	j.errors = NewErrorPolicy(plan.Options.OnError, j.stateDir(), j.log)
	return j
}

// stateDir is where the job's checkpoints and dead letters live.
func (j *Job) stateDir() string {
	return filepath.Join(j.Plan.Options.StateDir, j.Plan.JobName)
}

// start runs the job in the background.
func (j *Job) start(parent context.Context) {
	kill, killCancel := context.WithCancel(parent)
	stop, stopCancel := context.WithCancel(kill)
	j.kill, j.stop = killCancel, stopCancel
	j.mu.Lock()
	j.started = time.Now()
	j.mu.Unlock()
	go func() {
		defer close(j.done)
		defer killCancel()
		err := j.run(kill, stop)
		j.finish(err)
	}()
}

func (j *Job) finish(err error) {
	switch {
	case err == nil && j.stopped.Load():
		j.transition(JobCanceled, nil)
	case err == nil:
		j.transition(JobFinished, nil)
	case j.stopped.Load() && isCanceled(err):
		j.transition(JobCanceled, nil)
	default:
		j.transition(JobFailed, err)
	}
}

func (j *Job) transition(to JobState, cause error) {
	j.mu.Lock()
	from := j.state
	j.state = to
	if cause != nil {
		j.err = cause
	}
	if to.Terminal() {
		j.ended = time.Now()
	}
	j.mu.Unlock()
	msg := fmt.Sprintf("Job %s (%s) switched from %s to %s", j.Name, j.ID, from, to)
	if cause != nil {
		j.log.Error(msg, "cause", cause)
		return
	}
	j.log.Info(msg)
}

// Cancel stops the job: its sources stop reading, what is in flight drains
// and the sinks flush (a table prints), and the job ends CANCELED. If it
// has not drained within a few seconds it is killed.
func (j *Job) Cancel() {
	if j.State().Terminal() || j.stopped.Swap(true) {
		return
	}
	j.transition(JobCancelling, nil)
	j.stop()
	go func() {
		select {
		case <-j.done:
		case <-time.After(drainTimeout):
			j.log.Warn("the job did not drain in time; killing it")
			j.kill()
		}
	}()
}

// StopWithSavepoint takes a checkpoint, kept whatever the retention
// option says, and then cancels the job, so that a later run with the same
// job_name resumes exactly there.
func (j *Job) StopWithSavepoint() (statestore.Meta, error) {
	j.mu.Lock()
	coord := j.coord
	j.mu.Unlock()
	if coord == nil || j.State() != JobRunning {
		return statestore.Meta{}, fmt.Errorf("job %s is not running with checkpoints (set checkpoint_interval); use CANCEL JOB", j.ID)
	}
	done := make(chan error, 1)
	coord.request(checkpointRequest{savepoint: true, done: done})
	select {
	case err := <-done:
		if err != nil {
			return statestore.Meta{}, err
		}
	case <-j.done:
		return statestore.Meta{}, fmt.Errorf("job %s ended before the savepoint completed", j.ID)
	}
	j.savepoint.Store(true)
	meta := j.Info().LastCheckpoint
	j.Cancel()
	<-j.done
	return *meta, nil
}

// Done is closed when the job has ended.
func (j *Job) Done() <-chan struct{} { return j.done }

// Wait waits for the job to end and returns its failure, if it failed.
func (j *Job) Wait() error {
	<-j.done
	return j.Err()
}

// State returns the job's state.
func (j *Job) State() JobState {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state
}

// Err returns why the job failed, or nil.
func (j *Job) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.state != JobFailed {
		return nil
	}
	return j.err
}

// Checkpoints returns the job's completed checkpoints, oldest first, while
// its state is open.
func (j *Job) Checkpoints() []statestore.Meta {
	j.mu.Lock()
	store := j.store
	j.mu.Unlock()
	if store == nil {
		return nil
	}
	return store.Checkpoints()
}

// oldestRetained returns the oldest checkpoint the store keeps, or nil.
func (j *Job) oldestRetained() *statestore.Meta {
	j.mu.Lock()
	store := j.store
	j.mu.Unlock()
	if store == nil {
		return nil
	}
	if cps := store.Checkpoints(); len(cps) > 0 {
		return &cps[0]
	}
	return nil
}

func (j *Job) checkpointCompleted(m statestore.Meta) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.checkpoint = &m
	j.checkpointErr = nil
}

// checkpointFailed records why the latest checkpoint could not be taken.
func (j *Job) checkpointFailed(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.checkpointErr = err
	j.checkpointFailures++
}

// Info returns a snapshot of the job.
func (j *Job) Info() JobInfo {
	j.mu.Lock()
	defer j.mu.Unlock()
	end := time.Now()
	if j.state.Terminal() {
		end = j.ended
	}
	info := JobInfo{ID: j.ID, Name: j.Name, State: j.state, Started: j.started, RecordsIn: j.recordsIn.Load(),
		RecordsOut: j.recordsOut.Load(), BadRecords: j.errors.Skipped(), Restarts: j.restarts, Restores: j.restores,
		LastCheckpoint: j.checkpoint, CheckpointError: j.checkpointErr, FailedCheckpoints: j.checkpointFailures,
		SQL: j.SQL, Detached: j.detached}
	if !j.started.IsZero() {
		info.Uptime = end.Sub(j.started)
	}
	if j.state == JobFailed {
		info.Err = j.err
	}
	return info
}

// quarantine is the records that made the job fail, by source, so that
// later runs skip them.
type quarantine struct {
	mu  sync.Mutex
	ids map[string]map[uint64]bool // by source task: "op/subtask"
}

func (q *quarantine) add(source string, id uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ids == nil {
		q.ids = map[string]map[uint64]bool{}
	}
	if q.ids[source] == nil {
		q.ids[source] = map[uint64]bool{}
	}
	q.ids[source][id] = true
}

// filter drops the quarantined records of a source from a batch.
func (q *quarantine) filter(source string, b *Batch) *Batch {
	q.mu.Lock()
	ids := q.ids[source]
	q.mu.Unlock()
	if len(ids) == 0 || len(b.RecordIDs) != b.Len() {
		return b
	}
	kept := NewBatch(b.Len())
	for i, row := range b.Rows {
		if !ids[b.RecordIDs[i]] {
			kept.Append(b.Kinds[i], row)
			kept.RecordIDs = append(kept.RecordIDs, b.RecordIDs[i])
		}
	}
	return kept
}

// quarantineRecord sets a record aside: in memory for this process's
// restarts, in the store for later runs, and in the dead-letter file.
func (j *Job) quarantineRecord(t *task, id uint64, record string, cause error) {
	j.quarantine.add(t.positionKey(), id)
	j.mu.Lock()
	store := j.store
	j.mu.Unlock()
	if store != nil {
		if err := store.Quarantine(uint32(t.sourceOp.ID), uint32(t.subtask), id, cause.Error()); err != nil {
			j.log.Warn(fmt.Sprintf("recording a quarantined record: %v", err))
		}
	}
	j.errors.Quarantine(fmt.Sprintf("%s record %d", t.sourceOp.Name, id), record, cause)
}

// socketFeed returns the job's feed for a logged socket source, starting
// it the first time (or again, if it gave up).
func (j *Job) socketFeed(store *statestore.Store, op *planner.Operator, subtask int, reader *socketReader) (*socketFeed, error) {
	key := fmt.Sprintf("%d/%d", op.ID, subtask)
	j.mu.Lock()
	defer j.mu.Unlock()
	if f, ok := j.feeds[key]; ok && f.alive() {
		return f, nil
	}
	log, err := openSourceLog(store, op.ID, subtask)
	if err != nil {
		return nil, err
	}
	if j.feeds == nil {
		j.feeds = map[string]*socketFeed{}
	}
	f := startFeed(log, reader)
	j.feeds[key] = f
	return f, nil
}

// stopFeeds closes the job's logged sockets.
func (j *Job) stopFeeds() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, f := range j.feeds {
		f.stop()
		<-f.failed
	}
	j.feeds = nil
}

package exec

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/streamsql/streamsql/internal/bytesize"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/statestore"
)

// A checkpoint follows asynchronous barrier snapshotting (as in Flink):
// the coordinator asks every source to put a numbered barrier into its
// output; each task, once the barrier has arrived on all its inputs,
// copies the state of its stateful operators and sink, forwards the
// barrier, and acknowledges with the copy; the coordinator writes the
// copies to the store and, when every task has acknowledged, commits the
// checkpoint — only then is it visible to a restore — and tells the tasks,
// so that sinks commit their output and sources trim their logs.

// taskSnapshot is one task's acknowledgement of a checkpoint.
type taskSnapshot struct {
	id    int64
	task  int
	state []operatorState
	// position is a source task's position at the barrier.
	position []byte
	err      error
}

// operatorState is the snapshot of one operator (or sink) of a task.
type operatorState struct {
	op      int
	entries []stateEntry
}

// pendingCheckpoint is a checkpoint in progress.
type pendingCheckpoint struct {
	writer    *statestore.Writer
	started   time.Time
	waiting   map[int]bool // tasks that have not acknowledged
	positions map[string][]byte
	savepoint bool
	done      chan error // for a savepoint, told when it ends
}

// coordinator triggers, collects and commits checkpoints for one run of a
// job (an attempt: a restart gets a new coordinator).
type coordinator struct {
	job      *Job
	store    *statestore.Store
	opts     planner.Options
	tasks    []*task
	log      *slog.Logger
	acks     chan *taskSnapshot
	finished chan int // a task ended (its index)
	requests chan checkpointRequest

	pending      *pendingCheckpoint
	queued       *checkpointRequest // asked for while another was running
	lastComplete time.Time
	ended        bool  // a task has ended: no more checkpoints can complete
	failures     int   // checkpoints in a row that could not start or commit
	beginErr     error // why the latest trigger could not start one
}

// checkpointRequest asks for a checkpoint now rather than at the next tick.
type checkpointRequest struct {
	savepoint bool
	done      chan error // nil: nobody waits
}

func newCoordinator(job *Job, store *statestore.Store, tasks []*task) *coordinator {
	return &coordinator{job: job, store: store, opts: job.Plan.Options, tasks: tasks, log: job.log,
		acks: make(chan *taskSnapshot, len(tasks)), finished: make(chan int, len(tasks)),
		requests: make(chan checkpointRequest, 1)}
}

// request asks for a checkpoint as soon as possible; it returns at once.
func (c *coordinator) request(r checkpointRequest) {
	select {
	case c.requests <- r:
	default:
		if r.done != nil {
			r.done <- fmt.Errorf("a checkpoint is already being requested")
		}
	}
}

// run drives checkpoints until ctx is done.
func (c *coordinator) run(ctx context.Context) {
	var tick <-chan time.Time
	if c.opts.CheckpointInterval > 0 {
		ticker := time.NewTicker(c.opts.CheckpointInterval)
		defer ticker.Stop()
		tick = ticker.C
	}
	var timeout <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			c.abort("the job stopped")
			if c.queued != nil && c.queued.done != nil {
				c.queued.done <- fmt.Errorf("the job stopped before the checkpoint")
			}
			return
		case <-tick:
			if c.trigger(checkpointRequest{}) {
				timeout = time.After(c.opts.CheckpointTimeout)
			}
		case r := <-c.requests:
			switch {
			case c.trigger(r):
				timeout = time.After(c.opts.CheckpointTimeout)
			case c.pending != nil && !c.ended && c.queued == nil:
				c.queued = &r // taken when the running one ends
			case r.done != nil:
				r.done <- c.refusal()
			}
		case snap := <-c.acks:
			c.acknowledge(snap)
		case <-c.finished:
			c.ended = true
			c.abort("a task finished before acknowledging")
		case <-timeout:
			c.abort(fmt.Sprintf("not complete after checkpoint_timeout %s", planner.FormatDuration(c.opts.CheckpointTimeout)))
		}
		if c.pending == nil && c.queued != nil {
			r := *c.queued
			c.queued = nil
			if c.trigger(checkpointRequest{savepoint: r.savepoint, done: r.done}) {
				timeout = time.After(c.opts.CheckpointTimeout)
			} else if r.done != nil {
				r.done <- c.refusal()
			}
		}
	}
}

// trigger starts a checkpoint unless one is running, a task has ended, or
// checkpoint_min_pause has not passed since the last one completed.
func (c *coordinator) trigger(r checkpointRequest) bool {
	c.beginErr = nil
	if c.pending != nil || c.ended {
		return false
	}
	if !r.savepoint && r.done == nil && !c.lastComplete.IsZero() && time.Since(c.lastComplete) < c.opts.CheckpointMinPause {
		return false // a requested checkpoint someone waits for does not wait for the pause
	}
	w, err := c.store.Begin()
	c.beginErr = err
	if err != nil {
		c.failed(fmt.Sprintf("A checkpoint of job %s could not start", c.job.Name), err)
		return false
	}
	p := &pendingCheckpoint{writer: w, started: time.Now(), waiting: map[int]bool{}, positions: map[string][]byte{},
		savepoint: r.savepoint, done: r.done}
	for i := range c.tasks {
		p.waiting[i] = true
	}
	c.pending = p
	c.log.Debug(fmt.Sprintf("Triggering checkpoint %d", w.ID()))
	for _, t := range c.tasks {
		if t.source != nil {
			replaceLatest(t.triggers, w.ID()) // a stale trigger of an aborted checkpoint goes
		}
	}
	return true
}

// acknowledge takes one task's snapshot into the pending checkpoint.
func (c *coordinator) acknowledge(s *taskSnapshot) {
	p := c.pending
	if p == nil || s.id != p.writer.ID() {
		return // from a checkpoint already aborted
	}
	if s.err != nil {
		c.abort(fmt.Sprintf("%s could not snapshot its state: %v", c.tasks[s.task].name, s.err))
		return
	}
	for _, st := range s.state {
		for _, e := range st.entries {
			if e.deleted {
				p.writer.Delete(uint32(st.op), e.key)
			} else {
				p.writer.Put(uint32(st.op), e.key, e.value)
			}
		}
	}
	if s.position != nil {
		p.positions[c.tasks[s.task].positionKey()] = s.position
	}
	delete(p.waiting, s.task)
	if len(p.waiting) == 0 {
		c.complete()
	}
}

func (c *coordinator) complete() {
	p := c.pending
	c.pending = nil
	meta, err := p.writer.Commit(statestore.Meta{
		Taken: p.started, Duration: time.Since(p.started), Fingerprint: c.job.Plan.Fingerprint,
		Savepoint: p.savepoint, Positions: p.positions, Info: stateDescription(c.job.Plan),
	})
	if err != nil {
		c.failed(fmt.Sprintf("Checkpoint %d of job %s failed to commit", p.writer.ID(), c.job.Name), err)
		if p.done != nil {
			p.done <- err
		}
		return
	}
	if c.failures > 0 {
		c.log.Info(fmt.Sprintf("Checkpoint %d of job %s completed, after %d that failed", meta.ID, c.job.Name, c.failures))
		c.failures = 0
	}
	c.lastComplete = time.Now()
	if p.savepoint {
		// The job stops after its savepoint: a later checkpoint would
		// replace it, and the resuming run would not start where STOP said.
		c.ended = true
	}
	c.job.checkpointCompleted(meta)
	// Debug, not Info: at one a second it would drown the log; SHOW JOBS
	// and SHOW CHECKPOINTS say where checkpoints are.
	c.log.Debug(fmt.Sprintf("Completed checkpoint %d for job %s (%s in %s)", meta.ID, c.job.Name,
		bytesize.Format(meta.Bytes), meta.Duration.Round(time.Millisecond)))
	if err := c.store.Retain(c.opts.CheckpointsRetained); err != nil {
		c.log.Warn(fmt.Sprintf("Removing old checkpoints: %v", err))
	}
	for _, t := range c.tasks {
		t.notifyCompleted(meta.ID)
	}
	if p.done != nil {
		p.done <- nil
	}
}

// refusal says why a requested checkpoint was not started.
func (c *coordinator) refusal() error {
	if c.beginErr != nil {
		return fmt.Errorf("the checkpoint could not start: %w", c.beginErr)
	}
	return fmt.Errorf("no checkpoint can be taken now: the job is ending")
}

// failed reports a checkpoint that could not start or commit. The job goes
// on, and its changes wait for the next checkpoint (a snapshot's keys stay
// dirty until one completes). A disk that stays full fails every
// checkpoint, so after the first few only every 100th is logged.
func (c *coordinator) failed(what string, err error) {
	c.failures++
	c.job.checkpointFailed(err)
	if c.failures <= 3 || c.failures%100 == 0 {
		prev := "no checkpoint completed yet"
		if m, ok := c.store.Latest(); ok {
			prev = fmt.Sprintf("checkpoint %d stays the latest", m.ID)
		}
		c.log.Warn(fmt.Sprintf("%s: %v; the job goes on, %s", what, err, prev), "failed_checkpoints", c.failures)
	}
}

func (c *coordinator) abort(reason string) {
	p := c.pending
	if p == nil {
		return
	}
	c.pending = nil
	p.writer.Abort()
	c.log.Warn(fmt.Sprintf("Checkpoint %d of job %s aborted: %s; the job goes on", p.writer.ID(), c.job.Name, reason))
	if p.done != nil {
		p.done <- fmt.Errorf("checkpoint %d aborted: %s", p.writer.ID(), reason)
	}
}

// replaceLatest puts v in a channel of capacity 1, replacing what is there:
// only the latest value matters to the receiver. The caller must be the
// channel's only sender.
func replaceLatest(ch chan int64, v int64) {
	select {
	case <-ch:
	default:
	}
	ch <- v
}

// stateDescription describes each stateful operator, so that restoring
// into a changed plan can say what changed.
func stateDescription(plan *planner.Plan) map[string]string {
	info := map[string]string{}
	for _, op := range plan.Physical.Operators {
		if op.Stateful {
			info[fmt.Sprintf("operator %d", op.ID)] = plan.Physical.Describe(op)
		}
	}
	return info
}

package exec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/streamsql/streamsql/planner"
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

// Job is a running (or ended) query.
type Job struct {
	ID   string
	Name string
	// SQL is the statement the job runs.
	SQL  string
	Plan *planner.Plan

	log    *slog.Logger
	env    SinkEnv
	errors *ErrorPolicy

	mu      sync.Mutex
	state   JobState
	err     error
	started time.Time
	ended   time.Time

	recordsIn  atomic.Int64
	recordsOut atomic.Int64

	stop      context.CancelFunc // ask sources to end; the job drains
	stopped   atomic.Bool
	kill      context.CancelFunc
	done      chan struct{}
	detached  bool
	announced atomic.Bool
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
	Err        error
	SQL        string
	Detached   bool
}

func newJob(id, sql string, plan *planner.Plan, env SinkEnv, log *slog.Logger) *Job {
	j := &Job{ID: id, Name: plan.JobName, SQL: sql, Plan: plan, env: env, done: make(chan struct{})}
	j.log = log.With("job", plan.JobName)
	j.errors = NewErrorPolicy(plan.Options.OnError, filepath.Join(plan.Options.StateDir, plan.JobName), j.log)
	return j
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

// run builds the tasks and runs them until they all end or one fails.
func (j *Job) run(kill, stop context.Context) error {
	tasks, sinks, err := j.build()
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range sinks {
			if err := s.Close(); err != nil {
				j.log.Warn("closing sink", "error", err)
			}
		}
		j.errors.Close()
	}()
	if !j.stopped.Load() {
		j.transition(JobRunning, nil)
	}
	g, gctx := errgroup.WithContext(kill)
	gstop, cancelStop := context.WithCancel(stop)
	defer cancelStop()
	context.AfterFunc(gctx, cancelStop) // a failure stops the sources too
	for _, t := range tasks {
		t := t
		g.Go(func() error {
			err := t.run(gctx, gstop)
			if err != nil && !errors.Is(err, context.Canceled) {
				j.log.Debug("task failed", "task", t.name, "error", err)
			}
			return err
		})
	}
	return g.Wait()
}

func (j *Job) finish(err error) {
	switch {
	case err == nil && j.stopped.Load():
		j.transition(JobCanceled, nil)
	case err == nil:
		j.transition(JobFinished, nil)
	case j.stopped.Load() && errors.Is(err, context.Canceled):
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

// Info returns a snapshot of the job.
func (j *Job) Info() JobInfo {
	j.mu.Lock()
	defer j.mu.Unlock()
	end := time.Now()
	if j.state.Terminal() {
		end = j.ended
	}
	info := JobInfo{ID: j.ID, Name: j.Name, State: j.state, Started: j.started, RecordsIn: j.recordsIn.Load(),
		RecordsOut: j.recordsOut.Load(), BadRecords: j.errors.Skipped(), SQL: j.SQL, Detached: j.detached}
	if !j.started.IsZero() {
		info.Uptime = end.Sub(j.started)
	}
	if j.state == JobFailed {
		info.Err = j.err
	}
	return info
}

// chain is operators that run together in one task: each after the first
// reads only the one before, with the same parallelism.
type chain struct {
	ops   []*planner.Operator
	tasks []*task
}

// build turns the physical plan into tasks connected by edges.
func (j *Job) build() ([]*task, []Sink, error) {
	ops := j.Plan.Physical.Operators
	chainOf := make([]*chain, len(ops))
	var chains []*chain
	for _, op := range ops {
		if len(op.Inputs) == 1 {
			in := op.Inputs[0]
			up := ops[in.From]
			if _, isSink := up.Spec.(*planner.SinkOp); in.Partition.Kind == planner.Forward && up.Parallelism == op.Parallelism && !isSink {
				c := chainOf[in.From]
				c.ops = append(c.ops, op)
				chainOf[op.ID] = c
				continue
			}
		}
		c := &chain{ops: []*planner.Operator{op}}
		chains = append(chains, c)
		chainOf[op.ID] = c
	}
	var all []*task
	var sinks []Sink
	for _, c := range chains {
		par := c.ops[0].Parallelism
		names := make([]string, len(c.ops))
		for i, op := range c.ops {
			names[i] = op.Name
		}
		for i := 0; i < par; i++ {
			t := &task{name: fmt.Sprintf("%s (%d/%d)", strings.Join(names, " -> "), i+1, par), job: j}
			for _, op := range c.ops {
				switch spec := op.Spec.(type) {
				case *planner.SourceOp:
					env := sourceEnv{name: spec.Source.Name, errors: j.errors, log: j.log}
					src, err := newSource(spec.Source, env)
					if err != nil {
						return nil, sinks, err
					}
					t.source = src
				case *planner.SinkOp:
					s, err := newSink(j.Plan, op, j.env)
					if err != nil {
						return nil, sinks, err
					}
					t.sink = s
					sinks = append(sinks, s)
				default:
					operator, err := newOperator(op)
					if err != nil {
						return nil, sinks, err
					}
					t.operators = append(t.operators, operator)
					t.contexts = append(t.contexts, &OperatorContext{Name: op.Name, Subtask: i, Parallelism: par, Errors: j.errors})
				}
			}
			c.tasks = append(c.tasks, t)
			all = append(all, t)
		}
	}
	// connect each chain's head to the chain it reads from
	for _, c := range chains {
		head := c.ops[0]
		if len(head.Inputs) == 0 {
			continue
		}
		in := head.Inputs[0]
		up := chainOf[in.From]
		outs := make([][]edge, len(up.tasks)) // outs[u][d]
		for u := range up.tasks {
			outs[u] = make([]edge, len(c.tasks))
		}
		for d, t := range c.tasks {
			for u := range up.tasks {
				if in.Partition.Kind == planner.Forward && u != d {
					continue
				}
				e := make(edge, edgeCapacity)
				outs[u][d] = e
				t.inputs = append(t.inputs, e)
			}
		}
		for u, ut := range up.tasks {
			var targets []edge
			for _, e := range outs[u] {
				if e != nil {
					targets = append(targets, e)
				}
			}
			ut.out = newRouter(in.Partition, targets)
		}
	}
	return all, sinks, nil
}

func newOperator(op *planner.Operator) (Operator, error) {
	switch spec := op.Spec.(type) {
	case *planner.CalcOp:
		return newCalc(spec), nil
	case *planner.UnnestOp:
		return newUnnest(spec), nil
	case *planner.AggregateOp:
		return newAggregate(spec), nil
	}
	return nil, fmt.Errorf("no runtime for operator %s", op.Name)
}

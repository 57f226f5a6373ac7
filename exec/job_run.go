package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
	"github.com/streamsql/streamsql/statestore"
)

func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled)
}

// checkpointing reports whether the job takes checkpoints.
func (j *Job) checkpointing() bool {
	return j.Plan.Options.CheckpointInterval > 0 || j.testing.CheckpointEveryBatch
}

// run runs the job until it finishes, is cancelled, or fails beyond what
// its restart strategy allows. Each failure cancels every task; a restart
// builds them anew from the latest completed checkpoint.
func (j *Job) run(kill, stop context.Context) (err error) {
	defer j.errors.Close()
	store, err := j.openStore()
	if err != nil {
		return err
	}
	if store != nil {
		j.mu.Lock()
		j.store = store
		j.mu.Unlock()
		defer func() { j.closeStore(store, err) }()
		defer j.stopFeeds() // before the store closes
	}
	from, err := j.restorePoint(store)
	if err != nil {
		return err
	}
	if store != nil {
		j.loadQuarantine(store)
	}
	restarts := &restarter{strategy: j.Plan.Options.Restart}
	for {
		err := j.attempt(kill, stop, store, from)
		if err == nil || (j.stopped.Load() && isCanceled(err)) {
			return err
		}
		if older, ok := j.fallBack(store, from, err); ok {
			from = older // not a failure of the job: no restart is used up
			continue
		}
		j.transition(JobFailing, err)
		delay, ok := restarts.next(time.Now())
		if !ok {
			if j.Plan.Options.Restart.Kind != planner.RestartNone {
				j.log.Error(fmt.Sprintf("Job %s (%s) cannot restart: the restart strategy %s allows no more", j.Name, j.ID, j.Plan.Options.Restart))
			}
			return err
		}
		j.mu.Lock()
		j.restarts++
		j.mu.Unlock()
		j.transition(JobRestarting, nil)
		j.log.Info(fmt.Sprintf("Job %s (%s) restarts in %s: %s", j.Name, j.ID, delay, restarts.describe()))
		select {
		case <-time.After(delay):
		case <-stop.Done():
			return nil // cancelled while waiting: CANCELED
		}
		from = nil
		if store != nil {
			if m, ok := store.Latest(); ok {
				from = &m
				j.log.Info(fmt.Sprintf("Job %s (%s) restores checkpoint %d, taken %s", j.Name, j.ID, m.ID, m.Taken.Format(time.DateTime)))
			}
		}
		if from == nil {
			j.log.Info(fmt.Sprintf("Job %s (%s) starts again from empty state: no checkpoint has completed", j.Name, j.ID))
		}
	}
}

// attempt builds the tasks, restores them, and runs them until they all
// end or one fails.
func (j *Job) attempt(kill, stop context.Context, store *statestore.Store, from *statestore.Meta) error {
	tasks, sinks, err := j.build(store)
	defer func() {
		for _, s := range sinks {
			if err := s.Close(); err != nil {
				j.log.Warn("closing sink", "error", err)
			}
		}
	}()
	if err != nil {
		return err
	}
	for _, t := range tasks {
		j.taskTransition(t, "CREATED", "DEPLOYING", nil)
	}
	if from != nil {
		if err := j.restore(tasks, store, from); err != nil {
			return &restoreError{id: from.ID, err: err}
		}
		for _, t := range tasks {
			t.resumed = true
		}
		j.mu.Lock()
		j.restores++
		j.mu.Unlock()
	}
	var coord *coordinator
	ctx, cancelCoord := context.WithCancel(kill)
	defer cancelCoord()
	coordDone := make(chan struct{})
	if store != nil && j.checkpointing() {
		coord = newCoordinator(j, store, tasks)
		for _, t := range tasks {
			t.coord = coord
		}
		go func() {
			defer close(coordDone)
			coord.run(ctx)
		}()
	} else {
		close(coordDone)
	}
	j.mu.Lock()
	j.coord = coord
	j.mu.Unlock()
	defer func() {
		cancelCoord()
		<-coordDone
		j.mu.Lock()
		j.coord = nil
		j.mu.Unlock()
	}()

	if !j.stopped.Load() {
		j.transition(JobRunning, nil)
	}
	g, gctx := errgroup.WithContext(kill)
	gstop, cancelStop := context.WithCancel(stop)
	defer cancelStop()
	context.AfterFunc(gctx, cancelStop) // a failure stops the sources too
	for _, t := range tasks {
		j.taskTransition(t, "DEPLOYING", "RUNNING", nil)
		g.Go(func() error {
			err := t.run(gctx, gstop)
			if coord != nil {
				coord.finished <- t.index
			}
			switch {
			case err == nil && j.stopped.Load():
				j.taskTransition(t, "RUNNING", "CANCELING", nil)
				j.taskTransition(t, "CANCELING", "CANCELED", nil)
			case err == nil:
				j.taskTransition(t, "RUNNING", "FINISHED", nil)
			case isCanceled(err):
				j.taskTransition(t, "RUNNING", "CANCELING", nil)
				j.taskTransition(t, "CANCELING", "CANCELED", nil)
			default:
				j.taskTransition(t, "RUNNING", "FAILED", err)
			}
			return err
		})
	}
	return g.Wait()
}

// taskTransition logs a task's change of state, as Flink does:
//
//	Source: SOCKET('localhost:9100') -> Calc -> Unnest (1/1) switched from RUNNING to FAILED
func (j *Job) taskTransition(t *task, from, to string, cause error) {
	msg := fmt.Sprintf("%s switched from %s to %s", t.name, from, to)
	if cause != nil {
		j.log.Warn(msg, "cause", cause)
		return
	}
	j.log.Info(msg)
}

// openStore opens the job's state when it checkpoints, or when it may
// resume from checkpoints a previous run kept. It returns nil otherwise.
func (j *Job) openStore() (*statestore.Store, error) {
	dir := j.stateDir()
	_, statErr := os.Stat(filepath.Join(dir, "db"))
	kept := statErr == nil
	if !j.checkpointing() && !kept {
		return nil, nil
	}
	store, err := statestore.Open(dir, j.testing.StoreOptions...)
	if errors.Is(err, statestore.ErrCorrupt) && j.Plan.Options.Restore.Kind == planner.RestoreNone {
		// Starting fresh needs nothing of the damaged state: set it aside
		// rather than refuse, as the error below advises.
		j.log.Warn(fmt.Sprintf("Job %s starts fresh (restore = 'none'), removing its damaged state: %v", j.Name, err))
		if rerr := os.RemoveAll(filepath.Join(dir, "db")); rerr != nil {
			return nil, fmt.Errorf("job %s: removing its damaged state: %w", j.Name, rerr)
		}
		store, err = statestore.Open(dir, j.testing.StoreOptions...)
	}
	if err != nil {
		switch {
		case errors.Is(err, statestore.ErrLocked):
			return nil, fmt.Errorf("job %s: %w; is the same job running elsewhere? Give this one another job_name", j.Name, err)
		case errors.Is(err, statestore.ErrCorrupt):
			return nil, fmt.Errorf("job %s cannot resume: %w; to start fresh instead, run it with restore = 'none' (which removes the state)", j.Name, err)
		}
		return nil, fmt.Errorf("job %s: %w", j.Name, err)
	}
	for _, w := range store.Warnings() {
		j.log.Warn(fmt.Sprintf("Job %s: %s", j.Name, w))
	}
	return store, nil
}

// closeStore closes the job's state at its end, removing the checkpoints
// unless they are to be kept: a FINISHED job keeps nothing (a later run
// starts fresh); a CANCELED one keeps them with checkpoint_retention =
// 'retain_on_cancellation' or after STOP JOB ... WITH SAVEPOINT; a FAILED
// one keeps them, so that a later run can resume (as in Flink).
func (j *Job) closeStore(store *statestore.Store, err error) {
	keep := true
	switch {
	case err == nil && !j.stopped.Load():
		keep = false
	case j.stopped.Load() && (err == nil || isCanceled(err)):
		keep = j.Plan.Options.RetainOnCancel || j.savepoint.Load()
	}
	j.mu.Lock()
	j.store = nil
	j.mu.Unlock()
	if !keep {
		if derr := store.Destroy(); derr != nil {
			j.log.Warn(fmt.Sprintf("removing the checkpoints of job %s: %v", j.Name, derr))
		}
	}
	if cerr := store.Close(); cerr != nil {
		j.log.Warn(fmt.Sprintf("closing the state of job %s: %v", j.Name, cerr))
	}
	if !keep {
		os.RemoveAll(filepath.Join(store.Dir(), "db"))
		os.Remove(filepath.Join(store.Dir(), "LOCK"))
		os.Remove(store.Dir()) // only if empty: dead letters stay
	}
}

// restorePoint chooses the checkpoint the first run starts from, as the
// restore option says, and checks that it fits the plan.
func (j *Job) restorePoint(store *statestore.Store) (*statestore.Meta, error) {
	if store == nil {
		return nil, nil
	}
	opts := j.Plan.Options
	var m statestore.Meta
	var ok bool
	switch opts.Restore.Kind {
	case planner.RestoreNone:
		if n := len(store.Checkpoints()); n > 0 {
			j.log.Info(fmt.Sprintf("Job %s starts fresh (restore = 'none'); removing %d old checkpoint(s)", j.Name, n))
		}
		return nil, store.Destroy()
	case planner.RestoreID:
		if m, ok = store.Checkpoint(opts.Restore.ID); !ok {
			return nil, fmt.Errorf("job %s has no checkpoint %d (SHOW CHECKPOINTS FOR '%s' lists them)", j.Name, opts.Restore.ID, j.Name)
		}
	default:
		if m, ok = store.Latest(); !ok {
			return nil, nil // what a crash left behind is invisible and compacted later
		}
	}
	if n, err := store.DiscardAfter(m.ID); err != nil {
		return nil, err
	} else if n > 0 {
		j.log.Info(fmt.Sprintf("Job %s goes on from checkpoint %d; the %d newer checkpoint(s) are discarded", j.Name, m.ID, n))
	}
	if m.Fingerprint != j.Plan.Fingerprint {
		return nil, fmt.Errorf("checkpoint %d of job %s was taken by a different plan, so its state does not fit this one: %s; "+
			"to start fresh instead, run it with restore = 'none' (which removes the old checkpoints)",
			m.ID, j.Name, planDifference(m.Info, stateDescription(j.Plan)))
	}
	j.log.Info(fmt.Sprintf("Job %s resumes from checkpoint %d, taken %s (%s ago); to start fresh instead, run it with restore = 'none'",
		j.Name, m.ID, m.Taken.Format(time.DateTime), time.Since(m.Taken).Round(time.Second)))
	return &m, nil
}

// restoreError is a failure to load a checkpoint into the tasks.
type restoreError struct {
	id  int64
	err error
}

func (e *restoreError) Error() string { return e.err.Error() }
func (e *restoreError) Unwrap() error { return e.err }

// fallBack decides, when an attempt failed, whether that was the restore
// of checkpoint from finding its state damaged; if so it returns the
// retained checkpoint before it, which the job restores instead (as Flink
// falls back to an older checkpoint), and forgets the newer ones so that
// their entries mix into nothing. A damaged checkpoint with none before it
// fails the job with the damage, which names the file.
func (j *Job) fallBack(store *statestore.Store, from *statestore.Meta, err error) (*statestore.Meta, bool) {
	var rerr *restoreError
	if from == nil || !errors.As(err, &rerr) || !errors.Is(err, statestore.ErrCorrupt) {
		return nil, false
	}
	var older *statestore.Meta
	for _, m := range store.Checkpoints() {
		if m.ID < from.ID && m.Fingerprint == j.Plan.Fingerprint {
			older = &m
		}
	}
	if older == nil {
		return nil, false
	}
	if _, derr := store.DiscardAfter(older.ID); derr != nil {
		j.log.Warn(fmt.Sprintf("forgetting the damaged checkpoint %d: %v", from.ID, derr))
		return nil, false
	}
	j.log.Warn(fmt.Sprintf("Job %s (%s) cannot restore checkpoint %d (%v); it falls back to checkpoint %d, taken %s",
		j.Name, j.ID, from.ID, err, older.ID, older.Taken.Format(time.DateTime)))
	return older, true
}

// loadQuarantine reads the records earlier runs set aside.
func (j *Job) loadQuarantine(store *statestore.Store) {
	for _, op := range j.Plan.Physical.Operators {
		if _, ok := op.Spec.(*planner.SourceOp); !ok {
			continue
		}
		for sub := 0; sub < op.Parallelism; sub++ {
			ids, err := store.Quarantined(uint32(op.ID), uint32(sub))
			if err != nil {
				j.log.Warn(fmt.Sprintf("reading quarantined records: %v", err))
				continue
			}
			for id := range ids {
				j.quarantine.add(fmt.Sprintf("%d/%d", op.ID, sub), id)
			}
		}
	}
}

// planDifference says how the stateful operators of two plans differ.
func planDifference(was, now map[string]string) string {
	keys := map[string]bool{}
	for k := range was {
		keys[k] = true
	}
	for k := range now {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var diffs []string
	for _, k := range sorted {
		w, wok := was[k]
		n, nok := now[k]
		switch {
		case !wok:
			diffs = append(diffs, fmt.Sprintf("%s is new (%s)", k, n))
		case !nok:
			diffs = append(diffs, fmt.Sprintf("%s (%s) is gone", k, w))
		case w != n:
			diffs = append(diffs, fmt.Sprintf("%s was %s and is now %s", k, w, n))
		}
	}
	if len(diffs) == 0 {
		return "the operators changed"
	}
	return strings.Join(diffs, "; ")
}

// restore loads a checkpoint into the tasks: each stateful operator gets
// the keys its subtask owns, each source its position.
func (j *Job) restore(tasks []*task, store *statestore.Store, m *statestore.Meta) error {
	for _, t := range tasks {
		if t.source != nil {
			if pos, ok := m.Positions[t.positionKey()]; ok {
				if err := t.source.Seek(pos); err != nil {
					return fmt.Errorf("restoring %s: %w", t.name, err)
				}
				t.restored = pos
			}
		}
		for i, op := range t.operators {
			s, ok := op.(Stateful)
			if !ok {
				continue
			}
			spec := t.opSpecs[i]
			owns := ownership(spec, t.subtask)
			err := store.Load(m.ID, uint32(spec.ID), func(key, value []byte) error {
				if !owns(key) {
					return nil
				}
				return s.Restore(key, value)
			})
			if err != nil {
				return fmt.Errorf("restoring %s from checkpoint %d: %w", t.name, m.ID, err)
			}
		}
		if s, ok := t.sink.(Stateful); ok {
			err := store.Load(m.ID, uint32(t.sinkOp.ID), func(key, value []byte) error { return s.Restore(key, value) })
			if err != nil {
				return fmt.Errorf("restoring %s from checkpoint %d: %w", t.name, m.ID, err)
			}
		}
	}
	return nil
}

// ownership returns which keys of a keyed operator's state a subtask
// owns: those the exchange sends it, by the hash of the decoded key. State
// saved at one parallelism so restores into any other.
func ownership(op *planner.Operator, subtask int) func(key []byte) bool {
	agg, ok := op.Spec.(*planner.AggregateOp)
	if !ok || op.Parallelism == 1 || len(agg.Keys) == 0 {
		return func([]byte) bool { return true }
	}
	n := len(agg.Keys)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return func(key []byte) bool {
		if len(key) > 0 && key[0] == metaKeyPrefix {
			return subtask == 0
		}
		vals := make(types.Row, n)
		if _, err := decodeValues(string(key), vals); err != nil {
			return subtask == 0 // let Restore report it, once
		}
		return int(hashKey(vals, idx)%uint64(op.Parallelism)) == subtask
	}
}

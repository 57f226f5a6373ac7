package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"
	"strconv"

	"github.com/streamsql/streamsql/planner"
)

// task runs one subtask of a chain of operators in its own goroutine: a
// source or input edges at the head, operators in the middle, and a router
// or a sink at the tail. It aligns checkpoint barriers across its inputs
// and snapshots the state of its stateful operators and sink.
type task struct {
	name      string // "Source: FILE('x') -> Unnest (1/1)"
	index     int    // in the job's task list
	subtask   int
	source    Source
	sourceOp  *planner.Operator
	inputs    []edge
	operators []Operator
	opSpecs   []*planner.Operator // the operators' specs, in chain order
	contexts  []*OperatorContext
	out       *router
	sink      Sink
	sinkOp    *planner.Operator
	job       *Job

	coord     *coordinator // nil without checkpoints
	triggers  chan int64   // checkpoints to start (source tasks)
	completed chan int64   // the latest completed checkpoint
	// positions are the source positions of checkpoints in flight, kept
	// to trim the source's log once they complete.
	positions map[int64][]byte
	restored  []byte // the source position restored from a checkpoint
	lastPos   []byte // the source position after the last batch sent
	resumed   bool   // the run restores a checkpoint
}

// errInjected is the failure a test asks for (Testing.FailAfterRecords).
var errInjected = errors.New("injected failure (a test asked for it)")

// run executes the task. kill aborts everything; stop asks sources to end
// their input early, after which the job drains and finishes normally.
func (t *task) run(kill, stop context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in %s: %v\n%s", t.name, r, debug.Stack())
		}
	}()
	for i, op := range t.operators {
		if err := op.Open(t.contexts[i]); err != nil {
			return err
		}
	}
	if r, ok := t.sink.(Resumable); ok {
		if err := r.Start(t.resumed); err != nil {
			return err
		}
	}
	if t.source != nil {
		defer t.source.Close()
		return t.runSource(kill, stop)
	}
	return t.consume(kill)
}

type fetched struct {
	batch *Batch
	pos   []byte
	err   error
}

// runSource reads the source and injects checkpoint barriers between its
// batches. Reading happens in a goroutine, so that a barrier can go out
// while the source waits for input (a quiet socket); each batch carries
// its position, so the one recorded is that of the last batch sent.
func (t *task) runSource(kill, stop context.Context) error {
	fetchCtx, cancel := context.WithCancel(stop)
	defer cancel()
	results := make(chan fetched)
	go func() {
		for {
			b, pos, err := t.source.Fetch(fetchCtx)
			select {
			case results <- fetched{b, pos, err}:
			case <-fetchCtx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	t.lastPos = t.restored
	for {
		select {
		case <-kill.Done():
			return kill.Err()
		case <-stop.Done():
			return t.finish(kill)
		case id := <-t.triggers:
			t.positions[id] = t.lastPos
			if err := t.checkpoint(kill, id, t.lastPos); err != nil {
				return err
			}
		case id := <-t.completed:
			if err := t.commit(id); err != nil {
				return err
			}
		case r := <-results:
			if errors.Is(r.err, io.EOF) || (r.err != nil && stop.Err() != nil) {
				return t.finish(kill)
			}
			if r.err != nil {
				return r.err
			}
			t.lastPos = r.pos
			if err := t.pushSource(kill, r.batch); err != nil {
				return err
			}
		}
	}
}

// pushSource sends a source batch down the chain, applying the test hooks.
// When the chain fails on a record, the record is found and quarantined,
// so that the run after the failure, replaying the same input, skips it:
// every restart makes progress, and one poison record cannot use up the
// restart strategy by itself.
func (t *task) pushSource(ctx context.Context, b *Batch) error {
	b = t.job.quarantine.filter(t.positionKey(), b)
	in := t.job.recordsIn.Add(int64(b.Len()))
	// The source's batch is not the task's to recycle: a failure reads it
	// again to find the record to quarantine.
	if err := t.push(ctx, 0, b, false); err != nil {
		var evalErr *planner.EvalError
		if errors.As(err, &evalErr) && t.job.Plan.Options.Restart.Kind != planner.RestartNone {
			t.quarantine(b, err)
		}
		return err
	}
	hooks := t.job.testing
	if hooks.FailAfterRecords > 0 && in >= hooks.FailAfterRecords && t.job.injected.CompareAndSwap(false, true) {
		return errInjected
	}
	if hooks.CheckpointEveryBatch && t.coord != nil {
		return t.checkpointNow(ctx)
	}
	return nil
}

// quarantine finds the record of b that fails the chain, by running its
// records one at a time through the operators (which, in a source's chain,
// keep no state, so this changes nothing), and sets it aside.
func (t *task) quarantine(b *Batch, cause error) {
	if len(b.RecordIDs) != b.Len() {
		return // the source's records have no ids that last across runs
	}
	for _, op := range t.operators {
		if _, ok := op.(Stateful); ok {
			return
		}
	}
	for i, row := range b.Rows {
		single := &Batch{Kinds: b.Kinds[i : i+1], Rows: b.Rows[i : i+1]}
		var err error
		for _, op := range t.operators {
			out := NewBatch(1)
			if err = op.Process(single, out); err != nil || out.Len() == 0 {
				break
			}
			single = out
		}
		if err != nil {
			t.job.quarantineRecord(t, b.RecordIDs[i], formatRow(row), cause)
			return
		}
	}
}

// checkpointNow (a test knob) takes a checkpoint and waits for it, so that
// every batch boundary is one a failure can resume from. The task itself
// must inject the barrier, so it serves triggers while it waits.
func (t *task) checkpointNow(ctx context.Context) error {
	done := make(chan error, 1)
	t.coord.request(checkpointRequest{done: done})
	for {
		select {
		case <-done:
			return nil // taken, or given up on: either way go on
		case id := <-t.triggers:
			t.positions[id] = t.lastPos
			if err := t.checkpoint(ctx, id, t.lastPos); err != nil {
				return err
			}
		case id := <-t.completed:
			if err := t.commit(id); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// consume reads the input edges until every one has ended. A barrier
// blocks the input it came on until it has come on all of them (aligned
// checkpoints): everything before it is then in the state, nothing after.
func (t *task) consume(ctx context.Context) error {
	open := len(t.inputs)
	ended := make([]bool, len(t.inputs))
	blocked := make([]bool, len(t.inputs))
	aligning := int64(-1) // the checkpoint whose barriers are arriving
	var cases []reflect.SelectCase
	var index []int
	aligned := func() bool {
		for i := range t.inputs {
			if !ended[i] && !blocked[i] {
				return false
			}
		}
		return true
	}
	for open > 0 {
		cases, index = cases[:0], index[:0]
		for i, in := range t.inputs {
			if !ended[i] && !blocked[i] {
				cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(in)})
				index = append(index, i)
			}
		}
		done := len(cases)
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())})
		completed := len(cases)
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(t.completed)})
		chosen, v, _ := reflect.Select(cases)
		switch chosen {
		case done:
			return ctx.Err()
		case completed:
			if err := t.commit(v.Int()); err != nil {
				return err
			}
			continue
		}
		from := index[chosen]
		switch msg := v.Interface().(type) {
		case *Batch:
			if err := t.push(ctx, 0, msg, true); err != nil {
				return err
			}
		case Barrier:
			switch {
			case msg.CheckpointID < aligning:
				continue // of a checkpoint given up on
			case msg.CheckpointID > aligning:
				// a newer checkpoint: the one being aligned was aborted
				clear(blocked)
				aligning = msg.CheckpointID
			}
			blocked[from] = true
		case EndOfStream:
			ended[from] = true
			blocked[from] = false
			open--
		}
		if aligning >= 0 && aligned() {
			if open > 0 || anyBlocked(blocked) {
				if err := t.checkpoint(ctx, aligning, nil); err != nil {
					return err
				}
			}
			clear(blocked)
			aligning = -1
		}
	}
	return t.finish(ctx)
}

func anyBlocked(b []bool) bool {
	for _, x := range b {
		if x {
			return true
		}
	}
	return false
}

// checkpoint snapshots the task's stateful operators and sink, forwards
// the barrier and acknowledges to the coordinator. Copying the state is
// the only pause; the coordinator writes it while the task goes on.
func (t *task) checkpoint(ctx context.Context, id int64, pos []byte) error {
	snap := &taskSnapshot{id: id, task: t.index, position: pos}
	for i, op := range t.operators {
		if s, ok := op.(Stateful); ok {
			buf := &snapshotBuffer{}
			if err := s.Snapshot(id, buf); err != nil {
				snap.err = err
			}
			snap.state = append(snap.state, operatorState{op: t.opSpecs[i].ID, entries: buf.entries})
		}
	}
	if s, ok := t.sink.(Stateful); ok {
		buf := &snapshotBuffer{}
		if err := s.Snapshot(id, buf); err != nil {
			snap.err = err
		}
		snap.state = append(snap.state, operatorState{op: t.sinkOp.ID, entries: buf.entries})
	}
	if t.out != nil {
		if err := t.out.broadcast(ctx, Barrier{CheckpointID: id}); err != nil {
			return err
		}
	}
	if t.coord != nil {
		select {
		case t.coord.acks <- snap:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// commit tells the sink that checkpoint id is complete, and lets a source
// with a log forget what the checkpoint covers.
func (t *task) commit(id int64) error {
	for _, op := range t.operators {
		if s, ok := op.(Stateful); ok {
			s.Completed(id)
		}
	}
	if s, ok := t.sink.(Stateful); ok {
		s.Completed(id)
	}
	if c, ok := t.sink.(Committer); ok {
		if err := c.CommitCheckpoint(id); err != nil {
			return err
		}
	}
	pos, ok := t.positions[id]
	for old := range t.positions {
		if old <= id {
			delete(t.positions, old)
		}
	}
	if ok && pos != nil {
		if s, ok := t.source.(*socketSource); ok && s.feed != nil {
			// Every retained checkpoint may be restored: keep what the
			// oldest of them has not seen.
			if oldest := t.job.oldestRetained(); oldest != nil {
				if p, ok := oldest.Positions[t.positionKey()]; ok {
					pos = p
				}
			}
			if n, err := readCounterPos(pos); err == nil {
				if err := s.feed.log.trim(n); err != nil {
					t.job.log.Warn(fmt.Sprintf("%s: trimming the source log: %v", t.name, err))
				}
			}
		}
	}
	return nil
}

// notifyCompleted tells the task, whenever it next looks, that checkpoint
// id is complete. Only the latest matters: committing it commits all
// before it.
func (t *task) notifyCompleted(id int64) {
	replaceLatest(t.completed, id)
}

// positionKey names the task's source position in a checkpoint.
func (t *task) positionKey() string {
	return strconv.Itoa(t.sourceOp.ID) + "/" + strconv.Itoa(t.subtask)
}

// push runs b through the operators from index i on and hands the result
// to the router or the sink. When an operator fails on a row, the rows it
// produced before that one still go on, as they would record by record:
// the output before a failure is not lost with it. owned says that the
// task may recycle b once it is done with it (batch_pool.go); the batches
// push makes itself it always may.
func (t *task) push(ctx context.Context, i int, b *Batch, owned bool) error {
	for ; i < len(t.operators) && b.Len() > 0; i++ {
		out := getBatch(b.Len())
		if err := t.operators[i].Process(b, out); err != nil {
			if out.Len() > 0 {
				if perr := t.push(ctx, i+1, out, true); perr != nil {
					return perr
				}
			}
			return err
		}
		if owned && releases(t.operators[i]) {
			recycle(b)
		}
		b, owned = out, true
	}
	if b.Len() == 0 {
		if owned {
			recycle(b)
		}
		return nil
	}
	if t.sink != nil {
		t.job.recordsOut.Add(int64(b.Len()))
		err := t.sink.Write(b)
		if err == nil && owned && releases(t.sink) {
			recycle(b)
		}
		return err
	}
	return t.out.route(ctx, b, owned)
}

// finish tells each operator in turn that its input has ended, passing
// what it emits down the chain, then ends the output.
func (t *task) finish(ctx context.Context) error {
	for i, op := range t.operators {
		out := NewBatch(0)
		if err := op.Finish(out); err != nil {
			return err
		}
		if err := t.push(ctx, i+1, out, true); err != nil {
			return err
		}
	}
	if t.sink != nil {
		return t.sink.Finish()
	}
	return t.out.broadcast(ctx, EndOfStream{})
}

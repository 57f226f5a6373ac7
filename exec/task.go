package exec

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
)

// task runs one subtask of a chain of operators in its own goroutine:
// a source or input edges at the head, operators in the middle, and a
// router or a sink at the tail.
type task struct {
	name      string // "Source: FILE('x') -> Unnest (1/1)"
	source    Source
	inputs    []edge
	operators []Operator
	contexts  []*OperatorContext
	out       *router
	sink      Sink
	job       *Job
}

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
	if t.source != nil {
		if err := t.source.Run(stop, func(b *Batch) error {
			t.job.recordsIn.Add(int64(b.Len()))
			return t.push(kill, 0, b)
		}); err != nil {
			return err
		}
		if err := kill.Err(); err != nil {
			return err
		}
		return t.finish(kill)
	}
	return t.consume(kill)
}

// consume reads the input edges until every one has ended.
func (t *task) consume(ctx context.Context) error {
	open := len(t.inputs)
	ended := make([]bool, len(t.inputs))
	var cases []reflect.SelectCase
	for open > 0 {
		var m Message
		var from int
		if len(t.inputs) == 1 {
			select {
			case m = <-t.inputs[0]:
			case <-ctx.Done():
				return ctx.Err()
			}
		} else {
			cases = cases[:0]
			var index []int
			for i, in := range t.inputs {
				if !ended[i] {
					cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(in)})
					index = append(index, i)
				}
			}
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())})
			chosen, v, _ := reflect.Select(cases)
			if chosen == len(cases)-1 {
				return ctx.Err()
			}
			m, from = v.Interface().(Message), index[chosen]
		}
		switch msg := m.(type) {
		case *Batch:
			if err := t.push(ctx, 0, msg); err != nil {
				return err
			}
		case EndOfStream:
			ended[from] = true
			open--
		}
	}
	return t.finish(ctx)
}

// push runs b through the operators from index i on and hands the result
// to the router or the sink.
func (t *task) push(ctx context.Context, i int, b *Batch) error {
	for ; i < len(t.operators) && b.Len() > 0; i++ {
		out := NewBatch(b.Len())
		if err := t.operators[i].Process(b, out); err != nil {
			return err
		}
		b = out
	}
	if b.Len() == 0 {
		return nil
	}
	if t.sink != nil {
		t.job.recordsOut.Add(int64(b.Len()))
		return t.sink.Write(b)
	}
	return t.out.route(ctx, b)
}

// finish tells each operator in turn that its input has ended, passing
// what it emits down the chain, then ends the output.
func (t *task) finish(ctx context.Context) error {
	for i, op := range t.operators {
		out := NewBatch(0)
		if err := op.Finish(out); err != nil {
			return err
		}
		if err := t.push(ctx, i+1, out); err != nil {
			return err
		}
	}
	if t.sink != nil {
		return t.sink.Finish()
	}
	return t.out.broadcast(ctx, EndOfStream{})
}

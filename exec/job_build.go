package exec

import (
	"fmt"
	"strings"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/statestore"
)

// chain is operators that run together in one task: each after the first
// reads only the one before, with the same parallelism.
type chain struct {
	ops   []*planner.Operator
	tasks []*task
}

// build turns the physical plan into tasks connected by edges.
func (j *Job) build(store *statestore.Store) ([]*task, []Sink, error) {
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
			t := &task{name: fmt.Sprintf("%s (%d/%d)", strings.Join(names, " -> "), i+1, par), index: len(all),
				subtask: i, job: j, triggers: make(chan int64, 1), completed: make(chan int64, 1), positions: map[int64][]byte{}}
			for _, op := range c.ops {
				switch spec := op.Spec.(type) {
				case *planner.SourceOp:
					env := sourceEnv{name: spec.Source.Name, errors: j.errors, log: j.log, batchRows: j.testing.BatchRows}
					src, err := newSource(spec.Source, env)
					if err != nil {
						return nil, sinks, err
					}
					t.source, t.sourceOp = src, op
					if sock, ok := src.(*socketSource); ok && j.Plan.Options.SourceLog && store != nil {
						if sock.feed, err = j.socketFeed(store, op, i, sock.reader); err != nil {
							return nil, sinks, err
						}
					}
				case *planner.SinkOp:
					s, err := newSink(j.Plan, op, j.env, j.checkpointing())
					if err != nil {
						return nil, sinks, err
					}
					t.sink, t.sinkOp = s, op
					sinks = append(sinks, s)
				default:
					operator, err := newOperator(op)
					if err != nil {
						return nil, sinks, err
					}
					t.operators = append(t.operators, operator)
					t.opSpecs = append(t.opSpecs, op)
					t.contexts = append(t.contexts, &OperatorContext{Name: op.Name, Subtask: i, Parallelism: par, Errors: j.errors,
						Checkpointing: j.checkpointing()})
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

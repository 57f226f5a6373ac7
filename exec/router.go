package exec

import (
	"context"

	"github.com/streamsql/streamsql/planner"
)

// edgeCapacity is how many messages an edge holds before its sender
// blocks. A full edge is back-pressure: the sender waits, nothing is
// dropped, and memory stays bounded by capacity × batch size per edge.
const edgeCapacity = 16

// edge carries messages from one subtask to another.
type edge chan Message

// send sends m on e, or gives up when ctx is done.
func send(ctx context.Context, e edge, m Message) error {
	select {
	case e <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// router sends a task's output to the next operator's subtasks: all to one
// (forward, gather) or each row to the subtask its key hashes to.
type router struct {
	hashKeys []int // nil unless hash-partitioned
	outs     []edge
	parts    []*Batch // scratch for route
}

func newRouter(p planner.Partition, outs []edge) *router {
	r := &router{outs: outs}
	if p.Kind == planner.Hash && len(outs) > 1 {
		r.hashKeys = p.Keys
	}
	return r
}

// route sends a batch downstream. The batch must not be changed after.
// Hash-partitioned, the rows are copied into a batch per receiver, so that
// each receiver owns all of what it gets and can recycle it; b itself is
// recycled then when owned says the caller may.
func (r *router) route(ctx context.Context, b *Batch, owned bool) error {
	if r.hashKeys == nil {
		return send(ctx, r.outs[0], b)
	}
	parts := r.parts[:0]
	for range r.outs {
		parts = append(parts, nil)
	}
	n := uint64(len(r.outs))
	for i, row := range b.Rows {
		t := hashKey(row, r.hashKeys) % n
		if parts[t] == nil {
			parts[t] = getBatch(b.Len()/len(r.outs) + 1)
		}
		c := parts[t].NewRow(len(row))
		copy(c, row)
		parts[t].Append(b.Kinds[i], c)
	}
	if owned {
		recycle(b)
	}
	for t, part := range parts {
		if part != nil {
			if err := send(ctx, r.outs[t], part); err != nil {
				return err
			}
		}
	}
	return nil
}

// broadcast sends a signal to every downstream subtask.
func (r *router) broadcast(ctx context.Context, m Message) error {
	for _, e := range r.outs {
		if err := send(ctx, e, m); err != nil {
			return err
		}
	}
	return nil
}

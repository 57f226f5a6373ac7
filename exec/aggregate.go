package exec

import (
	"math"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// aggregate groups rows by key and maintains the aggregates of each group,
// emitting a changelog as Flink's GroupAggFunction does: +I for a new
// group, -U (the previous result) and +U (the new one) when a row changes
// it, -D when the group's last row is retracted. A change that leaves the
// result as it was emits nothing. With no aggregates it is DISTINCT.
type aggregate struct {
	spec   *planner.AggregateOp
	ctx    *OperatorContext
	groups map[string]*group
	keyBuf []byte
	// prev holds a group's results before an update, to compare and to
	// emit as -U.
	prev     []types.Value
	sawInput bool
	// dirty holds the groups that no completed checkpoint has as they are:
	// checkpoints write only those.
	dirty dirtyKeys
}

// group is one key's state. The key itself is the map key; output rows
// take the key values from the input row that updated the group.
type group struct {
	rows int64 // rows accumulated minus rows retracted
	accs []accumulator
}

func newAggregate(spec *planner.AggregateOp) *aggregate {
	return &aggregate{spec: spec, groups: map[string]*group{}, prev: make([]types.Value, len(spec.Aggs))}
}

func (a *aggregate) Open(ctx *OperatorContext) error {
	a.ctx = ctx
	if ctx.Checkpointing {
		a.dirty = dirtyKeys{}
	}
	return nil
}

func (a *aggregate) newGroup() *group {
	g := &group{accs: make([]accumulator, len(a.spec.Aggs))}
	for i, call := range a.spec.Aggs {
		g.accs[i] = newAccumulator(call, a.spec.InputAppendOnly)
	}
	return g
}

func (a *aggregate) Process(in, out *Batch) error {
	a.sawInput = a.sawInput || in.Len() > 0
	for i, row := range in.Rows {
		accumulate := in.Kinds[i].IsAccumulate()
		a.keyBuf = appendKey(a.keyBuf[:0], row, a.spec.Keys)
		g, existed := a.groups[string(a.keyBuf)]
		if !existed {
			if !accumulate {
				// A retraction for a group that is not there: its row was
				// never counted here, so there is nothing to take back.
				continue
			}
			g = a.newGroup()
			a.groups[string(a.keyBuf)] = g
		} else {
			for j, acc := range g.accs {
				a.prev[j] = acc.result()
			}
		}
		if err := a.update(g, row, accumulate); err != nil {
			return err
		}
		a.dirty.touch(a.keyBuf)
		switch {
		case g.rows <= 0:
			delete(a.groups, string(a.keyBuf))
			if existed {
				out.Append(types.Delete, a.output(out, row, a.prev))
			}
		case !existed:
			out.Append(types.Insert, a.output(out, row, nil))
		case a.changed(g):
			out.Append(types.UpdateBefore, a.output(out, row, a.prev))
			out.Append(types.UpdateAfter, a.output(out, row, nil))
		}
	}
	return nil
}

// update applies one row to a group's accumulators.
func (a *aggregate) update(g *group, row types.Row, accumulate bool) error {
	if accumulate {
		g.rows++
	} else {
		g.rows--
	}
	for j, call := range a.spec.Aggs {
		if call.Filter >= 0 {
			if f := row[call.Filter]; f.IsNull() || !f.AsBool() {
				continue
			}
		}
		v := types.Null
		if call.Arg >= 0 {
			if v = row[call.Arg]; v.IsNull() {
				continue
			}
		}
		var err error
		if accumulate {
			err = g.accs[j].add(v)
		} else {
			err = g.accs[j].retract(v)
		}
		if err != nil {
			return &planner.EvalError{Pos: call.At, Origin: call.Origin, Err: err}
		}
	}
	return nil
}

func (a *aggregate) changed(g *group) bool {
	for j, acc := range g.accs {
		if !types.Equal(a.prev[j], acc.result()) {
			return true
		}
	}
	return false
}

// output builds an output row: the key columns of row, then aggregate
// results (results, or the group's current ones when results is nil).
func (a *aggregate) output(out *Batch, row types.Row, results []types.Value) types.Row {
	nk := len(a.spec.Keys)
	r := out.NewRow(nk + len(a.spec.Aggs))
	for j, k := range a.spec.Keys {
		r[j] = canonicalKey(row[k])
	}
	if results != nil {
		copy(r[nk:], results)
		return r
	}
	g := a.groups[string(a.keyBuf)]
	for j, acc := range g.accs {
		r[nk+j] = acc.result()
	}
	return r
}

// sawInputKey keeps, for a global aggregate, that input has been seen, so
// that a restored job does not emit the empty-input row at its end.
var sawInputKey = []byte{metaKeyPrefix, 's'}

// Snapshot implements Stateful: each changed group's row count and
// accumulators under its encoded key, and deletions for removed groups.
func (a *aggregate) Snapshot(id int64, w StateWriter) error {
	var buf []byte
	for k := range a.dirty {
		g, ok := a.groups[k]
		if !ok {
			w.Delete([]byte(k))
			continue
		}
		buf = appendVarint(buf[:0], g.rows)
		for _, acc := range g.accs {
			buf = acc.appendState(buf)
		}
		w.Put([]byte(k), buf)
	}
	a.dirty.snapshotted(id)
	if a.sawInput && len(a.spec.Keys) == 0 {
		w.Put(sawInputKey, []byte{1})
	}
	return nil
}

// Completed implements Stateful.
func (a *aggregate) Completed(id int64) { a.dirty.completed(id) }

// Restore implements Stateful.
func (a *aggregate) Restore(key, value []byte) error {
	if string(key) == string(sawInputKey) {
		a.sawInput = true
		return nil
	}
	g := a.newGroup()
	r := &stateReader{s: string(value)}
	g.rows = r.varint()
	for _, acc := range g.accs {
		acc.readState(r)
	}
	if r.err != nil || len(r.s) != 0 {
		return errCorrupt
	}
	a.groups[string(key)] = g
	return nil
}

// canonicalKey returns the one value that stands for a group's key when
// several values are the same key: 0.0 for -0.0, one NaN for all. A group's
// -U must repeat its +I, whichever of the equal values updated it.
func canonicalKey(v types.Value) types.Value {
	if v.Kind() != types.KindFloat {
		return v
	}
	switch f := v.AsFloat(); {
	case f == 0:
		return types.Float(0)
	case math.IsNaN(f):
		return types.Float(math.NaN())
	}
	return v
}

// Finish gives a global aggregate (no GROUP BY) over an input that had no
// rows at all its one row, as SQL requires: COUNT(*) of nothing is 0.
func (a *aggregate) Finish(out *Batch) error {
	if len(a.spec.Keys) > 0 || a.sawInput || len(a.groups) > 0 {
		return nil
	}
	g := a.newGroup()
	r := out.NewRow(len(a.spec.Aggs))
	for j, acc := range g.accs {
		r[j] = acc.result()
	}
	out.Append(types.Insert, r)
	return nil
}

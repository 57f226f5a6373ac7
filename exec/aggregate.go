package exec

import (
	"encoding/binary"
	"math"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// aggregate groups rows by key and maintains the aggregates of each group,
// emitting a changelog as Flink's GroupAggFunction does: +I for a new
// group, -U (the previous result) and +U (the new one) when a row changes
// it, -D when the group's last row is retracted. A change that leaves the
// result as it was emits nothing. With no aggregates it is DISTINCT.
//
// Groups live in a groupTable, which numbers them; per-group data are
// arrays indexed by that number. When every aggregate is a COUNT (the word
// count, DISTINCT), a group is nothing but integers — its row count and
// its counts, side by side in one []int64 — and a row costs a key lookup
// and a few additions, with no accumulator objects and no calls through an
// interface. Other aggregates keep an accumulator per group and call.
//
// With the mini_batch option (spec.MiniBatch) the aggregate folds each
// input batch instead: it applies all of the batch's rows, then emits one
// change per group whose result the batch changed (fold.go). The state is
// the same either way; only the changelog is shorter.
type aggregate struct {
	spec   *planner.AggregateOp
	ctx    *OperatorContext
	table  *groupTable
	keyBuf []byte
	// singleKey is the key column when there is one (-1 otherwise): a row
	// whose key there is a string is looked up by the string itself.
	singleKey int
	// counts holds, per group, the rows accumulated minus those retracted,
	// followed (when counting) by each COUNT's value: stride numbers each.
	counts   []int64
	stride   int
	counting bool
	accs     [][]accumulator // per group, when not counting
	// prev holds a group's results before an update, to compare and to
	// emit as -U.
	prev      []types.Value
	prevCount []int64
	sawInput  bool
	// dirty holds the groups that no completed checkpoint has as they are:
	// checkpoints write only those. Nil without checkpoints.
	dirty *dirtySlots
	// fold is the bookkeeping of mini_batch; nil without it.
	fold *fold
}

func newAggregate(spec *planner.AggregateOp) *aggregate {
	a := &aggregate{spec: spec, table: newGroupTable(), prev: make([]types.Value, len(spec.Aggs)), counting: true, singleKey: -1}
	if len(spec.Keys) == 1 {
		a.singleKey = spec.Keys[0]
	}
	for _, call := range spec.Aggs {
		if (call.Kind != planner.AggCountStar && call.Kind != planner.AggCount) || call.Distinct {
			a.counting = false
		}
	}
	a.stride = 1
	if a.counting {
		a.stride += len(spec.Aggs)
		a.prevCount = make([]int64, len(spec.Aggs))
	}
	if spec.MiniBatch {
		a.fold = &fold{}
	}
	return a
}

// lookup finds the group of row's key and its hash. When there is none,
// keyBuf holds the key's encoding, for newGroup.
func (a *aggregate) lookup(row types.Row) (slot uint32, ok bool, h uint64) {
	if a.singleKey >= 0 {
		if v := row[a.singleKey]; v.Kind() == types.KindString {
			// The word count's case: the word is hashed and compared as
			// it is, and encoded only for a new group.
			s := v.AsString()
			h = a.table.hashString(s)
			if slot, ok = a.table.findString(s, h); !ok {
				a.keyBuf = appendValue(a.keyBuf[:0], v)
			}
			return slot, ok, h
		}
	}
	a.keyBuf = appendKey(a.keyBuf[:0], row, a.spec.Keys)
	h = a.table.hash(a.keyBuf)
	slot, ok = a.table.find(a.keyBuf, h)
	return slot, ok, h
}

func (a *aggregate) Open(ctx *OperatorContext) error {
	a.ctx = ctx
	if ctx.Checkpointing {
		a.dirty = newDirtySlots()
	}
	return nil
}

// newGroup adds a group for the key in keyBuf and returns its slot.
func (a *aggregate) newGroup(h uint64) uint32 {
	slot := a.table.insert(a.keyBuf, h)
	a.dirty.added(a.keyBuf)
	base := int(slot) * a.stride
	for len(a.counts) < base+a.stride {
		a.counts = append(a.counts, 0)
	}
	if !a.counting {
		for len(a.accs) <= int(slot) {
			a.accs = append(a.accs, nil)
		}
	}
	a.resetGroup(slot)
	return slot
}

// resetGroup gives a group the state of one that has seen no rows.
func (a *aggregate) resetGroup(slot uint32) {
	base := int(slot) * a.stride
	clear(a.counts[base : base+a.stride])
	if !a.counting {
		accs := make([]accumulator, len(a.spec.Aggs))
		for i, call := range a.spec.Aggs {
			accs[i] = newAccumulator(call, a.spec.InputAppendOnly)
		}
		a.accs[slot] = accs
	}
}

// removeGroup drops a group; h is its key's hash.
func (a *aggregate) removeGroup(slot uint32, h uint64) {
	a.dirty.removeKey(slot, a.table.key(slot))
	a.table.remove(slot, h)
	if !a.counting {
		a.accs[slot] = nil
	}
}

func (a *aggregate) Process(in, out *Batch) error {
	a.sawInput = a.sawInput || in.Len() > 0
	if a.fold != nil {
		return a.processFolded(in, out)
	}
	if a.counting {
		return a.processCounts(in, out)
	}
	for i, row := range in.Rows {
		accumulate := in.Kinds[i].IsAccumulate()
		slot, existed, h := a.lookup(row)
		if !existed {
			if !accumulate {
				// A retraction for a group that is not there: its row was
				// never counted here, so there is nothing to take back.
				continue
			}
			slot = a.newGroup(h)
		} else {
			for j, acc := range a.accs[slot] {
				a.prev[j] = acc.result()
			}
		}
		if err := a.update(slot, row, accumulate); err != nil {
			// The row changed nothing (update checks first); on_error
			// decides whether the job fails or goes on without it.
			if err := a.ctx.Errors.Handle("", formatRow(row), err); err != nil {
				return err
			}
			if !existed {
				a.removeGroup(slot, h) // made for this row alone
			}
			continue
		}
		a.dirty.touch(slot)
		switch {
		case a.counts[slot] <= 0:
			if existed {
				out.Append(types.Delete, a.output(out, row, a.prev, slot))
			}
			a.removeGroup(slot, h)
		case !existed:
			out.Append(types.Insert, a.output(out, row, nil, slot))
		case a.changedFrom(slot, a.prev):
			out.Append(types.UpdateBefore, a.output(out, row, a.prev, slot))
			out.Append(types.UpdateAfter, a.output(out, row, nil, slot))
		}
	}
	return nil
}

// processCounts is Process when every aggregate is a COUNT: the same
// changelog, computed on the group's integers.
func (a *aggregate) processCounts(in, out *Batch) error {
	aggs := a.spec.Aggs
	for i, row := range in.Rows {
		delta := int64(1)
		if !in.Kinds[i].IsAccumulate() {
			delta = -1
		}
		slot, existed, h := a.lookup(row)
		if !existed {
			if delta < 0 {
				continue // nothing to take back: see Process
			}
			slot = a.newGroup(h)
		}
		g := a.counts[int(slot)*a.stride : int(slot+1)*a.stride]
		prev := a.prevCount
		copy(prev, g[1:])
		g[0] += delta
		for j := range aggs {
			if counted(&aggs[j], row) {
				g[1+j] += delta
			}
		}
		a.dirty.touch(slot)
		switch {
		case g[0] <= 0:
			if existed {
				out.Append(types.Delete, a.outputCounts(out, row, prev))
			}
			a.removeGroup(slot, h)
		case !existed:
			out.Append(types.Insert, a.outputCounts(out, row, g[1:]))
		case !equalInts(prev, g[1:]):
			out.Append(types.UpdateBefore, a.outputCounts(out, row, prev))
			out.Append(types.UpdateAfter, a.outputCounts(out, row, g[1:]))
		}
	}
	return nil
}

// counted says whether a COUNT counts row: its FILTER holds, and its
// argument (if it has one) is not NULL.
func counted(call *planner.AggCall, row types.Row) bool {
	if call.Filter >= 0 {
		if f := row[call.Filter]; f.IsNull() || !f.AsBool() {
			return false
		}
	}
	return call.Arg < 0 || !row[call.Arg].IsNull()
}

func equalInts(a, b []int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// outputCounts builds an output row: the key columns of row, then counts.
func (a *aggregate) outputCounts(out *Batch, row types.Row, counts []int64) types.Row {
	nk := len(a.spec.Keys)
	r := out.NewRow(nk + len(counts))
	for j, k := range a.spec.Keys {
		r[j] = canonicalKey(row[k])
	}
	for j, n := range counts {
		r[nk+j] = types.Int(n)
	}
	return r
}

// update applies one row to a group's row count and accumulators. A row
// that fails changes nothing: the adds that can fail are checked first.
func (a *aggregate) update(slot uint32, row types.Row, accumulate bool) error {
	accs := a.accs[slot]
	if accumulate {
		for j := range a.spec.Aggs {
			call := &a.spec.Aggs[j]
			if c, ok := accs[j].(addChecker); ok && counted(call, row) {
				if err := c.checkAdd(row[call.Arg]); err != nil {
					return &planner.EvalError{Pos: call.At, Origin: call.Origin, Err: err}
				}
			}
		}
		a.counts[slot]++
	} else {
		a.counts[slot]--
	}
	for j := range a.spec.Aggs {
		call := &a.spec.Aggs[j]
		if !counted(call, row) {
			continue
		}
		v := types.Null
		if call.Arg >= 0 {
			v = row[call.Arg]
		}
		var err error
		if accumulate {
			err = accs[j].add(v)
		} else {
			err = accs[j].retract(v)
		}
		if err != nil {
			return &planner.EvalError{Pos: call.At, Origin: call.Origin, Err: err}
		}
	}
	return nil
}

// output builds an output row: the key columns of row, then aggregate
// results (results, or the group's current ones when results is nil).
func (a *aggregate) output(out *Batch, row types.Row, results []types.Value, slot uint32) types.Row {
	nk := len(a.spec.Keys)
	r := out.NewRow(nk + len(a.spec.Aggs))
	for j, k := range a.spec.Keys {
		r[j] = canonicalKey(row[k])
	}
	if results != nil {
		copy(r[nk:], results)
		return r
	}
	for j, acc := range a.accs[slot] {
		r[nk+j] = acc.result()
	}
	return r
}

// sawInputKey keeps, for a global aggregate, that input has been seen, so
// that a restored job does not emit the empty-input row at its end.
var sawInputKey = []byte{metaKeyPrefix, 's'}

// appendState appends a group's state as checkpoints keep it: its row
// count, then each accumulator's state (a COUNT's is its count).
func (a *aggregate) appendState(buf []byte, slot uint32) []byte {
	g := a.counts[int(slot)*a.stride : int(slot+1)*a.stride]
	buf = appendVarint(buf, g[0])
	if a.counting {
		for _, n := range g[1:] {
			buf = appendVarint(buf, n)
		}
		return buf
	}
	for _, acc := range a.accs[slot] {
		buf = acc.appendState(buf)
	}
	return buf
}

// Snapshot implements Stateful: each changed group's row count and
// accumulators under its encoded key, and deletions for removed groups.
func (a *aggregate) Snapshot(id int64, w StateWriter) error {
	var buf []byte
	a.dirty.snapshot(id, func(slot uint32) {
		buf = a.appendState(buf[:0], slot)
		w.Put(a.table.key(slot), buf)
	}, func(key string) {
		w.Delete([]byte(key))
	})
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
	a.keyBuf = append(a.keyBuf[:0], key...)
	h := a.table.hash(a.keyBuf)
	slot, ok := a.table.find(a.keyBuf, h)
	if !ok {
		slot = a.newGroup(h)
	}
	g := a.counts[int(slot)*a.stride : int(slot+1)*a.stride]
	if a.counting {
		// Varints read in place: a restore of millions of groups makes no
		// garbage per group.
		for j := range g {
			n, w := binary.Varint(value)
			if w <= 0 {
				return errCorrupt
			}
			g[j], value = n, value[w:]
		}
		if len(value) != 0 {
			return errCorrupt
		}
		return nil
	}
	r := &stateReader{s: string(value)}
	g[0] = r.varint()
	for _, acc := range a.accs[slot] {
		acc.readState(r)
	}
	if r.err != nil || len(r.s) != 0 {
		return errCorrupt
	}
	return nil
}

// group returns the row count and results of the group of an encoded key
// (for tests).
func (a *aggregate) group(key string) (rows int64, results []types.Value, ok bool) {
	slot, ok := a.table.find([]byte(key), a.table.hash([]byte(key)))
	if !ok {
		return 0, nil, false
	}
	g := a.counts[int(slot)*a.stride : int(slot+1)*a.stride]
	if a.counting {
		for _, n := range g[1:] {
			results = append(results, types.Int(n))
		}
	} else {
		for _, acc := range a.accs[slot] {
			results = append(results, acc.result())
		}
	}
	return g[0], results, true
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
	if len(a.spec.Keys) > 0 || a.sawInput || a.table.len() > 0 {
		return nil
	}
	r := out.NewRow(len(a.spec.Aggs))
	for j, call := range a.spec.Aggs {
		r[j] = newAccumulator(call, a.spec.InputAppendOnly).result()
	}
	out.Append(types.Insert, r)
	return nil
}

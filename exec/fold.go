package exec

import "github.com/streamsql/streamsql/planner/types"

// fold is the bookkeeping of an aggregate with mini_batch (Flink's
// table.exec.mini-batch): the groups the input batch being processed has
// touched, in the order it first touched them, each with whether it
// existed before the batch and its results then. Once the batch is
// applied, each touched group emits at most one change:
//
//	before    after     emits
//	absent    present   +I new
//	present   absent    -D old
//	present   present   -U old, +U new (nothing if the results are equal)
//	absent    absent    nothing (its rows came and were retracted)
//
// The fold lives within one call of Process. The runtime calls Process
// between barriers, never across one, so a fold never spans a checkpoint:
// the state a snapshot writes is always the state the emitted changes add
// up to.
//
// A group whose last row is retracted during the batch is not removed at
// once: its slot must stay its own until the batch's changes are emitted.
// It stays with a row count of 0 and is reset to a fresh group if a row
// comes back for it; emit removes it.
type fold struct {
	at      []int32  // by slot: 1 + the group's index in slots, 0 if the batch has not touched it
	slots   []uint32 // the groups touched
	rows    []int32  // for each, the index of one of its input rows, whose key columns the changes repeat
	existed []bool   // for each, whether it existed before the batch
	// The results of each group before the batch, n apiece: counts when
	// every aggregate is a COUNT, values otherwise.
	prevCounts []int64
	prevValues []types.Value
}

// touchFold notes that row i of the batch changes group slot, before it
// does; live says whether the group exists (has rows) at this point.
func (a *aggregate) touchFold(slot uint32, i int, live bool) {
	f := a.fold
	for int(slot) >= len(f.at) {
		f.at = append(f.at, 0)
	}
	if f.at[slot] != 0 {
		return
	}
	f.slots = append(f.slots, slot)
	f.at[slot] = int32(len(f.slots))
	f.rows = append(f.rows, int32(i))
	f.existed = append(f.existed, live)
	if a.counting {
		g := a.counts[int(slot)*a.stride : int(slot+1)*a.stride]
		f.prevCounts = append(f.prevCounts, g[1:]...)
		return
	}
	for _, acc := range a.accs[slot] {
		var v types.Value // a group absent before the batch has no results; they are never read
		if live {
			v = acc.result()
		}
		f.prevValues = append(f.prevValues, v)
	}
}

// processFolded is Process with mini_batch: every row of the batch is
// applied to its group, then each group the batch changed emits its net
// change. When a row fails, it has changed nothing (update checks first),
// and the rows before it are emitted as a batch of their own, as they
// would be row by row.
func (a *aggregate) processFolded(in, out *Batch) error {
	err := a.applyFolded(in)
	a.emitFold(in, out)
	return err
}

func (a *aggregate) applyFolded(in *Batch) error {
	aggs := a.spec.Aggs
	for i, row := range in.Rows {
		accumulate := in.Kinds[i].IsAccumulate()
		slot, found, h := a.lookup(row)
		live := found && a.counts[int(slot)*a.stride] > 0
		if !live {
			if !accumulate {
				continue // nothing to take back: see Process
			}
			if !found {
				slot = a.newGroup(h)
			}
		}
		a.touchFold(slot, i, live)
		if found && !live {
			// Emptied earlier in this batch: it starts again from nothing,
			// as a removed group would.
			a.resetGroup(slot)
		}
		a.dirty.touch(slot)
		if !a.counting {
			// A row that fails changes nothing (update checks first); if
			// on_error lets the job go on, the fold emits its group as if
			// the row had not come (a group made for it emits nothing).
			if err := a.update(slot, row, accumulate); err != nil {
				if err := a.ctx.Errors.Handle("", formatRow(row), err); err != nil {
					return err
				}
			}
			continue
		}
		g := a.counts[int(slot)*a.stride : int(slot+1)*a.stride]
		delta := int64(1)
		if !accumulate {
			delta = -1
		}
		g[0] += delta
		for j := range aggs {
			if counted(&aggs[j], row) {
				g[1+j] += delta
			}
		}
	}
	return nil
}

// emitFold appends each touched group's net change to out, removes the
// groups the batch emptied, and clears the fold for the next batch.
func (a *aggregate) emitFold(in, out *Batch) {
	f := a.fold
	n := len(a.spec.Aggs)
	for k, slot := range f.slots {
		f.at[slot] = 0
		row := in.Rows[f.rows[k]]
		existed := f.existed[k]
		if a.counting {
			g := a.counts[int(slot)*a.stride : int(slot+1)*a.stride]
			prev := f.prevCounts[k*n : (k+1)*n]
			switch {
			case g[0] <= 0:
				if existed {
					out.Append(types.Delete, a.outputCounts(out, row, prev))
				}
			case !existed:
				out.Append(types.Insert, a.outputCounts(out, row, g[1:]))
			case !equalInts(prev, g[1:]):
				out.Append(types.UpdateBefore, a.outputCounts(out, row, prev))
				out.Append(types.UpdateAfter, a.outputCounts(out, row, g[1:]))
			}
		} else {
			prev := f.prevValues[k*n : (k+1)*n]
			switch {
			case a.counts[int(slot)*a.stride] <= 0:
				if existed {
					out.Append(types.Delete, a.output(out, row, prev, slot))
				}
			case !existed:
				out.Append(types.Insert, a.output(out, row, nil, slot))
			case a.changedFrom(slot, prev):
				out.Append(types.UpdateBefore, a.output(out, row, prev, slot))
				out.Append(types.UpdateAfter, a.output(out, row, nil, slot))
			}
		}
		if a.counts[int(slot)*a.stride] <= 0 {
			a.removeGroup(slot, a.table.hash(a.table.key(slot)))
		}
	}
	f.slots, f.rows, f.existed, f.prevCounts = f.slots[:0], f.rows[:0], f.existed[:0], f.prevCounts[:0]
	clear(f.prevValues) // no strings kept reachable from a batch long gone
	f.prevValues = f.prevValues[:0]
}

// changedFrom says whether a group's results differ from prev.
func (a *aggregate) changedFrom(slot uint32, prev []types.Value) bool {
	for j, acc := range a.accs[slot] {
		if !types.Equal(prev[j], acc.result()) {
			return true
		}
	}
	return false
}

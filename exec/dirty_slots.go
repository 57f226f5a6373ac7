package exec

// dirtySlots tracks which groups of a groupTable no completed checkpoint
// holds as they are — changed since, or written only by checkpoints that
// may still be aborted — as dirtyKeys does for keyed maps, but by slot: a
// state word per slot and a list of the slots that are not clean, so that
// marking a group costs an index rather than a map lookup, and a snapshot
// visits only what changed. Removed groups are tracked by key, since their
// slots are reused.
//
// A slot's state is 0 when clean, 1 when changed since the last snapshot,
// and id+1 when checkpoint id wrote it and has not completed. The list may
// hold a slot twice (removed, then reused); a snapshot writes each once.
type dirtySlots struct {
	state   []uint32
	list    []uint32
	removed dirtyKeys
}

const slotChanged = 1

func newDirtySlots() *dirtySlots { return &dirtySlots{removed: dirtyKeys{}} }

// touch marks a slot changed. A nil tracker tracks nothing: a job without
// checkpoints pays nothing for them.
func (d *dirtySlots) touch(slot uint32) {
	if d == nil {
		return
	}
	for int(slot) >= len(d.state) {
		d.state = append(d.state, 0)
	}
	switch s := d.state[slot]; {
	case s == 0:
		d.list = append(d.list, slot)
		d.state[slot] = slotChanged
	case s != slotChanged:
		d.state[slot] = slotChanged // written by a pending checkpoint: already listed
	}
}

// removeKey records that a group went away; its slot is clean until reused.
func (d *dirtySlots) removeKey(slot uint32, key []byte) {
	if d == nil {
		return
	}
	if int(slot) < len(d.state) {
		d.state[slot] = 0
	}
	d.removed.touch(key)
}

// added records that key is back (in a new slot): its removal is no longer
// to be written.
func (d *dirtySlots) added(key []byte) {
	if d != nil && len(d.removed) > 0 {
		delete(d.removed, string(key))
	}
}

// snapshot calls put for every dirty slot and del for every removed key,
// once each, and records that checkpoint id wrote them.
func (d *dirtySlots) snapshot(id int64, put func(slot uint32), del func(key string)) {
	written := uint32(id) + 1
	kept := d.list[:0]
	for _, slot := range d.list {
		if s := d.state[slot]; s != 0 && s != written {
			put(slot)
			d.state[slot] = written
			kept = append(kept, slot)
		}
	}
	d.list = kept
	for k := range d.removed {
		del(k)
	}
	d.removed.snapshotted(id)
}

// completed forgets the slots and keys that checkpoints up to id wrote.
func (d *dirtySlots) completed(id int64) {
	kept := d.list[:0]
	for _, slot := range d.list {
		if s := d.state[slot]; s > slotChanged && int64(s-1) <= id {
			d.state[slot] = 0
		} else if s != 0 {
			kept = append(kept, slot)
		}
	}
	d.list = kept
	d.removed.completed(id)
}

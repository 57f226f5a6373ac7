package exec

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/bits"

	"github.com/streamsql/streamsql/planner/types"
)

// groupTable gives each distinct encoded key of a keyed operator's state a
// dense slot number, which indexes the operator's own per-group arrays. It
// is an open-addressing hash table over a key arena, built for state that
// grows to millions of keys:
//
//   - no pointers: the index is []uint64 and the keys live in byte chunks,
//     so the garbage collector neither scans the state nor counts its keys
//     as objects, however large it grows (a map[string]T holds a string
//     header per key and an allocation per key, and every collection
//     visits them all);
//   - about 8 + length + 8 bytes per key, plus the index's free quarter,
//     against roughly twice that for a Go map of strings;
//   - a lookup hashes the key once and compares bytes only on a match of
//     32 bits of hash;
//   - a key that is a single string (the word count's) is hashed as its
//     bytes alone, so that findString looks a row's string up without
//     encoding it: the table still holds encoded keys, which are what
//     checkpoints write, but a lookup neither copies nor encodes.
//
// An index entry is the key's upper 32 bits of hash and its slot plus one;
// 0 is an empty entry and tombstone a removed one. A slot's key reference
// packs the key's chunk, offset and length, so that reading a key is
// slicing. Removed keys leave garbage in the arena, which is compacted
// when it outgrows the live keys.
type groupTable struct {
	seed    maphash.Seed
	index   []uint64
	used    int // entries that are not empty: live and tombstones
	live    int
	keyRefs []uint64 // by slot: chunk, offset and length of the key (keyRef); freeRef if free
	chunks  [][]byte
	free    []uint32 // slots to reuse
	garbage int      // arena bytes of removed keys
	size    int      // arena bytes of live keys
}

const (
	tombstone     = ^uint64(0)
	freeRef       = ^uint64(0)
	keyChunkBytes = 1 << 20
	minIndex      = 64

	// A key reference is chunk<<45 | offset<<25 | length: a chunk's
	// offsets fit 20 bits (1 MiB), lengths 25 bits (32 MiB, twice the
	// longest line, so any key of a row fits); a key longer than a chunk
	// gets a chunk of its own at offset 0.
	refOffsetShift = 25
	refChunkShift  = 45
	refLenMask     = 1<<refOffsetShift - 1
	refOffsetMask  = 1<<(refChunkShift-refOffsetShift) - 1
)

func newGroupTable() *groupTable {
	return &groupTable{seed: maphash.MakeSeed(), index: make([]uint64, minIndex)}
}

// hash returns the hash of an encoded key: of the string's bytes when the
// key is one string, so that it equals hashString of that string.
func (t *groupTable) hash(key []byte) uint64 {
	if s, ok := singleString(key); ok {
		return maphash.Bytes(t.seed, s)
	}
	return maphash.Bytes(t.seed, key)
}

// hashString returns the hash of the key that is the one string s, as
// hash would compute it from the key's encoding.
func (t *groupTable) hashString(s string) uint64 { return maphash.String(t.seed, s) }

// singleString returns the bytes of the string an encoded key consists of,
// if it is one string and nothing else.
func singleString(key []byte) ([]byte, bool) {
	if len(key) < 2 || key[0] != byte(types.KindString) {
		return nil, false
	}
	n, w := binary.Uvarint(key[1:])
	if w <= 0 || uint64(len(key)-1-w) != n {
		return nil, false
	}
	return key[1+w:], true
}

// stringKeyLen is the length of the encoding of a key that is one string
// of n bytes (see appendValue): its kind, its uvarint length, its bytes.
func stringKeyLen(n int) int { return 1 + (bits.Len64(uint64(n)|1)+6)/7 + n }

// len returns the number of keys.
func (t *groupTable) len() int { return t.live }

// slots returns one more than the highest slot ever handed out: the length
// the per-group arrays need.
func (t *groupTable) slots() int { return len(t.keyRefs) }

// key returns the key of a slot in use. It is valid until the next insert
// or remove.
func (t *groupTable) key(slot uint32) []byte {
	ref := t.keyRefs[slot]
	off := int(ref >> refOffsetShift & refOffsetMask)
	return t.chunks[ref>>refChunkShift][off : off+int(ref&refLenMask)]
}

// find returns the slot of key (hashed by hash), or ok=false.
func (t *groupTable) find(key []byte, h uint64) (slot uint32, ok bool) {
	mask := uint64(len(t.index) - 1)
	tag := h >> 32
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.index[i]
		switch {
		case e == 0:
			return 0, false
		case e != tombstone && e>>32 == tag && bytes.Equal(t.key(uint32(e)-1), key):
			return uint32(e) - 1, true
		}
	}
}

// findString is find for the key that is the one string s (hashed by
// hashString), without its encoding. It is for tables whose keys are all
// single values (an aggregate with one key column): there a key that
// starts with the string kind and has the length of s's encoding is the
// encoding of a string of len(s) bytes (the encoded length grows with the
// string's), so comparing the kind, the length and the tail compares the
// whole key. (A key of two columns could have that kind and length too.)
func (t *groupTable) findString(s string, h uint64) (slot uint32, ok bool) {
	mask := uint64(len(t.index) - 1)
	tag := h >> 32
	want := stringKeyLen(len(s))
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.index[i]
		if e == 0 {
			return 0, false
		}
		if e != tombstone && e>>32 == tag {
			k := t.key(uint32(e) - 1)
			if len(k) == want && k[0] == byte(types.KindString) && string(k[want-len(s):]) == s {
				return uint32(e) - 1, true
			}
		}
	}
}

// insert adds a key that is not in the table and returns its slot: a
// free one if there is one, else a new one.
func (t *groupTable) insert(key []byte, h uint64) uint32 {
	if (t.used+1)*4 > len(t.index)*3 {
		t.rehash()
	}
	ref := t.store(key)
	var slot uint32
	if n := len(t.free); n > 0 {
		slot, t.free = t.free[n-1], t.free[:n-1]
		t.keyRefs[slot] = ref
	} else {
		slot = uint32(len(t.keyRefs))
		t.keyRefs = append(t.keyRefs, ref)
	}
	t.place(h, slot)
	t.used++
	t.live++
	return slot
}

// place puts slot's entry at the first empty or removed place of its
// probe sequence.
func (t *groupTable) place(h uint64, slot uint32) {
	mask := uint64(len(t.index) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if e := t.index[i]; e == 0 || e == tombstone {
			if e == tombstone {
				t.used-- // reused: insert counts it again
			}
			t.index[i] = h>>32<<32 | uint64(slot+1)
			return
		}
	}
}

// remove takes the key of a slot in use (hashed by h) out of the table;
// the slot becomes free.
func (t *groupTable) remove(slot uint32, h uint64) {
	mask := uint64(len(t.index) - 1)
	entry := h>>32<<32 | uint64(slot+1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.index[i]
		if e == 0 {
			return
		}
		if e == entry {
			n := int(t.keyRefs[slot] & refLenMask)
			t.index[i] = tombstone
			t.garbage += n
			t.size -= n
			t.keyRefs[slot] = freeRef
			t.free = append(t.free, slot)
			t.live--
			if t.garbage > keyChunkBytes && t.garbage > t.size {
				t.compact()
			}
			return
		}
	}
}

// store appends key to the arena and returns where it is.
func (t *groupTable) store(key []byte) uint64 {
	if len(key) > refLenMask {
		panic("a group key longer than 32 MiB") // rows are at most 16 MiB; the task reports it as an error
	}
	last := len(t.chunks) - 1
	if last < 0 || len(t.chunks[last])+len(key) > cap(t.chunks[last]) {
		t.chunks = append(t.chunks, make([]byte, 0, max(keyChunkBytes, len(key))))
		last++
	}
	off := len(t.chunks[last])
	t.chunks[last] = append(t.chunks[last], key...)
	t.size += len(key)
	return uint64(last)<<refChunkShift | uint64(off)<<refOffsetShift | uint64(len(key))
}

// rehash rebuilds the index at most half full, dropping the tombstones;
// the hashes are computed again from the keys. It grows at three quarters,
// so an index entry costs 8 / 0.375 to 8 / 0.75 bytes per key.
func (t *groupTable) rehash() {
	n := minIndex
	for n < (t.live+1)*2 {
		n *= 2
	}
	t.index = make([]uint64, n)
	t.used = 0
	for slot, ref := range t.keyRefs {
		if ref != freeRef {
			t.place(t.hash(t.key(uint32(slot))), uint32(slot))
			t.used++
		}
	}
}

// compact copies the live keys into new chunks, leaving the garbage of
// removed keys behind.
func (t *groupTable) compact() {
	old := t.chunks
	t.chunks, t.size, t.garbage = nil, 0, 0
	for slot, ref := range t.keyRefs {
		if ref == freeRef {
			continue
		}
		off := int(ref >> refOffsetShift & refOffsetMask)
		t.keyRefs[slot] = t.store(old[ref>>refChunkShift][off : off+int(ref&refLenMask)])
	}
}

package statestore

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// The key layout, byte by byte. Every key starts with one kind byte:
//
//	'F'                                     the format marker; value: the format name, e.g. "streamsql-state/1"
//	'N'                                     the next checkpoint id, 8 bytes big-endian; ids are never reused
//	'C' | id (8 BE)                         a completed checkpoint: its Meta (see below)
//	'A' | id (8 BE)                         a checkpoint that was abandoned (aborted, or cut short by a
//	                                        crash); its entries are ignored and removed by compaction
//	'S' | op (4 BE) | uvarint(len) | key | ^id (8 BE)
//	                                        state of operator op under key, as written by checkpoint id
//	'L' | op (4 BE) | subtask (4 BE) | seq (8 BE)
//	                                        a source's log: the record with sequence number seq
//	'Q' | op (4 BE) | subtask (4 BE) | id (8 BE)
//	                                        a quarantined record of a source: value, why it was set aside
//
// State entries are versions: a checkpoint writes only the keys that
// changed since the one before, with its own id, and the state as of
// checkpoint c is, for each key, its newest version of id at most c that
// was not written by an abandoned checkpoint. Inverting the id (^id) sorts a key's versions
// newest first; the length prefix keeps each key's versions together, so a
// key that is a prefix of another cannot interleave with it.
//
// Every value (but the format marker and the next id) is framed as
//
//	crc32c (4 BE, over the rest) | flag (1) | payload
//
// where flag is 0 for a value and 1 for a deletion (a tombstone, whose
// payload is empty), so that damage on disk is detected when read.
const (
	kindFormat     = 'F'
	kindNextID     = 'N'
	kindCheckpoint = 'C'
	kindAbandoned  = 'A'
	kindState      = 'S'
	kindLog        = 'L'
	kindQuarantine = 'Q'
)

const (
	flagValue     = 0
	flagTombstone = 1
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is returned (wrapped) when stored bytes fail their checksum or
// do not parse: the state was damaged on disk or written by something else.
var ErrCorrupt = errors.New("damaged state")

func formatKey() []byte { return []byte{kindFormat} }
func nextIDKey() []byte { return []byte{kindNextID} }

func checkpointKey(id int64) []byte {
	return binary.BigEndian.AppendUint64([]byte{kindCheckpoint}, uint64(id))
}

func abandonedKey(id int64) []byte {
	return binary.BigEndian.AppendUint64([]byte{kindAbandoned}, uint64(id))
}

// parseIDKey reads the id of a checkpoint or abandoned-checkpoint key.
func parseIDKey(k []byte, kind byte) (int64, bool) {
	if len(k) != 9 || k[0] != kind {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(k[1:])), true
}

// statePrefix is the prefix of every state entry of operator op.
func statePrefix(op uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{kindState}, op)
}

// stateKey builds the key of key's version written by checkpoint id.
func stateKey(op uint32, key []byte, id int64) []byte {
	b := make([]byte, 0, 1+4+binary.MaxVarintLen64+len(key)+8)
	b = append(b, kindState)
	b = binary.BigEndian.AppendUint32(b, op)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	return binary.BigEndian.AppendUint64(b, ^uint64(id))
}

// parseStateKey splits a state entry's key into operator, key and
// checkpoint id. The returned key aliases k.
func parseStateKey(k []byte) (op uint32, key []byte, id int64, err error) {
	if len(k) < 1+4+1+8 || k[0] != kindState {
		return 0, nil, 0, ErrCorrupt
	}
	op = binary.BigEndian.Uint32(k[1:5])
	n, w := binary.Uvarint(k[5:])
	if w <= 0 || uint64(len(k)-5-w-8) != n {
		return 0, nil, 0, ErrCorrupt
	}
	key = k[5+w : 5+w+int(n)]
	id = int64(^binary.BigEndian.Uint64(k[len(k)-8:]))
	return op, key, id, nil
}

// logPrefix is the prefix of one source subtask's log.
func logPrefix(op, subtask uint32) []byte {
	b := binary.BigEndian.AppendUint32([]byte{kindLog}, op)
	return binary.BigEndian.AppendUint32(b, subtask)
}

func logKey(op, subtask uint32, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(logPrefix(op, subtask), seq)
}

func parseLogSeq(k []byte) uint64 {
	return binary.BigEndian.Uint64(k[len(k)-8:])
}

func quarantinePrefix(op, subtask uint32) []byte {
	b := binary.BigEndian.AppendUint32([]byte{kindQuarantine}, op)
	return binary.BigEndian.AppendUint32(b, subtask)
}

func quarantineKey(op, subtask uint32, id uint64) []byte {
	return binary.BigEndian.AppendUint64(quarantinePrefix(op, subtask), id)
}

// frame wraps a payload with its checksum and flag.
func frame(flag byte, payload []byte) []byte {
	b := make([]byte, 5, 5+len(payload))
	b[4] = flag
	b = append(b, payload...)
	binary.BigEndian.PutUint32(b, crc32.Checksum(b[4:], crcTable))
	return b
}

// unframe checks a framed value and returns its flag and payload (aliasing v).
func unframe(v []byte) (flag byte, payload []byte, err error) {
	if len(v) < 5 {
		return 0, nil, ErrCorrupt
	}
	if crc32.Checksum(v[4:], crcTable) != binary.BigEndian.Uint32(v) {
		return 0, nil, ErrCorrupt
	}
	return v[4], v[5:], nil
}

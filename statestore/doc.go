// Package statestore keeps a job's checkpoints in Badger. It stores bytes
// under operator ids and checkpoint ids and knows nothing about rows; it
// imports no other package of the project.
//
// A checkpoint is written incrementally — only the keys that changed since
// the previous one, and deletions as tombstones — and becomes visible only
// when Commit writes its metadata, after everything else is on disk. A
// crash halfway through leaves entries that no reader sees and a later
// compaction removes, so the previous checkpoint stays intact. keys.go
// documents the layout byte by byte.
//
//	st, err := statestore.Open(filepath.Join(stateDir, jobName)) // takes the lock
//	w, err := st.Begin()
//	w.Put(op, key, value)
//	meta, err := w.Commit(statestore.Meta{Fingerprint: fp})
//	err = st.Load(meta.ID, op, func(key, value []byte) error { ... })
//
// Two processes cannot open the same store: the second gets ErrLocked with
// the holder's pid. Values carry CRC-32C checksums, so damage is reported
// as ErrCorrupt instead of being read as state.
package statestore

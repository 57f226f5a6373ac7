// Package statestore will keep checkpoints in Badger: bytes in, bytes out,
// checkpoint ids, and nothing about rows. It is a leaf: it imports no other
// package of the project. Checkpointing is issue 3; until then nothing
// writes state and a restarted job starts from empty state.
package statestore

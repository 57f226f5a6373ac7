package exec

// Message is what travels on an edge between tasks: data, or a signal
// that is ordered with the data. The set is closed.
type Message interface{ message() }

// EndOfStream says the sender will send nothing more.
type EndOfStream struct{}

// Barrier marks a checkpoint in the stream: everything before it belongs
// to the checkpoint, everything after it to the next.
type Barrier struct {
	CheckpointID int64
}

// Watermark promises that no later row has an event time below T
// (nanoseconds since the epoch).
type Watermark struct {
	T int64
}

func (*Batch) message()      {}
func (EndOfStream) message() {}
func (Barrier) message()     {}
func (Watermark) message()   {}

package exec

// Operator is one step of a task's chain. The runtime calls it from one
// goroutine, one call at a time, and handles channels, barriers and
// cancellation itself: an operator only turns input rows into output rows.
type Operator interface {
	// Open prepares the operator before the first row.
	Open(ctx *OperatorContext) error
	// Process appends to out the rows that in produces.
	Process(in *Batch, out *Batch) error
	// Finish is called once all input has arrived (bounded inputs only);
	// the operator appends any last rows to out.
	Finish(out *Batch) error
}

// OperatorContext is what an operator may know about where it runs.
type OperatorContext struct {
	// Name is the operator's name as logs show it.
	Name string
	// Subtask is this instance's index among Parallelism instances.
	Subtask, Parallelism int
	// Errors applies the job's on_error policy to bad records.
	Errors *ErrorPolicy
	// Checkpointing says whether the job takes checkpoints, and so whether
	// stateful operators need to track what changed between them.
	Checkpointing bool
}

package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// sliceSource emits its batches, then ends.
type sliceSource struct{ batches []*Batch }

func (s *sliceSource) Seek([]byte) error { return nil }
func (s *sliceSource) Close() error      { return nil }

func (s *sliceSource) Fetch(ctx context.Context) (*Batch, []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if len(s.batches) == 0 {
		return nil, nil, io.EOF
	}
	b := s.batches[0]
	s.batches = s.batches[1:]
	return b, nil, nil
}

// fakeOp passes rows through, calling the hooks first when they are set.
type fakeOp struct {
	open    func()
	process func(in *Batch) error
	finish  func(out *Batch) error
}

func (o *fakeOp) Open(*OperatorContext) error {
	if o.open != nil {
		o.open()
	}
	return nil
}

func (o *fakeOp) Process(in, out *Batch) error {
	if o.process != nil {
		if err := o.process(in); err != nil {
			return err
		}
	}
	for i, r := range in.Rows {
		out.Append(in.Kinds[i], r)
	}
	return nil
}

func (o *fakeOp) Finish(out *Batch) error {
	if o.finish != nil {
		return o.finish(out)
	}
	return nil
}

// collectSink keeps every change it receives, as Flink prints them. It is
// safe to read while a job writes to it.
type collectSink struct {
	mu       sync.Mutex
	changes  []string
	finished int
	closed   int
	// write, when set, is called for each batch before it is kept; its
	// error is Write's.
	write func(b *Batch) error
	// notify receives a value after each batch kept (without blocking).
	notify chan struct{}
}

func newCollectSink() *collectSink { return &collectSink{notify: make(chan struct{}, 1)} }

func (s *collectSink) Write(b *Batch) error {
	if s.write != nil {
		if err := s.write(b); err != nil {
			return err
		}
	}
	s.mu.Lock()
	for i, r := range b.Rows {
		s.changes = append(s.changes, types.FormatChange(b.Kinds[i], r))
	}
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return nil
}

func (s *collectSink) Finish() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished++
	return nil
}

func (s *collectSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed++
	return nil
}

func (s *collectSink) Changes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.changes...)
}

// waitFor waits until the sink holds at least n changes, failing the test
// after a generous deadline (which only keeps a broken test from hanging).
func (s *collectSink) waitFor(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(testDeadline)
	for {
		if c := s.Changes(); len(c) >= n {
			return c
		}
		select {
		case <-s.notify:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waited for %d changes; have %v", n, s.Changes())
		}
	}
}

// testDeadline bounds waiting in tests; it is never the thing tested.
const testDeadline = 20 * time.Second

func rowsBatch(vals ...int64) *Batch {
	b := NewBatch(len(vals))
	for _, v := range vals {
		b.Append(types.Insert, types.Row{types.Int(v)})
	}
	return b
}

func newTestTask(src Source, sink Sink, ops ...Operator) *task {
	t := &task{name: "Source: test -> Fake (1/1)", source: src, sink: sink, job: &Job{},
		sourceOp: &planner.Operator{Name: "Source: test"}, positions: map[int64][]byte{}}
	for range ops {
		t.contexts = append(t.contexts, &OperatorContext{Name: "Fake", Parallelism: 1})
	}
	t.operators = ops
	return t
}

func runTask(tk *task) error {
	ctx := context.Background()
	return tk.run(ctx, ctx)
}

func TestTaskRunsChain(t *testing.T) {
	sink := newCollectSink()
	tk := newTestTask(&sliceSource{batches: []*Batch{rowsBatch(1, 2), NewBatch(0), rowsBatch(3)}}, sink, &fakeOp{},
		&fakeOp{finish: func(out *Batch) error { out.Append(types.Insert, types.Row{types.Int(99)}); return nil }})
	if err := runTask(tk); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(sink.Changes(), " "), "+I[1] +I[2] +I[3] +I[99]"; got != want {
		t.Errorf("sink got %s, want %s", got, want)
	}
	if sink.finished != 1 {
		t.Errorf("sink finished %d times, want 1", sink.finished)
	}
	if in, out := tk.job.recordsIn.Load(), tk.job.recordsOut.Load(); in != 3 || out != 4 {
		t.Errorf("records in %d, out %d; want 3 and 4", in, out)
	}
}

// A panic in an operator becomes the task's error, naming the task and
// the panic, instead of crashing the process.
func TestTaskRecoversPanics(t *testing.T) {
	tests := []struct {
		name string
		op   *fakeOp
	}{
		{"in Open", &fakeOp{open: func() { panic("open exploded") }}},
		{"in Process", &fakeOp{process: func(*Batch) error { panic("process exploded") }}},
		{"in Finish", &fakeOp{finish: func(*Batch) error { panic("finish exploded") }}},
		{"with an error value", &fakeOp{process: func(in *Batch) error {
			var rows []types.Row
			_ = rows[in.Len()+5] // index out of range
			return nil
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newCollectSink()
			tk := newTestTask(&sliceSource{batches: []*Batch{rowsBatch(1)}}, sink, tt.op)
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("the panic escaped task.run: %v", r)
					}
				}()
				err = runTask(tk)
			}()
			if err == nil {
				t.Fatal("run returned nil after a panic")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "internal error in Source: test -> Fake (1/1): ") {
				t.Errorf("the error does not name the task: %q", firstLine(msg))
			}
			if !strings.Contains(firstLine(msg), "exploded") && !strings.Contains(firstLine(msg), "index out of range") {
				t.Errorf("the error does not say what panicked: %q", firstLine(msg))
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// An operator's error ends the task with that error; later input is not
// processed and the sink is not finished.
func TestTaskOperatorError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	op := &fakeOp{process: func(*Batch) error {
		calls++
		return boom
	}}
	sink := newCollectSink()
	tk := newTestTask(&sliceSource{batches: []*Batch{rowsBatch(1), rowsBatch(2)}}, sink, op)
	if err := runTask(tk); !errors.Is(err, boom) {
		t.Fatalf("run: %v, want %v", err, boom)
	}
	if calls != 1 || len(sink.Changes()) != 0 || sink.finished != 0 {
		t.Errorf("after the error: %d calls, sink got %v, finished %d times", calls, sink.Changes(), sink.finished)
	}
}

// A task without a source reads its input edges until every one has
// ended, then finishes.
func TestTaskConsumesEveryInput(t *testing.T) {
	for _, inputs := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d inputs", inputs), func(t *testing.T) {
			sink := newCollectSink()
			tk := newTestTask(nil, sink, &fakeOp{})
			for i := 0; i < inputs; i++ {
				e := make(edge, 4)
				e <- rowsBatch(int64(i))
				e <- rowsBatch(int64(10 + i))
				e <- EndOfStream{}
				tk.inputs = append(tk.inputs, e)
			}
			if err := runTask(tk); err != nil {
				t.Fatal(err)
			}
			if got := len(sink.Changes()); got != 2*inputs {
				t.Errorf("sink got %v, want %d rows", sink.Changes(), 2*inputs)
			}
			if sink.finished != 1 {
				t.Errorf("sink finished %d times", sink.finished)
			}
		})
	}
}

// Killing a task that waits for input ends it with the context's error.
func TestTaskKilledWhileWaiting(t *testing.T) {
	for _, inputs := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d inputs", inputs), func(t *testing.T) {
			tk := newTestTask(nil, newCollectSink())
			for i := 0; i < inputs; i++ {
				tk.inputs = append(tk.inputs, make(edge))
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- tk.run(ctx, ctx) }()
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("run: %v, want context.Canceled", err)
				}
			case <-time.After(testDeadline):
				t.Fatal("the killed task did not return")
			}
		})
	}
}

func TestRouterHashPartitions(t *testing.T) {
	outs := []edge{make(edge, 16), make(edge, 16), make(edge, 16)}
	r := newRouter(planner.Partition{Kind: planner.Hash, Keys: []int{0}}, outs)
	b := NewBatch(0)
	words := []string{"a", "b", "c", "d", "e", "f", "g", "a", "b", "c"}
	for i, w := range words {
		b.Append(types.Insert, types.Row{types.Str(w), types.Int(int64(i))})
	}
	if err := r.route(context.Background(), b, false); err != nil {
		t.Fatal(err)
	}
	where := map[string]int{}
	total := 0
	for i, e := range outs {
		for len(e) > 0 {
			part := (<-e).(*Batch)
			for _, row := range part.Rows {
				total++
				w := row[0].AsString()
				if j, ok := where[w]; ok && j != i {
					t.Errorf("key %q went to subtasks %d and %d", w, j, i)
				}
				where[w] = i
				if want := int(hashKey(row, []int{0}) % 3); i != want {
					t.Errorf("key %q went to subtask %d, its hash says %d", w, i, want)
				}
			}
		}
	}
	if total != len(words) {
		t.Errorf("%d rows routed, want %d", total, len(words))
	}
}

// With one output a hash partition is a plain forward: the batch goes as
// it is.
func TestRouterSingleOutput(t *testing.T) {
	out := make(edge, 1)
	r := newRouter(planner.Partition{Kind: planner.Hash, Keys: []int{0}}, []edge{out})
	b := rowsBatch(1, 2, 3)
	if err := r.route(context.Background(), b, false); err != nil {
		t.Fatal(err)
	}
	if got := <-out; got != Message(b) {
		t.Errorf("got %v, want the batch itself", got)
	}
}

// Sending on a full edge gives up when the job is killed.
func TestSendGivesUpWhenKilled(t *testing.T) {
	e := make(edge)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := send(ctx, e, EndOfStream{}); !errors.Is(err, context.Canceled) {
		t.Errorf("send: %v, want context.Canceled", err)
	}
	r := newRouter(planner.Partition{Kind: planner.Gather}, []edge{e, make(edge)})
	if err := r.broadcast(ctx, EndOfStream{}); !errors.Is(err, context.Canceled) {
		t.Errorf("broadcast: %v, want context.Canceled", err)
	}
}

package exec

import (
	"context"
	"testing"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
)

// The per-operator benchmarks of the model word count (make bench reports
// them beside the end-to-end figures). Each runs one operator over batches
// as the runtime hands them over, from a plan the planner made, and reports
// the rows it took in per second.

// benchPlan plans the word count with a filter (so that there is a Calc)
// over generated lines, and returns its operators by kind.
func benchPlan(b *testing.B, parallelism string) map[string]*planner.Operator {
	b.Helper()
	stmt, err := parser.ParseStmt("", "SELECT word, COUNT(*) FROM GENERATE_LINES(0) "+
		"CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) WHERE word <> 'x' GROUP BY word")
	if err != nil {
		b.Fatal(err)
	}
	plan, err := planner.New(planner.NewMemCatalog()).Plan(stmt, map[string]string{"parallelism": parallelism})
	if err != nil {
		b.Fatal(err)
	}
	ops := map[string]*planner.Operator{}
	for _, op := range plan.Physical.Operators {
		switch op.Spec.(type) {
		case *planner.SourceOp:
			ops["source"] = op
		case *planner.UnnestOp:
			ops["unnest"] = op
		case *planner.CalcOp:
			ops["calc"] = op
		case *planner.AggregateOp:
			ops["aggregate"] = op
		}
	}
	return ops
}

// benchLines returns n batches of generated lines (8 words of Zipf(1.1)
// over 10,000, as the benchmark's input).
func benchLines(b *testing.B, n int) []*Batch {
	b.Helper()
	g, err := newDatagenSource(map[string]string{"rows": "0", "words_per_line": "8", "vocabulary": "10000",
		"zipf_s": "1.1", "seed": "42"}, MaxBatchRows)
	if err != nil {
		b.Fatal(err)
	}
	var out []*Batch
	for range n {
		batch, _, err := g.Fetch(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		batch.RecordIDs = nil
		out = append(out, batch)
	}
	return out
}

// benchOperator feeds the batches to op round and round, b.N batches in
// all, recycling its output as a task whose sink releases batches does,
// and reports rows in per second.
func benchOperator(b *testing.B, op Operator, in []*Batch) {
	b.Helper()
	if err := op.Open(&OperatorContext{Name: "bench", Parallelism: 1, Errors: NewErrorPolicy(planner.OnErrorFail, b.TempDir(), nil)}); err != nil {
		b.Fatal(err)
	}
	rows := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		batch := in[i%len(in)]
		out := getBatch(batch.Len())
		if err := op.Process(batch, out); err != nil {
			b.Fatal(err)
		}
		recycle(out)
		rows += batch.Len()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// words returns the unnested words of the lines, in batches.
func benchWords(b *testing.B, n int) []*Batch {
	b.Helper()
	u := benchOperatorFor(b, benchPlan(b, "1")["unnest"])
	if err := u.Open(&OperatorContext{Name: "unnest", Parallelism: 1}); err != nil {
		b.Fatal(err)
	}
	var out []*Batch
	for _, batch := range benchLines(b, n) {
		words := NewBatch(batch.Len() * 8)
		if err := u.Process(batch, words); err != nil {
			b.Fatal(err)
		}
		out = append(out, words)
	}
	return out
}

func benchOperatorFor(b *testing.B, op *planner.Operator) Operator {
	b.Helper()
	o, err := newOperator(op)
	if err != nil {
		b.Fatal(err)
	}
	return o
}

// BenchmarkUnnestSplit is UNNEST(SPLIT(line, ' ')): lines in, words out.
func BenchmarkUnnestSplit(b *testing.B) {
	benchOperator(b, benchOperatorFor(b, benchPlan(b, "1")["unnest"]), benchLines(b, 64))
}

// BenchmarkCalc is a filter on each word (word <> 'x') and a projection.
func BenchmarkCalc(b *testing.B) {
	benchOperator(b, benchOperatorFor(b, benchPlan(b, "1")["calc"]), benchWords(b, 64))
}

// BenchmarkAggregateCount is GROUP BY word with COUNT(*) on words, its
// changelog included.
func BenchmarkAggregateCount(b *testing.B) {
	benchOperator(b, benchOperatorFor(b, benchPlan(b, "1")["aggregate"]), benchWords(b, 64))
}

// BenchmarkKeyedExchange is the hash exchange in front of two aggregate
// subtasks: a batch of words is split by key and handed to both.
func BenchmarkKeyedExchange(b *testing.B) {
	agg := benchPlan(b, "2")["aggregate"]
	in := benchWords(b, 64)
	outs := []edge{make(edge, edgeCapacity), make(edge, edgeCapacity)}
	r := newRouter(agg.Inputs[0].Partition, outs)
	ctx := context.Background()
	done := make(chan struct{})
	for _, e := range outs {
		go func() {
			for m := range e {
				recycle(m.(*Batch)) // as the aggregate's task does
			}
			done <- struct{}{}
		}()
	}
	rows := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		batch := in[i%len(in)]
		if err := r.route(ctx, batch, false); err != nil {
			b.Fatal(err)
		}
		rows += batch.Len()
	}
	for _, e := range outs {
		close(e)
		<-done
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

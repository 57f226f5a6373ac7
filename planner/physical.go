package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Physical is the plan a job runs: operators with their parallelism and
// the exchanges between them. It is plain data; package exec builds tasks
// from it. Operators are listed inputs first, and an operator's ID is its
// index — stable for a given query, since state is stored under it.
type Physical struct {
	Operators []*Operator
}

// Sink returns the final operator.
func (p *Physical) Sink() *Operator { return p.Operators[len(p.Operators)-1] }

// Operator is one physical operator.
type Operator struct {
	ID          int
	Name        string // as logs and EXPLAIN show it: "Source: SOCKET('localhost:9100')", "GroupAggregate"
	Parallelism int
	// Stateful operators keep state that checkpoints save.
	Stateful bool
	// AppendOnly reports whether the operator's output only inserts.
	AppendOnly bool
	Schema     Schema
	Inputs     []Input
	Spec       OperatorSpec
}

// Input is an edge into an operator.
type Input struct {
	From      int
	Partition Partition
}

// PartitionKind says how rows travel from an operator's subtasks to the
// next operator's.
type PartitionKind int

// The partition kinds.
const (
	// Forward sends subtask i's rows to subtask i (equal parallelism).
	Forward PartitionKind = iota
	// Hash sends each row to the subtask its key hashes to.
	Hash
	// Gather sends every row to the single subtask of the next operator.
	Gather
)

// Partition is how an edge distributes rows.
type Partition struct {
	Kind PartitionKind
	Keys []int // Hash: the key columns
}

// OperatorSpec is what an operator does. The set is closed.
type OperatorSpec interface{ opSpec() }

// SourceOp reads a source.
type SourceOp struct {
	Source *SourceSpec
}

// CalcOp filters rows by Filter (when set) and then computes Project (when
// set; otherwise the row passes as it is).
type CalcOp struct {
	Filter  Expr
	Project []Expr
}

// UnnestOp emits a row per element of Array: the Keep columns of the input
// row followed by the element.
type UnnestOp struct {
	Array Expr
	Keep  []int
}

// AggregateOp groups by Keys and computes Aggs, emitting a changelog. With
// Keys but no Aggs it is DISTINCT; with no Keys it is a global aggregate,
// which has its one row even for an empty input. InputAppendOnly is set when its input never
// retracts, which lets MIN and MAX keep only the current extreme.
type AggregateOp struct {
	Keys            []int
	Aggs            []AggCall
	InputAppendOnly bool
	// MiniBatch (the mini_batch option) folds each input batch's changes
	// per key, emitting one change per changed key per batch. It changes
	// the changelog, not the state: it is left out of the fingerprint, so
	// a checkpoint taken with it off restores with it on, and back.
	MiniBatch bool
}

// SinkOp writes results.
type SinkOp struct {
	Name      string // the CREATE SINK name, or "print" for a query's results
	Connector string
	Options   map[string]string
	Format    string
}

func (*SourceOp) opSpec()    {}
func (*CalcOp) opSpec()      {}
func (*UnnestOp) opSpec()    {}
func (*AggregateOp) opSpec() {}
func (*SinkOp) opSpec()      {}

// physicalBuilder lowers a logical plan.
type physicalBuilder struct {
	plan        *Physical
	parallelism int
	miniBatch   bool
}

func (b *physicalBuilder) add(op *Operator) int {
	op.ID = len(b.plan.Operators)
	b.plan.Operators = append(b.plan.Operators, op)
	return op.ID
}

// buildPhysical lowers an optimized logical plan and adds the sink.
func buildPhysical(root Node, sink *SinkOp, opts Options) *Physical {
	b := &physicalBuilder{plan: &Physical{}, parallelism: opts.Parallelism, miniBatch: opts.MiniBatch}
	last := b.lower(root)
	in := b.plan.Operators[last]
	sinkPar, part := 1, Partition{Kind: Gather}
	if sink.Connector == ConnectorBlackhole {
		// Discarding rows needs no single writer.
		sinkPar, part = in.Parallelism, Partition{Kind: Forward}
	} else if in.Parallelism == 1 {
		part = Partition{Kind: Forward}
	}
	name := "Sink: " + sink.Name
	// A table keeps the result so far; a file sink, what it has written
	// but not yet made visible.
	stateful := sink.Format == FormatTable || sink.Connector == ConnectorFile
	b.add(&Operator{Name: name, Parallelism: sinkPar, Stateful: stateful, Schema: in.Schema, AppendOnly: in.AppendOnly,
		Inputs: []Input{{From: last, Partition: part}}, Spec: sink})
	return b.plan
}

// lower adds the operators for n and returns the id of its last one.
func (b *physicalBuilder) lower(n Node) int {
	switch x := n.(type) {
	case *Scan:
		return b.add(&Operator{Name: "Source: " + x.Source.Name, Parallelism: 1, Schema: x.Schema(), AppendOnly: true,
			Spec: &SourceOp{Source: x.Source}})
	case *Filter, *Project:
		// A projection over a filter (or either alone) is one Calc, as Flink
		// fuses them.
		calc := &CalcOp{}
		input := n
		if p, ok := x.(*Project); ok {
			// A nil Project passes rows through; projecting no columns
			// (COUNT(*) reads none) must not.
			calc.Project = append([]Expr{}, p.Exprs...)
			input = p.Input
		}
		if f, ok := input.(*Filter); ok {
			calc.Filter = f.Cond
			input = f.Input
		}
		from := b.lower(input)
		return b.forward(from, "Calc", n, calc, false)
	case *Unnest:
		from := b.lower(x.Input)
		return b.forward(from, "Unnest", n, &UnnestOp{Array: x.Array, Keep: x.Keep}, false)
	case *Aggregate:
		from := b.lower(x.Input)
		par, part := b.parallelism, Partition{Kind: Hash, Keys: x.Keys}
		if len(x.Keys) == 0 {
			par, part = 1, Partition{Kind: Gather}
		}
		name := "GroupAggregate"
		if len(x.Aggs) == 0 && len(x.Keys) > 0 {
			name = "Distinct"
		}
		return b.add(&Operator{Name: name, Parallelism: par, Stateful: true, Schema: x.Schema(), AppendOnly: false,
			Inputs: []Input{{From: from, Partition: part}},
			Spec:   &AggregateOp{Keys: x.Keys, Aggs: x.Aggs, InputAppendOnly: x.Input.AppendOnly(), MiniBatch: b.miniBatch}})
	}
	panic(fmt.Sprintf("planner: cannot lower %T", n))
}

// forward adds a stateless operator that runs beside its input.
func (b *physicalBuilder) forward(from int, name string, n Node, spec OperatorSpec, stateful bool) int {
	in := b.plan.Operators[from]
	return b.add(&Operator{Name: name, Parallelism: in.Parallelism, Stateful: stateful, Schema: n.Schema(),
		AppendOnly: n.AppendOnly(), Inputs: []Input{{From: from, Partition: Partition{Kind: Forward}}}, Spec: spec})
}

// fingerprint identifies the state layout of a physical plan: the stateful
// operators, their ids, and what they keep. Parallelism is left out, since
// keyed state can be restored into a different number of subtasks.
func (p *Physical) fingerprint() string {
	h := sha256.New()
	for _, op := range p.Operators {
		if !op.Stateful {
			continue
		}
		fmt.Fprintf(h, "%d|%s|%s|", op.ID, op.Name, p.inputSchema(op))
		if agg, ok := op.Spec.(*AggregateOp); ok {
			fmt.Fprintf(h, "%v|", agg.Keys)
			for _, a := range agg.Aggs {
				fmt.Fprintf(h, "%d,%d,%v,%d,%s;", a.Kind, a.Arg, a.Distinct, a.Filter, a.T)
			}
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func (p *Physical) inputSchema(op *Operator) string {
	var parts []string
	for _, in := range op.Inputs {
		parts = append(parts, p.Operators[in.From].Schema.String())
	}
	return strings.Join(parts, ",")
}

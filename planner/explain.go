package planner

import (
	"fmt"
	"strings"

	"github.com/streamsql/streamsql/parser"
)

// Explain renders the plan as indented trees, the result at the top: the
// optimized logical plan, the physical plan with each operator's id,
// parallelism, exchanges and state, or both (parser.ExplainAll).
func (p *Plan) Explain(mode parser.ExplainMode) string {
	var b strings.Builder
	if mode != parser.ExplainPhysical {
		b.WriteString("== Logical Plan ==\n")
		writeTree(&b, p.Logical, "", "")
	}
	if mode == parser.ExplainAll {
		b.WriteString("\n")
	}
	if mode != parser.ExplainLogical {
		b.WriteString("== Physical Plan ==\n")
		p.Physical.write(&b, len(p.Physical.Operators)-1, "", "")
		fmt.Fprintf(&b, "\njob %s: %s", p.JobName, p.jobSummary())
		b.WriteString("\n")
	}
	return b.String()
}

func (p *Plan) jobSummary() string {
	var parts []string
	if p.Bounded {
		parts = append(parts, "bounded")
	} else {
		parts = append(parts, "unbounded")
	}
	if p.Options.CheckpointInterval > 0 {
		parts = append(parts, "checkpoint every "+FormatDuration(p.Options.CheckpointInterval))
	} else {
		parts = append(parts, "no checkpoints")
	}
	parts = append(parts, "restart "+p.Options.Restart.String())
	return strings.Join(parts, ", ")
}

func writeTree(b *strings.Builder, n Node, first, rest string) {
	b.WriteString(first + n.Describe() + "\n")
	for _, c := range n.Children() {
		writeTree(b, c, rest+"└─ ", rest+"   ")
	}
}

func (p *Physical) write(b *strings.Builder, id int, first, rest string) {
	op := p.Operators[id]
	var flags []string
	flags = append(flags, fmt.Sprintf("id=%d", op.ID), fmt.Sprintf("parallelism=%d", op.Parallelism))
	if op.Stateful {
		flags = append(flags, "stateful")
	}
	if !op.AppendOnly {
		flags = append(flags, "updating")
	}
	if agg, ok := op.Spec.(*AggregateOp); ok && agg.MiniBatch {
		// A flag rather than part of Describe: Describe is also the
		// operator's state description, which mini_batch does not change.
		flags = append(flags, "mini_batch")
	}
	fmt.Fprintf(b, "%s%s  [%s]\n", first, p.Describe(op), strings.Join(flags, " "))
	for _, in := range op.Inputs {
		childFirst, childRest := rest+"└─ ", rest+"   "
		switch in.Partition.Kind {
		case Hash:
			fmt.Fprintf(b, "%sExchange: hash[%s]\n", childFirst, strings.Join(columnNames(p.Operators[in.From].Schema, in.Partition.Keys), ", "))
			childFirst, childRest = childRest+"└─ ", childRest+"   "
		case Gather:
			if p.Operators[in.From].Parallelism > 1 {
				fmt.Fprintf(b, "%sExchange: gather\n", childFirst)
				childFirst, childRest = childRest+"└─ ", childRest+"   "
			}
		}
		p.write(b, in.From, childFirst, childRest)
	}
}

func columnNames(s Schema, idx []int) []string {
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = s[k].Name
	}
	return out
}

// Describe is an operator's line in EXPLAIN: its name and what it
// computes, without ids or parallelism.
func (p *Physical) Describe(op *Operator) string {
	var in Schema
	if len(op.Inputs) > 0 {
		in = p.Operators[op.Inputs[0].From].Schema
	}
	switch s := op.Spec.(type) {
	case *SourceOp:
		d := op.Name + " " + op.Schema.String()
		if !strings.Contains(op.Name, "(") && s.Source.Connector != ConnectorValues {
			d += " (connector=" + s.Source.Connector
			if len(s.Source.Options) > 0 {
				d += ", " + optionsString(s.Source.Options)
			}
			d += ")"
		}
		return d
	case *CalcOp:
		var parts []string
		if s.Filter != nil {
			parts = append(parts, "filter="+s.Filter.String())
		}
		if s.Project != nil {
			parts = append(parts, "project=["+namedExprs(s.Project, op.Schema.Names())+"]")
		}
		return op.Name + " (" + strings.Join(parts, ", ") + ")"
	case *UnnestOp:
		d := fmt.Sprintf("%s (%s AS %s", op.Name, s.Array, op.Schema[len(op.Schema)-1].Name)
		if len(s.Keep) > 0 {
			d += ", keep=[" + strings.Join(columnNames(in, s.Keep), ", ") + "]"
		}
		return d + ")"
	case *AggregateOp:
		keys := strings.Join(columnNames(in, s.Keys), ", ")
		if len(s.Aggs) == 0 {
			return op.Name + " (keys=[" + keys + "])"
		}
		aggs := make([]string, len(s.Aggs))
		for i, a := range s.Aggs {
			aggs[i] = op.Schema[len(s.Keys)+i].Name + "=" + aggString(a, in)
		}
		return fmt.Sprintf("%s (keys=[%s], aggs=[%s])", op.Name, keys, strings.Join(aggs, ", "))
	case *SinkOp:
		if s.Connector == ConnectorPrint && s.Name == "print" {
			return op.Name + " (format=" + s.Format + ")"
		}
		d := op.Name + " (connector=" + s.Connector
		if len(s.Options) > 0 {
			d += ", " + optionsString(s.Options)
		}
		if s.Connector == ConnectorPrint && s.Options["format"] == "" {
			d += ", format=" + s.Format
		}
		return d + ")"
	}
	return op.Name
}

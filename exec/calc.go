package exec

import (
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// calc filters and projects rows (a Flink Calc): rows for which the filter
// is not TRUE are dropped; the rest become the projected expressions.
type calc struct {
	spec    *planner.CalcOp
	filter  planner.Evaluator
	project []planner.Evaluator
	ctx     *OperatorContext
}

func newCalc(spec *planner.CalcOp) *calc { return &calc{spec: spec} }

func (c *calc) Open(ctx *OperatorContext) error {
	c.ctx = ctx
	var err error
	if c.spec.Filter != nil {
		if c.filter, err = planner.Compile(c.spec.Filter); err != nil {
			return err
		}
	}
	for _, e := range c.spec.Project {
		ev, err := planner.Compile(e)
		if err != nil {
			return err
		}
		c.project = append(c.project, ev)
	}
	return nil
}

func (c *calc) Process(in, out *Batch) error {
	for i, row := range in.Rows {
		if c.filter != nil {
			keep, err := c.filter(row)
			if err != nil {
				if err := c.ctx.Errors.Handle("", formatRow(row), err); err != nil {
					return err
				}
				continue
			}
			if keep.IsNull() || !keep.AsBool() {
				continue
			}
		}
		if c.spec.Project == nil {
			out.Append(in.Kinds[i], row)
			continue
		}
		projected := out.NewRow(len(c.project))
		failed := false
		for j, ev := range c.project {
			v, err := ev(row)
			if err != nil {
				if err := c.ctx.Errors.Handle("", formatRow(row), err); err != nil {
					return err
				}
				failed = true
				break
			}
			projected[j] = v
		}
		if !failed {
			out.Append(in.Kinds[i], projected)
		}
	}
	return nil
}

func (c *calc) Finish(*Batch) error { return nil }

// formatRow renders a row for error messages and dead letters.
func formatRow(row types.Row) string {
	return types.FormatChange(types.Insert, row)[2:]
}

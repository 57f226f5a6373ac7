package exec

import (
	"github.com/streamsql/streamsql/planner"
)

// unnest emits one row per element of an array computed from each input
// row: the kept input columns followed by the element. A NULL or empty
// array produces no rows (an inner lateral join).
type unnest struct {
	spec  *planner.UnnestOp
	array planner.Evaluator
	ctx   *OperatorContext
}

func newUnnest(spec *planner.UnnestOp) *unnest { return &unnest{spec: spec} }

func (u *unnest) Open(ctx *OperatorContext) error {
	u.ctx = ctx
	var err error
	u.array, err = planner.Compile(u.spec.Array)
	return err
}

func (u *unnest) Process(in, out *Batch) error {
	width := len(u.spec.Keep) + 1
	for i, row := range in.Rows {
		arr, err := u.array(row)
		if err != nil {
			if err := u.ctx.Errors.Handle("", formatRow(row), err); err != nil {
				return err
			}
			continue
		}
		for _, elem := range arr.AsArray() {
			r := out.NewRow(width)
			for j, k := range u.spec.Keep {
				r[j] = row[k]
			}
			r[width-1] = elem
			out.Append(in.Kinds[i], r)
		}
	}
	return nil
}

func (u *unnest) Finish(*Batch) error { return nil }

package exec

import (
	"strings"

	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// unnest emits one row per element of an array computed from each input
// row: the kept input columns followed by the element. A NULL or empty
// array produces no rows (an inner lateral join).
//
// UNNEST(SPLIT(s, 'sep')) with a constant, non-empty separator — the word
// count's — does not build the array: it cuts s where SPLIT would and
// emits each piece as it goes, a substring of s, so that a word costs no
// allocation and no copy.
type unnest struct {
	spec  *planner.UnnestOp
	array planner.Evaluator
	ctx   *OperatorContext
	// set when the array is SPLIT(text, sep) with sep a constant
	text planner.Evaluator
	sep  string
}

func newUnnest(spec *planner.UnnestOp) *unnest { return &unnest{spec: spec} }

func (u *unnest) Open(ctx *OperatorContext) error {
	u.ctx = ctx
	var err error
	if call, ok := u.spec.Array.(*planner.Call); ok && call.Func == "SPLIT" && len(call.Args) == 2 {
		if lit, ok := call.Args[1].(*planner.Literal); ok && lit.Value.Kind() == types.KindString && lit.Value.AsString() != "" {
			u.sep = lit.Value.AsString()
			u.text, err = planner.Compile(call.Args[0])
			return err
		}
	}
	u.array, err = planner.Compile(u.spec.Array)
	return err
}

func (u *unnest) Process(in, out *Batch) error {
	if u.text != nil {
		return u.processSplit(in, out)
	}
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
			u.emit(out, in.Kinds[i], row, elem, width)
		}
	}
	return nil
}

func (u *unnest) emit(out *Batch, kind types.RowKind, row types.Row, elem types.Value, width int) {
	r := out.NewRow(width)
	for j, k := range u.spec.Keep {
		r[j] = row[k]
	}
	r[width-1] = elem
	out.Append(kind, r)
}

// processSplit is Process for UNNEST(SPLIT(text, sep)): the pieces are
// those of strings.Split, the empty ones included.
func (u *unnest) processSplit(in, out *Batch) error {
	width := len(u.spec.Keep) + 1
	for i, row := range in.Rows {
		v, err := u.text(row)
		if err != nil {
			if err := u.ctx.Errors.Handle("", formatRow(row), err); err != nil {
				return err
			}
			continue
		}
		if v.IsNull() {
			continue // SPLIT of NULL is NULL: no rows
		}
		s := v.AsString()
		for {
			j := strings.Index(s, u.sep)
			if j < 0 {
				u.emit(out, in.Kinds[i], row, types.Str(s), width)
				break
			}
			u.emit(out, in.Kinds[i], row, types.Str(s[:j]), width)
			s = s[j+len(u.sep):]
		}
	}
	return nil
}

func (u *unnest) Finish(*Batch) error { return nil }

package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/streamsql/streamsql/planner/types"
)

// Function describes a scalar function or operator: how to type-check a
// call, how to run it, and how to explain it to a user (help, SHOW FUNCTIONS).
type Function struct {
	Name    string // SQL name in upper case, or the operator's symbol
	Syntax  string // e.g. SPLIT(s STRING, sep STRING) -> ARRAY<STRING>
	Doc     string
	Example string
	// Volatile functions are never folded at plan time nor moved by
	// rewrites: NOW() changes, RAISE_ERROR fails the job.
	Volatile bool
	// Strict functions are not run when an argument is NULL; their result
	// is NULL. Almost every function is; IS NULL, IN and RAISE_ERROR are not.
	Strict bool
	// Operator marks operators, which help and SHOW FUNCTIONS do not list.
	Operator bool
	resolve  resolver
}

// evalFunc computes a function on argument values. It may keep state (a
// compiled pattern), so each compiled expression gets its own.
type evalFunc func(args []types.Value) (types.Value, error)

// resolver checks argument types and returns the result type and an
// implementation specialized to those types; on a mismatch it returns an
// error saying what is accepted.
type resolver func(args []types.Type) (types.Type, evalFunc, error)

var functions = map[string]*Function{}

func register(f *Function) {
	functions[f.Name] = f
}

// lookupFunction returns the function called name (any case), or nil.
func lookupFunction(name string) *Function {
	return functions[strings.ToUpper(name)]
}

// Functions lists the SQL functions (not operators) by name, for help and
// completion.
func Functions() []*Function {
	var out []*Function
	for _, f := range functions {
		if !f.Operator {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupFunction returns the scalar or aggregate function called name for
// help, or nil.
func LookupFunction(name string) *Function {
	if f := lookupFunction(name); f != nil && !f.Operator {
		return f
	}
	if a := lookupAggregate(name); a != nil {
		return &Function{Name: a.Name, Syntax: a.Syntax, Doc: a.Doc, Example: a.Example}
	}
	return nil
}

// signature is one accepted list of parameter types. A BIGINT argument is
// accepted for a DOUBLE parameter and NULL for any; with variadic set the
// last parameter repeats.
type signature struct {
	params   []types.Type
	variadic bool
	result   types.Type
	fn       evalFunc
}

func (s signature) accepts(args []types.Type) bool {
	if len(args) < len(s.params) && !(s.variadic && len(args) >= len(s.params)-1) {
		return false
	}
	if len(args) > len(s.params) && !s.variadic {
		return false
	}
	for i, a := range args {
		p := s.params[min(i, len(s.params)-1)]
		if !assignable(a, p) {
			return false
		}
	}
	return true
}

func (s signature) String() string {
	parts := make([]string, len(s.params))
	for i, p := range s.params {
		parts[i] = p.String()
	}
	if s.variadic {
		parts[len(parts)-1] += ", ..."
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// assignable reports whether a value of type from can be passed where to is
// expected without an explicit CAST.
func assignable(from, to types.Type) bool {
	switch {
	case from.Kind == types.KindNull, from.Equal(to):
		return true
	case from.Kind == types.KindInt && to.Kind == types.KindFloat:
		return true
	case from.Kind == types.KindArray && to.Kind == types.KindArray:
		return assignable(*from.Elem, *to.Elem)
	}
	return false
}

// overloads resolves to the first signature that accepts the arguments.
func overloads(sigs ...signature) resolver {
	return func(args []types.Type) (types.Type, evalFunc, error) {
		for _, s := range sigs {
			if s.accepts(args) {
				return s.result, s.fn, nil
			}
		}
		accepted := make([]string, len(sigs))
		for i, s := range sigs {
			accepted[i] = s.String()
		}
		return types.Type{}, nil, fmt.Errorf("expects %s", strings.Join(accepted, " or "))
	}
}

func sig(result types.Type, fn evalFunc, params ...types.Type) signature {
	return signature{params: params, result: result, fn: fn}
}

func typeList(ts []types.Type) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

package planner

import (
	"fmt"
	"strings"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner/types"
)

// AggKind is an aggregate function.
type AggKind int

// The aggregate functions.
const (
	AggCountStar AggKind = iota + 1 // COUNT(*)
	AggCount                        // COUNT(x): non-NULL values
	AggSum
	AggMin
	AggMax
	AggAvg
)

var aggNames = map[AggKind]string{
	AggCountStar: "COUNT", AggCount: "COUNT", AggSum: "SUM", AggMin: "MIN", AggMax: "MAX", AggAvg: "AVG",
}

// String returns the SQL name of the aggregate.
func (k AggKind) String() string { return aggNames[k] }

// AggCall is one aggregate computed by an Aggregate: its input is a column of
// the aggregate's input (Arg, -1 for COUNT(*)), optionally only the rows
// where the BOOLEAN column Filter is TRUE, and only distinct values when
// Distinct is set.
type AggCall struct {
	Kind     AggKind
	Arg      int
	ArgType  types.Type
	Distinct bool
	Filter   int
	T        types.Type // result type
	// At is where the call is in the SQL, for runtime errors (a SUM out of
	// range); Origin is set when it is in a view's definition.
	At     parser.Pos
	Origin *Origin
}

// aggregateDef describes an aggregate function for the binder and for help.
type aggregateDef struct {
	Name, Syntax, Doc, Example string
	kind                       AggKind
	result                     func(arg types.Type) (types.Type, error)
}

var aggregates = map[string]*aggregateDef{}

func lookupAggregate(name string) *aggregateDef { return aggregates[strings.ToUpper(name)] }

// IsAggregate reports whether name is an aggregate function.
func IsAggregate(name string) bool { return lookupAggregate(name) != nil }

// Aggregates lists the aggregate function names.
func Aggregates() []string {
	return []string{"AVG", "COUNT", "MAX", "MIN", "SUM"}
}

func init() {
	numeric := func(name string, result func(types.Type) types.Type) func(types.Type) (types.Type, error) {
		return func(arg types.Type) (types.Type, error) {
			switch {
			case arg.Kind == types.KindNull:
				return result(types.BIGINT), nil
			case arg.IsNumeric() || (name == "SUM" && arg.Kind == types.KindInterval):
				return result(arg), nil
			}
			return types.Type{}, fmt.Errorf("%s expects a numeric argument, got %s", name, arg)
		}
	}
	ordered := func(name string) func(types.Type) (types.Type, error) {
		return func(arg types.Type) (types.Type, error) {
			if !arg.Comparable() {
				return types.Type{}, fmt.Errorf("%s expects an argument with an order, got %s", name, arg)
			}
			return arg, nil
		}
	}
	for _, a := range []*aggregateDef{
		{Name: "COUNT", kind: AggCount, Syntax: "COUNT(*) | COUNT([DISTINCT] x) -> BIGINT",
			Doc:     "The number of rows, or of non-NULL (distinct) values of x. Add FILTER (WHERE cond) to count only some rows.",
			Example: "SELECT word, COUNT(*) FROM words GROUP BY word",
			result:  func(types.Type) (types.Type, error) { return types.BIGINT, nil }},
		{Name: "SUM", kind: AggSum, Syntax: "SUM([DISTINCT] x) -> BIGINT or DOUBLE",
			Doc: "The sum of the non-NULL values of x; NULL when there are none.", Example: "SELECT user_id, SUM(amount) FROM orders GROUP BY user_id",
			result: numeric("SUM", func(t types.Type) types.Type { return t })},
		{Name: "MIN", kind: AggMin, Syntax: "MIN(x) -> type of x",
			Doc: "The smallest non-NULL value of x; stays right when rows are retracted.", Example: "SELECT MIN(price) FROM orders",
			result: ordered("MIN")},
		{Name: "MAX", kind: AggMax, Syntax: "MAX(x) -> type of x",
			Doc: "The largest non-NULL value of x; stays right when rows are retracted.", Example: "SELECT MAX(price) FROM orders",
			result: ordered("MAX")},
		{Name: "AVG", kind: AggAvg, Syntax: "AVG([DISTINCT] x) -> DOUBLE",
			Doc: "The mean of the non-NULL values of x as a DOUBLE; NULL when there are none.", Example: "SELECT AVG(latency_ms) FROM requests",
			result: numeric("AVG", func(types.Type) types.Type { return types.DOUBLE })},
	} {
		aggregates[a.Name] = a
	}
}

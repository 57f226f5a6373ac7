package planner_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
)

// checkPlan checks what the runtime relies on in a plan: operator ids are
// positions, inputs come first, exchanges fit the parallelism on both
// sides, every column index is in range, specs agree with schemas, and
// every expression compiles.
func checkPlan(plan *planner.Plan) error {
	ops := plan.Physical.Operators
	if len(ops) < 2 {
		return fmt.Errorf("%d operators", len(ops))
	}
	if plan.Physical.Sink() != ops[len(ops)-1] {
		return fmt.Errorf("Sink() is not the last operator")
	}
	if !plan.Schema.Equal(plan.Logical.Schema()) {
		return fmt.Errorf("plan schema %s, logical schema %s", plan.Schema, plan.Logical.Schema())
	}
	if !plan.Schema.Equal(ops[len(ops)-1].Schema) {
		return fmt.Errorf("plan schema %s, sink schema %s", plan.Schema, ops[len(ops)-1].Schema)
	}
	compile := func(op *planner.Operator, e planner.Expr) error {
		if _, err := planner.Compile(e); err != nil {
			return fmt.Errorf("operator %d: %s does not compile: %v", op.ID, e, err)
		}
		return nil
	}
	for i, op := range ops {
		if op.ID != i {
			return fmt.Errorf("operator %d has id %d", i, op.ID)
		}
		if op.Parallelism < 1 {
			return fmt.Errorf("operator %d: parallelism %d", i, op.Parallelism)
		}
		if _, isSink := op.Spec.(*planner.SinkOp); isSink != (i == len(ops)-1) {
			return fmt.Errorf("operator %d (%s): a sink must be last, and only a sink", i, op.Name)
		}
		var in planner.Schema
		for _, edge := range op.Inputs {
			if edge.From < 0 || edge.From >= i {
				return fmt.Errorf("operator %d reads from %d", i, edge.From)
			}
			from := ops[edge.From]
			in = from.Schema
			switch edge.Partition.Kind {
			case planner.Forward:
				if from.Parallelism != op.Parallelism {
					return fmt.Errorf("forward edge %d -> %d changes parallelism %d -> %d", from.ID, i, from.Parallelism, op.Parallelism)
				}
			case planner.Gather:
				if op.Parallelism != 1 {
					return fmt.Errorf("gather into operator %d of parallelism %d", i, op.Parallelism)
				}
			case planner.Hash:
				for _, k := range edge.Partition.Keys {
					if k < 0 || k >= len(in) {
						return fmt.Errorf("hash key %d of edge %d -> %d is out of range", k, from.ID, i)
					}
				}
			}
		}
		if (len(op.Inputs) == 0) != (i == 0) {
			return fmt.Errorf("operator %d has %d inputs", i, len(op.Inputs))
		}
		switch s := op.Spec.(type) {
		case *planner.SourceOp:
			if !s.Source.Columns.Equal(typesOnly(s.Source.Columns, op.Schema)) {
				return fmt.Errorf("source %d produces %s, schema %s", i, s.Source.Columns, op.Schema)
			}
		case *planner.CalcOp:
			if s.Filter != nil {
				if s.Filter.Type() != types.BOOLEAN {
					return fmt.Errorf("calc %d filters on a %s", i, s.Filter.Type())
				}
				if err := compile(op, s.Filter); err != nil {
					return err
				}
			}
			cols := in
			if s.Project != nil {
				cols = make(planner.Schema, len(s.Project))
				for j, e := range s.Project {
					cols[j] = planner.Column{Name: op.Schema[min(j, len(op.Schema)-1)].Name, Type: e.Type()}
					if err := compile(op, e); err != nil {
						return err
					}
				}
			}
			if !cols.Equal(op.Schema) {
				return fmt.Errorf("calc %d computes %s, schema %s", i, cols, op.Schema)
			}
		case *planner.UnnestOp:
			if s.Array.Type().Kind != types.KindArray {
				return fmt.Errorf("unnest %d of a %s", i, s.Array.Type())
			}
			if len(op.Schema) != len(s.Keep)+1 {
				return fmt.Errorf("unnest %d keeps %d columns, schema %s", i, len(s.Keep), op.Schema)
			}
			for _, k := range s.Keep {
				if k < 0 || k >= len(in) {
					return fmt.Errorf("unnest %d keeps column %d of %s", i, k, in)
				}
			}
			if err := compile(op, s.Array); err != nil {
				return err
			}
		case *planner.AggregateOp:
			if len(op.Schema) != len(s.Keys)+len(s.Aggs) {
				return fmt.Errorf("aggregate %d: %d keys, %d aggs, schema %s", i, len(s.Keys), len(s.Aggs), op.Schema)
			}
			if !op.Stateful || op.AppendOnly {
				return fmt.Errorf("aggregate %d must be stateful and updating", i)
			}
			for j, k := range s.Keys {
				if k < 0 || k >= len(in) || !in[k].Type.Equal(op.Schema[j].Type) {
					return fmt.Errorf("aggregate %d: key %d is column %d of %s", i, j, k, in)
				}
			}
			for j, a := range s.Aggs {
				if a.Arg >= len(in) || a.Filter >= len(in) || (a.Arg < 0) != (a.Kind == planner.AggCountStar) {
					return fmt.Errorf("aggregate %d: %+v reads outside %s", i, a, in)
				}
				if a.Filter >= 0 && in[a.Filter].Type != types.BOOLEAN {
					return fmt.Errorf("aggregate %d: filter on a %s", i, in[a.Filter].Type)
				}
				if !a.T.Equal(op.Schema[len(s.Keys)+j].Type) {
					return fmt.Errorf("aggregate %d: %+v, schema %s", i, a, op.Schema)
				}
			}
			edge := op.Inputs[0].Partition
			if len(s.Keys) == 0 && op.Parallelism != 1 {
				return fmt.Errorf("global aggregate %d has parallelism %d", i, op.Parallelism)
			}
			if len(s.Keys) > 0 && (edge.Kind != planner.Hash || !slicesEqual(edge.Keys, s.Keys)) {
				return fmt.Errorf("aggregate %d is not hash-partitioned on its keys: %+v", i, edge)
			}
		case *planner.SinkOp:
			if !op.Schema.Equal(in) {
				return fmt.Errorf("sink schema %s, input %s", op.Schema, in)
			}
		default:
			return fmt.Errorf("operator %d: unknown spec %T", i, s)
		}
	}
	for _, mode := range []parser.ExplainMode{parser.ExplainAll, parser.ExplainLogical, parser.ExplainPhysical} {
		if plan.Explain(mode) == "" {
			return fmt.Errorf("empty EXPLAIN")
		}
	}
	return nil
}

// typesOnly returns cols with the names of named (a scan may rename).
func typesOnly(cols, named planner.Schema) planner.Schema {
	if len(cols) != len(named) {
		return named
	}
	out := make(planner.Schema, len(cols))
	for i := range cols {
		out[i] = planner.Column{Name: cols[i].Name, Type: named[i].Type}
	}
	return out
}

func slicesEqual(a, b []int) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// plan plans one statement in the fixture session.
func plan(t *testing.T, sql string) *planner.Plan {
	t.Helper()
	stmt, err := parser.ParseStmt("", sql)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := newFixtureSession(t).run(stmt)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if err := checkPlan(p); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return p
}

func TestPlanWordCount(t *testing.T) {
	p := plan(t, "SELECT word, COUNT(*) AS cnt FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word WITH (parallelism = 3)")
	if _, ok := p.Stmt.(*parser.SelectStmt); !ok {
		t.Errorf("Stmt is %T", p.Stmt)
	}
	if got := p.Schema.String(); got != "[word STRING, cnt BIGINT]" {
		t.Errorf("schema %s", got)
	}
	if diff := cmp.Diff([]types.Type{types.STRING, types.BIGINT}, planner.ResultTypes(p.Schema)); diff != "" {
		t.Errorf("result types (-want +got):\n%s", diff)
	}
	if p.Bounded {
		t.Error("a socket is unbounded")
	}
	if !regexp.MustCompile(`^select_[0-9a-f]{8}$`).MatchString(p.JobName) {
		t.Errorf("job name %q", p.JobName)
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(p.Fingerprint) {
		t.Errorf("fingerprint %q", p.Fingerprint)
	}
	var names []string
	for _, op := range p.Physical.Operators {
		names = append(names, fmt.Sprintf("%d %s p=%d stateful=%v", op.ID, op.Name, op.Parallelism, op.Stateful))
	}
	want := []string{"0 Source: words p=1 stateful=false", "1 Unnest p=1 stateful=false",
		"2 GroupAggregate p=3 stateful=true", "3 Sink: print p=1 stateful=false"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("operators (-want +got):\n%s", diff)
	}
	agg := p.Physical.Operators[2]
	spec := agg.Spec.(*planner.AggregateOp)
	if diff := cmp.Diff([]planner.Input{{From: 1, Partition: planner.Partition{Kind: planner.Hash, Keys: []int{0}}}}, agg.Inputs); diff != "" {
		t.Errorf("aggregate input (-want +got):\n%s", diff)
	}
	if !spec.InputAppendOnly || len(spec.Aggs) != 1 || spec.Aggs[0].Kind != planner.AggCountStar || spec.Aggs[0].Arg != -1 || spec.Aggs[0].Filter != -1 {
		t.Errorf("aggregate spec %+v", spec)
	}
	if unnest := p.Physical.Operators[1].Spec.(*planner.UnnestOp); len(unnest.Keep) != 0 {
		t.Errorf("unnest keeps %v; nothing reads the line after it", unnest.Keep)
	}
	sink := p.Physical.Sink()
	if s := sink.Spec.(*planner.SinkOp); s.Connector != planner.ConnectorPrint || s.Format != "changelog" || sink.AppendOnly {
		t.Errorf("sink %+v", sink)
	}
	if got := sink.Inputs[0].Partition.Kind; got != planner.Gather {
		t.Errorf("sink input %v, want a gather", got)
	}
}

func TestPlanIdentity(t *testing.T) {
	const q = "SELECT word, COUNT(*) AS cnt FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word"
	a := plan(t, q)
	// Options change neither the job name (so a restarted job finds its
	// state) nor the state layout; parallelism is not part of it either,
	// nor mini_batch, which changes what the aggregate emits, not its state.
	b := plan(t, q+" WITH (parallelism = 7, checkpoint_interval = '1s', mini_batch = 'on')")
	// Nor does the way the statement is written.
	c := plan(t, "select word, count(*) as cnt from words cross join unnest(split(line, ' ')) t(word) group by word")
	// EXPLAIN plans the same job.
	d := plan(t, "EXPLAIN "+q)
	for _, p := range []*planner.Plan{b, c, d} {
		if p.JobName != a.JobName || p.Fingerprint != a.Fingerprint {
			t.Errorf("%s: job %s fingerprint %s, want %s %s", parser.Format(p.Stmt), p.JobName, p.Fingerprint, a.JobName, a.Fingerprint)
		}
	}
	if _, ok := d.Stmt.(*parser.SelectStmt); !ok {
		t.Errorf("EXPLAIN's plan has Stmt %T, want the query", d.Stmt)
	}
	// Another aggregate changes both.
	e := plan(t, "SELECT word, COUNT(DISTINCT line) AS cnt FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word")
	if e.JobName == a.JobName || e.Fingerprint == a.Fingerprint {
		t.Errorf("a different aggregate has the same job name or fingerprint")
	}
	// job_name names the job.
	if f := plan(t, q+" WITH (job_name = 'wc')"); f.JobName != "wc" || f.Options.JobName != "wc" {
		t.Errorf("job_name: got %q", f.JobName)
	}
	// INSERT jobs are named after the sink; a file sink keeps state (what it
	// wrote but has not committed), so it changes the fingerprint.
	if g := plan(t, "INSERT INTO out "+q); !strings.HasPrefix(g.JobName, "insert_out_") || g.Fingerprint == a.Fingerprint {
		t.Errorf("INSERT: job %s fingerprint %s", g.JobName, g.Fingerprint)
	}
	// A stateless job has no state to fingerprint beyond the empty layout.
	if h, i := plan(t, "SELECT line FROM words"), plan(t, "SELECT UPPER(line) FROM words WHERE line <> ''"); h.Fingerprint != i.Fingerprint {
		t.Errorf("stateless plans: fingerprints %s and %s", h.Fingerprint, i.Fingerprint)
	}
}

func TestPlanBounded(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1":                             true,
		"SELECT line FROM words":               false,
		"SELECT url FROM clicks":               true,
		"SELECT line FROM lines":               true, // datagen with rows = 100
		"SELECT line FROM GENERATE_LINES()":    false,
		"SELECT line FROM GENERATE_LINES(5)":   true,
		"SELECT line FROM GENERATE_LINES(0)":   false,
		"SELECT * FROM GENERATE_SERIES(1, 3)":  true,
		"SELECT * FROM counts":                 false,
		"SELECT line FROM FILE('x')":           true,
		"SELECT * FROM (VALUES (1)) AS v(a)":   true,
		"SELECT line FROM SOCKET('host:1234')": false,
	} {
		if got := plan(t, q).Bounded; got != want {
			t.Errorf("%s: bounded %v, want %v", q, got, want)
		}
	}
}

func TestPlanPhysicalDetails(t *testing.T) {
	// A projection of no columns is not a pass-through (nil Project).
	p := plan(t, "SELECT COUNT(*) FROM clicks")
	calc := p.Physical.Operators[1].Spec.(*planner.CalcOp)
	if calc.Project == nil || len(calc.Project) != 0 || len(p.Physical.Operators[1].Schema) != 0 {
		t.Errorf("zero-column calc: %+v, schema %s", calc, p.Physical.Operators[1].Schema)
	}
	// A filter alone is a Calc without a projection: the row passes as it is.
	p = plan(t, "SELECT * FROM clicks WHERE ok")
	if calc := p.Physical.Operators[1].Spec.(*planner.CalcOp); calc.Project != nil || calc.Filter == nil {
		t.Errorf("filter-only calc: %+v", calc)
	}
	// DISTINCT over an aggregate reads retractions.
	p = plan(t, "SELECT DISTINCT COUNT(*) AS n FROM clicks GROUP BY url")
	var appendOnly []bool
	for _, op := range p.Physical.Operators {
		if a, ok := op.Spec.(*planner.AggregateOp); ok {
			appendOnly = append(appendOnly, a.InputAppendOnly)
		}
	}
	if diff := cmp.Diff([]bool{true, false}, appendOnly); diff != "" {
		t.Errorf("InputAppendOnly of the aggregates (-want +got):\n%s", diff)
	}
	// A blackhole runs beside its input; other sinks gather.
	p = plan(t, "INSERT INTO typed SELECT word, COUNT(*) FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word WITH (parallelism = 4)")
	if s := p.Physical.Sink(); s.Parallelism != 4 || s.Inputs[0].Partition.Kind != planner.Forward {
		t.Errorf("blackhole sink: %+v", s)
	}
	if got := p.Schema.String(); got != "[word STRING, cnt DOUBLE]" {
		t.Errorf("schema of an INSERT into typed columns: %s", got)
	}
}

func TestPlanOnlyQueries(t *testing.T) {
	for _, sql := range []string{"SET parallelism = 2", "SHOW SOURCES", "CREATE VIEW v AS SELECT 1", "DROP SOURCE words"} {
		stmt, err := parser.ParseStmt("", sql)
		if err != nil {
			t.Fatal(err)
		}
		_, err = planner.New(planner.NewMemCatalog()).Plan(stmt, nil)
		var perr *parser.Error
		if !errors.As(err, &perr) || perr.Msg != "only SELECT and INSERT INTO can be planned" || perr.Pos.Col != 1 {
			t.Errorf("Plan(%s): got %v", sql, err)
		}
	}
}

func TestMemCatalog(t *testing.T) {
	s := newFixtureSession(t)
	cat := s.cat
	for name, want := range map[string]string{"words": "source", "out": "sink", "counts": "view", "nope": ""} {
		if got := cat.Kind(name); got != want {
			t.Errorf("Kind(%q) = %q, want %q", name, got, want)
		}
	}
	var names []string
	for _, d := range cat.Sources() {
		names = append(names, d.Name)
	}
	for _, d := range cat.Sinks() {
		names = append(names, d.Name)
	}
	for _, d := range cat.Views() {
		names = append(names, d.Name)
	}
	if diff := cmp.Diff([]string{"clicks", "lines", "words", "out", "typed", "counts"}, names); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	if got := planner.Describe(cat.View("counts").Columns); got != "word STRING\ncnt BIGINT\n" {
		t.Errorf("Describe: %q", got)
	}
	if got := cat.Source("words").SQL; got != "CREATE SOURCE words (line STRING) WITH (connector = 'socket', address = 'localhost:9100')" {
		t.Errorf("SQL of a source: %q", got)
	}
	if !cat.Drop(parser.ObjectSource, "words") || cat.Drop(parser.ObjectSource, "words") || cat.Source("words") != nil {
		t.Error("Drop of a source")
	}
	if cat.Drop(parser.ObjectSink, "counts") || !cat.Drop(parser.ObjectView, "counts") || !cat.Drop(parser.ObjectSink, "out") {
		t.Error("Drop must drop only the given kind")
	}
	// A view over a dropped source fails where it is used.
	stmt, _ := parser.ParseStmt("", "CREATE VIEW lens AS SELECT LENGTH(line) AS n FROM lines")
	if _, _, err := s.run(stmt); err != nil {
		t.Fatal(err)
	}
	cat.Drop(parser.ObjectSource, "lines")
	stmt, _ = parser.ParseStmt("q.sql", "SELECT n FROM lens")
	_, _, err := s.run(stmt)
	if err == nil || err.Error() != `q.sql:1:15: in view "lens": unknown source or view "lines" (did you mean "lens"?) (at 1:51, in the view's definition)` {
		t.Errorf("view over a dropped source: %v", err)
	}
}

func TestFunctionHelp(t *testing.T) {
	for _, f := range planner.Functions() {
		if f.Syntax == "" || f.Doc == "" || f.Example == "" || !strings.HasPrefix(f.Syntax, f.Name) {
			t.Errorf("function %s lacks help: %+v", f.Name, f)
		}
		if planner.LookupFunction(strings.ToLower(f.Name)) != f {
			t.Errorf("LookupFunction(%s)", f.Name)
		}
	}
	for _, name := range planner.Aggregates() {
		f := planner.LookupFunction(name)
		if !planner.IsAggregate(strings.ToLower(name)) || f == nil || f.Doc == "" || !strings.HasPrefix(f.Syntax, name) {
			t.Errorf("aggregate %s lacks help: %+v", name, f)
		}
	}
	for _, name := range []string{"+", "NEG", "IS NULL", "LIKE", "nope"} {
		if planner.LookupFunction(name) != nil {
			t.Errorf("LookupFunction(%q) finds an operator or nothing", name)
		}
	}
	if planner.IsAggregate("LOWER") {
		t.Error("LOWER is not an aggregate")
	}
}

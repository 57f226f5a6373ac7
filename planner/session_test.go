package planner_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
)

// session runs statements the way the CLI does, as far as the planner
// reaches: CREATE defines catalog objects, DROP removes them, SET and RESET
// change the session settings, and SELECT, INSERT and EXPLAIN are planned.
// The golden, error and fuzz tests all go through it.
type session struct {
	cat      *planner.MemCatalog
	settings map[string]string
}

func newSession() *session {
	return &session{cat: planner.NewMemCatalog(), settings: map[string]string{}}
}

// fixtureSQL is the catalog that errors.sql and the fuzz target start from.
const fixtureSQL = `
CREATE SOURCE words (line STRING) WITH (connector = 'socket', address = 'localhost:9100');
CREATE SOURCE clicks (user_id BIGINT, url STRING, tags ARRAY<STRING>, ts TIMESTAMP, price DOUBLE, ok BOOLEAN)
  WITH (connector = 'file', path = '/data/clicks.json', format = 'json');
CREATE SOURCE lines WITH (connector = 'datagen', rows = 100);
CREATE SINK out WITH (connector = 'file', path = '/tmp/out.csv');
CREATE SINK typed (word STRING, cnt DOUBLE) WITH (connector = 'blackhole');
CREATE VIEW counts AS
  SELECT word, COUNT(*) AS cnt FROM words CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word;
SET parallelism = 2;
`

// newFixtureSession returns a session with the catalog of fixtureSQL.
func newFixtureSession(tb testing.TB) *session {
	tb.Helper()
	s := newSession()
	stmts, err := parser.ParseScript("fixture.sql", fixtureSQL)
	if err != nil {
		tb.Fatal(err)
	}
	for _, st := range stmts {
		if _, _, err := s.run(st.Stmt); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// run executes one statement. For a statement that is planned it returns
// the plan and how EXPLAIN would show it; for DDL and settings, a one-line
// description of the effect.
func (s *session) run(stmt parser.Stmt) (plan *planner.Plan, out string, err error) {
	switch st := stmt.(type) {
	case *parser.CreateSourceStmt:
		def, err := planner.DefineSource(st)
		if err != nil {
			return nil, "", err
		}
		s.cat.AddSource(def)
		return nil, fmt.Sprintf("source %s %s bounded=%v connector=%s %s\n", def.Name, def.Columns, def.Bounded,
			def.Connector, sortedOptions(def.Options)), nil
	case *parser.CreateSinkStmt:
		def, err := planner.DefineSink(st)
		if err != nil {
			return nil, "", err
		}
		s.cat.AddSink(def)
		return nil, fmt.Sprintf("sink %s %s connector=%s %s\n", def.Name, def.Columns, def.Connector, sortedOptions(def.Options)), nil
	case *parser.CreateViewStmt:
		def, err := planner.DefineView(s.cat, st)
		if err != nil {
			return nil, "", err
		}
		s.cat.AddView(def)
		return nil, fmt.Sprintf("view %s %s\n", def.Name, def.Columns), nil
	case *parser.DropStmt:
		s.cat.Drop(st.Kind, st.Name.Name)
		return nil, "", nil
	case *parser.SetStmt:
		opt := &parser.Option{At: st.KeyAt, Key: st.Key, Value: st.Value}
		v, err := planner.OptionValue(opt)
		if err != nil {
			return nil, "", err
		}
		if err := planner.CheckSetting(st.Key, v); err != nil {
			return nil, "", parser.Errorf(st.KeyAt, "%v", err)
		}
		s.settings[st.Key] = v
		return nil, "", nil
	case *parser.ResetStmt:
		if st.Key == "" {
			clear(s.settings)
		}
		delete(s.settings, st.Key)
		return nil, "", nil
	case *parser.SelectStmt, *parser.InsertStmt, *parser.ExplainStmt:
		plan, err := planner.New(s.cat).Plan(stmt, s.settings)
		if err != nil {
			return nil, "", err
		}
		mode := parser.ExplainAll
		if e, ok := stmt.(*parser.ExplainStmt); ok {
			mode = e.Mode
		}
		return plan, plan.Explain(mode), nil
	}
	return nil, "", nil // SHOW, DESCRIBE and job control are not the planner's
}

func sortedOptions(opts map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		parts = append(parts, k+"="+opts[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// queryOptions returns the WITH options of a planned statement.
func queryOptions(stmt parser.Stmt) []*parser.Option {
	switch st := stmt.(type) {
	case *parser.SelectStmt:
		return st.Options
	case *parser.InsertStmt:
		return st.Query.Options
	case *parser.ExplainStmt:
		return queryOptions(st.Stmt)
	}
	return nil
}

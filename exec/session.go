package exec

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/streamsql/streamsql/internal/bytesize"
	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/statestore"
)

// Config configures a Session.
type Config struct {
	// Stdout receives query results printed by print sinks.
	Stdout io.Writer
	// Log receives job and task state changes and warnings.
	Log *slog.Logger
	// Settings are initial session settings (as if SET), e.g. from flags.
	Settings map[string]string
	// Results, when set, receives the changes of SELECT queries instead of
	// a print sink.
	Results func(plan *planner.Plan) Sink
	// Testing turns test knobs for every job of the session.
	Testing Testing
}

// Session runs statements against a catalog and session settings, as a
// script, the REPL or an embedding program does.
type Session struct {
	cfg      Config
	catalog  *planner.MemCatalog
	planner  *planner.Planner
	base     context.Context
	shutdown context.CancelFunc

	mu       sync.Mutex
	settings map[string]string
	jobs     []*Job
	nextID   int
}

// NewSession returns a session with an empty catalog. Invalid initial
// settings are an error.
func NewSession(cfg Config) (*Session, error) {
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Session{cfg: cfg, catalog: planner.NewMemCatalog(), settings: map[string]string{}}
	s.planner = planner.New(s.catalog)
	s.base, s.shutdown = context.WithCancel(context.Background())
	for k, v := range cfg.Settings {
		if err := planner.CheckSetting(k, v); err != nil {
			return nil, err
		}
		s.settings[k] = v
	}
	return s, nil
}

// SetTesting changes the test knobs for the jobs submitted from now on.
func (s *Session) SetTesting(t Testing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Testing = t
}

// Catalog returns the session's catalog.
func (s *Session) Catalog() *planner.MemCatalog { return s.catalog }

// Setting returns a setting's value and whether it is set.
func (s *Session) Setting(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.settings[key]
	return v, ok
}

// Result is what a statement produced besides a job's output.
type Result struct {
	// Message confirms a statement that changes something.
	Message string
	// Columns and Rows are a table (SHOW, DESCRIBE).
	Columns []string
	Rows    [][]string
	// Text is preformatted output (EXPLAIN).
	Text string
	// Job is the job a SELECT or INSERT ran.
	Job *Job
}

// Execute runs one statement. A query runs to its end: until its sources
// are exhausted, or until ctx is cancelled, which cancels the job (its
// results so far are flushed). A job that fails returns its error.
func (s *Session) Execute(ctx context.Context, st parser.Statement) (*Result, error) {
	switch stmt := st.Stmt.(type) {
	case *parser.SelectStmt, *parser.InsertStmt:
		job, err := s.Submit(st)
		if err != nil {
			return nil, err
		}
		select {
		case <-job.Done():
		case <-ctx.Done():
			job.Cancel()
			<-job.Done()
		}
		return &Result{Job: job}, job.Err()
	case *parser.ExplainStmt:
		plan, err := s.Plan(stmt)
		if err != nil {
			return nil, err
		}
		return &Result{Text: plan.Explain(stmt.Mode)}, nil
	case *parser.CreateSourceStmt:
		return s.create(stmt.Name, parser.ObjectSource, stmt.IfNotExists, func() error {
			def, err := planner.DefineSource(stmt)
			if err == nil {
				s.catalog.AddSource(def)
			}
			return err
		})
	case *parser.CreateSinkStmt:
		return s.create(stmt.Name, parser.ObjectSink, stmt.IfNotExists, func() error {
			def, err := planner.DefineSink(stmt)
			if err == nil {
				s.catalog.AddSink(def)
			}
			return err
		})
	case *parser.CreateViewStmt:
		return s.create(stmt.Name, parser.ObjectView, stmt.IfNotExists, func() error {
			def, err := planner.DefineView(s.catalog, stmt)
			if err == nil {
				s.catalog.AddView(def)
			}
			return err
		})
	case *parser.DropStmt:
		kind := strings.ToLower(stmt.Kind.String())
		if stmt.Kind != parser.ObjectSink && s.catalog.Kind(stmt.Name.Name) == kind {
			for _, v := range s.catalog.Views() {
				if v.Name != stmt.Name.Name && planner.Reads(v.Query, stmt.Name.Name) {
					return nil, parser.Errorf(stmt.Name.At, "view %s reads %s %s; drop the view first", v.Name, kind, stmt.Name.Name)
				}
			}
		}
		if !s.catalog.Drop(stmt.Kind, stmt.Name.Name) {
			if stmt.IfExists {
				return &Result{Message: fmt.Sprintf("%s %s does not exist; nothing dropped", kind, stmt.Name.Name)}, nil
			}
			return nil, parser.Errorf(stmt.Name.At, "unknown %s %q", kind, stmt.Name.Name)
		}
		return &Result{Message: fmt.Sprintf("dropped %s %s", kind, stmt.Name.Name)}, nil
	case *parser.SetStmt:
		return s.set(stmt)
	case *parser.ResetStmt:
		// RESET goes back to how the session started: the defaults, with
		// what the configuration (the command line's flags) set.
		s.mu.Lock()
		defer s.mu.Unlock()
		if stmt.Key == "" {
			s.settings = map[string]string{}
			for k, v := range s.cfg.Settings {
				s.settings[k] = v
			}
			return &Result{Message: "reset all settings"}, nil
		}
		if err := planner.CheckSetting(stmt.Key, "x"); err != nil && strings.HasPrefix(err.Error(), "unknown option") {
			return nil, parser.Errorf(stmt.KeyAt, "%v", err)
		}
		if v, ok := s.cfg.Settings[stmt.Key]; ok {
			s.settings[stmt.Key] = v
		} else {
			delete(s.settings, stmt.Key)
		}
		return &Result{Message: "reset " + stmt.Key}, nil
	case *parser.ShowStmt:
		return s.show(stmt)
	case *parser.DescribeStmt:
		return s.describe(stmt)
	case *parser.DescribeJobStmt:
		job, err := s.findJob(stmt.Job, stmt.At)
		if err != nil {
			return nil, err
		}
		return describeJob(job.Info()), nil
	case *parser.CancelJobStmt:
		job, err := s.findJob(stmt.Job, stmt.At)
		if err != nil {
			return nil, err
		}
		job.Cancel()
		<-job.Done()
		return &Result{Message: fmt.Sprintf("job %s (%s) is %s", job.ID, job.Name, job.State())}, nil
	case *parser.StopJobStmt:
		job, err := s.findJob(stmt.Job, stmt.At)
		if err != nil {
			return nil, err
		}
		if stmt.Savepoint {
			m, err := job.StopWithSavepoint()
			if err != nil {
				return nil, parser.Errorf(stmt.At, "%v", err)
			}
			return &Result{Message: fmt.Sprintf("job %s (%s) stopped with savepoint %d; run it again with the same job_name to resume from it",
				job.ID, job.Name, m.ID)}, nil
		}
		job.Cancel()
		<-job.Done()
		return &Result{Message: fmt.Sprintf("job %s (%s) is %s", job.ID, job.Name, job.State())}, nil
	}
	return nil, parser.Errorf(st.Stmt.Pos(), "unsupported statement")
}

// Plan plans a SELECT or INSERT (or the one an EXPLAIN explains) with the
// session's settings, without running it.
func (s *Session) Plan(stmt parser.Stmt) (*planner.Plan, error) {
	return s.planner.Plan(stmt, s.settingsCopy())
}

// Submit plans a SELECT or INSERT and starts its job without waiting.
func (s *Session) Submit(st parser.Statement) (*Job, error) {
	return s.submit(st, false)
}

// SubmitDetached is Submit for a job that runs in the background, apart
// from the statement that started it, as the shell runs an INSERT INTO.
// SHOW JOBS marks it detached; Close cancels it like any other.
func (s *Session) SubmitDetached(st parser.Statement) (*Job, error) {
	return s.submit(st, true)
}

func (s *Session) submit(st parser.Statement, detached bool) (*Job, error) {
	plan, err := s.Plan(st.Stmt)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := strconv.Itoa(s.nextID)
	env := SinkEnv{Stdout: s.cfg.Stdout, Results: s.cfg.Results}
	job := newJob(id, strings.TrimSpace(st.Text), plan, env, s.cfg.Log, s.cfg.Testing)
	job.detached = detached
	s.jobs = append(s.jobs, job)
	job.start(s.base)
	return job, nil
}

// Jobs returns every job the session started, oldest first.
func (s *Session) Jobs() []*Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Job(nil), s.jobs...)
}

// Forget removes an ended job from the session's jobs: the shell forgets a
// query it showed in the foreground once the user has seen it end, so that
// SHOW JOBS lists what runs in the background. A job still running stays.
func (s *Session) Forget(job *Job) {
	if !job.State().Terminal() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, j := range s.jobs {
		if j == job {
			s.jobs = append(s.jobs[:i], s.jobs[i+1:]...)
			return
		}
	}
}

// Close cancels the jobs that are still running and waits for them.
func (s *Session) Close() {
	for _, j := range s.Jobs() {
		j.Cancel()
	}
	for _, j := range s.Jobs() {
		select {
		case <-j.Done():
		case <-time.After(2 * drainTimeout):
		}
	}
	s.shutdown()
}

func (s *Session) settingsCopy() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.settings))
	for k, v := range s.settings {
		out[k] = v
	}
	return out
}

func (s *Session) create(name parser.Ident, kind parser.ObjectKind, ifNotExists bool, define func() error) (*Result, error) {
	word := strings.ToLower(kind.String())
	if existing := s.catalog.Kind(name.Name); existing != "" {
		if ifNotExists && existing == word {
			return &Result{Message: fmt.Sprintf("%s %s already exists", word, name.Name)}, nil
		}
		return nil, parser.Errorf(name.At, "%q already exists as a %s", name.Name, existing)
	}
	if err := define(); err != nil {
		return nil, err
	}
	return &Result{Message: fmt.Sprintf("created %s %s", word, name.Name)}, nil
}

func (s *Session) set(stmt *parser.SetStmt) (*Result, error) {
	value, err := planner.OptionValue(&parser.Option{At: stmt.KeyAt, Key: stmt.Key, Value: stmt.Value})
	if err != nil {
		return nil, err
	}
	if err := planner.CheckSetting(stmt.Key, value); err != nil {
		at := stmt.Value.Pos()
		if strings.HasPrefix(err.Error(), "unknown option") {
			at = stmt.KeyAt
		}
		return nil, parser.Errorf(at, "%v", err)
	}
	s.mu.Lock()
	s.settings[stmt.Key] = value
	s.mu.Unlock()
	return &Result{Message: fmt.Sprintf("set %s = %s", stmt.Key, parser.QuoteString(value))}, nil
}

func (s *Session) show(stmt *parser.ShowStmt) (*Result, error) {
	switch stmt.What {
	case parser.ShowSources:
		r := &Result{Columns: []string{"name", "connector", "columns", "bounded"}}
		for _, d := range s.catalog.Sources() {
			r.Rows = append(r.Rows, []string{d.Name, d.Connector, d.Columns.String(), strconv.FormatBool(d.Bounded)})
		}
		return r, nil
	case parser.ShowSinks:
		r := &Result{Columns: []string{"name", "connector", "columns", "format"}}
		for _, d := range s.catalog.Sinks() {
			cols := "(as the query)"
			if len(d.Columns) > 0 {
				cols = d.Columns.String()
			}
			r.Rows = append(r.Rows, []string{d.Name, d.Connector, cols, d.Options["format"]})
		}
		return r, nil
	case parser.ShowViews:
		r := &Result{Columns: []string{"name", "columns"}}
		for _, d := range s.catalog.Views() {
			r.Rows = append(r.Rows, []string{d.Name, d.Columns.String()})
		}
		return r, nil
	case parser.ShowJobs:
		r := &Result{Columns: []string{"id", "name", "state", "uptime", "records in", "records out", "bad records", "restarts", "last checkpoint"}}
		for _, j := range s.Jobs() {
			i := j.Info()
			last := "-"
			if c := i.LastCheckpoint; c != nil {
				last = fmt.Sprintf("%d at %s", c.ID, c.Taken.Format(time.TimeOnly))
			}
			r.Rows = append(r.Rows, []string{i.ID, i.Name, i.State.String(), i.Uptime.Round(time.Second).String(),
				strconv.FormatInt(i.RecordsIn, 10), strconv.FormatInt(i.RecordsOut, 10), strconv.FormatInt(i.BadRecords, 10),
				strconv.Itoa(i.Restarts), last})
		}
		return r, nil
	case parser.ShowSettings:
		r := &Result{Columns: []string{"name", "value", "default", "meaning"}}
		current := s.settingsCopy()
		for _, set := range planner.Settings() {
			v, ok := current[set.Name]
			if !ok {
				v = "(default)"
			}
			r.Rows = append(r.Rows, []string{set.Name, v, set.Default, set.Doc})
		}
		return r, nil
	case parser.ShowFunctions:
		r := &Result{Columns: []string{"name", "syntax"}}
		for _, f := range planner.Functions() {
			r.Rows = append(r.Rows, []string{f.Name, f.Syntax})
		}
		for _, name := range planner.Aggregates() {
			f := planner.LookupFunction(name)
			r.Rows = append(r.Rows, []string{f.Name, f.Syntax})
		}
		r.Rows = append(r.Rows, []string{"COALESCE", "COALESCE(a, b, ...) -> the first non-NULL argument"})
		sort.Slice(r.Rows, func(i, j int) bool { return r.Rows[i][0] < r.Rows[j][0] })
		return r, nil
	case parser.ShowCheckpoints:
		return s.showCheckpoints(stmt)
	}
	return nil, parser.Errorf(stmt.At, "unsupported SHOW")
}

// showCheckpoints lists the completed checkpoints of the session's jobs,
// or of the job named in FOR, whose retained state it reads if the job is
// not running here.
func (s *Session) showCheckpoints(stmt *parser.ShowStmt) (*Result, error) {
	r := &Result{Columns: []string{"job", "id", "taken", "size", "entries", "duration", "kind"}}
	add := func(job string, cps []statestore.Meta) {
		for _, c := range cps {
			kind := "checkpoint"
			if c.Savepoint {
				kind = "savepoint"
			}
			r.Rows = append(r.Rows, []string{job, strconv.FormatInt(c.ID, 10), c.Taken.Format(time.DateTime),
				bytesize.Format(c.Bytes), strconv.FormatInt(c.Entries, 10), c.Duration.Round(time.Millisecond).String(), kind})
		}
	}
	seen := map[string]bool{}
	for _, j := range s.Jobs() {
		if (stmt.Job == "" || j.Name == stmt.Job || j.ID == stmt.Job) && !seen[j.Name] && !j.State().Terminal() {
			seen[j.Name] = true
			add(j.Name, j.Checkpoints())
		}
	}
	if stmt.Job != "" && !seen[stmt.Job] {
		dir := filepath.Join(s.stateDir(), stmt.Job)
		if _, err := os.Stat(filepath.Join(dir, "db")); err != nil {
			return nil, parser.Errorf(stmt.At, "job %s has no checkpoints in %s", parser.QuoteString(stmt.Job), s.stateDir())
		}
		store, err := statestore.Open(dir)
		if err != nil {
			return nil, parser.Errorf(stmt.At, "%v", err)
		}
		defer store.Close()
		add(stmt.Job, store.Checkpoints())
	}
	return r, nil
}

// stateDir is the session's state_dir setting.
func (s *Session) stateDir() string {
	if v, ok := s.Setting("state_dir"); ok {
		return v
	}
	return planner.DefaultOptions().StateDir
}

func (s *Session) describe(stmt *parser.DescribeStmt) (*Result, error) {
	name := stmt.Name.Name
	var cols planner.Schema
	var sql string
	switch {
	case s.catalog.Source(name) != nil:
		d := s.catalog.Source(name)
		cols, sql = d.Columns, d.SQL
	case s.catalog.Sink(name) != nil:
		d := s.catalog.Sink(name)
		cols, sql = d.Columns, d.SQL
	case s.catalog.View(name) != nil:
		d := s.catalog.View(name)
		cols, sql = d.Columns, d.SQL
	default:
		return nil, parser.Errorf(stmt.Name.At, "unknown source, sink or view %q", name)
	}
	r := &Result{Columns: []string{"column", "type"}, Text: sql + "\n"}
	for _, c := range cols {
		r.Rows = append(r.Rows, []string{c.Name, c.Type.String()})
	}
	return r, nil
}

func (s *Session) findJob(id string, at parser.Pos) (*Job, error) {
	jobs := s.Jobs()
	for i := len(jobs) - 1; i >= 0; i-- {
		if jobs[i].ID == id || jobs[i].Name == id {
			return jobs[i], nil
		}
	}
	return nil, parser.Errorf(at, "unknown job %s (SHOW JOBS lists them)", parser.QuoteString(id))
}

func describeJob(i JobInfo) *Result {
	r := &Result{Columns: []string{"property", "value"}}
	add := func(k, v string) { r.Rows = append(r.Rows, []string{k, v}) }
	add("id", i.ID)
	add("name", i.Name)
	add("state", i.State.String())
	add("started", i.Started.Format(time.DateTime))
	add("uptime", i.Uptime.Round(time.Millisecond).String())
	add("records in", strconv.FormatInt(i.RecordsIn, 10))
	add("records out", strconv.FormatInt(i.RecordsOut, 10))
	add("bad records", strconv.FormatInt(i.BadRecords, 10))
	add("restarts", strconv.Itoa(i.Restarts))
	if c := i.LastCheckpoint; c != nil {
		add("last checkpoint", fmt.Sprintf("%d, taken %s, %s in %s", c.ID, c.Taken.Format(time.DateTime), bytesize.Format(c.Bytes), c.Duration.Round(time.Millisecond)))
	}
	if i.Err != nil {
		add("error", i.Err.Error())
	}
	add("statement", i.SQL)
	return r
}

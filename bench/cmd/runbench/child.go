package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/streamsql/streamsql/bench/baseline"
	"github.com/streamsql/streamsql/bench/internal/corpus"
	"github.com/streamsql/streamsql/bench/internal/lineserver"
	"github.com/streamsql/streamsql/exec"
	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
	"github.com/streamsql/streamsql/planner/types"
	"github.com/streamsql/streamsql/statestore"
)

// Every measurement runs in a child process of its own, so that each
// starts with a fresh heap and none is helped or hindered by what another
// left behind (or by the parent's copy of the input, which would raise
// the collector's heap target).

// childArgs is what a child is asked to do.
type childArgs struct {
	Case        string        `json:"case"` // baseline, streamsql, latency, mapstate, sqlstate
	Addr        string        `json:"addr,omitempty"`
	Lines       int64         `json:"lines,omitempty"`
	Parallelism int           `json:"parallelism,omitempty"`
	Checkpoint  string        `json:"checkpoint,omitempty"` // a checkpoint_interval, or ""
	MiniBatch   bool          `json:"mini_batch,omitempty"` // mini_batch = 'on'
	Keys        int           `json:"keys,omitempty"`
	Duration    time.Duration `json:"duration,omitempty"`
	Rate        float64       `json:"rate,omitempty"` // words per second
}

// childResult is what a child measured.
type childResult struct {
	Words   int64   `json:"words,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
	// Checkpoints are those a job took while it ran.
	Checkpoints []checkpointFigures `json:"checkpoints,omitempty"`

	// latency, milliseconds
	Probes int     `json:"probes,omitempty"`
	P50    float64 `json:"p50,omitempty"`
	P99    float64 `json:"p99,omitempty"`
	Max    float64 `json:"max,omitempty"`

	// state scale
	BytesPerKey    float64           `json:"bytes_per_key,omitempty"`
	PlainMapBytes  float64           `json:"plain_map_bytes,omitempty"` // map[string]int
	Full           checkpointFigures `json:"full"`
	Incremental    checkpointFigures `json:"incremental"`
	RestoreSeconds float64           `json:"restore_seconds,omitempty"`
}

type checkpointFigures struct {
	Seconds float64 `json:"seconds"`
	Bytes   int64   `json:"bytes"`
	Entries int64   `json:"entries"`
}

func figures(m statestore.Meta) checkpointFigures {
	return checkpointFigures{Seconds: m.Duration.Seconds(), Bytes: m.Bytes, Entries: m.Entries}
}

// runChild is the child's main: it reads its task from the command line
// and writes its result as JSON to stdout.
func runChild(spec string) error {
	var a childArgs
	if err := json.Unmarshal([]byte(spec), &a); err != nil {
		return err
	}
	var r childResult
	var err error
	switch a.Case {
	case "baseline":
		r, err = childBaseline(a)
	case "streamsql":
		r, err = childStreamSQL(a)
	case "latency":
		r, err = childLatency(a)
	case "mapstate":
		r, err = childMapState(a)
	case "sqlstate":
		r, err = childSQLState(a)
	default:
		err = fmt.Errorf("unknown case %q", a.Case)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}

func childBaseline(a childArgs) (childResult, error) {
	start := time.Now()
	conn, err := net.Dial("tcp", a.Addr)
	if err != nil {
		return childResult{}, err
	}
	defer conn.Close()
	counts, words, err := baseline.WordCount(conn)
	elapsed := time.Since(start)
	runtime.KeepAlive(counts)
	return childResult{Words: words, Seconds: elapsed.Seconds()}, err
}

// wordCount is the model case's query, SPEC §1 without its error trap.
func wordCount(addr string) string {
	return fmt.Sprintf("SELECT word, COUNT(*) AS cnt FROM SOCKET('%s') CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word", addr)
}

// blackholeSession opens a session (newSession) with a blackhole sink
// named out, and returns what closes it and removes its state.
func blackholeSession() (*exec.Session, func(), error) {
	s, dir, err := newSession(nil)
	if err != nil {
		return nil, nil, err
	}
	closeSession := func() {
		s.Close()
		os.RemoveAll(dir)
	}
	if err := execute(s, "CREATE SINK out WITH (connector = 'blackhole')"); err != nil {
		closeSession()
		return nil, nil, err
	}
	return s, closeSession, nil
}

// newSession opens a session whose state lives in a fresh temporary
// directory, returned for the caller to remove.
func newSession(results func(*planner.Plan) exec.Sink) (*exec.Session, string, error) {
	dir, err := os.MkdirTemp("", "runbench-state-")
	if err != nil {
		return nil, "", err
	}
	s, err := exec.NewSession(exec.Config{
		Settings: map[string]string{"state_dir": dir},
		Log:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Results:  results,
	})
	return s, dir, err
}

func execute(s *exec.Session, sql string) error {
	stmts, err := parser.ParseScript("", sql)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if _, err := s.Execute(context.Background(), st); err != nil {
			return err
		}
	}
	return nil
}

func submit(s *exec.Session, sql string) (*exec.Job, error) {
	st, err := parser.ParseStmt("", sql)
	if err != nil {
		return nil, err
	}
	return s.Submit(parser.Statement{Stmt: st, Text: sql})
}

// waitFor polls cond every millisecond until it holds or the job ends.
func waitFor(job *exec.Job, cond func(exec.JobInfo) bool) error {
	for {
		info := job.Info()
		if cond(info) {
			return nil
		}
		if info.State.Terminal() {
			return fmt.Errorf("job ended %s before the benchmark did: %v", info.State, info.Err)
		}
		time.Sleep(time.Millisecond)
	}
}

// childStreamSQL runs the word count into a blackhole sink until the
// source has read every line, then stops the job, which drains what is in
// flight: the time is from the start of the job to its end.
func childStreamSQL(a childArgs) (childResult, error) {
	s, closeSession, err := blackholeSession()
	if err != nil {
		return childResult{}, err
	}
	defer closeSession()
	opts := fmt.Sprintf("parallelism = %d", a.Parallelism)
	if a.Checkpoint != "" {
		opts += fmt.Sprintf(", checkpoint_interval = '%s'", a.Checkpoint)
	}
	if a.MiniBatch {
		opts += ", mini_batch = 'on'"
	}
	start := time.Now()
	job, err := submit(s, fmt.Sprintf("INSERT INTO out %s WITH (%s)", wordCount(a.Addr), opts))
	if err != nil {
		return childResult{}, err
	}
	if err := waitFor(job, func(i exec.JobInfo) bool { return i.RecordsIn >= a.Lines }); err != nil {
		return childResult{}, err
	}
	cps := job.Checkpoints()
	job.Cancel()
	if err := job.Wait(); err != nil {
		return childResult{}, err
	}
	r := childResult{Seconds: time.Since(start).Seconds()}
	for _, m := range cps {
		r.Checkpoints = append(r.Checkpoints, figures(m))
	}
	return r, nil
}

// probeSink receives the query's changes and times the probe words, which
// carry the time they were written to the socket.
type probeSink struct {
	mu     sync.Mutex
	after  int64 // probes written before this are warm-up
	millis []float64
}

func (p *probeSink) Write(b *exec.Batch) error {
	now := time.Now().UnixNano()
	for i, row := range b.Rows {
		if b.Kinds[i] != types.Insert {
			continue
		}
		if sent, ok := corpus.ParseProbe(row[0].AsString()); ok && sent >= p.after {
			p.mu.Lock()
			p.millis = append(p.millis, float64(now-sent)/1e6)
			p.mu.Unlock()
		}
	}
	return nil
}
func (p *probeSink) Finish() error { return nil }

// ReleasesBatches implements exec.BatchReleaser: the sink keeps nothing of
// a batch, as the blackhole of the throughput runs does not.
func (p *probeSink) ReleasesBatches() bool { return true }
func (p *probeSink) Close() error          { return nil }

// childLatency runs the word count while the parent writes lines at a set
// rate with a probe line among them every few milliseconds; the latency of
// a probe is from its write to its count leaving the aggregate (the sink is
// chained to the aggregate, so it sees the change as the aggregate emits
// it).
func childLatency(a childArgs) (childResult, error) {
	probes := &probeSink{after: time.Now().Add(time.Second).UnixNano()} // the first second warms up
	s, dir, err := newSession(func(*planner.Plan) exec.Sink { return probes })
	if err != nil {
		return childResult{}, err
	}
	defer os.RemoveAll(dir)
	defer s.Close()
	job, err := submit(s, fmt.Sprintf("%s WITH (parallelism = %d)", wordCount(a.Addr), a.Parallelism))
	if err != nil {
		return childResult{}, err
	}
	time.Sleep(a.Duration + 500*time.Millisecond)
	info := job.Info()
	job.Cancel()
	if err := job.Wait(); err != nil {
		return childResult{}, err
	}
	probes.mu.Lock()
	defer probes.mu.Unlock()
	ms := probes.millis
	if len(ms) == 0 {
		return childResult{}, fmt.Errorf("no probe came through (%d lines read)", info.RecordsIn)
	}
	sort.Float64s(ms)
	q := func(f float64) float64 { return ms[min(len(ms)-1, int(f*float64(len(ms))))] }
	return childResult{Probes: len(ms), P50: q(0.50), P99: q(0.99), Max: ms[len(ms)-1], Words: info.RecordsIn}, nil
}

// heap returns the bytes of live heap objects, after collecting twice (the
// second collection frees what finalizers of the first released).
func heap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// childMapState measures the hand-written map at a.Keys distinct words:
// how fast it takes them in from a socket, and its bytes per key (the map
// baseline.WordCount builds, and a plain map[string]int of the same words).
func childMapState(a childArgs) (childResult, error) {
	text := corpus.Distinct(a.Keys, 8, 1)
	srv, err := lineserver.Listen()
	if err != nil {
		return childResult{}, err
	}
	defer srv.Close()
	before := heap()
	srv.Queue(lineserver.Bytes(text))
	start := time.Now()
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		return childResult{}, err
	}
	counts, words, err := baseline.WordCount(conn)
	elapsed := time.Since(start)
	conn.Close()
	if err != nil {
		return childResult{}, err
	}
	if len(counts) != a.Keys {
		return childResult{}, fmt.Errorf("the map holds %d keys, want %d", len(counts), a.Keys)
	}
	r := childResult{Words: words, Seconds: elapsed.Seconds()}
	withCounts := heap()
	r.BytesPerKey = float64(withCounts-before) / float64(a.Keys)
	plain := map[string]int{}
	for _, line := range strings.Split(string(text), "\n") {
		for _, w := range strings.Split(line, " ") {
			if w != "" {
				plain[strings.Clone(w)]++
			}
		}
	}
	r.PlainMapBytes = float64(heap()-withCounts) / float64(a.Keys)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(plain)
	runtime.KeepAlive(text)
	return r, nil
}

// childSQLState measures streamsql's state at a.Keys distinct words: the
// word count takes them in (throughput), a checkpoint saves them all
// (full), then 1% of the keys are counted again and a second checkpoint
// saves those (incremental); memory is the heap the state adds, measured
// before the first checkpoint — with every key still marked as changed,
// and before Badger's tables fill (they are as large for ten keys as for
// ten million, and they are the store's, not the state's). Last, the job is stopped and started again from its
// checkpoint: the restore time is from the start to RUNNING, which comes
// after every key has been loaded.
func childSQLState(a childArgs) (childResult, error) {
	s, closeSession, err := blackholeSession()
	if err != nil {
		return childResult{}, err
	}
	defer closeSession()
	all := corpus.Distinct(a.Keys, 8, 1)
	some := corpus.Distinct(a.Keys, 8, 100)
	updated := int64(a.Keys+99) / 100
	srv, err := lineserver.Listen()
	if err != nil {
		return childResult{}, err
	}
	defer srv.Close()
	sql := fmt.Sprintf("INSERT INTO out %s WITH (parallelism = 1, checkpoint_interval = '1h', "+
		"checkpoint_retention = 'retain_on_cancellation', job_name = 'scale')", wordCount(srv.Addr()))

	// The job runs, connected, before the keys arrive, so that what it
	// holds without state (the store's tables, buffers) is not counted as
	// state, nor its start as time taken.
	gate, gate2 := make(chan struct{}), make(chan struct{})
	srv.Queue(lineserver.Gated(gate, lineserver.Bytes(all)), lineserver.Gated(gate2, lineserver.Bytes(some)))
	job, err := submit(s, sql)
	if err != nil {
		return childResult{}, err
	}
	if err := waitFor(job, func(i exec.JobInfo) bool { return i.State == exec.JobRunning }); err != nil {
		return childResult{}, err
	}
	time.Sleep(200 * time.Millisecond) // connected, idle
	before := heap()
	start := time.Now()
	close(gate)
	if err := waitFor(job, func(i exec.JobInfo) bool { return i.RecordsOut >= int64(a.Keys) }); err != nil {
		return childResult{}, err
	}
	r := childResult{Words: int64(a.Keys), Seconds: time.Since(start).Seconds()}
	r.BytesPerKey = float64(heap()-before) / float64(a.Keys)
	ctx := context.Background()
	full, err := job.Checkpoint(ctx)
	if err != nil {
		return r, err
	}
	r.Full = figures(full)

	close(gate2) // the source reconnected after the keys and waits: hand it the update
	if err := waitFor(job, func(i exec.JobInfo) bool { return i.RecordsOut >= int64(a.Keys)+2*updated }); err != nil {
		return r, err
	}
	incr, err := job.Checkpoint(ctx)
	if err != nil {
		return r, err
	}
	r.Incremental = figures(incr)
	if incr.Entries != updated {
		return r, fmt.Errorf("the incremental checkpoint wrote %d entries, want %d", incr.Entries, updated)
	}
	job.Cancel()
	if err := job.Wait(); err != nil {
		return r, err
	}

	start = time.Now()
	job, err = submit(s, sql)
	if err != nil {
		return r, err
	}
	if err := waitFor(job, func(i exec.JobInfo) bool { return i.State == exec.JobRunning }); err != nil {
		return r, err
	}
	r.RestoreSeconds = time.Since(start).Seconds()
	if info := job.Info(); info.Restores != 1 {
		return r, fmt.Errorf("the second run restored %d times, want 1", info.Restores)
	}
	job.Cancel()
	return r, job.Wait()
}

// Command runbench is streamsql's benchmark suite (make bench): the model
// word count over loopback TCP against a hand-written Go program, state at
// scale, and latency under load, all in one run; it writes
// docs/benchmarks.md and docs/benchmarks.svg and prints a line per figure.
//
// The parent process generates the input and serves it on 127.0.0.1; each
// measurement runs in a child process (the same binary, with -child), so
// that every case starts from a fresh heap.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/streamsql/streamsql/bench/internal/corpus"
	"github.com/streamsql/streamsql/bench/internal/lineserver"
	"github.com/streamsql/streamsql/internal/bytesize"
)

// config is the size of a run.
type config struct {
	Lines     int
	Reps      int
	StateKeys []int
	Latency   time.Duration
	// Only and KeepProfile are for working on speed: see the flags.
	Only, KeepProfile string
}

var (
	full  = config{Lines: 2_000_000, Reps: 3, StateKeys: []int{10_000, 1_000_000, 10_000_000}, Latency: 10 * time.Second}
	quick = config{Lines: 200_000, Reps: 1, StateKeys: []int{10_000, 100_000}, Latency: 3 * time.Second}
)

func main() {
	child := flag.String("child", "", "run one measurement (internal: the parent passes it as JSON)")
	quickRun := flag.Bool("quick", false, "a small run, to try the suite out")
	out := flag.String("out", "docs/benchmarks.md", "write the report to `file` (and the chart beside it, .svg)")
	goBench := flag.Bool("gobench", true, "run the exec package's Go benchmarks too")
	profile := flag.String("cpuprofile", "", "(child) write a CPU profile to `file`")
	keepProfile := flag.String("keep-profile", "", "keep the profile of (b) at parallelism 1 in `file`")
	only := flag.String("only", "", "run only the word count (wordcount) or only it and the profile (profile): for working on speed")
	flag.Parse()
	if *child != "" {
		if *profile != "" {
			stop, err := startProfile(*profile)
			if err != nil {
				fail(err)
			}
			defer stop()
		}
		if err := runChild(*child); err != nil {
			fail(err)
		}
		return
	}
	cfg := full
	if *quickRun {
		cfg = quick
	}
	cfg.Only, cfg.KeepProfile = *only, *keepProfile
	if err := run(cfg, *out, *goBench); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "runbench: %v\n", err)
	os.Exit(1)
}

// parent runs the children and serves them their input.
type parent struct {
	self string
	srv  *lineserver.Server
}

// childRun is one child's result and what it cost.
type childRun struct {
	childResult
	CPU time.Duration // user and system time of the child process
}

func (p *parent) child(a childArgs, extra ...string) (childRun, error) {
	spec, err := json.Marshal(a)
	if err != nil {
		return childRun{}, err
	}
	cmd := osexec.Command(p.self, append(extra, "-child", string(spec))...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err != nil {
		return childRun{}, fmt.Errorf("%s: %v\n%s", a.Case, err, stderr.Bytes())
	}
	var r childRun
	if err := json.Unmarshal(stdout.Bytes(), &r.childResult); err != nil {
		return childRun{}, fmt.Errorf("%s: reading its result: %v\n%s", a.Case, err, stdout.Bytes())
	}
	r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return r, nil
}

func run(cfg config, out string, goBench bool) error {
	began := time.Now()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	srv, err := lineserver.Listen()
	if err != nil {
		return err
	}
	defer srv.Close()
	p := &parent{self: self, srv: srv}
	rep := &report{Config: cfg, Machine: describeMachine(), Started: began}

	spec := corpus.Spec{Lines: cfg.Lines, WordsPerLine: 8, Vocabulary: 10_000, ZipfS: 1.1, Seed: 42}
	text := corpus.Zipf(spec)
	rep.Corpus, rep.Words, rep.CorpusBytes = spec, corpus.CountWords(text), len(text)
	fmt.Printf("input: %d lines × %d words, Zipf(%.1f) over %d words, %s\n", spec.Lines, spec.WordsPerLine, spec.ZipfS,
		spec.Vocabulary, bytesize.Format(int64(len(text))))

	if err := p.throughput(cfg, text, rep); err != nil {
		return err
	}
	if cfg.Only == "wordcount" {
		return nil
	}
	if err := p.profile(cfg, text, rep); err != nil {
		return err
	}
	if cfg.Only != "" {
		return nil
	}
	if err := p.latency(cfg, text, rep); err != nil {
		return err
	}
	if err := p.stateScale(cfg, rep); err != nil {
		return err
	}
	if goBench {
		if rep.GoBench, err = runGoBenchmarks(); err != nil {
			return err
		}
		for _, b := range rep.GoBench {
			printf("go bench %-38s %s", b.Name, b.summary())
		}
	}
	rep.Took = time.Since(began)
	chart := filepath.Join(filepath.Dir(out), "benchmarks.svg")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	rep.Chart = filepath.Base(chart)
	if err := os.WriteFile(chart, rep.svg(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(out, rep.markdown(), 0o644); err != nil {
		return err
	}
	for _, t := range rep.targets() {
		printf("target %-44s %-26s %s", t.Name, t.Measured, t.verdict())
	}
	printf("wrote %s and %s in %s", out, chart, rep.Took.Round(time.Second))
	return nil
}

func printf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// throughput runs every word count case cfg.Reps times, interleaved, so
// that a slow spell of the machine touches all of them alike.
func (p *parent) throughput(cfg config, text []byte, rep *report) error {
	cases := []struct {
		name string
		args childArgs
	}{
		{"(a) hand-written Go", childArgs{Case: "baseline"}},
		{"(b) streamsql, parallelism 1", childArgs{Case: "streamsql", Parallelism: 1}},
		{"(b) streamsql, parallelism 2", childArgs{Case: "streamsql", Parallelism: 2}},
		{"(c) streamsql, p1, checkpoints every 1s", childArgs{Case: "streamsql", Parallelism: 1, Checkpoint: "1s"}},
		{"(c) streamsql, p2, checkpoints every 1s", childArgs{Case: "streamsql", Parallelism: 2, Checkpoint: "1s"}},
		// The same as (b) and (c) with the mini_batch option, which the
		// SPEC §1 query does not set: beside the targets, not in them.
		{"(b) streamsql, p1, mini_batch", childArgs{Case: "streamsql", Parallelism: 1, MiniBatch: true}},
		{"(b) streamsql, p2, mini_batch", childArgs{Case: "streamsql", Parallelism: 2, MiniBatch: true}},
		{"(c) streamsql, p1, mini_batch, checkpoints every 1s", childArgs{Case: "streamsql", Parallelism: 1, MiniBatch: true, Checkpoint: "1s"}},
	}
	runs := make([][]childRun, len(cases))
	for r := 0; r < cfg.Reps; r++ {
		for i, c := range cases {
			a := c.args
			a.Addr, a.Lines = p.srv.Addr(), int64(cfg.Lines)
			p.srv.Reset()
			p.srv.Queue(lineserver.Bytes(text))
			res, err := p.child(a)
			if err != nil {
				return err
			}
			if a.Case == "baseline" && res.Words != rep.Words {
				return fmt.Errorf("the baseline read %d words, want %d", res.Words, rep.Words)
			}
			runs[i] = append(runs[i], res)
		}
	}
	for i, c := range cases {
		rows := runs[i]
		sort.Slice(rows, func(a, b int) bool { return rows[a].Seconds < rows[b].Seconds })
		med := rows[len(rows)/2]
		row := throughputRow{Name: c.name, Seconds: med.Seconds, WordsPerSec: float64(rep.Words) / med.Seconds,
			CPUSeconds: med.CPU.Seconds(), Parallelism: c.args.Parallelism, Checkpoints: c.args.Checkpoint != ""}
		for _, r := range rows {
			row.All = append(row.All, float64(rep.Words)/r.Seconds)
		}
		for _, cp := range med.Checkpoints {
			row.CheckpointCount++
			row.CheckpointSeconds += cp.Seconds
			row.CheckpointMax = max(row.CheckpointMax, cp.Seconds)
		}
		rep.Throughput = append(rep.Throughput, row)
	}
	base := rep.Throughput[0].WordsPerSec
	for i := range rep.Throughput {
		t := &rep.Throughput[i]
		t.Ratio = t.WordsPerSec / base
		printf("wordcount %-40s %8s words/s  %5.2f × (a)  %5.1f s  cpu %5.1f s", t.Name, millions(t.WordsPerSec), t.Ratio,
			t.Seconds, t.CPUSeconds)
	}
	return nil
}

// profile runs the parallelism 1 case once more with a CPU profile, not
// timed, for the report's account of where the time goes.
func (p *parent) profile(cfg config, text []byte, rep *report) error {
	dir, err := os.MkdirTemp("", "runbench-profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	prof := filepath.Join(dir, "cpu.pprof")
	p.srv.Reset()
	p.srv.Queue(lineserver.Bytes(text))
	a := childArgs{Case: "streamsql", Parallelism: 1, Addr: p.srv.Addr(), Lines: int64(cfg.Lines)}
	if _, err := p.child(a, "-cpuprofile", prof); err != nil {
		return err
	}
	rep.Profile, err = topOfProfile(p.self, prof)
	if cfg.KeepProfile != "" {
		data, rerr := os.ReadFile(prof)
		if rerr != nil {
			return rerr
		}
		return os.WriteFile(cfg.KeepProfile, data, 0o644)
	}
	return err
}

// latency writes lines at half the throughput parallelism 1 reached, with
// a probe line every 5 ms.
func (p *parent) latency(cfg config, text []byte, rep *report) error {
	rate := rep.Throughput[1].WordsPerSec / 2
	p.srv.Reset()
	p.srv.Queue(lineserver.Paced(text, 8, rate, 5*time.Millisecond, cfg.Latency))
	r, err := p.child(childArgs{Case: "latency", Addr: p.srv.Addr(), Parallelism: 1, Duration: cfg.Latency})
	if err != nil {
		return err
	}
	rep.Latency = latencyRow{Rate: rate, Probes: r.Probes, P50: r.P50, P99: r.P99, Max: r.Max, Seconds: cfg.Latency.Seconds()}
	printf("latency at %s words/s (50%% of p1)   p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d probes)", millions(rate),
		r.P50, r.P99, r.Max, r.Probes)
	return nil
}

func (p *parent) stateScale(cfg config, rep *report) error {
	for _, keys := range cfg.StateKeys {
		m, err := p.child(childArgs{Case: "mapstate", Keys: keys})
		if err != nil {
			return err
		}
		s, err := p.child(childArgs{Case: "sqlstate", Keys: keys})
		if err != nil {
			return err
		}
		row := stateRow{Keys: keys, MapWordsPerSec: float64(keys) / m.Seconds, MapBytesPerKey: m.BytesPerKey,
			PlainMapBytesPerKey: m.PlainMapBytes, WordsPerSec: float64(keys) / s.Seconds, BytesPerKey: s.BytesPerKey,
			Full: s.Full, Incremental: s.Incremental, RestoreSeconds: s.RestoreSeconds}
		rep.State = append(rep.State, row)
		printf("state %-9s insert %8s keys/s (map %s)  %5.0f B/key (map[string]int %.0f, *int %.0f)  checkpoint full %s %s, 1%% %s %s  restore %s",
			count(keys), millions(row.WordsPerSec), millions(row.MapWordsPerSec), row.BytesPerKey, row.PlainMapBytesPerKey,
			row.MapBytesPerKey, ms(row.Full.Seconds), bytesize.Format(row.Full.Bytes), ms(row.Incremental.Seconds), bytesize.Format(row.Incremental.Bytes),
			ms(row.RestoreSeconds))
	}
	return nil
}

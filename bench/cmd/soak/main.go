// Command soak is streamsql's soak test (make soak; not run in CI). It runs
// SPEC §1's word count in the real streamsql binary for a long time — 30
// minutes by default — over a SOCKET fed by a line server on 127.0.0.1,
// with a checkpoint every second, source_log = 'on' so that no line is
// lost in a failure, and a poison line (ERROR, which the query turns into
// RAISE_ERROR) every 30 seconds, so that the job fails and restarts from
// its latest checkpoint some 60 times.
//
// It first measures the most words a second the job counts (feeding a
// batch of lines at once and timing until the changelog shows every count
// reached), then feeds lines of Zipf-distributed words at half that rate.
// Every 10 seconds it samples the process's resident memory, the size of
// the job's state directory, and the bytes of the latest checkpoint. At
// the end it stops feeding, sends every word of the vocabulary once more
// (see input), waits until the job's changelog shows every count reached
// and two checkpoints in a row have had nothing to write, stops the job
// with SIGTERM and compares each word's latest count with the count of
// what it sent. Each poison line is quarantined to the job's dead-letter
// file when its failure is handled, and skipped by every replay, so it is
// never counted (docs/fault-tolerance.md, "Poison records").
//
// It prints a report and exits 1 if a count differs, if memory, the state
// directory or the checkpoints grow (see growthBound), or if the failures,
// restarts and quarantined lines do not match the poison lines sent.
//
// Usage:
//
//	go run ./bench/cmd/soak [-duration 30m] [-rate words/s] [-fail-every 30s]
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/streamsql/streamsql/bench/internal/corpus"
	"github.com/streamsql/streamsql/bench/internal/lineserver"
)

// config is what a run is asked to do.
type config struct {
	Duration    time.Duration
	Rate        float64 // words a second; 0: half the measured maximum
	FailEvery   time.Duration
	SampleEvery time.Duration
	Measure     time.Duration
	Drain       time.Duration
	Parallelism int
	Bin         string
	Keep        bool
}

// The input: the benchmark's corpus (bench/cmd/runbench), cycled.
var spec = corpus.Spec{Lines: 100_000, WordsPerLine: 8, Vocabulary: 10_000, ZipfS: 1.1, Seed: 42}

// Slack of the flatness criterion, per series (see growthBound).
const (
	rssSlack  = 16 << 20
	diskSlack = 16 << 20
	cpSlack   = 256 << 10
)

func main() {
	var c config
	flag.DurationVar(&c.Duration, "duration", 30*time.Minute, "feed the job for `d`")
	flag.Float64Var(&c.Rate, "rate", 0, "feed `words` a second (0: measure the maximum first and feed at half of it)")
	flag.DurationVar(&c.FailEvery, "fail-every", 30*time.Second, "send a poison line, which fails the job, every `d` (0: never)")
	flag.DurationVar(&c.SampleEvery, "sample-every", 10*time.Second, "sample memory and state every `d`")
	flag.DurationVar(&c.Measure, "measure", 20*time.Second, "aim the measurement of the maximum rate at about `d`")
	flag.DurationVar(&c.Drain, "drain-timeout", 5*time.Minute, "wait at most `d` after the feed stops for the job to count everything")
	flag.IntVar(&c.Parallelism, "parallelism", 0, "the job's parallelism (0: the engine's default, the number of CPUs)")
	flag.StringVar(&c.Bin, "bin", "", "run this streamsql `binary` instead of building one")
	flag.BoolVar(&c.Keep, "keep", false, "keep the work directory (state, logs) after a run that passes")
	flag.Parse()
	ok, err := run(c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "soak: %v\n", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func printf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// run does the soak and prints its report; it returns whether it passed.
func run(c config) (bool, error) {
	work, err := os.MkdirTemp("", "streamsql-soak-")
	if err != nil {
		return false, err
	}
	passed := false
	defer func() {
		if passed && !c.Keep {
			os.RemoveAll(work)
		} else {
			printf("the state and logs are in %s", work)
		}
	}()
	bin := c.Bin
	if bin == "" {
		if bin, err = build(work); err != nil {
			return false, err
		}
	}
	in := newInput(spec)
	srv, err := lineserver.Listen()
	if err != nil {
		return false, err
	}
	defer srv.Close()

	began := time.Now()
	printf("soak: SPEC §1 word count over SOCKET('%s'), source_log on, a checkpoint every 1s, a poison line every %s",
		srv.Addr(), c.FailEvery)
	printf("machine: %s", machine())
	printf("input: lines of %d words, Zipf(%.1f) over %d words, cycling through %d lines",
		spec.WordsPerLine, spec.ZipfS, spec.Vocabulary, spec.Lines)
	s := &soak{c: c, bin: bin, work: work, srv: srv, in: in}
	if c.Rate == 0 {
		most, err := s.measure()
		if err != nil {
			return false, fmt.Errorf("measuring the maximum rate: %w", err)
		}
		c.Rate = most / 2
		s.c.Rate = c.Rate
		printf("feeding at half of it: %s words/s", rate(c.Rate))
	} else {
		printf("feeding at %s words/s (given)", rate(c.Rate))
	}
	res, err := s.soak()
	if err != nil {
		return false, err
	}
	passed = res.report(c, began)
	return passed, nil
}

// build compiles the streamsql binary into dir.
func build(dir string) (string, error) {
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	bin := filepath.Join(dir, "streamsql")
	out, err := osexec.Command(goCmd, "build", "-o", bin, "github.com/streamsql/streamsql/cmd/streamsql").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building streamsql: %v\n%s", err, out)
	}
	return bin, nil
}

// soak holds what the phases of a run share.
type soak struct {
	c    config
	bin  string
	work string
	srv  *lineserver.Server
	in   *input
	runs int
}

// startJob starts a job named name with its state in a directory of its
// own, fed by f, and waits until it has connected.
func (s *soak) startJob(name string, f *feeder) (*job, string, *os.File, error) {
	s.runs++
	dir := filepath.Join(s.work, fmt.Sprintf("%s-%d", name, s.runs))
	logFile, err := os.Create(dir + ".log")
	if err != nil {
		return nil, "", nil, err
	}
	s.srv.Reset()
	s.srv.Queue(f.feed)
	j, err := startJob(s.bin, dir, query(s.srv.Addr(), name, s.c.Parallelism), logFile)
	if err != nil {
		logFile.Close()
		return nil, "", nil, err
	}
	select {
	case <-f.started:
	case <-j.exited:
		logFile.Close()
		return nil, "", nil, fmt.Errorf("the job ended before it connected: %v (log in %s)", j.err, logFile.Name())
	case <-time.After(time.Minute):
		j.stop(time.Minute)
		logFile.Close()
		return nil, "", nil, fmt.Errorf("the job did not connect within a minute (log in %s)", logFile.Name())
	}
	return j, dir, logFile, nil
}

// waitCounted waits until the job's changelog has reached the counts
// reached stands for, and then until two checkpoints in a row triggered
// after that wrote nothing, so that nothing is left in flight.
func (s *soak) waitCounted(j *job, reached <-chan struct{}) error {
	deadline := time.After(s.c.Drain)
	select {
	case <-reached:
	case <-j.exited:
		return fmt.Errorf("the job ended (%v) before it had counted everything", j.err)
	case <-deadline:
		return fmt.Errorf("the job had not counted everything %s after the feed stopped", s.c.Drain)
	}
	at := j.counts.reachedAt()
	for {
		snap := j.log.snapshot()
		if _, ok := drained(snap.Checkpoints, snap.Failures, at); ok {
			return nil
		}
		select {
		case <-j.exited:
			return fmt.Errorf("the job ended (%v) before it had counted everything", j.err)
		case <-deadline:
			return fmt.Errorf("the counts were reached, but %s after the feed stopped checkpoints still had changes to write", s.c.Drain)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// measure finds the most words a second the job counts: it feeds a number
// of lines at once and times from the connection until the changelog shows
// every count reached, growing the number until that takes about
// c.Measure.
func (s *soak) measure() (float64, error) {
	lines := int64(250_000)
	for try := 0; ; try++ {
		f := newFeeder(s.in)
		f.total = lines
		want := s.in.final(lines)
		j, dir, logFile, err := s.startJob("soak_measure", f)
		if err != nil {
			return 0, err
		}
		reached := j.counts.expect(want)
		<-f.stopped
		f.mu.Lock()
		start, ferr := f.start, f.err
		f.mu.Unlock()
		if ferr == nil {
			ferr = s.waitCounted(j, reached)
		}
		stopErr := j.stop(time.Minute)
		close(f.release)
		logFile.Close()
		if ferr != nil {
			return 0, ferr
		}
		if stopErr != nil {
			return 0, fmt.Errorf("stopping the job: %v", stopErr)
		}
		got, _, err := j.counts.counts()
		if err != nil {
			return 0, err
		}
		if diff, n := differences(want, got, 5); n > 0 {
			return 0, fmt.Errorf("the counts of the measurement are wrong, %d words differ:\n  %s", n, strings.Join(diff, "\n  "))
		}
		os.RemoveAll(dir)
		elapsed := j.counts.reachedAt().Sub(start)
		words := total(want)
		wps := float64(words) / elapsed.Seconds()
		printf("maximum rate: %s words/s (%d words fed at once, counted in %s; counts exact)", rate(wps), words,
			elapsed.Round(10*time.Millisecond))
		if elapsed >= s.c.Measure/2 || try == 3 {
			return wps, nil
		}
		lines = int64(float64(lines) * s.c.Measure.Seconds() / max(elapsed.Seconds(), 0.5))
	}
}

// result is what the soak found.
type result struct {
	Lines, Words   int64
	Rows           int64         // changelog rows the job printed
	Fed            time.Duration // how long the feed ran
	Injected       int
	Snap           snapshot
	Samples        []sample
	Peak           int64
	DeadLetters    int
	Drained        bool
	DrainedAfter   time.Duration
	StopErr        error
	Diff           []string
	DiffCount      int
	Counted        int // distinct words in the result
	Trends         []trend
	WarmUp         time.Duration
	Problems       []string
	CheckpointMean float64
}

// soak runs the long job.
func (s *soak) soak() (*result, error) {
	f := newFeeder(s.in)
	f.linesPerSec = s.c.Rate / float64(spec.WordsPerLine)
	f.failEvery, f.duration = s.c.FailEvery, s.c.Duration
	j, dir, logFile, err := s.startJob("soak", f)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	defer func() {
		select {
		case <-f.release:
		default:
			close(f.release)
		}
	}()
	stateDir := filepath.Join(dir, "soak")
	r := &result{}
	printf("sampling every %s for %s:", s.c.SampleEvery, s.c.Duration)
	printf("")
	printf("| time | lines sent | RSS | state dir | last checkpoint | largest since last sample | checkpoints | restarts | load |")
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	seen := 0
	take := func() {
		snap := j.log.snapshot()
		lines, _ := f.sent()
		smp := sample{At: time.Since(f.start), Lines: lines, Checkpoints: len(snap.Checkpoints), Restarts: snap.Restarts,
			Load: loadAverage()}
		smp.RSS, _ = readRSS(j.pid())
		smp.Disk, _ = diskUsage(stateDir)
		if n := len(snap.Checkpoints); n > 0 {
			smp.LastCP = snap.Checkpoints[n-1].Bytes
		}
		for _, cp := range snap.Checkpoints[seen:] {
			smp.MaxCP = max(smp.MaxCP, cp.Bytes)
		}
		seen = len(snap.Checkpoints)
		r.Samples = append(r.Samples, smp)
		printf("| %s | %d | %s | %s | %s | %s | %d | %d | %s |", smp.At.Round(time.Second), smp.Lines, mib(smp.RSS), mib(smp.Disk),
			kib(smp.LastCP), kib(smp.MaxCP), smp.Checkpoints, smp.Restarts, smp.Load)
	}
	tick := time.NewTicker(s.c.SampleEvery)
	defer tick.Stop()
feeding:
	for {
		select {
		case <-tick.C:
			take()
		case <-f.stopped:
			break feeding
		case <-j.exited:
			snap := j.log.snapshot()
			return nil, fmt.Errorf("the job ended during the soak: %v; its last warnings:\n  %s", j.err, strings.Join(snap.LastWarn, "\n  "))
		}
	}
	f.mu.Lock()
	fedAt, ferr := f.end, f.err
	r.Fed = f.end.Sub(f.start)
	f.mu.Unlock()
	if ferr != nil {
		j.stop(time.Minute)
		return nil, ferr
	}
	// A last sample, unless one was taken a moment ago.
	if n := len(r.Samples); n == 0 || time.Since(f.start)-r.Samples[n-1].At > s.c.SampleEvery/2 {
		take()
	}
	r.Lines, r.Injected = f.sent()
	want := s.in.final(r.Lines)
	r.Words = total(want)
	printf("")
	printf("the feed stopped after %s; waiting for the job to count everything", r.Fed.Round(time.Second))
	if err := s.waitCounted(j, j.counts.expect(want)); err != nil {
		r.Problems = append(r.Problems, err.Error())
	} else {
		r.Drained, r.DrainedAfter = true, max(0, j.counts.reachedAt().Sub(fedAt))
	}
	r.Peak, _ = peakRSS(j.pid())
	r.StopErr = j.stop(2 * time.Minute)
	close(f.release)
	r.Snap = j.log.snapshot()
	if r.StopErr != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("stopping the job: %v", r.StopErr))
	}
	// The whole changelog has been read: the process has exited.
	got, rows, err := j.counts.counts()
	r.Rows = rows
	if err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("reading the changelog: %v", err))
	}
	r.Counted = len(got)
	r.Diff, r.DiffCount = differences(want, got, 10)
	if r.DiffCount > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d words have a count that differs from what was sent", r.DiffCount))
	}
	if dl, err := os.ReadFile(filepath.Join(stateDir, "dead_letter.jsonl")); err == nil {
		r.DeadLetters = bytes.Count(dl, []byte(`"record":"[`+poisonLine+`]"`))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(r.Snap.Failures) != r.Injected {
		r.Problems = append(r.Problems, fmt.Sprintf("%d poison lines sent, but the job failed %d times", r.Injected, len(r.Snap.Failures)))
	}
	if r.Snap.Restarts != r.Injected {
		r.Problems = append(r.Problems, fmt.Sprintf("%d poison lines sent, but the job restarted %d times", r.Injected, r.Snap.Restarts))
	}
	if r.DeadLetters != r.Injected {
		r.Problems = append(r.Problems, fmt.Sprintf("%d poison lines sent, but %d are in the dead-letter file", r.Injected, r.DeadLetters))
	}
	r.judge(s.c)
	return r, nil
}

// judge applies the flatness criterion to the samples after the warm-up.
func (r *result) judge(c config) {
	r.WarmUp = warmUp(r.Fed)
	var hours, rss, disk, cps []float64
	for _, smp := range r.Samples {
		if smp.At < r.WarmUp {
			continue
		}
		hours = append(hours, smp.At.Hours())
		rss = append(rss, float64(smp.RSS))
		disk = append(disk, float64(smp.Disk))
		cps = append(cps, float64(smp.MaxCP))
	}
	r.Trends = []trend{
		judge("RSS", hours, rss, rssSlack),
		judge("state dir", hours, disk, diskSlack),
		judge("largest checkpoint", hours, cps, cpSlack),
	}
	for _, t := range r.Trends {
		if !t.Flat {
			r.Problems = append(r.Problems, fmt.Sprintf("%s grows: the last third's mean is %.2f× the first third's", t.Name, t.Last/t.First))
		}
	}
	var sum float64
	for _, cp := range r.Snap.Checkpoints {
		sum += float64(cp.Bytes)
	}
	if n := len(r.Snap.Checkpoints); n > 0 {
		r.CheckpointMean = sum / float64(n)
	}
}

// report prints the summary and returns whether the soak passed.
func (r *result) report(c config, began time.Time) bool {
	printf("")
	printf("summary (%s, whole run %s)", began.Format("2006-01-02 15:04 MST"), time.Since(began).Round(time.Second))
	fed := r.Lines * int64(spec.WordsPerLine)
	printf("  rate: asked %s words/s, achieved %s words/s (%d lines, %d words in %s)", rate(c.Rate),
		rate(float64(fed)/r.Fed.Seconds()), r.Lines, fed, r.Fed.Round(time.Second))
	printf("  failures: %d poison lines sent, %d failures and %d restarts seen, %d lines quarantined to the dead-letter file",
		r.Injected, len(r.Snap.Failures), r.Snap.Restarts, r.DeadLetters)
	var sizes []int64
	for _, cp := range r.Snap.Checkpoints {
		sizes = append(sizes, cp.Bytes)
	}
	sort.Slice(sizes, func(a, b int) bool { return sizes[a] < sizes[b] })
	if n := len(sizes); n > 0 {
		printf("  checkpoints: %d completed; bytes written each: median %s, mean %s, max %s", n, kib(sizes[n/2]),
			kib(int64(r.CheckpointMean)), kib(sizes[n-1]))
	}
	printf("  log: %d warnings and errors", r.Snap.Warnings)
	if n := len(r.Samples); n > 0 {
		first, last := r.Samples[0], r.Samples[n-1]
		var maxRSS, maxDisk int64
		for _, s := range r.Samples {
			maxRSS, maxDisk = max(maxRSS, s.RSS), max(maxDisk, s.Disk)
		}
		printf("  RSS: first sample %s, last %s, max %s (peak VmHWM %s)", mib(first.RSS), mib(last.RSS), mib(maxRSS), mib(r.Peak))
		printf("  state dir: first sample %s, last %s, max %s", mib(first.Disk), mib(last.Disk), mib(maxDisk))
	}
	printf("  flatness, after a warm-up of %s: the mean of the last third of the samples at most %.1f× that of the first third,",
		r.WarmUp.Round(time.Second), growthBound)
	printf("  or above it by less than %s (RSS), %s (state dir), %s (largest checkpoint per sample):",
		mib(rssSlack), mib(diskSlack), kib(cpSlack))
	for _, t := range r.Trends {
		unit := func(v float64) string { return mib(int64(v)) }
		if t.Name == "largest checkpoint" {
			unit = func(v float64) string { return kib(int64(v)) }
		}
		verdict := "flat"
		switch {
		case !t.Judged:
			verdict = "too few samples to judge"
		case !t.Flat:
			verdict = "GROWS"
		}
		printf("    %-19s first third %s, last third %s (%.2f×), range %s–%s, trend %s/hour: %s", t.Name, unit(t.First),
			unit(t.Last), t.Last/t.First, unit(t.Min), unit(t.Max), unit(t.Slope), verdict)
	}
	if r.Drained {
		printf("  drained: everything counted %s after the feed stopped", r.DrainedAfter.Round(time.Millisecond))
	}
	if r.DiffCount == 0 && r.Counted > 0 {
		printf("  counts: exact — %d distinct words, %d words in all (the touch lines included), equal to what was sent; %d changelog rows read",
			r.Counted, r.Words, r.Rows)
	} else if r.DiffCount > 0 {
		printf("  counts: %d words differ, the first:\n    %s", r.DiffCount, strings.Join(r.Diff, "\n    "))
	}
	if len(r.Problems) > 0 {
		printf("FAIL:\n  %s", strings.Join(r.Problems, "\n  "))
		return false
	}
	printf("PASS")
	return true
}

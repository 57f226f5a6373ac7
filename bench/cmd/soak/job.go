package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// wordCount is SPEC §1's model case with the options of the soak: a
// checkpoint every second, the socket's lines logged so that no line is
// lost in a failure, and restarts allowed for as long as failures come no
// more often than five a minute. Its changelog goes to standard output, as
// in SPEC §1.
//
// The counts are exactly once (the aggregate's state is restored from a
// checkpoint and the logged lines after it replayed); the printed changelog
// is at least once (changes printed after that checkpoint are printed
// again by the replay). Each key's latest change is its count at the time
// it was printed, whatever came before, so the harness reads the counts as
// the latest change of each key, once the touch lines (see input) have made
// every key change last. (A table result, format = 'table', is exactly
// once too, but it keys its state by the whole row, so each count a word
// passes through is a key of its own and the table, not the word count,
// sets the pace: see docs/reliability.md, "Why the counts can be checked
// on standard output".)
const wordCount = `SELECT word, COUNT(*) AS cnt
FROM SOCKET('%s') AS s
CROSS JOIN UNNEST(SPLIT(s.line, ' ')) AS t(word)
WHERE CASE WHEN s.line = '` + poisonLine + `' THEN RAISE_ERROR('injected failure') ELSE TRUE END
GROUP BY word
WITH (job_name = '%s', checkpoint_interval = '1s', source_log = 'on',
      restart = 'failure-rate(5, 1 min, 1s)'%s)`

func query(addr, name string, parallelism int) string {
	extra := ""
	if parallelism > 0 {
		extra = fmt.Sprintf(", parallelism = %d", parallelism)
	}
	return fmt.Sprintf(wordCount, addr, name, extra)
}

// job is a streamsql process running the word count.
type job struct {
	cmd    *osexec.Cmd
	counts *changelog
	log    *logWatch
	exited chan struct{}
	err    error // the process's exit, once exited is closed
}

// startJob runs bin on q with its state under stateDir, its log at debug
// level (which has the checkpoints) copied to logFile.
func startJob(bin, stateDir, q string, logFile io.Writer) (*job, error) {
	j := &job{exited: make(chan struct{})}
	j.cmd = osexec.Command(bin, "--log-level", "debug", "--state-dir", stateDir, "-e", q)
	stdout, err := j.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := j.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := j.cmd.Start(); err != nil {
		return nil, err
	}
	j.log, j.counts = newLogWatch(), newChangelog()
	var read sync.WaitGroup
	read.Add(2)
	go func() {
		defer read.Done()
		j.log.read(stderr, logFile)
	}()
	go func() {
		defer read.Done()
		j.counts.read(stdout)
	}()
	go func() {
		read.Wait() // Wait closes the pipes: read them to the end first
		j.err = j.cmd.Wait()
		close(j.exited)
	}()
	return j, nil
}

func (j *job) pid() int { return j.cmd.Process.Pid }

// stop sends SIGTERM and waits up to limit for the process to end, then
// kills it.
func (j *job) stop(limit time.Duration) error {
	j.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-j.exited:
		return j.err
	case <-time.After(limit):
		j.cmd.Process.Kill()
		<-j.exited
		return fmt.Errorf("the job did not stop within %s of SIGTERM and was killed", limit)
	}
}

// checkpointEvent is one completed checkpoint, as the log tells it.
type checkpointEvent struct {
	ID        int64
	Triggered time.Time // when the harness read "Triggering checkpoint"
	Completed time.Time
	Bytes     int64 // what it wrote: checkpoints are incremental
}

// logWatch follows the job's log: checkpoints, failures, restarts, and the
// warnings and errors.
type logWatch struct {
	mu          sync.Mutex
	triggered   map[int64]time.Time
	checkpoints []checkpointEvent
	failures    []time.Time // the job switched from RUNNING to FAILING
	restarts    int
	warnings    int
	lastWarn    []string // the last few WARN and ERROR lines
}

func newLogWatch() *logWatch { return &logWatch{triggered: map[int64]time.Time{}} }

var (
	triggeringRE = regexp.MustCompile(`Triggering checkpoint (\d+)$`)
	completedRE  = regexp.MustCompile(`Completed checkpoint (\d+) for job \S+ \((.+) in [^)]+\)`)
	failingRE    = regexp.MustCompile(`Job \S+ \(\d+\) switched from RUNNING to FAILING`)
	restartsRE   = regexp.MustCompile(`Job \S+ \(\d+\) restarts in `)
)

// read takes the log's lines until it ends, copying them to copyTo.
func (l *logWatch) read(r io.Reader, copyTo io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if copyTo != nil {
			fmt.Fprintln(copyTo, line)
		}
		l.take(line, time.Now())
	}
}

// take records what one line of the log says.
func (l *logWatch) take(line string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m := triggeringRE.FindStringSubmatch(line); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		l.triggered[id] = now
		return
	}
	if m := completedRE.FindStringSubmatch(line); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		b, _ := parseBytes(m[2])
		l.checkpoints = append(l.checkpoints, checkpointEvent{ID: id, Triggered: l.triggered[id], Completed: now, Bytes: b})
		delete(l.triggered, id)
		return
	}
	if failingRE.MatchString(line) {
		l.failures = append(l.failures, now)
	}
	if restartsRE.MatchString(line) {
		l.restarts++
	}
	if f := strings.Fields(line); len(f) >= 3 && (f[2] == "WARN" || f[2] == "ERROR") {
		l.warnings++
		l.lastWarn = append(l.lastWarn, line)
		if len(l.lastWarn) > 5 {
			l.lastWarn = l.lastWarn[1:]
		}
	}
}

// snapshot is a copy of what the log has told so far.
type snapshot struct {
	Checkpoints []checkpointEvent
	Failures    []time.Time
	Restarts    int
	Warnings    int
	LastWarn    []string
}

func (l *logWatch) snapshot() snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return snapshot{Checkpoints: append([]checkpointEvent(nil), l.checkpoints...), Failures: append([]time.Time(nil), l.failures...),
		Restarts: l.restarts, Warnings: l.warnings, LastWarn: append([]string(nil), l.lastWarn...)}
}

// parseBytes reads a size as the log writes it: "0 bytes", "812 bytes",
// "1.5 KiB", "2.3 MiB" (to the precision printed).
func parseBytes(s string) (int64, error) {
	num, unit, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return 0, fmt.Errorf("no unit in size %q", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("bad size %q", s)
	}
	switch unit {
	case "bytes":
	case "KiB":
		v *= 1 << 10
	case "MiB":
		v *= 1 << 20
	case "GiB":
		v *= 1 << 30
	default:
		return 0, fmt.Errorf("unknown unit in size %q", s)
	}
	return int64(v), nil
}

// drained says when the job had processed everything fed to it before
// after: the first two checkpoints in a row, both triggered after after,
// that wrote nothing (no count changed between their barriers), with no
// failure from the first's trigger on. A failure since restores an
// earlier checkpoint and replays the log, so only zeros after it count.
//
// It also returns an estimate of when the processing ended: the trigger of
// the last checkpoint before the zeros that wrote something (the records
// it covers were read between the trigger before it and its own).
func drained(cps []checkpointEvent, failures []time.Time, after time.Time) (end time.Time, ok bool) {
	for i := 1; i < len(cps); i++ {
		a, b := cps[i-1], cps[i]
		if a.Bytes != 0 || b.Bytes != 0 || a.Triggered.Before(after) {
			continue
		}
		failed := false
		for _, f := range failures {
			if !f.Before(a.Triggered) {
				failed = true
			}
		}
		if failed {
			continue
		}
		end = after
		for k := i - 2; k >= 0; k-- {
			if cps[k].Bytes != 0 {
				end = cps[k].Triggered
				break
			}
		}
		if end.Before(after) {
			end = after
		}
		return end, true
	}
	return time.Time{}, false
}

// changelog follows the job's changelog on standard output — +I[word, n],
// -U[word, n], +U[word, n] — and keeps each key's latest count. Given the
// counts it must reach (want), it tells when every key has reached them,
// keeping the number of keys that have up to date row by row.
type changelog struct {
	mu        sync.Mutex
	latest    map[string]*int64
	rows      int64
	want      map[string]int64
	matched   int // keys of want whose latest count is the wanted one
	reached   time.Time
	reachedCh chan struct{} // closed when every key of want has been reached
	err       error         // a line that is not a change
}

func newChangelog() *changelog { return &changelog{latest: map[string]*int64{}} }

// read takes the changelog until it ends.
func (c *changelog) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			c.take(line)
		}
		if err == bufio.ErrBufferFull {
			c.fail(fmt.Errorf("a line of the output is longer than 1 MiB"))
			io.Copy(io.Discard, br)
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *changelog) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

// take applies one line of the changelog.
func (c *changelog) take(line []byte) {
	key, n, kind, err := parseChange(line)
	if err != nil {
		c.fail(err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows++
	if kind == "-U" {
		return // the old count of an update: the +U after it has the new
	}
	if kind == "-D" {
		n = 0
	}
	p := c.latest[string(key)] // a lookup with string(key) does not allocate
	if p == nil {
		p = new(int64)
		c.latest[string(key)] = p
	}
	if c.want != nil {
		if w, ok := c.want[string(key)]; ok {
			if *p == w {
				c.matched--
			}
			if n == w {
				c.matched++
			}
		}
	}
	*p = n
	c.check()
}

// parseChange reads a line of the changelog: its key, count and kind.
func parseChange(line []byte) (key []byte, n int64, kind string, err error) {
	line = bytes.TrimRight(line, "\r\n")
	comma := bytes.LastIndex(line, []byte(", "))
	if len(line) < 4 || line[2] != '[' || line[len(line)-1] != ']' || comma < 3 {
		return nil, 0, "", fmt.Errorf("the output has a line that is not a change: %q", line)
	}
	switch kind = string(line[:2]); kind {
	case "+I", "-U", "+U", "-D":
	default:
		return nil, 0, "", fmt.Errorf("the output has a change of unknown kind: %q", line)
	}
	n, err = strconv.ParseInt(string(line[comma+2:len(line)-1]), 10, 64)
	if err != nil {
		return nil, 0, "", fmt.Errorf("the output has a change whose count is not a number: %q", line)
	}
	return line[3:comma], n, kind, nil
}

// expect sets the counts to wait for; reached is closed once the latest
// count of every key of want is the one wanted.
func (c *changelog) expect(want map[string]int64) (reached <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.want, c.matched, c.reached = want, 0, time.Time{}
	c.reachedCh = make(chan struct{})
	for k, w := range want {
		if p := c.latest[k]; p != nil && *p == w {
			c.matched++
		}
	}
	c.check()
	return c.reachedCh
}

func (c *changelog) check() {
	if c.want != nil && c.matched == len(c.want) && c.reached.IsZero() {
		c.reached = time.Now()
		close(c.reachedCh)
	}
}

// counts returns each key's latest count (keys whose latest change is a
// deletion left out), the rows read, and a line that was not a change.
func (c *changelog) counts() (map[string]int64, int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int64, len(c.latest))
	for k, p := range c.latest {
		if *p != 0 {
			m[k] = *p
		}
	}
	return m, c.rows, c.err
}

// reachedAt returns when every wanted count was reached, or zero.
func (c *changelog) reachedAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reached
}

// readRSS returns the resident memory of process pid, in bytes.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

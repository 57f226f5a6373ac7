package exec

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/streamsql/streamsql/planner"
)

// restartStep is one failure given to a restarter: when it happens, and
// what the restarter must answer.
type restartStep struct {
	at    time.Duration // after the test's epoch
	delay time.Duration
	ok    bool
}

func runRestarter(t *testing.T, strategy string, steps []restartStep) {
	t.Helper()
	s, err := planner.ParseRestartStrategy(strategy)
	if err != nil {
		t.Fatalf("%s: %v", strategy, err)
	}
	r := &restarter{strategy: s}
	epoch := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for i, st := range steps {
		delay, ok := r.next(epoch.Add(st.at))
		if ok != st.ok || (ok && delay != st.delay) {
			t.Errorf("%s, failure %d at +%s: next = (%s, %v), want (%s, %v)", strategy, i+1, st.at, delay, ok, st.delay, st.ok)
		}
	}
}

// fixed-delay(n, d) allows exactly n restarts, each after d.
func TestRestarterFixedDelay(t *testing.T) {
	runRestarter(t, "fixed-delay(3, 10s)", []restartStep{
		{at: 0, delay: 10 * time.Second, ok: true},
		{at: time.Second, delay: 10 * time.Second, ok: true},
		{at: time.Hour, delay: 10 * time.Second, ok: true}, // however far apart
		{at: 2 * time.Hour, ok: false},
		{at: 3 * time.Hour, ok: false},
	})
	runRestarter(t, "fixed-delay(0, 1s)", []restartStep{{at: 0, ok: false}})
	runRestarter(t, "fixed-delay(1, 0s)", []restartStep{{at: 0, delay: 0, ok: true}, {at: 0, ok: false}})
}

// failure-rate(n, interval, d) allows n failures within any interval and
// refuses the next; failures older than the interval no longer count.
func TestRestarterFailureRate(t *testing.T) {
	// three failures within a minute: the third is refused
	runRestarter(t, "failure-rate(2, 1 min, 5s)", []restartStep{
		{at: 0, delay: 5 * time.Second, ok: true},
		{at: 10 * time.Second, delay: 5 * time.Second, ok: true},
		{at: 50 * time.Second, ok: false},
	})
	// the failures at 0s and 10s are forgotten by 2 min: more are allowed
	runRestarter(t, "failure-rate(2, 1 min, 5s)", []restartStep{
		{at: 0, delay: 5 * time.Second, ok: true},
		{at: 10 * time.Second, delay: 5 * time.Second, ok: true},
		{at: 2 * time.Minute, delay: 5 * time.Second, ok: true},
		{at: 2*time.Minute + time.Second, delay: 5 * time.Second, ok: true},
		{at: 2*time.Minute + 2*time.Second, ok: false},
	})
	// a sliding window: at 70s the failure at 0s has left the last minute,
	// leaving two; at 75s those at 40s, 70s and 75s make three: refused
	runRestarter(t, "failure-rate(2, 1 min, 0s)", []restartStep{
		{at: 0, delay: 0, ok: true},
		{at: 40 * time.Second, delay: 0, ok: true},
		{at: 70 * time.Second, delay: 0, ok: true},
		{at: 75 * time.Second, ok: false},
	})
	runRestarter(t, "failure-rate(1, 1s, 2s)", []restartStep{
		{at: 0, delay: 2 * time.Second, ok: true},
		{at: 500 * time.Millisecond, ok: false},
	})
}

// exponential-delay(initial, max, multiplier) always restarts, the delay
// growing by the multiplier up to max.
func TestRestarterExponentialDelay(t *testing.T) {
	runRestarter(t, "exponential-delay(1s, 10s, 2)", []restartStep{
		{at: 0, delay: 1 * time.Second, ok: true},
		{at: time.Minute, delay: 2 * time.Second, ok: true},
		{at: 2 * time.Minute, delay: 4 * time.Second, ok: true},
		{at: 3 * time.Minute, delay: 8 * time.Second, ok: true},
		{at: 4 * time.Minute, delay: 10 * time.Second, ok: true},
		{at: 5 * time.Minute, delay: 10 * time.Second, ok: true},
	})
	runRestarter(t, "exponential-delay(100ms, 1s, 1.5)", []restartStep{
		{at: 0, delay: 100 * time.Millisecond, ok: true},
		{at: 0, delay: 150 * time.Millisecond, ok: true},
		{at: 0, delay: 225 * time.Millisecond, ok: true},
	})
	// a multiplier of 1 keeps the delay
	runRestarter(t, "exponential-delay(3s, 3s, 1)", []restartStep{
		{at: 0, delay: 3 * time.Second, ok: true},
		{at: 0, delay: 3 * time.Second, ok: true},
	})
	// many restarts do not overflow: the delay stays at max
	s, err := planner.ParseRestartStrategy("exponential-delay(1s, 1 min, 10)")
	if err != nil {
		t.Fatal(err)
	}
	r := &restarter{strategy: s}
	for i := 0; i < 200; i++ {
		d, ok := r.next(time.Time{})
		if !ok || d <= 0 || d > time.Minute {
			t.Fatalf("restart %d: (%s, %v), want at most 1m", i+1, d, ok)
		}
	}
	if d, _ := r.next(time.Time{}); d != time.Minute {
		t.Errorf("after 200 restarts the delay is %s, want 1m", d)
	}
}

// none refuses every restart.
func TestRestarterNone(t *testing.T) {
	runRestarter(t, "none", []restartStep{{at: 0, ok: false}, {at: time.Hour, ok: false}})
	r := &restarter{} // the zero strategy is none
	if _, ok := r.next(time.Now()); ok {
		t.Error("the zero strategy allowed a restart")
	}
}

// failingSinkSession returns a session whose SELECT sinks fail every
// write: a failure no quarantine can skip.
func failingSinkSession(t *testing.T, h *recordingHandler) *testSession {
	return newTestSession(t, sessionOpts{log: slog.New(h), newSink: func() *collectSink {
		s := newCollectSink()
		s.write = func(*Batch) error { return errSinkFull }
		return s
	}})
}

var errSinkFull = errors.New("the sink is full")

// A job that keeps failing restarts as often as its strategy allows, going
// RUNNING → FAILING → RESTARTING → RUNNING each time, and then ends
// FAILED with the cause.
func TestRestartStrategyExhausted(t *testing.T) {
	for _, tt := range []struct {
		strategy string
		restarts int
	}{
		{"fixed-delay(2, 0s)", 2},
		{"failure-rate(3, 1 min, 0s)", 3},
		{"none", 0},
	} {
		t.Run(tt.strategy, func(t *testing.T) {
			h := &recordingHandler{}
			ts := failingSinkSession(t, h)
			res, err := ts.exec(fmt.Sprintf("SELECT n FROM GENERATE_SERIES(1, 10) AS g(n) WITH (job_name = 'again', restart = '%s')", tt.strategy))
			if !errors.Is(err, errSinkFull) {
				t.Fatalf("Execute: %v, want %v", err, errSinkFull)
			}
			if info := res.Job.Info(); info.State != JobFailed || info.Restarts != tt.restarts || !errors.Is(info.Err, errSinkFull) {
				t.Errorf("job %s with %d restarts (err %v), want FAILED after %d", info.State, info.Restarts, info.Err, tt.restarts)
			}
			var want []string
			for i := 0; i < tt.restarts; i++ {
				from := "CREATED"
				if i > 0 {
					from = "RESTARTING"
				}
				want = append(want, "from "+from+" to RUNNING", "from RUNNING to FAILING", "from FAILING to RESTARTING")
			}
			from := "CREATED"
			if tt.restarts > 0 {
				from = "RESTARTING"
			}
			want = append(want, "from "+from+" to RUNNING", "from RUNNING to FAILING", "from FAILING to FAILED")
			var got []string
			for _, l := range h.matching("Job again (1) switched ") {
				l = strings.SplitN(l, " cause=", 2)[0]
				got = append(got, l[strings.Index(l, "from "):])
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("transitions\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			strategy, err := planner.ParseRestartStrategy(tt.strategy)
			if err != nil {
				t.Fatal(err)
			}
			if tt.restarts > 0 && len(h.matching("cannot restart: the restart strategy "+strategy.String()+" allows no more")) != 1 {
				t.Errorf("no log says the strategy %s allows no more restarts: %q", strategy, h.matching("Job again"))
			}
		})
	}
}

// Cancelling a job while it waits to restart ends it CANCELED at once.
func TestCancelWhileRestarting(t *testing.T) {
	h := &recordingHandler{}
	ts := failingSinkSession(t, h)
	job := ts.submit("SELECT n FROM GENERATE_SERIES(1, 10) AS g(n) WITH (job_name = 'waiting', restart = 'fixed-delay(1, 1h)')")
	deadline := time.Now().Add(testDeadline)
	for job.State() != JobRestarting {
		if time.Now().After(deadline) || job.State().Terminal() {
			t.Fatalf("the job is %s, want RESTARTING", job.State())
		}
		time.Sleep(time.Millisecond)
	}
	job.Cancel()
	waitJob(t, job)
	if info := job.Info(); info.State != JobCanceled || info.Err != nil || info.Restarts != 1 {
		t.Errorf("job %s (err %v) with %d restarts, want CANCELED after 1", info.State, info.Err, info.Restarts)
	}
	if got := h.matching("Job waiting (1) switched from RESTARTING to RUNNING"); len(got) > 0 {
		t.Errorf("the cancelled job ran again: %q", got)
	}
}

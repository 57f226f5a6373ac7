package exec

import (
	"fmt"
	"math"
	"time"

	"github.com/streamsql/streamsql/planner"
)

// restarter applies a job's restart strategy: after each failure it says
// whether the job restarts, and after how long.
type restarter struct {
	strategy planner.RestartStrategy
	restarts int         // restarts so far
	failures []time.Time // for failure-rate: when the job failed
}

// next records a failure at now and returns the delay before restarting,
// or ok = false when the strategy allows no more restarts.
func (r *restarter) next(now time.Time) (delay time.Duration, ok bool) {
	s := r.strategy
	switch s.Kind {
	case planner.RestartFixedDelay:
		if r.restarts >= s.Attempts {
			return 0, false
		}
		delay = s.Delay
	case planner.RestartFailureRate:
		r.failures = append(r.failures, now)
		recent := r.failures[:0]
		for _, t := range r.failures {
			if now.Sub(t) <= s.Interval {
				recent = append(recent, t)
			}
		}
		r.failures = recent
		if len(recent) > s.MaxFailures {
			return 0, false
		}
		delay = s.Delay
	case planner.RestartExponentialDelay:
		d := float64(s.Initial) * math.Pow(s.Multiplier, float64(r.restarts))
		delay = time.Duration(min(d, float64(s.Max)))
	default:
		return 0, false
	}
	r.restarts++
	return delay, true
}

// describe says what the strategy allows, for the log.
func (r *restarter) describe() string {
	s := r.strategy
	switch s.Kind {
	case planner.RestartFixedDelay:
		return fmt.Sprintf("restart %d of %d (%s)", r.restarts, s.Attempts, s)
	case planner.RestartFailureRate, planner.RestartExponentialDelay:
		return fmt.Sprintf("restart %d (%s)", r.restarts, s)
	}
	return "no restart"
}

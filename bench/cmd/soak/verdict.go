package main

import (
	"fmt"
	"sort"
	"time"
)

// The flatness criterion. A leak shows as a level that keeps rising: after
// a warm-up (state filling, the runtime's heap and Badger's tables and
// memtables reaching their working size), the samples are cut into thirds,
// and the mean of the last third may be at most growthBound times the mean
// of the first — unless the difference is below an absolute slack, so
// that a few MiB of noise on a small figure (a Badger compaction that has
// not run yet, a memtable flushed a sample later) does not fail a run.
const growthBound = 1.5

// warmUp is the part of a run whose samples are not judged: a sixth of it,
// at most 5 minutes.
func warmUp(d time.Duration) time.Duration { return min(d/6, 5*time.Minute) }

// trend is the verdict on one series of samples.
type trend struct {
	Name        string
	First, Last float64 // means of the first and last thirds after the warm-up
	Min, Max    float64 // over those samples
	Slope       float64 // least squares, per hour
	Judged      bool    // false: too few samples
	Flat        bool
}

// judge applies the criterion to values (after the warm-up), taken at
// times hours (in hours, ascending); slack is in the values' unit.
func judge(name string, hours, values []float64, slack float64) trend {
	t := trend{Name: name, Flat: true}
	if len(values) == 0 {
		return t
	}
	t.Min, t.Max = values[0], values[0]
	for _, v := range values {
		t.Min, t.Max = min(t.Min, v), max(t.Max, v)
	}
	t.Slope = slope(hours, values)
	third := len(values) / 3
	if third == 0 {
		return t
	}
	t.Judged = true
	t.First, t.Last = mean(values[:third]), mean(values[len(values)-third:])
	t.Flat = t.Last <= growthBound*t.First || t.Last-t.First <= slack
	return t
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// slope is the least-squares slope of y against x, 0 when x does not vary.
func slope(x, y []float64) float64 {
	mx, my := mean(x), mean(y)
	var num, den float64
	for i := range x {
		num += (x[i] - mx) * (y[i] - my)
		den += (x[i] - mx) * (x[i] - mx)
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// differences lists, in word order, the words whose counts differ between
// want and got, at most limit of them, and how many differ in all.
func differences(want, got map[string]int64, limit int) ([]string, int) {
	words := map[string]bool{}
	for w := range want {
		words[w] = true
	}
	for w := range got {
		words[w] = true
	}
	var diff []string
	for w := range words {
		if want[w] != got[w] {
			diff = append(diff, w)
		}
	}
	sort.Strings(diff)
	var lines []string
	for _, w := range diff[:min(limit, len(diff))] {
		g, ok := got[w]
		switch {
		case !ok:
			lines = append(lines, fmt.Sprintf("%q: want %d, missing from the result", w, want[w]))
		case want[w] == 0:
			lines = append(lines, fmt.Sprintf("%q: never sent, counted %d", w, g))
		default:
			lines = append(lines, fmt.Sprintf("%q: want %d, got %d (%+d)", w, want[w], g, g-want[w]))
		}
	}
	return lines, len(diff)
}

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/streamsql/streamsql/bench/internal/corpus"
)

func TestInputExpected(t *testing.T) {
	in := newInput(corpus.Spec{Lines: 50, WordsPerLine: 3, Vocabulary: 20, ZipfS: 1.1, Seed: 7})
	// Count the cycle the slow way: line by line, for 2 passes and 13 lines.
	want := map[string]int64{}
	n := 2*in.lines() + 13
	for i := int64(0); i < n; i++ {
		for _, w := range strings.Fields(string(in.line(i))) {
			want[w]++
		}
	}
	if diff := cmp.Diff(want, in.expected(n)); diff != "" {
		t.Errorf("expected(%d) (-slow +got):\n%s", n, diff)
	}
	final := in.final(n)
	for w := range in.once {
		if final[w] != want[w]+1 {
			t.Errorf("final[%q] = %d, want %d: the touch lines have every word once", w, final[w], want[w]+1)
		}
	}
	if got, want := total(final), total(want)+int64(len(in.once)); got != want {
		t.Errorf("total(final) = %d, want %d", got, want)
	}
	if len(in.expected(0)) != 0 {
		t.Errorf("expected(0) = %v, want nothing", in.expected(0))
	}
}

func TestJudge(t *testing.T) {
	hours := []float64{0, 1, 2, 3, 4, 5}
	for _, tc := range []struct {
		name   string
		values []float64
		slack  float64
		judged bool
		flat   bool
	}{
		{"level", []float64{100, 110, 95, 105, 100, 98}, 0, true, true},
		{"leak", []float64{100, 120, 140, 160, 180, 200}, 10, true, false},
		{"small growth within the slack", []float64{2, 2, 3, 3, 5, 5}, 4, true, true},
		{"within the bound", []float64{100, 100, 120, 120, 140, 140}, 0, true, true},
		{"too few samples", []float64{100, 1000}, 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := judge("x", hours[:len(tc.values)], tc.values, tc.slack)
			if tr.Judged != tc.judged || tr.Flat != tc.flat {
				t.Errorf("judged %v flat %v, want %v %v (first %v last %v)", tr.Judged, tr.Flat, tc.judged, tc.flat, tr.First, tr.Last)
			}
		})
	}
	if s := judge("x", hours, []float64{0, 2, 4, 6, 8, 10}, 0).Slope; s != 2 {
		t.Errorf("slope %v, want 2", s)
	}
}

func TestDifferences(t *testing.T) {
	want := map[string]int64{"a": 3, "b": 2, "c": 1}
	if lines, n := differences(want, map[string]int64{"a": 3, "b": 2, "c": 1}, 10); n != 0 || lines != nil {
		t.Errorf("equal counts: %d differences %q", n, lines)
	}
	lines, n := differences(want, map[string]int64{"a": 4, "c": 1, "ERROR": 1}, 10)
	wantLines := []string{`"ERROR": never sent, counted 1`, `"a": want 3, got 4 (+1)`, `"b": want 2, missing from the result`}
	if n != 3 || !cmp.Equal(lines, wantLines) {
		t.Errorf("got %d differences %q, want 3 %q", n, lines, wantLines)
	}
	if lines, n := differences(want, nil, 1); n != 3 || len(lines) != 1 {
		t.Errorf("limit 1: %d differences %q", n, lines)
	}
}

func TestChangelog(t *testing.T) {
	c := newChangelog()
	for _, l := range []string{"+I[a, 1]", "+I[b, 1]", "-U[a, 1]", "+U[a, 2]"} {
		c.take([]byte(l + "\n"))
	}
	reached := c.expect(map[string]int64{"a": 3, "b": 1})
	select {
	case <-reached:
		t.Fatal("reached before a got to 3")
	default:
	}
	// A replay after a restore prints changes again: only the latest counts.
	for _, l := range []string{"-U[a, 1]", "+U[a, 2]", "-U[a, 2]", "+U[a, 3]", "+I[word, with comma, 5]"} {
		c.take([]byte(l + "\n"))
	}
	select {
	case <-reached:
	default:
		t.Fatal("not reached with a at 3 and b at 1")
	}
	got, rows, err := c.counts()
	if err != nil || rows != 9 {
		t.Errorf("rows %d, err %v", rows, err)
	}
	if diff := cmp.Diff(map[string]int64{"a": 3, "b": 1, "word, with comma": 5}, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	c.take([]byte("-D[b, 1]\n"))
	if got, _, _ := c.counts(); got["b"] != 0 {
		t.Errorf("b is still counted after -D: %v", got)
	}
	c.take([]byte("hello\n"))
	if _, _, err := c.counts(); err == nil {
		t.Error("a line that is not a change was taken silently")
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"0 bytes": 0, "812 bytes": 812, "1.5 KiB": 1536, "2.0 MiB": 2 << 20} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12", "1.5 XB", "x bytes"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) took it", in)
		}
	}
}

func TestLogWatch(t *testing.T) {
	l := newLogWatch()
	t0 := time.Unix(1000, 0)
	for i, line := range []string{
		"2026-11-25 03:35:13.000 DEBUG Triggering checkpoint 6",
		"2026-11-25 03:35:13.100 DEBUG Completed checkpoint 6 for job soak (281.9 KiB in 12ms)",
		"2026-11-25 03:35:14.517 WARN  Source: SOCKET('127.0.0.1:1') -> Unnest -> Calc (1/1) switched from RUNNING to FAILED cause=\"4:39: injected failure\"",
		"2026-11-25 03:35:14.518 ERROR Job soak (1) switched from RUNNING to FAILING cause=\"4:39: injected failure\"",
		"2026-11-25 03:35:14.518 INFO  Job soak (1) restarts in 1s: restart 1 (failure-rate(5, 1min, 1s))",
	} {
		l.take(line, t0.Add(time.Duration(i)*time.Second))
	}
	s := l.snapshot()
	wantCP := []checkpointEvent{{ID: 6, Triggered: t0, Completed: t0.Add(time.Second), Bytes: 288665}}
	if !cmp.Equal(s.Checkpoints, wantCP) || len(s.Failures) != 1 || s.Restarts != 1 || s.Warnings != 2 {
		t.Errorf("got %+v", s)
	}
}

func TestDrained(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	cps := []checkpointEvent{
		{ID: 1, Triggered: at(1), Bytes: 500},
		{ID: 2, Triggered: at(2), Bytes: 300},
		{ID: 3, Triggered: at(3), Bytes: 0},
		{ID: 4, Triggered: at(4), Bytes: 0},
	}
	if end, ok := drained(cps, nil, at(2)); !ok || !end.Equal(at(2)) {
		t.Errorf("drained = %v, %v; want the trigger of checkpoint 2", end, ok)
	}
	if _, ok := drained(cps, nil, at(4)); ok {
		t.Error("drained with only one empty checkpoint after the feed stopped")
	}
	if _, ok := drained(cps, []time.Time{at(3).Add(time.Millisecond)}, at(2)); ok {
		t.Error("drained across a failure, which replays what came after the checkpoint restored")
	}
	if _, ok := drained(cps[:3], nil, at(0)); ok {
		t.Error("drained with a single empty checkpoint")
	}
}

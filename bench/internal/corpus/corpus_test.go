package corpus

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/streamsql/streamsql/exec"
	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
)

type lines struct {
	mu  sync.Mutex
	got []string
}

func (l *lines) Write(b *exec.Batch) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range b.Rows {
		l.got = append(l.got, r[0].AsString())
	}
	return nil
}
func (l *lines) Finish() error { return nil }
func (l *lines) Close() error  { return nil }

// The benchmark's text is the engine's GENERATE_LINES, line for line.
func TestZipfIsGenerateLines(t *testing.T) {
	out := &lines{}
	s, err := exec.NewSession(exec.Config{Results: func(*planner.Plan) exec.Sink { return out }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stmt, err := parser.ParseScript("", "SELECT line FROM GENERATE_LINES(50, 8, 10000, 42) WITH (parallelism = 1)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Execute(context.Background(), stmt[0]); err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(Zipf(Spec{Lines: 50, WordsPerLine: 8, Vocabulary: 10000, ZipfS: 1.1, Seed: 42})), "\n"), "\n")
	if strings.Join(out.got, "\n") != strings.Join(want, "\n") {
		t.Errorf("GENERATE_LINES gives\n%s\nthe corpus\n%s", strings.Join(out.got[:3], "\n"), strings.Join(want[:3], "\n"))
	}
}

func TestDistinct(t *testing.T) {
	all := strings.Fields(string(Distinct(1000, 8, 1)))
	seen := map[string]bool{}
	for _, w := range all {
		seen[w] = true
	}
	if len(all) != 1000 || len(seen) != 1000 {
		t.Errorf("%d words, %d distinct; want 1000 of each", len(all), len(seen))
	}
	some := strings.Fields(string(Distinct(1000, 8, 100)))
	if len(some) != 10 {
		t.Errorf("every 100th of 1000 keys is %d words, want 10", len(some))
	}
	for _, w := range some {
		if !seen[w] {
			t.Errorf("the update has %q, which is not a key", w)
		}
	}
	if got := CountWords([]byte("a b\nc\n")); got != 3 {
		t.Errorf("CountWords = %d, want 3", got)
	}
	if ts, ok := ParseProbe(Probe(12345)); !ok || ts != 12345 {
		t.Errorf("ParseProbe(Probe(12345)) = %d, %v", ts, ok)
	}
}

package exec

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/streamsql/streamsql/planner"
)

// countingHandler counts the log records at or above Warn.
type countingHandler struct {
	mu    sync.Mutex
	warns []string
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.mu.Lock()
		h.warns = append(h.warns, r.Message)
		h.mu.Unlock()
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

var errBadRecord = errors.New("bad record")

func TestErrorPolicyFail(t *testing.T) {
	for _, p := range []*ErrorPolicy{nil, NewErrorPolicy(planner.OnErrorFail, t.TempDir(), slog.Default())} {
		err := p.Handle("src line 3", "rec", errBadRecord)
		if !errors.Is(err, errBadRecord) || err.Error() != "src line 3: bad record" {
			t.Errorf("Handle: %v", err)
		}
		if err := p.Handle("", "rec", errBadRecord); err != errBadRecord {
			t.Errorf("Handle without where: %v, want the error as it is", err)
		}
		if p.Skipped() != 0 {
			t.Errorf("Skipped = %d", p.Skipped())
		}
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

// skip counts every bad record but logs only the first ten and then every
// thousandth, so a flood of bad records cannot flood the log.
func TestErrorPolicySkip(t *testing.T) {
	h := &countingHandler{}
	dir := t.TempDir()
	p := NewErrorPolicy(planner.OnErrorSkip, dir, slog.New(h))
	for i := 0; i < 2500; i++ {
		if err := p.Handle("src line 1", "rec", errBadRecord); err != nil {
			t.Fatalf("Handle: %v", err)
		}
	}
	if p.Skipped() != 2500 {
		t.Errorf("Skipped = %d, want 2500", p.Skipped())
	}
	if n := len(h.warns); n != 12 {
		t.Errorf("%d warnings logged, want 12 (the first 10, then the 1000th and the 2000th)", n)
	}
	if len(h.warns) > 0 && !strings.Contains(h.warns[0], "src line 1: bad record") {
		t.Errorf("the warning %q does not say what was wrong", h.warns[0])
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("skip wrote into the state directory: %v", entries)
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

func TestErrorPolicyDeadLetter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "job")
	p := NewErrorPolicy(planner.OnErrorDeadLetter, dir, slog.New(&countingHandler{}))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 25; j++ {
				if err := p.Handle("src line 7", "a \"quoted\"\nrecord", errBadRecord); err != nil {
					t.Errorf("Handle: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dead_letter.jsonl")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", fi.Mode().Perm())
	}
	letters := readDeadLetters(t, path)
	if len(letters) != 200 || p.Skipped() != 200 {
		t.Fatalf("%d dead letters, %d skipped; want 200", len(letters), p.Skipped())
	}
	for _, d := range letters {
		if d.Error != "src line 7: bad record" || d.Record != "a \"quoted\"\nrecord" {
			t.Fatalf("dead letter %+v", d)
		}
	}
}

// When the dead-letter file cannot be written, the record's error fails
// the job and says why.
func TestErrorPolicyDeadLetterUnwritable(t *testing.T) {
	blocker := writeFile(t, t.TempDir(), "not-a-dir", "")
	p := NewErrorPolicy(planner.OnErrorDeadLetter, blocker, slog.New(&countingHandler{}))
	err := p.Handle("src line 2", "rec", errBadRecord)
	if !errors.Is(err, errBadRecord) || !strings.Contains(err.Error(), "writing it to the dead-letter file failed") {
		t.Errorf("Handle: %v", err)
	}
}

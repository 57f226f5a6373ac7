package baseline

import (
	"strings"
	"testing"
)

func TestWordCount(t *testing.T) {
	counts, words, err := WordCount(strings.NewReader("to be or not to be\nbe  quick\n" + strings.Repeat("x", 300<<10) + " to"))
	if err != nil {
		t.Fatal(err)
	}
	if words != 11 {
		t.Errorf("read %d words, want 11", words)
	}
	for w, want := range map[string]int{"to": 3, "be": 3, "or": 1, "": 1, "quick": 1, strings.Repeat("x", 300<<10): 1} {
		if p := counts[w]; p == nil || *p != want {
			t.Errorf("count of %.10q = %v, want %d", w, p, want)
		}
	}
}

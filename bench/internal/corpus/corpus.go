// Package corpus generates the benchmark's input text: lines of words
// drawn from a Zipf distribution over a synthetic vocabulary, by the same
// algorithm as the engine's GENERATE_LINES source (exec/source_datagen.go),
// so that a line n is the same whichever of the two made it.
package corpus

import (
	"math"
	"sort"
	"strconv"

	"github.com/streamsql/streamsql/internal/wordgen"
)

// Spec says what text to generate.
type Spec struct {
	Lines        int
	WordsPerLine int
	Vocabulary   int
	ZipfS        float64
	Seed         uint64
}

// Zipf generates Spec's text into one buffer, newline-terminated lines.
// One buffer (rather than a string per line) costs the consumer nothing to
// hold: it has no pointers for the collector to scan.
func Zipf(s Spec) []byte {
	vocab := make([]string, s.Vocabulary)
	cdf := make([]float64, s.Vocabulary)
	total := 0.0
	for k := range vocab {
		vocab[k] = Word(k)
		total += 1 / math.Pow(float64(k+1), s.ZipfS)
		cdf[k] = total
	}
	for k := range cdf {
		cdf[k] /= total
	}
	buf := make([]byte, 0, s.Lines*s.WordsPerLine*8)
	for n := 0; n < s.Lines; n++ {
		state := s.Seed*0x9e3779b97f4a7c15 ^ uint64(n)
		for w := 0; w < s.WordsPerLine; w++ {
			if w > 0 {
				buf = append(buf, ' ')
			}
			u := float64(wordgen.Splitmix64(&state)>>11) / (1 << 53)
			k := min(sort.SearchFloat64s(cdf, u), len(vocab)-1)
			buf = append(buf, vocab[k]...)
		}
		buf = append(buf, '\n')
	}
	return buf
}

// Distinct returns n distinct words, words per line, each word once, in a
// scrambled order (so that neighbouring keys do not share a prefix, as in
// a real key space). With every step-th word only, it is the update of a
// 1/step fraction of the keys.
func Distinct(n, perLine, step int) []byte {
	var buf []byte
	w := 0
	for k := 0; k < n; k += step {
		if w > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, Word(scramble(k, n))...)
		if w++; w == perLine {
			buf, w = append(buf, '\n'), 0
		}
	}
	if w > 0 {
		buf = append(buf, '\n')
	}
	return buf
}

// scramble maps 0..n-1 onto itself one to one: a multiplication by a
// number coprime with n.
func scramble(k, n int) int {
	const a = 2654435761 // odd and prime: coprime with every n it does not divide
	if n%a == 0 {
		return k
	}
	return int(uint64(k) * a % uint64(n))
}

// Word is the k-th word of the vocabulary, as GENERATE_LINES writes it.
func Word(k int) string { return wordgen.Word(k) }

// CountWords returns the number of words in text: spaces plus lines.
func CountWords(text []byte) int64 {
	var n int64
	for _, c := range text {
		if c == ' ' || c == '\n' {
			n++
		}
	}
	return n
}

// Probe is the word a latency probe line carries: "probe" and the time it
// was written, in nanoseconds since the epoch.
func Probe(unixNanos int64) string { return "probe" + strconv.FormatInt(unixNanos, 10) }

// ParseProbe returns the time a probe word carries, or ok=false.
func ParseProbe(word string) (unixNanos int64, ok bool) {
	if len(word) < 6 || word[:5] != "probe" {
		return 0, false
	}
	n, err := strconv.ParseInt(word[5:], 10, 64)
	return n, err == nil
}

package main

import (
	"bytes"
	"sort"

	"github.com/streamsql/streamsql/bench/internal/corpus"
)

// input is the text the soak feeds, cycled through without end: lines of
// words from corpus.Zipf. It knows how often each word occurs in it, so
// that the harness can say what the counts must be after any number of
// lines without keeping what it sent.
//
// The last lines fed, after the input, are the touch lines: every word of
// the vocabulary once. The job prints its changelog, and a key's latest
// change is its count at the time; a line lost in a failure whose words
// never came again would leave a stale value as the latest. Touching every
// word last makes each key's latest change its final count.
type input struct {
	text   []byte
	starts []int // the offset of each line in text, and len(text) last
	once   map[string]int64
	touch  []byte // every word of once, in order, 8 to a line
}

func newInput(spec corpus.Spec) *input {
	text := corpus.Zipf(spec)
	in := &input{text: text, once: map[string]int64{}}
	for pos := 0; pos < len(text); {
		in.starts = append(in.starts, pos)
		pos += bytes.IndexByte(text[pos:], '\n') + 1
	}
	in.starts = append(in.starts, len(text))
	countWords(text, in.once)
	words := make([]string, 0, len(in.once))
	for w := range in.once {
		words = append(words, w)
	}
	sort.Strings(words)
	for i, w := range words {
		in.touch = append(in.touch, w...)
		if i%8 == 7 || i == len(words)-1 {
			in.touch = append(in.touch, '\n')
		} else {
			in.touch = append(in.touch, ' ')
		}
	}
	return in
}

// lines returns the number of lines in one pass over the text.
func (in *input) lines() int64 { return int64(len(in.starts) - 1) }

// line returns line i of the endless cycle, with its newline.
func (in *input) line(i int64) []byte {
	k := i % in.lines()
	return in.text[in.starts[k]:in.starts[k+1]]
}

// expected returns how often each word occurs in the first n lines of the
// cycle: whole passes times the counts of one, plus the start of the next.
func (in *input) expected(n int64) map[string]int64 {
	passes, rest := n/in.lines(), n%in.lines()
	m := make(map[string]int64, len(in.once))
	if passes > 0 {
		for w, c := range in.once {
			m[w] = c * passes
		}
	}
	countWords(in.text[:in.starts[rest]], m)
	return m
}

// final returns the counts the job must end with when the first n lines
// of the cycle and the touch lines have been fed.
func (in *input) final(n int64) map[string]int64 {
	m := in.expected(n)
	countWords(in.touch, m)
	return m
}

// total returns the number of words counted in m.
func total(m map[string]int64) int64 {
	var t int64
	for _, c := range m {
		t += c
	}
	return t
}

// countWords adds the words of text — lines of words separated by single
// spaces, as SPLIT(line, ' ') cuts them — to m.
func countWords(text []byte, m map[string]int64) {
	for len(text) > 0 {
		end := bytes.IndexByte(text, '\n')
		if end < 0 {
			end = len(text)
		}
		for _, w := range bytes.Split(text[:end], []byte{' '}) {
			m[string(w)]++
		}
		text = text[min(end+1, len(text)):]
	}
}

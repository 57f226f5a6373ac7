// Package baseline is the hand-written Go word count that streamsql's
// benchmark measures itself against: read lines from a socket, split them
// on ' ', count each word in a map. It is written as a careful Go
// programmer would write it, in one goroutine: a large bufio.Reader, lines
// taken as slices of its buffer, words cut with bytes.IndexByte, and no
// allocation per word — only one per distinct word.
package baseline

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Counts maps a word to its count. The value is a pointer because in Go
// 1.26 counts[string(b)]++ on a map[string]int allocates the key string on
// every update, while a lookup with string(b) does not: with *int an
// update is a lookup and an increment.
type Counts map[string]*int

// WordCount reads r to its end and counts the words of its lines: the
// pieces between single spaces, as SPLIT(line, ' ') makes them (so two
// spaces make an empty word). It returns the counts and how many words it
// read.
func WordCount(r io.Reader) (Counts, int64, error) {
	counts := Counts{}
	br := bufio.NewReaderSize(r, 256<<10)
	var long []byte // a line longer than the buffer, assembled
	var words int64
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if long != nil {
			line, long = append(long, line...), nil
		}
		if len(line) > 0 {
			words += counts.addLine(bytes.TrimSuffix(line, []byte{'\n'}))
		}
		if errors.Is(err, io.EOF) {
			return counts, words, nil
		}
		if err != nil {
			return counts, words, err
		}
	}
}

func (c Counts) addLine(line []byte) int64 {
	n := int64(0)
	for {
		i := bytes.IndexByte(line, ' ')
		w := line
		if i >= 0 {
			w = line[:i]
		}
		if p := c[string(w)]; p != nil {
			*p++
		} else {
			one := 1
			c[string(w)] = &one
		}
		n++
		if i < 0 {
			return n
		}
		line = line[i+1:]
	}
}

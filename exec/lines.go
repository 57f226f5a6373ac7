package exec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxLineBytes is the longest record a source accepts. A longer line is
// consumed without being held in memory and reported as a bad record, so
// one huge line cannot exhaust memory.
const MaxLineBytes = 16 << 20

// errLineTooLong is the bad-record error of an over-long line.
var errLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// lineReader reads newline-terminated records, dropping a trailing \r, and
// keeps count of lines and bytes consumed so that errors can name a line
// and checkpoints can record an offset.
type lineReader struct {
	r      *bufio.Reader
	max    int
	buf    []byte
	offset int64 // bytes consumed so far
	line   int64 // lines consumed so far
	// head is the start of the latest over-long line: what a dead letter
	// can show of a line too long to keep.
	head []byte
}

// longLineHead is how much of an over-long line is kept to show.
const longLineHead = 1 << 10

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: MaxLineBytes}
}

// next returns the next line without its terminator. The slice is valid
// until the next call. At the end of input it returns io.EOF; a last line
// without a newline is still returned first. An over-long line is consumed
// and reported as errLineTooLong.
func (lr *lineReader) next() ([]byte, error) {
	lr.buf = lr.buf[:0]
	tooLong := false
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.offset += int64(len(chunk))
		if !tooLong {
			// Hold at most the limit plus a \r\n; beyond that the line is
			// too long whatever ends it, and the rest is only skipped.
			if len(lr.buf)+len(chunk) > lr.max+2 {
				n := min(len(lr.buf), longLineHead)
				lr.head = append(lr.head[:0], lr.buf[:n]...)
				lr.head = append(lr.head, chunk[:min(len(chunk), longLineHead-n)]...)
				tooLong, lr.buf = true, lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			lr.line++
			return lr.finish(tooLong)
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && (len(lr.buf) > 0 || tooLong):
			lr.line++
			return lr.finish(tooLong)
		default:
			return nil, err
		}
	}
}

func (lr *lineReader) finish(tooLong bool) ([]byte, error) {
	line := trimEOL(lr.buf)
	if !tooLong && len(line) > lr.max {
		lr.head = append(lr.head[:0], line[:min(len(line), longLineHead)]...)
		tooLong = true
	}
	if tooLong {
		return nil, errLineTooLong
	}
	return line, nil
}

// longLineRecord is what stands for an over-long line where a record is
// shown (a dead letter): its first KiB, cut at a character boundary, and
// "..." — the line itself is not kept, so that it cannot exhaust memory.
func (lr *lineReader) longLineRecord() string {
	head := trimEOL(lr.head)
	for i := 0; i < utf8.UTFMax && len(head) > 0 && !utf8.Valid(head); i++ {
		head = head[:len(head)-1]
	}
	if !utf8.Valid(head) {
		head = lr.head // not text: the dead letter keeps the bytes in base64
	}
	return string(head) + "..."
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

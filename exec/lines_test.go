package exec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads lines until EOF (or another error), recording each line or
// error with the reader's line count and offset after it.
func readAll(t *testing.T, lr *lineReader) []string {
	t.Helper()
	var got []string
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("no EOF after 1000 reads")
		}
		line, err := lr.next()
		switch {
		case errors.Is(err, io.EOF):
			got = append(got, fmt.Sprintf("EOF @%d/%d", lr.line, lr.offset))
			return got
		case errors.Is(err, errLineTooLong):
			got = append(got, fmt.Sprintf("TOO LONG @%d/%d", lr.line, lr.offset))
		case err != nil:
			got = append(got, fmt.Sprintf("error %v @%d/%d", err, lr.line, lr.offset))
			return got
		default:
			got = append(got, fmt.Sprintf("%q @%d/%d", line, lr.line, lr.offset))
		}
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		max    int
		bufLen int // bufio size; 0 for the default
		want   []string
	}{
		{name: "empty input", in: "", want: []string{"EOF @0/0"}},
		{name: "newlines", in: "a\nbc\n", want: []string{`"a" @1/2`, `"bc" @2/5`, "EOF @2/5"}},
		{name: "crlf", in: "a\r\nbc\r\n", want: []string{`"a" @1/3`, `"bc" @2/7`, "EOF @2/7"}},
		{name: "mixed endings", in: "a\r\nb\nc", want: []string{`"a" @1/3`, `"b" @2/5`, `"c" @3/6`, "EOF @3/6"}},
		{name: "last line without newline", in: "a\nlast", want: []string{`"a" @1/2`, `"last" @2/6`, "EOF @2/6"}},
		{name: "empty lines", in: "\n\r\n\nx\n\n", want: []string{`"" @1/1`, `"" @2/3`, `"" @3/4`, `"x" @4/6`, `"" @5/7`, "EOF @5/7"}},
		{name: "a carriage return inside a line is kept", in: "a\rb\n", want: []string{`"a\rb" @1/4`, "EOF @1/4"}},
		{name: "non-ASCII", in: "héllo\n世界\n", want: []string{`"héllo" @1/7`, `"世界" @2/14`, "EOF @2/14"}},
		{name: "too long, then normal", in: "12345\n123456\nok\n", max: 5,
			want: []string{`"12345" @1/6`, "TOO LONG @2/13", `"ok" @3/16`, "EOF @3/16"}},
		{name: "too long lines in a row", in: "1234567\n12345678\nok", max: 5,
			want: []string{"TOO LONG @1/8", "TOO LONG @2/17", `"ok" @3/19`, "EOF @3/19"}},
		{name: "too long last line without newline", in: "ok\n1234567", max: 5,
			want: []string{`"ok" @1/3`, "TOO LONG @2/10", "EOF @2/10"}},
		// A line's limit is on the record, not on its terminator.
		{name: "exactly the limit with crlf", in: "12345\r\nok\n", max: 5,
			want: []string{`"12345" @1/7`, `"ok" @2/10`, "EOF @2/10"}},
		{name: "one past the limit without newline", in: "ok\n123456", max: 5,
			want: []string{`"ok" @1/3`, "TOO LONG @2/9", "EOF @2/9"}},
		// Lines longer than bufio's buffer arrive in pieces.
		{name: "long lines in pieces", in: strings.Repeat("x", 40) + "\n" + strings.Repeat("y", 100) + "\nz\n", max: 64, bufLen: 16,
			want: []string{fmt.Sprintf("%q @1/41", strings.Repeat("x", 40)), "TOO LONG @2/142", `"z" @3/144`, "EOF @3/144"}},
		{name: "long last line in pieces", in: "z\n" + strings.Repeat("x", 40), max: 64, bufLen: 16,
			want: []string{`"z" @1/2`, fmt.Sprintf("%q @2/42", strings.Repeat("x", 40)), "EOF @2/42"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr := newLineReader(strings.NewReader(tt.in))
			if tt.bufLen > 0 {
				lr.r = bufio.NewReaderSize(strings.NewReader(tt.in), tt.bufLen)
			}
			if tt.max > 0 {
				lr.max = tt.max
			}
			got := readAll(t, lr)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

// The slice next returns is the line; it may be reused by the next call,
// so a caller that keeps it must copy — but until then it is intact.
func TestLineReaderSliceValidUntilNext(t *testing.T) {
	lr := newLineReader(strings.NewReader("first\nsecond\n"))
	a, err := lr.next()
	if err != nil || string(a) != "first" {
		t.Fatalf("next = %q, %v", a, err)
	}
	kept := string(a)
	b, err := lr.next()
	if err != nil || string(b) != "second" || kept != "first" {
		t.Fatalf("next = %q, %v (kept %q)", b, err, kept)
	}
}

// A read error other than EOF is returned as it is, after the lines read
// before it.
func TestLineReaderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	lr := newLineReader(io.MultiReader(strings.NewReader("a\nb\n"), iotest.ErrReader(boom)))
	for _, want := range []string{"a", "b"} {
		line, err := lr.next()
		if err != nil || string(line) != want {
			t.Fatalf("next = %q, %v; want %q", line, err, want)
		}
	}
	if _, err := lr.next(); !errors.Is(err, boom) {
		t.Errorf("next after the data: %v, want %v", err, boom)
	}
}

func TestLineTooLongMessage(t *testing.T) {
	if got, want := errLineTooLong.Error(), fmt.Sprintf("line longer than %d bytes", MaxLineBytes); got != want {
		t.Errorf("errLineTooLong = %q, want %q", got, want)
	}
}

// An over-long line is not kept, but its head is, to show in a dead
// letter: cut at a character boundary, and marked as cut.
func TestLongLineRecord(t *testing.T) {
	long := strings.Repeat("€", 2000) // 6000 bytes, 3 a character
	lr := newLineReader(strings.NewReader("short\n" + long + "\nnext\n"))
	lr.max = 100
	if line, err := lr.next(); err != nil || string(line) != "short" {
		t.Fatalf("next = %q, %v", line, err)
	}
	if _, err := lr.next(); !errors.Is(err, errLineTooLong) {
		t.Fatalf("the long line: %v, want errLineTooLong", err)
	}
	if got, want := lr.longLineRecord(), strings.Repeat("€", longLineHead/3)+"..."; got != want {
		t.Errorf("record %q (%d bytes), want %d bytes", got, len(got), len(want))
	}
	if line, err := lr.next(); err != nil || string(line) != "next" {
		t.Fatalf("after the long line, next = %q, %v", line, err)
	}
}

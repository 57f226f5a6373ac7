package exec

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The bad-input tests of docs/reliability.md: records that do not decode,
// at every door a record comes in by, under each on_error policy. fail
// fails the job naming the source, the line and the reason; skip drops and
// counts the record (SHOW JOBS, the log); dead_letter also writes it with
// the reason to the job's dead-letter file. Nothing is lost silently:
// every line is either a row, or a counted bad record.

// badRecord is a line that must be rejected.
type badRecord struct {
	line   int
	err    string // after "s line N: "
	record string // as read, without the newline
}

type badInputCase struct {
	name    string
	columns string // the source's column list; "" for format lines
	format  string
	input   string
	good    []string // the rows of the good lines, as changes
	bad     []badRecord
}

var badInputCases = []badInputCase{
	{
		name: "csv", columns: "(a BIGINT, b STRING)", format: "csv",
		input: "1,one\n" +
			"\n" +
			"2,\"unterminated\n" +
			"\"x\"y,3\n" +
			"three,3\n" +
			"9223372036854775808,big\n" +
			"4,f\xffur\n" +
			"5,\x00nul\n" +
			"6,six,extra\n" +
			"7,seven",
		good: []string{"+I[1, one]", "+I[5, \x00nul]", "+I[7, seven]"},
		bad: []badRecord{
			{2, "empty line, expected 2 fields", ""},
			{3, "unterminated quoted field", "2,\"unterminated"},
			{4, "unexpected 'y' after a quoted field", "\"x\"y,3"},
			{5, "column a: cannot read 'three' as BIGINT", "three,3"},
			{6, "column a: cannot read '9223372036854775808' as BIGINT", "9223372036854775808,big"},
			{7, "invalid UTF-8 at byte 3", "4,f\xffur"},
			{9, "expected 2 fields, got 3", "6,six,extra"},
		},
	},
	{
		name: "json", columns: "(a BIGINT, b STRING)", format: "json",
		input: "{\"a\": 1, \"b\": \"one\"}\n" +
			"\n" +
			"{\"a\":\n" +
			"[1, 2]\n" +
			"{\"a\": \"x\"}\n" +
			"{\"a\": 1.5}\n" +
			"{\"a\": 1}{\"a\": 2}\n" +
			"{\"b\": \"\xff\"}\n" +
			"{\"b\": " + strings.Repeat("[", 20000) + "\n" +
			"{\"a\": 2, \"b\": null}\r\n",
		good: []string{"+I[1, one]", "+I[2, NULL]"},
		bad: []badRecord{
			{2, "empty line, expected a JSON object", ""},
			{3, "not valid JSON: unexpected EOF", "{\"a\":"},
			{4, "expected a JSON object, got an array", "[1, 2]"},
			{5, "field \"a\": cannot read 'x' as BIGINT", "{\"a\": \"x\"}"},
			{6, "field \"a\": 1.5 is not a BIGINT", "{\"a\": 1.5}"},
			{7, "unexpected '{\"a\": 2}' after the JSON object", "{\"a\": 1}{\"a\": 2}"},
			{8, "invalid UTF-8 at byte 7", "{\"b\": \"\xff\"}"},
			{9, "not valid JSON: invalid character '[' exceeded max depth", "{\"b\": " + strings.Repeat("[", 20000)},
		},
	},
	{
		// An empty line is a record, the empty string — as a line server
		// sends it, and as Flink's socketTextStream reads it.
		name: "lines", format: "lines",
		input: "hello\n" +
			"\n" +
			"caf\xe9\n" +
			"\x00\x01\x02\n" +
			"\r\n" +
			"\xff\xfe\xfd\n" +
			"end",
		good: []string{"+I[hello]", "+I[]", "+I[\x00\x01\x02]", "+I[]", "+I[end]"},
		bad: []badRecord{
			{3, "invalid UTF-8 at byte 3", "caf\xe9"},
			{6, "invalid UTF-8 at byte 0", "\xff\xfe\xfd"},
		},
	},
}

// createBadSource writes the case's input and makes it source s.
func createBadSource(t *testing.T, ts *testSession, c badInputCase) {
	t.Helper()
	path := writeFile(t, t.TempDir(), "in.txt", c.input)
	ts.mustExec(fmt.Sprintf("CREATE SOURCE s %s WITH (connector = 'file', path = %s, format = '%s')", c.columns, sqlString(path), c.format))
}

// TestBadRecordsFail: the job fails at the first bad record, naming the
// source, the line and the reason.
func TestBadRecordsFail(t *testing.T) {
	for _, c := range badInputCases {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestSession(t, sessionOpts{})
			createBadSource(t, ts, c)
			res, err := ts.exec("SELECT * FROM s WITH (on_error = 'fail')")
			want := fmt.Sprintf("s line %d: %s", c.bad[0].line, c.bad[0].err)
			if err == nil || err.Error() != want {
				t.Fatalf("got %v, want %q", err, want)
			}
			if res.Job.State() != JobFailed {
				t.Errorf("job %s, want FAILED", res.Job.State())
			}
		})
	}
}

// TestBadRecordsSkip: the job finishes with every good record; each bad
// one is counted, in the job's info and in SHOW JOBS, and logged.
func TestBadRecordsSkip(t *testing.T) {
	for _, c := range badInputCases {
		t.Run(c.name, func(t *testing.T) {
			h := &recordingHandler{}
			ts := newTestSession(t, sessionOpts{log: slog.New(h)})
			createBadSource(t, ts, c)
			res := ts.mustExec("SELECT * FROM s WITH (on_error = 'skip', parallelism = 1)")
			checkGoodAndCounted(t, ts, res.Job, c)
			for _, b := range c.bad {
				if got := h.matching(fmt.Sprintf("bad record (on_error=skip): s line %d: %s", b.line, b.err)); len(got) != 1 {
					t.Errorf("line %d is logged %d times, want once", b.line, len(got))
				}
			}
			if _, err := os.Stat(filepath.Join(ts.stateDir, res.Job.Name, "dead_letter.jsonl")); err == nil {
				t.Error("skip wrote dead letters")
			}
		})
	}
}

// TestBadRecordsDeadLetter: as skip, and each bad record is in the
// dead-letter file with its reason, byte for byte.
func TestBadRecordsDeadLetter(t *testing.T) {
	for _, c := range badInputCases {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestSession(t, sessionOpts{})
			createBadSource(t, ts, c)
			res := ts.mustExec("SELECT * FROM s WITH (on_error = 'dead_letter', parallelism = 1, job_name = 'dl')")
			checkGoodAndCounted(t, ts, res.Job, c)
			letters := readDeadLetters(t, filepath.Join(ts.stateDir, "dl", "dead_letter.jsonl"))
			if len(letters) != len(c.bad) {
				t.Fatalf("%d dead letters, want %d", len(letters), len(c.bad))
			}
			for i, b := range c.bad {
				d := letters[i]
				if want := fmt.Sprintf("s line %d: %s", b.line, b.err); d.Error != want {
					t.Errorf("dead letter %d: error %q, want %q", i, d.Error, want)
				}
				if got := deadLetterRecord(t, d); got != b.record {
					t.Errorf("dead letter %d: record %q, want %q", i, got, b.record)
				}
			}
		})
	}
}

// deadLetterRecord returns the exact bytes of a dead letter's record.
func deadLetterRecord(t *testing.T, d deadLetter) string {
	t.Helper()
	if d.RecordBase64 == "" {
		return d.Record
	}
	raw, err := base64.StdEncoding.DecodeString(d.RecordBase64)
	if err != nil {
		t.Fatalf("record_base64 %q: %v", d.RecordBase64, err)
	}
	return string(raw)
}

// checkGoodAndCounted checks that a job that went on past bad records
// produced every good one and counted every bad one, and that together
// they are every line of the input.
func checkGoodAndCounted(t *testing.T, ts *testSession, job *Job, c badInputCase) {
	t.Helper()
	if got := ts.lastSink().Changes(); strings.Join(got, "\n") != strings.Join(c.good, "\n") {
		t.Errorf("changes %q, want %q", got, c.good)
	}
	info := job.Info()
	if info.State != JobFinished || info.BadRecords != int64(len(c.bad)) {
		t.Errorf("job %s with %d bad records, want FINISHED with %d", info.State, info.BadRecords, len(c.bad))
	}
	lines := int64(strings.Count(c.input, "\n"))
	if !strings.HasSuffix(c.input, "\n") {
		lines++
	}
	if info.RecordsIn+info.BadRecords != lines {
		t.Errorf("%d records in and %d bad of %d lines: some were lost", info.RecordsIn, info.BadRecords, lines)
	}
	res := ts.mustExec("SHOW JOBS")
	col := -1
	for i, name := range res.Columns {
		if name == "bad records" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("SHOW JOBS has no bad records column: %q", res.Columns)
	}
	row := res.Rows[len(res.Rows)-1]
	if row[col] != strconv.Itoa(len(c.bad)) {
		t.Errorf("SHOW JOBS says %s bad records, want %d", row[col], len(c.bad))
	}
}

// writeHugeLine writes a file with a line of n bytes between two short
// ones, without holding the line in memory.
func writeHugeLine(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "huge.txt")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("before\n")
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for written := 0; written < n; written += len(chunk) {
		w.Write(chunk[:min(len(chunk), n-written)])
	}
	w.WriteString("\nafter\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHugeLine: a line of 100 MB is not held in memory but rejected as a
// bad record (a line may be at most MaxLineBytes, 16 MiB), under each
// policy; the lines around it are read. The dead letter shows the line's
// first KiB. (cmd/streamsql's TestHugeLineMemory measures the memory.)
func TestHugeLine(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 100 MB file")
	}
	path := writeHugeLine(t, 100<<20)
	want := fmt.Sprintf("s line 2: line longer than %d bytes", MaxLineBytes)
	for _, mode := range []string{"fail", "skip", "dead_letter"} {
		t.Run(mode, func(t *testing.T) {
			ts := newTestSession(t, sessionOpts{})
			ts.mustExec(fmt.Sprintf("CREATE SOURCE s WITH (connector = 'file', path = %s)", sqlString(path)))
			res, err := ts.exec(fmt.Sprintf("SELECT line FROM s WITH (on_error = '%s', job_name = 'huge')", mode))
			if mode == "fail" {
				if err == nil || err.Error() != want {
					t.Fatalf("got %v, want %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(ts.lastSink().Changes(), " "); got != "+I[before] +I[after]" {
				t.Errorf("changes %s", got)
			}
			if n := res.Job.Info().BadRecords; n != 1 {
				t.Errorf("%d bad records, want 1", n)
			}
			if mode == "dead_letter" {
				letters := readDeadLetters(t, filepath.Join(ts.stateDir, "huge", "dead_letter.jsonl"))
				if len(letters) != 1 || letters[0].Error != want || letters[0].Record != strings.Repeat("x", longLineHead)+"..." {
					t.Errorf("dead letters %.200v", letters)
				}
			}
		})
	}
}

// garbage returns lines random from a fixed seed: half are raw bytes
// (mostly invalid UTF-8), half valid UTF-8 made of NULs, control
// characters, carriage returns, emoji and combining marks.
func garbage(lines int) []byte {
	rng := rand.New(rand.NewSource(7))
	runes := []rune{0, 1, 7, '\r', '\t', 0x7f, 'a', 'é', 0x301, 0xfeff, 0xfffd, 0x1f600, 0x10ffff}
	var b []byte
	for i := 0; i < lines; i++ {
		n := rng.Intn(300)
		if i%2 == 0 {
			for j := 0; j < n; j++ {
				if c := byte(rng.Intn(256)); c != '\n' {
					b = append(b, c)
				}
			}
		} else {
			for j := 0; j < n; j++ {
				b = utf8.AppendRune(b, runes[rng.Intn(len(runes))])
			}
		}
		b = append(b, '\n')
	}
	return b
}

// splitGarbage says what a source makes of text: its lines that are rows
// and its lines that are bad (with the 1-based line number of the first).
func splitGarbage(text []byte) (good, bad int, firstBad int, firstErr string) {
	for i, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if utf8.ValidString(line) {
			good++
			continue
		}
		if bad++; bad == 1 {
			firstBad, firstErr = i+1, fmt.Sprintf("invalid UTF-8 at byte %d", invalidUTF8At(line))
		}
	}
	return good, bad, firstBad, firstErr
}

// TestSocketGarbage sends binary garbage between two good lines, then a
// line over the length limit: under fail the job fails naming the first
// bad line; under skip and dead_letter it goes on, the good lines arrive,
// and every line is a row or a counted bad record.
func TestSocketGarbage(t *testing.T) {
	text := append([]byte("first\n"), garbage(2000)...)
	text = append(text, "last\n"...)
	good, bad, firstBad, firstErr := splitGarbage(text)
	if bad < 100 || good < 100 {
		t.Fatalf("the garbage has %d good and %d bad lines: it should have many of both", good, bad)
	}
	long := append(bytes.Repeat([]byte("y"), MaxLineBytes+10), "\nafter the long line\n"...)
	for _, mode := range []string{"fail", "skip", "dead_letter"} {
		t.Run(mode, func(t *testing.T) {
			srv := newLineServer(t)
			ts := newTestSession(t, sessionOpts{})
			job := ts.submit(fmt.Sprintf("SELECT line FROM SOCKET('%s') WITH (on_error = '%s', job_name = 'g', parallelism = 1)", srv.addr(), mode))
			c := srv.accept()
			write(t, c, string(text))
			if mode == "fail" {
				waitJob(t, job)
				want := fmt.Sprintf("SOCKET('%s') line %d: %s", srv.addr(), firstBad, firstErr)
				if job.State() != JobFailed || job.Err() == nil || job.Err().Error() != want {
					t.Fatalf("job %s, err %v; want FAILED with %q", job.State(), job.Err(), want)
				}
				return
			}
			write(t, c, string(long))
			sink := ts.waitForSink(t)
			changes := sink.waitFor(t, good+1)
			if changes[0] != "+I[first]" || changes[good-1] != "+I[last]" || changes[good] != "+I[after the long line]" {
				t.Errorf("the good lines around the garbage: %q, %q, %q", changes[0], changes[good-1], changes[good])
			}
			info := job.Info()
			if info.State != JobRunning || info.BadRecords != int64(bad+1) || info.RecordsIn != int64(good+1) {
				t.Errorf("job %s with %d records in and %d bad, want RUNNING with %d and %d",
					info.State, info.RecordsIn, info.BadRecords, good+1, bad+1)
			}
			job.Cancel()
			waitJob(t, job)
			if mode == "dead_letter" {
				letters := readDeadLetters(t, filepath.Join(ts.stateDir, "g", "dead_letter.jsonl"))
				if len(letters) != bad+1 {
					t.Fatalf("%d dead letters, want %d", len(letters), bad+1)
				}
				// The long line is rejected as it is read, the others as
				// their chunk is decoded: its letter may come first.
				long := 0
				for _, d := range letters {
					if strings.Contains(d.Error, "line longer than") && d.Record == strings.Repeat("y", longLineHead)+"..." {
						long++
						continue
					}
					if got := deadLetterRecord(t, d); utf8.ValidString(got) || !(bytes.Contains(text, []byte(got+"\n")) || bytes.Contains(text, []byte(got+"\r\n"))) {
						t.Errorf("a dead letter's record is not a garbage line: %q", got)
					}
				}
				if long != 1 {
					t.Errorf("%d dead letters for the long line, want 1", long)
				}
			}
		})
	}
}

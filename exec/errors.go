package exec

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/streamsql/streamsql/planner"
)

// ErrorPolicy applies the on_error option to a record that fails to decode
// or evaluate: fail the job, skip the record (counted and logged), or write
// it with its error to the job's dead-letter file. It is shared by the
// job's tasks.
type ErrorPolicy struct {
	mode    planner.OnError
	log     *slog.Logger
	skipped atomic.Int64
	// deadLetterPath is where dead_letter writes; the file is opened on
	// the first bad record.
	deadLetterPath string
	mu             sync.Mutex
	deadLetter     *os.File
}

// NewErrorPolicy returns the policy for mode; dead letters go to
// dir/dead_letter.jsonl.
func NewErrorPolicy(mode planner.OnError, dir string, log *slog.Logger) *ErrorPolicy {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ErrorPolicy{mode: mode, log: log, deadLetterPath: filepath.Join(dir, "dead_letter.jsonl")}
}

// Handle decides what happens to a bad record. where names the record
// (a source and line) or is empty when err already says where it is (an
// expression's position); record is its text. It returns nil when the job
// goes on, or the error that fails the job.
func (p *ErrorPolicy) Handle(where, record string, err error) error {
	if where != "" {
		err = fmt.Errorf("%s: %w", where, err)
	}
	var raised *planner.RaisedError
	if p == nil || p.mode == planner.OnErrorFail || errors.As(err, &raised) {
		// RAISE_ERROR is there to fail the job, whatever on_error says.
		return err
	}
	n := p.skipped.Add(1)
	if p.mode == planner.OnErrorDeadLetter {
		if werr := p.writeDeadLetter(record, err); werr != nil {
			return fmt.Errorf("%w (and writing it to the dead-letter file failed: %v)", err, werr)
		}
	}
	// Log the first few in full, then only every thousandth, so a flood of
	// bad records cannot flood the log.
	if n <= 10 || n%1000 == 0 {
		p.log.Warn(fmt.Sprintf("bad record (on_error=%s): %v", p.mode, err), "bad_records", n)
	}
	return nil
}

// Quarantine writes a record that made the job fail to the dead-letter
// file, whatever on_error says: the record is set aside, so that the run
// after the failure does not fail on it again.
func (p *ErrorPolicy) Quarantine(where, record string, err error) {
	if werr := p.writeDeadLetter(record, err); werr != nil {
		p.log.Warn(fmt.Sprintf("writing a quarantined record to the dead-letter file: %v", werr))
	}
	p.log.Warn(fmt.Sprintf("%s: quarantined the record that made the job fail (%v); runs that replay it will skip it; see %s",
		where, err, p.deadLetterPath))
}

// Skipped returns how many records were skipped or dead-lettered.
func (p *ErrorPolicy) Skipped() int64 {
	if p == nil {
		return 0
	}
	return p.skipped.Load()
}

func (p *ErrorPolicy) writeDeadLetter(record string, err error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.deadLetter == nil {
		if err := os.MkdirAll(filepath.Dir(p.deadLetterPath), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(p.deadLetterPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		p.deadLetter = f
	}
	entry := struct {
		Time   string `json:"time"`
		Error  string `json:"error"`
		Record string `json:"record"`
		// RecordBase64 holds the exact bytes of a record that is not
		// valid UTF-8, which JSON text cannot carry.
		RecordBase64 string `json:"record_base64,omitempty"`
	}{Time: time.Now().UTC().Format(time.RFC3339Nano), Error: err.Error(), Record: record}
	if !utf8.ValidString(record) {
		entry.RecordBase64 = base64.StdEncoding.EncodeToString([]byte(record))
	}
	line, _ := json.Marshal(entry)
	_, werr := p.deadLetter.Write(append(line, '\n'))
	return werr
}

// Close closes the dead-letter file.
func (p *ErrorPolicy) Close() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.deadLetter != nil {
		err := p.deadLetter.Close()
		p.deadLetter = nil
		return err
	}
	return nil
}

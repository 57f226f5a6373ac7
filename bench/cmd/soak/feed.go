package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// poisonLine is the line the query turns into RAISE_ERROR: each one the
// feeder writes fails the job once.
const poisonLine = "ERROR"

// feeder writes the input to the job's socket connection: paced at a rate
// (lines of the input due by each millisecond), with a poison line every
// failEvery, or all at once (rate 0); then the touch lines. It counts what
// it has written, which is all the harness knows of what the counts must
// be.
//
// With source_log = 'on' the job keeps one connection for its whole life,
// so the feeder writes on one connection and keeps it open until the
// harness is done: a connection that closes early would make the count of
// what arrived uncertain.
type feeder struct {
	in          *input
	linesPerSec float64 // 0: everything at once
	total       int64   // lines to write when linesPerSec is 0
	failEvery   time.Duration
	duration    time.Duration

	started chan struct{} // closed when the job has connected
	stopped chan struct{} // closed when the feeder has written its last line
	release chan struct{} // closed by the harness: the feeder may return

	mu       sync.Mutex
	start    time.Time
	end      time.Time
	lines    int64       // lines of the input written
	failures []time.Time // when each poison line was written
	err      error
}

func newFeeder(in *input) *feeder {
	return &feeder{in: in, started: make(chan struct{}), stopped: make(chan struct{}), release: make(chan struct{})}
}

// sent returns the lines of the input written so far and the poison lines.
func (f *feeder) sent() (lines int64, failures int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lines, len(f.failures)
}

// feed is the lineserver.Feeder of the job's connection.
func (f *feeder) feed(w io.Writer) error {
	f.mu.Lock()
	f.start = time.Now()
	f.mu.Unlock()
	close(f.started)
	var err error
	if f.linesPerSec == 0 {
		err = f.burst(w)
	} else {
		err = f.paced(w)
	}
	if err == nil {
		if _, err = w.Write(f.in.touch); err != nil {
			err = fmt.Errorf("writing to the job's connection: %w", err)
		}
	}
	f.mu.Lock()
	f.end, f.err = time.Now(), err
	f.mu.Unlock()
	close(f.stopped)
	<-f.release
	return err
}

// burst writes f.total lines in writes of about a megabyte.
func (f *feeder) burst(w io.Writer) error {
	var buf []byte
	for n := int64(0); n < f.total; {
		buf = buf[:0]
		for ; n < f.total && len(buf) < 1<<20; n++ {
			buf = append(buf, f.in.line(n)...)
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("writing to the job's connection: %w", err)
		}
		f.mu.Lock()
		f.lines = n
		f.mu.Unlock()
	}
	return nil
}

// paced writes every millisecond the lines due by then, for f.duration.
// When a write blocks (the job does not read as fast), the lines due pile
// up and go in the next write: the rate achieved is reported, not assumed.
func (f *feeder) paced(w io.Writer) error {
	start := time.Now()
	nextFailure := start.Add(f.failEvery)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var buf []byte
	var n int64
	for now := start; now.Sub(start) < f.duration; now = <-tick.C {
		due := int64(f.linesPerSec * now.Sub(start).Seconds())
		buf = buf[:0]
		for ; n < due; n++ {
			buf = append(buf, f.in.line(n)...)
		}
		poison := f.failEvery > 0 && !now.Before(nextFailure)
		if poison {
			buf = append(buf, poisonLine+"\n"...)
			nextFailure = nextFailure.Add(f.failEvery)
		}
		if len(buf) == 0 {
			continue
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("writing to the job's connection: %w", err)
		}
		f.mu.Lock()
		f.lines = n
		if poison {
			f.failures = append(f.failures, now)
		}
		f.mu.Unlock()
	}
	return nil
}

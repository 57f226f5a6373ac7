package exec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/streamsql/streamsql/planner"
)

// socketSource reads lines from a TCP server (SOCKET('host:port')), like
// Flink's socketTextStream. It is unbounded. When the connection drops it
// reconnects with exponential backoff; after max_retries failed attempts in
// a row it fails, and the job's restart strategy takes over.
//
// A socket cannot replay: by itself the source has no position, and lines
// received since the last checkpoint are lost in a failure — as in Flink.
// With the job option source_log = 'on', a feed that lives as long as the
// job (not one run of it) keeps the connection and appends every line to
// the job's store as it arrives; the source reads the log, its position is
// a sequence number in it, and a run after a failure reads on from the
// restored position. A failure then loses no line: not those received
// since the checkpoint, nor those arriving while the job restarts.
type socketSource struct {
	env    sourceEnv
	reader *socketReader

	// without a log: this run's connection
	cancel context.CancelFunc
	chunks chan *recordBatcher
	errc   chan error

	// with a log: the job's feed and where this run is in it
	feed   *socketFeed
	cursor uint64
}

const (
	socketBackoffInitial = 100 * time.Millisecond
	socketBackoffMax     = 5 * time.Second
)

func newSocketSource(spec *planner.SourceSpec, env sourceEnv, dec decoder) (*socketSource, error) {
	retries, err := strconv.Atoi(spec.Options["max_retries"])
	if err != nil {
		return nil, err
	}
	reader := &socketReader{env: env, addr: spec.Options["address"], maxRetries: retries, dec: dec, width: len(spec.Columns)}
	return &socketSource{env: env, reader: reader}, nil
}

func (s *socketSource) Seek(pos []byte) error {
	if s.feed == nil || pos == nil {
		return nil
	}
	n, err := readCounterPos(pos)
	s.cursor = n
	if err == nil && s.feed.log.nextSeq() > n+1 {
		s.env.log.Info(fmt.Sprintf("%s: reading on from line %d of the source log", s.env.name, n+1))
	}
	return err
}

func (s *socketSource) Fetch(ctx context.Context) (*Batch, []byte, error) {
	if s.feed != nil {
		return s.fetchLogged(ctx)
	}
	if s.chunks == nil {
		s.start()
	}
	select {
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	case err := <-s.errc:
		return nil, nil, err
	case chunk := <-s.chunks:
		// Line numbers start over with every run: they identify nothing
		// across runs, and nothing is replayed anyway.
		b, _, err := chunk.build(nil)
		if b != nil {
			b.RecordIDs = nil
		}
		return b, nil, err
	}
}

// fetchLogged returns the next lines of the log after the cursor, waiting
// for the feed to append some when there are none.
func (s *socketSource) fetchLogged(ctx context.Context) (*Batch, []byte, error) {
	for {
		changed := s.feed.changed()
		chunk := s.reader.newChunk()
		err := s.feed.log.read(s.cursor, s.env.batchRows, func(seq uint64, rec []byte) {
			chunk.add(rec, int64(seq))
		})
		if err != nil {
			return nil, nil, err
		}
		if chunk.len() > 0 {
			s.cursor = chunk.ids[len(chunk.ids)-1]
			return chunk.build(counterPos(s.cursor))
		}
		select {
		case <-changed:
		case <-s.feed.failed:
			return nil, nil, s.feed.err
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}

func (s *socketSource) start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.chunks = make(chan *recordBatcher, 4)
	s.errc = make(chan error, 1)
	go func() {
		err := s.reader.run(ctx, func(chunk *recordBatcher) error {
			select {
			case s.chunks <- chunk:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if err != nil {
			s.errc <- err
		}
	}()
}

func (s *socketSource) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	return nil
}

// socketFeed keeps a job's connection and logs what arrives, across the
// job's runs.
type socketFeed struct {
	log    *sourceLog
	reader *socketReader
	cancel context.CancelFunc
	notify chan struct{} // closed and replaced when lines are appended
	failed chan struct{} // closed when the feed gives up; err says why
	err    error
}

// startFeed starts logging a socket for the job.
func startFeed(log *sourceLog, reader *socketReader) *socketFeed {
	ctx, cancel := context.WithCancel(context.Background())
	f := &socketFeed{log: log, reader: reader, cancel: cancel, notify: make(chan struct{}), failed: make(chan struct{})}
	go func() {
		f.err = reader.run(ctx, func(chunk *recordBatcher) error {
			// Logged durably before anyone processes it.
			if _, err := f.log.append(chunk.records()); err != nil {
				return fmt.Errorf("%s: writing the source log: %w", reader.env.name, err)
			}
			f.log.mu.Lock()
			close(f.notify)
			f.notify = make(chan struct{})
			f.log.mu.Unlock()
			return nil
		})
		if f.err == nil {
			f.err = context.Canceled
		}
		close(f.failed)
	}()
	return f
}

// changed returns a channel closed at the next append.
func (f *socketFeed) changed() <-chan struct{} {
	f.log.mu.Lock()
	defer f.log.mu.Unlock()
	return f.notify
}

func (f *socketFeed) alive() bool {
	select {
	case <-f.failed:
		return false
	default:
		return true
	}
}

func (f *socketFeed) stop() { f.cancel() }

// socketReader connects, reconnects, and delivers the lines it reads in
// chunks: a chunk goes out when it is full or when no more input is
// waiting, so a line typed by hand is processed at once and a fast stream
// in bulk.
type socketReader struct {
	env        sourceEnv
	addr       string
	maxRetries int
	dec        decoder
	width      int
	lineNo     int64
}

func (r *socketReader) newChunk() *recordBatcher {
	return &recordBatcher{env: r.env, dec: r.dec, width: r.width}
}

// run reads until ctx is done (returning nil) or it fails.
func (r *socketReader) run(ctx context.Context, deliver func(*recordBatcher) error) error {
	var dialer net.Dialer
	backoff := socketBackoffInitial
	failures := 0
	for ctx.Err() == nil {
		conn, err := dialer.DialContext(ctx, "tcp", r.addr)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			if failures > r.maxRetries {
				return fmt.Errorf("%s: cannot connect after %d attempts: %w", r.env.name, failures, err)
			}
			r.env.log.Warn(fmt.Sprintf("%s: cannot connect (%v); retrying in %s", r.env.name, unwrapOpError(err), backoff))
			if !sleep(ctx, backoff) {
				return nil
			}
			backoff = min(2*backoff, socketBackoffMax)
			continue
		}
		r.env.log.Info(fmt.Sprintf("%s: connected", r.env.name))
		failures, backoff = 0, socketBackoffInitial
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		err = r.readConn(ctx, conn, deliver)
		stop()
		conn.Close()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		r.env.log.Warn(fmt.Sprintf("%s: connection closed; reconnecting in %s", r.env.name, backoff))
		if !sleep(ctx, backoff) {
			return nil
		}
	}
	return nil
}

// readConn reads lines until the connection ends. It returns an error only
// for a bad record the error policy refuses, or one deliver returns.
func (r *socketReader) readConn(ctx context.Context, conn net.Conn, deliver func(*recordBatcher) error) error {
	lr := newLineReader(conn)
	chunk := r.newChunk()
	send := func() error {
		if chunk.len() == 0 {
			return nil
		}
		err := deliver(chunk)
		chunk = r.newChunk()
		return err
	}
	for {
		line, err := lr.next()
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				r.lineNo++
				if err := r.env.errors.Handle(fmt.Sprintf("%s line %d", r.env.name, r.lineNo), lr.longLineRecord(), err); err != nil {
					return err
				}
				continue
			}
			if err := send(); err != nil && ctx.Err() == nil {
				return err
			}
			return nil // EOF or a broken connection: reconnect
		}
		r.lineNo++
		chunk.add(line, r.lineNo)
		if chunk.len() >= r.env.batchRows || lr.r.Buffered() == 0 {
			if err := send(); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// unwrapOpError shortens "dial tcp 127.0.0.1:9100: connect: connection
// refused" to "connection refused"; the address is already in the message.
func unwrapOpError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		inner := op.Err
		var sys interface{ Unwrap() error }
		if errors.As(inner, &sys) && sys.Unwrap() != nil {
			return sys.Unwrap()
		}
		return inner
	}
	return err
}

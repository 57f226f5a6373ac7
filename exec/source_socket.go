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
// A socket cannot replay, so by itself it gives no position and lines
// received since the last checkpoint are lost in a failure — as in Flink.
// With the job option source_log = 'on' it appends what it receives to the
// job's store before processing it; its position is then the log's
// sequence number, and a restored job reads the lines after it back first.
type socketSource struct {
	env        sourceEnv
	addr       string
	maxRetries int
	dec        decoder
	width      int

	cancel  context.CancelFunc
	chunks  chan *recordBatcher
	errc    chan error
	started bool
	lineNo  int64

	replayAfter uint64 // the logged position to replay from
	replayed    bool
	pending     []*recordBatcher // replayed records waiting to be fetched
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
	return &socketSource{env: env, addr: spec.Options["address"], maxRetries: retries, dec: dec, width: len(spec.Columns)}, nil
}

func (s *socketSource) Seek(pos []byte) error {
	if s.env.sourceLog == nil || pos == nil {
		return nil
	}
	n, err := readCounterPos(pos)
	s.replayAfter = n
	return err
}

func (s *socketSource) Fetch(ctx context.Context) (*Batch, []byte, error) {
	if !s.replayed {
		s.replayed = true
		if err := s.loadReplay(); err != nil {
			return nil, nil, err
		}
	}
	if len(s.pending) > 0 {
		chunk := s.pending[0]
		s.pending = s.pending[1:]
		return chunk.build(counterPos(chunk.ids[len(chunk.ids)-1]))
	}
	if !s.started {
		s.start()
	}
	select {
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	case err := <-s.errc:
		return nil, nil, err
	case chunk := <-s.chunks:
		var pos []byte
		if s.env.sourceLog != nil {
			pos = counterPos(chunk.ids[len(chunk.ids)-1])
		}
		return chunk.build(pos)
	}
}

// loadReplay reads the logged lines after the restored position.
func (s *socketSource) loadReplay() error {
	if s.env.sourceLog == nil {
		return nil
	}
	chunk := s.newChunk()
	err := s.env.sourceLog.replay(s.replayAfter, func(seq uint64, rec []byte) error {
		chunk.add(rec, int64(seq))
		if chunk.len() >= s.env.batchRows {
			s.pending = append(s.pending, chunk)
			chunk = s.newChunk()
		}
		return nil
	})
	if chunk.len() > 0 {
		s.pending = append(s.pending, chunk)
	}
	if n := len(s.pending); n > 0 {
		s.env.log.Info(fmt.Sprintf("%s: replaying the lines logged after line %d", s.env.name, s.replayAfter))
	}
	return err
}

func (s *socketSource) newChunk() *recordBatcher {
	return &recordBatcher{env: s.env, dec: s.dec, width: s.width}
}

func (s *socketSource) start() {
	s.started = true
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.chunks = make(chan *recordBatcher, 4)
	s.errc = make(chan error, 1)
	go func() {
		if err := s.read(ctx); err != nil {
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

// read connects, reconnects, and sends the lines it reads in chunks: a
// chunk goes out when it is full or when no more input is waiting, so a
// line typed by hand is processed at once and a fast stream in bulk.
func (s *socketSource) read(ctx context.Context) error {
	var dialer net.Dialer
	backoff := socketBackoffInitial
	failures := 0
	for ctx.Err() == nil {
		conn, err := dialer.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			if failures > s.maxRetries {
				return fmt.Errorf("%s: cannot connect after %d attempts: %w", s.env.name, failures, err)
			}
			s.env.log.Warn(fmt.Sprintf("%s: cannot connect (%v); retrying in %s", s.env.name, unwrapOpError(err), backoff))
			if !sleep(ctx, backoff) {
				return nil
			}
			backoff = min(2*backoff, socketBackoffMax)
			continue
		}
		s.env.log.Info(fmt.Sprintf("%s: connected", s.env.name))
		failures, backoff = 0, socketBackoffInitial
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		err = s.readConn(ctx, conn)
		stop()
		conn.Close()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		s.env.log.Warn(fmt.Sprintf("%s: connection closed; reconnecting in %s", s.env.name, backoff))
		if !sleep(ctx, backoff) {
			return nil
		}
	}
	return nil
}

// readConn reads lines until the connection ends. It returns an error only
// for a bad record the error policy refuses, or a log that cannot be
// written.
func (s *socketSource) readConn(ctx context.Context, conn net.Conn) error {
	lr := newLineReader(conn)
	chunk := s.newChunk()
	send := func() error {
		if chunk.len() == 0 {
			return nil
		}
		if s.env.sourceLog != nil {
			// Logged before anyone sees it, so that a failure cannot lose it.
			first, err := s.env.sourceLog.append(chunk.records())
			if err != nil {
				return fmt.Errorf("%s: writing the source log: %w", s.env.name, err)
			}
			for i := range chunk.ids {
				chunk.ids[i] = first + uint64(i)
			}
		}
		select {
		case s.chunks <- chunk:
			chunk = s.newChunk()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		line, err := lr.next()
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				s.lineNo++
				if err := s.env.errors.Handle(fmt.Sprintf("%s line %d", s.env.name, s.lineNo), "", err); err != nil {
					return err
				}
				continue
			}
			if err := send(); err != nil && ctx.Err() == nil {
				return err
			}
			return nil // EOF or a broken connection: reconnect
		}
		s.lineNo++
		chunk.add(line, s.lineNo)
		if chunk.len() >= s.env.batchRows || lr.r.Buffered() == 0 {
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

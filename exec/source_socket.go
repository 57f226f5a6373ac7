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
type socketSource struct {
	env        sourceEnv
	addr       string
	maxRetries int
	dec        decoder
	width      int
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

func (s *socketSource) Run(ctx context.Context, emit func(*Batch) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan *recordBatcher, 4)
	errc := make(chan error, 1)
	go func() {
		defer close(chunks)
		if err := s.read(ctx, chunks); err != nil {
			errc <- err
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case chunk, ok := <-chunks:
			if !ok {
				select {
				case err := <-errc:
					return err
				default:
					return nil
				}
			}
			if err := chunk.flush(emit); err != nil {
				return err
			}
		}
	}
}

// read connects, reconnects, and sends the lines it reads in chunks: a
// chunk goes out when it is full or when no more input is waiting, so a
// line typed by hand is processed at once and a fast stream in bulk.
func (s *socketSource) read(ctx context.Context, chunks chan<- *recordBatcher) error {
	var dialer net.Dialer
	backoff := socketBackoffInitial
	failures := 0
	var lineNo int64
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
		err = s.readConn(ctx, conn, chunks, &lineNo)
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
// for a bad record the error policy refuses.
func (s *socketSource) readConn(ctx context.Context, conn net.Conn, chunks chan<- *recordBatcher, lineNo *int64) error {
	lr := newLineReader(conn)
	chunk := &recordBatcher{env: s.env, dec: s.dec, width: s.width}
	send := func() bool {
		if chunk.len() == 0 {
			return true
		}
		select {
		case chunks <- chunk:
			chunk = &recordBatcher{env: s.env, dec: s.dec, width: s.width}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		line, err := lr.next()
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				*lineNo++
				if err := s.env.errors.Handle(fmt.Sprintf("%s line %d", s.env.name, *lineNo), "", err); err != nil {
					return err
				}
				continue
			}
			send()
			return nil // EOF or a broken connection: reconnect
		}
		*lineNo++
		chunk.add(line, *lineNo)
		if chunk.full() || lr.r.Buffered() == 0 {
			if !send() {
				return nil
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

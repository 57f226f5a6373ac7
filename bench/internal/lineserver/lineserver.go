// Package lineserver serves benchmark input over TCP on the loopback
// interface: each client that connects is handed the next feeder in a
// queue, which writes its lines and, when it returns, the connection
// closes. A client that finds the queue empty is held open and idle, so
// that a reconnecting source neither spins nor reads anything twice.
package lineserver

import (
	"bytes"
	"io"
	"net"
	"sync"
	"time"

	"github.com/streamsql/streamsql/bench/internal/corpus"
)

// Feeder writes one connection's input.
type Feeder func(w io.Writer) error

// Server is a line server listening on 127.0.0.1.
type Server struct {
	ln    net.Listener
	mu    sync.Mutex
	queue []Feeder
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// Listen starts a server on 127.0.0.1 at a port the system chooses.
func Listen() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns the host:port clients dial.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Queue appends feeders for the next connections, one each.
func (s *Server) Queue(f ...Feeder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, f...)
}

// Reset drops what is queued and closes every open connection.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = nil
	for c := range s.conns {
		c.Close()
	}
}

// Close stops the server and closes its connections.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.Reset()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		var f Feeder
		if len(s.queue) > 0 {
			f, s.queue = s.queue[0], s.queue[1:]
		}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			if f == nil {
				io.Copy(io.Discard, c) // idle until the client or Reset closes it
				return
			}
			f(c)
		}()
	}
}

// Bytes is a feeder that writes text at once, in one call: the kernel, not
// the server, then paces it, and the server costs the reader no CPU.
func Bytes(text []byte) Feeder {
	return func(w io.Writer) error {
		_, err := w.Write(text)
		return err
	}
}

// Paced is a feeder that writes the lines of text at wordsPerSec words a
// second (lines of wordsPerLine words) for d, cycling through text, with a
// probe line — one word carrying the time it is written — every
// probeEvery. It writes every millisecond what is due by then.
func Paced(text []byte, wordsPerLine int, wordsPerSec float64, probeEvery, d time.Duration) Feeder {
	return func(w io.Writer) error {
		linesPerSec := wordsPerSec / float64(wordsPerLine)
		start := time.Now()
		nextProbe := start
		var sent float64
		pos := 0
		var buf []byte
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for now := start; now.Sub(start) < d; now = <-tick.C {
			due := linesPerSec * now.Sub(start).Seconds()
			buf = buf[:0]
			for ; sent < due; sent++ {
				if pos >= len(text) {
					pos = 0
				}
				end := pos + bytes.IndexByte(text[pos:], '\n') + 1
				buf = append(buf, text[pos:end]...)
				pos = end
			}
			if !now.Before(nextProbe) {
				buf = append(buf, corpus.Probe(time.Now().UnixNano())...)
				buf = append(buf, '\n')
				nextProbe = nextProbe.Add(probeEvery)
			}
			if len(buf) > 0 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// Gated is a feeder that waits until gate is closed before f writes: the
// client connects first, and the benchmark says when its input starts.
func Gated(gate <-chan struct{}, f Feeder) Feeder {
	return func(w io.Writer) error {
		<-gate
		return f(w)
	}
}

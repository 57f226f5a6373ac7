package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// serveLines is `streamsql serve-lines`: it listens on --addr and sends
// each line of stdin to every connected client, as `nc -lk` does, so the
// SOCKET demo needs nothing outside the project. It reads stdin only while
// a client is connected, so no line is sent to nobody. At the end of stdin
// it keeps the connections open until interrupted, unless --close-on-eof.
func serveLines(args []string, stdin io.Reader, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve-lines", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9100", "listen on `host:port`")
	interval := fs.Duration("interval", 0, "wait `duration` between lines (to watch a stream unfold)")
	closeOnEOF := fs.Bool("close-on-eof", false, "close the connections and exit at the end of stdin")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "serve-lines: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "serve-lines: listening on %s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := newLineServer(stderr)
	go srv.accept(ln)
	context.AfterFunc(ctx, func() { ln.Close() })

	// A reader goroutine hands over one line at a time, so stdin is read
	// only as fast as lines are sent, and a signal is not stuck behind a
	// blocking read.
	lines := make(chan string)
	go func() {
		defer close(lines)
		in := bufio.NewReader(stdin)
		for {
			line, err := in.ReadString('\n')
			if line != "" {
				if line[len(line)-1] != '\n' {
					line += "\n"
				}
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	sent := 0
	for ctx.Err() == nil && srv.waitForClient(ctx) {
		var line string
		var ok bool
		select {
		case line, ok = <-lines:
		case <-ctx.Done():
		}
		if !ok {
			if ctx.Err() == nil {
				fmt.Fprintf(stderr, "serve-lines: end of input after %d lines\n", sent)
			}
			break
		}
		sent++
		// A line that reached no one (every client left meanwhile) waits
		// for the next client.
		for srv.broadcast(line) == 0 && srv.waitForClient(ctx) {
		}
		if *interval > 0 {
			select {
			case <-time.After(*interval):
			case <-ctx.Done():
			}
		}
	}
	if !*closeOnEOF {
		<-ctx.Done()
	}
	srv.closeAll()
	return 0
}

type lineServer struct {
	log     io.Writer
	mu      sync.Mutex
	clients map[net.Conn]bool
	joined  chan struct{} // signalled when a client connects
}

func newLineServer(log io.Writer) *lineServer {
	return &lineServer{log: log, clients: map[net.Conn]bool{}, joined: make(chan struct{}, 1)}
}

func (s *lineServer) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.clients[c] = true
		s.mu.Unlock()
		fmt.Fprintf(s.log, "serve-lines: client %s connected\n", c.RemoteAddr())
		go s.watch(c)
		select {
		case s.joined <- struct{}{}:
		default:
		}
	}
}

func (s *lineServer) waitForClient(ctx context.Context) bool {
	for {
		s.mu.Lock()
		n := len(s.clients)
		s.mu.Unlock()
		if n > 0 {
			return true
		}
		select {
		case <-s.joined:
		case <-ctx.Done():
			return false
		}
	}
}

// watch notices when a client hangs up (clients send nothing, so a read
// returns only at the end) and forgets it.
func (s *lineServer) watch(c net.Conn) {
	io.Copy(io.Discard, c)
	s.drop(c)
}

func (s *lineServer) drop(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clients[c] {
		fmt.Fprintf(s.log, "serve-lines: client %s left\n", c.RemoteAddr())
		delete(s.clients, c)
		c.Close()
	}
}

// broadcast writes line to every client and returns how many got it.
func (s *lineServer) broadcast(line string) int {
	s.mu.Lock()
	clients := make([]net.Conn, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	sent := 0
	for _, c := range clients {
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, line); err != nil {
			s.drop(c)
			continue
		}
		sent++
	}
	return sent
}

func (s *lineServer) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		c.Close()
		delete(s.clients, c)
	}
}

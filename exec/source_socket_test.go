package exec

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lineServer is a TCP server on 127.0.0.1 that the test drives: it
// accepts connections when told to.
type lineServer struct {
	t  *testing.T
	ln *net.TCPListener
}

func newLineServer(t *testing.T) *lineServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &lineServer{t: t, ln: ln.(*net.TCPListener)}
}

func (s *lineServer) addr() string { return s.ln.Addr().String() }

// accept waits for the source to connect.
func (s *lineServer) accept() net.Conn {
	s.t.Helper()
	if err := s.ln.SetDeadline(time.Now().Add(testDeadline)); err != nil {
		s.t.Fatal(err)
	}
	c, err := s.ln.Accept()
	if err != nil {
		s.t.Fatalf("the source did not connect: %v", err)
	}
	s.t.Cleanup(func() { c.Close() })
	return c
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}

// closedPort returns an address on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// When the server closes the connection the source connects again and
// goes on reading.
func TestSocketSourceReconnects(t *testing.T) {
	srv := newLineServer(t)
	ts := newTestSession(t, sessionOpts{})
	job := ts.submit(fmt.Sprintf("SELECT line FROM SOCKET('%s')", srv.addr()))

	c1 := srv.accept()
	write(t, c1, "a\nb\n")
	sink := ts.waitForSink(t)
	sink.waitFor(t, 2)
	c1.Close()

	c2 := srv.accept()
	write(t, c2, "c\r\n")
	got := sink.waitFor(t, 3)
	if want := "+I[a] +I[b] +I[c]"; strings.Join(got, " ") != want {
		t.Errorf("changes %v, want %s", got, want)
	}
	job.Cancel()
	waitJob(t, job)
	if job.State() != JobCanceled || job.Err() != nil {
		t.Errorf("job %s, err %v; want CANCELED", job.State(), job.Err())
	}
}

// Line numbers in errors count every line the source read, across
// connections.
func TestSocketSourceBadRecordNamesLine(t *testing.T) {
	srv := newLineServer(t)
	ts := newTestSession(t, sessionOpts{})
	ts.mustExec(fmt.Sprintf("CREATE SOURCE s (n BIGINT) WITH (connector = 'socket', address = '%s', format = 'csv')", srv.addr()))
	job := ts.submit("SELECT n FROM s")
	c1 := srv.accept()
	write(t, c1, "1\n2\n")
	ts.waitForSink(t).waitFor(t, 2)
	c1.Close()
	c2 := srv.accept()
	write(t, c2, "3\nx\n4\n")
	waitJob(t, job)
	if want := "s line 4: column n: cannot read 'x' as BIGINT"; job.Err() == nil || job.Err().Error() != want {
		t.Errorf("job err %v, want %q", job.Err(), want)
	}
	if job.State() != JobFailed {
		t.Errorf("job %s, want FAILED", job.State())
	}
}

// After max_retries failed attempts in a row (the first attempt and
// max_retries more) the source fails the job.
func TestSocketSourceMaxRetries(t *testing.T) {
	for _, tt := range []struct {
		retries, attempts int
	}{{0, 1}, {1, 2}} {
		t.Run(fmt.Sprintf("max_retries=%d", tt.retries), func(t *testing.T) {
			addr := closedPort(t)
			ts := newTestSession(t, sessionOpts{})
			ts.mustExec(fmt.Sprintf("CREATE SOURCE s WITH (connector = 'socket', address = '%s', max_retries = '%d')", addr, tt.retries))
			res, err := ts.exec("SELECT line FROM s")
			if err == nil {
				t.Fatal("the job did not fail")
			}
			if want := fmt.Sprintf("s: cannot connect after %d attempts: ", tt.attempts); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want it to start %q", err, want)
			}
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("error %v does not wrap the dial error", err)
			}
			if res.Job.State() != JobFailed {
				t.Errorf("job %s, want FAILED", res.Job.State())
			}
		})
	}
}

// Cancelling a job whose socket is idle ends it; a table sink prints the
// rows read so far.
func TestSocketSourceCancelIdle(t *testing.T) {
	srv := newLineServer(t)
	ts := newTestSession(t, sessionOpts{print: true, settings: map[string]string{"format": "table"}})
	job := ts.submit(fmt.Sprintf("SELECT line FROM SOCKET('%s')", srv.addr()))
	c := srv.accept()
	write(t, c, "x\ny\nx\n")
	deadline := time.Now().Add(testDeadline)
	for job.Info().RecordsOut < 3 {
		if time.Now().After(deadline) || job.State().Terminal() {
			t.Fatalf("the job wrote %d rows (state %s, err %v)", job.Info().RecordsOut, job.State(), job.Err())
		}
		time.Sleep(5 * time.Millisecond)
	}
	job.Cancel()
	waitJob(t, job)
	if job.State() != JobCanceled || job.Err() != nil {
		t.Errorf("job %s, err %v; want CANCELED", job.State(), job.Err())
	}
	want := "+------+\n| line |\n+------+\n| x    |\n| x    |\n| y    |\n+------+\n(3 rows)\n"
	if got := ts.stdout.String(); got != want {
		t.Errorf("the table sink printed\n%s\nwant\n%s", got, want)
	}
}

// Cancelling a job whose source is waiting to reconnect ends it too.
func TestSocketSourceCancelWhileRetrying(t *testing.T) {
	addr := closedPort(t)
	ts := newTestSession(t, sessionOpts{})
	job := ts.submit(fmt.Sprintf("SELECT line FROM SOCKET('%s')", addr))
	deadline := time.Now().Add(testDeadline)
	for job.State() != JobRunning && !job.State().Terminal() {
		if time.Now().After(deadline) {
			t.Fatalf("the job is still %s", job.State())
		}
		time.Sleep(time.Millisecond)
	}
	job.Cancel()
	waitJob(t, job)
	if job.State() != JobCanceled || job.Err() != nil {
		t.Errorf("job %s, err %v; want CANCELED", job.State(), job.Err())
	}
}

package main

import (
	"bytes"
	"sync"
)

// noticeBoard holds what the shell has to tell the user but cannot print
// while a prompt or a live table owns the screen: log lines from jobs, and
// which background jobs it has already announced as ended. The shell shows
// them before the next prompt.
type noticeBoard struct {
	mu        sync.Mutex
	logs      bytes.Buffer
	announced map[string]bool
}

// maxHeldLogs bounds the log kept between prompts; a chatty job cannot
// grow it without limit, and the oldest lines go first.
const maxHeldLogs = 64 << 10

// Write implements io.Writer for the shell's logger.
func (n *noticeBoard) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.logs.Write(p)
	if n.logs.Len() > maxHeldLogs {
		held := n.logs.Bytes()
		cut := len(held) - maxHeldLogs/2
		if i := bytes.IndexByte(held[cut:], '\n'); i >= 0 {
			cut += i + 1
		}
		rest := append([]byte("(earlier log lines dropped)\n"), held[cut:]...)
		n.logs.Reset()
		n.logs.Write(rest)
	}
	return len(p), nil
}

// drain returns the log lines written since the last drain.
func (n *noticeBoard) drain() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.logs.String()
	n.logs.Reset()
	return s
}

// firstTimeEnded reports whether the ended job id has not been announced
// yet, and marks it announced.
func (n *noticeBoard) firstTimeEnded(id string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.announced[id] {
		return false
	}
	if n.announced == nil {
		n.announced = map[string]bool{}
	}
	n.announced[id] = true
	return true
}

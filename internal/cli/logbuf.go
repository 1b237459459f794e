package cli

import (
	"io"
	"sync"
	"time"
)

// logBuffer is the log output of serve: lines are kept and written together, at most
// logFlushEvery after the first of them was logged or as soon as logBufferSize bytes wait, so
// that the access log costs no system call per request (one write per request was 4 % of the
// server's CPU for GetEndpoint). A process that is killed loses at most the last
// logFlushEvery of log lines, never data: the log is not the record of any write.
type logBuffer struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	armed bool // a flush is scheduled
	err   error
}

const (
	logFlushEvery = 100 * time.Millisecond
	logBufferSize = 64 << 10
)

func newLogBuffer(w io.Writer) *logBuffer { return &logBuffer{w: w} }

// Write keeps p (one record: slog handlers write each record with one call) for the next flush.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	switch {
	case len(b.buf) >= logBufferSize:
		b.flushLocked()
	case !b.armed:
		b.armed = true
		time.AfterFunc(logFlushEvery, b.scheduled)
	}
	return len(p), nil
}

func (b *logBuffer) scheduled() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.armed = false
	b.flushLocked()
}

// Flush writes what is kept now.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *logBuffer) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.w.Write(b.buf); err != nil && b.err == nil {
		b.err = err
	}
	if cap(b.buf) > 4*logBufferSize {
		b.buf = nil // after a burst, do not keep its memory
		return
	}
	b.buf = b.buf[:0]
}

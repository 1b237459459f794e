package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the flush timer's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogBufferWritesEverythingInOrder(t *testing.T) {
	var out lockedBuffer
	b := newLogBuffer(&out)
	var want strings.Builder
	for i := range 3000 { // more than logBufferSize, so some flushes are by size
		line := strings.Repeat("x", i%97) + "\n"
		want.WriteString(line)
		if _, err := b.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != want.String() {
		t.Fatalf("wrote %d bytes, want %d in the same order", len(got), want.Len())
	}
}

func TestLogBufferFlushesByItself(t *testing.T) {
	var out lockedBuffer
	b := newLogBuffer(&out)
	b.Write([]byte("one line\n"))
	// Wait for the scheduled flush (a deadline, not a timing assertion: it only bounds the test).
	deadline := time.Now().Add(10 * time.Second)
	for out.String() == "" {
		if time.Now().After(deadline) {
			t.Fatal("a logged line was not written without a Flush")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := out.String(); got != "one line\n" {
		t.Fatalf("wrote %q", got)
	}
}

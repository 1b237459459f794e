package cli

import (
	"sync"
	"time"
)

// limiter is a token bucket per (account, operation). It lives in process memory: with several
// pinpointd processes each enforces the rate on its own share of the traffic.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[[2]string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	b := float64(burst)
	if b <= 0 {
		b = max(1, rate)
	}
	return &limiter{rate: rate, burst: b, now: time.Now, buckets: make(map[[2]string]*bucket)}
}

// allow takes a token for (account, op) and reports whether there was one; if not, how long
// until there will be.
func (l *limiter) allow(account, op string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	k := [2]string{account, op}
	b := l.buckets[k]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[k] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

package api

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the request latency histogram.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// metrics holds the counters /metrics exposes in Prometheus text format.
type metrics struct {
	inflight atomic.Int64

	mu       sync.Mutex
	requests map[opStatus]uint64
	latency  map[string]*histogram

	commitMu  sync.Mutex
	commits   histogram // writes per group commit (SQLite)
	commitDur histogram // seconds per group commit
	commitEr  uint64
}

type opStatus struct {
	op     string
	status int
}

type histogram struct {
	counts []uint64 // one per bucket, cumulative on output
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: make(map[opStatus]uint64), latency: make(map[string]*histogram)}
}

func (h *histogram) observe(v float64, bounds []float64) {
	if h.counts == nil {
		h.counts = make([]uint64, len(bounds))
	}
	for i, b := range bounds {
		if v <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += v
	h.n++
}

func (m *metrics) observe(op string, status int, d time.Duration) {
	m.mu.Lock()
	m.requests[opStatus{op, status}]++
	h := m.latency[op]
	if h == nil {
		h = &histogram{}
		m.latency[op] = h
	}
	h.observe(d.Seconds(), latencyBuckets)
	m.mu.Unlock()
}

var commitBuckets = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}

// ObserveCommit records one store commit of n writes that took d.
func (s *Server) ObserveCommit(n int, d time.Duration, err error) {
	m := s.metrics
	m.commitMu.Lock()
	m.commits.observe(float64(n), commitBuckets)
	m.commitDur.observe(d.Seconds(), latencyBuckets)
	if err != nil {
		m.commitEr++
	}
	m.commitMu.Unlock()
}

func (m *metrics) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# HELP pinpointd_requests_in_flight Requests being served.\n# TYPE pinpointd_requests_in_flight gauge\npinpointd_requests_in_flight %d\n", m.inflight.Load())

	m.mu.Lock()
	keys := make([]opStatus, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].op != keys[j].op {
			return keys[i].op < keys[j].op
		}
		return keys[i].status < keys[j].status
	})
	io.WriteString(w, "# HELP pinpointd_requests_total Requests by operation and status.\n# TYPE pinpointd_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(w, "pinpointd_requests_total{op=%q,status=\"%d\"} %d\n", k.op, k.status, m.requests[k])
	}
	ops := make([]string, 0, len(m.latency))
	for op := range m.latency {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	io.WriteString(w, "# HELP pinpointd_request_duration_seconds Request latency by operation.\n# TYPE pinpointd_request_duration_seconds histogram\n")
	for _, op := range ops {
		writeHistogram(w, "pinpointd_request_duration_seconds", fmt.Sprintf("op=%q,", op), m.latency[op], latencyBuckets)
	}
	m.mu.Unlock()

	m.commitMu.Lock()
	io.WriteString(w, "# HELP pinpointd_store_commit_writes Writes per store commit.\n# TYPE pinpointd_store_commit_writes histogram\n")
	writeHistogram(w, "pinpointd_store_commit_writes", "", &m.commits, commitBuckets)
	io.WriteString(w, "# HELP pinpointd_store_commit_duration_seconds Duration of store group commits, from BEGIN until the log holding the group is on disk.\n# TYPE pinpointd_store_commit_duration_seconds histogram\n")
	writeHistogram(w, "pinpointd_store_commit_duration_seconds", "", &m.commitDur, latencyBuckets)
	fmt.Fprintf(w, "# HELP pinpointd_store_commit_errors_total Failed store commits.\n# TYPE pinpointd_store_commit_errors_total counter\npinpointd_store_commit_errors_total %d\n", m.commitEr)
	m.commitMu.Unlock()
}

func writeHistogram(w io.Writer, name, labels string, h *histogram, bounds []float64) {
	var cum uint64
	for i, b := range bounds {
		if h.counts != nil {
			cum += h.counts[i]
		}
		fmt.Fprintf(w, "%s_bucket{%sle=\"%g\"} %d\n", name, labels, b, cum)
	}
	fmt.Fprintf(w, "%s_bucket{%sle=\"+Inf\"} %d\n", name, labels, h.n)
	trim := labels
	if trim != "" {
		trim = "{" + trim[:len(trim)-1] + "}"
	}
	fmt.Fprintf(w, "%s_sum%s %g\n%s_count%s %d\n", name, trim, h.sum, name, trim, h.n)
}

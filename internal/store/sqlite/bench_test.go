package sqlite_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
	"pinpointd/internal/store/sqlite"
)

// BenchmarkWriteEndpoint measures one durable endpoint upsert through WriteEndpoints; in parallel
// the writes share group commits.
func BenchmarkWriteEndpoint(b *testing.B) {
	ctx := b.Context()
	s := openBenchStore(b)
	var req pinpoint.EndpointRequest
	body := `{"ChannelType":"GCM","Address":"tok","Attributes":{"interests":["music","travel"]},"Demographic":{"Make":"Google","Platform":"android"},"Location":{"City":"Seattle","Latitude":47.61},"Metrics":{"sessions":4}}`
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	parallel(b, func(i int64) error {
		id := fmt.Sprintf("ep-%d", i%10000)
		r := req
		addr := "addr-" + id
		r.Address = &addr
		w := []store.EndpointWrite{{ID: id, Update: func(app *pinpoint.App, old *pinpoint.Endpoint, ua map[string][]string) (*pinpoint.Endpoint, error) {
			return pinpoint.Merge(old, ua, &r, pinpoint.Update{AppID: app.ID, ID: id, Now: now, RequestID: "r"})
		}}}
		_, err := s.WriteEndpoints(ctx, "acct", "app", w, true)
		return err
	})
}

// BenchmarkWriteEndpointsBatch measures one call updating 100 of 10,000 stored endpoints, each
// with its own user, as UpdateEndpointsBatch does; ns/op is per call.
func BenchmarkWriteEndpointsBatch(b *testing.B) {
	ctx := b.Context()
	s := openBenchStore(b)
	var req pinpoint.EndpointRequest
	body := `{"ChannelType":"GCM","Attributes":{"interests":["music","travel"]},"Demographic":{"Make":"Google","Platform":"android"},"Location":{"City":"Seattle","Latitude":47.61},"Metrics":{"sessions":4},"User":{"UserAttributes":{"plan":["pro"]}}}`
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	const endpoints, items = 10000, 100
	// batch writes items endpoints from the n-th on, stepping by step (coprime with endpoints).
	batch := func(n, step int64) error {
		writes := make([]store.EndpointWrite, items)
		for j := range writes {
			k := (n + int64(j)*step) % endpoints
			id, addr, user := fmt.Sprintf("ep-%d", k), fmt.Sprintf("addr-%d", k), fmt.Sprintf("user-%d", k)
			r, u := req, *req.User
			u.UserID = &user
			r.Address, r.User = &addr, &u
			writes[j] = store.EndpointWrite{ID: id, Update: func(app *pinpoint.App, old *pinpoint.Endpoint, ua map[string][]string) (*pinpoint.Endpoint, error) {
				return pinpoint.Merge(old, ua, &r, pinpoint.Update{AppID: app.ID, ID: id, Now: now, RequestID: "r"})
			}}
		}
		_, err := s.WriteEndpoints(ctx, "acct", "app", writes, false)
		return err
	}
	for n := int64(0); n < endpoints; n += items {
		if err := batch(n, 1); err != nil {
			b.Fatal(err)
		}
	}
	parallel(b, func(i int64) error { return batch(i*items*7, 13) })
}

// BenchmarkGetEndpoint measures one read of a stored endpoint with its user's attributes, from
// parallel readers.
func BenchmarkGetEndpoint(b *testing.B) {
	ctx := b.Context()
	s := openBenchStore(b)
	body := `{"ChannelType":"GCM","Attributes":{"interests":["music","travel"]},"Demographic":{"Make":"Google","Platform":"android"},"Location":{"City":"Seattle","Latitude":47.61},"Metrics":{"sessions":4},"User":{"UserAttributes":{"plan":["pro"]}}}`
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	const endpoints = 10000
	for i := 0; i < endpoints; i += 100 {
		var writes []store.EndpointWrite
		for j := i; j < i+100; j++ {
			var r pinpoint.EndpointRequest
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				b.Fatal(err)
			}
			id, user := fmt.Sprintf("ep-%d", j), fmt.Sprintf("user-%d", j)
			r.User.UserID = &user
			writes = append(writes, store.EndpointWrite{ID: id, Update: func(app *pinpoint.App, old *pinpoint.Endpoint, ua map[string][]string) (*pinpoint.Endpoint, error) {
				return pinpoint.Merge(old, ua, &r, pinpoint.Update{AppID: app.ID, ID: id, Now: now, RequestID: "r"})
			}})
		}
		if _, err := s.WriteEndpoints(ctx, "acct", "app", writes, true); err != nil {
			b.Fatal(err)
		}
	}
	parallel(b, func(i int64) error {
		_, err := s.GetEndpoint(ctx, "acct", "app", fmt.Sprintf("ep-%d", i%endpoints))
		return err
	})
}

// parallel runs op from 16 goroutines per CPU with a distinct i per call, reporting allocations
// and CPU time per operation; the first error stops the goroutine that met it.
func parallel(b *testing.B, op func(i int64) error) {
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(n.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// openBenchStore opens a store in a temporary file with the app "app" of account "acct".
func openBenchStore(b *testing.B) *sqlite.Store {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.CreateApp(b.Context(), pinpoint.App{ID: "app", Account: "acct", Name: "bench", CreationDate: "2026-11-29T00:00:00.000Z"}); err != nil {
		b.Fatal(err)
	}
	return s
}

// reportCPU reports the process's CPU time (user and system) per operation: on a shared machine
// it varies far less than the wall time per operation. Call as defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	b.ResetTimer()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

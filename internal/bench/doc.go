// Package bench is pinpointd's load generator (`pinpointd bench`): it starts a server from the
// running executable (or targets one), sends signed requests through its own keep-alive HTTP/1.1
// client, and reports throughput, latency percentiles, the server's peak RSS and, with --floor,
// the ratio to a no-op handler measured with the same client. --verify-durability kills the server
// with SIGKILL during a write load and checks that every acknowledged write survived.
package bench

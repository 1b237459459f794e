// Package pinpoint is the domain of pinpointd: the wire shapes of Amazon Pinpoint's endpoint API
// (JSON tags are the model's member names), the decoding of request bodies (Decode), the
// validation of every operation's requests against Pinpoint's limits, the UpdateEndpoint merge,
// the per-user rules, and the error codes.
//
// It is pure: no net/http, no database/sql. Functions here decide; the store persists and the api
// package moves bytes. Every exported function is safe for concurrent use.
package pinpoint

// Package storetest is the conformance suite of store.Store. Every backend's test calls Run, and
// only Run, so that SQLite and PostgreSQL are held to one contract: each method of the interface
// and each sentence of its doc comments is a named case here.
//
// It is an ordinary (non-test) package so that backends' tests can import it; it imports no
// backend. Cases use fixed times passed through pinpoint.Update and never assert on the clock.
// The concurrency cases are meant to be run with -race.
package storetest

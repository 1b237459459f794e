// Package cli is pinpointd's command line and its wiring: it opens the store a DSN names, makes
// sure a root access key exists, builds the API server and runs it until a signal arrives
// (serve), and offers migrate, keys, bench (see package bench) and version. It is the only package that knows every
// backend.
package cli

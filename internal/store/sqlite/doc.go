// Package sqlite is the embedded store: one database file in WAL mode, one writer connection and a
// pool of query-only readers.
//
// Every write goes through a single commit loop. Writes that queue up while a commit is in flight
// share the next transaction and its one fsync (group commit); each runs in its own savepoint, so
// one write's failure rolls back only that write. A write returns only after the COMMIT carrying
// it has returned (synchronous=FULL: the WAL is fsynced), so an acknowledged write survives a crash.
// Because there is one writer, the cross-row rules of store.WriteEndpoints need no row locks here.
//
// One file must be opened by one process at a time; several processes sharing data need the
// PostgreSQL backend.
package sqlite

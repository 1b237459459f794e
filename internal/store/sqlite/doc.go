// Package sqlite is the embedded store: one database file in WAL mode, one writer connection and a
// pool of query-only readers.
//
// Every write goes through a single commit loop. Writes that queue up while a commit is in flight
// share the next transaction (group commit). A group runs without savepoints; when one of its writes
// is refused, the group is rolled back and run again with a savepoint around each write, so that
// only the refused write is undone. A write returns only after an fsync of the log that began after
// the COMMIT carrying it (see walsync.go), so an acknowledged write survives a crash or power loss.
// Because there is one writer, the cross-row rules of store.WriteEndpoints need no row locks here.
//
// Checkpoints (copying the log into the database file) run on a connection of their own beside
// the writer (see checkpoint.go).
//
// Endpoint documents are stored in store's binary form (JSON documents of older versions are
// still read). The writer and the readers use the driver's connections directly (see conn).
//
// One file must be opened by one process at a time; several processes sharing data need the
// PostgreSQL backend.
package sqlite

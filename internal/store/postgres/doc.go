// Package postgres is the store.Store for PostgreSQL, for any number of pinpointd processes
// sharing one database. Its SQL is plain enough for PostgreSQL-wire distributed engines
// (CockroachDB, YugabyteDB, Citus): no extensions, and every application-scoped table is keyed by
// (app_id, …) so rows shard by application. The one exception is migration 7: PL/pgSQL triggers
// (statement-level, with transition tables, and row-level) keep the dashboard's counters
// (AppStats). They are not created where the citus extension is installed and Distribute drops
// them; AppStats then counts rows (countersKept). Not tested on any distributed engine.
//
// # Atomicity and durability
//
// Every method that writes runs in one transaction, and returns nil only after COMMIT succeeded.
// WriteEndpoints writes its whole batch in one transaction; a write the updater or the domain
// refuses is decided before any of its statements is queued, so it leaves no trace and, with
// atomic=false, the others commit. DeleteApp, DeleteEndpoint and DeleteUserEndpoints delete the endpoints, their events and
// the user rows that lose their last endpoint in the same transaction. If the connection breaks
// while COMMIT is in flight the outcome cannot be known; the call then fails with
// store.ErrUnavailable although the change may have been committed.
//
// # How the rules of store.Store.WriteEndpoints are enforced
//
// The rules themselves are store.Write's; this package supplies row reads that lock and row writes
// (writeRows, a store.Rows), at PostgreSQL's default READ COMMITTED isolation or any stricter one:
//   - the app's row is locked FOR SHARE by every writer of the app's data and FOR UPDATE by
//     UpdateApp and DeleteApp, so a deleted app's data cannot be written concurrently;
//   - an endpoint's row is locked (SELECT … FOR UPDATE) before it is read, so its writers run one
//     after the other and no partial update is lost;
//   - a row per (app, user) holds the user's attributes once; locking it (created if missing)
//     serializes every change to the user's endpoints, which makes the 15-endpoints-per-user rule
//     exact;
//   - the partial unique index endpoints_active_address guarantees at most one ACTIVE endpoint
//     per address: two writers activating one address at once both deactivate it first, and
//     the second one's INSERT or UPDATE fails on the index;
//   - a new endpoint is INSERTed, never upserted, so two writers creating one endpoint at once
//     collide on the primary key instead of the second overwriting the first.
//
// Writes of one call are applied in the caller's order (the rules make the order observable),
// but every transaction locks endpoint rows before user rows, and a call first locks its
// endpoints in ID order and then their current users, with the users its new endpoints will
// join, in user ID order (writeRows.Load; byte order, as Go sorts), so that concurrent calls over
// the same rows queue instead of deadlocking. Locks that depend on the merge (a user an existing
// endpoint moves to, an endpoint evicted or deactivated) are taken as the writes go.
//
// # Groups
//
// Most of a write's cost is per transaction and per round trip, not per row. WriteEndpoints
// calls with one write (UpdateEndpoint, PutEvents for one endpoint) that arrive while others are
// in flight are therefore run together: a writer goroutine per Store takes what has queued (up
// to 128 calls), splits it into groups of one app in which no endpoint appears twice, and runs each
// group as one atomic batch under the locking rules above. A call is answered after its group's
// COMMIT, and waits for it even when its context ends meanwhile, since only then is it known
// whether its write committed. A group the database asks to retry is retried whole; a group in
// which one write is refused (its updater, a domain rule) or that fails in the database for
// another reason (but unavailability) is rolled back and run again as two halves, down to calls
// that run alone, so that one call's refusal never reaches another (conformance case
// ConcurrentWritesSomeRefused).
//
// # Round trips
//
// Transactions that write endpoints run on a pipeTx: BEGIN is sent with the first reads, and
// statements whose results are not needed (the writes) wait and travel with the next read or
// with COMMIT, in order, in one pipeline per round trip (a failed statement skips the rest, COMMIT
// included). store.Write holds the rows the call read, as its writes change them, so no row is
// read twice. UpdateEndpoint of an existing
// endpoint that keeps its user thus takes two round trips (BEGIN, the app, the endpoint and its
// user; the UPDATE and COMMIT) and a batch (or a group) of such updates three; the users that a
// batch's new endpoints join are locked (created if needed) with the others, in user ID order,
// and their endpoints read in the same round trip. Endpoint documents are stored in
// store.EncodeEndpointBinary's format (migration 2; older JSON documents stay readable).
//
// Every statement the write path repeats selects rows by a whole key, or repeats a partial
// index's predicate literally: pgx prepares statements, and after a few runs PostgreSQL may run
// them with a generic plan made without the parameters' values (and, on a new database, without
// statistics), which would otherwise scan every endpoint of the app.
//
// No rule depends on an advisory lock or an in-process mutex; an advisory lock only keeps
// processes that start together from running one migration twice.
//
// # Retries
//
// A transaction that fails with a serialization failure (40001), a deadlock (40P01) or one of the
// two collisions above (23505 on endpoints_active_address or endpoints_pkey) is run again from
// the start, up to 10 times with a short jittered backoff; the retry sees what the other writer
// committed. From its second attempt on, a writer of an app's data locks the app's row FOR UPDATE
// instead of FOR SHARE: the app's other writers then wait for it before taking any lock, so the
// retry can neither deadlock nor collide with them again. Progress is thus guaranteed even under
// pathological contention, at the price of serializing the app's writes for that one
// transaction. Updaters (and UpdateApp's fn) may be called again on a retry; the store contract
// allows it. An error from an updater, from UpdateApp's fn or from the domain is never retried
// and is returned as is.
//
// # Faults
//
// Connections come from a pgx pool that connects lazily and replaces broken connections by
// itself. Unless the DSN says otherwise, connecting times out after 5 seconds, a pooled
// connection idle for over a second is pinged with a 5-second timeout before use, and TCP
// keepalives declare a silent server dead in about 30 seconds. A failure to reach the database
// is returned wrapping store.ErrUnavailable; a call whose connection broke before COMMIT was sent
// is tried once more on a fresh connection first. (Writes travel with COMMIT, so a connection that
// breaks while they are sent may have committed them: such a call is not tried again.)
package postgres

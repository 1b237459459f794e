package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipeTx is a transaction on one pooled connection that spends as few round trips as it can.
// Statements whose results are not needed (BEGIN, the writes) are queued and travel in one pipeline
// (a pgx.Batch: one Sync, so a failed statement skips every later one) with the next statement whose
// result is needed, or with COMMIT. Writing is thus deferred, never reordered: every statement runs
// in the order it was queued, so locks are taken in the same order as if each had been sent alone,
// and a read sees every write queued before it.
//
// A statement that fails is reported by the send that carried it, which aborts the transaction;
// the caller then rolls back and, as for any database error, may run the transaction again.
type pipeTx struct {
	conn  *pgxpool.Conn
	batch *pgx.Batch // queued, not yet sent
}

// queue adds a statement to the next send; its result is ignored and its error is the send's.
// QueuedQuery.Exec, QueryRow or Query set a callback that reads the result when it arrives. A
// callback must report only the database's errors (scanning, decoding); an outcome the caller acts
// on (no row) it records and returns nil, so every error of send is the database's.
func (t *pipeTx) queue(sql string, args ...any) *pgx.QueuedQuery {
	return t.batch.Queue(sql, args...)
}

// send sends every queued statement in one round trip and runs their callbacks. The error, the
// first statement's or callback's, is marked as the database's.
func (t *pipeTx) send(ctx context.Context) error {
	if t.batch.Len() == 0 {
		return nil
	}
	b := t.batch
	t.batch = &pgx.Batch{}
	return dbErr(t.conn.SendBatch(ctx, b).Close())
}

// errCommitRolledBack is COMMIT answering ROLLBACK: the transaction had failed. (It cannot, as any
// failed statement skips the COMMIT queued after it, but a transaction is never acknowledged
// without the server saying COMMIT.)
var errCommitRolledBack = errors.New("postgres: COMMIT rolled back the transaction")

// commit sends what is queued with COMMIT, in one round trip. An error may hide a successful
// COMMIT (see commitErr).
func (t *pipeTx) commit(ctx context.Context) error {
	committed := false
	t.queue("COMMIT").Exec(func(ct pgconn.CommandTag) error {
		committed = ct.String() == "COMMIT"
		return nil
	})
	b := t.batch
	t.batch = &pgx.Batch{}
	if err := t.conn.SendBatch(ctx, b).Close(); err != nil {
		return commitErr(err)
	}
	if !committed {
		return dbErr(errCommitRolledBack)
	}
	return nil
}

// rollback ends a transaction that failed. When it cannot, the connection is left inside the
// transaction and the pool, on release, closes it, which rolls back just as well.
func (t *pipeTx) rollback(ctx context.Context) {
	t.batch = &pgx.Batch{}
	c := t.conn.Conn()
	if c.IsClosed() || c.PgConn().TxStatus() == 'I' {
		return // nothing was begun, or the connection is gone
	}
	_, _ = c.Exec(ctx, "ROLLBACK")
}

// inPipeTx runs fn in a pipeTx and commits it, retrying the whole transaction as run does. BEGIN
// travels with fn's first send, fn's last writes with COMMIT. A nil return means COMMIT succeeded.
func (s *Store) inPipeTx(ctx context.Context, op string, fn func(t *pipeTx) error) error {
	return s.run(ctx, op, func(ctx context.Context) error {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return dbErr(err)
		}
		defer conn.Release()
		t := &pipeTx{conn: conn, batch: &pgx.Batch{}}
		t.queue("BEGIN")
		if err := fn(t); err != nil {
			t.rollback(ctx)
			return err
		}
		if err := t.commit(ctx); err != nil {
			t.rollback(ctx) // a statement sent with COMMIT failed and left the transaction open
			return err
		}
		return nil
	})
}

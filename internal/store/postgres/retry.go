package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"pinpointd/internal/store"
)

const (
	// maxAttempts bounds how often one call runs its transaction when the database asks for a retry
	// (serialization failure, deadlock, a concurrent writer taking an address or endpoint ID first).
	maxAttempts = 10
	// maxConnAttempts bounds retries after a broken connection: one more try on a fresh connection
	// covers a pooled connection the server dropped (a restart), more would only delay the error.
	maxConnAttempts = 2
	backoffBase     = 2 * time.Millisecond
	backoffMax      = 100 * time.Millisecond
)

// Names of the constraints whose violation means "a concurrent writer got there first": the
// transaction read before that writer committed, and a retry reads what it wrote.
const (
	constraintActiveAddress = "endpoints_active_address"
	constraintEndpointKey   = "endpoints_pkey"
)

// dbError marks an error that came from the database or the driver, as opposed to one returned by
// the caller's function (an updater, UpdateApp's fn) or the domain (pinpoint.JoinUser). Only
// dbErrors are retried or reported as store.ErrUnavailable, and a dbError in one write of a
// non-atomic WriteEndpoints aborts the whole call instead of failing that write.
type dbError struct {
	err error
	// mayHaveCommitted is set when the failed statement was a COMMIT (or ran outside a
	// transaction): if the connection broke after sending it, the change may be durable.
	mayHaveCommitted bool
}

func (e *dbError) Error() string { return e.err.Error() }
func (e *dbError) Unwrap() error { return e.err }

// dbErr marks err (when not nil) as the database's.
func dbErr(err error) error {
	if err == nil {
		return nil
	}
	return &dbError{err: err}
}

// commitErr marks err (when not nil) as the database's, from a statement that commits.
func commitErr(err error) error {
	if err == nil {
		return nil
	}
	return &dbError{err: err, mayHaveCommitted: true}
}

func isDBError(err error) bool {
	var de *dbError
	return errors.As(err, &de)
}

// run calls fn until it succeeds, returns an error that is not the database's (returned as is),
// or fails for good (returned wrapped, with store.ErrUnavailable when the database is unreachable).
// fn must be safe to call again: every attempt starts from scratch.
func (s *Store) run(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		var de *dbError
		if err == nil || !errors.As(err, &de) {
			return err
		}
		if attempt >= maxAttempts || ctx.Err() != nil || !retryable(de, attempt) {
			return s.fail(op, de.err)
		}
		s.log.DebugContext(ctx, "postgres: retrying", "op", op, "attempt", attempt, "err", de.err)
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return s.fail(op, err)
		}
	}
}

// inTx runs fn in a transaction and commits it, retrying the whole transaction as run does. A nil
// return means COMMIT succeeded.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	return s.run(ctx, op, func(ctx context.Context) error {
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			return dbErr(err)
		}
		if err := fn(tx); err != nil {
			// A failed rollback closes the connection, which rolls back just as well.
			_ = tx.Rollback(ctx)
			return err
		}
		return commitErr(tx.Commit(ctx))
	})
}

// retryable reports whether running the failed call again may succeed and cannot repeat a change.
func retryable(de *dbError, attempt int) bool {
	var pgErr *pgconn.PgError
	if errors.As(de.err, &pgErr) {
		switch pgErr.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		case "23505": // unique_violation
			return violates(pgErr, constraintActiveAddress) || violates(pgErr, constraintEndpointKey)
		}
	}
	// A broken connection (say, a pooled one the server dropped when it restarted, which answers
	// EOF or admin_shutdown) is worth one try on a fresh one, unless the break may have hidden a
	// successful COMMIT.
	var connectErr *pgconn.ConnectError
	switch {
	case !unavailable(de.err), attempt >= maxConnAttempts:
		return false
	case errors.As(de.err, &connectErr):
		// The pool dialed a fresh connection and failed: the database is down, and another
		// dial would only wait for the same timeout again.
		return false
	case de.mayHaveCommitted:
		return pgconn.SafeToRetry(de.err)
	}
	return true
}

// fail wraps a database error for the caller, marking it store.ErrUnavailable when the database
// could not be reached.
func (s *Store) fail(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// unavailable reports whether err means the database could not be reached or went away, as
// opposed to refusing a statement. The caller giving up (context.Canceled) is not unavailability;
// a deadline that expired while waiting for the database is.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
			"53300": // too_many_connections
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection_exception
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, context.DeadlineExceeded) ||
		pgconn.Timeout(err)
}

// backoff is a full-jitter exponential delay before attempt+1.
func backoff(attempt int) time.Duration {
	d := backoffBase << min(attempt-1, 10)
	return rand.N(min(d, backoffMax)) + time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isUnique reports whether err is a unique violation of the named constraint.
func isUnique(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && violates(pgErr, constraint)
}

// violates reports whether pgErr names constraint. On Citus a violation raised on a worker names
// the shard's constraint, which carries the shard ID as a suffix ("endpoints_pkey_102070"), and
// may reach the coordinator without ConstraintName; the name then appears only in the message.
// The message's wording depends on the server's language, but the identifier inside it does not,
// so the message is searched for the name (with or without a shard suffix) as a whole identifier.
func violates(pgErr *pgconn.PgError, constraint string) bool {
	if pgErr.ConstraintName != "" {
		return isShardOf(pgErr.ConstraintName, constraint)
	}
	msg := pgErr.Message
	for i := 0; ; {
		j := strings.Index(msg[i:], constraint)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(constraint)
		for end < len(msg) && isIdentByte(msg[end]) {
			end++
		}
		if (start == 0 || !isIdentByte(msg[start-1])) && isShardOf(msg[start:end], constraint) {
			return true
		}
		i = start + 1
	}
}

// isShardOf reports whether name is constraint itself or a Citus shard's copy of it
// (constraint + "_" + the shard ID).
func isShardOf(name, constraint string) bool {
	rest, ok := strings.CutPrefix(name, constraint)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	digits, ok := strings.CutPrefix(rest, "_")
	if !ok || digits == "" {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// isIdentByte reports whether c may continue an identifier; pinpointd's constraint names are ASCII.
func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

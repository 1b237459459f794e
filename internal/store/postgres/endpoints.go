package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// decodeEndpoint rebuilds an endpoint from its row and, when it has a user, the user's attributes
// (attrs is the users.attrs column; nil when there is no such row).
func decodeEndpoint(doc, status, userID string, attrs *string) (*pinpoint.Endpoint, error) {
	e, err := store.DecodeEndpoint([]byte(doc), status, userID)
	if err != nil {
		return nil, err
	}
	if userID != "" {
		e.User.UserAttributes = nil
		if attrs != nil {
			if err := store.DecodeJSON(*attrs, &e.User.UserAttributes); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// sortEndpoints orders endpoints by ID byte-wise, as the contract does, in Go: ORDER BY would
// follow the database's collation, which need not be byte order (and CockroachDB cannot declare a
// column COLLATE "C").
func sortEndpoints(es []pinpoint.Endpoint) {
	slices.SortFunc(es, func(a, b pinpoint.Endpoint) int { return strings.Compare(a.ID, b.ID) })
}

func endpointNotFound(id string) error {
	return fmt.Errorf("postgres: endpoint %q: %w", id, store.ErrEndpointNotFound)
}

func userNotFound(userID string) error {
	return fmt.Errorf("postgres: user %q: %w", userID, store.ErrUserNotFound)
}

// WriteEndpoints runs every write through store.ApplyWrite in one transaction (see the package
// documentation for locking and retries).
//
// Writes are applied in the caller's order, since the rules make the order observable (of two
// writes activating one address the later one wins), but the rows of the endpoints written are
// first locked in ID order, so that concurrent batches touching the same endpoints wait for each
// other instead of deadlocking. With atomic=false each write runs under a savepoint; its own
// failure (the updater's or the domain's) rolls back to it, a database failure aborts the call.
func (s *Store) WriteEndpoints(ctx context.Context, account, appID string, writes []store.EndpointWrite, atomic bool) ([]store.WriteResult, error) {
	ids := make([]string, len(writes))
	for i, w := range writes {
		ids[i] = w.ID
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return nil, fmt.Errorf("postgres: write endpoints: endpoint %q written twice in one call", ids[i])
		}
	}
	var results []store.WriteResult
	attempt := 0
	err := s.inTx(ctx, "write endpoints", func(tx pgx.Tx) error {
		attempt++
		app, err := lockApp(ctx, tx, account, appID, writerLock(attempt))
		if err != nil {
			return err
		}
		if len(ids) > 1 {
			if err := lockBatch(ctx, tx, appID, ids); err != nil {
				return err
			}
		}
		wt := &writeTx{tx: tx, appID: appID, existed: make(map[string]bool, len(writes))}
		results = make([]store.WriteResult, len(writes))
		for i, w := range writes {
			if atomic {
				e, err := store.ApplyWrite(ctx, wt, app, w)
				if err != nil {
					return err
				}
				results[i].Endpoint = e
				continue
			}
			if _, err := tx.Exec(ctx, "SAVEPOINT write"); err != nil {
				return dbErr(err)
			}
			e, err := store.ApplyWrite(ctx, wt, app, w)
			switch {
			case isDBError(err):
				return err
			case err != nil:
				if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT write"); err != nil {
					return dbErr(err)
				}
				results[i].Err = err
			default:
				results[i].Endpoint = e
			}
			if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT write"); err != nil {
				return dbErr(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// lockBatch takes, in a canonical order, locks that the writes of a batch would otherwise take in
// the order of the writes: the rows of the batch's endpoints in ID order, then the rows of the
// users they belong to in user ID order. Every transaction locks endpoints before users, so two
// batches over the same endpoints or users wait for each other instead of deadlocking. (Locks that
// depend on the merge — a user an endpoint joins, an endpoint evicted or deactivated — are still
// taken as the writes go; a deadlock among those is detected by the database and retried.)
func lockBatch(ctx context.Context, tx pgx.Tx, appID string, ids []string) error {
	rows, err := tx.Query(ctx, "SELECT user_id FROM endpoints WHERE app_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE", appID, ids)
	if err != nil {
		return dbErr(err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return dbErr(err)
	}
	users = slices.DeleteFunc(users, func(u string) bool { return u == "" })
	if len(users) == 0 {
		return nil
	}
	slices.Sort(users)
	users = slices.Compact(users)
	_, err = tx.Exec(ctx, "SELECT 1 FROM users WHERE app_id = $1 AND user_id = ANY($2) ORDER BY user_id FOR UPDATE", appID, users)
	return dbErr(err)
}

// GetEndpoint reads the endpoint, its user's attributes and whether the app is the account's in
// one statement: no row means no such app, a row without an endpoint no such endpoint.
func (s *Store) GetEndpoint(ctx context.Context, account, appID, id string) (pinpoint.Endpoint, error) {
	var e *pinpoint.Endpoint
	err := s.run(ctx, "get endpoint", func(ctx context.Context) error {
		var doc, status, userID, attrs *string
		err := s.pool.QueryRow(ctx, `SELECT e.doc, e.status, e.user_id, u.attrs
			FROM apps a
			LEFT JOIN endpoints e ON e.app_id = a.app_id AND e.id = $3
			LEFT JOIN users u ON u.app_id = e.app_id AND u.user_id = e.user_id AND e.user_id <> ''
			WHERE a.app_id = $1 AND a.account = $2`, appID, account, id).Scan(&doc, &status, &userID, &attrs)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return appNotFound(appID)
		case err != nil:
			return dbErr(err)
		case doc == nil:
			return endpointNotFound(id)
		}
		e, err = decodeEndpoint(*doc, *status, *userID, attrs)
		return dbErr(err)
	})
	if err != nil {
		return pinpoint.Endpoint{}, err
	}
	return *e, nil
}

// DeleteEndpoint deletes an endpoint and its events, and the user's row when it was the user's last
// endpoint, in one transaction.
func (s *Store) DeleteEndpoint(ctx context.Context, account, appID, id string) (pinpoint.Endpoint, error) {
	var e *pinpoint.Endpoint
	attempt := 0
	err := s.inTx(ctx, "delete endpoint", func(tx pgx.Tx) error {
		attempt++
		if _, err := lockApp(ctx, tx, account, appID, writerLock(attempt)); err != nil {
			return err
		}
		var doc, status, userID string
		err := tx.QueryRow(ctx, "DELETE FROM endpoints WHERE app_id = $1 AND id = $2 RETURNING doc, status, user_id",
			appID, id).Scan(&doc, &status, &userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return endpointNotFound(id)
		}
		if err != nil {
			return dbErr(err)
		}
		if e, err = store.DecodeEndpoint([]byte(doc), status, userID); err != nil {
			return dbErr(err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM events WHERE app_id = $1 AND endpoint_id = $2", appID, id); err != nil {
			return dbErr(err)
		}
		if userID == "" {
			return nil
		}
		// Lock the user (endpoint row first, then user row, as writers do) before reading its
		// attributes and deciding whether it still has endpoints.
		wt := &writeTx{tx: tx, appID: appID}
		if e.User.UserAttributes, err = wt.LockUser(ctx, userID); err != nil {
			return err
		}
		return wt.DropUserIfUnused(ctx, userID)
	})
	if err != nil {
		return pinpoint.Endpoint{}, err
	}
	return *e, nil
}

// GetUserEndpoints reads, in one statement, whether the app is the account's and the user's
// endpoints with the user's attributes.
func (s *Store) GetUserEndpoints(ctx context.Context, account, appID, userID string) ([]pinpoint.Endpoint, error) {
	var es []pinpoint.Endpoint
	err := s.run(ctx, "get user endpoints", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT e.doc, e.status, e.user_id, u.attrs
			FROM apps a
			LEFT JOIN endpoints e ON e.app_id = a.app_id AND e.user_id = $3 AND $3 <> ''
			LEFT JOIN users u ON u.app_id = e.app_id AND u.user_id = e.user_id
			WHERE a.app_id = $1 AND a.account = $2`, appID, account, userID)
		if err != nil {
			return dbErr(err)
		}
		found := false
		es = nil
		for rows.Next() {
			found = true
			var doc, status, uid, attrs *string
			if err := rows.Scan(&doc, &status, &uid, &attrs); err != nil {
				rows.Close()
				return dbErr(err)
			}
			if doc == nil {
				continue
			}
			e, err := decodeEndpoint(*doc, *status, *uid, attrs)
			if err != nil {
				rows.Close()
				return dbErr(err)
			}
			es = append(es, *e)
		}
		if err := rows.Err(); err != nil {
			return dbErr(err)
		}
		switch {
		case !found:
			return appNotFound(appID)
		case len(es) == 0:
			return userNotFound(userID)
		}
		sortEndpoints(es)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return es, nil
}

// DeleteUserEndpoints locks the user's endpoints and then the user, and deletes the endpoints,
// their events and the user's row, in one transaction.
func (s *Store) DeleteUserEndpoints(ctx context.Context, account, appID, userID string) ([]pinpoint.Endpoint, error) {
	var es []pinpoint.Endpoint
	attempt := 0
	err := s.inTx(ctx, "delete user endpoints", func(tx pgx.Tx) error {
		attempt++
		if _, err := lockApp(ctx, tx, account, appID, writerLock(attempt)); err != nil {
			return err
		}
		if userID == "" {
			return userNotFound(userID)
		}
		// Endpoints before their user, in ID order, as writers lock them (see lockBatch). The
		// user's lock then waits for writers adding endpoints to the user, and the DELETE below,
		// a later statement, sees what they committed.
		if _, err := tx.Exec(ctx, "SELECT 1 FROM endpoints WHERE app_id = $1 AND user_id = $2 ORDER BY id FOR UPDATE", appID, userID); err != nil {
			return dbErr(err)
		}
		wt := &writeTx{tx: tx, appID: appID}
		attrs, err := wt.LockUser(ctx, userID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "DELETE FROM endpoints WHERE app_id = $1 AND user_id = $2 RETURNING doc, status, user_id", appID, userID)
		if err != nil {
			return dbErr(err)
		}
		es, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (pinpoint.Endpoint, error) {
			var doc, status, uid string
			if err := row.Scan(&doc, &status, &uid); err != nil {
				return pinpoint.Endpoint{}, err
			}
			e, err := store.DecodeEndpoint([]byte(doc), status, uid)
			if err != nil {
				return pinpoint.Endpoint{}, err
			}
			e.User.UserAttributes = attrs
			return *e, nil
		})
		if err != nil {
			return dbErr(err)
		}
		if len(es) == 0 {
			// Nothing to delete; returning an error rolls back the row LockUser created.
			return userNotFound(userID)
		}
		sortEndpoints(es)
		ids := make([]string, len(es))
		for i := range es {
			ids[i] = es[i].ID
		}
		if _, err := tx.Exec(ctx, "DELETE FROM events WHERE app_id = $1 AND endpoint_id = ANY($2)", appID, ids); err != nil {
			return dbErr(err)
		}
		_, err = tx.Exec(ctx, "DELETE FROM users WHERE app_id = $1 AND user_id = $2", appID, userID)
		return dbErr(err)
	})
	if err != nil {
		return nil, err
	}
	return es, nil
}

// ListEvents reads, in one statement, whether the app is the account's and the endpoint's events.
// An endpoint without events (or without a row) has none: the result is empty, not an error.
func (s *Store) ListEvents(ctx context.Context, account, appID, endpointID string) ([]store.Event, error) {
	var evs []store.Event
	err := s.run(ctx, "list events", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT ev.event_id, ev.event_type, ev.ts, ev.body
			FROM apps a
			LEFT JOIN events ev ON ev.app_id = a.app_id AND ev.endpoint_id = $3
			WHERE a.app_id = $1 AND a.account = $2`, appID, account, endpointID)
		if err != nil {
			return dbErr(err)
		}
		found := false
		evs = nil
		for rows.Next() {
			found = true
			var id, typ, body *string
			var ts *time.Time
			if err := rows.Scan(&id, &typ, &ts, &body); err != nil {
				rows.Close()
				return dbErr(err)
			}
			if id == nil {
				continue
			}
			ev := store.Event{ID: *id, Type: *typ, Timestamp: ts.UTC()}
			if *body != "" {
				ev.Body = []byte(*body)
			}
			evs = append(evs, ev)
		}
		if err := rows.Err(); err != nil {
			return dbErr(err)
		}
		if !found {
			return appNotFound(appID)
		}
		slices.SortFunc(evs, func(a, b store.Event) int { return strings.Compare(a.ID, b.ID) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return evs, nil
}

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
func decodeEndpoint(doc []byte, status, userID string, attrs *string) (*pinpoint.Endpoint, error) {
	e, err := store.DecodeEndpoint(doc, status, userID)
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

// WriteEndpoints runs the writes through store.Write in one transaction (see the package
// documentation for locking and retries).
//
// Writes are applied in the caller's order, since the rules make the order observable (of two
// writes activating one address the later one wins), but the rows of the endpoints written, and of
// their users, are first locked in ID order (writeRows.Load), so that concurrent calls touching the
// same endpoints wait for each other instead of deadlocking. A write's own failure (the updater's
// or the domain's) is decided before its statements are queued; a database failure aborts the
// call.
//
// Round trips: BEGIN, the app's row and the locking reads go in one, and the writes, which
// writeTx queues, with the next read or with COMMIT. An update that keeps its user thus takes two
// round trips, and a call writing several such endpoints three (their users are locked once the
// endpoints are read).
//
// A call with one write joins a group of the process's concurrent single-endpoint calls, run as
// one transaction (see grouper).
func (s *Store) WriteEndpoints(ctx context.Context, account, appID string, writes []store.EndpointWrite, atomic bool) ([]store.WriteResult, error) {
	if len(writes) == 1 {
		return s.groups.write(ctx, account, appID, writes[0], atomic)
	}
	return s.writeEndpoints(ctx, account, appID, writes, atomic)
}

// writeEndpoints is WriteEndpoints in a transaction of its own.
func (s *Store) writeEndpoints(ctx context.Context, account, appID string, writes []store.EndpointWrite, atomic bool) ([]store.WriteResult, error) {
	var results []store.WriteResult
	attempt := 0
	err := s.inPipeTx(ctx, "write endpoints", func(t *pipeTx) error {
		attempt++
		rows := &writeRows{t: t, account: account, appID: appID, app: queueLockApp(t, account, appID, writerLock(attempt))}
		// store.Write reads the app only after rows.Load, whose first round trip reads it.
		var err error
		results, err = store.Write(ctx, rows, &rows.app.app, writes, atomic)
		if err != nil && !isDBError(err) {
			// A write refused by its updater or the domain: first have the database run what is
			// queued, so that a statement of an earlier write that fails is reported (and
			// retried) as if it had been sent alone.
			if serr := t.send(ctx); serr != nil {
				return serr
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// GetEndpoint reads the endpoint, its user's attributes and whether the app is the account's in
// one statement: no row means no such app, a row without an endpoint no such endpoint.
func (s *Store) GetEndpoint(ctx context.Context, account, appID, id string) (pinpoint.Endpoint, error) {
	var e *pinpoint.Endpoint
	err := s.run(ctx, "get endpoint", func(ctx context.Context) error {
		var doc []byte
		var status, userID, attrs *string
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
		case status == nil:
			return endpointNotFound(id)
		}
		e, err = decodeEndpoint(doc, *status, *userID, attrs)
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
	err := s.inPipeTx(ctx, "delete endpoint", func(t *pipeTx) error {
		attempt++
		app := queueLockApp(t, account, appID, writerLock(attempt))
		// The DELETE names the account too, so that it deletes nothing when the app is not the
		// account's.
		var row *endpointRow
		t.queue(`DELETE FROM endpoints WHERE app_id = $1 AND id = $2
			AND EXISTS (SELECT 1 FROM apps WHERE app_id = $1 AND account = $3)
			RETURNING doc, status, user_id`, appID, id, account).QueryRow(func(r pgx.Row) error {
			var x endpointRow
			err := r.Scan(&x.doc, &x.status, &x.userID)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			row = &x
			return nil
		})
		if err := t.send(ctx); err != nil {
			return err
		}
		if !app.found {
			return appNotFound(appID)
		}
		if row == nil {
			return endpointNotFound(id)
		}
		var err error
		if e, err = store.DecodeEndpoint(row.doc, row.status, row.userID); err != nil {
			return dbErr(err)
		}
		t.queue("DELETE FROM events WHERE app_id = $1 AND endpoint_id = $2", appID, id)
		if row.userID == "" {
			return nil
		}
		// Lock the user (endpoint row first, then user row, as writers do) before reading its
		// attributes and deciding whether it still has endpoints.
		rows := &writeRows{t: t, account: account, appID: appID}
		users, err := rows.Users(ctx, []string{row.userID})
		if err != nil {
			return err
		}
		e.User.UserAttributes = users[row.userID].Attrs
		return rows.Apply(ctx, []store.Change{{Op: store.OpDropUserIfUnused, UserID: row.userID}})
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
			LEFT JOIN endpoints e ON e.app_id = a.app_id AND e.user_id = $3 AND e.user_id <> ''
			LEFT JOIN users u ON u.app_id = e.app_id AND u.user_id = e.user_id
			WHERE a.app_id = $1 AND a.account = $2`, appID, account, userID)
		if err != nil {
			return dbErr(err)
		}
		found := false
		es = nil
		for rows.Next() {
			found = true
			var doc []byte
			var status, uid, attrs *string
			if err := rows.Scan(&doc, &status, &uid, &attrs); err != nil {
				rows.Close()
				return dbErr(err)
			}
			if status == nil {
				continue
			}
			e, err := decodeEndpoint(doc, *status, *uid, attrs)
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
	err := s.inPipeTx(ctx, "delete user endpoints", func(t *pipeTx) error {
		attempt++
		app := queueLockApp(t, account, appID, writerLock(attempt))
		// Endpoints before their user, in ID order (byte-wise, as Go sorts), as writers lock them
		// (see writeRows.Load). The user's lock then waits for writers adding endpoints to the user,
		// and the DELETE below, a later statement, sees what they committed. The statement names
		// the account, so that it reads nothing when the app is not the account's.
		var ids []string
		if userID != "" {
			t.queue(`SELECT id FROM endpoints WHERE app_id = $1 AND user_id = $2 AND user_id <> ''
				AND EXISTS (SELECT 1 FROM apps WHERE app_id = $1 AND account = $3)`, appID, userID, account).Query(func(rows pgx.Rows) error {
				for rows.Next() {
					var id string
					if err := rows.Scan(&id); err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return rows.Err()
			})
		}
		if err := t.send(ctx); err != nil {
			return err
		}
		if !app.found {
			return appNotFound(appID)
		}
		if userID == "" {
			return userNotFound(userID)
		}
		slices.Sort(ids)
		for _, id := range ids {
			t.queue("SELECT 1 FROM endpoints WHERE app_id = $1 AND id = $2 FOR UPDATE", appID, id)
		}
		users, err := (&writeRows{t: t, account: account, appID: appID}).Users(ctx, []string{userID})
		if err != nil {
			return err
		}
		attrs := users[userID].Attrs
		es = nil
		t.queue("DELETE FROM endpoints WHERE app_id = $1 AND user_id = $2 AND user_id <> '' RETURNING doc, status, user_id", appID, userID).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var r endpointRow
				if err := rows.Scan(&r.doc, &r.status, &r.userID); err != nil {
					return err
				}
				e, err := store.DecodeEndpoint(r.doc, r.status, r.userID)
				if err != nil {
					return err
				}
				e.User.UserAttributes = attrs
				es = append(es, *e)
			}
			return rows.Err()
		})
		if err := t.send(ctx); err != nil {
			return err
		}
		if len(es) == 0 {
			// Nothing to delete; returning an error rolls back the row Users created.
			return userNotFound(userID)
		}
		sortEndpoints(es)
		// One statement per endpoint, by the primary key's prefix (see writeRows).
		for i := range es {
			t.queue("DELETE FROM events WHERE app_id = $1 AND endpoint_id = $2", appID, es[i].ID)
		}
		t.queue("DELETE FROM users WHERE app_id = $1 AND user_id = $2", appID, userID)
		return nil
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

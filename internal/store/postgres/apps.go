package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

const appColumns = "app_id, account, name, creation_date, tags, excluded"

// Row locks lockApp takes on an app: writers of the app's data share it, so DeleteApp (and
// UpdateApp, so a writer sees one version of Excluded) cannot interleave with them.
const (
	forShare  = " FOR SHARE"
	forUpdate = " FOR UPDATE"
)

// escalateAfter is how many attempts a writer of an app's data makes under row locks alone. One:
// a lost attempt usually means a deadlock, which already cost the server's deadlock_timeout (1s
// by default) to detect, and contention that produced one is likely to produce another.
const escalateAfter = 1

// writerLock is the lock a writer of an app's data takes on the app's row at its attempt-th
// attempt. Row locks let writers of different endpoints and users run in parallel, but under
// heavy contention on the same rows they can lose attempt after attempt to deadlocks (each found
// only after the server's deadlock_timeout) and collisions. From attempt escalateAfter+1 on, the
// writer takes the app's row exclusively instead: every other writer of the app then waits at its
// first statement, holding nothing, so this attempt can neither deadlock nor collide with them.
// Correctness never depends on this lock; it only guarantees progress.
func writerLock(attempt int) string {
	if attempt > escalateAfter {
		return forUpdate
	}
	return forShare
}

type scanner interface{ Scan(dest ...any) error }

func appNotFound(appID string) error {
	return fmt.Errorf("postgres: app %q: %w", appID, store.ErrAppNotFound)
}

// lockApp reads an app of account inside tx, locking its row with lock (forShare, forUpdate).
func lockApp(ctx context.Context, tx pgx.Tx, account, appID, lock string) (*pinpoint.App, error) {
	a, err := store.ScanApp(tx.QueryRow(ctx, "SELECT "+appColumns+" FROM apps WHERE app_id = $1 AND account = $2"+lock, appID, account))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, appNotFound(appID)
	}
	if err != nil {
		return nil, dbErr(err)
	}
	return &a, nil
}

// appRead is what queueLockApp read, once the pipeTx has sent it.
type appRead struct {
	app   pinpoint.App
	found bool
}

// queueLockApp queues lockApp's statement in t: found tells, once t has sent it, whether the app
// is account's.
func queueLockApp(t *pipeTx, account, appID, lock string) *appRead {
	r := &appRead{}
	t.queue("SELECT "+appColumns+" FROM apps WHERE app_id = $1 AND account = $2"+lock, appID, account).QueryRow(func(row pgx.Row) error {
		a, err := store.ScanApp(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		r.app, r.found = a, true
		return nil
	})
	return r
}

// CreateApp stores a new app. ErrExists if the ID is taken.
func (s *Store) CreateApp(ctx context.Context, app pinpoint.App) error {
	tags, err := store.EncodeJSON(app.Tags)
	if err != nil {
		return fmt.Errorf("postgres: create app: %w", err)
	}
	excluded, err := store.EncodeJSON(app.Excluded)
	if err != nil {
		return fmt.Errorf("postgres: create app: %w", err)
	}
	return s.run(ctx, "create app", func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, "INSERT INTO apps ("+appColumns+") VALUES ($1, $2, $3, $4, $5, $6)",
			app.ID, app.Account, app.Name, app.CreationDate, tags, excluded)
		if isUnique(err, "apps_pkey") {
			return fmt.Errorf("postgres: app %q: %w", app.ID, store.ErrExists)
		}
		return commitErr(err)
	})
}

// GetApp returns an app of account.
func (s *Store) GetApp(ctx context.Context, account, appID string) (pinpoint.App, error) {
	var a pinpoint.App
	err := s.run(ctx, "get app", func(ctx context.Context) error {
		var err error
		a, err = store.ScanApp(s.pool.QueryRow(ctx, "SELECT "+appColumns+" FROM apps WHERE app_id = $1 AND account = $2", appID, account))
		if errors.Is(err, pgx.ErrNoRows) {
			return appNotFound(appID)
		}
		return dbErr(err)
	})
	if err != nil {
		return pinpoint.App{}, err
	}
	return a, nil
}

// ListApps returns at most limit apps of account with IDs greater than after, ordered by ID. A
// limit of zero or less means no limit.
//
// The order and the comparison with after are the database's collation's, which is byte order for
// app IDs as pinpointd makes them (32 lowercase hex digits) in every collation; sorting in Go
// instead would mean reading every app of the account for each page.
func (s *Store) ListApps(ctx context.Context, account, after string, limit int) ([]pinpoint.App, error) {
	q := "SELECT " + appColumns + " FROM apps WHERE account = $1 AND app_id > $2 ORDER BY app_id"
	args := []any{account, after}
	if limit > 0 {
		q += " LIMIT $3"
		args = append(args, limit)
	}
	var apps []pinpoint.App
	err := s.run(ctx, "list apps", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, q, args...)
		if err != nil {
			return dbErr(err)
		}
		apps, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (pinpoint.App, error) { return store.ScanApp(row) })
		return dbErr(err)
	})
	if err != nil {
		return nil, err
	}
	return apps, nil
}

// UpdateApp applies fn to the app, under its row lock, and stores Name, Tags and Excluded. fn may be
// called again if the transaction is retried.
func (s *Store) UpdateApp(ctx context.Context, account, appID string, fn func(*pinpoint.App) error) (pinpoint.App, error) {
	var out pinpoint.App
	err := s.inTx(ctx, "update app", func(tx pgx.Tx) error {
		old, err := lockApp(ctx, tx, account, appID, forUpdate)
		if err != nil {
			return err
		}
		a := *old
		if err := fn(&a); err != nil {
			return err
		}
		a.ID, a.Account, a.CreationDate = old.ID, old.Account, old.CreationDate
		tags, err := store.EncodeJSON(a.Tags)
		if err != nil {
			return err
		}
		excluded, err := store.EncodeJSON(a.Excluded)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE apps SET name = $2, tags = $3, excluded = $4 WHERE app_id = $1",
			appID, a.Name, tags, excluded); err != nil {
			return dbErr(err)
		}
		out = a
		return nil
	})
	if err != nil {
		return pinpoint.App{}, err
	}
	return out, nil
}

// DeleteApp deletes an app with its endpoints, users, events and segments in one transaction. The app's row
// lock makes it wait for the app's writers in flight; writers that come after find no app.
func (s *Store) DeleteApp(ctx context.Context, account, appID string) (pinpoint.App, error) {
	var out pinpoint.App
	err := s.inTx(ctx, "delete app", func(tx pgx.Tx) error {
		a, err := lockApp(ctx, tx, account, appID, forUpdate)
		if err != nil {
			return err
		}
		for _, q := range []string{
			"DELETE FROM events WHERE app_id = $1",
			"DELETE FROM endpoints WHERE app_id = $1",
			// After events and endpoints, whose delete triggers write to these.
			"DELETE FROM endpoint_counts WHERE app_id = $1",
			"DELETE FROM event_days WHERE app_id = $1",
			"DELETE FROM users WHERE app_id = $1",
			"DELETE FROM segment_members WHERE app_id = $1",
			"DELETE FROM segment_versions WHERE app_id = $1",
			"DELETE FROM segments WHERE app_id = $1",
			"DELETE FROM jobs WHERE app_id = $1",
			"DELETE FROM apps WHERE app_id = $1",
		} {
			if _, err := tx.Exec(ctx, q, appID); err != nil {
				return dbErr(err)
			}
		}
		out = *a
		return nil
	})
	if err != nil {
		return pinpoint.App{}, err
	}
	return out, nil
}

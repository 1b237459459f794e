package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/store"
)

// EndpointIDByAddress implements store.Store: one lookup in endpoints_active_address.
func (s *Store) EndpointIDByAddress(ctx context.Context, account, appID, address string) (string, error) {
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return "", err
	}
	var id string
	err := s.run(ctx, "endpoint by address", func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, "SELECT id FROM endpoints WHERE app_id = $1 AND address = $2 AND status = 'ACTIVE' AND address <> ''", appID, address).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: address %q: %w", address, store.ErrEndpointNotFound)
		}
		return dbErr(err)
	})
	return id, err
}

// AppStats implements store.Store. The counts by channel and status and by day add up the rows
// of endpoint_counts and event_days, which triggers keep (migration 7); active users come from the
// endpoints_user_last_event index. The three queries run in one REPEATABLE READ transaction, so they
// see one snapshot.
func (s *Store) AppStats(ctx context.Context, account, appID string, now time.Time) (store.AppStats, error) {
	var st store.AppStats
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return st, err
	}
	err := s.run(ctx, "app stats", func(ctx context.Context) error {
		st = store.AppStats{}
		tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return dbErr(err)
		}
		defer tx.Rollback(ctx)
		kept, err := countersKept(ctx, tx)
		if err != nil {
			return err
		}
		countsQ := `SELECT channel_type, status, sum(n) FROM endpoint_counts WHERE app_id = $1
			GROUP BY channel_type, status HAVING sum(n) > 0 ORDER BY channel_type COLLATE "C", status COLLATE "C"`
		daysQ := `SELECT to_char(day, 'YYYY-MM-DD'), sum(n) FROM event_days
			WHERE app_id = $1 AND day >= $2::date AND day < $3::date GROUP BY day HAVING sum(n) > 0 ORDER BY day`
		if !kept {
			countsQ = `SELECT channel_type, status, count(*) FROM endpoints WHERE app_id = $1
				GROUP BY channel_type, status ORDER BY channel_type COLLATE "C", status COLLATE "C"`
			daysQ = `SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d, count(*) FROM events
				WHERE app_id = $1 AND ts >= $2::date AND ts < $3::date GROUP BY d ORDER BY d`
		}
		rows, err := tx.Query(ctx, countsQ, appID)
		if err != nil {
			return dbErr(err)
		}
		for rows.Next() {
			var c store.ChannelStatusCount
			if err := rows.Scan(&c.Channel, &c.Status, &c.Count); err != nil {
				rows.Close()
				return dbErr(err)
			}
			st.Endpoints = append(st.Endpoints, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbErr(err)
		}
		// Each user's latest event first, then the users per window. endpoints_user_last_event is
		// in user order, so the grouping streams without hashing or sorting; it reads every
		// endpoint of the app that has a user and an event, not only those of the window.
		w := store.ActiveUserWindows
		cut := func(days int) time.Time { return now.Add(-time.Duration(days) * 24 * time.Hour) }
		err = tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE last >= $1), count(*) FILTER (WHERE last >= $2), count(*) FROM (
			SELECT max(last_event_at) AS last FROM endpoints
			WHERE app_id = $3 AND user_id <> '' AND last_event_at IS NOT NULL GROUP BY user_id HAVING max(last_event_at) >= $4) u`,
			cut(w[0]), cut(w[1]), appID, cut(w[2])).Scan(&st.ActiveUsers[0], &st.ActiveUsers[1], &st.ActiveUsers[2])
		if err != nil {
			return dbErr(err)
		}
		since := store.StatsSince(now)
		until := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
		rows, err = tx.Query(ctx, daysQ, appID, since.Format("2006-01-02"), until.Format("2006-01-02"))
		if err != nil {
			return dbErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var d store.DayCount
			if err := rows.Scan(&d.Day, &d.Count); err != nil {
				return dbErr(err)
			}
			st.EventsPerDay = append(st.EventsPerDay, d)
		}
		return dbErr(rows.Err())
	})
	return st, err
}

// countersKept reports whether the triggers of migration 7 keep endpoint_counts and event_days:
// not where the citus extension was installed before that migration, nor after `pinpointd migrate
// --distribute` dropped them (Citus would not run them on the shards). AppStats then counts the
// endpoint and event rows themselves, which is exact but reads the whole app.
func countersKept(ctx context.Context, tx pgx.Tx) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_trigger
		WHERE tgrelid IN (to_regclass('endpoints'), to_regclass('events')) AND NOT tgisinternal
			AND tgname IN ('endpoint_counts_insert', 'endpoint_counts_delete', 'endpoint_counts_update', 'event_days_insert')`).Scan(&n)
	return n == len(counterTriggers), dbErr(err)
}

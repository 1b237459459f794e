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

// AppStats implements store.Store.
func (s *Store) AppStats(ctx context.Context, account, appID string, now time.Time) (store.AppStats, error) {
	var st store.AppStats
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return st, err
	}
	err := s.run(ctx, "app stats", func(ctx context.Context) error {
		st = store.AppStats{}
		rows, err := s.pool.Query(ctx, "SELECT channel_type, status, COUNT(*) FROM endpoints WHERE app_id = $1 GROUP BY channel_type, status ORDER BY channel_type COLLATE \"C\", status COLLATE \"C\"", appID)
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
		w := store.ActiveUserWindows
		cut := func(days int) time.Time { return now.Add(-time.Duration(days) * 24 * time.Hour) }
		err = s.pool.QueryRow(ctx, `SELECT
			COUNT(DISTINCT user_id) FILTER (WHERE last_event_at >= $1),
			COUNT(DISTINCT user_id) FILTER (WHERE last_event_at >= $2),
			COUNT(DISTINCT user_id)
			FROM endpoints WHERE app_id = $3 AND user_id <> '' AND last_event_at >= $4`,
			cut(w[0]), cut(w[1]), appID, cut(w[2])).Scan(&st.ActiveUsers[0], &st.ActiveUsers[1], &st.ActiveUsers[2])
		if err != nil {
			return dbErr(err)
		}
		since := store.StatsSince(now)
		until := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
		rows, err = s.pool.Query(ctx, `SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, COUNT(*) FROM events
			WHERE app_id = $1 AND ts >= $2 AND ts < $3 GROUP BY day ORDER BY day`, appID, since, until)
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

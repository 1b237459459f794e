package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// EndpointIDByAddress implements store.Store: one lookup in endpoints_active_address.
func (s *Store) EndpointIDByAddress(ctx context.Context, account, appID, address string) (string, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return "", err
	}
	var id string
	err := s.reader.QueryRowContext(ctx, "SELECT id FROM endpoints INDEXED BY endpoints_active_address WHERE app_id = ? AND address = ? AND status = 'ACTIVE' AND address <> ''", appID, address).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: address %s", store.ErrEndpointNotFound, address)
	}
	return id, wrap("endpoint by address", err)
}

// AppStats implements store.Store. Times compare as text: last_event_at is pinpoint.FormatTime's
// fixed-width form and events.ts is RFC 3339 in UTC, both ordered like the instants they name.
func (s *Store) AppStats(ctx context.Context, account, appID string, now time.Time) (store.AppStats, error) {
	var st store.AppStats
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return st, err
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT channel_type, status, COUNT(*) FROM endpoints WHERE app_id = ? GROUP BY channel_type, status ORDER BY channel_type, status", appID)
	if err != nil {
		return st, wrap("app stats", err)
	}
	for rows.Next() {
		var c store.ChannelStatusCount
		if err := rows.Scan(&c.Channel, &c.Status, &c.Count); err != nil {
			rows.Close()
			return st, wrap("app stats", err)
		}
		st.Endpoints = append(st.Endpoints, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, wrap("app stats", err)
	}

	w := store.ActiveUserWindows
	cut := func(days int) string { return pinpoint.FormatTime(now.Add(-time.Duration(days) * 24 * time.Hour)) }
	err = s.reader.QueryRowContext(ctx, `SELECT
		COUNT(DISTINCT CASE WHEN last_event_at >= ? THEN user_id END),
		COUNT(DISTINCT CASE WHEN last_event_at >= ? THEN user_id END),
		COUNT(DISTINCT user_id)
		FROM endpoints WHERE app_id = ? AND user_id <> '' AND last_event_at >= ?`,
		cut(w[0]), cut(w[1]), appID, cut(w[2])).Scan(&st.ActiveUsers[0], &st.ActiveUsers[1], &st.ActiveUsers[2])
	if err != nil {
		return st, wrap("app stats", err)
	}

	since := store.StatsSince(now)
	until := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	rows, err = s.reader.QueryContext(ctx, "SELECT substr(ts, 1, 10), COUNT(*) FROM events WHERE app_id = ? AND ts >= ? AND ts < ? GROUP BY 1 ORDER BY 1",
		appID, since.Format("2006-01-02"), until.Format("2006-01-02"))
	if err != nil {
		return st, wrap("app stats", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d store.DayCount
		if err := rows.Scan(&d.Day, &d.Count); err != nil {
			return st, wrap("app stats", err)
		}
		st.EventsPerDay = append(st.EventsPerDay, d)
	}
	return st, wrap("app stats", rows.Err())
}

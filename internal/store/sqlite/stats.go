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

// AppStats implements store.Store. The counts by channel and status and by day come from
// endpoint_counts and event_days, which triggers keep (migration 6); active users from the
// endpoints_user_last_event index. Times compare as text: last_event_at is pinpoint.FormatTime's
// fixed-width form and events.ts is RFC 3339 in UTC, so its first ten bytes are its UTC day.
func (s *Store) AppStats(ctx context.Context, account, appID string, now time.Time) (store.AppStats, error) {
	var st store.AppStats
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return st, err
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT channel_type, status, n FROM endpoint_counts WHERE app_id = ? AND n > 0 ORDER BY channel_type, status", appID)
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

	// Each user's latest event first, then the users per window. The index is in user order, so
	// the grouping streams without sorting; it reads every endpoint of the app that has a user
	// and an event, not only those of the window.
	w := store.ActiveUserWindows
	cut := func(days int) string { return pinpoint.FormatTime(now.Add(-time.Duration(days) * 24 * time.Hour)) }
	err = s.reader.QueryRowContext(ctx, `SELECT COALESCE(SUM(last >= ?), 0), COALESCE(SUM(last >= ?), 0), COUNT(*) FROM (
		SELECT MAX(last_event_at) AS last FROM endpoints INDEXED BY endpoints_user_last_event
		WHERE app_id = ? AND user_id <> '' AND last_event_at IS NOT NULL GROUP BY user_id HAVING last >= ?)`,
		cut(w[0]), cut(w[1]), appID, cut(w[2])).Scan(&st.ActiveUsers[0], &st.ActiveUsers[1], &st.ActiveUsers[2])
	if err != nil {
		return st, wrap("app stats", err)
	}

	since := store.StatsSince(now)
	until := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	rows, err = s.reader.QueryContext(ctx, "SELECT day, n FROM event_days WHERE app_id = ? AND day >= ? AND day < ? AND n > 0 ORDER BY day",
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

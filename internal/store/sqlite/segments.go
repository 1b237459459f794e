package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// segmentSelect reads a segment version with the segment's tags: the arguments are the app, the
// segment and the version wanted (0: the latest), twice.
const segmentSelect = "SELECT " + store.SegmentColumns + ` FROM segments s
JOIN segment_versions v ON v.app_id = s.app_id AND v.segment_id = s.segment_id
  AND v.version = CASE WHEN ? = 0 THEN s.latest ELSE ? END
WHERE s.app_id = ? AND s.segment_id = ?`

func segmentNotFound(id string) error {
	return fmt.Errorf("%w: %s", store.ErrSegmentNotFound, id)
}

// getSegment reads a version of a segment of an app the caller has checked is account's.
func getSegment(ctx context.Context, q rowQuerier, account, appID, id string, version int) (pinpoint.Segment, error) {
	seg, err := store.ScanSegment(q.QueryRowContext(ctx, segmentSelect, version, version, appID, id), account, appID)
	if errors.Is(err, sql.ErrNoRows) {
		return seg, segmentNotFound(id)
	}
	return seg, wrap("get segment", err)
}

// CreateSegment implements store.Store.
func (s *Store) CreateSegment(ctx context.Context, seg pinpoint.Segment) error {
	seg.Version = 1
	vals, tags, err := store.SegmentValues(&seg)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		if _, err := c.app(ctx, seg.Account, seg.AppID); err != nil {
			return err
		}
		_, err := c.exec(ctx, "INSERT INTO segments (app_id, segment_id, latest, tags) VALUES (?, ?, 1, ?)", seg.AppID, seg.ID, tags)
		if isConstraint(err) {
			return fmt.Errorf("%w: segment %s", store.ErrExists, seg.ID)
		}
		if err != nil {
			return wrap("create segment", err)
		}
		return insertVersion(ctx, c, &seg, vals)
	})
}

func insertVersion(ctx context.Context, c *conn, seg *pinpoint.Segment, vals []any) error {
	_, err := c.exec(ctx, `INSERT INTO segment_versions (app_id, segment_id, version, name, segment_type, dimensions,
  segment_groups, import_definition, creation_date, last_modified_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append([]any{seg.AppID, seg.ID, seg.Version}, vals...)...)
	return wrap("write segment version", err)
}

// GetSegment implements store.Store.
func (s *Store) GetSegment(ctx context.Context, account, appID, id string, version int) (pinpoint.Segment, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return pinpoint.Segment{}, err
	}
	return getSegment(ctx, s.reader, account, appID, id, version)
}

// ListSegments implements store.Store.
func (s *Store) ListSegments(ctx context.Context, account, appID, after string, limit int) ([]pinpoint.Segment, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return nil, err
	}
	return s.segments(ctx, account, appID, "SELECT "+store.SegmentColumns+` FROM segments s
JOIN segment_versions v ON v.app_id = s.app_id AND v.segment_id = s.segment_id AND v.version = s.latest
WHERE s.app_id = ? AND s.segment_id > ? ORDER BY s.segment_id LIMIT ?`, appID, after, limit)
}

func (s *Store) segments(ctx context.Context, account, appID, q string, args ...any) ([]pinpoint.Segment, error) {
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("list segments", err)
	}
	defer rows.Close()
	var out []pinpoint.Segment
	for rows.Next() {
		seg, err := store.ScanSegment(rows, account, appID)
		if err != nil {
			return nil, wrap("list segments", err)
		}
		out = append(out, seg)
	}
	return out, wrap("list segments", rows.Err())
}

// ListSegmentVersions implements store.Store.
func (s *Store) ListSegmentVersions(ctx context.Context, account, appID, id string, afterVersion, limit int) ([]pinpoint.Segment, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return nil, err
	}
	// One statement, so that the versions and the test for the segment's existence agree.
	out, err := s.segments(ctx, account, appID, "SELECT "+store.SegmentColumns+` FROM segments s
LEFT JOIN segment_versions v ON v.app_id = s.app_id AND v.segment_id = s.segment_id AND v.version > ?
WHERE s.app_id = ? AND s.segment_id = ? ORDER BY v.version LIMIT ?`, afterVersion, appID, id, limit)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, segmentNotFound(id)
	}
	if out[0].ID == "" { // the segment exists, with no version past afterVersion
		return nil, nil
	}
	return out, nil
}

// UpdateSegment implements store.Store.
func (s *Store) UpdateSegment(ctx context.Context, account, appID, id string, fn func(*pinpoint.Segment) error) (pinpoint.Segment, error) {
	var out pinpoint.Segment
	err := s.write(ctx, func(ctx context.Context, c *conn) error {
		if _, err := c.app(ctx, account, appID); err != nil {
			return err
		}
		old, err := getSegment(ctx, c, account, appID, id, 0)
		if err != nil {
			return err
		}
		seg, err := store.NextSegmentVersion(old, fn)
		if err != nil {
			return err
		}
		vals, _, err := store.SegmentValues(&seg)
		if err != nil {
			return err
		}
		if err := insertVersion(ctx, c, &seg, vals); err != nil {
			return err
		}
		if _, err := c.exec(ctx, "UPDATE segments SET latest = ? WHERE app_id = ? AND segment_id = ?", seg.Version, appID, id); err != nil {
			return wrap("update segment", err)
		}
		out = seg
		return nil
	})
	return out, err
}

// UpdateSegmentTags implements store.Store.
func (s *Store) UpdateSegmentTags(ctx context.Context, account, appID, id string, fn func(map[string]string) (map[string]string, error)) (pinpoint.Segment, error) {
	var out pinpoint.Segment
	err := s.write(ctx, func(ctx context.Context, c *conn) error {
		if _, err := c.app(ctx, account, appID); err != nil {
			return err
		}
		seg, err := getSegment(ctx, c, account, appID, id, 0)
		if err != nil {
			return err
		}
		tags := maps.Clone(seg.Tags)
		if tags == nil {
			tags = map[string]string{}
		}
		if tags, err = fn(tags); err != nil {
			return err
		}
		js, err := store.EncodeJSON(orEmpty(tags))
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, "UPDATE segments SET tags = ? WHERE app_id = ? AND segment_id = ?", js, appID, id); err != nil {
			return wrap("tag segment", err)
		}
		seg.Tags = tags
		if len(seg.Tags) == 0 {
			seg.Tags = nil
		}
		out = seg
		return nil
	})
	return out, err
}

// DeleteSegment implements store.Store.
func (s *Store) DeleteSegment(ctx context.Context, account, appID, id string) (pinpoint.Segment, error) {
	var out pinpoint.Segment
	err := s.write(ctx, func(ctx context.Context, c *conn) error {
		if _, err := c.app(ctx, account, appID); err != nil {
			return err
		}
		seg, err := getSegment(ctx, c, account, appID, id, 0)
		if err != nil {
			return err
		}
		for _, table := range []string{"segment_members", "segment_versions", "segments"} {
			if _, err := c.exec(ctx, "DELETE FROM "+table+" WHERE app_id = ? AND segment_id = ?", appID, id); err != nil {
				return wrap("delete segment", err)
			}
		}
		out = seg
		return nil
	})
	return out, err
}

// scanQuery is the statement that reads a page for ScanEndpoints: with or without the users'
// attributes (the join costs an index lookup per endpoint), with or without an upper bound. Its
// arguments are the app, after, [until,] limit.
func scanQuery(userAttrs, until bool) string {
	q := "SELECT e.doc, e.status, e.user_id, e.last_event_at FROM endpoints e WHERE e.app_id = ? AND e.id > ? "
	if userAttrs {
		q = "SELECT e.doc, e.status, e.user_id, e.last_event_at, u.attrs FROM endpoints e " + userJoin + "WHERE e.app_id = ? AND e.id > ? "
	}
	if until {
		q += "AND e.id <= ? "
	}
	return q + "ORDER BY e.id LIMIT ?"
}

// ScanEndpoints implements store.Store. Each page is one statement on a reader connection: it
// sees the database as of the last commit before it started.
//
// It reads the driver's values directly: the driver returns each BLOB in a new slice (copied out
// of SQLite; see driver.go), so the document belongs to this reader, and the
// endpoint decoded from it shares its memory instead of copying it once more.
func (s *Store) ScanEndpoints(ctx context.Context, account, appID string, q store.ScanQuery) ([]store.ScannedEndpoint, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return nil, err
	}
	args := []any{appID, q.After}
	if q.Until != "" {
		args = append(args, q.Until)
	}
	it, err := s.reader.QueryContext(ctx, scanQuery(q.UserAttrs, q.Until != ""), append(args, q.Limit)...)
	if err != nil {
		return nil, wrap("scan endpoints", err)
	}
	defer it.Close()
	r := it.(*pooledRows).rows
	out := make([]store.ScannedEndpoint, 0, min(q.Limit, 4096))
	var slab store.Slab
	for r.Next() {
		doc, ok := r.dest[0].([]byte)
		status, ok1 := r.dest[1].(string)
		userID, ok2 := r.dest[2].(string)
		if !ok || !ok1 || !ok2 {
			return nil, fmt.Errorf("sqlite: scan endpoints: unexpected column types %T, %T, %T", r.dest[0], r.dest[1], r.dest[2])
		}
		out = append(out, store.ScannedEndpoint{})
		se := &out[len(out)-1]
		if err := store.DecodeEndpointInto(&se.Endpoint, doc, status, userID, &slab); err != nil {
			return nil, wrap("scan endpoints", err)
		}
		if last, ok := r.dest[3].(string); ok && last != "" {
			var err error
			if se.LastEventAt, err = time.Parse(time.RFC3339Nano, last); err != nil {
				return nil, wrap("scan endpoints", err)
			}
		}
		if q.UserAttrs && userID != "" {
			se.Endpoint.User.UserAttributes = nil
			if attrs, ok := r.dest[4].(string); ok {
				if err := store.DecodeJSON(attrs, &se.Endpoint.User.UserAttributes); err != nil {
					return nil, wrap("scan endpoints", err)
				}
			}
			if len(se.Endpoint.User.UserAttributes) == 0 {
				se.Endpoint.User.UserAttributes = nil
			}
		}
	}
	return out, wrap("scan endpoints", r.Err())
}

// AddSegmentMembers implements store.Store.
func (s *Store) AddSegmentMembers(ctx context.Context, account, appID, segmentID string, members []store.SegmentMember) error {
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		if _, err := c.app(ctx, account, appID); err != nil {
			return err
		}
		seg, err := getSegment(ctx, c, account, appID, segmentID, 0)
		if err != nil {
			return err
		}
		if seg.Import == nil {
			_, err := store.AddMembersToImport(&seg, nil, nil)
			return err
		}
		added := map[string]bool{}
		for _, m := range members {
			res, err := c.exec(ctx, "INSERT OR IGNORE INTO segment_members (app_id, segment_id, endpoint_id) VALUES (?, ?, ?)", appID, segmentID, m.EndpointID)
			if err != nil {
				return wrap("add segment members", err)
			}
			if n, err := res.RowsAffected(); err == nil && n > 0 {
				added[m.EndpointID] = true
			}
		}
		if len(added) == 0 {
			return nil
		}
		imp, err := store.AddMembersToImport(&seg, members, added)
		if err != nil {
			return err
		}
		_, err = c.exec(ctx, "UPDATE segment_versions SET import_definition = ? WHERE app_id = ? AND segment_id = ?", imp, appID, segmentID)
		return wrap("add segment members", err)
	})
}

// ListSegmentMembers implements store.Store.
func (s *Store) ListSegmentMembers(ctx context.Context, account, appID, segmentID, after string, limit int) ([]string, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return nil, err
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT endpoint_id FROM segment_members WHERE app_id = ? AND segment_id = ? AND endpoint_id > ? ORDER BY endpoint_id LIMIT ?", appID, segmentID, after, limit)
	if err != nil {
		return nil, wrap("list segment members", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("list segment members", err)
		}
		out = append(out, id)
	}
	return out, wrap("list segment members", rows.Err())
}

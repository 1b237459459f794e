package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// segmentSelect reads a segment version with the segment's tags: $1 app, $2 segment, $3 the
// version wanted (0: the latest).
const segmentSelect = "SELECT " + store.SegmentColumns + ` FROM segments s
	JOIN segment_versions v ON v.app_id = s.app_id AND v.segment_id = s.segment_id
		AND v.version = CASE WHEN $3::integer = 0 THEN s.latest ELSE $3::integer END
	WHERE s.app_id = $1 AND s.segment_id = $2`

func segmentNotFound(id string) error {
	return fmt.Errorf("postgres: segment %q: %w", id, store.ErrSegmentNotFound)
}

// querier is what segment reads need: the pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// getSegment reads a version of a segment of an app the caller has checked is account's.
func getSegment(ctx context.Context, q querier, account, appID, id string, version int) (pinpoint.Segment, error) {
	seg, err := store.ScanSegment(q.QueryRow(ctx, segmentSelect, appID, id, version), account, appID)
	if errors.Is(err, pgx.ErrNoRows) {
		return seg, segmentNotFound(id)
	}
	return seg, dbErr(err)
}

// lockSegment locks the segment's row and then reads its latest version. Two statements: a
// locking read that waited for a concurrent update would re-check the join against the version
// row it first saw and find no row at all (READ COMMITTED); the second statement sees the update.
func lockSegment(ctx context.Context, tx pgx.Tx, account, appID, id string) (pinpoint.Segment, error) {
	var latest int
	err := tx.QueryRow(ctx, "SELECT latest FROM segments WHERE app_id = $1 AND segment_id = $2 FOR UPDATE", appID, id).Scan(&latest)
	if errors.Is(err, pgx.ErrNoRows) {
		return pinpoint.Segment{}, segmentNotFound(id)
	}
	if err != nil {
		return pinpoint.Segment{}, dbErr(err)
	}
	return getSegment(ctx, tx, account, appID, id, latest)
}

// CreateSegment stores the segment and its first version in one transaction, holding the app's
// row FOR SHARE so that DeleteApp cannot interleave.
func (s *Store) CreateSegment(ctx context.Context, seg pinpoint.Segment) error {
	seg.Version = 1
	vals, tags, err := store.SegmentValues(&seg)
	if err != nil {
		return err
	}
	return s.inTx(ctx, "create segment", func(tx pgx.Tx) error {
		if _, err := lockApp(ctx, tx, seg.Account, seg.AppID, forShare); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO segments (app_id, segment_id, latest, tags) VALUES ($1, $2, 1, $3)", seg.AppID, seg.ID, tags)
		if isUnique(err, "segments_pkey") {
			return fmt.Errorf("postgres: segment %q: %w", seg.ID, store.ErrExists)
		}
		if err != nil {
			return dbErr(err)
		}
		return insertVersion(ctx, tx, &seg, vals)
	})
}

func insertVersion(ctx context.Context, tx pgx.Tx, seg *pinpoint.Segment, vals []any) error {
	_, err := tx.Exec(ctx, `INSERT INTO segment_versions (app_id, segment_id, version, name, segment_type, dimensions,
		segment_groups, import_definition, creation_date, last_modified_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		append([]any{seg.AppID, seg.ID, seg.Version}, vals...)...)
	return dbErr(err)
}

// GetSegment returns a version of a segment.
func (s *Store) GetSegment(ctx context.Context, account, appID, id string, version int) (pinpoint.Segment, error) {
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return pinpoint.Segment{}, err
	}
	var seg pinpoint.Segment
	err := s.run(ctx, "get segment", func(ctx context.Context) error {
		var err error
		seg, err = getSegment(ctx, s.pool, account, appID, id, version)
		return err
	})
	if err != nil {
		return pinpoint.Segment{}, err
	}
	return seg, nil
}

// ListSegments returns latest versions in segment ID order. Segment IDs are lowercase hex, which
// every collation orders byte-wise (see ListApps).
func (s *Store) ListSegments(ctx context.Context, account, appID, after string, limit int) ([]pinpoint.Segment, error) {
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return nil, err
	}
	return s.segments(ctx, "list segments", account, appID, "SELECT "+store.SegmentColumns+` FROM segments s
		JOIN segment_versions v ON v.app_id = s.app_id AND v.segment_id = s.segment_id AND v.version = s.latest
		WHERE s.app_id = $1 AND s.segment_id > $2 ORDER BY s.segment_id LIMIT $3`, appID, after, limit)
}

func (s *Store) segments(ctx context.Context, op, account, appID, q string, args ...any) ([]pinpoint.Segment, error) {
	var out []pinpoint.Segment
	err := s.run(ctx, op, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, q, args...)
		if err != nil {
			return dbErr(err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (pinpoint.Segment, error) {
			return store.ScanSegment(row, account, appID)
		})
		return dbErr(err)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListSegmentVersions returns versions in ascending order. The versions and the test for the
// segment's existence are read in one transaction, so that they agree.
func (s *Store) ListSegmentVersions(ctx context.Context, account, appID, id string, afterVersion, limit int) ([]pinpoint.Segment, error) {
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return nil, err
	}
	var out []pinpoint.Segment
	err := s.inTx(ctx, "list segment versions", func(tx pgx.Tx) error {
		// REPEATABLE READ is not needed: the segment's row is locked, so no delete can run between
		// the two statements.
		var one int
		err := tx.QueryRow(ctx, "SELECT 1 FROM segments WHERE app_id = $1 AND segment_id = $2 FOR SHARE", appID, id).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return segmentNotFound(id)
		}
		if err != nil {
			return dbErr(err)
		}
		rows, err := tx.Query(ctx, "SELECT "+store.SegmentColumns+` FROM segments s
			JOIN segment_versions v ON v.app_id = s.app_id AND v.segment_id = s.segment_id AND v.version > $3
			WHERE s.app_id = $1 AND s.segment_id = $2 ORDER BY v.version LIMIT $4`, appID, id, afterVersion, limit)
		if err != nil {
			return dbErr(err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (pinpoint.Segment, error) {
			return store.ScanSegment(row, account, appID)
		})
		return dbErr(err)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSegment locks the segment's row, so that concurrent updates of one segment run one
// after the other and each writes its own version.
func (s *Store) UpdateSegment(ctx context.Context, account, appID, id string, fn func(*pinpoint.Segment) error) (pinpoint.Segment, error) {
	var out pinpoint.Segment
	err := s.inTx(ctx, "update segment", func(tx pgx.Tx) error {
		if _, err := lockApp(ctx, tx, account, appID, forShare); err != nil {
			return err
		}
		old, err := lockSegment(ctx, tx, account, appID, id)
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
		if err := insertVersion(ctx, tx, &seg, vals); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE segments SET latest = $3 WHERE app_id = $1 AND segment_id = $2", appID, id, seg.Version); err != nil {
			return dbErr(err)
		}
		out = seg
		return nil
	})
	if err != nil {
		return pinpoint.Segment{}, err
	}
	return out, nil
}

// UpdateSegmentTags replaces the tags under the segment's row lock.
func (s *Store) UpdateSegmentTags(ctx context.Context, account, appID, id string, fn func(map[string]string) (map[string]string, error)) (pinpoint.Segment, error) {
	var out pinpoint.Segment
	err := s.inTx(ctx, "tag segment", func(tx pgx.Tx) error {
		if _, err := lockApp(ctx, tx, account, appID, forShare); err != nil {
			return err
		}
		seg, err := lockSegment(ctx, tx, account, appID, id)
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
		js, err := store.EncodeJSON(tags)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE segments SET tags = $3 WHERE app_id = $1 AND segment_id = $2", appID, id, js); err != nil {
			return dbErr(err)
		}
		seg.Tags = tags
		if len(seg.Tags) == 0 {
			seg.Tags = nil
		}
		out = seg
		return nil
	})
	if err != nil {
		return pinpoint.Segment{}, err
	}
	return out, nil
}

// DeleteSegment deletes the segment's versions and row in one transaction.
func (s *Store) DeleteSegment(ctx context.Context, account, appID, id string) (pinpoint.Segment, error) {
	var out pinpoint.Segment
	err := s.inTx(ctx, "delete segment", func(tx pgx.Tx) error {
		if _, err := lockApp(ctx, tx, account, appID, forShare); err != nil {
			return err
		}
		seg, err := lockSegment(ctx, tx, account, appID, id)
		if err != nil {
			return err
		}
		for _, q := range []string{
			"DELETE FROM segment_members WHERE app_id = $1 AND segment_id = $2",
			"DELETE FROM segment_versions WHERE app_id = $1 AND segment_id = $2",
			"DELETE FROM segments WHERE app_id = $1 AND segment_id = $2",
		} {
			if _, err := tx.Exec(ctx, q, appID, id); err != nil {
				return dbErr(err)
			}
		}
		out = seg
		return nil
	})
	if err != nil {
		return pinpoint.Segment{}, err
	}
	return out, nil
}

// scanQuery is the statement that reads a page for ScanEndpoints: with or without the users'
// attributes, with or without an upper bound ($4; the limit is $3).
func scanQuery(userAttrs, until bool) string {
	q := "SELECT e.doc, e.status, e.user_id, e.last_event_at, NULL::text FROM endpoints e WHERE e.app_id = $1 AND e.id > $2 "
	if userAttrs {
		q = `SELECT e.doc, e.status, e.user_id, e.last_event_at, u.attrs FROM endpoints e
			LEFT JOIN users u ON u.app_id = e.app_id AND u.user_id = e.user_id AND e.user_id <> ''
			WHERE e.app_id = $1 AND e.id > $2 `
	}
	if until {
		q += "AND e.id <= $4 "
	}
	return q + "ORDER BY e.id LIMIT $3"
}

// ScanEndpoints reads one page in one statement, which sees every transaction committed before
// it started. The order is the primary key's, that is the database's collation of id.
func (s *Store) ScanEndpoints(ctx context.Context, account, appID string, q store.ScanQuery) ([]store.ScannedEndpoint, error) {
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return nil, err
	}
	var out []store.ScannedEndpoint
	err := s.run(ctx, "scan endpoints", func(ctx context.Context) error {
		args := []any{appID, q.After, q.Limit}
		if q.Until != "" {
			args = append(args, q.Until)
		}
		rows, err := s.pool.Query(ctx, scanQuery(q.UserAttrs, q.Until != ""), args...)
		if err != nil {
			return dbErr(err)
		}
		defer rows.Close()
		out = make([]store.ScannedEndpoint, 0, min(q.Limit, 4096))
		var slab store.Slab
		for rows.Next() {
			var doc []byte
			var status, userID string
			var attrs *string
			var last *time.Time
			if err := rows.Scan(&doc, &status, &userID, &last, &attrs); err != nil {
				return dbErr(err)
			}
			// pgx copies a bytea into a new slice: the document is this reader's to share.
			out = append(out, store.ScannedEndpoint{})
			se := &out[len(out)-1]
			e := &se.Endpoint
			if err := store.DecodeEndpointInto(e, doc, status, userID, &slab); err != nil {
				return dbErr(err)
			}
			if userID != "" {
				e.User.UserAttributes = nil
				if attrs != nil {
					if err := store.DecodeJSON(*attrs, &e.User.UserAttributes); err != nil {
						return dbErr(err)
					}
				}
			}
			if last != nil {
				se.LastEventAt = last.UTC()
			}
		}
		return dbErr(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddSegmentMembers implements store.Store. The segment's row lock serializes concurrent adds,
// so that each counts its new members on top of the others'.
func (s *Store) AddSegmentMembers(ctx context.Context, account, appID, segmentID string, members []store.SegmentMember) error {
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.EndpointID
	}
	return s.inTx(ctx, "add segment members", func(tx pgx.Tx) error {
		if _, err := lockApp(ctx, tx, account, appID, forShare); err != nil {
			return err
		}
		seg, err := lockSegment(ctx, tx, account, appID, segmentID)
		if err != nil {
			return err
		}
		if seg.Import == nil {
			_, err := store.AddMembersToImport(&seg, nil, nil)
			return err
		}
		rows, err := tx.Query(ctx, `INSERT INTO segment_members (app_id, segment_id, endpoint_id)
			SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING RETURNING endpoint_id`, appID, segmentID, ids)
		if err != nil {
			return dbErr(err)
		}
		added := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return dbErr(err)
			}
			added[id] = true
		}
		if err := rows.Err(); err != nil {
			return dbErr(err)
		}
		if len(added) == 0 {
			return nil
		}
		imp, err := store.AddMembersToImport(&seg, members, added)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE segment_versions SET import_definition = $3 WHERE app_id = $1 AND segment_id = $2", appID, segmentID, imp)
		return dbErr(err)
	})
}

// ListSegmentMembers implements store.Store.
func (s *Store) ListSegmentMembers(ctx context.Context, account, appID, segmentID, after string, limit int) ([]string, error) {
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return nil, err
	}
	var out []string
	err := s.run(ctx, "list segment members", func(ctx context.Context) error {
		out = out[:0]
		rows, err := s.pool.Query(ctx, "SELECT endpoint_id FROM segment_members WHERE app_id = $1 AND segment_id = $2 AND endpoint_id > $3 ORDER BY endpoint_id LIMIT $4", appID, segmentID, after, limit)
		if err != nil {
			return dbErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return dbErr(err)
			}
			out = append(out, id)
		}
		return dbErr(rows.Err())
	})
	return out, err
}

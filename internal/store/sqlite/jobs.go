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

// notDone is the condition of the jobs_runnable index: jobs a runner may still work on.
const notDone = "status NOT IN ('COMPLETED', 'FAILED')"

// CreateJob implements store.Store.
func (s *Store) CreateJob(ctx context.Context, j store.Job) error {
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		if _, err := c.app(ctx, j.Account, j.AppID); err != nil {
			return err
		}
		_, err := c.exec(ctx, "INSERT INTO jobs ("+store.JobColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", store.JobArgs(&j)...)
		if isConstraint(err) {
			return fmt.Errorf("%w: job %s", store.ErrExists, j.ID)
		}
		return wrap("create job", err)
	})
}

// GetJob implements store.Store.
func (s *Store) GetJob(ctx context.Context, account, appID, typ, id string) (store.Job, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return store.Job{}, err
	}
	j, err := store.ScanJob(s.reader.QueryRowContext(ctx, "SELECT "+store.JobColumns+" FROM jobs WHERE app_id = ? AND id = ? AND type = ?", appID, id, typ))
	if errors.Is(err, sql.ErrNoRows) {
		return j, fmt.Errorf("%w: %s", store.ErrJobNotFound, id)
	}
	return j, wrap("get job", err)
}

// ListJobs implements store.Store.
func (s *Store) ListJobs(ctx context.Context, account, appID, typ, segmentID string, after store.JobCursor, limit int) ([]store.Job, error) {
	if _, err := getApp(ctx, s.reader, account, appID); err != nil {
		return nil, err
	}
	q := "SELECT " + store.JobColumns + " FROM jobs WHERE app_id = ? AND type = ?"
	args := []any{appID, typ}
	if segmentID != "" {
		q += " AND segment_id = ?"
		args = append(args, segmentID)
	}
	if after != (store.JobCursor{}) {
		q += " AND (creation_date < ? OR creation_date = ? AND id < ?)"
		args = append(args, after.CreationDate, after.CreationDate, after.ID)
	}
	q += " ORDER BY creation_date DESC, id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("list jobs", err)
	}
	defer rows.Close()
	var out []store.Job
	for rows.Next() {
		j, err := store.ScanJob(rows)
		if err != nil {
			return nil, wrap("list jobs", err)
		}
		out = append(out, j)
	}
	return out, wrap("list jobs", rows.Err())
}

// ClaimJob implements store.Store. The single writer makes the count and the claim one atomic step.
func (s *Store) ClaimJob(ctx context.Context, owner string, now, until time.Time, perAccount int) (*store.Job, error) {
	// Runners ask every second or so and usually find nothing: look on a reader first, so that an
	// idle server does not commit (and fsync) a transaction per poll.
	var one int
	err := s.reader.QueryRowContext(ctx, "SELECT 1 FROM jobs WHERE "+notDone+" AND (owner = '' OR lease_until < ?) LIMIT 1", now.UnixMilli()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("claim job", err)
	}
	var out *store.Job
	err = s.write(ctx, func(ctx context.Context, c *conn) error {
		out = nil
		rows, err := c.query(ctx, "SELECT "+store.JobColumns+" FROM jobs WHERE "+notDone+" AND (owner = '' OR lease_until < ?) ORDER BY creation_date, app_id, id LIMIT 64", now.UnixMilli())
		if err != nil {
			return wrap("claim job", err)
		}
		var candidates []store.Job
		for rows.Next() {
			j, err := store.ScanJob(rows)
			if err != nil {
				rows.Close()
				return wrap("claim job", err)
			}
			candidates = append(candidates, j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap("claim job", err)
		}
		full := map[string]bool{}
		for _, j := range candidates {
			if full[j.Account] {
				continue
			}
			var running int
			if err := c.queryRow(ctx, "SELECT count(*) FROM jobs WHERE "+notDone+" AND account = ? AND owner <> '' AND lease_until >= ?", j.Account, now.UnixMilli()).Scan(&running); err != nil {
				return wrap("claim job", err)
			}
			if running >= perAccount {
				full[j.Account] = true
				continue
			}
			if _, err := c.exec(ctx, "UPDATE jobs SET owner = ?, lease_until = ? WHERE app_id = ? AND id = ?", owner, until.UnixMilli(), j.AppID, j.ID); err != nil {
				return wrap("claim job", err)
			}
			j.Owner, j.LeaseUntil = owner, time.UnixMilli(until.UnixMilli()).UTC()
			out = &j
			return nil
		}
		return nil
	})
	return out, err
}

// SaveJob implements store.Store.
func (s *Store) SaveJob(ctx context.Context, owner string, j store.Job) error {
	newOwner := owner
	if pinpoint.JobDone(j.Status) {
		newOwner = ""
	}
	return s.write(ctx, func(ctx context.Context, c *conn) error {
		res, err := c.exec(ctx, `UPDATE jobs SET status = ?, completion_date = ?, total_pieces = ?, completed_pieces = ?, failed_pieces = ?,
			total_processed = ?, total_failures = ?, failures = ?, checkpoint = ?, lease_until = ?, owner = ?
			WHERE app_id = ? AND id = ? AND owner = ?`,
			j.Status, j.CompletionDate, j.TotalPieces, j.CompletedPieces, j.FailedPieces, j.TotalProcessed, j.TotalFailures,
			store.EncodeFailures(j.Failures), string(j.Checkpoint), store.LeaseMillis(j.LeaseUntil), newOwner, j.AppID, j.ID, owner)
		if err != nil {
			return wrap("save job", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: job %s, owner %s", store.ErrLeaseLost, j.ID, owner)
		}
		return nil
	})
}

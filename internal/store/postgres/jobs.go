package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// notDone is the condition of the jobs_runnable index: jobs a runner may still work on.
const notDone = "status NOT IN ('COMPLETED', 'FAILED')"

// CreateJob implements store.Store: the insert names the account, so it inserts nothing when the
// app is not the account's.
func (s *Store) CreateJob(ctx context.Context, j store.Job) error {
	return s.run(ctx, "create job", func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, "INSERT INTO jobs ("+store.JobColumns+") SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18 "+
			"WHERE EXISTS (SELECT 1 FROM apps WHERE app_id = $1 AND account = $3)", store.JobArgs(&j)...)
		if isUnique(err, "jobs_pkey") {
			return fmt.Errorf("postgres: job %q: %w", j.ID, store.ErrExists)
		}
		if err != nil {
			return commitErr(err)
		}
		if tag.RowsAffected() == 0 {
			return appNotFound(j.AppID)
		}
		return nil
	})
}

// GetJob implements store.Store.
func (s *Store) GetJob(ctx context.Context, account, appID, typ, id string) (store.Job, error) {
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return store.Job{}, err
	}
	var j store.Job
	err := s.run(ctx, "get job", func(ctx context.Context) error {
		var err error
		j, err = store.ScanJob(s.pool.QueryRow(ctx, "SELECT "+store.JobColumns+" FROM jobs WHERE app_id = $1 AND id = $2 AND type = $3", appID, id, typ))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: job %q: %w", id, store.ErrJobNotFound)
		}
		return dbErr(err)
	})
	return j, err
}

// ListJobs implements store.Store. Job IDs and dates are ASCII digits, letters and punctuation,
// which every collation orders alike, so the order is the same on every database.
func (s *Store) ListJobs(ctx context.Context, account, appID, typ, segmentID string, after store.JobCursor, limit int) ([]store.Job, error) {
	if _, err := s.GetApp(ctx, account, appID); err != nil {
		return nil, err
	}
	q := "SELECT " + store.JobColumns + " FROM jobs WHERE app_id = $1 AND type = $2"
	args := []any{appID, typ}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if segmentID != "" {
		q += " AND segment_id = " + arg(segmentID)
	}
	if after != (store.JobCursor{}) {
		d := arg(after.CreationDate)
		q += " AND (creation_date < " + d + " OR creation_date = " + d + " AND id < " + arg(after.ID) + ")"
	}
	q += " ORDER BY creation_date DESC, id DESC LIMIT " + arg(limit)
	var out []store.Job
	err := s.run(ctx, "list jobs", func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, q, args...)
		if err != nil {
			return dbErr(err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Job, error) { return store.ScanJob(row) })
		return dbErr(err)
	})
	return out, err
}

// ClaimJob implements store.Store. It runs SERIALIZABLE: two processes that count an account's
// running jobs and both claim one cannot both commit (one gets a serialization failure, is
// retried, and counts again), and the owner/lease condition of the UPDATE makes the claim itself
// a compare-and-set.
func (s *Store) ClaimJob(ctx context.Context, owner string, now, until time.Time, perAccount int) (*store.Job, error) {
	// Runners ask every second or so and usually find nothing: a plain read answers that without
	// a SERIALIZABLE transaction (which could make busy processes retry each other's claims).
	var found bool
	err := s.run(ctx, "claim job", func(ctx context.Context) error {
		return dbErr(s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM jobs WHERE "+notDone+" AND (owner = '' OR lease_until < $1))", now.UnixMilli()).Scan(&found))
	})
	if err != nil || !found {
		return nil, err
	}
	var out *store.Job
	err = s.run(ctx, "claim job", func(ctx context.Context) error {
		out = nil
		tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
		if err != nil {
			return dbErr(err)
		}
		defer tx.Rollback(ctx)
		rows, err := tx.Query(ctx, "SELECT "+store.JobColumns+" FROM jobs WHERE "+notDone+" AND (owner = '' OR lease_until < $1) ORDER BY creation_date, app_id, id LIMIT 64", now.UnixMilli())
		if err != nil {
			return dbErr(err)
		}
		candidates, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Job, error) { return store.ScanJob(row) })
		if err != nil {
			return dbErr(err)
		}
		full := map[string]bool{}
		for _, j := range candidates {
			if full[j.Account] {
				continue
			}
			var running int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM jobs WHERE "+notDone+" AND account = $1 AND owner <> '' AND lease_until >= $2", j.Account, now.UnixMilli()).Scan(&running); err != nil {
				return dbErr(err)
			}
			if running >= perAccount {
				full[j.Account] = true
				continue
			}
			tag, err := tx.Exec(ctx, "UPDATE jobs SET owner = $1, lease_until = $2 WHERE app_id = $3 AND id = $4 AND (owner = '' OR lease_until < $5) AND "+notDone,
				owner, until.UnixMilli(), j.AppID, j.ID, now.UnixMilli())
			if err != nil {
				return dbErr(err)
			}
			if tag.RowsAffected() == 0 {
				continue // another process claimed it since the SELECT
			}
			if err := tx.Commit(ctx); err != nil {
				return commitErr(err)
			}
			j.Owner, j.LeaseUntil = owner, time.UnixMilli(until.UnixMilli()).UTC()
			out = &j
			return nil
		}
		return commitErr(tx.Commit(ctx))
	})
	return out, err
}

// SaveJob implements store.Store.
func (s *Store) SaveJob(ctx context.Context, owner string, j store.Job) error {
	newOwner := owner
	if pinpoint.JobDone(j.Status) {
		newOwner = ""
	}
	return s.run(ctx, "save job", func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `UPDATE jobs SET status = $1, completion_date = $2, total_pieces = $3, completed_pieces = $4, failed_pieces = $5,
			total_processed = $6, total_failures = $7, failures = $8, checkpoint = $9, lease_until = $10, owner = $11
			WHERE app_id = $12 AND id = $13 AND owner = $14`,
			j.Status, j.CompletionDate, j.TotalPieces, j.CompletedPieces, j.FailedPieces, j.TotalProcessed, j.TotalFailures,
			store.EncodeFailures(j.Failures), string(j.Checkpoint), store.LeaseMillis(j.LeaseUntil), newOwner, j.AppID, j.ID, owner)
		if err != nil {
			return commitErr(err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: job %q, owner %q: %w", j.ID, owner, store.ErrLeaseLost)
		}
		return nil
	})
}

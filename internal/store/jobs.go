package store

import (
	"encoding/json"
	"time"
)

// JobColumns are the columns of the jobs table, in the order ScanJob reads and JobArgs gives them.
const JobColumns = "app_id, id, account, type, status, segment_id, definition, creation_date, completion_date, " +
	"total_pieces, completed_pieces, failed_pieces, total_processed, total_failures, failures, owner, lease_until, checkpoint"

// ScanJob reads one row of JobColumns. The row's error (no rows, say) is returned as is.
func ScanJob(row interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var def, failures, checkpoint string
	var lease int64
	if err := row.Scan(&j.AppID, &j.ID, &j.Account, &j.Type, &j.Status, &j.SegmentID, &def, &j.CreationDate, &j.CompletionDate,
		&j.TotalPieces, &j.CompletedPieces, &j.FailedPieces, &j.TotalProcessed, &j.TotalFailures, &failures, &j.Owner, &lease, &checkpoint); err != nil {
		return j, err
	}
	j.Definition = []byte(def)
	if checkpoint != "" {
		j.Checkpoint = []byte(checkpoint)
	}
	if lease != 0 {
		j.LeaseUntil = time.UnixMilli(lease).UTC()
	}
	if err := DecodeJSON(failures, &j.Failures); err != nil {
		return j, err
	}
	if len(j.Failures) == 0 {
		j.Failures = nil
	}
	return j, nil
}

// JobArgs returns the values of JobColumns for j.
func JobArgs(j *Job) []any {
	return []any{j.AppID, j.ID, j.Account, j.Type, j.Status, j.SegmentID, string(j.Definition), j.CreationDate, j.CompletionDate,
		j.TotalPieces, j.CompletedPieces, j.FailedPieces, j.TotalProcessed, j.TotalFailures, EncodeFailures(j.Failures), j.Owner,
		LeaseMillis(j.LeaseUntil), string(j.Checkpoint)}
}

// EncodeFailures is the failures column of a job: a JSON array.
func EncodeFailures(f []string) string {
	if len(f) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(f) // a []string always encodes
	return string(b)
}

// LeaseMillis is the lease_until column: Unix milliseconds, 0 for none.
func LeaseMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

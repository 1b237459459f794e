// Package jobs runs Pinpoint's import and export jobs in the background of every pinpointd
// process: a Runner claims runnable jobs from the store under a lease it keeps renewing, so each
// job runs in exactly one process at a time, and a job whose process died is resumed by another
// (or by the restarted one) once its lease ends, from the checkpoint saved after its last piece.
//
// Imports read CSV or newline-delimited JSON (gzip'ed or not) from s3:// or file:// locations and
// upsert every row through the UpdateEndpoint merge, so running a piece twice changes nothing.
// Exports write the app's endpoints as gzip'ed newline-delimited JSON pieces, each rewritten whole.
package jobs

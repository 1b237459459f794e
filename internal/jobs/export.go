package jobs

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// pageSize is how many endpoints an export reads per store query.
const pageSize = 1000

// runExport writes the app's endpoints, in ID order, as pieces of PieceSize endpoints: gzip'ed
// newline-delimited JSON, one EndpointResponse per line, named {prefix}/{jobId}/{n}.gz (n from 1).
// A piece is built in memory and written whole; the checkpoint after it names the last ID it
// holds, so a run that takes the job over rewrites the next piece whole from there. An app
// without endpoints yields one empty piece.
func (t *task) runExport(ctx context.Context, cp *checkpoint) error {
	j := t.snapshot()
	var def pinpoint.ExportJobResource
	if err := json.Unmarshal(j.Definition, &def); err != nil {
		return t.fail(ctx, "the job's definition is unreadable: "+err.Error())
	}
	loc, err := t.r.cfg.Storage.Parse("S3UrlPrefix", def.S3UrlPrefix)
	if err != nil {
		return t.fail(ctx, errorMessage(err))
	}
	if def.SegmentID != "" {
		return t.fail(ctx, "exporting a segment is not supported by this pinpointd")
	}
	if j.Status == pinpoint.JobCreated {
		if err := t.setStatus(ctx, pinpoint.JobInitializing); err != nil {
			return err
		}
	}
	t.update(func(j *store.Job) { j.Status, j.TotalPieces = pinpoint.JobProcessing, cp.Done+1 })
	if err := t.save(ctx, true); err != nil {
		return err
	}
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level never fails
	for {
		buf.Reset()
		gz.Reset(&buf)
		after, n, end := cp.After, 0, false
		for n < t.r.cfg.PieceSize {
			want := min(pageSize, t.r.cfg.PieceSize-n)
			page, err := t.r.cfg.Store.ListEndpoints(ctx, j.Account, j.AppID, after, want)
			if err != nil {
				if ctx.Err() != nil {
					return errStop
				}
				return err
			}
			for i := range page {
				line, err := json.Marshal(&page[i])
				if err != nil {
					return err
				}
				gz.Write(append(line, '\n'))
			}
			n += len(page)
			if len(page) > 0 {
				after = page[len(page)-1].ID
			}
			t.update(func(j *store.Job) { j.TotalProcessed = cp.Processed + n })
			if err := t.save(ctx, false); err != nil {
				return err
			}
			if len(page) < want {
				end = true
				break
			}
		}
		if n == 0 && cp.Done > 0 {
			break // the previous piece ended exactly at the last endpoint
		}
		if err := gz.Close(); err != nil {
			return err
		}
		name := j.ID + "/" + strconv.Itoa(cp.Done+1) + ".gz"
		if err := t.r.cfg.Storage.Put(ctx, loc, name, buf.Bytes()); err != nil {
			if ctx.Err() != nil {
				return errStop
			}
			return t.fail(ctx, fmt.Sprintf("cannot write %s/%s: %v", trimSlash(def.S3UrlPrefix), name, err))
		}
		cp.After = after
		if err := t.pieceDone(ctx, cp, ""); err != nil {
			return err
		}
		if end {
			break
		}
		t.update(func(j *store.Job) { j.TotalPieces = cp.Done + 1 })
	}
	t.update(func(j *store.Job) { j.TotalPieces = cp.Done })
	return t.finish(ctx)
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

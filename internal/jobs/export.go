package jobs

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// pageSize is how many endpoints an export reads per store query.
const pageSize = 1000

// runExport writes the app's endpoints (or those of a segment version), in ID order, as pieces of
// PieceSize endpoints: gzip'ed newline-delimited JSON, one EndpointResponse per line, named
// {prefix}/{jobId}/{n}.gz (n from 1). A piece is built in memory and written whole; the checkpoint
// after it names the last ID it covers, so a run that takes the job over rewrites the next piece
// whole from there. An export that selects no endpoint yields one empty piece.
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
	if j.Status == pinpoint.JobCreated {
		if err := t.setStatus(ctx, pinpoint.JobInitializing); err != nil {
			return err
		}
	}
	var m *pinpoint.Matcher
	if def.SegmentID != "" {
		var reason string
		if m, reason, err = t.segmentMatcher(ctx, j, def, cp); err != nil {
			return err
		}
		if reason != "" {
			return t.fail(ctx, reason)
		}
	}
	t.update(func(j *store.Job) { j.Status, j.TotalPieces = pinpoint.JobProcessing, cp.Done+1 })
	if err := t.save(ctx, true); err != nil {
		return err
	}
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level never fails
	var in pinpoint.MatchInput
	for {
		buf.Reset()
		gz.Reset(&buf)
		// after is the last endpoint this piece covers (written, or skipped by the segment).
		after, n, end := cp.After, 0, false
	fill:
		for n < t.r.cfg.PieceSize {
			page, err := t.r.cfg.Store.ScanEndpoints(ctx, j.Account, j.AppID, store.ScanQuery{After: after, Limit: pageSize, UserAttrs: true})
			if err != nil {
				if ctx.Err() != nil {
					return errStop
				}
				return err
			}
			for i := range page {
				if n == t.r.cfg.PieceSize {
					break fill // the rest of the page goes to the next piece
				}
				e := &page[i]
				in = pinpoint.MatchInput{Endpoint: &e.Endpoint, LastEventAt: e.LastEventAt}
				if m == nil || m.Match(&in) {
					line, err := json.Marshal(&e.Endpoint)
					if err != nil {
						return err
					}
					gz.Write(append(line, '\n'))
					n++
				}
				after = e.Endpoint.ID
			}
			t.update(func(j *store.Job) { j.TotalProcessed = cp.Processed + n })
			if err := t.save(ctx, false); err != nil {
				return err
			}
			if len(page) < pageSize {
				end = true
				break
			}
		}
		t.update(func(j *store.Job) { j.TotalProcessed = cp.Processed + n })
		if n == 0 && cp.Done > 0 {
			break // the previous piece ended at the last selected endpoint
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

// segmentMatcher compiles the segment version an export selects: def.SegmentVersion, or the
// segment's latest version when the job first ran (kept in the checkpoint, so a run that takes the
// job over selects the same version), evaluated as of the job's creation (Recency windows end
// then); an IMPORT segment selects its members. reason, when not "", is why the job fails (the
// segment or a source is gone); err is a store failure.
func (t *task) segmentMatcher(ctx context.Context, j store.Job, def pinpoint.ExportJobResource, cp *checkpoint) (m *pinpoint.Matcher, reason string, err error) {
	version := def.SegmentVersion
	if version == 0 {
		version = cp.SegmentVersion
	}
	get := func(id string, v int) (pinpoint.Segment, error) {
		return t.r.cfg.Store.GetSegment(ctx, j.Account, j.AppID, id, v)
	}
	seg, err := get(def.SegmentID, version)
	if errors.Is(err, store.ErrSegmentNotFound) {
		return nil, fmt.Sprintf("segment %s (version %d; 0 is the latest) does not exist", def.SegmentID, version), nil
	}
	if err != nil {
		return nil, "", err
	}
	if cp.SegmentVersion == 0 {
		cp.SegmentVersion = seg.Version
		t.update(func(j *store.Job) { j.Checkpoint, _ = json.Marshal(cp) })
	}
	created, ok := pinpoint.ParseTime(j.CreationDate)
	if !ok {
		created = t.r.cfg.Now()
	}
	// An IMPORT segment selects its members (loaded once per segment for the run).
	definition := func(seg pinpoint.Segment) (*pinpoint.SegmentDefinition, error) {
		if seg.Type == pinpoint.SegmentTypeImport {
			return store.ImportMembers(ctx, t.r.cfg.Store, j.Account, j.AppID, seg.ID)
		}
		return pinpoint.ParseSegmentDefinition(seg.Dimensions, seg.SegmentGroups)
	}
	resolve := func(id string, v int) (*pinpoint.SegmentDefinition, error) {
		src, err := get(id, v)
		if errors.Is(err, store.ErrSegmentNotFound) {
			return nil, pinpoint.ErrSourceNotFound
		}
		if err != nil {
			return nil, err
		}
		return definition(src)
	}
	def2, err := definition(seg)
	if err == nil {
		m, err = pinpoint.CompileSegment(def2, resolve, created)
	}
	switch {
	case err == nil:
		return m, "", nil
	case pinpoint.ErrorCode(err) != "" || errors.Is(err, pinpoint.ErrSourceNotFound):
		return nil, fmt.Sprintf("segment %s version %d cannot be evaluated: %s", def.SegmentID, seg.Version, errorMessage(err)), nil
	}
	return nil, "", err
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

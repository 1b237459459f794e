package jobs

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// runImport reads the job's files one piece (file) at a time and writes their endpoints in
// batches. Every write is an upsert through the UpdateEndpoint merge, and a row without an Id gets
// an ID derived from the job, the file and the line, so running a piece again (after a takeover)
// writes the same endpoints again rather than new ones.
func (t *task) runImport(ctx context.Context, cp *checkpoint) error {
	j := t.snapshot()
	var def pinpoint.ImportJobResource
	if err := json.Unmarshal(j.Definition, &def); err != nil {
		return t.fail(ctx, "the job's definition is unreadable: "+err.Error())
	}
	loc, err := t.r.cfg.Storage.Parse("S3Url", def.S3URL)
	if err != nil {
		return t.fail(ctx, errorMessage(err))
	}
	if cp.Pieces == nil {
		if err := t.setStatus(ctx, pinpoint.JobInitializing); err != nil {
			return err
		}
		keys, single, err := t.r.cfg.Storage.List(ctx, loc)
		if ctx.Err() != nil {
			return errStop
		}
		if err != nil {
			return t.fail(ctx, fmt.Sprintf("cannot read %s: %v", def.S3URL, err))
		}
		if single {
			cp.Pieces = keys // a file named by S3Url is read whatever its name
		} else {
			for _, k := range keys {
				if formatOf(k) == def.Format {
					cp.Pieces = append(cp.Pieces, k)
				}
			}
		}
		if len(cp.Pieces) == 0 {
			return t.fail(ctx, fmt.Sprintf("no %s files at %s (%d other files); %s files end in %s", def.Format, def.S3URL, len(keys), def.Format, extensions(def.Format)))
		}
		t.update(func(j *store.Job) { j.Checkpoint, _ = json.Marshal(cp) })
	}
	t.update(func(j *store.Job) { j.Status, j.TotalPieces = pinpoint.JobProcessing, len(cp.Pieces) })
	if err := t.save(ctx, true); err != nil {
		return err
	}
	for cp.Done < len(cp.Pieces) {
		key := cp.Pieces[cp.Done]
		msg, err := t.importPiece(ctx, loc, key, &def)
		if errors.Is(err, store.ErrSegmentNotFound) {
			return t.fail(ctx, fmt.Sprintf("segment %s was deleted during the import", def.SegmentID))
		}
		if err != nil {
			return err
		}
		if err := t.pieceDone(ctx, cp, msg); err != nil {
			return err
		}
	}
	return t.finish(ctx)
}

// formatOf classifies an object by its name: CSV (.csv), JSON (.json, .jsonl, .ndjson, and .gz,
// the form of export files), or "" for anything else. A .gz suffix after another one counts the
// inner one.
func formatOf(key string) string {
	name := strings.ToLower(path.Base(key))
	if inner, ok := strings.CutSuffix(name, ".gz"); ok {
		if f := formatOf(inner); f != "" {
			return f
		}
		return pinpoint.FormatJSON
	}
	switch path.Ext(name) {
	case ".csv":
		return pinpoint.FormatCSV
	case ".json", ".jsonl", ".ndjson":
		return pinpoint.FormatJSON
	}
	return ""
}

func extensions(format string) string {
	if format == pinpoint.FormatCSV {
		return ".csv (or .csv.gz)"
	}
	return ".json, .jsonl, .ndjson or .gz"
}

// importPiece imports one file. It returns msg, the reason the file could not be read (a failed
// piece), or err, which stops the run (the store failed, the lease was lost).
func (t *task) importPiece(ctx context.Context, loc Location, key string, def *pinpoint.ImportJobResource) (msg string, err error) {
	format := def.Format
	name := loc.URL(key)
	jobID := t.snapshot().ID
	rc, err := t.r.cfg.Storage.Open(ctx, loc, key)
	if err != nil {
		if ctx.Err() != nil {
			return "", errStop
		}
		return fmt.Sprintf("%s: cannot read the file: %v", name, err), nil
	}
	defer rc.Close()
	var in io.Reader = rc
	if strings.HasSuffix(strings.ToLower(key), ".gz") {
		br := bufio.NewReaderSize(rc, 64<<10)
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Sprintf("%s: not a gzip file: %v", name, err), nil
		}
		in = gz
	}
	var rows rowReader
	if format == pinpoint.FormatCSV && formatOf(key) != pinpoint.FormatJSON {
		c, err := newCSVRows(in)
		if err != nil {
			return fmt.Sprintf("%s: %v", name, err), nil
		}
		rows = c
	} else {
		rows = newJSONRows(in)
	}

	w := &batchWriter{t: t, name: name, now: t.r.cfg.Now(), seen: map[string]bool{}, segment: def.SegmentID, register: def.RegisterEndpoints}
	defer w.wait() // a batch still being written when the piece stops early
	for {
		row, line, err := rows.Next()
		if err == io.EOF {
			break
		}
		var fe *fileError
		if errors.As(err, &fe) {
			if ctx.Err() != nil {
				return "", errStop
			}
			if err := w.sync(ctx); err != nil {
				return "", err
			}
			return fmt.Sprintf("%s: line %d: %v", name, line+1, fe.err), nil
		}
		if err != nil {
			if err := w.rowFailed(ctx, line, err.Error()); err != nil {
				return "", err
			}
			continue
		}
		if err := w.add(ctx, row, jobID, key, line); err != nil {
			return "", err
		}
	}
	return "", w.sync(ctx)
}

// batchWriter collects the rows of one file into batches of distinct endpoint IDs and writes each
// batch in one store transaction (non-atomic: a refused row fails alone). With a segment, the
// endpoints of a batch's rows become the segment's members right after the batch is written (an
// idempotent add: a batch written again after a takeover adds nothing twice).
//
// A batch is written in the background while the next one is read and parsed (flush), one batch
// at a time, so that batches are still written, and their failures listed, in file order.
type batchWriter struct {
	t    *task
	name string
	now  time.Time
	batch
	seen map[string]bool

	segment  string // the IMPORT segment the rows go to; "" for none
	register bool   // whether rows create and update endpoints (else they only select existing ones)

	writing chan error // the result of the batch being written; nil when none is
}

// batch is the rows a batchWriter has collected and not yet written.
type batch struct {
	writes   []store.EndpointWrite
	lines    []int
	members  []store.SegmentMember
	selected int // rows that only selected members, not yet counted
}

// rowFailed counts a row refused before its write. The batches so far are written first, so that
// Failures lists the rows in file order.
func (w *batchWriter) rowFailed(ctx context.Context, line int, msg string) error {
	if err := w.sync(ctx); err != nil {
		return err
	}
	w.t.update(func(j *store.Job) {
		j.TotalProcessed++
		j.TotalFailures++
		addFailure(j, fmt.Sprintf("%s: line %d: %s", w.name, line, msg))
	})
	return nil
}

func (w *batchWriter) add(ctx context.Context, row *Row, jobID, key string, line int) error {
	if w.segment != "" {
		if users, ok := userOnly(row); ok {
			return w.selectUsers(ctx, users, line)
		}
		if !w.register {
			return w.selectEndpoint(ctx, row, line)
		}
	}
	id := ""
	if row.ID != nil {
		id = *row.ID
		if err := pinpoint.ValidateID("Id", id); err != nil {
			return w.rowFailed(ctx, line, errorMessage(err))
		}
	} else {
		id = rowID(jobID, key, line)
	}
	if err := row.Validate(""); err != nil {
		return w.rowFailed(ctx, line, errorMessage(err))
	}
	var created string
	if row.CreationDate != nil {
		t, ok := pinpoint.ParseTime(*row.CreationDate)
		if !ok {
			return w.rowFailed(ctx, line, fmt.Sprintf("CreationDate %q is not an ISO 8601 date", *row.CreationDate))
		}
		created = pinpoint.FormatTime(t)
	}
	if w.seen[id] || len(w.writes) >= w.t.r.cfg.BatchSize {
		if err := w.flush(ctx); err != nil {
			return err
		}
	}
	w.seen[id] = true
	w.writes = append(w.writes, store.EndpointWrite{ID: id, Update: importUpdater(id, row, created, w.now, jobID)})
	w.lines = append(w.lines, line)
	return nil
}

// userOnly reports whether a row only names users (User.UserId, several separated by spaces, and
// no Id, Address or ChannelType): with a segment, such a row selects those users' existing
// endpoints; its other members are ignored.
func userOnly(row *Row) ([]string, bool) {
	if row.ID != nil || row.Address != nil || row.ChannelType != nil || row.User == nil || row.User.UserID == nil {
		return nil, false
	}
	users := strings.Fields(*row.User.UserID)
	return users, len(users) > 0
}

// selectUsers makes the endpoints of users members; the row fails, adding nothing, when one of
// them has no endpoints.
func (w *batchWriter) selectUsers(ctx context.Context, users []string, line int) error {
	if err := w.wait(); err != nil { // it sees the endpoints of the batches before it
		return err
	}
	j := w.t.snapshot()
	var found []store.SegmentMember
	for _, u := range users {
		es, err := w.t.r.cfg.Store.GetUserEndpoints(ctx, j.Account, j.AppID, u)
		if errors.Is(err, store.ErrUserNotFound) {
			return w.rowFailed(ctx, line, fmt.Sprintf("user %q has no endpoints (a row with User.UserId alone selects that user's existing endpoints)", u))
		}
		if err != nil {
			return w.storeErr(ctx, err)
		}
		for _, e := range es {
			found = append(found, store.SegmentMember{EndpointID: e.ID, ChannelType: e.ChannelType})
		}
	}
	return w.selected1(ctx, found)
}

// selectEndpoint makes the existing endpoint a row names by Id a member (RegisterEndpoints
// false: the row's other members are not written).
func (w *batchWriter) selectEndpoint(ctx context.Context, row *Row, line int) error {
	if row.ID == nil {
		return w.rowFailed(ctx, line, "RegisterEndpoints is false: a row must name an existing endpoint by Id, or select a user's endpoints with User.UserId alone")
	}
	if err := pinpoint.ValidateID("Id", *row.ID); err != nil {
		return w.rowFailed(ctx, line, errorMessage(err))
	}
	if err := w.wait(); err != nil { // it sees the endpoints of the batches before it
		return err
	}
	j := w.t.snapshot()
	e, err := w.t.r.cfg.Store.GetEndpoint(ctx, j.Account, j.AppID, *row.ID)
	if errors.Is(err, store.ErrEndpointNotFound) {
		return w.rowFailed(ctx, line, fmt.Sprintf("endpoint %q does not exist (RegisterEndpoints is false: the import creates no endpoints)", *row.ID))
	}
	if err != nil {
		return w.storeErr(ctx, err)
	}
	return w.selected1(ctx, []store.SegmentMember{{EndpointID: e.ID, ChannelType: e.ChannelType}})
}

// selected1 counts a row that selected members, flushing when enough members are waiting.
func (w *batchWriter) selected1(ctx context.Context, ms []store.SegmentMember) error {
	w.members = append(w.members, ms...)
	w.selected++
	if len(w.members) >= w.t.r.cfg.BatchSize {
		return w.flush(ctx)
	}
	return nil
}

// storeErr is the error that stops the run for err, a failed store call.
func (w *batchWriter) storeErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errStop
	}
	if errors.Is(err, store.ErrAppNotFound) {
		return fmt.Errorf("%w: the app was deleted", errStop)
	}
	return err
}

// flush waits for the batch being written, then starts writing the collected one.
func (w *batchWriter) flush(ctx context.Context) error {
	if err := w.wait(); err != nil {
		return err
	}
	if len(w.writes) == 0 && len(w.members) == 0 {
		return nil
	}
	b := w.batch
	w.batch = batch{}
	clear(w.seen)
	w.writing = make(chan error, 1)
	go func() { w.writing <- w.write(ctx, b) }()
	return nil
}

// wait returns the result of the batch being written, if one is.
func (w *batchWriter) wait() error {
	if w.writing == nil {
		return nil
	}
	err := <-w.writing
	w.writing = nil
	return err
}

// sync writes the collected batch and waits until every batch is written.
func (w *batchWriter) sync(ctx context.Context) error {
	if err := w.flush(ctx); err != nil {
		return err
	}
	return w.wait()
}

// write writes b, adds the segment's new members, and counts the rows.
func (w *batchWriter) write(ctx context.Context, b batch) error {
	j := w.t.snapshot()
	var res []store.WriteResult
	if len(b.writes) > 0 {
		// Most batches have no refused row: written atomically they cost no savepoint per
		// endpoint. A batch with one is written again, non-atomically, so that only the refused
		// rows fail.
		var err error
		res, err = w.t.r.cfg.Store.WriteEndpoints(ctx, j.Account, j.AppID, b.writes, true)
		if err != nil && pinpoint.ErrorCode(err) != "" {
			res, err = w.t.r.cfg.Store.WriteEndpoints(ctx, j.Account, j.AppID, b.writes, false)
		}
		if err != nil {
			return w.storeErr(ctx, err)
		}
	}
	if w.segment != "" {
		for _, r := range res {
			if r.Err == nil {
				b.members = append(b.members, store.SegmentMember{EndpointID: r.Endpoint.ID, ChannelType: r.Endpoint.ChannelType})
			}
		}
		for chunk := range slices.Chunk(b.members, max(w.t.r.cfg.BatchSize, 1)) {
			if err := w.t.r.cfg.Store.AddSegmentMembers(ctx, j.Account, j.AppID, w.segment, chunk); err != nil {
				return w.storeErr(ctx, err)
			}
		}
	}
	w.t.update(func(j *store.Job) {
		j.TotalProcessed += len(res) + b.selected
		for i, r := range res {
			if r.Err != nil {
				j.TotalFailures++
				addFailure(j, fmt.Sprintf("%s: line %d: %s", w.name, b.lines[i], errorMessage(r.Err)))
			}
		}
	})
	return w.t.save(ctx, false)
}

// importUpdater applies a row as UpdateEndpoint would, and additionally refuses to create an
// endpoint without Address and ChannelType, and keeps the row's CreationDate (created, "" for
// none) on an endpoint it creates.
func importUpdater(id string, row *Row, created string, now time.Time, jobID string) store.EndpointUpdater {
	return func(app *pinpoint.App, old *pinpoint.Endpoint, userAttrs map[string][]string) (*pinpoint.Endpoint, error) {
		if old == nil && (row.Address == nil || *row.Address == "" || row.ChannelType == nil) {
			return nil, pinpoint.BadRequest("a new endpoint needs Address and ChannelType (endpoint %q does not exist)", id)
		}
		e, err := pinpoint.Merge(old, userAttrs, &row.EndpointRequest, pinpoint.Update{AppID: app.ID, ID: id, Now: now, RequestID: jobID, Excluded: app.Excluded})
		if err == nil && old == nil && created != "" {
			e.CreationDate = created
		}
		return e, err
	}
}

// rowID is the ID of the endpoint a row without Id creates: the same for the same job, file and
// line, so a piece imported again updates the endpoints it created the first time.
func rowID(jobID, key string, line int) string {
	h := sha256.Sum256([]byte(jobID + "\x00" + key + "\x00" + strconv.Itoa(line)))
	return hex.EncodeToString(h[:16])
}

// errorMessage is the message a caller may see for err: a wire error's Message, else the text.
func errorMessage(err error) string {
	var e *pinpoint.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

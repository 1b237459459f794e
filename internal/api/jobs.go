package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"strings"

	"pinpointd/internal/jobs"
	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// jobAPI is what the job handlers need besides the store: where jobs may read and write, and a
// way to tell this process's runner that a job is waiting.
type jobAPI struct {
	storage *jobs.Storage
	wake    func()
}

// SetJobs enables the import and export job operations: storage checks and opens their URLs,
// wake (may be nil) is called after a job is created. Without it, creating a job is refused.
// Call it before serving.
func (s *Server) SetJobs(storage *jobs.Storage, wake func()) {
	s.jobs = jobAPI{storage: storage, wake: wake}
}

func (s *Server) jobResponse(j store.Job) pinpoint.JobResponse {
	return pinpoint.JobResponse{
		ApplicationID:   j.AppID,
		CompletedPieces: j.CompletedPieces,
		CompletionDate:  j.CompletionDate,
		CreationDate:    j.CreationDate,
		Definition:      json.RawMessage(j.Definition),
		FailedPieces:    j.FailedPieces,
		Failures:        j.Failures,
		ID:              j.ID,
		JobStatus:       j.Status,
		TotalFailures:   j.TotalFailures,
		TotalPieces:     j.TotalPieces,
		TotalProcessed:  j.TotalProcessed,
		Type:            j.Type,
	}
}

// createJob stores a new job of the request's app with ID id and wakes the runner.
func (s *Server) createJob(r *request, id, typ, segmentID string, def any) (store.Job, error) {
	b, err := json.Marshal(def)
	if err != nil {
		return store.Job{}, err
	}
	j := store.Job{
		AppID: r.labels["app"], ID: id, Account: r.principal.Account, Type: typ,
		Status: pinpoint.JobCreated, SegmentID: segmentID, Definition: b,
		CreationDate: pinpoint.FormatTime(s.now()),
	}
	if err := s.store.CreateJob(r.ctx, j); err != nil {
		return store.Job{}, err
	}
	if s.jobs.wake != nil {
		s.jobs.wake()
	}
	return j, nil
}

func (s *Server) jobStorage() (*jobs.Storage, error) {
	if s.jobs.storage == nil {
		return nil, pinpoint.BadRequest("Import and export jobs are not enabled on this server")
	}
	return s.jobs.storage, nil
}

func (s *Server) createExportJob(r *request) (int, any, error) {
	var in pinpoint.ExportJobRequest
	if err := decode(r.body, &in); err != nil {
		return 0, nil, err
	}
	if err := in.Validate(); err != nil {
		return 0, nil, err
	}
	st, err := s.jobStorage()
	if err != nil {
		return 0, nil, err
	}
	if _, err := st.Parse("S3UrlPrefix", *in.S3UrlPrefix); err != nil {
		return 0, nil, err
	}
	def := pinpoint.ExportJobResource{RoleArn: *in.RoleArn, S3UrlPrefix: *in.S3UrlPrefix}
	if in.SegmentID != nil {
		version := 0
		if in.SegmentVersion != nil {
			version = *in.SegmentVersion
		}
		_, err := s.store.GetSegment(r.ctx, r.principal.Account, r.labels["app"], *in.SegmentID, version)
		switch {
		case errors.Is(err, store.ErrSegmentNotFound) && version != 0:
			return 0, nil, pinpoint.Errorf(pinpoint.CodeNotFound, "Resource not found: version %d of segment '%s'", version, *in.SegmentID)
		case errors.Is(err, store.ErrSegmentNotFound):
			return 0, nil, notFound("segment", *in.SegmentID)
		case err != nil:
			return 0, nil, err
		}
		def.SegmentID, def.SegmentVersion = *in.SegmentID, version
	}
	j, err := s.createJob(r, s.newID(), pinpoint.JobTypeExport, def.SegmentID, def)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, s.jobResponse(j), nil
}

func (s *Server) createImportJob(r *request) (int, any, error) {
	var in pinpoint.ImportJobRequest
	if err := decode(r.body, &in); err != nil {
		return 0, nil, err
	}
	if err := in.Validate(); err != nil {
		return 0, nil, err
	}
	st, err := s.jobStorage()
	if err != nil {
		return 0, nil, err
	}
	if _, err := st.Parse("S3Url", *in.S3URL); err != nil {
		return 0, nil, err
	}
	def := pinpoint.ImportJobResource{
		ExternalID:        r.principal.Account,
		Format:            *in.Format,
		RegisterEndpoints: in.RegisterEndpoints != nil && *in.RegisterEndpoints,
		RoleArn:           *in.RoleArn,
		S3URL:             *in.S3URL,
	}
	if in.ExternalID != nil && *in.ExternalID != "" {
		def.ExternalID = *in.ExternalID
	}
	id := s.newID()
	app, account := r.labels["app"], r.principal.Account
	switch {
	case in.SegmentID != nil:
		seg, err := s.store.GetSegment(r.ctx, account, app, *in.SegmentID, 0)
		if errors.Is(err, store.ErrSegmentNotFound) {
			return 0, nil, notFound("segment", *in.SegmentID)
		}
		if err != nil {
			return 0, nil, err
		}
		if seg.Type != pinpoint.SegmentTypeImport {
			return 0, nil, pinpoint.BadRequest("SegmentId %q is a %s segment; an import adds endpoints only to IMPORT segments (made by an import with DefineSegment)", seg.ID, seg.Type)
		}
		def.SegmentID, def.SegmentName = seg.ID, seg.Name
	case in.DefineSegment != nil && *in.DefineSegment:
		def.DefineSegment = true
		def.SegmentName = importSegmentName(def.S3URL, id)
		if in.SegmentName != nil {
			def.SegmentName = *in.SegmentName
		}
		now := pinpoint.FormatTime(s.now())
		seg := pinpoint.Segment{
			ID: s.newID(), AppID: app, Account: account, Name: def.SegmentName, Type: pinpoint.SegmentTypeImport,
			Import:       &pinpoint.SegmentImportResource{ExternalID: def.ExternalID, Format: def.Format, RoleArn: def.RoleArn, S3URL: def.S3URL},
			CreationDate: now, LastModifiedDate: now,
		}
		// The segment exists before the job, so that the response can name it and the runner
		// always finds it; a job that cannot be stored takes it away again.
		if err := s.store.CreateSegment(r.ctx, seg); err != nil {
			return 0, nil, err
		}
		def.SegmentID = seg.ID
		j, err := s.createJob(r, id, pinpoint.JobTypeImport, def.SegmentID, def)
		if err != nil {
			if _, derr := s.store.DeleteSegment(r.ctx, account, app, seg.ID); derr != nil && !errors.Is(derr, store.ErrSegmentNotFound) {
				s.log.ErrorContext(r.ctx, "CreateImportJob: cannot remove the segment of a job that was not stored", "segment", seg.ID, "err", derr)
			}
			return 0, nil, err
		}
		return http.StatusCreated, s.jobResponse(j), nil
	}
	j, err := s.createJob(r, id, pinpoint.JobTypeImport, def.SegmentID, def)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s.jobResponse(j), nil
}

// importSegmentName is the name of the segment an import with DefineSegment and no SegmentName
// creates: the name of the file or folder S3Url names without its extensions, as the console
// names it ("Import failed for file SampleTemplate.csv with segment name SampleTemplate"), or
// "Import {jobID}" when that is empty.
func importSegmentName(url, jobID string) string {
	name := ""
	if _, rest, ok := strings.Cut(url, "://"); ok {
		if _, key, ok := strings.Cut(strings.TrimRight(rest, "/"), "/"); ok && key != "" {
			name = path.Base(key)
		}
	}
	if name, _, _ = strings.Cut(name, "."); name == "" {
		return "Import " + jobID
	}
	return name
}

func (s *Server) getJob(r *request, typ string) (int, any, error) {
	j, err := s.store.GetJob(r.ctx, r.principal.Account, r.labels["app"], typ, r.labels["job"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.jobResponse(j), nil
}

func (s *Server) getExportJob(r *request) (int, any, error) {
	return s.getJob(r, pinpoint.JobTypeExport)
}
func (s *Server) getImportJob(r *request) (int, any, error) {
	return s.getJob(r, pinpoint.JobTypeImport)
}

// listJobs answers a page of the app's jobs of type typ (of one segment when segmentID is not
// ""), newest first. The token is the cursor of the page's last job.
func (s *Server) listJobs(r *request, typ, segmentID string) (int, any, error) {
	q := r.http.URL.Query()
	size, err := pageSize(q.Get("page-size"))
	if err != nil {
		return 0, nil, err
	}
	var after store.JobCursor
	if tok := q.Get("token"); tok != "" {
		if after, err = decodeJobToken(tok); err != nil {
			return 0, nil, err
		}
	}
	js, err := s.store.ListJobs(r.ctx, r.principal.Account, r.labels["app"], typ, segmentID, after, size+1)
	if err != nil {
		return 0, nil, err
	}
	out := pinpoint.JobsResponse{Item: make([]pinpoint.JobResponse, 0, len(js))}
	if len(js) > size {
		js = js[:size]
		last := js[size-1]
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(last.CreationDate + " " + last.ID))
	}
	for _, j := range js {
		out.Item = append(out.Item, s.jobResponse(j))
	}
	return http.StatusOK, out, nil
}

func decodeJobToken(tok string) (store.JobCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	date, id, ok := strings.Cut(string(b), " ")
	if err != nil || !ok || date == "" || id == "" {
		return store.JobCursor{}, pinpoint.BadRequest("token %q is not a token this operation returned", tok)
	}
	return store.JobCursor{CreationDate: date, ID: id}, nil
}

func (s *Server) getExportJobs(r *request) (int, any, error) {
	return s.listJobs(r, pinpoint.JobTypeExport, "")
}

func (s *Server) getImportJobs(r *request) (int, any, error) {
	return s.listJobs(r, pinpoint.JobTypeImport, "")
}

// getSegmentJobs answers a page of the jobs of a segment; NotFoundException when the segment
// does not exist.
func (s *Server) getSegmentJobs(r *request, typ string) (int, any, error) {
	if _, err := s.store.GetSegment(r.ctx, r.principal.Account, r.labels["app"], r.labels["segment"], 0); err != nil {
		return 0, nil, err
	}
	return s.listJobs(r, typ, r.labels["segment"])
}

func (s *Server) getSegmentExportJobs(r *request) (int, any, error) {
	return s.getSegmentJobs(r, pinpoint.JobTypeExport)
}

func (s *Server) getSegmentImportJobs(r *request) (int, any, error) {
	return s.getSegmentJobs(r, pinpoint.JobTypeImport)
}

package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
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

// createJob stores a new job of the request's app and wakes the runner.
func (s *Server) createJob(r *request, typ, segmentID string, def any) (store.Job, error) {
	b, err := json.Marshal(def)
	if err != nil {
		return store.Job{}, err
	}
	j := store.Job{
		AppID: r.labels["app"], ID: s.newID(), Account: r.principal.Account, Type: typ,
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

// errImportSegments refuses the import features that need IMPORT segments, which pinpointd does
// not store or evaluate yet.
func errImportSegments(field string) error {
	return pinpoint.BadRequest("%s: importing into a segment is not supported by this pinpointd yet (IMPORT segments are not stored); import with RegisterEndpoints alone", field)
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
		seg, err := s.store.GetSegment(r.ctx, r.principal.Account, r.labels["app"], *in.SegmentID, version)
		switch {
		case errors.Is(err, store.ErrSegmentNotFound) && version != 0:
			return 0, nil, pinpoint.Errorf(pinpoint.CodeNotFound, "Resource not found: version %d of segment '%s'", version, *in.SegmentID)
		case errors.Is(err, store.ErrSegmentNotFound):
			return 0, nil, notFound("segment", *in.SegmentID)
		case err != nil:
			return 0, nil, err
		case seg.Type == pinpoint.SegmentTypeImport:
			return 0, nil, pinpoint.BadRequest("SegmentId %q is an IMPORT segment; pinpointd does not export imported segments yet", *in.SegmentID)
		}
		def.SegmentID, def.SegmentVersion = *in.SegmentID, version
	}
	j, err := s.createJob(r, pinpoint.JobTypeExport, def.SegmentID, def)
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
	if in.DefineSegment != nil && *in.DefineSegment {
		return 0, nil, errImportSegments("DefineSegment")
	}
	if in.SegmentID != nil {
		return 0, nil, errImportSegments("SegmentId")
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
	j, err := s.createJob(r, pinpoint.JobTypeImport, "", def)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s.jobResponse(j), nil
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

package pinpoint

import (
	"encoding/json"
	"strings"
)

// Job types, as the Type member of a job response carries them.
const (
	JobTypeExport = "EXPORT"
	JobTypeImport = "IMPORT"
)

// Job statuses pinpointd goes through: CREATED → INITIALIZING → PROCESSING → COMPLETED, or FAILED
// from any of them. (The model's other values, PREPARING_FOR_INITIALIZATION, PENDING_JOB,
// COMPLETING and FAILING, are never shown: a status is written only when it holds.)
const (
	JobCreated      = "CREATED"
	JobInitializing = "INITIALIZING"
	JobProcessing   = "PROCESSING"
	JobCompleted    = "COMPLETED"
	JobFailed       = "FAILED"
)

// JobDone reports whether a job in status will not change any more.
func JobDone(status string) bool { return status == JobCompleted || status == JobFailed }

// Import formats.
const (
	FormatCSV  = "CSV"
	FormatJSON = "JSON"
)

// MaxJobFailures is how many failure messages a job keeps ("the first 100 entries").
const MaxJobFailures = 100

// ExportJobRequest is the body of CreateExportJob.
type ExportJobRequest struct {
	RoleArn        *string `json:"RoleArn"`
	S3UrlPrefix    *string `json:"S3UrlPrefix"`
	SegmentID      *string `json:"SegmentId"`
	SegmentVersion *int    `json:"SegmentVersion"`
}

// ExportJobResource is the Definition of an export job: the request as accepted.
type ExportJobResource struct {
	RoleArn        string `json:"RoleArn"`
	S3UrlPrefix    string `json:"S3UrlPrefix"`
	SegmentID      string `json:"SegmentId,omitempty"`
	SegmentVersion int    `json:"SegmentVersion,omitempty"`
}

// ImportJobRequest is the body of CreateImportJob.
type ImportJobRequest struct {
	DefineSegment     *bool   `json:"DefineSegment"`
	ExternalID        *string `json:"ExternalId"`
	Format            *string `json:"Format"`
	RegisterEndpoints *bool   `json:"RegisterEndpoints"`
	RoleArn           *string `json:"RoleArn"`
	S3URL             *string `json:"S3Url"`
	SegmentID         *string `json:"SegmentId"`
	SegmentName       *string `json:"SegmentName"`
}

// ImportJobResource is the Definition of an import job: the request as accepted, with the
// defaults filled in (DefineSegment false, ExternalId the account).
type ImportJobResource struct {
	DefineSegment     bool   `json:"DefineSegment"`
	ExternalID        string `json:"ExternalId"`
	Format            string `json:"Format"`
	RegisterEndpoints bool   `json:"RegisterEndpoints"`
	RoleArn           string `json:"RoleArn"`
	S3URL             string `json:"S3Url"`
	SegmentID         string `json:"SegmentId,omitempty"`
	SegmentName       string `json:"SegmentName,omitempty"`
}

// JobResponse is the wire shape of an export or an import job (ExportJobResponse and
// ImportJobResponse have the same members; Definition is the job's resource).
type JobResponse struct {
	ApplicationID   string          `json:"ApplicationId"`
	CompletedPieces int             `json:"CompletedPieces"`
	CompletionDate  string          `json:"CompletionDate,omitempty"`
	CreationDate    string          `json:"CreationDate"`
	Definition      json.RawMessage `json:"Definition"`
	FailedPieces    int             `json:"FailedPieces"`
	Failures        []string        `json:"Failures,omitempty"`
	ID              string          `json:"Id"`
	JobStatus       string          `json:"JobStatus"`
	TotalFailures   int             `json:"TotalFailures"`
	TotalPieces     int             `json:"TotalPieces"`
	TotalProcessed  int             `json:"TotalProcessed"`
	Type            string          `json:"Type"`
}

// JobsResponse is the body of GetExportJobs, GetImportJobs and their segment variants.
type JobsResponse struct {
	Item      []JobResponse `json:"Item"`
	NextToken string        `json:"NextToken,omitempty"`
}

// Validate checks an export request: RoleArn and S3UrlPrefix are required, SegmentVersion needs a
// SegmentId and is at least 1. Where S3UrlPrefix may point is the caller's to check.
func (r *ExportJobRequest) Validate() error {
	if err := required("RoleArn", r.RoleArn); err != nil {
		return err
	}
	if err := required("S3UrlPrefix", r.S3UrlPrefix); err != nil {
		return err
	}
	if r.SegmentID != nil && *r.SegmentID == "" {
		return BadRequest("SegmentId must not be empty when sent")
	}
	if r.SegmentVersion != nil {
		if r.SegmentID == nil {
			return BadRequest("SegmentVersion requires SegmentId")
		}
		if *r.SegmentVersion < 1 {
			return BadRequest("SegmentVersion %d must be 1 or more", *r.SegmentVersion)
		}
	}
	return nil
}

// Validate checks an import request: RoleArn, S3Url and Format (CSV or JSON) are required;
// SegmentName goes with DefineSegment (and may be left out); DefineSegment and SegmentId exclude
// each other; at least
// one of RegisterEndpoints, DefineSegment and SegmentId says where the endpoints go.
func (r *ImportJobRequest) Validate() error {
	if err := required("RoleArn", r.RoleArn); err != nil {
		return err
	}
	if err := required("S3Url", r.S3URL); err != nil {
		return err
	}
	if err := required("Format", r.Format); err != nil {
		return err
	}
	if f := *r.Format; f != FormatCSV && f != FormatJSON {
		return BadRequest("Format %q must be CSV or JSON", f)
	}
	define := r.DefineSegment != nil && *r.DefineSegment
	register := r.RegisterEndpoints != nil && *r.RegisterEndpoints
	if r.SegmentID != nil && *r.SegmentID == "" {
		return BadRequest("SegmentId must not be empty when sent")
	}
	if define && r.SegmentID != nil {
		return BadRequest("DefineSegment creates a new segment; it cannot be combined with SegmentId")
	}
	if r.SegmentName != nil && !define {
		return BadRequest("SegmentName requires DefineSegment to be true")
	}
	if define && r.SegmentName != nil && strings.TrimSpace(*r.SegmentName) == "" {
		return BadRequest("SegmentName must not be blank when sent (leave it out to name the segment after the file)")
	}
	if !register && !define && r.SegmentID == nil {
		return BadRequest("RegisterEndpoints or DefineSegment must be true, or SegmentId given: the job would have nowhere to put the endpoints")
	}
	return nil
}

func required(name string, v *string) error {
	if v == nil || strings.TrimSpace(*v) == "" {
		return BadRequest("%s is required", name)
	}
	return nil
}

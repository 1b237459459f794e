package console

import (
	"net/http"
	"net/url"
	"strings"

	"pinpointd/internal/pinpoint"
)

// hasJobs tells the templates whether the job pages exist.
const hasJobs = true

// jobRoutes adds the import and export job pages.
func (c *Console) jobRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /console/apps/{app}/jobs", c.auth(listJobs))
	m.HandleFunc("POST /console/apps/{app}/jobs/export", c.auth(createExportJob))
	m.HandleFunc("POST /console/apps/{app}/jobs/import", c.auth(createImportJob))
	m.HandleFunc("GET /console/apps/{app}/jobs/{type}/{job}", c.auth(showJob))
}

// job is a job as its pages show it.
type job struct {
	pinpoint.JobResponse
	Kind string // "export" or "import", for URLs
}

// Running reports whether the job may still change (the page then refreshes itself).
func (j job) Running() bool { return !pinpoint.JobDone(j.JobStatus) }

// Percent is CompletedPieces of TotalPieces, for the progress bar's text.
func (j job) Percent() int {
	if j.TotalPieces == 0 {
		return 0
	}
	return j.CompletedPieces * 100 / j.TotalPieces
}

type jobsData struct {
	Exports, Imports []job
	ENext, INext     string // the URLs of the next pages, or ""
	Running          bool
	Export           pinpoint.ExportJobResource // the export form
	Import           pinpoint.ImportJobResource // the import form
	Segments         []pinpoint.SegmentResponse
}

func wrapJobs(kind string, js []pinpoint.JobResponse) []job {
	out := make([]job, len(js))
	for i, j := range js {
		out[i] = job{j, kind}
	}
	return out
}

func (x *ctx) jobsPath(parts ...string) string {
	p := "/v1/apps/" + url.PathEscape(x.appID) + "/jobs"
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// defaultRoleArn fills the forms' RoleArn, which the API requires (as Pinpoint did) and
// pinpointd does not use: it reads and writes with its own S3 credentials or --job-dirs.
func (x *ctx) defaultRoleArn() string {
	return "arn:aws:iam::" + x.sess.account + ":role/pinpointd-console"
}

func listJobs(x *ctx) {
	d := jobsData{
		Export: pinpoint.ExportJobResource{RoleArn: x.defaultRoleArn(), SegmentID: x.r.URL.Query().Get("segment")},
		Import: pinpoint.ImportJobResource{RoleArn: x.defaultRoleArn(), Format: pinpoint.FormatJSON, RegisterEndpoints: true},
	}
	x.listJobs(d, nil)
}

func (x *ctx) listJobs(d jobsData, actionErr error) {
	if err := x.loadApp(); err != nil {
		x.render("jobs", "Jobs", nil, err)
		return
	}
	in := x.r.URL.Query()
	var err error
	for _, kind := range []string{"export", "import"} {
		op := map[string]string{"export": "GetExportJobs", "import": "GetImportJobs"}[kind]
		if !x.allows(op) {
			continue
		}
		q := url.Values{"page-size": {"20"}}
		tokenParam := kind[:1] + "token"
		if t := in.Get(tokenParam); t != "" {
			q.Set("token", t)
		}
		var out pinpoint.JobsResponse
		if err = x.call("GET", x.jobsPath(kind), q, nil, &out); err != nil {
			break
		}
		next := ""
		if out.NextToken != "" {
			next = x.r.URL.EscapedPath() + "?" + url.Values{tokenParam: {out.NextToken}}.Encode()
		}
		js := wrapJobs(kind, out.Item)
		for _, j := range js {
			d.Running = d.Running || j.Running()
		}
		if kind == "export" {
			d.Exports, d.ENext = js, next
		} else {
			d.Imports, d.INext = js, next
		}
	}
	if err == nil && x.allows("GetSegments") {
		var segs pinpoint.SegmentsResponse
		if x.call("GET", "/v1/apps/"+url.PathEscape(x.appID)+"/segments", url.Values{"page-size": {"100"}}, nil, &segs) == nil {
			d.Segments = segs.Item
		}
	}
	if actionErr != nil {
		err = actionErr
	}
	x.render("jobs", "Jobs", d, err)
}

func createExportJob(x *ctx) {
	f := x.r.PostForm
	def := pinpoint.ExportJobResource{RoleArn: f.Get("role_arn"), S3UrlPrefix: strings.TrimSpace(f.Get("s3_url_prefix")), SegmentID: f.Get("segment_id")}
	req := map[string]any{"RoleArn": def.RoleArn, "S3UrlPrefix": def.S3UrlPrefix}
	if def.SegmentID != "" {
		req["SegmentId"] = def.SegmentID
	}
	var out pinpoint.JobResponse
	if err := x.call("POST", x.jobsPath("export"), nil, req, &out); err != nil {
		x.listJobs(jobsData{Export: def, Import: pinpoint.ImportJobResource{RoleArn: x.defaultRoleArn(), Format: pinpoint.FormatJSON, RegisterEndpoints: true}}, err)
		return
	}
	x.redirect(Prefix+"apps/"+url.PathEscape(x.appID)+"/jobs/export/"+url.PathEscape(out.ID), "Started export job "+out.ID+".")
}

func createImportJob(x *ctx) {
	f := x.r.PostForm
	def := pinpoint.ImportJobResource{RoleArn: f.Get("role_arn"), S3URL: strings.TrimSpace(f.Get("s3_url")), Format: f.Get("format"),
		RegisterEndpoints: f.Get("register_endpoints") != "", DefineSegment: f.Get("define_segment") != "", SegmentName: f.Get("segment_name")}
	req := map[string]any{"RoleArn": def.RoleArn, "S3Url": def.S3URL, "Format": def.Format, "RegisterEndpoints": def.RegisterEndpoints}
	if def.DefineSegment {
		req["DefineSegment"] = true
		req["SegmentName"] = def.SegmentName
	}
	var out pinpoint.JobResponse
	if err := x.call("POST", x.jobsPath("import"), nil, req, &out); err != nil {
		x.listJobs(jobsData{Export: pinpoint.ExportJobResource{RoleArn: x.defaultRoleArn()}, Import: def}, err)
		return
	}
	x.redirect(Prefix+"apps/"+url.PathEscape(x.appID)+"/jobs/import/"+url.PathEscape(out.ID), "Started import job "+out.ID+".")
}

func showJob(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("job", "Job", nil, err)
		return
	}
	kind := x.r.PathValue("type")
	if kind != "export" && kind != "import" {
		x.render("job", "Job", nil, &apiError{Status: 404, Code: pinpoint.CodeNotFound, Message: "There are export and import jobs only."})
		return
	}
	var out pinpoint.JobResponse
	if err := x.call("GET", x.jobsPath(kind, x.r.PathValue("job")), nil, nil, &out); err != nil {
		x.render("job", "Job", nil, err)
		return
	}
	x.render("job", strings.ToUpper(kind[:1])+kind[1:]+" job", job{out, kind}, nil)
}

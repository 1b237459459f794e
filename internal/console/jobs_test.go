package console_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitJob reloads a job page until the job is done and returns the page.
func (e *env) waitJob(path string) resp {
	e.t.Helper()
	for range 600 {
		r := e.get(path)
		if strings.Contains(r.body, `id="job-status">COMPLETED<`) || strings.Contains(r.body, `id="job-status">FAILED<`) {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("job %s did not finish", path)
	return resp{}
}

func TestJobs(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustLogin()
		app := e.createApp("Shop")
		for _, id := range []string{"a", "b", "c"} {
			e.putEndpoint(app, id, map[string]any{"ChannelType": "EMAIL", "Address": id + "@example.com"})
		}
		jobsPage := "/console/apps/" + app + "/jobs"
		wantStatus(t, "no jobs", e.get(jobsPage), http.StatusOK, "No export jobs.", "No import jobs.", "Start an export", "Start an import")

		// The API's message for a destination the server may not write.
		wantStatus(t, "export outside the job dirs", e.post(jobsPage, jobsPage+"/export", url.Values{"s3_url_prefix": {"file:///etc/x"}, "role_arn": {"arn:aws:iam::000000000000:role/r"}}),
			http.StatusBadRequest, "BadRequestException", "S3UrlPrefix", `value="file:///etc/x"`)
		wantStatus(t, "export without RoleArn", e.post(jobsPage, jobsPage+"/export", url.Values{"s3_url_prefix": {"file://" + e.jobDir}}),
			http.StatusBadRequest, "RoleArn")

		out := filepath.Join(e.jobDir, "out")
		r := e.post(jobsPage, jobsPage+"/export", url.Values{"s3_url_prefix": {"file://" + out}, "role_arn": {"arn:aws:iam::000000000000:role/r"}})
		wantRedirect(t, "start export", r, jobsPage+"/export/")
		done := e.waitJob(r.location)
		wantStatus(t, "export done", done, http.StatusOK, `id="job-status">COMPLETED<`, "<progress", `value="1"`, "1/1 pieces", `id="job-processed">3<`, "S3UrlPrefix")
		if strings.Contains(done.body, "data-refresh") {
			t.Error("a finished job's page still refreshes itself")
		}
		list := e.get(jobsPage)
		wantStatus(t, "jobs list", list, http.StatusOK, "COMPLETED", "1/1 pieces")

		// Import the export into another app.
		other := e.createApp("Copy")
		otherJobs := "/console/apps/" + other + "/jobs"
		r = e.post(otherJobs, otherJobs+"/import", url.Values{"s3_url": {"file://" + out + "/"}, "format": {"JSON"}, "register_endpoints": {"1"}, "role_arn": {"arn:aws:iam::000000000000:role/r"}})
		wantRedirect(t, "start import", r, otherJobs+"/import/")
		wantStatus(t, "import done", e.waitJob(r.location), http.StatusOK, `id="job-status">COMPLETED<`, `id="job-processed">3<`)
		wantStatus(t, "imported endpoint", e.get("/console/apps/"+other+"/endpoints?by=address&q=b@example.com"), http.StatusOK, ">b<")

		// An import that defines a segment.
		r = e.post(otherJobs, otherJobs+"/import", url.Values{"s3_url": {"file://" + out + "/"}, "format": {"JSON"}, "register_endpoints": {"1"},
			"define_segment": {"1"}, "segment_name": {"Imported"}, "role_arn": {"arn:aws:iam::000000000000:role/r"}})
		wantRedirect(t, "start an import into a segment", r, otherJobs+"/import/")
		wantStatus(t, "import into a segment done", e.waitJob(r.location), http.StatusOK, `id="job-status">COMPLETED<`, `&#34;SegmentName&#34;: &#34;Imported&#34;`)
		wantStatus(t, "the IMPORT segment", e.get("/console/apps/"+other+"/segments"), http.StatusOK, "Imported", "IMPORT")
		wantStatus(t, "DefineSegment without a name", e.post(otherJobs, otherJobs+"/import", url.Values{"s3_url": {"file://" + out + "/"}, "format": {"JSON"},
			"define_segment": {"1"}, "role_arn": {"arn:aws:iam::000000000000:role/r"}}), http.StatusBadRequest, "BadRequestException", "SegmentName")

		// An import with a bad line lists its failure.
		bad := filepath.Join(e.jobDir, "bad.json")
		if err := os.WriteFile(bad, []byte(`{"Id":"ok","ChannelType":"EMAIL","Address":"ok@example.com"}`+"\n"+`{"Id":"bad","ChannelType":"PIGEON"}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r = e.post(otherJobs, otherJobs+"/import", url.Values{"s3_url": {"file://" + bad}, "format": {"JSON"}, "register_endpoints": {"1"}, "role_arn": {"arn:aws:iam::000000000000:role/r"}})
		wantRedirect(t, "start a bad import", r, otherJobs+"/import/")
		page := e.waitJob(r.location)
		wantStatus(t, "failures", page, http.StatusOK, `<ol class="failures">`, "PIGEON")
		wantStatus(t, "unknown job", e.get(otherJobs+"/import/0123456789abcdef0123456789abcdef"), http.StatusNotFound, "NotFoundException")
		wantStatus(t, "unknown job type", e.get(otherJobs+"/other/0123456789abcdef0123456789abcdef"), http.StatusNotFound, "There are export and import jobs only.")
	})
}

package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// jobOps are the operations that measure import and export jobs rather than requests.
var jobOps = map[string]bool{"import": true, "export": true}

// jobsBench measures import and export jobs: it writes an NDJSON file of o.endpoints endpoints
// (the bench's usual realistic endpoints), starts a server allowed to read it, and times
// CreateImportJob of that file until COMPLETED; "export" then times CreateExportJob of the app
// (imported first when "import" was not asked for) until COMPLETED. The rate is endpoints per
// second of the job's wall time as a poller sees it (polls every 50 ms).
func jobsBench(ctx context.Context, o benchOptions, stdout io.Writer) error {
	if o.target != "" {
		return errors.New("bench: --op import/export start their own server (it must read the bench's files); drop --target")
	}
	dir, err := os.MkdirTemp("", "pinpointd-bench-jobs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o.serveArgs = append(o.serveArgs, "--job-dirs", dir)
	srv, err := startChild(ctx, o, "")
	if err != nil {
		return err
	}
	defer srv.stop()
	o.target = srv.url
	c, err := newBenchClient(o)
	if err != nil {
		return err
	}
	defer c.wire.close()
	c.serverCPU = srv.cpuTime
	if c.app, err = c.createApp(); err != nil {
		return fmt.Errorf("bench: create app: %w", err)
	}
	if err := c.writeImportFile(filepath.Join(dir, "in", "endpoints.json")); err != nil {
		return err
	}
	asked := map[string]bool{}
	for _, op := range o.ops {
		asked[op] = true
	}
	imp, err := c.runJob(ctx, "import", `{"RoleArn":"bench","Format":"JSON","RegisterEndpoints":true,"S3Url":"file://`+filepath.Join(dir, "in")+`/"}`)
	if err != nil {
		return err
	}
	if asked["import"] {
		imp.ServerRSSMB = srv.peakRSSMB()
		printResult(stdout, o.json, imp)
	}
	if asked["export"] {
		exp, err := c.runJob(ctx, "export", `{"RoleArn":"bench","S3UrlPrefix":"file://`+filepath.Join(dir, "out")+`"}`)
		if err != nil {
			return err
		}
		exp.ServerRSSMB = srv.peakRSSMB()
		printResult(stdout, o.json, exp)
	}
	return nil
}

// writeImportFile writes o.endpoints endpoints as newline-delimited JSON, each with its Id.
func (c *benchClient) writeImportFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range c.o.endpoints {
		ep := c.body(i)
		w.WriteString(`{"Id":"` + endpointID(i) + `",`)
		w.Write(ep[1:])
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runJob creates a job of kind ("import" or "export") with body and polls it until it is done.
func (c *benchClient) runJob(ctx context.Context, kind, body string) (benchResult, error) {
	res := benchResult{Op: kind, Concurrency: 1}
	path := "/v1/apps/" + c.app + "/jobs/" + kind
	cpu0 := c.serverCPU()
	start := time.Now()
	resp, err := c.send("POST", path, []byte(body))
	if err != nil {
		return res, err
	}
	var job struct {
		ID                            string `json:"Id"`
		JobStatus, Message            string
		TotalProcessed, TotalFailures int64
		Failures                      []string
	}
	json.Unmarshal(resp.body, &job)
	if resp.status != http.StatusCreated && resp.status != http.StatusAccepted {
		return res, fmt.Errorf("bench: create %s job: status %d: %s", kind, resp.status, job.Message)
	}
	for job.JobStatus != "COMPLETED" && job.JobStatus != "FAILED" {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		time.Sleep(50 * time.Millisecond)
		resp, err := c.send("GET", path+"/"+job.ID, nil)
		if err != nil {
			return res, err
		}
		if resp.status != http.StatusOK {
			return res, fmt.Errorf("bench: get %s job: status %d", kind, resp.status)
		}
		json.Unmarshal(resp.body, &job)
	}
	res.Seconds = time.Since(start).Seconds()
	if job.JobStatus != "COMPLETED" || job.TotalFailures > 0 {
		return res, fmt.Errorf("bench: %s job %s: %s with %d failures %q", kind, job.ID, job.JobStatus, job.TotalFailures, job.Failures)
	}
	res.Requests = 1
	res.ServerCPUus = float64((c.serverCPU() - cpu0).Microseconds()) // the job is the request
	res.RequestsPerSec = 1 / res.Seconds
	res.EndpointsPerSec = float64(job.TotalProcessed) / res.Seconds
	if job.TotalProcessed > 0 {
		res.ServerCPUEndpointus = res.ServerCPUus / float64(job.TotalProcessed)
	}
	return res, nil
}

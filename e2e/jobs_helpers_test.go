package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"pinpointd/internal/cli"
	"pinpointd/internal/jobs"
	"pinpointd/internal/sigv4"
)

// The S3 test server's only key.
const (
	s3KeyID  = "AKIAS3TESTKEY0000001"
	s3Secret = "s3-test-secret-key-000000000000000000000"
	s3Bucket = "pinpoint-jobs"
)

// s3Server is a real S3-compatible server (gofakes3, in memory) over HTTP that refuses requests
// not signed with SigV4 by its key, and a client for it.
type s3Server struct {
	url    string
	client *s3.Client
	// pause, when set, is called before each PUT with the request's path; a test blocks uploads
	// with it. When it returns false the upload fails (500) and nothing is stored.
	pause atomic.Pointer[func(path string) bool]
}

func startS3(t *testing.T) *s3Server {
	t.Helper()
	srv := &s3Server{}
	fake := gofakes3.New(s3mem.New()).Server()
	v := &sigv4.Verifier{Service: "s3", Lookup: func(_ context.Context, id string) (string, error) {
		if id == s3KeyID {
			return s3Secret, nil
		}
		return "", sigv4.ErrUnknownKey
	}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := v.Verify(r.Context(), r, body); err != nil {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>`+err.Error()+`</Message></Error>`)
			return
		}
		if pause := srv.pause.Load(); r.Method == http.MethodPut && pause != nil && !(*pause)(r.URL.Path) {
			http.Error(w, "upload dropped by the test", http.StatusInternalServerError)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	srv.url = ts.URL
	srv.client = s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(s3KeyID, s3Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	if _, err := srv.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s3Bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return srv
}

func (s *s3Server) put(t *testing.T, key string, body []byte) {
	t.Helper()
	if _, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s3Bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject(%s): %v", key, err)
	}
}

// keys lists the objects under prefix, sorted.
func (s *s3Server) keys(t *testing.T, prefix string) []string {
	t.Helper()
	out, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(s3Bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatalf("ListObjectsV2(%s): %v", prefix, err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	slices.Sort(keys)
	return keys
}

func (s *s3Server) get(t *testing.T, key string) []byte {
	t.Helper()
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s3Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject(%s): %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jobEnv is what a job test has: the S3 server and the directory file:// URLs may name.
type jobEnv struct {
	s3  *s3Server
	dir string
}

// jobOptions configures a server for job tests: the S3 server, dir allowed, a short lease and
// poll, small pieces and batches so that jobs have several of each.
func (e *jobEnv) jobOptions(o *cli.Options) {
	o.Jobs = cli.JobOptions{
		Dirs:      []string{e.dir},
		S3:        jobs.S3Config{Endpoint: e.s3.url, PathStyle: true, AccessKeyID: s3KeyID, SecretAccessKey: s3Secret},
		Lease:     2 * time.Second,
		Poll:      20 * time.Millisecond,
		PieceSize: 7,
		BatchSize: 5,
	}
}

// runJobs runs fn once per backend with a fresh server configured for jobs.
func runJobs(t *testing.T, fn func(t *testing.T, h *harness, e *jobEnv)) {
	t.Helper()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dir, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			e := &jobEnv{s3: startS3(t), dir: dir}
			h := start(t, b.dsn(t), e.jobOptions)
			fn(t, h, e)
		})
	}
}

// jobDeadline bounds how long a test waits for a job; no test asserts on how long one takes.
const jobDeadline = 60 * time.Second

// waitExport polls GetExportJob until the job is COMPLETED or FAILED.
func waitExport(t *testing.T, c *pinpoint.Client, app, id string) *types.ExportJobResponse {
	t.Helper()
	deadline := time.Now().Add(jobDeadline)
	for {
		out, err := c.GetExportJob(ctx, &pinpoint.GetExportJobInput{ApplicationId: aws.String(app), JobId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetExportJob: %v", err)
		}
		j := out.ExportJobResponse
		if j.JobStatus == types.JobStatusCompleted || j.JobStatus == types.JobStatusFailed {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("export job %s still %s after %v: %s", id, j.JobStatus, jobDeadline, jsonOf(j))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitImport polls GetImportJob until the job is COMPLETED or FAILED.
func waitImport(t *testing.T, c *pinpoint.Client, app, id string) *types.ImportJobResponse {
	t.Helper()
	deadline := time.Now().Add(jobDeadline)
	for {
		out, err := c.GetImportJob(ctx, &pinpoint.GetImportJobInput{ApplicationId: aws.String(app), JobId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetImportJob: %v", err)
		}
		j := out.ImportJobResponse
		if j.JobStatus == types.JobStatusCompleted || j.JobStatus == types.JobStatusFailed {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("import job %s still %s after %v: %s", id, j.JobStatus, jobDeadline, jsonOf(j))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) exportJob(app, prefix string) string {
	h.t.Helper()
	out, err := h.client.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: aws.String(app),
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String("arn:aws:iam::000000000000:role/export"), S3UrlPrefix: aws.String(prefix)}})
	if err != nil {
		h.t.Fatalf("CreateExportJob(%s): %v", prefix, err)
	}
	return aws.ToString(out.ExportJobResponse.Id)
}

func (h *harness) importJob(app string, req types.ImportJobRequest) string {
	h.t.Helper()
	if req.RoleArn == nil {
		req.RoleArn = aws.String("arn:aws:iam::000000000000:role/import")
	}
	out, err := h.client.CreateImportJob(ctx, &pinpoint.CreateImportJobInput{ApplicationId: aws.String(app), ImportJobRequest: &req})
	if err != nil {
		h.t.Fatalf("CreateImportJob(%s): %v", aws.ToString(req.S3Url), err)
	}
	return aws.ToString(out.ImportJobResponse.Id)
}

// gunzipLines returns the lines of a gzip'ed newline-delimited file.
func gunzipLines(t *testing.T, b []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("piece is not gzip: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	s := strings.TrimSuffix(string(raw), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// writeFile writes a file under dir (creating directories) and returns its path.
func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// allEndpoints reads the given endpoints of app through GetEndpoint, by ID.
func (h *harness) allEndpoints(app string, ids []string) map[string]*types.EndpointResponse {
	h.t.Helper()
	out := map[string]*types.EndpointResponse{}
	for _, id := range ids {
		e, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String(id)})
		var nf *types.NotFoundException
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			h.t.Fatalf("GetEndpoint(%s): %v", id, err)
		}
		out[id] = e.EndpointResponse
	}
	return out
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

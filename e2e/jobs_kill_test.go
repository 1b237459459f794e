//go:build unix

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// kill9 kills the process with SIGKILL and waits for it.
func (p *proc) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-p.done
}

// TestJobsSurviveKill kills pinpointd (SIGKILL) while an import and then an export run, restarts
// it on the same database, and checks that each job finishes with every endpoint exactly once:
// the import is read from a named pipe the test feeds, so the process is killed with a batch
// written and the rest of the file unread; the export is killed while its second piece uploads.
func TestJobsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildBinary(t)
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			if b.name == "sqlite" {
				dsn = "sqlite:" + filepath.Join(t.TempDir(), "db")
			}
			dir, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			s3 := startS3(t)
			args := []string{"--job-dirs", dir, "--job-lease", "2s", "--job-piece-size", "1000", "--s3-endpoint", s3.url, "--s3-path-style"}
			env := []string{"AWS_ACCESS_KEY_ID=" + s3KeyID, "AWS_SECRET_ACCESS_KEY=" + s3Secret}
			p := startBinaryWith(t, bin, dsn, args, env)
			c := p.client()
			created, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("kill")}})
			if err != nil {
				t.Fatalf("CreateApp: %v", err)
			}
			app := aws.ToString(created.ApplicationResponse.Id)

			// Import: 3,000 rows, every other one without Id (its endpoint's ID comes from the
			// job, the file and the line, so reading the file again must not duplicate it).
			const rows = 3000
			var lines []string
			for i := range rows {
				if i%2 == 0 {
					lines = append(lines, fmt.Sprintf(`{"Id":"k%04d","ChannelType":"EMAIL","Address":"k%d@example.com"}`, i, i))
				} else {
					lines = append(lines, fmt.Sprintf(`{"ChannelType":"EMAIL","Address":"k%d@example.com","Attributes":{"n":["%d"]}}`, i, i))
				}
			}
			fifo := filepath.Join(dir, "endpoints.json")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatalf("mkfifo: %v", err)
			}
			out, err := c.CreateImportJob(ctx, &pinpoint.CreateImportJobInput{ApplicationId: aws.String(app), ImportJobRequest: &types.ImportJobRequest{
				S3Url: aws.String("file://" + fifo), Format: types.FormatJson, RegisterEndpoints: aws.Bool(true), RoleArn: aws.String("r"),
				DefineSegment: aws.Bool(true), SegmentName: aws.String("killed")}})
			if err != nil {
				t.Fatalf("CreateImportJob: %v", err)
			}
			job := aws.ToString(out.ImportJobResponse.Id)
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until the runner opens the pipe
			if err != nil {
				t.Fatalf("open the pipe: %v", err)
			}
			if _, err := w.WriteString(strings.Join(lines[:2500], "\n") + "\n"); err != nil {
				t.Fatalf("write to the pipe: %v", err)
			}
			// Two batches of 1,000 are written; the runner waits for more input.
			deadline := time.Now().Add(jobDeadline)
			for {
				j, err := c.GetImportJob(ctx, &pinpoint.GetImportJobInput{ApplicationId: aws.String(app), JobId: aws.String(job)})
				if err != nil {
					t.Fatalf("GetImportJob: %v", err)
				}
				if n := aws.ToInt32(j.ImportJobResponse.TotalProcessed); n >= 2000 {
					if j.ImportJobResponse.JobStatus != types.JobStatusProcessing || n != 2000 {
						t.Fatalf("import before the kill: got %s, want PROCESSING with 2000 processed", jsonOf(j.ImportJobResponse))
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("import made no progress: %s", jsonOf(j.ImportJobResponse))
				}
				time.Sleep(20 * time.Millisecond)
			}
			p.kill9(t)
			w.Close()
			// The whole file is there when the job is taken up again.
			os.Remove(fifo)
			writeFile(t, dir, "endpoints.json", strings.Join(lines, "\n")+"\n")

			p = startBinaryWith(t, bin, dsn, args, env)
			c = p.client()
			j := waitImport(t, c, app, job)
			if j.JobStatus != types.JobStatusCompleted || aws.ToInt32(j.TotalProcessed) != rows || aws.ToInt32(j.TotalFailures) != 0 || aws.ToInt32(j.CompletedPieces) != 1 {
				t.Fatalf("import after the restart: got %s, want COMPLETED with %d processed once each", jsonOf(j), rows)
			}
			// Its IMPORT segment counts each endpoint once, though two batches were added twice.
			segID := aws.ToString(out.ImportJobResponse.Definition.SegmentId)
			seg, err := c.GetSegment(ctx, &pinpoint.GetSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(segID)})
			if err != nil || seg.SegmentResponse.ImportDefinition == nil || aws.ToInt32(seg.SegmentResponse.ImportDefinition.Size) != rows ||
				seg.SegmentResponse.ImportDefinition.ChannelCounts["EMAIL"] != rows {
				t.Errorf("IMPORT segment after the restart: got %s, %v; want Size %d and EMAIL %d", jsonOf(seg), err, rows, rows)
			}

			// Export: pieces of 1,000; the upload of the second is held, then the process dies.
			held, release := make(chan struct{}), make(chan struct{})
			var once atomic.Bool
			s3.pause.Store(new(func(path string) bool {
				if strings.HasSuffix(path, "/2.gz") && once.CompareAndSwap(false, true) {
					close(held)
					<-release
					return false // the dead process's upload never lands
				}
				return true
			}))
			xo, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: aws.String(app), ExportJobRequest: &types.ExportJobRequest{
				RoleArn: aws.String("r"), S3UrlPrefix: aws.String("s3://" + s3Bucket + "/killed")}})
			if err != nil {
				t.Fatalf("CreateExportJob: %v", err)
			}
			export := aws.ToString(xo.ExportJobResponse.Id)
			select {
			case <-held:
			case <-time.After(jobDeadline):
				t.Fatal("the export never uploaded its second piece")
			}
			p.kill9(t)
			close(release)

			p = startBinaryWith(t, bin, dsn, args, env)
			x := waitExport(t, p.client(), app, export)
			if x.JobStatus != types.JobStatusCompleted || aws.ToInt32(x.TotalProcessed) != rows || aws.ToInt32(x.TotalPieces) != 3 {
				t.Fatalf("export after the restart: got %s, want COMPLETED, 3 pieces, %d endpoints", jsonOf(x), rows)
			}
			keys := s3.keys(t, "killed/")
			if want := []string{"killed/" + export + "/1.gz", "killed/" + export + "/2.gz", "killed/" + export + "/3.gz"}; !slices.Equal(keys, want) {
				t.Fatalf("exported objects: got %v, want %v", keys, want)
			}
			seen := map[string]bool{}
			for _, k := range keys {
				for _, line := range gunzipLines(t, s3.get(t, k)) {
					var e types.EndpointResponse
					if err := jsonUnmarshal(line, &e); err != nil {
						t.Fatalf("%s: %v", k, err)
					}
					if seen[aws.ToString(e.Id)] {
						t.Errorf("endpoint %s exported twice", aws.ToString(e.Id))
					}
					seen[aws.ToString(e.Id)] = true
				}
			}
			if len(seen) != rows {
				t.Errorf("exported %d distinct endpoints, want %d", len(seen), rows)
			}
			if code := p.stop(t); code != 0 {
				t.Errorf("exit code after SIGTERM: got %d, want 0\n%s", code, p.output())
			}
		})
	}
}

package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// TestJobsTwoProcesses runs two pinpointd servers, each with its runner, on one PostgreSQL: jobs
// created through one are run once (each by one process), and a caller polling one job through
// both sees the same job and progress that never goes back.
func TestJobsTwoProcesses(t *testing.T) {
	dsn := os.Getenv("PINPOINTD_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PINPOINTD_TEST_POSTGRES is not set")
	}
	db := postgresSchema(t, dsn)
	dir := t.TempDir()
	e := &jobEnv{s3: startS3(t), dir: dir}
	a := start(t, db, e.jobOptions)
	b := start(t, db, e.jobOptions)
	app := a.createApp("shared")

	const rows, jobs = 400, 6
	var lines []string
	for i := range rows {
		lines = append(lines, fmt.Sprintf(`{"Id":"m%03d","ChannelType":"EMAIL","Address":"m%d@example.com","Attributes":{"n":["%d"]}}`, i, i, i))
	}
	e.s3.put(t, "multi/endpoints.json", []byte(strings.Join(lines, "\n")+"\n"))
	var ids []string
	for range jobs {
		ids = append(ids, a.importJob(app, types.ImportJobRequest{S3Url: aws.String("s3://" + s3Bucket + "/multi/endpoints.json"), Format: types.FormatJson, RegisterEndpoints: aws.Bool(true)}))
	}

	// Poll the first job through both processes in turn until it is done.
	last := int32(-1)
	deadline := time.Now().Add(jobDeadline)
	for i := 0; ; i++ {
		c := []*pinpoint.Client{a.client, b.client}[i%2]
		out, err := c.GetImportJob(ctx, &pinpoint.GetImportJobInput{ApplicationId: aws.String(app), JobId: aws.String(ids[0])})
		if err != nil {
			t.Fatalf("GetImportJob through process %d: %v", i%2, err)
		}
		j := out.ImportJobResponse
		n := aws.ToInt32(j.TotalProcessed)
		if n < last {
			t.Fatalf("TotalProcessed went back from %d to %d (process %d)", last, n, i%2)
		}
		last = n
		if j.JobStatus == types.JobStatusCompleted || j.JobStatus == types.JobStatusFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s: %s", j.JobStatus, jsonOf(j))
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, id := range ids {
		j := waitImport(t, b.client, app, id)
		if j.JobStatus != types.JobStatusCompleted || aws.ToInt32(j.TotalProcessed) != rows || aws.ToInt32(j.TotalFailures) != 0 {
			t.Errorf("job %s: got %s, want COMPLETED with %d processed exactly once", id, jsonOf(j), rows)
		}
	}
	x := waitExport(t, b.client, app, b.exportJob(app, "s3://"+s3Bucket+"/multi-out"))
	if aws.ToInt32(x.TotalProcessed) != rows {
		t.Errorf("endpoints after %d imports of the same %d: got %d", jobs, rows, aws.ToInt32(x.TotalProcessed))
	}
}

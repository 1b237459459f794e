package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// TestExportSegment exports the endpoints of a segment version: only its members, in pieces, with
// the version pinned; the segment's job lists show its jobs; a missing segment or version is 404.
func TestExportSegment(t *testing.T) {
	runJobs(t, func(t *testing.T, h *harness, e *jobEnv) {
		app := h.createApp("segment export")
		var items []types.EndpointBatchItem
		var gold, silver []string
		for i := range 20 {
			id := fmt.Sprintf("s%02d", i)
			plan := "silver"
			if i%2 == 0 {
				plan, gold = "gold", append(gold, id)
			} else {
				silver = append(silver, id)
			}
			items = append(items, types.EndpointBatchItem{Id: aws.String(id), ChannelType: types.ChannelTypeEmail,
				Address: aws.String(id + "@example.com"), Attributes: map[string][]string{"plan": {plan}}})
		}
		if err := h.batch(app, items); err != nil {
			t.Fatalf("UpdateEndpointsBatch: %v", err)
		}
		dims := func(plan string) *types.SegmentDimensions {
			return &types.SegmentDimensions{Attributes: map[string]types.AttributeDimension{
				"plan": {AttributeType: types.AttributeTypeInclusive, Values: []string{plan}}}}
		}
		seg, err := h.client.CreateSegment(ctx, &pinpoint.CreateSegmentInput{ApplicationId: aws.String(app),
			WriteSegmentRequest: &types.WriteSegmentRequest{Name: aws.String("gold"), Dimensions: dims("gold")}})
		if err != nil {
			t.Fatalf("CreateSegment: %v", err)
		}
		segID := aws.ToString(seg.SegmentResponse.Id)
		if _, err := h.client.UpdateSegment(ctx, &pinpoint.UpdateSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(segID),
			WriteSegmentRequest: &types.WriteSegmentRequest{Dimensions: dims("silver")}}); err != nil {
			t.Fatalf("UpdateSegment: %v", err)
		}

		exported := func(id string, version *int32) []string {
			t.Helper()
			out, err := h.client.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: aws.String(app), ExportJobRequest: &types.ExportJobRequest{
				RoleArn: aws.String("r"), S3UrlPrefix: aws.String("s3://" + s3Bucket + "/seg"), SegmentId: aws.String(segID), SegmentVersion: version}})
			if err != nil {
				t.Fatalf("CreateExportJob(segment): %v", err)
			}
			job := aws.ToString(out.ExportJobResponse.Id)
			if got := aws.ToString(out.ExportJobResponse.Definition.SegmentId); got != segID {
				t.Errorf("Definition.SegmentId: got %q, want %q", got, segID)
			}
			j := waitExport(t, h.client, app, job)
			if j.JobStatus != types.JobStatusCompleted {
				t.Fatalf("segment export: got %s, want COMPLETED", jsonOf(j))
			}
			var ids []string
			for _, k := range e.s3.keys(t, "seg/"+job+"/") {
				for _, line := range gunzipLines(t, e.s3.get(t, k)) {
					var ep types.EndpointResponse
					if err := jsonUnmarshal(line, &ep); err != nil {
						t.Fatal(err)
					}
					ids = append(ids, aws.ToString(ep.Id))
				}
			}
			if int(aws.ToInt32(j.TotalProcessed)) != len(ids) || aws.ToInt32(j.TotalPieces) != 2 {
				t.Errorf("segment export: got %d endpoints in %d pieces and TotalProcessed %d, want 2 pieces (of 7) and the count", len(ids), aws.ToInt32(j.TotalPieces), aws.ToInt32(j.TotalProcessed))
			}
			return ids
		}
		if got := exported(segID, aws.Int32(1)); !slices.Equal(got, gold) {
			t.Errorf("export of version 1: got %v, want %v", got, gold)
		}
		if got := exported(segID, nil); !slices.Equal(got, silver) {
			t.Errorf("export of the latest version: got %v, want %v", got, silver)
		}

		jobs, err := h.client.GetSegmentExportJobs(ctx, &pinpoint.GetSegmentExportJobsInput{ApplicationId: aws.String(app), SegmentId: aws.String(segID)})
		if err != nil || len(jobs.ExportJobsResponse.Item) != 2 {
			t.Errorf("GetSegmentExportJobs: got %s, %v; want the 2 jobs", jsonOf(jobs), err)
		}
		h.exportJob(app, "s3://"+s3Bucket+"/all") // not the segment's
		jobs, err = h.client.GetSegmentExportJobs(ctx, &pinpoint.GetSegmentExportJobsInput{ApplicationId: aws.String(app), SegmentId: aws.String(segID)})
		if err != nil || len(jobs.ExportJobsResponse.Item) != 2 {
			t.Errorf("GetSegmentExportJobs after an app export: got %s, %v; want the 2 segment jobs", jsonOf(jobs), err)
		}
		imps, err := h.client.GetSegmentImportJobs(ctx, &pinpoint.GetSegmentImportJobsInput{ApplicationId: aws.String(app), SegmentId: aws.String(segID)})
		if err != nil || len(imps.ImportJobsResponse.Item) != 0 {
			t.Errorf("GetSegmentImportJobs: got %s, %v; want none", jsonOf(imps), err)
		}

		for _, c := range []struct {
			id      string
			version *int32
		}{{"0123456789abcdef0123456789abcdef", nil}, {segID, aws.Int32(3)}} {
			_, err := h.client.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: aws.String(app), ExportJobRequest: &types.ExportJobRequest{
				RoleArn: aws.String("r"), S3UrlPrefix: aws.String("s3://" + s3Bucket + "/x"), SegmentId: aws.String(c.id), SegmentVersion: c.version}})
			wantAPIError[*types.NotFoundException](t, err)
		}
	})
}

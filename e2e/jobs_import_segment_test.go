package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// createImport calls CreateImportJob and returns the response (the test fails on an error).
func (h *harness) createImport(app string, req types.ImportJobRequest) *types.ImportJobResponse {
	h.t.Helper()
	if req.RoleArn == nil {
		req.RoleArn = aws.String("arn:aws:iam::000000000000:role/import")
	}
	out, err := h.client.CreateImportJob(ctx, &pinpoint.CreateImportJobInput{ApplicationId: aws.String(app), ImportJobRequest: &req})
	if err != nil {
		h.t.Fatalf("CreateImportJob(%s): %v", aws.ToString(req.S3Url), err)
	}
	return out.ImportJobResponse
}

// wantImportDone waits for an import and checks it COMPLETED with processed rows and failures.
func wantImportDone(t *testing.T, h *harness, app, id string, processed, failures int32) *types.ImportJobResponse {
	t.Helper()
	j := waitImport(t, h.client, app, id)
	if j.JobStatus != types.JobStatusCompleted || aws.ToInt32(j.TotalProcessed) != processed || aws.ToInt32(j.TotalFailures) != failures {
		t.Fatalf("import job: got %s, want COMPLETED with %d processed and %d failures", jsonOf(j), processed, failures)
	}
	return j
}

// TestImportDefineSegment: DefineSegment with CSV (named) and with JSON (named after the file)
// creates an IMPORT segment named in the CreateImportJob response; after the job its
// ImportDefinition counts the rows imported, and its size and members are those endpoints.
func TestImportDefineSegment(t *testing.T) {
	runJobs(t, func(t *testing.T, h *harness, e *jobEnv) {
		app := h.createApp("define segment")
		// Endpoints already in the app that no import names: never members.
		if err := h.batch(app, []types.EndpointBatchItem{{Id: aws.String("other"), ChannelType: types.ChannelTypeEmail, Address: aws.String("other@example.com")}}); err != nil {
			t.Fatal(err)
		}
		csv := "Id,ChannelType,Address,User.UserId\n" +
			"d1,EMAIL,d1@example.com,u1\n" +
			"d2,SMS,+15555550102,\n" +
			"d3,FAX,d3@example.com,\n" + // refused: not a member
			"d4,EMAIL,d4@example.com,u1\n" +
			"d5,EMAIL,d5@example.com,\n" +
			"d6,EMAIL,d6@example.com,\n" +
			"d7,EMAIL,d7@example.com,\n" // 6 endpoints: more than one batch of 5
		e.s3.put(t, "seg/contacts.csv", []byte(csv))
		created := h.createImport(app, types.ImportJobRequest{S3Url: aws.String("s3://" + s3Bucket + "/seg/contacts.csv"), Format: types.FormatCsv,
			RegisterEndpoints: aws.Bool(true), DefineSegment: aws.Bool(true), SegmentName: aws.String("contacts")})
		segID := aws.ToString(created.Definition.SegmentId)
		if len(segID) != 32 || aws.ToString(created.Definition.SegmentName) != "contacts" || !aws.ToBool(created.Definition.DefineSegment) {
			t.Fatalf("CreateImportJob Definition: got %s, want DefineSegment true, SegmentName contacts and a 32-character SegmentId", jsonOf(created.Definition))
		}
		// The segment exists as soon as the job does.
		seg := h.getSegment(app, segID)
		if seg.SegmentType != types.SegmentTypeImport || aws.ToString(seg.Name) != "contacts" || aws.ToInt32(seg.Version) != 1 || seg.ImportDefinition == nil ||
			aws.ToString(seg.ImportDefinition.S3Url) != "s3://"+s3Bucket+"/seg/contacts.csv" || seg.ImportDefinition.Format != types.FormatCsv ||
			aws.ToString(seg.ImportDefinition.ExternalId) != testAccount || aws.ToString(seg.ImportDefinition.RoleArn) == "" {
			t.Errorf("GetSegment after CreateImportJob: got %s, want an IMPORT segment, version 1, with the import's definition", jsonOf(seg))
		}

		wantImportDone(t, h, app, aws.ToString(created.Id), 7, 1)
		want := []string{"d1", "d2", "d4", "d5", "d6", "d7"}
		seg = h.getSegment(app, segID)
		if imp := seg.ImportDefinition; imp == nil || aws.ToInt32(imp.Size) != 6 || imp.ChannelCounts["EMAIL"] != 5 || imp.ChannelCounts["SMS"] != 1 {
			t.Errorf("ImportDefinition after the job: got %s, want Size 6, ChannelCounts EMAIL 5 and SMS 1", jsonOf(seg.ImportDefinition))
		}
		if got := h.segmentSize(app, segID, ""); got.Endpoints != 6 || got.Users != 1 {
			t.Errorf("GetSegmentSize: got %+v, want 6 endpoints and 1 user", got)
		}
		if got := h.segmentMembers(app, segID, "", 4); !slices.Equal(got, want) {
			t.Errorf("GetSegmentEndpoints: got %v, want %v", got, want)
		}
		imps, err := h.client.GetSegmentImportJobs(ctx, &pinpoint.GetSegmentImportJobsInput{ApplicationId: aws.String(app), SegmentId: aws.String(segID)})
		if err != nil || len(imps.ImportJobsResponse.Item) != 1 || aws.ToString(imps.ImportJobsResponse.Item[0].Id) != aws.ToString(created.Id) {
			t.Errorf("GetSegmentImportJobs: got %s, %v; want the job", jsonOf(imps), err)
		}
		// A member deleted later leaves the segment's size but not its ImportDefinition.Size.
		if _, err := h.client.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("d7")}); err != nil {
			t.Fatal(err)
		}
		if got := h.segmentSize(app, segID, ""); got.Endpoints != 5 {
			t.Errorf("GetSegmentSize after deleting a member: got %+v, want 5 endpoints", got)
		}

		// JSON, no SegmentName: the segment is named after the file.
		writeFile(t, e.dir, "in/people.json", `{"Id":"j1","ChannelType":"SMS","Address":"+16045550182","User":{"UserId":"example-user-id-1"}}`+"\n"+
			`{"ChannelType":"EMAIL","Address":"noid@example.com"}`+"\n")
		created = h.createImport(app, types.ImportJobRequest{S3Url: aws.String("file://" + e.dir + "/in/people.json"), Format: types.FormatJson,
			RegisterEndpoints: aws.Bool(true), DefineSegment: aws.Bool(true)})
		jsonSeg := aws.ToString(created.Definition.SegmentId)
		if aws.ToString(created.Definition.SegmentName) != "people" || len(jsonSeg) != 32 {
			t.Errorf("CreateImportJob(JSON, no SegmentName) Definition: got %s, want SegmentName people and a SegmentId", jsonOf(created.Definition))
		}
		wantImportDone(t, h, app, aws.ToString(created.Id), 2, 0)
		if got := h.segmentSize(app, jsonSeg, ""); got.Endpoints != 2 {
			t.Errorf("GetSegmentSize(JSON segment): got %+v, want 2", got)
		}
		if got := h.getSegment(app, jsonSeg); aws.ToString(got.Name) != "people" || aws.ToInt32(got.ImportDefinition.Size) != 2 {
			t.Errorf("GetSegment(JSON segment): got %s, want people with Size 2", jsonOf(got))
		}

		// IMPORT segments cannot be updated.
		_, err = h.client.UpdateSegment(ctx, &pinpoint.UpdateSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(segID),
			WriteSegmentRequest: &types.WriteSegmentRequest{Name: aws.String("renamed")}})
		wantAPIError[*types.BadRequestException](t, err)
	})
}

// TestImportIntoSegment: SegmentId adds to an existing IMPORT segment; with RegisterEndpoints false
// rows only select existing endpoints (by Id, or a user's by User.UserId alone) and write nothing;
// the refused combinations name what is wrong.
func TestImportIntoSegment(t *testing.T) {
	runJobs(t, func(t *testing.T, h *harness, e *jobEnv) {
		app := h.createApp("into segment")
		if err := h.batch(app, []types.EndpointBatchItem{
			{Id: aws.String("x1"), ChannelType: types.ChannelTypeEmail, Address: aws.String("x1@example.com"), Attributes: map[string][]string{"plan": {"gold"}}},
			{Id: aws.String("x2"), ChannelType: types.ChannelTypeSms, Address: aws.String("+15555550111"), User: &types.EndpointUser{UserId: aws.String("ux")}},
			{Id: aws.String("x3"), ChannelType: types.ChannelTypeEmail, Address: aws.String("x3@example.com"), User: &types.EndpointUser{UserId: aws.String("ux")}},
			{Id: aws.String("x4"), ChannelType: types.ChannelTypeEmail, Address: aws.String("x4@example.com")},
		}); err != nil {
			t.Fatal(err)
		}
		e.s3.put(t, "a/first.csv", []byte("Id,ChannelType,Address\nn1,EMAIL,n1@example.com\n"))
		first := h.createImport(app, types.ImportJobRequest{S3Url: aws.String("s3://" + s3Bucket + "/a/first.csv"), Format: types.FormatCsv,
			RegisterEndpoints: aws.Bool(true), DefineSegment: aws.Bool(true), SegmentName: aws.String("audience")})
		segID := aws.ToString(first.Definition.SegmentId)
		wantImportDone(t, h, app, aws.ToString(first.Id), 1, 0)

		// SegmentId + RegisterEndpoints: new endpoints are written and added; n1 again adds nothing.
		e.s3.put(t, "a/second.csv", []byte("Id,ChannelType,Address\nn1,EMAIL,n1@example.com\nn2,EMAIL,n2@example.com\n"))
		second := h.createImport(app, types.ImportJobRequest{S3Url: aws.String("s3://" + s3Bucket + "/a/second.csv"), Format: types.FormatCsv,
			RegisterEndpoints: aws.Bool(true), SegmentId: aws.String(segID)})
		if aws.ToString(second.Definition.SegmentId) != segID || aws.ToString(second.Definition.SegmentName) != "audience" || aws.ToBool(second.Definition.DefineSegment) {
			t.Errorf("CreateImportJob(SegmentId) Definition: got %s, want the segment's ID and name, DefineSegment false", jsonOf(second.Definition))
		}
		wantImportDone(t, h, app, aws.ToString(second.Id), 2, 0)

		// SegmentId, RegisterEndpoints false: rows select existing endpoints and change nothing.
		writeFile(t, e.dir, "sel/ids.csv", "Id,Address\nx1,changed@example.com\nmissing,\n")
		writeFile(t, e.dir, "sel/users.csv", "User.UserId\nux\nnobody\n")
		writeFile(t, e.dir, "sel/noid.csv", "ChannelType,Address\nEMAIL,new@example.com\n")
		third := h.createImport(app, types.ImportJobRequest{S3Url: aws.String("file://" + e.dir + "/sel"), Format: types.FormatCsv,
			RegisterEndpoints: aws.Bool(false), SegmentId: aws.String(segID)})
		j := wantImportDone(t, h, app, aws.ToString(third.Id), 5, 3)
		for _, want := range []string{`endpoint "missing" does not exist`, `user "nobody" has no endpoints`, "must name an existing endpoint by Id"} {
			if !slices.ContainsFunc(j.Failures, func(f string) bool { return strings.Contains(f, want) }) {
				t.Errorf("Failures: got %q, want one with %q", j.Failures, want)
			}
		}
		if got := h.get(app, "x1"); aws.ToString(got.Address) != "x1@example.com" {
			t.Errorf("x1 after a RegisterEndpoints=false import: got %s, want it unchanged", jsonOf(got))
		}
		want := []string{"n1", "n2", "x1", "x2", "x3"}
		if got := h.segmentMembers(app, segID, "", 10); !slices.Equal(got, want) {
			t.Errorf("members after three imports: got %v, want %v", got, want)
		}
		if got := h.getSegment(app, segID).ImportDefinition; aws.ToInt32(got.Size) != 5 || got.ChannelCounts["EMAIL"] != 4 || got.ChannelCounts["SMS"] != 1 {
			t.Errorf("ImportDefinition: got %s, want Size 5, EMAIL 4, SMS 1", jsonOf(got))
		}
		imps, err := h.client.GetSegmentImportJobs(ctx, &pinpoint.GetSegmentImportJobsInput{ApplicationId: aws.String(app), SegmentId: aws.String(segID)})
		if err != nil || len(imps.ImportJobsResponse.Item) != 3 {
			t.Errorf("GetSegmentImportJobs: got %s, %v; want the 3 jobs", jsonOf(imps), err)
		}

		// DefineSegment with RegisterEndpoints false: a segment of existing endpoints.
		writeFile(t, e.dir, "only/x4.json", `{"Id":"x4"}`+"\n"+`{"User":{"UserId":"ux"}}`+"\n")
		fourth := h.createImport(app, types.ImportJobRequest{S3Url: aws.String("file://" + e.dir + "/only"), Format: types.FormatJson,
			DefineSegment: aws.Bool(true), SegmentName: aws.String("existing")})
		wantImportDone(t, h, app, aws.ToString(fourth.Id), 2, 0)
		existing := aws.ToString(fourth.Definition.SegmentId)
		if got := h.segmentMembers(app, existing, "", 10); !slices.Equal(got, []string{"x2", "x3", "x4"}) {
			t.Errorf("members of a RegisterEndpoints=false DefineSegment import: got %v, want [x2 x3 x4]", got)
		}

		// An IMPORT segment as the source of a dimensional one, and exported.
		gold := h.createSegment(app, &types.WriteSegmentRequest{Name: aws.String("gold importees"), SegmentGroups: &types.SegmentGroupList{
			Include: types.IncludeAll, Groups: []types.SegmentGroup{{
				SourceSegments: []types.SegmentReference{{Id: aws.String(segID)}}, SourceType: types.SourceTypeAll, Type: types.TypeAll,
				Dimensions: []types.SegmentDimensions{*attrDims("plan", types.AttributeTypeInclusive, "gold")}}}}})
		if got := h.segmentMembers(app, aws.ToString(gold.Id), "", 10); !slices.Equal(got, []string{"x1"}) {
			t.Errorf("members of a dimensional segment over the IMPORT one: got %v, want [x1]", got)
		}
		out, err := h.client.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: aws.String(app), ExportJobRequest: &types.ExportJobRequest{
			RoleArn: aws.String("r"), S3UrlPrefix: aws.String("s3://" + s3Bucket + "/exp"), SegmentId: aws.String(segID)}})
		if err != nil {
			t.Fatalf("CreateExportJob(IMPORT segment): %v", err)
		}
		job := aws.ToString(out.ExportJobResponse.Id)
		x := waitExport(t, h.client, app, job)
		var exported []string
		for _, k := range e.s3.keys(t, "exp/"+job+"/") {
			for _, line := range gunzipLines(t, e.s3.get(t, k)) {
				var ep types.EndpointResponse
				if err := jsonUnmarshal(line, &ep); err != nil {
					t.Fatal(err)
				}
				exported = append(exported, aws.ToString(ep.Id))
			}
		}
		slices.Sort(exported)
		if x.JobStatus != types.JobStatusCompleted || !slices.Equal(exported, want) {
			t.Errorf("export of the IMPORT segment: got %s with %v, want COMPLETED with %v", jsonOf(x), exported, want)
		}

		// Refusals.
		_, err = h.client.CreateImportJob(ctx, &pinpoint.CreateImportJobInput{ApplicationId: aws.String(app), ImportJobRequest: &types.ImportJobRequest{
			RoleArn: aws.String("r"), S3Url: aws.String("s3://" + s3Bucket + "/a/first.csv"), Format: types.FormatCsv, SegmentId: aws.String("0123456789abcdef0123456789abcdef")}})
		wantAPIError[*types.NotFoundException](t, err)
		base := "/v1/apps/" + app + "/jobs/import"
		for _, c := range []struct{ body, want string }{
			{`{"RoleArn":"r","S3Url":"s3://b/k.csv","Format":"CSV","SegmentId":"` + aws.ToString(gold.Id) + `"}`, "is a DIMENSIONAL segment"},
			{`{"RoleArn":"r","S3Url":"s3://b/k.csv","Format":"CSV","DefineSegment":true,"SegmentId":"` + segID + `"}`, "cannot be combined with SegmentId"},
			{`{"RoleArn":"r","S3Url":"s3://b/k.csv","Format":"CSV","RegisterEndpoints":true,"SegmentName":"s"}`, "SegmentName requires DefineSegment"},
			{`{"RoleArn":"r","S3Url":"s3://b/k.csv","Format":"CSV","RegisterEndpoints":false}`, "RegisterEndpoints or DefineSegment must be true, or SegmentId given"},
		} {
			resp, eb := h.rawJSON("POST", base, c.body)
			wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
			if eb.Message == nil || !strings.Contains(*eb.Message, c.want) {
				t.Errorf("POST %s: got message %q, want %q", c.body, aws.ToString(eb.Message), c.want)
			}
		}
		// The refused requests made no segment: still the three.
		segs, err := h.client.GetSegments(ctx, &pinpoint.GetSegmentsInput{ApplicationId: aws.String(app)})
		if err != nil || len(segs.SegmentsResponse.Item) != 3 {
			t.Errorf("GetSegments after refusals: got %s, %v; want 3 segments", jsonOf(segs), err)
		}
	})
}

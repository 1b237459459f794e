package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// seedEndpoints writes n endpoints of every kind an export must carry (users with attributes,
// INACTIVE, opted out, located, with metrics and a set EffectiveDate) and returns their IDs.
func seedEndpoints(t *testing.T, h *harness, app string, n int) []string {
	t.Helper()
	var ids []string
	var items []types.EndpointBatchItem
	for i := range n {
		id := fmt.Sprintf("ep-%02d", i)
		if i == 3 {
			id = "dev/ü 3" // escaping in paths and JSON
		}
		ids = append(ids, id)
		it := types.EndpointBatchItem{
			Id: aws.String(id), ChannelType: types.ChannelTypeEmail, Address: aws.String(fmt.Sprintf("user%d@example.com", i)),
			Attributes: map[string][]string{"interests": {"cats", fmt.Sprint("n", i)}},
		}
		if i%3 == 0 {
			it.User = &types.EndpointUser{UserId: aws.String(fmt.Sprint("user-", i/6)), UserAttributes: map[string][]string{"plan": {"gold"}}}
		}
		if i%4 == 1 {
			it.EndpointStatus = aws.String("INACTIVE")
		}
		if i%5 == 2 {
			it.OptOut = aws.String("ALL")
		}
		if i%2 == 0 {
			it.Location = &types.EndpointLocation{Country: aws.String("CA"), Latitude: aws.Float64(49.28), Longitude: aws.Float64(-123.12), City: aws.String("Vancouver")}
			it.Demographic = &types.EndpointDemographic{Platform: aws.String("ios"), Make: aws.String("apple")}
			it.Metrics = map[string]float64{"score": float64(i) / 2}
			it.EffectiveDate = aws.String("2024-02-03T04:05:06.789Z")
		}
		items = append(items, it)
	}
	for chunk := range slices.Chunk(items, 100) {
		if err := h.batch(app, chunk); err != nil {
			t.Fatalf("UpdateEndpointsBatch: %v", err)
		}
	}
	return ids
}

// sameExceptApp compares two endpoints of different apps: everything but ApplicationId.
func sameExceptApp(t *testing.T, what string, got, want *types.EndpointResponse) {
	t.Helper()
	g, w := *got, *want
	g.ApplicationId, w.ApplicationId = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, jsonOf(g), jsonOf(w))
	}
}

// TestExportImportRoundTrip exports an app to S3 and to a directory, checks the pieces (gzip'ed
// NDJSON of EndpointResponses under {prefix}/{jobId}/), and imports each export into a new app:
// the endpoints come back identical, IDs, dates, statuses and users included.
func TestExportImportRoundTrip(t *testing.T) {
	runJobs(t, func(t *testing.T, h *harness, e *jobEnv) {
		src := h.createApp("source")
		ids := seedEndpoints(t, h, src, 20)
		want := h.allEndpoints(src, ids)

		for _, dest := range []struct{ name, prefix string }{
			{"s3", "s3://" + s3Bucket + "/exports/"},
			{"file", "file://" + e.dir + "/exports"},
		} {
			t.Run(dest.name, func(t *testing.T) {
				id := h.exportJob(src, dest.prefix)
				j := waitExport(t, h.client, src, id)
				if j.JobStatus != types.JobStatusCompleted || aws.ToInt32(j.TotalPieces) != 3 || aws.ToInt32(j.CompletedPieces) != 3 ||
					aws.ToInt32(j.TotalProcessed) != 20 || aws.ToInt32(j.TotalFailures) != 0 || aws.ToString(j.CompletionDate) == "" ||
					aws.ToString(j.ApplicationId) != src || j.Type == nil || *j.Type != "EXPORT" {
					t.Fatalf("export job: got %s, want COMPLETED with 3 of 3 pieces and 20 endpoints", jsonOf(j))
				}
				if got := aws.ToString(j.Definition.S3UrlPrefix); got != dest.prefix {
					t.Errorf("Definition.S3UrlPrefix: got %q, want %q", got, dest.prefix)
				}

				// The pieces: 1.gz, 2.gz, 3.gz, holding every endpoint once, as GetEndpoint shows it.
				var pieces [][]byte
				var folder string
				if dest.name == "s3" {
					keys := e.s3.keys(t, "exports/")
					wantKeys := []string{"exports/" + id + "/1.gz", "exports/" + id + "/2.gz", "exports/" + id + "/3.gz"}
					if !slices.Equal(keys, wantKeys) {
						t.Fatalf("exported objects: got %v, want %v", keys, wantKeys)
					}
					for _, k := range keys {
						pieces = append(pieces, e.s3.get(t, k))
					}
					folder = "s3://" + s3Bucket + "/exports/" + id
				} else {
					for n := 1; n <= 3; n++ {
						b, err := os.ReadFile(filepath.Join(e.dir, "exports", id, fmt.Sprint(n, ".gz")))
						if err != nil {
							t.Fatalf("piece %d: %v", n, err)
						}
						pieces = append(pieces, b)
					}
					folder = "file://" + e.dir + "/exports/" + id + "/"
				}
				seen := map[string]bool{}
				for i, p := range pieces {
					lines := gunzipLines(t, p)
					if wantN := []int{7, 7, 6}[i]; len(lines) != wantN {
						t.Errorf("piece %d: got %d lines, want %d", i+1, len(lines), wantN)
					}
					for _, line := range lines {
						var got types.EndpointResponse
						if err := json.Unmarshal([]byte(line), &got); err != nil {
							t.Fatalf("line %q: %v", line, err)
						}
						if !strings.Contains(line, `"User":{`) {
							t.Errorf("line %s: got no User object, want one (empty when the endpoint has no user)", line)
						}
						id := aws.ToString(got.Id)
						if seen[id] {
							t.Errorf("endpoint %s exported twice", id)
						}
						seen[id] = true
						if w, ok := want[id]; !ok {
							t.Errorf("exported endpoint %s does not exist", id)
						} else {
							sameEndpoint(t, "exported endpoint "+id, &got, w)
						}
					}
				}
				if len(seen) != len(ids) {
					t.Errorf("exported %d endpoints, want %d", len(seen), len(ids))
				}

				// The export imported into a new app reproduces the endpoints.
				dst := h.createApp("copy of source via " + dest.name)
				imp := h.importJob(dst, types.ImportJobRequest{S3Url: aws.String(folder), Format: types.FormatJson, RegisterEndpoints: aws.Bool(true)})
				ij := waitImport(t, h.client, dst, imp)
				if ij.JobStatus != types.JobStatusCompleted || aws.ToInt32(ij.TotalPieces) != 3 || aws.ToInt32(ij.CompletedPieces) != 3 ||
					aws.ToInt32(ij.TotalProcessed) != 20 || aws.ToInt32(ij.TotalFailures) != 0 {
					t.Fatalf("import job: got %s, want COMPLETED with 3 pieces and 20 endpoints", jsonOf(ij))
				}
				got := h.allEndpoints(dst, ids)
				for _, id := range ids {
					if got[id] == nil {
						t.Errorf("endpoint %s was not imported", id)
						continue
					}
					sameExceptApp(t, "imported endpoint "+id, got[id], want[id])
					if aws.ToString(got[id].ApplicationId) != dst {
						t.Errorf("imported endpoint %s ApplicationId: got %q, want %q", id, aws.ToString(got[id].ApplicationId), dst)
					}
				}
			})
		}
	})
}

// TestImportCSV imports a CSV file with dotted and repeated headers, quoting, and bad rows: the
// good rows are written as UpdateEndpoint would write them, each bad row is counted and named in
// Failures, and the job completes.
func TestImportCSV(t *testing.T) {
	runJobs(t, func(t *testing.T, h *harness, e *jobEnv) {
		app := h.createApp("csv")
		csv := strings.Join([]string{
			"Id,ChannelType,Address,Attributes.interests,Attributes.interests,User.UserId,User.UserAttributes.name,Metrics.score,Location.Latitude,Location.Country,Demographic.Platform,OptOut",
			`c1,EMAIL,a@example.com,"cats, dogs",fish,u1,"Ann ""A"" Smith",1.5,47.61,US,ios,NONE`,
			"c2,SMS,+15555550100,,,,,,,,,ALL",
			"c3,FAX,x@example.com,,,,,,,,,",
			"c4,EMAIL,b@example.com,,,,,notanumber,,,,",
			",EMAIL,noid@example.com,solo,,,,,,,,",
			"c6,,,,,,,,,,,",
			"c7,EMAIL,c@example.com,too,many,fields,,,,,,,,,",
		}, "\n") + "\n"
		e.s3.put(t, "in/contacts.csv", []byte(csv))
		id := h.importJob(app, types.ImportJobRequest{S3Url: aws.String("s3://" + s3Bucket + "/in/contacts.csv"), Format: types.FormatCsv, RegisterEndpoints: aws.Bool(true)})
		j := waitImport(t, h.client, app, id)
		if j.JobStatus != types.JobStatusCompleted || aws.ToInt32(j.TotalProcessed) != 7 || aws.ToInt32(j.TotalFailures) != 4 ||
			aws.ToInt32(j.TotalPieces) != 1 || aws.ToInt32(j.CompletedPieces) != 1 {
			t.Fatalf("import job: got %s, want COMPLETED, 7 processed, 4 failures", jsonOf(j))
		}
		wantFailures := []string{"line 4: ChannelType \"FAX\"", "line 5: Metrics.score: \"notanumber\" is not a number", "line 7: a new endpoint needs Address and ChannelType", "line 8: malformed CSV"}
		if len(j.Failures) != len(wantFailures) {
			t.Fatalf("Failures: got %q, want %d entries", j.Failures, len(wantFailures))
		}
		for i, w := range wantFailures {
			if !strings.Contains(j.Failures[i], w) || !strings.HasPrefix(j.Failures[i], "s3://"+s3Bucket+"/in/contacts.csv: ") {
				t.Errorf("Failures[%d]: got %q, want the file and %q", i, j.Failures[i], w)
			}
		}
		c1 := h.get(app, "c1")
		if got, want := c1.Attributes["interests"], []string{"cats, dogs", "fish"}; !slices.Equal(got, want) {
			t.Errorf("c1 Attributes.interests: got %q, want %q", got, want)
		}
		if got := c1.User; got == nil || aws.ToString(got.UserId) != "u1" || !slices.Equal(got.UserAttributes["name"], []string{`Ann "A" Smith`}) {
			t.Errorf("c1 User: got %s, want UserId u1 with name Ann \"A\" Smith", jsonOf(got))
		}
		if c1.Metrics["score"] != 1.5 || aws.ToFloat64(c1.Location.Latitude) != 47.6 || aws.ToString(c1.Location.Country) != "US" ||
			aws.ToString(c1.Demographic.Platform) != "ios" || aws.ToString(c1.EndpointStatus) != "ACTIVE" || aws.ToString(c1.RequestId) != id {
			t.Errorf("c1: got %s, want score 1.5, latitude 47.6, US, ios, ACTIVE, RequestId the job's ID", jsonOf(c1))
		}
		if c2 := h.get(app, "c2"); aws.ToString(c2.OptOut) != "ALL" || c2.ChannelType != types.ChannelTypeSms {
			t.Errorf("c2: got %s, want an SMS endpoint opted out", jsonOf(c2))
		}
		for _, bad := range []string{"c3", "c4", "c6", "c7"} {
			h.wantNoEndpoint(app, bad)
		}
		// The row without Id made an endpoint of its own: an export finds three endpoints.
		x := waitExport(t, h.client, app, h.exportJob(app, "s3://"+s3Bucket+"/check"))
		if aws.ToInt32(x.TotalProcessed) != 3 {
			t.Errorf("endpoints after the import: got %d, want 3 (c1, c2 and the row without Id)", aws.ToInt32(x.TotalProcessed))
		}
	})
}

// TestImportJSONFolder imports every JSON file under a directory, subdirectories included, skipping
// files of other formats; malformed and invalid lines are failures that do not stop the job.
func TestImportJSONFolder(t *testing.T) {
	runJobs(t, func(t *testing.T, h *harness, e *jobEnv) {
		app := h.createApp("json")
		writeFile(t, e.dir, "in/a.json", `{"Id":"j1","ChannelType":"SMS","Address":"+16045550182","Location":{"Country":"CA"},"Demographic":{"Platform":"Android","Make":"LG"},"User":{"UserId":"example-user-id-1"}}`+"\n"+
			"\n"+
			`{"Id":"j2","ChannelType":"EMAIL","Address":"j2@example.com","OptOut":"SOMETIMES"}`+"\n"+
			`{not json`+"\n")
		writeFile(t, e.dir, "in/sub/b.jsonl", `{"Id":"j3","ChannelType":"EMAIL","Address":"j3@example.com","Attributes":{"k":["v1","v2"]}}`) // no final newline
		writeFile(t, e.dir, "in/ignored.csv", "Id,ChannelType,Address\nx,EMAIL,x@example.com\n")
		id := h.importJob(app, types.ImportJobRequest{S3Url: aws.String("file://" + e.dir + "/in"), Format: types.FormatJson, RegisterEndpoints: aws.Bool(true)})
		j := waitImport(t, h.client, app, id)
		if j.JobStatus != types.JobStatusCompleted || aws.ToInt32(j.TotalPieces) != 2 || aws.ToInt32(j.TotalProcessed) != 4 || aws.ToInt32(j.TotalFailures) != 2 {
			t.Fatalf("import job: got %s, want COMPLETED, 2 pieces, 4 processed, 2 failures", jsonOf(j))
		}
		if len(j.Failures) != 2 || !strings.Contains(j.Failures[0], "a.json: line 3: OptOut") || !strings.Contains(j.Failures[1], "a.json: line 4: not an endpoint JSON object") {
			t.Errorf("Failures: got %q, want line 3 (OptOut) and line 4 (malformed) of a.json", j.Failures)
		}
		if got := h.get(app, "j1"); aws.ToString(got.User.UserId) != "example-user-id-1" || aws.ToString(got.Demographic.Make) != "LG" {
			t.Errorf("j1: got %s", jsonOf(got))
		}
		if got := h.get(app, "j3"); !slices.Equal(got.Attributes["k"], []string{"v1", "v2"}) {
			t.Errorf("j3 Attributes.k: got %q, want [v1 v2]", got.Attributes["k"])
		}
		h.wantNoEndpoint(app, "j2")
		h.wantNoEndpoint(app, "x")
	})
}

// TestImportUnreadableSource: a source that is missing, or holds no file of the format, fails the
// job with a reason naming it.
func TestImportUnreadableSource(t *testing.T) {
	runJobs(t, func(t *testing.T, h *harness, e *jobEnv) {
		app := h.createApp("missing")
		if err := os.Mkdir(filepath.Join(e.dir, "empty"), 0o755); err != nil {
			t.Fatal(err)
		}
		e.s3.put(t, "only-csv/a.csv", []byte("Id\n"))
		for _, c := range []struct{ url, format, want string }{
			{"s3://" + s3Bucket + "/nothing/here.csv", "CSV", "no CSV files at s3://" + s3Bucket + "/nothing/here.csv"},
			{"s3://no-such-bucket/x.csv", "CSV", "cannot read s3://no-such-bucket/x.csv"},
			{"s3://" + s3Bucket + "/only-csv/", "JSON", "no JSON files at s3://" + s3Bucket + "/only-csv/ (1 other files)"},
			{"file://" + e.dir + "/absent", "JSON", "cannot read file://" + e.dir + "/absent"},
			{"file://" + e.dir + "/empty", "CSV", "no CSV files at file://" + e.dir + "/empty"},
		} {
			id := h.importJob(app, types.ImportJobRequest{S3Url: aws.String(c.url), Format: types.Format(c.format), RegisterEndpoints: aws.Bool(true)})
			j := waitImport(t, h.client, app, id)
			if j.JobStatus != types.JobStatusFailed || len(j.Failures) != 1 || !strings.Contains(j.Failures[0], c.want) || aws.ToString(j.CompletionDate) == "" {
				t.Errorf("import of %s: got %s, want FAILED with %q", c.url, jsonOf(j), c.want)
			}
		}
		// A CSV file whose header names no endpoint field is a failed piece.
		e.s3.put(t, "bad-header.csv", []byte("Id,Colour\nx,red\n"))
		j := waitImport(t, h.client, app, h.importJob(app, types.ImportJobRequest{S3Url: aws.String("s3://" + s3Bucket + "/bad-header.csv"), Format: types.FormatCsv, RegisterEndpoints: aws.Bool(true)}))
		if j.JobStatus != types.JobStatusFailed || aws.ToInt32(j.FailedPieces) != 1 || len(j.Failures) != 1 || !strings.Contains(j.Failures[0], `header column 2 "Colour"`) {
			t.Errorf("import with a bad header: got %s, want FAILED naming the column", jsonOf(j))
		}
	})
}

// TestJobRequests checks the wire of the job operations: status codes, the Definition echoed
// with its defaults, validation naming the field, paging, and NotFound.
func TestJobRequests(t *testing.T) {
	runJobs(t, func(t *testing.T, h *harness, e *jobEnv) {
		app := h.createApp("wire")
		base := "/v1/apps/" + app
		resp, body := h.raw("POST", base+"/jobs/export", []byte(`{"RoleArn":"arn:aws:iam::1:role/r","S3UrlPrefix":"s3://`+s3Bucket+`/p"}`))
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("CreateExportJob status: got %d, want 202 (%s)", resp.StatusCode, body)
		}
		var created map[string]any
		json.Unmarshal(body, &created)
		if created["JobStatus"] != "CREATED" || created["Type"] != "EXPORT" || len(created["Id"].(string)) != 32 {
			t.Errorf("CreateExportJob body: got %s, want a CREATED EXPORT job with a 32-character Id", body)
		}
		resp, body = h.raw("POST", base+"/jobs/import", []byte(`{"RoleArn":"r","S3Url":"s3://`+s3Bucket+`/k.csv","Format":"CSV","RegisterEndpoints":true}`))
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("CreateImportJob status: got %d, want 201 (%s)", resp.StatusCode, body)
		}
		var imp struct{ Definition map[string]any }
		json.Unmarshal(body, &imp)
		if imp.Definition["DefineSegment"] != false || imp.Definition["ExternalId"] != testAccount || imp.Definition["RegisterEndpoints"] != true {
			t.Errorf("CreateImportJob Definition: got %v, want DefineSegment false, ExternalId %s, RegisterEndpoints true", imp.Definition, testAccount)
		}

		outside := t.TempDir()
		if err := os.Symlink(outside, filepath.Join(e.dir, "escape")); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ path, body, want string }{
			{"/jobs/export", `{"S3UrlPrefix":"s3://b/p"}`, "RoleArn is required"},
			{"/jobs/export", `{"RoleArn":"r"}`, "S3UrlPrefix is required"},
			{"/jobs/export", `{"RoleArn":"r","S3UrlPrefix":"http://b/p"}`, `S3UrlPrefix "http://b/p"`},
			{"/jobs/export", `{"RoleArn":"r","S3UrlPrefix":"s3:///p"}`, "names no bucket"},
			{"/jobs/export", `{"RoleArn":"r","S3UrlPrefix":"file:///etc"}`, "outside the directories"},
			{"/jobs/export", `{"RoleArn":"r","S3UrlPrefix":"file://` + e.dir + `/../x"}`, "without '..'"},
			{"/jobs/export", `{"RoleArn":"r","S3UrlPrefix":"file://` + e.dir + `/escape/x"}`, "outside the directories"},
			{"/jobs/export", `{"RoleArn":"r","S3UrlPrefix":"file://relative/x"}`, "file:///absolute/path"},
			{"/jobs/export", `{"RoleArn":"r","S3UrlPrefix":"s3://b/p","SegmentVersion":2}`, "SegmentVersion requires SegmentId"},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","Format":"XML","RegisterEndpoints":true}`, `Format "XML" must be CSV or JSON`},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","RegisterEndpoints":true}`, "Format is required"},
			{"/jobs/import", `{"RoleArn":"r","Format":"CSV","RegisterEndpoints":true}`, "S3Url is required"},
			{"/jobs/import", `{"S3Url":"s3://b/k","Format":"CSV","RegisterEndpoints":true}`, "RoleArn is required"},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","Format":"CSV"}`, "RegisterEndpoints or DefineSegment"},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","Format":"CSV","DefineSegment":true,"SegmentName":" "}`, "SegmentName must not be blank"},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","Format":"CSV","RegisterEndpoints":true,"SegmentName":"s"}`, "SegmentName requires DefineSegment"},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","Format":"CSV","DefineSegment":false,"SegmentName":"s"}`, "SegmentName requires DefineSegment"},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","Format":"CSV","RegisterEndpoints":false,"DefineSegment":false}`, "RegisterEndpoints or DefineSegment"},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"ftp://b/k","Format":"CSV","RegisterEndpoints":true}`, `scheme "ftp" is not supported`},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","Format":"CSV","RegisterEndpoints":1}`, "RegisterEndpoints"},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","Format":"CSV","SegmentId":""}`, "SegmentId must not be empty"},
			{"/jobs/import", `{"RoleArn":"r","S3Url":"s3://b/k","Format":"CSV","DefineSegment":true,"SegmentName":"s","SegmentId":"x"}`, "cannot be combined with SegmentId"},
		} {
			resp, eb := h.rawJSON("POST", base+c.path, c.body)
			wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
			if eb.Message == nil || !strings.Contains(*eb.Message, c.want) {
				t.Errorf("POST %s %s: got message %q, want %q", c.path, c.body, aws.ToString(eb.Message), c.want)
			}
		}

		// Paging, newest first.
		var made []string
		for range 3 {
			made = append(made, h.exportJob(app, "s3://"+s3Bucket+"/paged"))
		}
		var listed []string
		var token *string
		for range 10 {
			out, err := h.client.GetExportJobs(ctx, &pinpoint.GetExportJobsInput{ApplicationId: aws.String(app), PageSize: aws.String("2"), Token: token})
			if err != nil {
				t.Fatalf("GetExportJobs: %v", err)
			}
			if n := len(out.ExportJobsResponse.Item); n > 2 {
				t.Fatalf("GetExportJobs page of 2: got %d items", n)
			}
			for _, j := range out.ExportJobsResponse.Item {
				listed = append(listed, aws.ToString(j.Id))
			}
			token = out.ExportJobsResponse.NextToken
			if token == nil {
				break
			}
		}
		if len(listed) != 4 || !slices.Contains(listed, made[0]) || !slices.Contains(listed, made[2]) {
			t.Errorf("GetExportJobs paged by 2: got %v, want the 4 export jobs", listed)
		}
		imps, err := h.client.GetImportJobs(ctx, &pinpoint.GetImportJobsInput{ApplicationId: aws.String(app)})
		if err != nil || len(imps.ImportJobsResponse.Item) != 1 || imps.ImportJobsResponse.NextToken != nil {
			t.Errorf("GetImportJobs: got %s, %v; want the one import job and no NextToken", jsonOf(imps), err)
		}

		_, err = h.client.GetExportJob(ctx, &pinpoint.GetExportJobInput{ApplicationId: aws.String(app), JobId: aws.String("0123456789abcdef0123456789abcdef")})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.GetImportJob(ctx, &pinpoint.GetImportJobInput{ApplicationId: aws.String(app), JobId: aws.String(made[0])})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.GetExportJobs(ctx, &pinpoint.GetExportJobsInput{ApplicationId: aws.String("0123456789abcdef0123456789abcdef")})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.GetExportJobs(ctx, &pinpoint.GetExportJobsInput{ApplicationId: aws.String(app), Token: aws.String("garbage")})
		wantBadRequest(t, err, "token")
		_, err = h.client.GetSegmentExportJobs(ctx, &pinpoint.GetSegmentExportJobsInput{ApplicationId: aws.String(app), SegmentId: aws.String("0123456789abcdef0123456789abcdef")})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.GetSegmentImportJobs(ctx, &pinpoint.GetSegmentImportJobsInput{ApplicationId: aws.String(app), SegmentId: aws.String("0123456789abcdef0123456789abcdef")})
		wantAPIError[*types.NotFoundException](t, err)
	})
}

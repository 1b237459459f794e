package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"pinpointd/internal/sigv4"
)

var segmentIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// createSegment creates a segment and fails the test on error.
func (h *harness) createSegment(app string, req *types.WriteSegmentRequest) *types.SegmentResponse {
	h.t.Helper()
	out, err := h.client.CreateSegment(ctx, &pinpoint.CreateSegmentInput{ApplicationId: aws.String(app), WriteSegmentRequest: req})
	if err != nil {
		h.t.Fatalf("CreateSegment(%s): %v", jsonOf(req), err)
	}
	if got := statusOf(h.t, out.ResultMetadata); got != http.StatusCreated {
		h.t.Errorf("CreateSegment status: got %d, want 201", got)
	}
	return out.SegmentResponse
}

func (h *harness) tryCreateSegment(app string, req *types.WriteSegmentRequest) error {
	_, err := h.client.CreateSegment(ctx, &pinpoint.CreateSegmentInput{ApplicationId: aws.String(app), WriteSegmentRequest: req})
	return err
}

func (h *harness) getSegment(app, id string) *types.SegmentResponse {
	h.t.Helper()
	out, err := h.client.GetSegment(ctx, &pinpoint.GetSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(id)})
	if err != nil {
		h.t.Fatalf("GetSegment(%s): %v", id, err)
	}
	return out.SegmentResponse
}

// segmentSize calls the GetSegmentSize extension and returns its answer.
func (h *harness) segmentSize(app, id, query string) segmentSize {
	h.t.Helper()
	resp, body := h.raw("GET", "/v1/apps/"+app+"/segments/"+id+"/size"+query, nil)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GetSegmentSize(%s%s): status %d: %s", id, query, resp.StatusCode, body)
	}
	var out segmentSize
	if err := json.Unmarshal(body, &out); err != nil {
		h.t.Fatalf("GetSegmentSize: %v in %s", err, body)
	}
	return out
}

type segmentSize struct {
	ApplicationID string `json:"ApplicationId"`
	SegmentID     string `json:"SegmentId"`
	Version       int
	Endpoints     int
	Users         int
}

// segmentMembers pages through the GetSegmentEndpoints extension and returns the endpoint IDs.
func (h *harness) segmentMembers(app, id, query string, pageSize int) []string {
	h.t.Helper()
	var ids []string
	token := ""
	for range 10000 {
		q := fmt.Sprintf("?page-size=%d", pageSize)
		if token != "" {
			q += "&token=" + token
		}
		if query != "" {
			q += "&" + query
		}
		resp, body := h.raw("GET", "/v1/apps/"+app+"/segments/"+id+"/endpoints"+q, nil)
		if resp.StatusCode != http.StatusOK {
			h.t.Fatalf("GetSegmentEndpoints(%s%s): status %d: %s", id, q, resp.StatusCode, body)
		}
		var out struct {
			Item      []types.EndpointResponse
			NextToken *string
		}
		if err := json.Unmarshal(body, &out); err != nil {
			h.t.Fatalf("GetSegmentEndpoints: %v in %s", err, body)
		}
		if len(out.Item) > pageSize {
			h.t.Fatalf("GetSegmentEndpoints: got %d items, page-size %d", len(out.Item), pageSize)
		}
		for _, e := range out.Item {
			ids = append(ids, aws.ToString(e.Id))
		}
		if out.NextToken == nil {
			return ids
		}
		if len(out.Item) != pageSize {
			h.t.Fatalf("GetSegmentEndpoints: a page of %d with a NextToken, want full pages before the last", len(out.Item))
		}
		token = *out.NextToken
	}
	h.t.Fatal("GetSegmentEndpoints: too many pages")
	return nil
}

func attrDims(name string, typ types.AttributeType, values ...string) *types.SegmentDimensions {
	return &types.SegmentDimensions{Attributes: map[string]types.AttributeDimension{name: {AttributeType: typ, Values: values}}}
}

func TestSegmentCRUD(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("segments")
		dims := attrDims("plan", types.AttributeTypeInclusive, "gold", "silver")
		created := h.createSegment(app, &types.WriteSegmentRequest{Name: aws.String("gold"), Dimensions: dims})
		id := aws.ToString(created.Id)
		if !segmentIDRE.MatchString(id) {
			t.Errorf("Id: got %q, want 32 lower-case hex characters", id)
		}
		if got, want := aws.ToString(created.Arn), h.appArn(app)+"/segments/"+id; got != want {
			t.Errorf("Arn: got %q, want %q", got, want)
		}
		if aws.ToInt32(created.Version) != 1 || created.SegmentType != types.SegmentTypeDimensional || aws.ToString(created.ApplicationId) != app ||
			aws.ToString(created.Name) != "gold" || !dateRE.MatchString(aws.ToString(created.CreationDate)) {
			t.Errorf("CreateSegment: got %s, want version 1 of a DIMENSIONAL segment named gold with a creation date", jsonOf(created))
		}
		if !reflect.DeepEqual(created.Dimensions, dims) {
			t.Errorf("CreateSegment Dimensions: got %s, want %s", jsonOf(created.Dimensions), jsonOf(dims))
		}
		if got := h.getSegment(app, id); !reflect.DeepEqual(got, created) {
			t.Errorf("GetSegment:\ngot  %s\nwant %s", jsonOf(got), jsonOf(created))
		}

		// Update: a new version with its own definition; CreationDate kept; Name kept when omitted.
		dims2 := &types.SegmentDimensions{Demographic: &types.SegmentDemographics{Platform: &types.SetDimension{Values: []string{"ios"}}}}
		up, err := h.client.UpdateSegment(ctx, &pinpoint.UpdateSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(id),
			WriteSegmentRequest: &types.WriteSegmentRequest{Dimensions: dims2}})
		if err != nil {
			t.Fatalf("UpdateSegment: %v", err)
		}
		if got := statusOf(t, up.ResultMetadata); got != http.StatusOK {
			t.Errorf("UpdateSegment status: got %d, want 200", got)
		}
		v2 := up.SegmentResponse
		if aws.ToInt32(v2.Version) != 2 || aws.ToString(v2.Name) != "gold" || aws.ToString(v2.CreationDate) != aws.ToString(created.CreationDate) ||
			!reflect.DeepEqual(v2.Dimensions, dims2) || !dateRE.MatchString(aws.ToString(v2.LastModifiedDate)) {
			t.Errorf("UpdateSegment: got %s, want version 2 named gold, the creation date kept, the new definition", jsonOf(v2))
		}
		// A name-only update is a version too, and keeps the definition.
		up, err = h.client.UpdateSegment(ctx, &pinpoint.UpdateSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(id),
			WriteSegmentRequest: &types.WriteSegmentRequest{Name: aws.String("renamed")}})
		if err != nil {
			t.Fatalf("UpdateSegment(name only): %v", err)
		}
		v3 := up.SegmentResponse
		if aws.ToInt32(v3.Version) != 3 || aws.ToString(v3.Name) != "renamed" || !reflect.DeepEqual(v3.Dimensions, dims2) {
			t.Errorf("UpdateSegment(name only): got %s, want version 3 renamed with version 2's definition", jsonOf(v3))
		}

		v1, err := h.client.GetSegmentVersion(ctx, &pinpoint.GetSegmentVersionInput{ApplicationId: aws.String(app), SegmentId: aws.String(id), Version: aws.String("1")})
		if err != nil {
			t.Fatalf("GetSegmentVersion(1): %v", err)
		}
		if !reflect.DeepEqual(v1.SegmentResponse, created) {
			t.Errorf("GetSegmentVersion(1):\ngot  %s\nwant %s", jsonOf(v1.SegmentResponse), jsonOf(created))
		}
		var versions []int32
		token := (*string)(nil)
		for {
			out, err := h.client.GetSegmentVersions(ctx, &pinpoint.GetSegmentVersionsInput{ApplicationId: aws.String(app), SegmentId: aws.String(id), PageSize: aws.String("2"), Token: token})
			if err != nil {
				t.Fatalf("GetSegmentVersions: %v", err)
			}
			for _, s := range out.SegmentsResponse.Item {
				versions = append(versions, aws.ToInt32(s.Version))
			}
			if token = out.SegmentsResponse.NextToken; token == nil {
				break
			}
		}
		if want := []int32{1, 2, 3}; !reflect.DeepEqual(versions, want) {
			t.Errorf("GetSegmentVersions pages: got %v, want %v", versions, want)
		}

		// GetSegments: latest versions, paged, in ID order.
		var ids []string
		for range 4 {
			ids = append(ids, aws.ToString(h.createSegment(app, &types.WriteSegmentRequest{Name: aws.String("more")}).Id))
		}
		ids = append(ids, id)
		slices.Sort(ids)
		var listed []string
		token = nil
		for {
			out, err := h.client.GetSegments(ctx, &pinpoint.GetSegmentsInput{ApplicationId: aws.String(app), PageSize: aws.String("2"), Token: token})
			if err != nil {
				t.Fatalf("GetSegments: %v", err)
			}
			for _, s := range out.SegmentsResponse.Item {
				listed = append(listed, aws.ToString(s.Id))
				if aws.ToString(s.Id) == id && aws.ToInt32(s.Version) != 3 {
					t.Errorf("GetSegments: segment %s at version %d, want its latest (3)", id, aws.ToInt32(s.Version))
				}
			}
			if token = out.SegmentsResponse.NextToken; token == nil {
				break
			}
		}
		if !reflect.DeepEqual(listed, ids) {
			t.Errorf("GetSegments pages: got %v, want %v", listed, ids)
		}
		def, err := h.client.GetSegments(ctx, &pinpoint.GetSegmentsInput{ApplicationId: aws.String(app)})
		if err != nil || len(def.SegmentsResponse.Item) != 5 || def.SegmentsResponse.NextToken != nil {
			t.Errorf("GetSegments(default page size): got %v, %v; want 5 segments and no NextToken", err, def)
		}

		del, err := h.client.DeleteSegment(ctx, &pinpoint.DeleteSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(id)})
		if err != nil {
			t.Fatalf("DeleteSegment: %v", err)
		}
		if got := statusOf(t, del.ResultMetadata); got != http.StatusOK {
			t.Errorf("DeleteSegment status: got %d, want 200", got)
		}
		if !reflect.DeepEqual(del.SegmentResponse, v3) {
			t.Errorf("DeleteSegment:\ngot  %s\nwant %s (the latest version)", jsonOf(del.SegmentResponse), jsonOf(v3))
		}
		_, err = h.client.GetSegment(ctx, &pinpoint.GetSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(id)})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.GetSegmentVersion(ctx, &pinpoint.GetSegmentVersionInput{ApplicationId: aws.String(app), SegmentId: aws.String(id), Version: aws.String("1")})
		wantAPIError[*types.NotFoundException](t, err)

		// DeleteApp deletes the app's segments.
		if _, err := h.client.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: aws.String(app)}); err != nil {
			t.Fatalf("DeleteApp: %v", err)
		}
		_, err = h.client.GetSegment(ctx, &pinpoint.GetSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(ids[0])})
		wantAPIError[*types.NotFoundException](t, err)
	})
}

// TestSegmentEchoesDefinition: Dimensions and SegmentGroups come back as sent (key order, empty
// objects, number spelling), in every version.
func TestSegmentEchoesDefinition(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("echo")
		dims := `{"Demographic":{},"Attributes":{"plan":{"Values":["gold"],"AttributeType":"INCLUSIVE"}},"Location":{},"Metrics":{"visits":{"Value":2.50,"ComparisonOperator":"GREATER_THAN"}}}`
		resp, body := h.raw("POST", "/v1/apps/"+app+"/segments", []byte(`{"Name":"echo", "Dimensions": `+dims+`}`))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("CreateSegment: status %d: %s", resp.StatusCode, body)
		}
		var out struct {
			Id         string
			Dimensions json.RawMessage
		}
		json.Unmarshal(body, &out)
		if string(out.Dimensions) != dims {
			t.Errorf("CreateSegment Dimensions:\ngot  %s\nwant %s", out.Dimensions, dims)
		}
		groups := `{"Include":"ANY","Groups":[{"Type":"ALL","SourceType":"ANY","SourceSegments":[{"Id":"` + out.Id + `","Version":1}],"Dimensions":[{"Demographic":{}}]}]}`
		resp, body = h.raw("PUT", "/v1/apps/"+app+"/segments/"+out.Id, []byte(`{"SegmentGroups":`+groups+`}`))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("UpdateSegment: status %d: %s", resp.StatusCode, body)
		}
		for _, c := range []struct{ path, member, want string }{
			{"/versions/1", "Dimensions", dims},
			{"/versions/2", "SegmentGroups", groups},
			{"", "SegmentGroups", groups},
		} {
			resp, body := h.raw("GET", "/v1/apps/"+app+"/segments/"+out.Id+c.path, nil)
			var got map[string]json.RawMessage
			json.Unmarshal(body, &got)
			if resp.StatusCode != http.StatusOK || string(got[c.member]) != c.want {
				t.Errorf("GET segment%s: status %d, %s:\ngot  %s\nwant %s", c.path, resp.StatusCode, c.member, got[c.member], c.want)
			}
			other := map[string]string{"Dimensions": "SegmentGroups", "SegmentGroups": "Dimensions"}[c.member]
			if _, ok := got[other]; ok {
				t.Errorf("GET segment%s: has %s, want only %s", c.path, other, c.member)
			}
		}
	})
}

func TestSegmentTags(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("tags")
		seg := h.createSegment(app, &types.WriteSegmentRequest{Name: aws.String("t"), Tags: map[string]string{"team": "growth"}})
		arn := aws.ToString(seg.Arn)
		if !reflect.DeepEqual(seg.Tags, map[string]string{"team": "growth"}) {
			t.Errorf("CreateSegment tags: got %v, want team=growth", seg.Tags)
		}
		if got := h.listTags(arn); !reflect.DeepEqual(got, map[string]string{"team": "growth"}) {
			t.Errorf("ListTagsForResource(segment): got %v", got)
		}
		if err := h.tag(arn, map[string]string{"env": "prod"}); err != nil {
			t.Fatalf("TagResource(segment): %v", err)
		}
		// Tags on update are ignored (Pinpoint: deprecated for updates), and kept across versions.
		up, err := h.client.UpdateSegment(ctx, &pinpoint.UpdateSegmentInput{ApplicationId: aws.String(app), SegmentId: seg.Id,
			WriteSegmentRequest: &types.WriteSegmentRequest{Name: aws.String("t2"), Tags: map[string]string{"ignored": "yes"}}})
		if err != nil {
			t.Fatalf("UpdateSegment: %v", err)
		}
		want := map[string]string{"team": "growth", "env": "prod"}
		if !reflect.DeepEqual(up.SegmentResponse.Tags, want) || aws.ToInt32(up.SegmentResponse.Version) != 2 {
			t.Errorf("UpdateSegment: got version %d tags %v, want version 2 tags %v", aws.ToInt32(up.SegmentResponse.Version), up.SegmentResponse.Tags, want)
		}
		if _, err := h.client.UntagResource(ctx, &pinpoint.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
			t.Fatalf("UntagResource(segment): %v", err)
		}
		if got := h.listTags(arn); !reflect.DeepEqual(got, map[string]string{"env": "prod"}) {
			t.Errorf("tags after UntagResource: got %v, want env=prod", got)
		}
		// Tagging writes no version; the app's tags are apart.
		if got := h.getSegment(app, aws.ToString(seg.Id)); aws.ToInt32(got.Version) != 2 {
			t.Errorf("version after tagging: got %d, want 2", aws.ToInt32(got.Version))
		}
		if got := h.listTags(h.appArn(app)); len(got) != 0 {
			t.Errorf("app tags: got %v, want none", got)
		}
		// The tag operations model no errors: the SDK reports them by code.
		err = h.tag(h.appArn(app)+"/segments/"+strings.Repeat("0", 32), map[string]string{"a": "b"})
		wantCode(t, err, "NotFoundException")
		err = h.tag(arn, map[string]string{"aws:x": "y"})
		wantMessage(t, wantCode(t, err, "BadRequestException"), "aws:")
		err = h.tryCreateSegment(app, &types.WriteSegmentRequest{Tags: map[string]string{"aws:x": "y"}})
		wantBadRequest(t, err, "aws:")
	})
}

func TestSegmentNotFound(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("nf")
		seg := aws.ToString(h.createSegment(app, &types.WriteSegmentRequest{Name: aws.String("x")}).Id)
		other := h.putKey("AKIAOTHERACCOUNT0001", "other-secret-0000000000000000000000000000", "999999999999", nil)
		_, err := other.GetSegment(ctx, &pinpoint.GetSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(seg)})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = other.CreateSegment(ctx, &pinpoint.CreateSegmentInput{ApplicationId: aws.String(app), WriteSegmentRequest: &types.WriteSegmentRequest{}})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = other.DeleteSegment(ctx, &pinpoint.DeleteSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(seg)})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = other.ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: aws.String(h.appArn(app) + "/segments/" + seg)})
		wantCode(t, err, "NotFoundException")
		missing := strings.Repeat("f", 32)
		_, err = h.client.GetSegment(ctx, &pinpoint.GetSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(missing)})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.UpdateSegment(ctx, &pinpoint.UpdateSegmentInput{ApplicationId: aws.String(app), SegmentId: aws.String(missing), WriteSegmentRequest: &types.WriteSegmentRequest{}})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.GetSegmentVersions(ctx, &pinpoint.GetSegmentVersionsInput{ApplicationId: aws.String(app), SegmentId: aws.String(missing)})
		wantAPIError[*types.NotFoundException](t, err)
		for _, v := range []string{"2", "0", "-1", "abc", "1.0"} {
			_, err = h.client.GetSegmentVersion(ctx, &pinpoint.GetSegmentVersionInput{ApplicationId: aws.String(app), SegmentId: aws.String(seg), Version: aws.String(v)})
			wantAPIError[*types.NotFoundException](t, err)
		}
		for _, path := range []string{"/size", "/endpoints", "/size?version=2"} {
			resp, eb := h.rawJSON("GET", "/v1/apps/"+app+"/segments/"+missing+path, "")
			if path == "/size?version=2" {
				resp, eb = h.rawJSON("GET", "/v1/apps/"+app+"/segments/"+seg+path, "")
			}
			wantWireError(t, resp, eb, http.StatusNotFound, "NotFoundException")
		}
		resp, eb := h.rawJSON("GET", "/v1/apps/"+app+"/segments/"+seg+"/size?version=x", "")
		wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
		for _, q := range []string{"page-size=0", "page-size=101", "page-size=x"} {
			_, err = h.client.GetSegments(ctx, &pinpoint.GetSegmentsInput{ApplicationId: aws.String(app), PageSize: aws.String(strings.TrimPrefix(q, "page-size="))})
			wantBadRequest(t, err, "page-size")
			resp, eb := h.rawJSON("GET", "/v1/apps/"+app+"/segments/"+seg+"/endpoints?"+q, "")
			wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
		}
		resp, eb = h.rawJSON("GET", "/v1/apps/"+app+"/segments/"+seg+"/endpoints?token=!!", "")
		wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
		_, err = h.client.GetSegmentVersions(ctx, &pinpoint.GetSegmentVersionsInput{ApplicationId: aws.String(app), SegmentId: aws.String(seg), Token: aws.String("x")})
		wantBadRequest(t, err, "token")
	})
}

// TestSegmentValidation: every class of bad definition is refused with a 400 naming the member,
// and nothing is written.
func TestSegmentValidation(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("validation")
		seg := aws.ToString(h.createSegment(app, &types.WriteSegmentRequest{Name: aws.String("base")}).Id)
		missing := strings.Repeat("a", 32)
		for _, c := range []struct {
			name, body string
			want       []string // each must appear in the message ("a|b": either)
		}{
			{"both", `{"Dimensions":{},"SegmentGroups":{"Groups":[]}}`, []string{"Dimensions", "SegmentGroups"}},
			{"unknown AttributeType", `{"Dimensions":{"Attributes":{"plan":{"AttributeType":"NOT_BETWEEN","Values":["a","b"]}}}}`, []string{"plan", "AttributeType|NOT_BETWEEN"}},
			{"missing Values", `{"Dimensions":{"Attributes":{"plan":{"AttributeType":"INCLUSIVE"}}}}`, []string{"plan", "Values"}},
			{"BETWEEN with three values", `{"Dimensions":{"Attributes":{"signup":{"AttributeType":"BETWEEN","Values":["2020-01-01T00:00:00Z","2021-01-01T00:00:00Z","2022-01-01T00:00:00Z"]}}}}`, []string{"signup", "BETWEEN|Values"}},
			{"malformed date", `{"Dimensions":{"Attributes":{"signup":{"AttributeType":"AFTER","Values":["yesterday"]}}}}`, []string{"signup", "yesterday|date|Values"}},
			{"malformed number", `{"Dimensions":{"Metrics":{"visits":{"ComparisonOperator":"GREATER_THAN","Value":"many"}}}}`, []string{"Value|visits"}},
			{"unknown ComparisonOperator", `{"Dimensions":{"Metrics":{"visits":{"ComparisonOperator":"ABOUT","Value":1}}}}`, []string{"visits", "ComparisonOperator|ABOUT"}},
			{"missing RecencyType", `{"Dimensions":{"Behavior":{"Recency":{"Duration":"DAY_7"}}}}`, []string{"RecencyType"}},
			{"unknown Duration", `{"Dimensions":{"Behavior":{"Recency":{"Duration":"DAY_2","RecencyType":"ACTIVE"}}}}`, []string{"Duration|DAY_2"}},
			{"unknown DimensionType", `{"Dimensions":{"Demographic":{"Platform":{"DimensionType":"MAYBE","Values":["ios"]}}}}`, []string{"Platform", "DimensionType|MAYBE"}},
			{"missing Coordinates", `{"Dimensions":{"Location":{"GPSPoint":{"RangeInKilometers":5}}}}`, []string{"Coordinates"}},
			{"unknown Include", `{"SegmentGroups":{"Include":"SOME","Groups":[{"Dimensions":[{}]}]}}`, []string{"Include|SOME"}},
			{"missing source", `{"SegmentGroups":{"Include":"ANY","Groups":[{"SourceSegments":[{"Id":"` + seg + `"},{"Id":"` + missing + `"}]}]}}`,
				[]string{missing, "SegmentGroups.Groups[0].SourceSegments[1].Id"}},
			{"missing source version", `{"SegmentGroups":{"Include":"ANY","Groups":[{"Dimensions":[{}]},{"SourceSegments":[{"Id":"` + seg + `","Version":9}]}]}}`,
				[]string{seg, "9", "SegmentGroups.Groups[1].SourceSegments[0]"}},
			{"wrong type", `{"Dimensions":[]}`, []string{"Dimensions"}},
			{"malformed JSON", `{"Dimensions":`, []string{"JSON"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp, eb := h.rawJSON("POST", "/v1/apps/"+app+"/segments", c.body)
				wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
				if eb.Message != nil {
					wantMessage(t, *eb.Message, c.want...)
				}
				resp, eb = h.rawJSON("PUT", "/v1/apps/"+app+"/segments/"+seg, c.body)
				wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
			})
		}
		// A segment cannot name itself (a cycle).
		resp, eb := h.rawJSON("PUT", "/v1/apps/"+app+"/segments/"+seg, `{"SegmentGroups":{"Include":"ANY","Groups":[{"SourceSegments":[{"Id":"`+seg+`"}]}]}}`)
		wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")

		// Nothing was written.
		list, err := h.client.GetSegments(ctx, &pinpoint.GetSegmentsInput{ApplicationId: aws.String(app)})
		if err != nil || len(list.SegmentsResponse.Item) != 1 || aws.ToInt32(list.SegmentsResponse.Item[0].Version) != 1 {
			t.Errorf("GetSegments after refused writes: got %v, %s; want the one segment at version 1", err, jsonOf(list))
		}
	})
}

// TestSegmentExtensionsAuthz: the extension routes go through the allow-list as
// mobiletargeting:GetSegmentSize and mobiletargeting:GetSegmentEndpoints.
func TestSegmentExtensionsAuthz(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("authz")
		seg := aws.ToString(h.createSegment(app, &types.WriteSegmentRequest{Name: aws.String("x")}).Id)
		h.putKey("AKIASIZEONLY00000001", "size-only-secret-000000000000000000000000", testAccount, []string{"mobiletargeting:GetSegmentSize"})
		signer := &sigv4.Signer{AccessKeyID: "AKIASIZEONLY00000001", Secret: "size-only-secret-000000000000000000000000", Region: testRegion, Service: "mobiletargeting"}
		resp, body := h.send(signer, "GET", "/v1/apps/"+app+"/segments/"+seg+"/size", nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GetSegmentSize with an allowed key: status %d: %s", resp.StatusCode, body)
		}
		resp, body = h.send(signer, "GET", "/v1/apps/"+app+"/segments/"+seg+"/endpoints", nil)
		if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("mobiletargeting:GetSegmentEndpoints")) {
			t.Errorf("GetSegmentEndpoints with a key that may only size: status %d: %s; want 403 naming the action", resp.StatusCode, body)
		}
	})
}

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// populateSegmentApp writes the endpoints the evaluation tests select from. The server's clock is
// the real one, so recency is set relative to now: e01 had an event an hour ago, e03 three days
// ago; e02's EffectiveDate is in 2020 and it has no events; the others were written just now.
func populateSegmentApp(t *testing.T, h *harness, app string) {
	t.Helper()
	body := `{"Item":[
	 {"Id":"e01","ChannelType":"EMAIL","Address":"e01@example.com",
	  "Attributes":{"plan":["gold"],"signup":["2021-06-15T10:00:00Z"]},
	  "Demographic":{"Platform":"ios","AppVersion":"1.0","Make":"Apple","Model":"iPhone"},
	  "Location":{"Country":"US","Latitude":47.61,"Longitude":-122.33},
	  "Metrics":{"visits":5},"User":{"UserId":"u1","UserAttributes":{"tier":["vip"]}}},
	 {"Id":"e02","ChannelType":"SMS","Address":"+15550000002","EffectiveDate":"2020-01-01T00:00:00.000Z",
	  "Attributes":{"plan":["silver"],"signup":["2022-01-01T00:00:00Z"]},
	  "Demographic":{"Platform":"android","AppVersion":"2.0","Make":"Google","Model":"Pixel"},
	  "Location":{"Country":"CA","Latitude":43.65,"Longitude":-79.38},
	  "Metrics":{"visits":1},"User":{"UserId":"u1"}},
	 {"Id":"e03","ChannelType":"GCM","Address":"token-e03",
	  "Attributes":{"plan":["trial","gold"],"signup":["2021-06-15T23:59:00Z"]},
	  "Demographic":{"Platform":"android","AppVersion":"2.0","Make":"Samsung","Model":"Galaxy"},
	  "Location":{"Country":"US","Latitude":40.71,"Longitude":-74.01},
	  "Metrics":{"visits":10},"User":{"UserId":"u2","UserAttributes":{"tier":["basic"]}}},
	 {"Id":"e04","ChannelType":"APNS","Address":"token-e04",
	  "Demographic":{"Platform":"ios","AppVersion":"1.0","Make":"Apple","Model":"iPad"},
	  "Location":{"Country":"FR"}},
	 {"Id":"e05","ChannelType":"EMAIL","Address":"e05@example.com",
	  "Attributes":{"plan":["golden"]},"Metrics":{"visits":2},"User":{"UserId":"u3"}}
	]}`
	if resp, b := h.raw("PUT", "/v1/apps/"+app+"/endpoints", []byte(body)); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("UpdateEndpointsBatch: status %d: %s", resp.StatusCode, b)
	}
	now := time.Now().UTC()
	for id, ago := range map[string]time.Duration{"e01": time.Hour, "e03": 72 * time.Hour} {
		ts := now.Add(-ago).Format("2006-01-02T15:04:05.000Z")
		_, err := h.client.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(app), EventsRequest: &types.EventsRequest{BatchItem: map[string]types.EventsBatch{
			id: {Endpoint: &types.PublicEndpoint{}, Events: map[string]types.Event{"ev-" + id: {EventType: aws.String("_session.start"), Timestamp: aws.String(ts)}}},
		}}})
		if err != nil {
			t.Fatalf("PutEvents(%s): %v", id, err)
		}
	}
}

// TestSegmentEvaluation: every dimension kind, combined as DESIGN.md decides, through the size and
// endpoints extensions.
func TestSegmentEvaluation(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("evaluation")
		populateSegmentApp(t, h, app)
		gold := h.createSegment(app, &types.WriteSegmentRequest{Name: aws.String("gold"), Dimensions: attrDims("plan", types.AttributeTypeInclusive, "gold")})
		canada := h.createSegment(app, &types.WriteSegmentRequest{Name: aws.String("canada"), Dimensions: &types.SegmentDimensions{
			Location: &types.SegmentLocation{Country: &types.SetDimension{Values: []string{"CA"}}}}})
		set := func(v ...string) *types.SetDimension { return &types.SetDimension{Values: v} }
		recency := func(d types.Duration, r types.RecencyType) *types.SegmentDimensions {
			return &types.SegmentDimensions{Behavior: &types.SegmentBehaviors{Recency: &types.RecencyDimension{Duration: d, RecencyType: r}}}
		}
		for _, c := range []struct {
			name  string
			req   types.WriteSegmentRequest
			want  []string
			users int
		}{
			{"everything", types.WriteSegmentRequest{}, []string{"e01", "e02", "e03", "e04", "e05"}, 3},
			{"Attributes INCLUSIVE", types.WriteSegmentRequest{Dimensions: attrDims("plan", types.AttributeTypeInclusive, "gold")}, []string{"e01", "e03"}, 2},
			{"Attributes INCLUSIVE any value", types.WriteSegmentRequest{Dimensions: attrDims("plan", types.AttributeTypeInclusive, "silver", "golden")}, []string{"e02", "e05"}, 2},
			{"Attributes EXCLUSIVE (missing matches)", types.WriteSegmentRequest{Dimensions: attrDims("plan", types.AttributeTypeExclusive, "gold")}, []string{"e02", "e04", "e05"}, 2},
			{"Attributes CONTAINS", types.WriteSegmentRequest{Dimensions: attrDims("plan", types.AttributeTypeContains, "old")}, []string{"e01", "e03", "e05"}, 3},
			{"Attributes CONTAINS is case-sensitive", types.WriteSegmentRequest{Dimensions: attrDims("plan", types.AttributeTypeContains, "OLD")}, nil, 0},
			{"Attributes BEFORE", types.WriteSegmentRequest{Dimensions: attrDims("signup", types.AttributeTypeBefore, "2022-01-01T00:00:00Z")}, []string{"e01", "e03"}, 2},
			{"Attributes AFTER", types.WriteSegmentRequest{Dimensions: attrDims("signup", types.AttributeTypeAfter, "2021-06-15T12:00:00Z")}, []string{"e02", "e03"}, 2},
			{"Attributes ON", types.WriteSegmentRequest{Dimensions: attrDims("signup", types.AttributeTypeOn, "2021-06-15T00:00:00Z")}, []string{"e01", "e03"}, 2},
			{"Attributes BETWEEN inclusive", types.WriteSegmentRequest{Dimensions: attrDims("signup", types.AttributeTypeBetween, "2021-06-15T10:00:00Z", "2022-01-01T00:00:00Z")}, []string{"e01", "e02", "e03"}, 2},
			{"UserAttributes", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{UserAttributes: map[string]types.AttributeDimension{"tier": {AttributeType: types.AttributeTypeInclusive, Values: []string{"vip"}}}}}, []string{"e01", "e02"}, 1},
			{"Recency ACTIVE DAY_7", types.WriteSegmentRequest{Dimensions: recency(types.DurationDay7, types.RecencyTypeActive)}, []string{"e01", "e03", "e04", "e05"}, 3},
			{"Recency ACTIVE HR_24", types.WriteSegmentRequest{Dimensions: recency(types.DurationHr24, types.RecencyTypeActive)}, []string{"e01", "e04", "e05"}, 2},
			{"Recency INACTIVE DAY_30", types.WriteSegmentRequest{Dimensions: recency(types.DurationDay30, types.RecencyTypeInactive)}, []string{"e02"}, 1},
			{"Demographic Platform", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Demographic: &types.SegmentDemographics{Platform: set("ios")}}}, []string{"e01", "e04"}, 1},
			{"Demographic Channel", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Demographic: &types.SegmentDemographics{Channel: set("EMAIL")}}}, []string{"e01", "e05"}, 2},
			{"Demographic Make EXCLUSIVE", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Demographic: &types.SegmentDemographics{Make: &types.SetDimension{DimensionType: types.DimensionTypeExclusive, Values: []string{"Apple"}}}}}, []string{"e02", "e03", "e05"}, 3},
			{"Demographic AppVersion and Model", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Demographic: &types.SegmentDemographics{AppVersion: set("1.0"), Model: set("iPad")}}}, []string{"e04"}, 0},
			{"Location Country", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Location: &types.SegmentLocation{Country: set("US")}}}, []string{"e01", "e03"}, 2},
			{"Location GPSPoint", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Location: &types.SegmentLocation{GPSPoint: &types.GPSPointDimension{
				Coordinates: &types.GPSCoordinates{Latitude: aws.Float64(47.6062), Longitude: aws.Float64(-122.3321)}, RangeInKilometers: aws.Float64(20)}}}}, []string{"e01"}, 1},
			{"Metrics", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Metrics: map[string]types.MetricDimension{"visits": {ComparisonOperator: aws.String("GREATER_THAN"), Value: aws.Float64(2)}}}}, []string{"e01", "e03"}, 2},
			{"Metrics LESS_THAN_OR_EQUAL", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Metrics: map[string]types.MetricDimension{"visits": {ComparisonOperator: aws.String("LESS_THAN_OR_EQUAL"), Value: aws.Float64(2)}}}}, []string{"e02", "e05"}, 2},
			{"dimensions AND", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{
				Attributes:  map[string]types.AttributeDimension{"plan": {Values: []string{"gold"}}},
				Demographic: &types.SegmentDemographics{Platform: set("android")}}}, []string{"e03"}, 1},
			{"group: source filtered by dimensions", types.WriteSegmentRequest{SegmentGroups: &types.SegmentGroupList{Include: types.IncludeAll, Groups: []types.SegmentGroup{{
				SourceSegments: []types.SegmentReference{{Id: gold.Id}}, SourceType: types.SourceTypeAny, Type: types.TypeAll,
				Dimensions: []types.SegmentDimensions{{Demographic: &types.SegmentDemographics{Platform: set("ios")}}}}}}}, []string{"e01"}, 1},
			{"group: any of two sources", types.WriteSegmentRequest{SegmentGroups: &types.SegmentGroupList{Include: types.IncludeAll, Groups: []types.SegmentGroup{{
				SourceSegments: []types.SegmentReference{{Id: gold.Id}, {Id: canada.Id}}, SourceType: types.SourceTypeAny}}}}, []string{"e01", "e02", "e03"}, 2},
			{"group: any of two dimensions", types.WriteSegmentRequest{SegmentGroups: &types.SegmentGroupList{Include: types.IncludeAll, Groups: []types.SegmentGroup{{
				Type: types.TypeAny, Dimensions: []types.SegmentDimensions{*attrDims("plan", types.AttributeTypeInclusive, "golden"), {Location: &types.SegmentLocation{Country: set("FR")}}}}}}}, []string{"e04", "e05"}, 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				req := c.req
				req.Name = aws.String(c.name)
				seg := aws.ToString(h.createSegment(app, &req).Id)
				size := h.segmentSize(app, seg, "")
				if size.Endpoints != len(c.want) || size.Users != c.users || size.SegmentID != seg || size.ApplicationID != app || size.Version != 1 {
					t.Errorf("GetSegmentSize: got %+v, want %d endpoints and %d users of version 1", size, len(c.want), c.users)
				}
				for _, pageSize := range []int{1, 2, 100} {
					if got := h.segmentMembers(app, seg, "", pageSize); !sameStrings(got, c.want) {
						t.Errorf("GetSegmentEndpoints(page-size %d): got %v, want %v", pageSize, got, c.want)
					}
				}
			})
		}

		// Versions: each keeps its own definition, and sources can be pinned to one.
		pinned := h.createSegment(app, &types.WriteSegmentRequest{SegmentGroups: &types.SegmentGroupList{Groups: []types.SegmentGroup{{
			SourceSegments: []types.SegmentReference{{Id: gold.Id, Version: aws.Int32(1)}}}}}})
		follows := h.createSegment(app, &types.WriteSegmentRequest{SegmentGroups: &types.SegmentGroupList{Groups: []types.SegmentGroup{{
			SourceSegments: []types.SegmentReference{{Id: gold.Id}}}}}})
		if _, err := h.client.UpdateSegment(ctx, &pinpoint.UpdateSegmentInput{ApplicationId: aws.String(app), SegmentId: gold.Id,
			WriteSegmentRequest: &types.WriteSegmentRequest{Dimensions: attrDims("plan", types.AttributeTypeInclusive, "silver")}}); err != nil {
			t.Fatalf("UpdateSegment: %v", err)
		}
		for _, c := range []struct {
			seg, query string
			want       []string
		}{
			{aws.ToString(gold.Id), "", []string{"e02"}},
			{aws.ToString(gold.Id), "version=2", []string{"e02"}},
			{aws.ToString(gold.Id), "version=1", []string{"e01", "e03"}},
			{aws.ToString(pinned.Id), "", []string{"e01", "e03"}},
			{aws.ToString(follows.Id), "", []string{"e02"}},
		} {
			if got := h.segmentMembers(app, c.seg, c.query, 10); !sameStrings(got, c.want) {
				t.Errorf("GetSegmentEndpoints(%s?%s): got %v, want %v", c.seg, c.query, got, c.want)
			}
			q := ""
			if c.query != "" {
				q = "?" + c.query
			}
			if got := h.segmentSize(app, c.seg, q); got.Endpoints != len(c.want) {
				t.Errorf("GetSegmentSize(%s%s): got %+v, want %d endpoints", c.seg, q, got, len(c.want))
			}
		}

		// The endpoints are whole EndpointResponses, user attributes included.
		resp, body := h.raw("GET", "/v1/apps/"+app+"/segments/"+aws.ToString(pinned.Id)+"/endpoints?page-size=1", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GetSegmentEndpoints: status %d", resp.StatusCode)
		}
		var page struct{ Item []*types.EndpointResponse }
		if err := json.Unmarshal(body, &page); err != nil || len(page.Item) != 1 {
			t.Fatalf("GetSegmentEndpoints: %v, %s", err, body)
		}
		sameEndpoint(t, "GetSegmentEndpoints item", page.Item[0], h.get(app, "e01"))
	})
}

// TestSegmentSizeUnderConcurrentWrites: sizing while endpoints are written counts every write
// acknowledged before the request and nothing that was never written; once the writers stop, the
// size equals a recount of what they wrote and of the endpoints the segment lists.
func TestSegmentSizeUnderConcurrentWrites(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("concurrent")
		seg := aws.ToString(h.createSegment(app, &types.WriteSegmentRequest{Dimensions: attrDims("plan", types.AttributeTypeInclusive, "gold")}).Id)
		const writers, batches, perBatch = 4, 15, 20
		var acked, attempted atomic.Int64 // matching endpoints
		var wg sync.WaitGroup
		done := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				for b := range batches {
					items := make([]types.EndpointBatchItem, perBatch)
					gold := 0
					for i := range items {
						id := fmt.Sprintf("w%d-b%02d-%02d", w, b, i)
						items[i] = types.EndpointBatchItem{Id: aws.String(id), ChannelType: types.ChannelTypeEmail, Address: aws.String(id + "@example.com"),
							Attributes: map[string][]string{"plan": {"silver"}}}
						if i%2 == 0 { // matches; the batch's matching endpoints share one user
							items[i].Attributes["plan"] = []string{"gold"}
							items[i].User = &types.EndpointUser{UserId: aws.String(fmt.Sprintf("user-%d-%d", w, b))}
							gold++
						}
					}
					attempted.Add(int64(gold))
					if err := h.batch(app, items); err != nil {
						t.Errorf("UpdateEndpointsBatch: %v", err)
						return
					}
					acked.Add(int64(gold))
				}
			})
		}
		go func() { wg.Wait(); close(done) }()
		sizes := 0
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
			}
			before := acked.Load()
			got := h.segmentSize(app, seg, "")
			after := attempted.Load()
			if int64(got.Endpoints) < before || int64(got.Endpoints) > after {
				t.Errorf("GetSegmentSize during writes: got %d endpoints, want between %d (acknowledged before the request) and %d (attempted)", got.Endpoints, before, after)
			}
			sizes++
		}
		want := writers * batches * perBatch / 2
		if acked.Load() != int64(want) {
			t.Fatalf("writers acknowledged %d matching endpoints, want %d", acked.Load(), want)
		}
		got := h.segmentSize(app, seg, "")
		members := h.segmentMembers(app, seg, "", 100)
		if got.Endpoints != want || len(members) != want || got.Users != writers*batches {
			t.Errorf("after the writers stopped: size %+v, %d listed; want %d endpoints and %d users", got, len(members), want, writers*batches)
		}
		t.Logf("%d size requests ran during the writes", sizes)
	})
}

// TestSegmentSizeOfALargeApp: an app of several scan pages is sized right the first time (one
// pass) and the next times (two ID ranges at once), and after writes on both sides of the split.
func TestSegmentSizeOfALargeApp(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("large")
		seg := aws.ToString(h.createSegment(app, &types.WriteSegmentRequest{Dimensions: attrDims("plan", types.AttributeTypeInclusive, "gold")}).Id)
		const n = 9000 // four and a half pages of 2,000
		write := func(from, to int, plan string) {
			t.Helper()
			for start := from; start < to; start += 100 {
				var b strings.Builder
				b.WriteString(`{"Item":[`)
				for i := start; i < min(start+100, to); i++ {
					if i > start {
						b.WriteByte(',')
					}
					p := plan
					if p == "" {
						p = []string{"gold", "silver", "bronze"}[i%3]
					}
					fmt.Fprintf(&b, `{"Id":"ep-%05d","ChannelType":"EMAIL","Address":"ep-%05d@example.com","Attributes":{"plan":[%q]},"User":{"UserId":"user-%04d"}}`, i, i, p, i/10)
				}
				b.WriteString(`]}`)
				if resp, body := h.raw("PUT", "/v1/apps/"+app+"/endpoints", []byte(b.String())); resp.StatusCode != http.StatusAccepted {
					t.Fatalf("UpdateEndpointsBatch: status %d: %s", resp.StatusCode, body)
				}
			}
		}
		write(0, n, "")
		want := n / 3 // i%3 == 0
		for round := range 3 {
			if got := h.segmentSize(app, seg, ""); got.Endpoints != want || got.Users != n/10 {
				t.Errorf("size %d: got %+v, want %d endpoints and %d users", round, got, want, n/10)
			}
		}
		// Turn endpoints gold at both ends of the ID range and in the middle.
		write(1, 2, "gold")
		write(4501, 4502, "gold")
		write(8999, 9000, "gold") // 8999 % 3 == 2: was bronze
		write(9000, 9003, "gold") // new
		want += 1 + 1 + 1 + 3
		if got := h.segmentSize(app, seg, ""); got.Endpoints != want {
			t.Errorf("size after writes: got %+v, want %d endpoints", got, want)
		}
		if got := len(h.segmentMembers(app, seg, "", 100)); got != want {
			t.Errorf("GetSegmentEndpoints after writes: got %d endpoints, want %d", got, want)
		}
	})
}

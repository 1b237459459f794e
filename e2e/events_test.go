package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

func event(typ string) types.Event {
	return types.Event{EventType: aws.String(typ), Timestamp: aws.String("2026-11-29T18:00:00.000Z"),
		Session: &types.Session{Id: aws.String("s1"), StartTimestamp: aws.String("2026-11-29T18:00:00.000Z")}}
}

func (h *harness) putEvents(app string, batch map[string]types.EventsBatch) (*pinpoint.PutEventsOutput, error) {
	return h.client.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(app), EventsRequest: &types.EventsRequest{BatchItem: batch}})
}

// wantItem asserts one per-item result.
func wantItem(t *testing.T, what string, status *int32, msg *string, wantStatus int32, wantMsg ...string) {
	t.Helper()
	if status == nil || *status != wantStatus {
		t.Errorf("%s StatusCode: got %v, want %v", what, aws.ToInt32(status), wantStatus)
	}
	if wantStatus == http.StatusAccepted {
		if got := aws.ToString(msg); got != "Accepted" {
			t.Errorf("%s Message: got %q, want %q", what, got, "Accepted")
		}
		return
	}
	wantMessage(t, aws.ToString(msg), wantMsg...)
}

func TestPutEventsAccepted(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		batch := map[string]types.EventsBatch{
			"ep-1": {
				Endpoint: &types.PublicEndpoint{Address: aws.String("tok"), ChannelType: types.ChannelTypeGcm, Attributes: map[string][]string{"a": {"1"}}},
				Events:   map[string]types.Event{"ev-1": event("_session.start"), "ev-2": event("purchase")},
			},
			"ep-2": {
				Endpoint: &types.PublicEndpoint{Address: aws.String("b@example.com"), ChannelType: types.ChannelTypeEmail},
				Events:   map[string]types.Event{"ev-1": event("_session.stop")},
			},
		}
		out, err := h.putEvents(app, batch)
		if err != nil {
			t.Fatalf("PutEvents: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusAccepted {
			t.Errorf("status: got %v, want %v", got, http.StatusAccepted)
		}
		check := func(out *pinpoint.PutEventsOutput) {
			t.Helper()
			res := out.EventsResponse.Results
			if len(res) != 2 {
				t.Fatalf("Results: got %s, want ep-1 and ep-2", jsonOf(res))
			}
			for epID, b := range batch {
				r, ok := res[epID]
				if !ok || r.EndpointItemResponse == nil {
					t.Errorf("Results[%s]: got %s, want an EndpointItemResponse", epID, jsonOf(r))
					continue
				}
				wantItem(t, epID, r.EndpointItemResponse.StatusCode, r.EndpointItemResponse.Message, 202)
				if len(r.EventsItemResponse) != len(b.Events) {
					t.Errorf("Results[%s].EventsItemResponse: got %s, want one per event", epID, jsonOf(r.EventsItemResponse))
				}
				for evID := range b.Events {
					ev := r.EventsItemResponse[evID]
					wantItem(t, epID+"/"+evID, ev.StatusCode, ev.Message, 202)
				}
			}
		}
		check(out)
		if got := aws.ToString(h.get(app, "ep-2").Address); got != "b@example.com" {
			t.Errorf("ep-2 Address: got %q, want %q", got, "b@example.com")
		}

		// A client retrying the same request is answered the same way, and nothing doubles.
		out, err = h.putEvents(app, batch)
		if err != nil {
			t.Fatalf("PutEvents retried: %v", err)
		}
		check(out)
		events, err := h.inst.Store.ListEvents(ctx, testAccount, app, "ep-1")
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		if len(events) != 2 {
			t.Errorf("events of ep-1 after a retry: got %v, want %v", len(events), 2)
		}
	})
}

func TestPutEventsUpsertsEndpoint(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "ep-1", &types.EndpointRequest{
			Address: aws.String("tok"), ChannelType: types.ChannelTypeGcm, Attributes: map[string][]string{"a": {"1"}, "b": {"2"}},
			Demographic: &types.EndpointDemographic{Make: aws.String("apple")}, OptOut: aws.String("ALL"),
			User: &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"ua": {"x"}}},
		})
		before := h.get(app, "ep-1")
		out, err := h.putEvents(app, map[string]types.EventsBatch{"ep-1": {
			Endpoint: &types.PublicEndpoint{
				Attributes: map[string][]string{"a": {"new"}, "b": {}}, Metrics: map[string]float64{"m": 3},
				Demographic: &types.EndpointDemographic{Model: aws.String("iPhone")},
				Location:    &types.EndpointLocation{Latitude: aws.Float64(47.61)},
				User:        &types.EndpointUser{UserAttributes: map[string][]string{"ub": {"y"}}},
			},
			Events: map[string]types.Event{"ev": event("purchase")},
		}})
		if err != nil {
			t.Fatalf("PutEvents: %v", err)
		}
		if r := out.EventsResponse.Results["ep-1"]; r.EndpointItemResponse == nil || aws.ToInt32(r.EndpointItemResponse.StatusCode) != 202 {
			t.Fatalf("Results[ep-1]: got %s, want 202", jsonOf(r))
		}
		e := h.get(app, "ep-1")
		if want := map[string][]string{"a": {"new"}}; !reflect.DeepEqual(e.Attributes, want) {
			t.Errorf("Attributes: got %v, want %v", e.Attributes, want)
		}
		if want := map[string]float64{"m": 3}; !reflect.DeepEqual(e.Metrics, want) {
			t.Errorf("Metrics: got %v, want %v", e.Metrics, want)
		}
		if want := (&types.EndpointDemographic{Make: aws.String("apple"), Model: aws.String("iPhone")}); !reflect.DeepEqual(e.Demographic, want) {
			t.Errorf("Demographic: got %s, want %s", jsonOf(e.Demographic), jsonOf(want))
		}
		if e.Location == nil || aws.ToFloat64(e.Location.Latitude) != 47.6 {
			t.Errorf("Location: got %s, want Latitude 47.6", jsonOf(e.Location))
		}
		if want := map[string][]string{"ua": {"x"}, "ub": {"y"}}; !reflect.DeepEqual(e.User.UserAttributes, want) || aws.ToString(e.User.UserId) != "u1" {
			t.Errorf("User: got %s, want u1 with %v", jsonOf(e.User), want)
		}
		for name, pair := range map[string][2]string{
			"Address":      {aws.ToString(e.Address), aws.ToString(before.Address)},
			"ChannelType":  {string(e.ChannelType), string(before.ChannelType)},
			"OptOut":       {aws.ToString(e.OptOut), aws.ToString(before.OptOut)},
			"CreationDate": {aws.ToString(e.CreationDate), aws.ToString(before.CreationDate)},
			"CohortId":     {aws.ToString(e.CohortId), aws.ToString(before.CohortId)},
		} {
			if pair[0] != pair[1] {
				t.Errorf("%s: got %q, want %q (kept)", name, pair[0], pair[1])
			}
		}
		if got := aws.ToString(e.RequestId); got != requestID(t, out.ResultMetadata) {
			t.Errorf("RequestId: got %q, want %q (the PutEvents request's)", got, requestID(t, out.ResultMetadata))
		}
	})
}

func TestPutEventsInvalidEvents(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		tooMany := event("t")
		tooMany.Attributes = map[string]string{}
		tooMany.Metrics = map[string]float64{}
		for i := range 21 {
			tooMany.Attributes[fmt.Sprintf("a%d", i)] = "v"
		}
		for i := range 20 {
			tooMany.Metrics[fmt.Sprintf("m%d", i)] = 1
		}
		atLimit := event("t")
		atLimit.Attributes = map[string]string{"a": strings.Repeat("v", 200)}
		for i := range 39 {
			atLimit.Attributes[fmt.Sprintf("a%d", i)] = "v"
		}
		bad := map[string]struct {
			ev   types.Event
			want []string
		}{
			"no-type":   {types.Event{EventType: aws.String(""), Timestamp: aws.String("2026-11-29T18:00:00Z")}, []string{"EventType"}},
			"bad-ts":    {types.Event{EventType: aws.String("t"), Timestamp: aws.String("yesterday")}, []string{"Timestamp"}},
			"long-attr": {types.Event{EventType: aws.String("t"), Timestamp: aws.String("2026-11-29T18:00:00Z"), Attributes: map[string]string{"a": strings.Repeat("v", 201)}}, []string{"200"}},
			"too-many":  {tooMany, []string{"40"}},
			"huge": {types.Event{EventType: aws.String("t"), Timestamp: aws.String("2026-11-29T18:00:00Z"),
				AppTitle: aws.String(strings.Repeat("x", 1000*1024))}, []string{"1024000"}},
			"bad-session": {types.Event{EventType: aws.String("t"), Timestamp: aws.String("2026-11-29T18:00:00Z"),
				Session: &types.Session{Id: aws.String("s"), StartTimestamp: aws.String("later")}}, []string{"StartTimestamp"}},
		}
		events := map[string]types.Event{"ok": event("purchase"), "at-limit": atLimit}
		for id, c := range bad {
			events[id] = c.ev
		}
		out, err := h.putEvents(app, map[string]types.EventsBatch{"ep-1": {Endpoint: &types.PublicEndpoint{Address: aws.String("tok")}, Events: events}})
		if err != nil {
			t.Fatalf("PutEvents: %v", err)
		}
		r := out.EventsResponse.Results["ep-1"]
		if r.EndpointItemResponse == nil {
			t.Fatalf("Results[ep-1]: got %s, want an EndpointItemResponse", jsonOf(r))
		}
		wantItem(t, "endpoint", r.EndpointItemResponse.StatusCode, r.EndpointItemResponse.Message, 202)
		for _, id := range []string{"ok", "at-limit"} {
			ev := r.EventsItemResponse[id]
			wantItem(t, "event "+id, ev.StatusCode, ev.Message, 202)
		}
		for id, c := range bad {
			ev := r.EventsItemResponse[id]
			wantItem(t, "event "+id, ev.StatusCode, ev.Message, 400, c.want...)
		}
		stored, err := h.inst.Store.ListEvents(ctx, testAccount, app, "ep-1")
		if err != nil {
			t.Fatalf("ListEvents: %v", err)
		}
		var ids []string
		for _, ev := range stored {
			ids = append(ids, ev.ID)
		}
		if want := []string{"at-limit", "ok"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("stored events: got %v, want %v", ids, want)
		}
		h.get(app, "ep-1")
	})
}

// TestPutEventsMissingRequiredRaw: what the SDK's own validator would not let through.
func TestPutEventsMissingRequiredRaw(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		resp, body := h.raw("POST", "/v1/apps/"+app+"/events", []byte(`{"BatchItem":{"ep-1":{"Endpoint":{"Address":"t"},"Events":{
			"no-type":{"Timestamp":"2026-11-29T18:00:00Z"},
			"no-ts":{"EventType":"t"},
			"ok":{"EventType":"t","Timestamp":"2026-11-29T18:00:00Z"}}}}}`))
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("status: got %v (%s), want %v", resp.StatusCode, body, http.StatusAccepted)
		}
		var got struct {
			Results map[string]struct {
				EndpointItemResponse struct{ StatusCode int }
				EventsItemResponse   map[string]struct {
					StatusCode int
					Message    string
				}
			}
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		evs := got.Results["ep-1"].EventsItemResponse
		for id, want := range map[string]int{"no-type": 400, "no-ts": 400, "ok": 202} {
			if evs[id].StatusCode != want {
				t.Errorf("event %s: got %v (%q), want %v", id, evs[id].StatusCode, evs[id].Message, want)
			}
		}
		wantMessage(t, evs["no-type"].Message, "EventType")
		wantMessage(t, evs["no-ts"].Message, "Timestamp")

		resp, eb := h.rawJSON("POST", "/v1/apps/"+app+"/events", `{}`)
		wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
		wantMessage(t, aws.ToString(eb.Message), "BatchItem")
		resp, eb = h.rawJSON("POST", "/v1/apps/"+app+"/events", `{"BatchItem":{"ep-2":{"Events":{"ok":{"EventType":"t","Timestamp":"2026-11-29T18:00:00Z"}}}}}`)
		if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("batch without Endpoint: got %v, want 202 with a per-item 400, or 400", resp.StatusCode)
		}
		h.wantNoEndpoint(app, "ep-2")
	})
}

func TestPutEventsInvalidEndpoint(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		out, err := h.putEvents(app, map[string]types.EventsBatch{
			"bad-channel": {Endpoint: &types.PublicEndpoint{Address: aws.String("t"), ChannelType: types.ChannelType("FOO")}, Events: map[string]types.Event{"ev": event("t")}},
			"bad-optout":  {Endpoint: &types.PublicEndpoint{OptOut: aws.String("MAYBE")}, Events: map[string]types.Event{"ev": event("t")}},
			"bad$id":      {Endpoint: &types.PublicEndpoint{Address: aws.String("t")}, Events: map[string]types.Event{"ev": event("t")}},
			"good":        {Endpoint: &types.PublicEndpoint{Address: aws.String("g")}, Events: map[string]types.Event{"ev": event("t")}},
		})
		if err != nil {
			t.Fatalf("PutEvents: %v", err)
		}
		res := out.EventsResponse.Results
		for id, want := range map[string]string{"bad-channel": "ChannelType", "bad-optout": "OptOut", "bad$id": "$"} {
			r := res[id]
			if r.EndpointItemResponse == nil {
				t.Errorf("Results[%s]: got %s, want an EndpointItemResponse", id, jsonOf(r))
				continue
			}
			wantItem(t, id, r.EndpointItemResponse.StatusCode, r.EndpointItemResponse.Message, 400, want)
			h.wantNoEndpoint(app, id)
		}
		r := res["good"]
		if r.EndpointItemResponse == nil {
			t.Fatalf("Results[good]: got %s, want an EndpointItemResponse", jsonOf(r))
		}
		wantItem(t, "good", r.EndpointItemResponse.StatusCode, r.EndpointItemResponse.Message, 202)
		ev := r.EventsItemResponse["ev"]
		wantItem(t, "good/ev", ev.StatusCode, ev.Message, 202)
		h.get(app, "good")
	})
}

// TestPutEventsEndpointRefusedByStore: a rule checked inside the store (15 endpoints per user)
// refuses that endpoint only.
func TestPutEventsEndpointRefusedByStore(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		fillUser(t, h, app, "u1", func(int) types.ChannelType { return types.ChannelTypeEmail },
			func(i int) string { return fmt.Sprintf("2020-01-%02dT00:00:00Z", i+1) })
		out, err := h.putEvents(app, map[string]types.EventsBatch{
			"sixteenth": {Endpoint: &types.PublicEndpoint{Address: aws.String("s@example.com"), ChannelType: types.ChannelTypeEmail, User: &types.EndpointUser{UserId: aws.String("u1")}},
				Events: map[string]types.Event{"ev": event("t")}},
			"fine": {Endpoint: &types.PublicEndpoint{Address: aws.String("f@example.com")}, Events: map[string]types.Event{"ev": event("t")}},
		})
		if err != nil {
			t.Fatalf("PutEvents: %v", err)
		}
		r := out.EventsResponse.Results["sixteenth"]
		if r.EndpointItemResponse == nil {
			t.Fatalf("Results[sixteenth]: got %s, want an EndpointItemResponse", jsonOf(r))
		}
		wantItem(t, "sixteenth", r.EndpointItemResponse.StatusCode, r.EndpointItemResponse.Message, 400, "15")
		h.wantNoEndpoint(app, "sixteenth")
		r = out.EventsResponse.Results["fine"]
		if r.EndpointItemResponse == nil {
			t.Fatalf("Results[fine]: got %s, want an EndpointItemResponse", jsonOf(r))
		}
		wantItem(t, "fine", r.EndpointItemResponse.StatusCode, r.EndpointItemResponse.Message, 202)
		h.get(app, "fine")
	})
}

func TestPutEventsTooMany(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		mk := func(n int) map[string]types.Event {
			m := map[string]types.Event{}
			for i := range n {
				m[fmt.Sprintf("ev-%d", i)] = event("t")
			}
			return m
		}
		_, err := h.putEvents(app, map[string]types.EventsBatch{
			"ep-1": {Endpoint: &types.PublicEndpoint{Address: aws.String("a")}, Events: mk(51)},
			"ep-2": {Endpoint: &types.PublicEndpoint{Address: aws.String("b")}, Events: mk(50)},
		})
		wantBadRequest(t, err, "100")
		h.wantNoEndpoint(app, "ep-1")
		h.wantNoEndpoint(app, "ep-2")
		if _, err := h.putEvents(app, map[string]types.EventsBatch{"ep-1": {Endpoint: &types.PublicEndpoint{Address: aws.String("a")}, Events: mk(100)}}); err != nil {
			t.Errorf("PutEvents with 100 events: got %v, want success", err)
		}
	})
}

// TestPutEventsBodyLimit: a PutEvents body over 4 MB is 413.
func TestPutEventsBodyLimit(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		body := `{"BatchItem":{"ep":{"Endpoint":{"Attributes":{"a":["` + strings.Repeat("x", 4<<20) + `"]}},"Events":{}}}}`
		resp, eb := h.rawJSON("POST", "/v1/apps/"+app+"/events", body)
		wantWireError(t, resp, eb, http.StatusRequestEntityTooLarge, "PayloadTooLargeException")
	})
}

// TestPutEventsUnknownApp: an unknown app is NotFoundException whatever the batch holds.
func TestPutEventsUnknownApp(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		const unknownApp = "0123456789abcdef0123456789abcdef"
		for name, batch := range map[string]map[string]types.EventsBatch{
			"valid batch":            {"ep": {Endpoint: &types.PublicEndpoint{Address: aws.String("a")}, Events: map[string]types.Event{"ev": event("t")}}},
			"only invalid endpoints": {"ep": {Endpoint: &types.PublicEndpoint{ChannelType: types.ChannelType("FOO")}, Events: map[string]types.Event{"ev": event("t")}}},
			"empty batch":            {},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := h.putEvents(unknownApp, batch)
				wantAPIError[*types.NotFoundException](t, err)
			})
		}
	})
}

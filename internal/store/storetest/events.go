package storetest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func eventCases() []testCase {
	return []testCase{
		{"EventsStoredOnce", testEventsStoredOnce},
		{"DeleteEndpointRemovesEvents", testDeleteEndpointRemovesEvents},
	}
}

// sameJSON compares two JSON documents by value: a backend may store them re-encoded.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}

func checkEvents(t *testing.T, s store.Store, endpointID string, want []store.Event) {
	t.Helper()
	got, err := s.ListEvents(t.Context(), acct1, appA, endpointID)
	if err != nil {
		t.Fatalf("ListEvents(%s): got %v, want nil", endpointID, err)
	}
	if len(got) != len(want) {
		t.Errorf("ListEvents(%s): got %d events %v, want %d", endpointID, len(got), eventIDs(got), len(want))
		return
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Type != w.Type || !g.Timestamp.Equal(w.Timestamp) || !sameJSON(g.Body, w.Body) {
			t.Errorf("ListEvents(%s)[%d]: got {%s %s %v %s}, want {%s %s %v %s}", endpointID, i,
				g.ID, g.Type, g.Timestamp, g.Body, w.ID, w.Type, w.Timestamp, w.Body)
		}
	}
}

func eventIDs(evs []store.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func testEventsStoredOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	ev1, ev2, ev3 := event("ev-1", "_session.start", 1), event("ev-2", "_custom.click", 2), event("ev-3", "_session.stop", 3)
	ev2.Body = []byte(`{"Attributes":{"button":"buy","page":"home"},"EventType":"_custom.click","Metrics":{"price":9.99},"Timestamp":"2026-03-01T14:00:00.000Z"}`)
	ev2.Timestamp = ev2.Timestamp.Add(123 * time.Millisecond) // milliseconds survive

	// Written out of ID order, with the endpoint.
	if _, err := write(ctx, s, acct1, appA, store.EndpointWrite{
		ID: "ep-1", Update: merge("ep-1", email("a@example.com", ""), at(0)), Events: []store.Event{ev2, ev1},
	}); err != nil {
		t.Fatalf("WriteEndpoints with events: got %v, want nil", err)
	}
	checkEvents(t, s, "ep-1", []store.Event{ev1, ev2})

	// The same IDs again are ignored (the first one stored stays); new ones are added.
	again := event("ev-1", "_changed", 5)
	if _, err := write(ctx, s, acct1, appA, store.EndpointWrite{
		ID: "ep-1", Update: merge("ep-1", pinpoint.EndpointRequest{}, at(1)), Events: []store.Event{ev3, again, ev2},
	}); err != nil {
		t.Fatalf("WriteEndpoints with repeated events: got %v, want nil", err)
	}
	checkEvents(t, s, "ep-1", []store.Event{ev1, ev2, ev3})

	// Another endpoint's events, even with the same event IDs, are its own.
	other := event("ev-1", "_other", 4)
	if _, err := write(ctx, s, acct1, appA, store.EndpointWrite{
		ID: "ep-2", Update: merge("ep-2", email("b@example.com", ""), at(0)), Events: []store.Event{other},
	}); err != nil {
		t.Fatalf("WriteEndpoints(ep-2): got %v, want nil", err)
	}
	checkEvents(t, s, "ep-2", []store.Event{other})
	checkEvents(t, s, "ep-1", []store.Event{ev1, ev2, ev3})
	// An endpoint without events has none.
	put(t, s, "ep-3", email("c@example.com", ""), at(0))
	checkEvents(t, s, "ep-3", nil)
}

func testDeleteEndpointRemovesEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	for _, id := range []string{"ep-1", "ep-2"} {
		if _, err := write(ctx, s, acct1, appA, store.EndpointWrite{
			ID: id, Update: merge(id, email(id+"@example.com", "u"), at(0)),
			Events: []store.Event{event("ev-1", "a", 1), event("ev-2", "b", 2)},
		}); err != nil {
			t.Fatalf("WriteEndpoints(%s): got %v, want nil", id, err)
		}
	}
	if _, err := s.DeleteEndpoint(ctx, acct1, appA, "ep-1"); err != nil {
		t.Fatalf("DeleteEndpoint: got %v, want nil", err)
	}
	checkNoEvents(t, s, "ep-1")
	checkEvents(t, s, "ep-2", []store.Event{event("ev-1", "a", 1), event("ev-2", "b", 2)})

	// A new endpoint with the ID starts without events, and the old event IDs are new to it.
	if _, err := write(ctx, s, acct1, appA, store.EndpointWrite{
		ID: "ep-1", Update: merge("ep-1", email("x@example.com", ""), at(3)), Events: []store.Event{event("ev-2", "c", 3)},
	}); err != nil {
		t.Fatalf("WriteEndpoints(ep-1 again): got %v, want nil", err)
	}
	checkEvents(t, s, "ep-1", []store.Event{event("ev-2", "c", 3)})
}

package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func statsCases() []testCase {
	return []testCase{
		{"EndpointIDByAddress", testEndpointIDByAddress},
		{"AppStats", func(t *testing.T, s store.Store) { testAppStats(t, s, true) }},
	}
}

// countingRowsCases are statsCases for a store whose AppStats counts the rows it holds (PostgreSQL
// without its counters' triggers, as on Citus): the events of deleted endpoints are not counted.
func countingRowsCases() []testCase {
	return []testCase{
		{"EndpointIDByAddress", testEndpointIDByAddress},
		{"AppStats", func(t *testing.T, s store.Store) { testAppStats(t, s, false) }},
	}
}

func testEndpointIDByAddress(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	put(t, s, "e1", email("a@example.com", ""), at(0))
	put(t, s, "e2", email("a@example.com", ""), at(1)) // e1 becomes INACTIVE
	got, err := s.EndpointIDByAddress(ctx, acct1, appA, "a@example.com")
	if err != nil || got != "e2" {
		t.Errorf("EndpointIDByAddress: got %q, %v, want e2, nil", got, err)
	}
	if _, err := s.EndpointIDByAddress(ctx, acct1, appA, "none@example.com"); !errors.Is(err, store.ErrEndpointNotFound) {
		t.Errorf("EndpointIDByAddress(unknown address): got %v, want ErrEndpointNotFound", err)
	}
	if _, err := s.EndpointIDByAddress(ctx, acct2, appA, "a@example.com"); !errors.Is(err, store.ErrAppNotFound) {
		t.Errorf("EndpointIDByAddress(another account): got %v, want ErrAppNotFound", err)
	}
}

// keepsDeletedEvents: events per day still count the events of deleted endpoints (the contract).
func testAppStats(t *testing.T, s store.Store, keepsDeletedEvents bool) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	newApp(t, s, acct1, appB)
	now := at(24 * 40)
	withEvents := func(id string, req pinpoint.EndpointRequest, evs ...store.Event) {
		t.Helper()
		if _, err := write(ctx, s, acct1, appA, store.EndpointWrite{ID: id, Update: merge(id, req, at(0)), Events: evs}); err != nil {
			t.Fatalf("write %s: %v", id, err)
		}
	}
	ev := func(id string, ts time.Time) store.Event {
		return store.Event{ID: id, Type: "_session.start", Timestamp: ts, Body: []byte(`{}`)}
	}
	sms := pinpoint.EndpointRequest{ChannelType: str("SMS"), Address: str("+15550001")}
	inactive := email("x@example.com", "u3")
	inactive.EndpointStatus = str(pinpoint.StatusInactive)
	withEvents("a", email("a@example.com", "u1"), ev("1", now.Add(-2*time.Hour)), ev("2", now.Add(-26*time.Hour)))
	withEvents("b", email("b@example.com", "u1"), ev("3", now.Add(-3*24*time.Hour)))
	withEvents("c", sms, ev("4", now.Add(-3*24*time.Hour)))
	withEvents("d", email("d@example.com", "u2"), ev("5", now.Add(-10*24*time.Hour)), ev("6", now.Add(-40*24*time.Hour)))
	withEvents("e", inactive)
	putIn(t, s, acct1, appB, "z", email("z@example.com", "u9"), at(0))

	got, err := s.AppStats(ctx, acct1, appA, now)
	if err != nil {
		t.Fatalf("AppStats: got %v, want nil", err)
	}
	want := store.AppStats{
		Endpoints: []store.ChannelStatusCount{
			{Channel: "EMAIL", Status: pinpoint.StatusActive, Count: 3},
			{Channel: "EMAIL", Status: pinpoint.StatusInactive, Count: 1},
			{Channel: "SMS", Status: pinpoint.StatusActive, Count: 1},
		},
		ActiveUsers: [3]int{1, 1, 2},
		EventsPerDay: []store.DayCount{
			{Day: now.Add(-10 * 24 * time.Hour).Format("2006-01-02"), Count: 1},
			{Day: now.Add(-3 * 24 * time.Hour).Format("2006-01-02"), Count: 2},
			{Day: now.Add(-26 * time.Hour).Format("2006-01-02"), Count: 1},
			{Day: now.Add(-2 * time.Hour).Format("2006-01-02"), Count: 1},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AppStats:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.AppStats(ctx, acct2, appA, now); !errors.Is(err, store.ErrAppNotFound) {
		t.Errorf("AppStats(another account): got %v, want ErrAppNotFound", err)
	}

	// The endpoint counts follow updates and deletes: c moves from SMS to EMAIL, b takes a's
	// address (a becomes INACTIVE), d is deleted, and so are u1's endpoints. The events of
	// deleted endpoints stay counted; an event ID sent again is not counted again.
	withEvents("c", email("c@example.com", ""), ev("4", now.Add(-3*24*time.Hour)))
	put(t, s, "b", email("a@example.com", "u1"), at(2))
	if _, err := s.DeleteEndpoint(ctx, acct1, appA, "d"); err != nil {
		t.Fatalf("DeleteEndpoint(d): %v", err)
	}
	got, err = s.AppStats(ctx, acct1, appA, now)
	if err != nil {
		t.Fatalf("AppStats after updates: got %v, want nil", err)
	}
	want = store.AppStats{
		Endpoints: []store.ChannelStatusCount{
			{Channel: "EMAIL", Status: pinpoint.StatusActive, Count: 2},
			{Channel: "EMAIL", Status: pinpoint.StatusInactive, Count: 2},
		},
		ActiveUsers: [3]int{1, 1, 1},
		EventsPerDay: []store.DayCount{
			{Day: now.Add(-10 * 24 * time.Hour).Format("2006-01-02"), Count: 1},
			{Day: now.Add(-3 * 24 * time.Hour).Format("2006-01-02"), Count: 2},
			{Day: now.Add(-26 * time.Hour).Format("2006-01-02"), Count: 1},
			{Day: now.Add(-2 * time.Hour).Format("2006-01-02"), Count: 1},
		},
	}
	if !keepsDeletedEvents { // d's event 10 days ago went with it
		want.EventsPerDay = want.EventsPerDay[1:]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AppStats after updates and a delete:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.DeleteUserEndpoints(ctx, acct1, appA, "u1"); err != nil {
		t.Fatalf("DeleteUserEndpoints(u1): %v", err)
	}
	got, err = s.AppStats(ctx, acct1, appA, now)
	if err != nil {
		t.Fatalf("AppStats after DeleteUserEndpoints: got %v, want nil", err)
	}
	want = store.AppStats{
		Endpoints: []store.ChannelStatusCount{
			{Channel: "EMAIL", Status: pinpoint.StatusActive, Count: 1},
			{Channel: "EMAIL", Status: pinpoint.StatusInactive, Count: 1},
		},
		EventsPerDay: want.EventsPerDay,
	}
	if !keepsDeletedEvents { // only c's event 3 days ago is left
		want.EventsPerDay = []store.DayCount{{Day: now.Add(-3 * 24 * time.Hour).Format("2006-01-02"), Count: 1}}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AppStats after DeleteUserEndpoints:\n got %+v\nwant %+v", got, want)
	}

	// A deleted app takes its counts with it: an app created again with its ID starts from zero.
	if _, err := s.DeleteApp(ctx, acct1, appA); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	newApp(t, s, acct1, appA)
	got, err = s.AppStats(ctx, acct1, appA, now)
	if err != nil || !reflect.DeepEqual(got, store.AppStats{}) {
		t.Errorf("AppStats of a new app with a deleted app's ID: got %+v, %v, want zero counts, nil", got, err)
	}
	got, err = s.AppStats(ctx, acct1, appB, now)
	if want := []store.ChannelStatusCount{{Channel: "EMAIL", Status: pinpoint.StatusActive, Count: 1}}; err != nil || !reflect.DeepEqual(got.Endpoints, want) {
		t.Errorf("AppStats(%s) after deleting %s: got %+v, %v, want endpoints %+v", appB, appA, got.Endpoints, err, want)
	}
}

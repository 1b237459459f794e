package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func endpointCases() []testCase {
	return []testCase{
		{"CreateReadsBackEveryField", testCreateReadBack},
		{"CreateDefaults", testCreateDefaults},
		{"UpdateKeepsOmittedFields", testUpdateKeepsOmitted},
		{"AttributesReplacePerKey", testAttributesPerKey},
		{"NestedObjectsMergePerField", testNestedMerge},
		{"CreationDateKept", testCreationDateKept},
		{"ClientEffectiveDateAndRequestId", testClientDates},
		{"GetEndpointNotFound", testGetEndpointNotFound},
		{"EndpointIDsCaseSensitive", testIDsCaseSensitive},
		{"UnknownOrForeignApp", testUnknownOrForeignApp},
		{"SameEndpointIDInTwoApps", testSameIDInTwoApps},
		{"UpdaterArguments", testUpdaterArguments},
		{"DeleteEndpoint", testDeleteEndpoint},
	}
}

// fullRequest sets every field of an EndpointRequest except EffectiveDate and RequestId.
func fullRequest() pinpoint.EndpointRequest {
	return pinpoint.EndpointRequest{
		Address:     str("fcm-token-1"),
		Attributes:  map[string][]string{"interests": {"jazz", "golf"}, "plan": {"pro"}},
		ChannelType: str("GCM"),
		Demographic: &pinpoint.DemographicRequest{
			AppVersion: str("1.2.3"), Locale: str("en_US"), Make: str("Google"), Model: str("Pixel 9"),
			ModelVersion: str("9"), Platform: str("android"), PlatformVersion: str("15"), Timezone: str("Europe/Paris"),
		},
		Location: &pinpoint.LocationRequest{
			City: str("Seattle"), Country: str("US"), Latitude: f64(47.61), Longitude: f64(-122.33),
			PostalCode: str("98101"), Region: str("WA"),
		},
		Metrics: map[string]*float64{"sessions": f64(12), "score": f64(0.5)},
		OptOut:  str("ALL"),
		User: &pinpoint.UserRequest{
			UserID:         str("user-1"),
			UserAttributes: map[string][]string{"name": {"Ana"}, "tier": {"gold"}},
		},
	}
}

// fullEndpoint is what fullRequest creates as endpoint id of appA at at(0).
func fullEndpoint(id string) pinpoint.Endpoint {
	return pinpoint.Endpoint{
		Address:       "fcm-token-1",
		ApplicationID: appA,
		Attributes:    map[string][]string{"interests": {"jazz", "golf"}, "plan": {"pro"}},
		ChannelType:   "GCM",
		CohortID:      pinpoint.CohortID(id),
		CreationDate:  "2026-03-01T12:00:00.000Z",
		Demographic: &pinpoint.Demographic{
			AppVersion: "1.2.3", Locale: "en_US", Make: "Google", Model: "Pixel 9",
			ModelVersion: "9", Platform: "android", PlatformVersion: "15", Timezone: "Europe/Paris",
		},
		EffectiveDate:  "2026-03-01T12:00:00.000Z",
		EndpointStatus: pinpoint.StatusActive,
		ID:             id,
		Location: &pinpoint.Location{
			City: "Seattle", Country: "US", Latitude: f64(47.6), Longitude: f64(-122.3),
			PostalCode: "98101", Region: "WA",
		},
		Metrics:   map[string]float64{"sessions": 12, "score": 0.5},
		OptOut:    pinpoint.OptOutAll,
		RequestID: "req-1",
		User: pinpoint.User{
			UserID:         "user-1",
			UserAttributes: map[string][]string{"name": {"Ana"}, "tier": {"gold"}},
		},
	}
}

func testCreateReadBack(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	want := fullEndpoint("ep-1")
	checkEndpoint(t, "WriteEndpoints result", put(t, s, "ep-1", fullRequest(), at(0)), want)
	checkEndpoint(t, "GetEndpoint", get(t, s, "ep-1"), want)
}

func testCreateDefaults(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	put(t, s, "ep-1", email("ana@example.com", ""), at(0))
	want := pinpoint.Endpoint{
		Address:        "ana@example.com",
		ApplicationID:  appA,
		ChannelType:    "EMAIL",
		CohortID:       pinpoint.CohortID("ep-1"),
		CreationDate:   "2026-03-01T12:00:00.000Z",
		EffectiveDate:  "2026-03-01T12:00:00.000Z",
		EndpointStatus: pinpoint.StatusActive,
		ID:             "ep-1",
		OptOut:         pinpoint.OptOutNone,
		RequestID:      "req-1",
	}
	checkEndpoint(t, "GetEndpoint of a minimal endpoint", get(t, s, "ep-1"), want)

	// An endpoint with nothing but its ID.
	put(t, s, "ep-2", pinpoint.EndpointRequest{}, at(0))
	want = pinpoint.Endpoint{
		ApplicationID:  appA,
		CohortID:       pinpoint.CohortID("ep-2"),
		CreationDate:   "2026-03-01T12:00:00.000Z",
		EffectiveDate:  "2026-03-01T12:00:00.000Z",
		EndpointStatus: pinpoint.StatusActive,
		ID:             "ep-2",
		OptOut:         pinpoint.OptOutNone,
		RequestID:      "req-1",
	}
	checkEndpoint(t, "GetEndpoint of an empty endpoint", get(t, s, "ep-2"), want)
}

func testUpdateKeepsOmitted(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	put(t, s, "ep-1", fullRequest(), at(0))

	// An empty request changes nothing but the update's own fields.
	want := fullEndpoint("ep-1")
	want.EffectiveDate = "2026-03-01T13:00:00.000Z"
	checkEndpoint(t, "update with nothing", put(t, s, "ep-1", pinpoint.EndpointRequest{}, at(1)), want)
	checkEndpoint(t, "GetEndpoint after update with nothing", get(t, s, "ep-1"), want)

	// One attribute key; the rest of the endpoint stays.
	put(t, s, "ep-1", pinpoint.EndpointRequest{Attributes: attrs("plan", "free")}, at(2))
	want.Attributes = map[string][]string{"interests": {"jazz", "golf"}, "plan": {"free"}}
	want.EffectiveDate = "2026-03-01T14:00:00.000Z"
	checkEndpoint(t, "GetEndpoint after updating one attribute", get(t, s, "ep-1"), want)

	// User attributes without a UserId: the user stays.
	put(t, s, "ep-1", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserAttributes: attrs("tier", "silver")}}, at(3))
	want.User.UserAttributes = map[string][]string{"name": {"Ana"}, "tier": {"silver"}}
	want.EffectiveDate = "2026-03-01T15:00:00.000Z"
	checkEndpoint(t, "GetEndpoint after updating one user attribute", get(t, s, "ep-1"), want)

	// Scalars: only those sent change.
	put(t, s, "ep-1", pinpoint.EndpointRequest{OptOut: str("NONE"), Address: str("fcm-token-2")}, at(4))
	want.OptOut = pinpoint.OptOutNone
	want.Address = "fcm-token-2"
	want.EffectiveDate = "2026-03-01T16:00:00.000Z"
	checkEndpoint(t, "GetEndpoint after updating OptOut and Address", get(t, s, "ep-1"), want)
}

func testAttributesPerKey(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	put(t, s, "ep-1", pinpoint.EndpointRequest{
		Attributes: map[string][]string{"a": {"1", "2"}, "b": {"x"}},
		Metrics:    map[string]*float64{"m1": f64(1), "m2": f64(2)},
		User:       &pinpoint.UserRequest{UserID: str("u"), UserAttributes: map[string][]string{"ua": {"1"}, "ub": {"2"}}},
	}, at(0))

	check := func(step string, wantAttrs map[string][]string, wantMetrics map[string]float64, wantUser map[string][]string) {
		t.Helper()
		e := get(t, s, "ep-1")
		if g, w := jsonOf(e.Attributes), jsonOf(wantAttrs); g != w {
			t.Errorf("%s: Attributes: got %s, want %s", step, g, w)
		}
		if g, w := jsonOf(e.Metrics), jsonOf(wantMetrics); g != w {
			t.Errorf("%s: Metrics: got %s, want %s", step, g, w)
		}
		checkUserAttrs(t, e, wantUser)
	}

	// A key sent replaces that key's whole list; keys not sent stay.
	put(t, s, "ep-1", pinpoint.EndpointRequest{
		Attributes: map[string][]string{"a": {"3"}},
		Metrics:    map[string]*float64{"m1": f64(10)},
		User:       &pinpoint.UserRequest{UserAttributes: map[string][]string{"ua": {"9", "8"}}},
	}, at(1))
	check("replace a, m1, ua",
		map[string][]string{"a": {"3"}, "b": {"x"}},
		map[string]float64{"m1": 10, "m2": 2},
		map[string][]string{"ua": {"9", "8"}, "ub": {"2"}})

	// [] (and a null metric) clears a key; the key is then absent.
	put(t, s, "ep-1", pinpoint.EndpointRequest{
		Attributes: map[string][]string{"b": {}},
		Metrics:    map[string]*float64{"m2": nil},
		User:       &pinpoint.UserRequest{UserAttributes: map[string][]string{"ub": {}}},
	}, at(2))
	check("clear b, m2, ub",
		map[string][]string{"a": {"3"}},
		map[string]float64{"m1": 10},
		map[string][]string{"ua": {"9", "8"}})

	// Clearing the last key leaves none.
	put(t, s, "ep-1", pinpoint.EndpointRequest{
		Attributes: map[string][]string{"a": {}},
		Metrics:    map[string]*float64{"m1": nil},
		User:       &pinpoint.UserRequest{UserAttributes: map[string][]string{"ua": {}}},
	}, at(3))
	check("clear the last keys", nil, nil, nil)
	e := get(t, s, "ep-1")
	if e.User.UserID != "u" {
		t.Errorf("UserId after clearing its attributes: got %q, want %q", e.User.UserID, "u")
	}
}

func testNestedMerge(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	put(t, s, "ep-1", pinpoint.EndpointRequest{
		Demographic: &pinpoint.DemographicRequest{Make: str("Apple"), Model: str("iPhone"), Timezone: str("UTC")},
		Location:    &pinpoint.LocationRequest{City: str("Lyon"), Latitude: f64(45.76), Longitude: f64(4.83)},
	}, at(0))
	put(t, s, "ep-1", pinpoint.EndpointRequest{
		Demographic: &pinpoint.DemographicRequest{Model: str("iPhone 17"), Platform: str("ios")},
		Location:    &pinpoint.LocationRequest{Country: str("FR"), Latitude: f64(45.74)},
	}, at(1))
	e := get(t, s, "ep-1")
	wantDemo := &pinpoint.Demographic{Make: "Apple", Model: "iPhone 17", Platform: "ios", Timezone: "UTC"}
	if g, w := jsonOf(e.Demographic), jsonOf(wantDemo); g != w {
		t.Errorf("Demographic: got %s, want %s", g, w)
	}
	wantLoc := &pinpoint.Location{City: "Lyon", Country: "FR", Latitude: f64(45.7), Longitude: f64(4.8)}
	if g, w := jsonOf(e.Location), jsonOf(wantLoc); g != w {
		t.Errorf("Location: got %s, want %s", g, w)
	}

	// A UserId alone keeps the endpoint's other fields.
	put(t, s, "ep-1", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("u1")}}, at(2))
	e = get(t, s, "ep-1")
	if e.User.UserID != "u1" || jsonOf(e.Demographic) != jsonOf(wantDemo) || jsonOf(e.Location) != jsonOf(wantLoc) {
		t.Errorf("after setting UserId: got %s, want UserId u1 and Demographic, Location unchanged", jsonOf(e))
	}
}

func testCreationDateKept(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	put(t, s, "ep-1", email("a@example.com", ""), at(0))
	put(t, s, "ep-1", pinpoint.EndpointRequest{Attributes: attrs("k", "v")}, at(1))
	put(t, s, "ep-1", pinpoint.EndpointRequest{EndpointStatus: str("INACTIVE")}, at(2))
	e := get(t, s, "ep-1")
	if got, want := e.CreationDate, "2026-03-01T12:00:00.000Z"; got != want {
		t.Errorf("CreationDate after updates: got %q, want %q", got, want)
	}
	if got, want := e.EffectiveDate, "2026-03-01T14:00:00.000Z"; got != want {
		t.Errorf("EffectiveDate after updates: got %q, want %q", got, want)
	}
}

func testClientDates(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	req := email("a@example.com", "")
	req.EffectiveDate = str("2025-12-31T23:59:59.5Z")
	req.RequestID = str("client-request-7")
	put(t, s, "ep-1", req, at(0))
	e := get(t, s, "ep-1")
	if got, want := e.EffectiveDate, "2025-12-31T23:59:59.500Z"; got != want {
		t.Errorf("EffectiveDate sent by the client: got %q, want %q", got, want)
	}
	if got, want := e.RequestID, "client-request-7"; got != want {
		t.Errorf("RequestId sent by the client: got %q, want %q", got, want)
	}
	if got, want := e.CreationDate, "2026-03-01T12:00:00.000Z"; got != want {
		t.Errorf("CreationDate: got %q, want %q", got, want)
	}
	// The next update without them takes the server's.
	put(t, s, "ep-1", pinpoint.EndpointRequest{}, at(1))
	e = get(t, s, "ep-1")
	if e.EffectiveDate != "2026-03-01T13:00:00.000Z" || e.RequestID != "req-1" {
		t.Errorf("EffectiveDate, RequestId after a plain update: got %q, %q; want %q, %q",
			e.EffectiveDate, e.RequestID, "2026-03-01T13:00:00.000Z", "req-1")
	}
}

func testGetEndpointNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	_, err := s.GetEndpoint(ctx, acct1, appA, "nope")
	wantErr(t, "GetEndpoint(unknown)", err, store.ErrEndpointNotFound)
	_, err = s.DeleteEndpoint(ctx, acct1, appA, "nope")
	wantErr(t, "DeleteEndpoint(unknown)", err, store.ErrEndpointNotFound)
}

func testIDsCaseSensitive(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	put(t, s, "Ep-1", pinpoint.EndpointRequest{Attributes: attrs("k", "upper")}, at(0))
	wantGone(t, s, "ep-1")
	put(t, s, "ep-1", pinpoint.EndpointRequest{Attributes: attrs("k", "lower")}, at(0))
	if got := get(t, s, "Ep-1").Attributes["k"]; len(got) != 1 || got[0] != "upper" {
		t.Errorf("Ep-1 Attributes[k]: got %v, want [upper]", got)
	}
	if got := get(t, s, "ep-1").Attributes["k"]; len(got) != 1 || got[0] != "lower" {
		t.Errorf("ep-1 Attributes[k]: got %v, want [lower]", got)
	}
	put(t, s, "ep-1", email("x@example.com", "User"), at(1))
	_, err := s.GetUserEndpoints(t.Context(), acct1, appA, "user")
	wantErr(t, "GetUserEndpoints(user, only User exists)", err, store.ErrUserNotFound)
}

// Every app-scoped method answers ErrAppNotFound for an unknown app and for another account's,
// and does nothing to the other account's app.
func testUnknownOrForeignApp(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	orig := put(t, s, "ep-1", email("a@example.com", "user-1"), at(0))

	for _, c := range []struct{ name, account, app string }{
		{"unknown app", acct1, appB},
		{"other account's app", acct2, appA},
	} {
		called := false
		w := store.EndpointWrite{ID: "ep-1", Update: func(app *pinpoint.App, old *pinpoint.Endpoint, ua map[string][]string) (*pinpoint.Endpoint, error) {
			called = true
			return merge("ep-1", pinpoint.EndpointRequest{Attributes: attrs("k", "v")}, at(1))(app, old, ua)
		}}
		for _, atomic := range []bool{true, false} {
			res, err := s.WriteEndpoints(ctx, c.account, c.app, []store.EndpointWrite{w}, atomic)
			if !errors.Is(err, store.ErrAppNotFound) {
				t.Errorf("WriteEndpoints(%s, atomic=%v): got %v, %v; want ErrAppNotFound", c.name, atomic, res, err)
			}
		}
		if called {
			t.Errorf("WriteEndpoints(%s): the updater was called, want it not called", c.name)
		}
		_, err := s.GetEndpoint(ctx, c.account, c.app, "ep-1")
		wantErr(t, "GetEndpoint("+c.name+")", err, store.ErrAppNotFound)
		_, err = s.DeleteEndpoint(ctx, c.account, c.app, "ep-1")
		wantErr(t, "DeleteEndpoint("+c.name+")", err, store.ErrAppNotFound)
		_, err = s.GetUserEndpoints(ctx, c.account, c.app, "user-1")
		wantErr(t, "GetUserEndpoints("+c.name+")", err, store.ErrAppNotFound)
		_, err = s.DeleteUserEndpoints(ctx, c.account, c.app, "user-1")
		wantErr(t, "DeleteUserEndpoints("+c.name+")", err, store.ErrAppNotFound)
		_, err = s.ListEvents(ctx, c.account, c.app, "ep-1")
		wantErr(t, "ListEvents("+c.name+")", err, store.ErrAppNotFound)
		_, err = s.GetApp(ctx, c.account, c.app)
		wantErr(t, "GetApp("+c.name+")", err, store.ErrAppNotFound)
	}
	checkEndpoint(t, "endpoint after another account's calls", get(t, s, "ep-1"), orig)
	if got := userEndpoints(t, s, "user-1"); len(got) != 1 {
		t.Errorf("GetUserEndpoints after another account's calls: got %v, want [ep-1]", ids(got))
	}
}

func testSameIDInTwoApps(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	newApp(t, s, acct2, appB)
	reqA := email("a@example.com", "user-1")
	reqA.User.UserAttributes = attrs("app", "A")
	reqB := email("b@example.com", "user-1")
	reqB.User.UserAttributes = attrs("app", "B")
	putIn(t, s, acct1, appA, "ep-1", reqA, at(0))
	putIn(t, s, acct2, appB, "ep-1", reqB, at(1))

	a, b := getIn(t, s, acct1, appA, "ep-1"), getIn(t, s, acct2, appB, "ep-1")
	if a.ApplicationID != appA || a.Address != "a@example.com" || a.CreationDate != "2026-03-01T12:00:00.000Z" {
		t.Errorf("appA's ep-1: got %s, want the endpoint written to appA", jsonOf(a))
	}
	if b.ApplicationID != appB || b.Address != "b@example.com" || b.CreationDate != "2026-03-01T13:00:00.000Z" {
		t.Errorf("appB's ep-1: got %s, want the endpoint written to appB", jsonOf(b))
	}
	checkUserAttrs(t, a, attrs("app", "A"))
	checkUserAttrs(t, b, attrs("app", "B"))

	if _, err := s.DeleteEndpoint(ctx, acct1, appA, "ep-1"); err != nil {
		t.Fatalf("DeleteEndpoint(appA): got %v, want nil", err)
	}
	checkEndpoint(t, "appB's ep-1 after deleting appA's", getIn(t, s, acct2, appB, "ep-1"), b)
	if _, err := s.DeleteUserEndpoints(ctx, acct2, appB, "user-1"); err != nil {
		t.Fatalf("DeleteUserEndpoints(appB): got %v, want nil", err)
	}
	_, err := s.GetUserEndpoints(ctx, acct2, appB, "user-1")
	wantErr(t, "GetUserEndpoints(appB) after DeleteUserEndpoints", err, store.ErrUserNotFound)
}

// updaterCall is one call of a recording updater.
type updaterCall struct {
	app   pinpoint.App
	old   string // jsonOf(old), "null" for nil
	attrs string // jsonOf(userAttrs)
}

// recorder wraps merge and records its arguments; a backend that retries may call it more often.
type recorder struct {
	mu    sync.Mutex
	calls []updaterCall
}

func (r *recorder) updater(id string, req pinpoint.EndpointRequest, now time.Time) store.EndpointUpdater {
	m := merge(id, req, now)
	return func(app *pinpoint.App, old *pinpoint.Endpoint, ua map[string][]string) (*pinpoint.Endpoint, error) {
		r.mu.Lock()
		c := updaterCall{app: *app, old: "null", attrs: jsonOf(ua)}
		if old != nil {
			c.old = jsonOf(old)
		}
		if len(ua) == 0 {
			c.attrs = "null"
		}
		r.calls = append(r.calls, c)
		r.mu.Unlock()
		return m(app, old, ua)
	}
}

func (r *recorder) take() []updaterCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

// The updater sees the stored app, the stored endpoint with its user's attributes, and the
// attributes of the user the result belongs to (EndpointUpdater's contract).
func testUpdaterArguments(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := newApp(t, s, acct1, appA)
	var r recorder
	run := func(step, id string, req pinpoint.EndpointRequest, h int) []updaterCall {
		t.Helper()
		if _, err := write(ctx, s, acct1, appA, store.EndpointWrite{ID: id, Update: r.updater(id, req, at(h))}); err != nil {
			t.Fatalf("%s: WriteEndpoints: got %v, want nil", step, err)
		}
		calls := r.take()
		if len(calls) == 0 {
			t.Fatalf("%s: the updater was not called", step)
		}
		for i, c := range calls {
			checkApp(t, fmt.Sprintf("%s: app passed to the updater (call %d)", step, i), c.app, app)
		}
		return calls
	}
	checkCall := func(step string, c updaterCall, wantOld *pinpoint.Endpoint, wantAttrs map[string][]string) {
		t.Helper()
		w := "null"
		if wantOld != nil {
			w = jsonOf(wantOld)
		}
		if c.old != w {
			t.Errorf("%s: old:\ngot  %s\nwant %s", step, c.old, w)
		}
		wa := "null"
		if len(wantAttrs) > 0 {
			wa = jsonOf(wantAttrs)
		}
		if c.attrs != wa {
			t.Errorf("%s: userAttrs: got %s, want %s", step, c.attrs, wa)
		}
	}

	// A new endpoint without a user: old nil, userAttrs nil.
	calls := run("create", "ep-1", email("a@example.com", ""), 0)
	checkCall("create", calls[0], nil, nil)

	// A new endpoint joining a user that has attributes: first nil, then the user's.
	u2 := email("b@example.com", "u2")
	u2.User.UserAttributes = attrs("b", "2")
	run("seed u2", "ep-2", u2, 0)
	calls = run("create in u2", "ep-3", email("c@example.com", "u2"), 1)
	checkCall("create in u2, first call", calls[0], nil, nil)
	checkCall("create in u2, last call", calls[len(calls)-1], nil, attrs("b", "2"))

	// An endpoint without a user but with user attributes of its own: they are its userAttrs.
	own := pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserAttributes: attrs("own", "1")}}
	run("own attributes", "ep-1", own, 1)
	stored := get(t, s, "ep-1")
	calls = run("update without user", "ep-1", pinpoint.EndpointRequest{}, 2)
	checkCall("update without user", calls[0], &stored, attrs("own", "1"))

	// Moving ep-3 from u2 to u3: first u2's attributes (and old shows them), then u3's.
	u3 := email("d@example.com", "u3")
	u3.User.UserAttributes = attrs("d", "4")
	run("seed u3", "ep-4", u3, 2)
	stored = get(t, s, "ep-3")
	calls = run("move to u3", "ep-3", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("u3")}}, 3)
	checkCall("move to u3, first call", calls[0], &stored, attrs("b", "2"))
	checkCall("move to u3, last call", calls[len(calls)-1], &stored, attrs("d", "4"))
	if len(calls) < 2 {
		t.Errorf("move to u3: the updater was called %d times, want at least 2", len(calls))
	}

	// Leaving the user: the second call gets nil.
	stored = get(t, s, "ep-3")
	calls = run("leave u3", "ep-3", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("")}}, 4)
	checkCall("leave u3, first call", calls[0], &stored, attrs("d", "4"))
	checkCall("leave u3, last call", calls[len(calls)-1], &stored, nil)
}

func testDeleteEndpoint(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	req := fullRequest()
	put(t, s, "ep-1", req, at(0))
	req2 := email("b@example.com", "user-1")
	put(t, s, "ep-2", req2, at(1))
	before := get(t, s, "ep-1")

	got, err := s.DeleteEndpoint(ctx, acct1, appA, "ep-1")
	if err != nil {
		t.Fatalf("DeleteEndpoint: got %v, want nil", err)
	}
	checkEndpoint(t, "DeleteEndpoint result", got, before)
	checkUserAttrs(t, got, attrs("name", "Ana", "tier", "gold"))
	wantGone(t, s, "ep-1")
	_, err = s.DeleteEndpoint(ctx, acct1, appA, "ep-1")
	wantErr(t, "DeleteEndpoint twice", err, store.ErrEndpointNotFound)

	// The user's other endpoint and its attributes stay.
	rest := userEndpoints(t, s, "user-1")
	if got, want := ids(rest), []string{"ep-2"}; jsonOf(got) != jsonOf(want) {
		t.Errorf("GetUserEndpoints after DeleteEndpoint: got %v, want %v", got, want)
	}
	checkUserAttrs(t, get(t, s, "ep-2"), attrs("name", "Ana", "tier", "gold"))

	// The ID can be used again, for a new endpoint.
	put(t, s, "ep-1", email("c@example.com", ""), at(2))
	e := get(t, s, "ep-1")
	if e.CreationDate != "2026-03-01T14:00:00.000Z" || e.Attributes != nil || e.Demographic != nil {
		t.Errorf("endpoint re-created after DeleteEndpoint: got %s, want a new endpoint", jsonOf(e))
	}
}

package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// Run runs the conformance suite. open must return a new, empty, initialised store for each call;
// Run closes it when the subtest ends (open may also register its own t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	run(t, cases(), open)
}

// RunStatsCountingRows runs the cases of AppStats for a store that counts the rows it holds
// instead of keeping counters (PostgreSQL without migration 7's triggers, as on Citus): the same,
// but that events per day no longer count the events of deleted endpoints.
func RunStatsCountingRows(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	run(t, countingRowsCases(), open)
}

func run(t *testing.T, cases []testCase, open func(t *testing.T) store.Store) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			// Registered after open's own cleanups, so it runs before them (t.Cleanup is LIFO).
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: got %v, want nil", err)
				}
			})
			c.run(t, s)
		})
	}
}

type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
}

func cases() []testCase {
	return slices.Concat(appCases(), endpointCases(), addressCases(), userCases(), writeCases(),
		eventCases(), keyCases(), identityCases(), miscCases(), concurrencyCases(), segmentCases(),
		jobCases(), statsCases(), readCases())
}

// Accounts and application IDs (Pinpoint's are 32 lowercase hex digits).
const (
	acct1 = "111111111111"
	acct2 = "222222222222"
	appA  = "a0000000000000000000000000000001"
	appB  = "b0000000000000000000000000000002"
)

// at returns the fixed instant of the h-th hour of the suite; no case reads the clock.
func at(h int) time.Time {
	return time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
}

func str(s string) *string   { return &s }
func f64(v float64) *float64 { return &v }
func attrs(kv ...string) map[string][]string {
	m := make(map[string][]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

// merge returns the updater the API's UpdateEndpoint would pass: pinpoint.Merge of req at now.
func merge(id string, req pinpoint.EndpointRequest, now time.Time) store.EndpointUpdater {
	return func(app *pinpoint.App, old *pinpoint.Endpoint, ua map[string][]string) (*pinpoint.Endpoint, error) {
		return pinpoint.Merge(old, ua, &req, pinpoint.Update{AppID: app.ID, ID: id, Now: now, RequestID: "req-1", Excluded: app.Excluded})
	}
}

// failing returns an updater that refuses the write with err.
func failing(err error) store.EndpointUpdater {
	return func(*pinpoint.App, *pinpoint.Endpoint, map[string][]string) (*pinpoint.Endpoint, error) {
		return nil, err
	}
}

func upd(id string, req pinpoint.EndpointRequest, now time.Time) store.EndpointWrite {
	return store.EndpointWrite{ID: id, Update: merge(id, req, now)}
}

// email is a request for an EMAIL endpoint with address addr and, when user is not "", that UserId.
func email(addr, user string) pinpoint.EndpointRequest {
	req := pinpoint.EndpointRequest{ChannelType: str("EMAIL"), Address: str(addr)}
	if user != "" {
		req.User = &pinpoint.UserRequest{UserID: str(user)}
	}
	return req
}

func newApp(t *testing.T, s store.Store, account, id string) pinpoint.App {
	t.Helper()
	app := pinpoint.App{ID: id, Account: account, Name: "app " + id, CreationDate: pinpoint.FormatTime(at(0))}
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatalf("CreateApp(%s): got %v, want nil", id, err)
	}
	return app
}

// write writes one endpoint atomically and returns it as written.
func write(ctx context.Context, s store.Store, account, appID string, w store.EndpointWrite) (*pinpoint.Endpoint, error) {
	res, err := s.WriteEndpoints(ctx, account, appID, []store.EndpointWrite{w}, true)
	if err != nil {
		return nil, err
	}
	if len(res) != 1 {
		return nil, fmt.Errorf("storetest: WriteEndpoints of 1 write returned %d results", len(res))
	}
	if res[0].Err != nil {
		return nil, res[0].Err
	}
	if res[0].Endpoint == nil {
		return nil, errors.New("storetest: WriteEndpoints returned a nil Endpoint and a nil Err")
	}
	return res[0].Endpoint, nil
}

// put writes req to endpoint id of appA of acct1 at now and fails the test on error.
func put(t *testing.T, s store.Store, id string, req pinpoint.EndpointRequest, now time.Time) pinpoint.Endpoint {
	t.Helper()
	return putIn(t, s, acct1, appA, id, req, now)
}

func putIn(t *testing.T, s store.Store, account, appID, id string, req pinpoint.EndpointRequest, now time.Time) pinpoint.Endpoint {
	t.Helper()
	e, err := write(t.Context(), s, account, appID, upd(id, req, now))
	if err != nil {
		t.Fatalf("WriteEndpoints(%s/%s): got %v, want nil", appID, id, err)
	}
	return *e
}

// putAll writes ws to appA of acct1 atomically and fails the test on error.
func putAll(t *testing.T, s store.Store, ws ...store.EndpointWrite) []store.WriteResult {
	t.Helper()
	res, err := s.WriteEndpoints(t.Context(), acct1, appA, ws, true)
	if err != nil {
		t.Fatalf("WriteEndpoints(%d writes): got %v, want nil", len(ws), err)
	}
	if len(res) != len(ws) {
		t.Fatalf("WriteEndpoints(%d writes): got %d results, want %d", len(ws), len(res), len(ws))
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("WriteEndpoints: result %d (%s): got %v, want nil", i, ws[i].ID, r.Err)
		}
	}
	return res
}

func get(t *testing.T, s store.Store, id string) pinpoint.Endpoint {
	t.Helper()
	return getIn(t, s, acct1, appA, id)
}

func getIn(t *testing.T, s store.Store, account, appID, id string) pinpoint.Endpoint {
	t.Helper()
	e, err := s.GetEndpoint(t.Context(), account, appID, id)
	if err != nil {
		t.Fatalf("GetEndpoint(%s/%s): got %v, want nil", appID, id, err)
	}
	return e
}

// wantGone checks that endpoint id of appA does not exist.
func wantGone(t *testing.T, s store.Store, id string) {
	t.Helper()
	e, err := s.GetEndpoint(t.Context(), acct1, appA, id)
	if !errors.Is(err, store.ErrEndpointNotFound) {
		t.Errorf("GetEndpoint(%s): got %s, %v; want ErrEndpointNotFound", id, jsonOf(e), err)
	}
}

func userEndpoints(t *testing.T, s store.Store, user string) []pinpoint.Endpoint {
	t.Helper()
	es, err := s.GetUserEndpoints(t.Context(), acct1, appA, user)
	if err != nil {
		t.Fatalf("GetUserEndpoints(%s): got %v, want nil", user, err)
	}
	return es
}

func ids(es []pinpoint.Endpoint) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// jsonOf is the wire form of v: how endpoints are compared, so that a nil map and an empty one
// (which the API cannot tell apart) compare equal, and failures print readably.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func checkEndpoint(t *testing.T, what string, got, want pinpoint.Endpoint) {
	t.Helper()
	if g, w := jsonOf(got), jsonOf(want); g != w {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

func checkEndpoints(t *testing.T, what string, got, want []pinpoint.Endpoint) {
	t.Helper()
	if g, w := jsonOf(got), jsonOf(want); g != w {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

// checkUserAttrs checks the user attributes an endpoint shows; nil and empty are equal.
func checkUserAttrs(t *testing.T, e pinpoint.Endpoint, want map[string][]string) {
	t.Helper()
	if g, w := jsonOf(e.User.UserAttributes), jsonOf(want); !(g == w || len(e.User.UserAttributes) == 0 && len(want) == 0) {
		t.Errorf("endpoint %s UserAttributes: got %s, want %s", e.ID, g, w)
	}
}

func checkStatus(t *testing.T, e pinpoint.Endpoint, want string) {
	t.Helper()
	if e.EndpointStatus != want {
		t.Errorf("endpoint %s EndpointStatus: got %q, want %q", e.ID, e.EndpointStatus, want)
	}
}

// wantErr checks that err wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// wantCode checks that err is a *pinpoint.Error with code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var pe *pinpoint.Error
	if !errors.As(err, &pe) {
		t.Errorf("%s: got error %v (%T), want a *pinpoint.Error with Code %s", what, err, err, code)
		return
	}
	if pe.Code != code {
		t.Errorf("%s: got code %q, want %q", what, pe.Code, code)
	}
}

package storetest

import (
	"errors"
	"reflect"
	"testing"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func appCases() []testCase {
	return []testCase{
		{"CreateGetApp", testCreateGetApp},
		{"CreateAppDuplicate", testCreateAppDuplicate},
		{"GetAppOtherAccount", testGetAppOtherAccount},
		{"ListApps", testListApps},
		{"UpdateApp", testUpdateApp},
		{"UpdateAppExcludedReachesUpdater", testUpdateAppExcluded},
		{"UpdateAppErrorAborts", testUpdateAppErrorAborts},
		{"UpdateAppNotFound", testUpdateAppNotFound},
		{"DeleteApp", testDeleteApp},
		{"DeleteAppRemovesData", testDeleteAppRemovesData},
	}
}

// normApp makes nil and empty maps equal: the API cannot tell them apart.
func normApp(a pinpoint.App) pinpoint.App {
	if len(a.Tags) == 0 {
		a.Tags = nil
	}
	if len(a.Excluded) == 0 {
		a.Excluded = nil
	}
	return a
}

func checkApp(t *testing.T, what string, got, want pinpoint.App) {
	t.Helper()
	if g, w := normApp(got), normApp(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s: got %+v, want %+v", what, g, w)
	}
}

func appIDs(apps []pinpoint.App) []string {
	out := make([]string, len(apps))
	for i, a := range apps {
		out[i] = a.ID
	}
	return out
}

func testCreateGetApp(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := pinpoint.App{
		ID:           appA,
		Account:      acct1,
		Name:         "My App",
		CreationDate: pinpoint.FormatTime(at(0)),
		Tags:         map[string]string{"team": "growth", "env": "prod"},
		Excluded:     map[string][]string{pinpoint.AttrTypeCustom: {"secret", "tmp*"}},
	}
	if err := s.CreateApp(ctx, want); err != nil {
		t.Fatalf("CreateApp: got %v, want nil", err)
	}
	got, err := s.GetApp(ctx, acct1, appA)
	if err != nil {
		t.Fatalf("GetApp: got %v, want nil", err)
	}
	checkApp(t, "GetApp", got, want)

	bare := pinpoint.App{ID: appB, Account: acct1, Name: "bare", CreationDate: pinpoint.FormatTime(at(1))}
	if err := s.CreateApp(ctx, bare); err != nil {
		t.Fatalf("CreateApp(no tags): got %v, want nil", err)
	}
	got, err = s.GetApp(ctx, acct1, appB)
	if err != nil {
		t.Fatalf("GetApp(no tags): got %v, want nil", err)
	}
	checkApp(t, "GetApp(no tags)", got, bare)

	_, err = s.GetApp(ctx, acct1, "c0000000000000000000000000000003")
	wantErr(t, "GetApp(unknown)", err, store.ErrAppNotFound)
}

func testCreateAppDuplicate(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := newApp(t, s, acct1, appA)
	dup := pinpoint.App{ID: appA, Account: acct1, Name: "other", CreationDate: pinpoint.FormatTime(at(1))}
	wantErr(t, "CreateApp(same ID, same account)", s.CreateApp(ctx, dup), store.ErrExists)
	dup.Account = acct2
	wantErr(t, "CreateApp(same ID, other account)", s.CreateApp(ctx, dup), store.ErrExists)

	got, err := s.GetApp(ctx, acct1, appA)
	if err != nil {
		t.Fatalf("GetApp: got %v, want nil", err)
	}
	checkApp(t, "GetApp after refused duplicates", got, first)
	_, err = s.GetApp(ctx, acct2, appA)
	wantErr(t, "GetApp(other account) after refused duplicate", err, store.ErrAppNotFound)
}

func testGetAppOtherAccount(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	_, err := s.GetApp(t.Context(), acct2, appA)
	wantErr(t, "GetApp(other account)", err, store.ErrAppNotFound)
}

func testListApps(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Created out of order and interleaved with another account's apps.
	mine := []string{
		"0d000000000000000000000000000000", "09000000000000000000000000000000",
		"0f000000000000000000000000000000", "01000000000000000000000000000000",
		"0b000000000000000000000000000000",
	}
	theirs := []string{"0a000000000000000000000000000000", "0e000000000000000000000000000000"}
	for i, id := range mine {
		newApp(t, s, acct1, id)
		if i < len(theirs) {
			newApp(t, s, acct2, theirs[i])
		}
	}
	sorted := []string{
		"01000000000000000000000000000000", "09000000000000000000000000000000",
		"0b000000000000000000000000000000", "0d000000000000000000000000000000",
		"0f000000000000000000000000000000",
	}

	all, err := s.ListApps(ctx, acct1, "", 100)
	if err != nil {
		t.Fatalf("ListApps: got %v, want nil", err)
	}
	if got := appIDs(all); !reflect.DeepEqual(got, sorted) {
		t.Errorf("ListApps(acct1): got %v, want %v", got, sorted)
	}
	for _, a := range all {
		if a.Account != acct1 || a.Name != "app "+a.ID {
			t.Errorf("ListApps(acct1): got app %+v, want Account %s and Name %q", a, acct1, "app "+a.ID)
		}
	}

	// Pages of 2, each starting after the last ID of the previous one.
	var paged []string
	after := ""
	for range 10 {
		page, err := s.ListApps(ctx, acct1, after, 2)
		if err != nil {
			t.Fatalf("ListApps(after %q, 2): got %v, want nil", after, err)
		}
		if len(page) > 2 {
			t.Fatalf("ListApps(after %q, 2): got %d apps, want at most 2", after, len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, appIDs(page)...)
		after = page[len(page)-1].ID
	}
	if !reflect.DeepEqual(paged, sorted) {
		t.Errorf("ListApps paged by 2: got %v, want %v", paged, sorted)
	}

	// after need not be an existing ID.
	page, err := s.ListApps(ctx, acct1, "0c", 100)
	if err != nil {
		t.Fatalf("ListApps(after 0c): got %v, want nil", err)
	}
	if got, want := appIDs(page), sorted[3:]; !reflect.DeepEqual(got, want) {
		t.Errorf("ListApps(after 0c): got %v, want %v", got, want)
	}
	page, err = s.ListApps(ctx, acct1, sorted[len(sorted)-1], 100)
	if err != nil || len(page) != 0 {
		t.Errorf("ListApps(after last): got %v, %v; want [], nil", appIDs(page), err)
	}

	theirsGot, err := s.ListApps(ctx, acct2, "", 100)
	if err != nil {
		t.Fatalf("ListApps(acct2): got %v, want nil", err)
	}
	if got, want := appIDs(theirsGot), theirs; !reflect.DeepEqual(got, want) {
		t.Errorf("ListApps(acct2): got %v, want %v", got, want)
	}
	none, err := s.ListApps(ctx, "333333333333", "", 100)
	if err != nil || len(none) != 0 {
		t.Errorf("ListApps(account without apps): got %v, %v; want [], nil", appIDs(none), err)
	}
}

func testUpdateApp(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := pinpoint.App{
		ID: appA, Account: acct1, Name: "before", CreationDate: pinpoint.FormatTime(at(0)),
		Tags: map[string]string{"a": "1", "b": "2"},
	}
	if err := s.CreateApp(ctx, orig); err != nil {
		t.Fatalf("CreateApp: got %v, want nil", err)
	}
	var seen pinpoint.App
	got, err := s.UpdateApp(ctx, acct1, appA, func(a *pinpoint.App) error {
		seen = *a
		a.Name = "after"
		a.Tags = map[string]string{"b": "3", "c": "4"}
		a.Excluded = map[string][]string{pinpoint.AttrTypeUser: {"ssn"}}
		// Not the fn's to change:
		a.ID = "ffffffffffffffffffffffffffffffff"
		a.Account = acct2
		a.CreationDate = pinpoint.FormatTime(at(9))
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateApp: got %v, want nil", err)
	}
	checkApp(t, "app passed to fn", seen, orig)
	want := pinpoint.App{
		ID: appA, Account: acct1, Name: "after", CreationDate: pinpoint.FormatTime(at(0)),
		Tags:     map[string]string{"b": "3", "c": "4"},
		Excluded: map[string][]string{pinpoint.AttrTypeUser: {"ssn"}},
	}
	checkApp(t, "UpdateApp result", got, want)
	stored, err := s.GetApp(ctx, acct1, appA)
	if err != nil {
		t.Fatalf("GetApp: got %v, want nil", err)
	}
	checkApp(t, "GetApp after UpdateApp", stored, want)
	if _, err := s.GetApp(ctx, acct1, "ffffffffffffffffffffffffffffffff"); !errors.Is(err, store.ErrAppNotFound) {
		t.Errorf("GetApp(ID set by fn): got %v, want ErrAppNotFound", err)
	}

	// Clearing tags and exclusions persists too.
	if _, err := s.UpdateApp(ctx, acct1, appA, func(a *pinpoint.App) error {
		a.Tags, a.Excluded = nil, nil
		return nil
	}); err != nil {
		t.Fatalf("UpdateApp(clear): got %v, want nil", err)
	}
	stored, err = s.GetApp(ctx, acct1, appA)
	if err != nil {
		t.Fatalf("GetApp: got %v, want nil", err)
	}
	want.Tags, want.Excluded = nil, nil
	checkApp(t, "GetApp after clearing", stored, want)
}

// The app the store hands the updater is the stored one, with UpdateApp's Excluded.
func testUpdateAppExcluded(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	if _, err := s.UpdateApp(t.Context(), acct1, appA, func(a *pinpoint.App) error {
		a.Excluded = map[string][]string{pinpoint.AttrTypeCustom: {"secret*"}}
		return nil
	}); err != nil {
		t.Fatalf("UpdateApp: got %v, want nil", err)
	}
	e := put(t, s, "ep-1", pinpoint.EndpointRequest{Attributes: attrs("secret-1", "x", "kept", "y")}, at(0))
	want := attrs("kept", "y")
	if g, w := jsonOf(e.Attributes), jsonOf(want); g != w {
		t.Errorf("Attributes with secret* excluded: got %s, want %s", g, w)
	}
}

func testUpdateAppErrorAborts(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := pinpoint.App{
		ID: appA, Account: acct1, Name: "before", CreationDate: pinpoint.FormatTime(at(0)),
		Tags: map[string]string{"a": "1"},
	}
	if err := s.CreateApp(ctx, orig); err != nil {
		t.Fatalf("CreateApp: got %v, want nil", err)
	}
	refuse := pinpoint.BadRequest("too many tags")
	_, err := s.UpdateApp(ctx, acct1, appA, func(a *pinpoint.App) error {
		a.Name = "after"
		a.Tags["b"] = "2"
		a.Excluded = map[string][]string{pinpoint.AttrTypeCustom: {"x"}}
		return refuse
	})
	wantErr(t, "UpdateApp(fn fails)", err, refuse)
	got, err := s.GetApp(ctx, acct1, appA)
	if err != nil {
		t.Fatalf("GetApp: got %v, want nil", err)
	}
	checkApp(t, "GetApp after aborted UpdateApp", got, orig)
}

func testUpdateAppNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := newApp(t, s, acct1, appA)
	rename := func(a *pinpoint.App) error { a.Name = "stolen"; return nil }
	_, err := s.UpdateApp(ctx, acct2, appA, rename)
	wantErr(t, "UpdateApp(other account)", err, store.ErrAppNotFound)
	_, err = s.UpdateApp(ctx, acct1, appB, rename)
	wantErr(t, "UpdateApp(unknown app)", err, store.ErrAppNotFound)
	got, err := s.GetApp(ctx, acct1, appA)
	if err != nil {
		t.Fatalf("GetApp: got %v, want nil", err)
	}
	checkApp(t, "GetApp after UpdateApp by other account", got, orig)
}

func testDeleteApp(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := pinpoint.App{
		ID: appA, Account: acct1, Name: "doomed", CreationDate: pinpoint.FormatTime(at(0)),
		Tags: map[string]string{"k": "v"}, Excluded: map[string][]string{pinpoint.AttrTypeMetric: {"m"}},
	}
	if err := s.CreateApp(ctx, want); err != nil {
		t.Fatalf("CreateApp: got %v, want nil", err)
	}
	other := newApp(t, s, acct1, appB)

	_, err := s.DeleteApp(ctx, acct2, appA)
	wantErr(t, "DeleteApp(other account)", err, store.ErrAppNotFound)
	if _, err := s.GetApp(ctx, acct1, appA); err != nil {
		t.Fatalf("GetApp after DeleteApp by other account: got %v, want nil", err)
	}

	got, err := s.DeleteApp(ctx, acct1, appA)
	if err != nil {
		t.Fatalf("DeleteApp: got %v, want nil", err)
	}
	checkApp(t, "DeleteApp result", got, want)
	_, err = s.GetApp(ctx, acct1, appA)
	wantErr(t, "GetApp after DeleteApp", err, store.ErrAppNotFound)
	_, err = s.DeleteApp(ctx, acct1, appA)
	wantErr(t, "DeleteApp twice", err, store.ErrAppNotFound)
	list, err := s.ListApps(ctx, acct1, "", 100)
	if err != nil {
		t.Fatalf("ListApps: got %v, want nil", err)
	}
	if got, want := appIDs(list), []string{appB}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListApps after DeleteApp: got %v, want %v", got, want)
	}
	stillThere, err := s.GetApp(ctx, acct1, appB)
	if err != nil {
		t.Fatalf("GetApp(other app): got %v, want nil", err)
	}
	checkApp(t, "other app after DeleteApp", stillThere, other)
}

// DeleteApp takes the app's endpoints, users and events with it: an app created later with the
// same ID starts empty, and the other app keeps its own.
func testDeleteAppRemovesData(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	newApp(t, s, acct1, appB)
	for _, app := range []string{appA, appB} {
		req := email("ana@example.com", "user-1")
		req.User.UserAttributes = attrs("tier", "gold")
		_, err := write(ctx, s, acct1, app, store.EndpointWrite{
			ID: "ep-1", Update: merge("ep-1", req, at(0)),
			Events: []store.Event{{ID: "ev-1", Type: "_session.start", Timestamp: at(0), Body: []byte(`{"EventType":"_session.start"}`)}},
		})
		if err != nil {
			t.Fatalf("WriteEndpoints(%s): got %v, want nil", app, err)
		}
	}
	if _, err := s.DeleteApp(ctx, acct1, appA); err != nil {
		t.Fatalf("DeleteApp: got %v, want nil", err)
	}

	_, err := s.GetEndpoint(ctx, acct1, appA, "ep-1")
	wantErr(t, "GetEndpoint of deleted app", err, store.ErrAppNotFound)

	newApp(t, s, acct1, appA)
	_, err = s.GetEndpoint(ctx, acct1, appA, "ep-1")
	wantErr(t, "GetEndpoint in re-created app", err, store.ErrEndpointNotFound)
	_, err = s.GetUserEndpoints(ctx, acct1, appA, "user-1")
	wantErr(t, "GetUserEndpoints in re-created app", err, store.ErrUserNotFound)
	evs, err := s.ListEvents(ctx, acct1, appA, "ep-1")
	if err != nil && !errors.Is(err, store.ErrEndpointNotFound) || len(evs) != 0 {
		t.Errorf("ListEvents in re-created app: got %d events, %v; want none", len(evs), err)
	}
	// The old user's attributes are gone, and the old ACTIVE address does not linger.
	e := putIn(t, s, acct1, appA, "ep-2", email("ana@example.com", "user-1"), at(1))
	checkUserAttrs(t, e, nil)
	checkUserAttrs(t, getIn(t, s, acct1, appA, "ep-2"), nil)
	checkStatus(t, getIn(t, s, acct1, appA, "ep-2"), pinpoint.StatusActive)

	// The other app is untouched.
	b := getIn(t, s, acct1, appB, "ep-1")
	checkStatus(t, b, pinpoint.StatusActive)
	checkUserAttrs(t, b, attrs("tier", "gold"))
	evs, err = s.ListEvents(ctx, acct1, appB, "ep-1")
	if err != nil || len(evs) != 1 {
		t.Errorf("ListEvents(other app): got %d events, %v; want 1, nil", len(evs), err)
	}
}

package storetest

import (
	"errors"
	"fmt"
	"maps"
	"testing"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func writeCases() []testCase {
	return []testCase{
		{"AtomicBatchAllOrNothing", testAtomicBatch},
		{"NonAtomicBatchPerWrite", testNonAtomicBatch},
		{"NonAtomicUpdaterErrorIsThatWrites", testNonAtomicUpdaterError},
		{"ResultsInCallerOrder", testResultsInOrder},
		{"ReadAfterWrite", testReadAfterWrite},
		{"BatchSeesItsEarlierWrites", testBatchSeesItsEarlierWrites},
	}
}

func event(id, typ string, h int) store.Event {
	return store.Event{
		ID: id, Type: typ, Timestamp: at(h),
		Body: []byte(fmt.Sprintf(`{"EventType":%q,"Timestamp":%q}`, typ, pinpoint.FormatTime(at(h)))),
	}
}

func checkNoEvents(t *testing.T, s store.Store, id string) {
	t.Helper()
	evs, err := s.ListEvents(t.Context(), acct1, appA, id)
	if err != nil && !errors.Is(err, store.ErrEndpointNotFound) || len(evs) != 0 {
		t.Errorf("ListEvents(%s): got %d events, %v; want none", id, len(evs), err)
	}
}

// atomic=true: the first failing write aborts the call and nothing of any write stays.
func testAtomicBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	const addr = "shared@example.com"
	put(t, s, "ex", pinpoint.EndpointRequest{ChannelType: str("EMAIL"), Address: str(addr), Attributes: attrs("v", "1")}, at(0))
	r := email("ex2@example.com", "old-user")
	r.User.UserAttributes = attrs("o", "1")
	put(t, s, "ex2", r, at(0))
	ex, ex2 := get(t, s, "ex"), get(t, s, "ex2")

	joinUser := email(addr, "new-user") // would deactivate ex and create new-user
	joinUser.User.UserAttributes = attrs("n", "1")
	refuse := pinpoint.BadRequest("item 3 refused")
	for _, failAt := range []int{0, 2, 3} {
		writes := []store.EndpointWrite{
			{ID: "n1", Update: merge("n1", joinUser, at(1)), Events: []store.Event{event("ev-1", "_session.start", 1)}},
			upd("ex2", pinpoint.EndpointRequest{Attributes: attrs("v", "2"), User: &pinpoint.UserRequest{UserAttributes: attrs("o", "2")}}, at(1)),
			upd("n2", email("n2@example.com", "old-user"), at(1)),
			upd("n3", email("n3@example.com", ""), at(1)),
		}
		writes[failAt].Update = failing(refuse)
		_, err := s.WriteEndpoints(ctx, acct1, appA, writes, true)
		if !errors.Is(err, refuse) {
			t.Errorf("WriteEndpoints(atomic, write %d fails): got %v, want %v", failAt, err, refuse)
		}
		wantGone(t, s, "n1")
		wantGone(t, s, "n2")
		wantGone(t, s, "n3")
		checkEndpoint(t, "ex after the aborted call", get(t, s, "ex"), ex)
		checkEndpoint(t, "ex2 after the aborted call", get(t, s, "ex2"), ex2)
		_, err = s.GetUserEndpoints(ctx, acct1, appA, "new-user")
		wantErr(t, "GetUserEndpoints(new-user) after the aborted call", err, store.ErrUserNotFound)
		checkEndpoints(t, "GetUserEndpoints(old-user) after the aborted call", userEndpoints(t, s, "old-user"), []pinpoint.Endpoint{ex2})
		checkNoEvents(t, s, "n1")
	}

	// A later write merges into ex2 as it was before the aborted calls: nothing a backend keeps
	// between calls (the SQLite writer's row cache) may hold what they undid.
	put(t, s, "ex2", pinpoint.EndpointRequest{Attributes: attrs("w", "3")}, at(3))
	after := get(t, s, "ex2")
	if g, w := jsonOf(after.Attributes), jsonOf(withAttr(ex2.Attributes, "w", "3")); g != w {
		t.Errorf("ex2 attributes after a write that followed the aborted calls: got %s, want %s", g, w)
	}
	if g, w := jsonOf(after.User), jsonOf(ex2.User); g != w {
		t.Errorf("ex2 user after a write that followed the aborted calls: got %s, want %s", g, w)
	}

	// A refusal by the store's own rules (a full user) aborts the call the same way.
	fillUser(t, s, "full", pinpoint.MaxEndpointsPerUser, func(int) string { return "EMAIL" }, func(i int) string { return day(1 + i) })
	_, err := s.WriteEndpoints(ctx, acct1, appA, []store.EndpointWrite{
		upd("n1", joinUser, at(2)),
		upd("n2", email("n2@example.com", "full"), at(2)),
	}, true)
	wantCode(t, "WriteEndpoints(atomic, 16th endpoint)", err, pinpoint.CodeBadRequest)
	wantGone(t, s, "n1")
	wantGone(t, s, "n2")
	checkEndpoint(t, "ex after the refused call", get(t, s, "ex"), ex)
	checkUserSize(t, s, "full", pinpoint.MaxEndpointsPerUser)
}

// withAttr returns a copy of m with k set to v.
func withAttr(m map[string][]string, k, v string) map[string][]string {
	c := maps.Clone(m)
	if c == nil {
		c = map[string][]string{}
	}
	c[k] = []string{v}
	return c
}

// atomic=false: a failing write leaves no trace and is reported in its result; the others are written.
func testNonAtomicBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	const addr = "shared@example.com"
	put(t, s, "ex", pinpoint.EndpointRequest{ChannelType: str("EMAIL"), Address: str(addr), Attributes: attrs("v", "1")}, at(0))
	put(t, s, "ex3", pinpoint.EndpointRequest{ChannelType: str("EMAIL"), Address: str("ex3@example.com"), Attributes: attrs("v", "1")}, at(0))
	ex3 := get(t, s, "ex3")
	fillUser(t, s, "full", pinpoint.MaxEndpointsPerUser, func(int) string { return "EMAIL" }, func(i int) string { return day(1 + i) })
	full := userEndpoints(t, s, "full")

	refuse := pinpoint.BadRequest("ex3 refused")
	// Fails in the updater, after the store has read (and locked) ex3: its events must not stay.
	failEx3 := store.EndpointWrite{ID: "ex3", Update: failing(refuse), Events: []store.Event{event("ev-x", "x", 1)}}
	// Fails in the store's per-user rule, after the store has locked the user.
	joinFull := email("16@example.com", "full")
	joinFull.User.UserAttributes = attrs("leak", "1")
	joinFull.Address = str(addr)
	n1 := email(addr, "new-user")
	n1.User.UserAttributes = attrs("n", "1")
	writes := []store.EndpointWrite{
		{ID: "n1", Update: merge("n1", n1, at(1)), Events: []store.Event{event("ev-1", "_session.start", 1)}},
		failEx3,
		{ID: "n16", Update: merge("n16", joinFull, at(1)), Events: []store.Event{event("ev-16", "x", 1)}},
		upd("n2", email("n2@example.com", "new-user"), at(1)),
	}
	res, err := s.WriteEndpoints(ctx, acct1, appA, writes, false)
	if err != nil {
		t.Fatalf("WriteEndpoints(atomic=false): got %v, want nil", err)
	}
	if len(res) != len(writes) {
		t.Fatalf("WriteEndpoints(atomic=false): got %d results, want %d", len(res), len(writes))
	}
	for _, i := range []int{0, 3} {
		if res[i].Err != nil || res[i].Endpoint == nil || res[i].Endpoint.ID != writes[i].ID {
			t.Errorf("result %d: got %s, %v; want endpoint %s, nil", i, jsonOf(res[i].Endpoint), res[i].Err, writes[i].ID)
		}
	}
	if !errors.Is(res[1].Err, refuse) || res[1].Endpoint != nil {
		t.Errorf("result 1: got %s, %v; want nil, %v", jsonOf(res[1].Endpoint), res[1].Err, refuse)
	}
	wantCode(t, "result 2 (16th endpoint)", res[2].Err, pinpoint.CodeBadRequest)
	if res[2].Endpoint != nil {
		t.Errorf("result 2: got endpoint %s, want nil", jsonOf(res[2].Endpoint))
	}

	// The good writes are there, as their results say.
	for _, i := range []int{0, 3} {
		checkEndpoint(t, "GetEndpoint("+writes[i].ID+")", get(t, s, writes[i].ID), *res[i].Endpoint)
	}
	checkUserAttrs(t, get(t, s, "n2"), attrs("n", "1"))
	evs, err := s.ListEvents(ctx, acct1, appA, "n1")
	if err != nil || len(evs) != 1 {
		t.Errorf("ListEvents(n1): got %d events, %v; want 1, nil", len(evs), err)
	}
	// n1 took the address from ex; the refused n16 did not take it from n1.
	checkStatuses(t, "after the call", s, map[string]string{"ex": inactive, "n1": active})

	// The failed ones left nothing.
	checkEndpoint(t, "ex3 after its refused write", get(t, s, "ex3"), ex3)
	checkNoEvents(t, s, "ex3")
	wantGone(t, s, "n16")
	checkNoEvents(t, s, "n16")
	checkEndpoints(t, "full user after the refused join", userEndpoints(t, s, "full"), full)
}

// In a non-atomic call, an error the updater returns is that write's failure whatever its type —
// not only a domain (*pinpoint.Error) refusal: the write leaves no trace, the others are written,
// and the error comes back as is in its result. Only the database's own failures abort a call.
func testNonAtomicUpdaterError(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	put(t, s, "old", pinpoint.EndpointRequest{ChannelType: str("EMAIL"), Address: str("old@example.com"), Attributes: attrs("v", "1")}, at(0))
	before := get(t, s, "old")
	boom := errors.New("updater failed for its own reasons")
	writes := []store.EndpointWrite{
		upd("a", email("a@example.com", "u"), at(1)),
		{ID: "old", Update: failing(boom), Events: []store.Event{event("ev-old", "x", 1)}},
		{ID: "new", Update: failing(fmt.Errorf("wrapped: %w", boom))},
		upd("b", email("b@example.com", "u"), at(1)),
	}
	res, err := s.WriteEndpoints(ctx, acct1, appA, writes, false)
	if err != nil {
		t.Fatalf("WriteEndpoints(atomic=false): got %v, want per-write results", err)
	}
	if len(res) != len(writes) {
		t.Fatalf("WriteEndpoints(atomic=false): got %d results, want %d", len(res), len(writes))
	}
	for _, i := range []int{1, 2} {
		if !errors.Is(res[i].Err, boom) || res[i].Endpoint != nil {
			t.Errorf("result %d: got %s, %v; want nil, %v", i, jsonOf(res[i].Endpoint), res[i].Err, boom)
		}
	}
	for _, i := range []int{0, 3} {
		if res[i].Err != nil || res[i].Endpoint == nil {
			t.Fatalf("result %d: got %s, %v; want endpoint %s", i, jsonOf(res[i].Endpoint), res[i].Err, writes[i].ID)
		}
		checkEndpoint(t, "GetEndpoint("+writes[i].ID+")", get(t, s, writes[i].ID), *res[i].Endpoint)
	}
	checkEndpoint(t, "old after its failed write", get(t, s, "old"), before)
	checkNoEvents(t, s, "old")
	wantGone(t, s, "new")

	// Atomic: the same error aborts the call and nothing is written.
	res, err = s.WriteEndpoints(ctx, acct1, appA, []store.EndpointWrite{
		upd("c", email("c@example.com", ""), at(2)),
		{ID: "old", Update: failing(boom)},
	}, true)
	if !errors.Is(err, boom) || res != nil {
		t.Fatalf("WriteEndpoints(atomic=true): got %v, %v; want nil, %v", res, err, boom)
	}
	wantGone(t, s, "c")
}

func testResultsInOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	order := []string{"z", "a", "m", "B", "0"}
	for _, atomic := range []bool{true, false} {
		writes := make([]store.EndpointWrite, len(order))
		for i, id := range order {
			writes[i] = upd(id, pinpoint.EndpointRequest{Attributes: attrs("i", fmt.Sprint(i))}, at(0))
		}
		if !atomic {
			writes[2].Update = failing(pinpoint.BadRequest("no"))
		}
		res, err := s.WriteEndpoints(ctx, acct1, appA, writes, atomic)
		if err != nil {
			t.Fatalf("WriteEndpoints(atomic=%v): got %v, want nil", atomic, err)
		}
		if len(res) != len(order) {
			t.Fatalf("WriteEndpoints(atomic=%v): got %d results, want %d", atomic, len(res), len(order))
		}
		for i, r := range res {
			if !atomic && i == 2 {
				if r.Err == nil {
					t.Errorf("atomic=false result 2: got nil error, want the updater's")
				}
				continue
			}
			if r.Err != nil || r.Endpoint == nil || r.Endpoint.ID != order[i] || r.Endpoint.Attributes["i"][0] != fmt.Sprint(i) {
				t.Errorf("atomic=%v result %d: got %s, %v; want endpoint %s", atomic, i, jsonOf(r.Endpoint), r.Err, order[i])
			}
		}
	}
}

// A write that returned nil is visible to the very next read.
func testReadAfterWrite(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	for i := range 30 {
		id := fmt.Sprintf("ep-%d", i%3)
		req := email(fmt.Sprintf("%d@example.com", i), "u")
		req.Attributes = attrs("n", fmt.Sprint(i))
		req.User.UserAttributes = attrs("n", fmt.Sprint(i))
		put(t, s, id, req, at(i))
		e := get(t, s, id)
		if got := e.Attributes["n"]; len(got) != 1 || got[0] != fmt.Sprint(i) {
			t.Fatalf("write %d: GetEndpoint Attributes[n]: got %v, want [%d]", i, got, i)
		}
		for _, m := range userEndpoints(t, s, "u") {
			if got := m.User.UserAttributes["n"]; len(got) != 1 || got[0] != fmt.Sprint(i) {
				t.Fatalf("write %d: GetUserEndpoints %s UserAttributes[n]: got %v, want [%d]", i, m.ID, got, i)
			}
		}
		if i%10 == 9 {
			if _, err := s.DeleteEndpoint(ctx, acct1, appA, id); err != nil {
				t.Fatalf("DeleteEndpoint: got %v, want nil", err)
			}
			wantGone(t, s, id)
		}
	}
}

// A write of a call sees what the call's earlier writes did to its row and to its user, even
// though a backend may read every row of the call up front.
func testBatchSeesItsEarlierWrites(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	const addr = "shared@example.com"
	a := email(addr, "u")
	a.User.UserAttributes = attrs("n", "0")
	put(t, s, "a", a, at(0))
	put(t, s, "b", email("b@example.com", "u"), at(0))

	// Several existing endpoints in one call each get their own row, with every column a write
	// may change (a backend may write them in one statement).
	for i := range 3 {
		put(t, s, fmt.Sprint("x", i), pinpoint.EndpointRequest{ChannelType: str("EMAIL"), Address: str(fmt.Sprint("x", i, "@example.com")), Attributes: attrs("own", fmt.Sprint(i))}, at(0))
	}
	putAll(t, s,
		upd("x2", pinpoint.EndpointRequest{ChannelType: str("SMS"), Attributes: attrs("call", "1")}, at(1)),
		upd("x0", pinpoint.EndpointRequest{EffectiveDate: str(day(5)), Attributes: attrs("call", "1")}, at(1)),
		upd("x1", pinpoint.EndpointRequest{EndpointStatus: str(pinpoint.StatusInactive), Attributes: attrs("call", "1")}, at(1)),
	)
	for i := range 3 {
		id := fmt.Sprint("x", i)
		if got, want := jsonOf(get(t, s, id).Attributes), jsonOf(attrs("call", "1", "own", fmt.Sprint(i))); got != want {
			t.Errorf("%s: Attributes %s, want %s", id, got, want)
		}
	}
	if got := get(t, s, "x2").ChannelType; got != "SMS" {
		t.Errorf("x2: ChannelType %q, want SMS", got)
	}
	if got := get(t, s, "x0").EffectiveDate; got != day(5) {
		t.Errorf("x0: EffectiveDate %q, want %q", got, day(5))
	}
	checkStatus(t, get(t, s, "x1"), pinpoint.StatusInactive)
	checkStatus(t, get(t, s, "x0"), pinpoint.StatusActive)

	// An earlier write makes a later one's endpoint INACTIVE.
	putAll(t, s,
		upd("c", email(addr, ""), at(1)),                                       // makes a INACTIVE
		upd("a", pinpoint.EndpointRequest{Attributes: attrs("v", "1")}, at(1)), // a is ACTIVE again, c not
	)
	checkStatus(t, get(t, s, "a"), pinpoint.StatusActive)
	checkStatus(t, get(t, s, "c"), pinpoint.StatusInactive)

	// An earlier write changes the attributes of a later one's user.
	join := pinpoint.EndpointRequest{ChannelType: str("EMAIL"), User: &pinpoint.UserRequest{UserID: str("u"), UserAttributes: attrs("k", "d")}}
	putAll(t, s,
		upd("d", join, at(2)),
		upd("b", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserAttributes: attrs("j", "b")}}, at(2)),
	)
	checkUserAttrs(t, get(t, s, "b"), attrs("n", "0", "k", "d", "j", "b"))

	// An earlier write evicts a later one's endpoint from its user.
	fillUser(t, s, "full", pinpoint.MaxEndpointsPerUser, func(int) string { return "GCM" }, func(i int) string { return day(1 + i) })
	putAll(t, s,
		upd("p", pinpoint.EndpointRequest{ChannelType: str("APNS"), User: &pinpoint.UserRequest{UserID: str("full")}}, at(3)), // evicts m00
		upd("m00", pinpoint.EndpointRequest{Attributes: attrs("v", "1")}, at(3)),
	)
	if got := get(t, s, "m00").User.UserID; got != "" {
		t.Errorf("m00, evicted by an earlier write of the call, then updated: UserId %q, want none", got)
	}
	checkUserSize(t, s, "full", pinpoint.MaxEndpointsPerUser)
}

package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func userCases() []testCase {
	return []testCase{
		{"UserAttributesShared", testUserAttributesShared},
		{"GetUserEndpointsOrderedByID", testUserEndpointsOrdered},
		{"UserNotFound", testUserNotFound},
		{"DeleteUserEndpoints", testDeleteUserEndpoints},
		{"MoveEndpointToAnotherUser", testMoveEndpoint},
		{"UserAttributesWithoutUser", testUserAttributesWithoutUser},
		{"UserLimitNonPush", testUserLimitNonPush},
		{"UserLimitPushEvictsOldestPush", testUserLimitPushEviction},
		{"UserLimitPushWithoutPushMember", testUserLimitPushNoPushMember},
	}
}

func testUserAttributesShared(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	r1 := email("1@example.com", "u")
	r1.User.UserAttributes = attrs("a", "1")
	put(t, s, "e1", r1, at(0))
	r2 := email("2@example.com", "u")
	r2.User.UserAttributes = attrs("b", "2")
	e2 := put(t, s, "e2", r2, at(1))
	checkUserAttrs(t, e2, attrs("a", "1", "b", "2"))
	e3 := put(t, s, "e3", email("3@example.com", "u"), at(2))
	checkUserAttrs(t, e3, attrs("a", "1", "b", "2"))
	put(t, s, "solo", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("v"), UserAttributes: attrs("v", "1")}}, at(2))

	for _, id := range []string{"e1", "e2", "e3"} {
		checkUserAttrs(t, get(t, s, id), attrs("a", "1", "b", "2"))
	}

	// Changing them through one endpoint, without sending UserId, changes them for all.
	put(t, s, "e1", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserAttributes: map[string][]string{"a": {}, "b": {"3"}}}}, at(3))
	for _, id := range []string{"e1", "e2", "e3"} {
		checkUserAttrs(t, get(t, s, id), attrs("b", "3"))
	}
	checkUserAttrs(t, get(t, s, "solo"), attrs("v", "1"))

	// GetUserEndpoints shows the same endpoints, attributes included.
	want := []pinpoint.Endpoint{get(t, s, "e1"), get(t, s, "e2"), get(t, s, "e3")}
	checkEndpoints(t, "GetUserEndpoints(u)", userEndpoints(t, s, "u"), want)
}

func testUserEndpointsOrdered(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	// Byte order, as Go compares strings; the same on every backend whatever its collation.
	written := []string{"b", "B", "a-2", "a", "A_1", "ab", "a10", "a9"}
	for i, id := range written {
		put(t, s, id, email(fmt.Sprintf("%d@example.com", i), "u"), at(i))
	}
	put(t, s, "0-other", email("o@example.com", "other"), at(0))
	want := slices.Clone(written)
	sort.Strings(want)
	got := userEndpoints(t, s, "u")
	if !reflect.DeepEqual(ids(got), want) {
		t.Errorf("GetUserEndpoints order: got %v, want %v", ids(got), want)
	}
	for _, e := range got {
		checkEndpoint(t, "GetUserEndpoints item "+e.ID, e, get(t, s, e.ID))
	}
}

func testUserNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	put(t, s, "e1", email("a@example.com", "U1"), at(0))
	put(t, s, "e2", email("b@example.com", ""), at(0))
	for _, user := range []string{"nobody", "u1"} {
		_, err := s.GetUserEndpoints(ctx, acct1, appA, user)
		wantErr(t, "GetUserEndpoints("+user+")", err, store.ErrUserNotFound)
		_, err = s.DeleteUserEndpoints(ctx, acct1, appA, user)
		wantErr(t, "DeleteUserEndpoints("+user+")", err, store.ErrUserNotFound)
	}
	// A user whose only endpoint left has no endpoints.
	put(t, s, "e1", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("U2")}}, at(1))
	_, err := s.GetUserEndpoints(ctx, acct1, appA, "U1")
	wantErr(t, "GetUserEndpoints(U1) after its endpoint moved", err, store.ErrUserNotFound)
	if _, err := s.DeleteEndpoint(ctx, acct1, appA, "e1"); err != nil {
		t.Fatalf("DeleteEndpoint: got %v, want nil", err)
	}
	_, err = s.GetUserEndpoints(ctx, acct1, appA, "U2")
	wantErr(t, "GetUserEndpoints(U2) after its endpoint was deleted", err, store.ErrUserNotFound)
}

func testDeleteUserEndpoints(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	r := email("1@example.com", "u")
	r.User.UserAttributes = attrs("a", "1")
	put(t, s, "e2", r, at(0))
	put(t, s, "e1", fullRequest(), at(1))
	put(t, s, "e1", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("u")}}, at(1))
	put(t, s, "e3", email("3@example.com", "v"), at(2))
	put(t, s, "e4", email("4@example.com", ""), at(2))
	e3, e4 := get(t, s, "e3"), get(t, s, "e4")
	before := userEndpoints(t, s, "u")
	if got, want := ids(before), []string{"e1", "e2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("GetUserEndpoints(u): got %v, want %v", got, want)
	}

	got, err := s.DeleteUserEndpoints(ctx, acct1, appA, "u")
	if err != nil {
		t.Fatalf("DeleteUserEndpoints: got %v, want nil", err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
	checkEndpoints(t, "DeleteUserEndpoints result", got, before)
	wantGone(t, s, "e1")
	wantGone(t, s, "e2")
	_, err = s.GetUserEndpoints(ctx, acct1, appA, "u")
	wantErr(t, "GetUserEndpoints after DeleteUserEndpoints", err, store.ErrUserNotFound)
	_, err = s.DeleteUserEndpoints(ctx, acct1, appA, "u")
	wantErr(t, "DeleteUserEndpoints twice", err, store.ErrUserNotFound)
	checkEndpoint(t, "other user's endpoint", get(t, s, "e3"), e3)
	checkEndpoint(t, "endpoint without user", get(t, s, "e4"), e4)

	// The user's attributes went with them.
	e5 := put(t, s, "e5", email("5@example.com", "u"), at(3))
	checkUserAttrs(t, e5, nil)
	checkUserAttrs(t, get(t, s, "e5"), nil)
	// And the IDs are free for new endpoints.
	e1 := put(t, s, "e1", email("1@example.com", ""), at(4))
	if e1.CreationDate != "2026-03-01T16:00:00.000Z" || e1.Attributes != nil || e1.User.UserID != "" {
		t.Errorf("endpoint re-created after DeleteUserEndpoints: got %s, want a new endpoint", jsonOf(e1))
	}
}

func testMoveEndpoint(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	r1 := email("1@example.com", "u1")
	r1.User.UserAttributes = attrs("a", "1")
	put(t, s, "e1", r1, at(0))
	put(t, s, "e2", email("2@example.com", "u1"), at(0))
	r3 := email("3@example.com", "u2")
	r3.User.UserAttributes = attrs("b", "2")
	put(t, s, "e3", r3, at(0))

	// e1 moves to u2: it shows u2's attributes; u1 keeps its own on e2.
	moved := put(t, s, "e1", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("u2")}}, at(1))
	checkUserAttrs(t, moved, attrs("b", "2"))
	e1 := get(t, s, "e1")
	if e1.User.UserID != "u2" {
		t.Errorf("e1 UserId after move: got %q, want %q", e1.User.UserID, "u2")
	}
	checkUserAttrs(t, e1, attrs("b", "2"))
	checkUserAttrs(t, get(t, s, "e2"), attrs("a", "1"))
	checkUserAttrs(t, get(t, s, "e3"), attrs("b", "2"))
	if got, want := ids(userEndpoints(t, s, "u1")), []string{"e2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GetUserEndpoints(u1) after move: got %v, want %v", got, want)
	}
	if got, want := ids(userEndpoints(t, s, "u2")), []string{"e1", "e3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GetUserEndpoints(u2) after move: got %v, want %v", got, want)
	}

	// e2 moves with attributes in the same request: they are u2's now, for all its endpoints.
	put(t, s, "e2", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("u2"), UserAttributes: attrs("c", "3")}}, at(2))
	for _, id := range []string{"e1", "e2", "e3"} {
		checkUserAttrs(t, get(t, s, id), attrs("b", "2", "c", "3"))
	}
	_, err := s.GetUserEndpoints(ctx, acct1, appA, "u1")
	wantErr(t, "GetUserEndpoints(u1) once empty", err, store.ErrUserNotFound)

	// e3 leaves its user: no UserId, no user attributes; u2 keeps them.
	put(t, s, "e3", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("")}}, at(3))
	e3 := get(t, s, "e3")
	if e3.User.UserID != "" {
		t.Errorf("e3 UserId after leaving: got %q, want none", e3.User.UserID)
	}
	checkUserAttrs(t, e3, nil)
	checkUserAttrs(t, get(t, s, "e1"), attrs("b", "2", "c", "3"))
	if got, want := ids(userEndpoints(t, s, "u2")), []string{"e1", "e2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("GetUserEndpoints(u2) after e3 left: got %v, want %v", got, want)
	}
}

// An endpoint without a UserId can hold user attributes; they are its own, shared with no one,
// and give way to the user's when it joins one.
func testUserAttributesWithoutUser(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	put(t, s, "e1", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserAttributes: attrs("own", "1")}}, at(0))
	put(t, s, "e2", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserAttributes: attrs("own", "2")}}, at(0))
	checkUserAttrs(t, get(t, s, "e1"), attrs("own", "1"))
	checkUserAttrs(t, get(t, s, "e2"), attrs("own", "2"))
	put(t, s, "e1", pinpoint.EndpointRequest{Attributes: attrs("k", "v")}, at(1))
	checkUserAttrs(t, get(t, s, "e1"), attrs("own", "1"))

	r := email("u@example.com", "u")
	r.User.UserAttributes = attrs("user", "x")
	put(t, s, "e3", r, at(1))
	put(t, s, "e1", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("u")}}, at(2))
	checkUserAttrs(t, get(t, s, "e1"), attrs("user", "x"))
	checkUserAttrs(t, get(t, s, "e3"), attrs("user", "x"))
	checkUserAttrs(t, get(t, s, "e2"), attrs("own", "2"))
}

// fillUser gives user n endpoints m00, m01, … of channel channel(i) with EffectiveDate date(i).
func fillUser(t *testing.T, s store.Store, user string, n int, channel func(i int) string, date func(i int) string) {
	t.Helper()
	ws := make([]store.EndpointWrite, n)
	for i := range n {
		id := fmt.Sprintf("m%02d", i)
		req := pinpoint.EndpointRequest{
			ChannelType:   str(channel(i)),
			Address:       str(fmt.Sprintf("%s-address-%d", user, i)),
			EffectiveDate: str(date(i)),
			User:          &pinpoint.UserRequest{UserID: str(user)},
		}
		ws[i] = upd(id, req, at(0))
	}
	putAll(t, s, ws...)
}

func day(d int) string { return fmt.Sprintf("2026-01-%02dT00:00:00.000Z", d) }

func checkUserSize(t *testing.T, s store.Store, user string, want int) []pinpoint.Endpoint {
	t.Helper()
	es := userEndpoints(t, s, user)
	if len(es) != want {
		t.Errorf("GetUserEndpoints(%s): got %d endpoints %v, want %d", user, len(es), ids(es), want)
	}
	return es
}

func testUserLimitNonPush(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	r := email("seed@example.com", "u")
	r.User.UserAttributes = attrs("a", "1")
	put(t, s, "m00", r, at(0))
	// Push members too: a non-push 16th is refused whatever the members are.
	fillUser(t, s, "u", pinpoint.MaxEndpointsPerUser,
		func(i int) string { return []string{"EMAIL", "GCM", "SMS"}[i%3] },
		func(i int) string { return day(1 + i) })
	members := checkUserSize(t, s, "u", pinpoint.MaxEndpointsPerUser)

	for _, ch := range []string{"EMAIL", "SMS", "PUSH", "APNS_SANDBOX", "CUSTOM"} {
		req := pinpoint.EndpointRequest{ChannelType: str(ch), Address: str("new-" + ch), User: &pinpoint.UserRequest{UserID: str("u"), UserAttributes: attrs("a", "2", "z", "9")}}
		_, err := write(ctx, s, acct1, appA, upd("new", req, at(1)))
		wantCode(t, "16th "+ch+" endpoint", err, pinpoint.CodeBadRequest)
		wantGone(t, s, "new")
	}
	// An existing endpoint without a user cannot join either, and is left as it was.
	put(t, s, "loose", email("loose@example.com", ""), at(0))
	loose := get(t, s, "loose")
	_, err := write(ctx, s, acct1, appA, upd("loose", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserID: str("u")}}, at(1)))
	wantCode(t, "existing endpoint joining a full user", err, pinpoint.CodeBadRequest)
	checkEndpoint(t, "refused endpoint", get(t, s, "loose"), loose)
	checkEndpoints(t, "user after refused joins", checkUserSize(t, s, "u", pinpoint.MaxEndpointsPerUser), members)

	// Members of a full user can still be updated.
	put(t, s, "m03", pinpoint.EndpointRequest{Attributes: attrs("k", "v"), User: &pinpoint.UserRequest{UserID: str("u")}}, at(2))
	checkUserAttrs(t, get(t, s, "m03"), attrs("a", "1"))
	// And after one leaves, one may join.
	if _, err := s.DeleteEndpoint(ctx, acct1, appA, "m07"); err != nil {
		t.Fatalf("DeleteEndpoint: got %v, want nil", err)
	}
	put(t, s, "new", email("new@example.com", "u"), at(3))
	checkUserSize(t, s, "u", pinpoint.MaxEndpointsPerUser)
}

func testUserLimitPushEviction(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	// m00–m09: EMAIL, the oldest. m10–m14: push; m11 is the oldest push endpoint.
	pushDays := map[int]int{10: 20, 11: 15, 12: 18, 13: 16, 14: 19}
	fillUser(t, s, "u", pinpoint.MaxEndpointsPerUser,
		func(i int) string {
			if i < 10 {
				return "EMAIL"
			}
			return []string{"GCM", "APNS"}[i%2]
		},
		func(i int) string {
			if i < 10 {
				return day(1 + i)
			}
			return day(pushDays[i])
		})
	put(t, s, "m00", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserAttributes: attrs("a", "1")}, EffectiveDate: str(day(1))}, at(0))
	victim := get(t, s, "m11")

	// Inside an atomic call that fails later, the eviction is rolled back with the rest.
	refuse := pinpoint.BadRequest("refused")
	_, err := s.WriteEndpoints(ctx, acct1, appA, []store.EndpointWrite{
		upd("new", pinpoint.EndpointRequest{ChannelType: str("GCM"), Address: str("new-token"), User: &pinpoint.UserRequest{UserID: str("u")}}, at(1)),
		{ID: "bad", Update: failing(refuse)},
	}, true)
	wantErr(t, "atomic call with an eviction and a failure", err, refuse)
	checkEndpoint(t, "m11 after the rolled-back eviction", get(t, s, "m11"), victim)
	wantGone(t, s, "new")

	e := put(t, s, "new", pinpoint.EndpointRequest{ChannelType: str("GCM"), Address: str("new-token"), User: &pinpoint.UserRequest{UserID: str("u")}}, at(1))
	if e.User.UserID != "u" || e.EndpointStatus != active {
		t.Errorf("16th push endpoint: got UserId %q, status %q; want u, ACTIVE", e.User.UserID, e.EndpointStatus)
	}
	checkUserAttrs(t, get(t, s, "new"), attrs("a", "1"))

	got := get(t, s, "m11")
	if got.EndpointStatus != inactive || got.User.UserID != "" {
		t.Errorf("evicted m11: got status %q, UserId %q; want INACTIVE, none", got.EndpointStatus, got.User.UserID)
	}
	if got.Address != victim.Address || got.ChannelType != victim.ChannelType || got.CreationDate != victim.CreationDate {
		t.Errorf("evicted m11: got %s, want only EndpointStatus and User changed from %s", jsonOf(got), jsonOf(victim))
	}
	members := checkUserSize(t, s, "u", pinpoint.MaxEndpointsPerUser)
	if slices.Contains(ids(members), "m11") || !slices.Contains(ids(members), "new") {
		t.Errorf("GetUserEndpoints(u) after eviction: got %v, want new in and m11 out", ids(members))
	}

	// The next push endpoint evicts the next oldest push member, m13 (day 16).
	put(t, s, "new2", pinpoint.EndpointRequest{ChannelType: str("APNS"), Address: str("new-token-2"), User: &pinpoint.UserRequest{UserID: str("u")}}, at(2))
	if got := get(t, s, "m13"); got.EndpointStatus != inactive || got.User.UserID != "" {
		t.Errorf("evicted m13: got status %q, UserId %q; want INACTIVE, none", got.EndpointStatus, got.User.UserID)
	}
	checkUserSize(t, s, "u", pinpoint.MaxEndpointsPerUser)

	// An evicted endpoint can rejoin as ACTIVE, evicting in turn (the oldest push is now m12).
	put(t, s, "m11", pinpoint.EndpointRequest{EndpointStatus: str(active), User: &pinpoint.UserRequest{UserID: str("u")}}, at(3))
	if got := get(t, s, "m11"); got.EndpointStatus != active || got.User.UserID != "u" {
		t.Errorf("m11 rejoining: got status %q, UserId %q; want ACTIVE, u", got.EndpointStatus, got.User.UserID)
	}
	if got := get(t, s, "m12"); got.EndpointStatus != inactive || got.User.UserID != "" {
		t.Errorf("evicted m12: got status %q, UserId %q; want INACTIVE, none", got.EndpointStatus, got.User.UserID)
	}
	checkUserSize(t, s, "u", pinpoint.MaxEndpointsPerUser)
}

func testUserLimitPushNoPushMember(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	fillUser(t, s, "u", pinpoint.MaxEndpointsPerUser,
		func(i int) string { return []string{"EMAIL", "SMS", "APNS_SANDBOX"}[i%3] },
		func(i int) string { return day(1 + i) })
	members := checkUserSize(t, s, "u", pinpoint.MaxEndpointsPerUser)
	for _, ch := range []string{"GCM", "APNS", "ADM", "BAIDU", "APNS_VOIP", "APNS_VOIP_SANDBOX"} {
		req := pinpoint.EndpointRequest{ChannelType: str(ch), Address: str("new-" + ch), User: &pinpoint.UserRequest{UserID: str("u")}}
		_, err := write(ctx, s, acct1, appA, upd("new", req, at(1)))
		wantCode(t, "16th "+ch+" endpoint without push members", err, pinpoint.CodeBadRequest)
		wantGone(t, s, "new")
	}
	checkEndpoints(t, "user after refused joins", checkUserSize(t, s, "u", pinpoint.MaxEndpointsPerUser), members)
}

package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// A backend may answer reads from a cache (SQLite keeps one); these cases read every endpoint
// before each kind of change reaches it, so that a read served from a stale copy fails.
func readCases() []testCase {
	return []testCase{
		{"ReadsSeeEveryKindOfChange", testReadsSeeEveryChange},
		{"ReadAfterWriteUnderConcurrentReads", testReadAfterWriteConcurrentReads},
	}
}

func readAll(t *testing.T, s store.Store, ids ...string) {
	t.Helper()
	for _, id := range ids {
		get(t, s, id)
	}
}

func testReadsSeeEveryChange(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	a := email("x@example.com", "u")
	a.User.UserAttributes = attrs("n", "0")
	put(t, s, "a", a, at(0))
	put(t, s, "b", email("b@example.com", "u"), at(0))
	readAll(t, s, "a", "b")

	// The endpoint itself.
	put(t, s, "a", pinpoint.EndpointRequest{Attributes: attrs("v", "1")}, at(1))
	if got := get(t, s, "a").Attributes["v"]; len(got) != 1 || got[0] != "1" {
		t.Errorf("a after its update: Attributes[v] = %v, want [1]", got)
	}
	// Its user's attributes, changed through another endpoint of the user.
	readAll(t, s, "a", "b")
	put(t, s, "b", pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserAttributes: attrs("n", "1")}}, at(2))
	checkUserAttrs(t, get(t, s, "a"), attrs("n", "1"))
	// Its status, changed by another endpoint taking its address.
	readAll(t, s, "a")
	put(t, s, "c", email("x@example.com", ""), at(3))
	checkStatus(t, get(t, s, "a"), pinpoint.StatusInactive)
	// Its user, by an eviction: a push endpoint joining a full user.
	fillUser(t, s, "full", pinpoint.MaxEndpointsPerUser, func(int) string { return "GCM" }, func(i int) string { return day(1 + i) })
	readAll(t, s, "m00")
	put(t, s, "p", pinpoint.EndpointRequest{ChannelType: str("APNS"), User: &pinpoint.UserRequest{UserID: str("full")}}, at(4))
	if e := get(t, s, "m00"); e.User.UserID != "" || e.EndpointStatus != pinpoint.StatusInactive {
		t.Errorf("m00 after its eviction: UserId %q, EndpointStatus %s; want none, INACTIVE", e.User.UserID, e.EndpointStatus)
	}
	// Deletions: of the endpoint, of its user's endpoints, of the app.
	readAll(t, s, "c")
	if _, err := s.DeleteEndpoint(ctx, acct1, appA, "c"); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, "c")
	readAll(t, s, "a", "b")
	if _, err := s.DeleteUserEndpoints(ctx, acct1, appA, "u"); err != nil {
		t.Fatal(err)
	}
	wantGone(t, s, "a")
	wantGone(t, s, "b")
	readAll(t, s, "p")
	if _, err := s.DeleteApp(ctx, acct1, appA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetEndpoint(ctx, acct1, appA, "p"); !errors.Is(err, store.ErrAppNotFound) {
		t.Errorf("GetEndpoint after DeleteApp: got %v, want ErrAppNotFound", err)
	}
	// A read through another account never sees the endpoint.
	newApp(t, s, acct1, appA)
	put(t, s, "q", email("q@example.com", ""), at(5))
	readAll(t, s, "q")
	if _, err := s.GetEndpoint(ctx, acct2, appA, "q"); !errors.Is(err, store.ErrAppNotFound) {
		t.Errorf("GetEndpoint of another account's app: got %v, want ErrAppNotFound", err)
	}
}

// Readers keep reading an endpoint while a writer updates it: once a write is acknowledged, no
// read that starts afterwards returns an older version.
func testReadAfterWriteConcurrentReads(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	put(t, s, "ep", pinpoint.EndpointRequest{ChannelType: str("EMAIL"), Attributes: attrs("v", "0")}, at(0))
	const writes = 150
	var acked atomic.Int64 // the latest acknowledged version
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				floor := acked.Load()
				e, err := s.GetEndpoint(ctx, acct1, appA, "ep")
				if err != nil {
					errs <- err
					return
				}
				v, _ := strconv.ParseInt(e.Attributes["v"][0], 10, 64)
				if v < floor {
					errs <- fmt.Errorf("a read that began after version %d was acknowledged returned version %d", floor, v)
					return
				}
			}
		})
	}
	for i := 1; i <= writes; i++ {
		put(t, s, "ep", pinpoint.EndpointRequest{Attributes: attrs("v", strconv.Itoa(i))}, at(1))
		acked.Store(int64(i))
		if got := get(t, s, "ep").Attributes["v"][0]; got != strconv.Itoa(i) {
			t.Fatalf("read after write %d: version %s", i, got)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

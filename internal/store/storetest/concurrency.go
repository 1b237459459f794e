package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// Concurrency cases: the cross-row rules hold with many writers at once (DESIGN.md promise 5).
// They are bounded (n writes each) and assert outcomes, never timings.
func concurrencyCases() []testCase {
	return []testCase{
		{"ConcurrentSameAddress", testConcurrentSameAddress},
		{"ConcurrentUserLimit", testConcurrentUserLimit},
		{"ConcurrentPushEviction", testConcurrentPushEviction},
		{"ConcurrentAttributesOneEndpoint", testConcurrentAttributes},
		{"ConcurrentCreateSameEndpoint", testConcurrentCreate},
		{"ConcurrentUserAttributes", testConcurrentUserAttributes},
		{"ConcurrentMovesBetweenUsers", testConcurrentMoves},
		{"ConcurrentWritesSomeRefused", testConcurrentSomeRefused},
	}
}

const writers = 32

// parallel runs f(0) … f(n-1) at once and returns their errors by index.
func parallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Go(func() {
			start.Wait()
			errs[i] = f(i)
		})
	}
	start.Done()
	wg.Wait()
	return errs
}

func noErrors(t *testing.T, what string, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: writer %d: got %v, want nil", what, i, err)
		}
	}
}

func epID(i int) string { return fmt.Sprintf("e%02d", i) }

func testConcurrentSameAddress(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	const addr = "+12065550100"
	errs := parallel(writers, func(i int) error {
		req := pinpoint.EndpointRequest{ChannelType: str("SMS"), Address: str(addr)}
		_, err := write(ctx, s, acct1, appA, upd(epID(i), req, at(0)))
		return err
	})
	noErrors(t, "concurrent writes of one address", errs)
	var act []string
	for i := range writers {
		e := get(t, s, epID(i))
		if e.EndpointStatus == active {
			act = append(act, e.ID)
		} else if e.EndpointStatus != inactive {
			t.Errorf("%s EndpointStatus: got %q, want ACTIVE or INACTIVE", e.ID, e.EndpointStatus)
		}
	}
	if len(act) != 1 {
		t.Errorf("ACTIVE endpoints with address %s: got %v, want exactly one", addr, act)
	}
}

func testConcurrentUserLimit(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	errs := parallel(writers, func(i int) error {
		_, err := write(ctx, s, acct1, appA, upd(epID(i), email(epID(i)+"@example.com", "u"), at(0)))
		return err
	})
	var ok []string
	refused := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok = append(ok, epID(i))
		case pinpoint.ErrorCode(err) == pinpoint.CodeBadRequest:
			refused++
			wantGone(t, s, epID(i))
		default:
			t.Errorf("writer %d: got %v, want nil or a BadRequestException", i, err)
		}
	}
	if len(ok) != pinpoint.MaxEndpointsPerUser || refused != writers-pinpoint.MaxEndpointsPerUser {
		t.Errorf("concurrent joins of one user: got %d written, %d refused; want %d, %d",
			len(ok), refused, pinpoint.MaxEndpointsPerUser, writers-pinpoint.MaxEndpointsPerUser)
	}
	if got := ids(userEndpoints(t, s, "u")); !slices.Equal(got, ok) {
		t.Errorf("GetUserEndpoints(u): got %v, want the written ones %v", got, ok)
	}
}

func testConcurrentPushEviction(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	errs := parallel(writers, func(i int) error {
		req := pinpoint.EndpointRequest{ChannelType: str("GCM"), Address: str("token-" + epID(i)), User: &pinpoint.UserRequest{UserID: str("u")}}
		_, err := write(ctx, s, acct1, appA, upd(epID(i), req, at(i)))
		return err
	})
	noErrors(t, "concurrent push joins of one user", errs)
	members := userEndpoints(t, s, "u")
	if len(members) != pinpoint.MaxEndpointsPerUser {
		t.Errorf("GetUserEndpoints(u): got %d endpoints, want %d", len(members), pinpoint.MaxEndpointsPerUser)
	}
	in := 0
	for i := range writers {
		e := get(t, s, epID(i))
		switch {
		case e.User.UserID == "u" && e.EndpointStatus == active:
			in++
		case e.User.UserID == "" && e.EndpointStatus == inactive:
		default:
			t.Errorf("%s: got UserId %q, status %q; want u and ACTIVE, or none and INACTIVE (evicted)", e.ID, e.User.UserID, e.EndpointStatus)
		}
	}
	if in != pinpoint.MaxEndpointsPerUser {
		t.Errorf("endpoints in the user: got %d, want %d", in, pinpoint.MaxEndpointsPerUser)
	}
}

func testConcurrentAttributes(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	put(t, s, "ep", email("a@example.com", ""), at(0))
	errs := parallel(writers, func(i int) error {
		req := pinpoint.EndpointRequest{Attributes: attrs(fmt.Sprintf("k%02d", i), "v")}
		_, err := write(ctx, s, acct1, appA, upd("ep", req, at(1)))
		return err
	})
	noErrors(t, "concurrent attribute writes", errs)
	checkAllKeys(t, "Attributes", get(t, s, "ep").Attributes, writers)
}

// Concurrent upserts of an endpoint that does not exist yet: one creates it, the others update it.
func testConcurrentCreate(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	errs := parallel(writers, func(i int) error {
		req := pinpoint.EndpointRequest{Attributes: attrs(fmt.Sprintf("k%02d", i), "v"), Metrics: map[string]*float64{fmt.Sprintf("m%02d", i): f64(float64(i))}}
		_, err := write(ctx, s, acct1, appA, upd("ep", req, at(0)))
		return err
	})
	noErrors(t, "concurrent upserts of a new endpoint", errs)
	e := get(t, s, "ep")
	checkAllKeys(t, "Attributes", e.Attributes, writers)
	for i := range writers {
		if v, ok := e.Metrics[fmt.Sprintf("m%02d", i)]; !ok || v != float64(i) {
			t.Errorf("Metrics[m%02d]: got %v (present %v), want %d", i, v, ok, i)
		}
	}
}

func testConcurrentUserAttributes(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	const endpoints = 8 // × 4 keys each: 32 writers, within 15 endpoints per user
	for i := range endpoints {
		put(t, s, epID(i), email(epID(i)+"@example.com", "u"), at(0))
	}
	errs := parallel(writers, func(i int) error {
		req := pinpoint.EndpointRequest{User: &pinpoint.UserRequest{UserAttributes: attrs(fmt.Sprintf("k%02d", i), "v")}}
		_, err := write(ctx, s, acct1, appA, upd(epID(i%endpoints), req, at(1)))
		return err
	})
	noErrors(t, "concurrent user attribute writes", errs)
	for i := range endpoints {
		checkAllKeys(t, epID(i)+" UserAttributes", get(t, s, epID(i)).User.UserAttributes, writers)
	}
}

func checkAllKeys(t *testing.T, what string, m map[string][]string, n int) {
	t.Helper()
	var missing []string
	for i := range n {
		if k := fmt.Sprintf("k%02d", i); len(m[k]) == 0 {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 || len(m) != n {
		t.Errorf("%s: got %d keys, missing %v; want all %d (no lost update)", what, len(m), missing, n)
	}
}

// Endpoints move between two users in both directions (taking the users' locks in opposite
// orders) while others write user attributes through them. An anchor endpoint that never moves
// keeps each user from emptying (which would drop its attributes). Each attribute lands in exactly
// one user, whichever the endpoint belonged to at the time, and all of a user's endpoints agree.
func testConcurrentMoves(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	const n = 12 // e00–e05 start in u1, e06–e11 in u2: never more than 13 in one user
	start := func(i int) string { return []string{"u1", "u2"}[i*2/n] }
	other := map[string]string{"u1": "u2", "u2": "u1"}
	want := map[string]string{"anchor-u1": "u1", "anchor-u2": "u2"} // endpoint -> final user
	for u := range other {
		put(t, s, "anchor-"+u, email(u+"@example.com", u), at(0))
	}
	for i := range n {
		put(t, s, epID(i), email(epID(i)+"@example.com", start(i)), at(0))
		want[epID(i)] = other[start(i)]
	}
	errs := parallel(2*n, func(i int) error {
		var req pinpoint.EndpointRequest
		id := epID(i % n)
		if i < n {
			req.User = &pinpoint.UserRequest{UserID: str(other[start(i)])}
		} else {
			req.User = &pinpoint.UserRequest{UserAttributes: attrs(fmt.Sprintf("k%02d", i-n), "v")}
		}
		_, err := write(ctx, s, acct1, appA, upd(id, req, at(1)))
		return err
	})
	noErrors(t, "concurrent moves and user attribute writes", errs)

	keys := map[string]string{} // attribute key -> user holding it
	total := 0
	for _, u := range []string{"u1", "u2"} {
		es := userEndpoints(t, s, u)
		total += len(es)
		for _, e := range es {
			if want[e.ID] != u {
				t.Errorf("%s: in user %s, want %s", e.ID, u, want[e.ID])
			}
			if jsonOf(e.User.UserAttributes) != jsonOf(es[0].User.UserAttributes) {
				t.Errorf("user %s: %s shows %s, %s shows %s; want the same attributes",
					u, e.ID, jsonOf(e.User.UserAttributes), es[0].ID, jsonOf(es[0].User.UserAttributes))
			}
		}
		for k := range es[0].User.UserAttributes {
			if prev, ok := keys[k]; ok {
				t.Errorf("attribute %s: in users %s and %s, want one", k, prev, u)
			}
			keys[k] = u
		}
	}
	if total != len(want) {
		t.Errorf("endpoints in u1 and u2: got %d, want %d", total, len(want))
	}
	if len(keys) != n {
		t.Errorf("user attribute keys across u1 and u2: got %d %v, want %d (no lost update)", len(keys), keys, n)
	}
}

// Concurrent single writes, some of which are refused (by their updater, or because the user they
// join is full), leave the others written whole and the refused ones without a trace: a backend
// that runs concurrent calls in one transaction (a SQLite group commit, a PostgreSQL group) must
// keep one call's refusal from reaching another.
func testConcurrentSomeRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	var full []string
	for i := range pinpoint.MaxEndpointsPerUser {
		id := fmt.Sprintf("full%02d", i)
		put(t, s, id, email(id+"@example.com", "full"), at(0))
		full = append(full, id)
	}
	refuse := pinpoint.BadRequest("refused by the updater")
	for round := range 3 {
		id := func(i int) string { return fmt.Sprintf("r%d-%s", round, epID(i)) }
		errs := parallel(writers, func(i int) error {
			w := upd(id(i), email(id(i)+"@example.com", "own-"+id(i)), at(round))
			switch i % 4 {
			case 1:
				w = upd(id(i), email(id(i)+"@example.com", "full"), at(round))
			case 3:
				w.Update = failing(refuse)
			default:
				w.Update = merge(id(i), pinpoint.EndpointRequest{
					ChannelType: str("EMAIL"), Address: str(id(i) + "@example.com"),
					User: &pinpoint.UserRequest{UserID: str("own-" + id(i)), UserAttributes: attrs("n", id(i))},
				}, at(round))
			}
			_, err := write(ctx, s, acct1, appA, w)
			return err
		})
		for i, err := range errs {
			switch i % 4 {
			case 1, 3:
				if pinpoint.ErrorCode(err) != pinpoint.CodeBadRequest {
					t.Errorf("round %d, writer %d: got %v, want a BadRequestException", round, i, err)
				}
				wantGone(t, s, id(i))
				_, err := s.GetUserEndpoints(ctx, acct1, appA, "own-"+id(i))
				wantErr(t, "GetUserEndpoints of a refused write's user", err, store.ErrUserNotFound)
			default:
				if err != nil {
					t.Errorf("round %d, writer %d: got %v, want nil", round, i, err)
					continue
				}
				e := get(t, s, id(i))
				checkUserAttrs(t, e, attrs("n", id(i)))
				checkStatus(t, e, pinpoint.StatusActive)
			}
		}
	}
	if got := ids(userEndpoints(t, s, "full")); !slices.Equal(got, full) {
		t.Errorf("GetUserEndpoints(full): got %v, want %v", got, full)
	}
}

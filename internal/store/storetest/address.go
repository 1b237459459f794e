package storetest

import (
	"testing"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func addressCases() []testCase {
	return []testCase{
		{"AddressRule", testAddressRule},
		{"AddressRuleWithinBatch", testAddressRuleWithinBatch},
		{"StatusActiveUnlessInactive", testStatusActiveUnlessInactive},
	}
}

func checkStatuses(t *testing.T, step string, s store.Store, want map[string]string) {
	t.Helper()
	for id, w := range want {
		if g := get(t, s, id).EndpointStatus; g != w {
			t.Errorf("%s: %s EndpointStatus: got %q, want %q", step, id, g, w)
		}
	}
}

const (
	active   = pinpoint.StatusActive
	inactive = pinpoint.StatusInactive
)

func testAddressRule(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	newApp(t, s, acct1, appB)
	const addr = "same@example.com"
	put(t, s, "e1", pinpoint.EndpointRequest{ChannelType: str("EMAIL"), Address: str(addr), Attributes: attrs("k", "v")}, at(0))
	e1 := get(t, s, "e1")
	put(t, s, "other", email("other@example.com", ""), at(0))

	// e2 takes the address: e1 becomes INACTIVE and nothing else about it changes.
	put(t, s, "e2", email(addr, ""), at(1))
	checkStatuses(t, "e2 written", s, map[string]string{"e1": inactive, "e2": active, "other": active})
	e1.EndpointStatus = inactive
	checkEndpoint(t, "e1 deactivated by e2", get(t, s, "e1"), e1)

	// The same address in another app touches nothing here.
	putIn(t, s, acct1, appB, "e1", email(addr, ""), at(2))
	checkStatuses(t, "appB written", s, map[string]string{"e1": inactive, "e2": active})
	checkStatus(t, getIn(t, s, acct1, appB, "e1"), active)

	// An explicit INACTIVE write does not deactivate the ACTIVE one.
	e3 := email(addr, "")
	e3.EndpointStatus = str(inactive)
	put(t, s, "e3", e3, at(3))
	checkStatuses(t, "e3 written INACTIVE", s, map[string]string{"e1": inactive, "e2": active, "e3": inactive})

	// Another address leaves it alone too.
	put(t, s, "e4", email("x"+addr, ""), at(4))
	checkStatuses(t, "e4 written", s, map[string]string{"e2": active, "e4": active})

	// Updating e1 without sending Address keeps its address and makes it ACTIVE: e2 yields.
	put(t, s, "e1", pinpoint.EndpointRequest{Attributes: attrs("k", "w")}, at(5))
	checkStatuses(t, "e1 updated", s, map[string]string{"e1": active, "e2": inactive, "e3": inactive})
	checkStatus(t, getIn(t, s, acct1, appB, "e1"), active)

	// e2 moves to a new address: ACTIVE there, e1 keeps the old one.
	put(t, s, "e2", pinpoint.EndpointRequest{Address: str("new@example.com")}, at(6))
	checkStatuses(t, "e2 moved", s, map[string]string{"e1": active, "e2": active})

	// Exactly one ACTIVE endpoint per address in the end.
	byAddr := map[string]int{}
	for _, id := range []string{"e1", "e2", "e3", "e4", "other"} {
		e := get(t, s, id)
		if e.EndpointStatus == active {
			byAddr[e.Address]++
		}
	}
	for a, n := range byAddr {
		if n != 1 {
			t.Errorf("ACTIVE endpoints with address %q: got %d, want 1", a, n)
		}
	}
}

// Writes of one call are applied in order: the later one with an address wins.
func testAddressRuleWithinBatch(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	const addr = "+12065550100"
	put(t, s, "old", pinpoint.EndpointRequest{ChannelType: str("SMS"), Address: str(addr)}, at(0))
	sms := pinpoint.EndpointRequest{ChannelType: str("SMS"), Address: str(addr)}
	putAll(t, s, upd("x1", sms, at(1)), upd("x2", sms, at(1)))
	checkStatuses(t, "batch x1, x2", s, map[string]string{"old": inactive, "x1": inactive, "x2": active})

	for _, atomic := range []bool{true, false} {
		res, err := s.WriteEndpoints(t.Context(), acct1, appA, []store.EndpointWrite{upd("x2", sms, at(2)), upd("x1", sms, at(2))}, atomic)
		if err != nil {
			t.Fatalf("WriteEndpoints(atomic=%v): got %v, want nil", atomic, err)
		}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("WriteEndpoints(atomic=%v): result %d: got %v, want nil", atomic, i, r.Err)
			}
		}
		checkStatuses(t, "batch x2, x1", s, map[string]string{"old": inactive, "x1": active, "x2": inactive})
	}
}

func testStatusActiveUnlessInactive(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	req := email("a@example.com", "")
	req.EndpointStatus = str(inactive)
	put(t, s, "e1", req, at(0))
	checkStatuses(t, "created INACTIVE", s, map[string]string{"e1": inactive})
	put(t, s, "e1", pinpoint.EndpointRequest{Attributes: attrs("k", "v")}, at(1))
	checkStatuses(t, "updated without status", s, map[string]string{"e1": active})
	put(t, s, "e1", pinpoint.EndpointRequest{EndpointStatus: str(inactive)}, at(2))
	checkStatuses(t, "updated INACTIVE", s, map[string]string{"e1": inactive})
	put(t, s, "e1", pinpoint.EndpointRequest{EndpointStatus: str(active)}, at(3))
	checkStatuses(t, "updated ACTIVE", s, map[string]string{"e1": active})
}

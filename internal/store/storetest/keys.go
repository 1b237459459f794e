package storetest

import (
	"slices"
	"testing"
	"time"

	"pinpointd/internal/store"
)

func keyCases() []testCase {
	return []testCase{
		{"KeyRoundTrip", testKeyRoundTrip},
		{"KeyDuplicate", testKeyDuplicate},
		{"ListKeysOrdered", testListKeys},
		{"RevokeKey", testRevokeKey},
		{"KeyNotFound", testKeyNotFound},
	}
}

func checkKey(t *testing.T, what string, got, want store.Key) {
	t.Helper()
	same := got.AccessKeyID == want.AccessKeyID && got.Secret == want.Secret && got.Account == want.Account &&
		got.Created.Equal(want.Created) && got.Revoked == want.Revoked &&
		sameSet(got.Allow, want.Allow)
	if !same {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

// sameSet compares Allow lists as sets: their order carries no meaning, and nil equals empty.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func key(id, account string, allow ...string) store.Key {
	return store.Key{
		AccessKeyID: id,
		Secret:      "secret/" + id + "+wJalrXUtnFEMI/K7MDENG",
		Account:     account,
		Allow:       allow,
		Created:     time.Date(2026, time.February, 3, 4, 5, 6, 0, time.UTC),
	}
}

func testKeyRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, k := range []store.Key{
		key("AKIAEXAMPLE0000001", acct1, "mobiletargeting:UpdateEndpoint", "mobiletargeting:Get*"),
		key("AKIAEXAMPLE0000002", acct2), // empty Allow: all actions
		key("AKIAEXAMPLE0000003", acct1, "*"),
	} {
		if err := s.PutKey(ctx, k); err != nil {
			t.Fatalf("PutKey(%s): got %v, want nil", k.AccessKeyID, err)
		}
		got, err := s.GetKey(ctx, k.AccessKeyID)
		if err != nil {
			t.Fatalf("GetKey(%s): got %v, want nil", k.AccessKeyID, err)
		}
		checkKey(t, "GetKey("+k.AccessKeyID+")", got, k)
	}
}

func testKeyDuplicate(t *testing.T, s store.Store) {
	ctx := t.Context()
	k := key("AKIAEXAMPLE0000001", acct1, "*")
	if err := s.PutKey(ctx, k); err != nil {
		t.Fatalf("PutKey: got %v, want nil", err)
	}
	dup := key("AKIAEXAMPLE0000001", acct2)
	dup.Secret = "other"
	wantErr(t, "PutKey(duplicate)", s.PutKey(ctx, dup), store.ErrExists)
	got, err := s.GetKey(ctx, k.AccessKeyID)
	if err != nil {
		t.Fatalf("GetKey: got %v, want nil", err)
	}
	checkKey(t, "GetKey after refused duplicate", got, k)
}

func testListKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	none, err := s.ListKeys(ctx)
	if err != nil || len(none) != 0 {
		t.Errorf("ListKeys(empty store): got %d keys, %v; want none, nil", len(none), err)
	}
	written := []store.Key{
		key("AKIAEXAMPLE0000003", acct1), key("AKIAEXAMPLE0000001", acct2, "*"), key("AKIAEXAMPLE0000002", acct1),
	}
	for _, k := range written {
		if err := s.PutKey(ctx, k); err != nil {
			t.Fatalf("PutKey(%s): got %v, want nil", k.AccessKeyID, err)
		}
	}
	if err := s.RevokeKey(ctx, "AKIAEXAMPLE0000002"); err != nil {
		t.Fatalf("RevokeKey: got %v, want nil", err)
	}
	got, err := s.ListKeys(ctx)
	if err != nil {
		t.Fatalf("ListKeys: got %v, want nil", err)
	}
	want := []store.Key{written[1], written[2], written[0]}
	want[1].Revoked = true
	if len(got) != len(want) {
		t.Fatalf("ListKeys: got %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		checkKey(t, "ListKeys["+want[i].AccessKeyID+"]", got[i], want[i])
	}
}

func testRevokeKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	k := key("AKIAEXAMPLE0000001", acct1, "mobiletargeting:GetEndpoint")
	other := key("AKIAEXAMPLE0000002", acct1)
	for _, x := range []store.Key{k, other} {
		if err := s.PutKey(ctx, x); err != nil {
			t.Fatalf("PutKey(%s): got %v, want nil", x.AccessKeyID, err)
		}
	}
	if err := s.RevokeKey(ctx, k.AccessKeyID); err != nil {
		t.Fatalf("RevokeKey: got %v, want nil", err)
	}
	got, err := s.GetKey(ctx, k.AccessKeyID)
	if err != nil {
		t.Fatalf("GetKey(revoked): got %v, want nil (revoked keys are still returned)", err)
	}
	k.Revoked = true
	checkKey(t, "GetKey(revoked)", got, k)
	got, err = s.GetKey(ctx, other.AccessKeyID)
	if err != nil {
		t.Fatalf("GetKey(other): got %v, want nil", err)
	}
	checkKey(t, "GetKey(other key)", got, other)
	// A revoked key's ID stays taken.
	wantErr(t, "PutKey(revoked ID)", s.PutKey(ctx, key(k.AccessKeyID, acct1)), store.ErrExists)
}

func testKeyNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.PutKey(ctx, key("AKIAEXAMPLE0000001", acct1)); err != nil {
		t.Fatalf("PutKey: got %v, want nil", err)
	}
	_, err := s.GetKey(ctx, "AKIAEXAMPLE0000009")
	wantErr(t, "GetKey(unknown)", err, store.ErrKeyNotFound)
	wantErr(t, "RevokeKey(unknown)", s.RevokeKey(ctx, "AKIAEXAMPLE0000009"), store.ErrKeyNotFound)
	_, err = s.GetKey(ctx, "akiaexample0000001")
	wantErr(t, "GetKey(other case)", err, store.ErrKeyNotFound)
}

func miscCases() []testCase {
	return []testCase{
		{"Ping", func(t *testing.T, s store.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping: got %v, want nil", err)
			}
		}},
	}
}

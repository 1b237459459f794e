package storetest

import (
	"reflect"
	"testing"
	"time"

	"pinpointd/internal/store"
)

func identityCases() []testCase {
	return []testCase{
		{"PoolRoundTrip", testPoolRoundTrip},
		{"PoolNeedsApp", testPoolNeedsApp},
		{"PoolDuplicate", testPoolDuplicate},
		{"ListPoolsOrdered", testListPools},
		{"IdentityRoundTrip", testIdentityRoundTrip},
		{"CredentialRoundTrip", testCredentialRoundTrip},
		{"CredentialDropsExpiredOfIdentity", testCredentialDropsExpired},
		{"DeletePoolRevokes", testDeletePoolRevokes},
	}
}

const (
	pool1  = "us-east-1:00000000-0000-4000-8000-000000000001"
	pool2  = "us-east-1:00000000-0000-4000-8000-000000000002"
	ident1 = "us-east-1:10000000-0000-4000-8000-000000000001"
	ident2 = "us-east-1:10000000-0000-4000-8000-000000000002"
)

func pool(id, account, app string) store.IdentityPool {
	return store.IdentityPool{
		ID: id, Account: account, AppID: app,
		Allow:   []string{"mobiletargeting:UpdateEndpoint", "mobiletargeting:PutEvents"},
		TTL:     time.Hour,
		Created: at(0),
	}
}

func credential(id, identity, poolID string, issued time.Time, ttl time.Duration) store.TempCredential {
	return store.TempCredential{
		AccessKeyID: id, Secret: "secret/" + id, TokenHash: "hash-of-" + id,
		IdentityID: identity, PoolID: poolID, Issued: issued, Expires: issued.Add(ttl),
	}
}

func checkPool(t *testing.T, what string, got, want store.IdentityPool) {
	t.Helper()
	same := got.ID == want.ID && got.Account == want.Account && got.AppID == want.AppID &&
		sameSet(got.Allow, want.Allow) && got.TTL == want.TTL && got.Created.Equal(want.Created)
	if !same {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

func mustPool(t *testing.T, s store.Store, p store.IdentityPool) {
	t.Helper()
	if err := s.CreatePool(t.Context(), p); err != nil {
		t.Fatalf("CreatePool(%s): got %v, want nil", p.ID, err)
	}
}

func mustIdentity(t *testing.T, s store.Store, id, poolID string) {
	t.Helper()
	if err := s.PutIdentity(t.Context(), store.Identity{ID: id, PoolID: poolID, Created: at(1)}); err != nil {
		t.Fatalf("PutIdentity(%s): got %v, want nil", id, err)
	}
}

func mustCredential(t *testing.T, s store.Store, c store.TempCredential) {
	t.Helper()
	if err := s.PutCredential(t.Context(), c); err != nil {
		t.Fatalf("PutCredential(%s): got %v, want nil", c.AccessKeyID, err)
	}
}

func testPoolRoundTrip(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	p := pool(pool1, acct1, appA)
	p.Allow = []string{"mobiletargeting:PutEvents"}
	p.TTL = 15 * time.Minute
	mustPool(t, s, p)
	got, err := s.GetPool(t.Context(), pool1)
	if err != nil {
		t.Fatalf("GetPool: got %v, want nil", err)
	}
	checkPool(t, "GetPool", got, p)
	_, err = s.GetPool(t.Context(), pool2)
	wantErr(t, "GetPool(unknown)", err, store.ErrPoolNotFound)
	wantErr(t, "DeletePool(unknown)", s.DeletePool(t.Context(), pool2), store.ErrPoolNotFound)
}

func testPoolNeedsApp(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	wantErr(t, "CreatePool(missing app)", s.CreatePool(t.Context(), pool(pool1, acct1, appB)), store.ErrAppNotFound)
	wantErr(t, "CreatePool(app of another account)", s.CreatePool(t.Context(), pool(pool1, acct2, appA)), store.ErrAppNotFound)
	_, err := s.GetPool(t.Context(), pool1)
	wantErr(t, "GetPool after refused creates", err, store.ErrPoolNotFound)
}

func testPoolDuplicate(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	newApp(t, s, acct1, appB)
	mustPool(t, s, pool(pool1, acct1, appA))
	// The pool ID is unique across apps, not only within one.
	wantErr(t, "CreatePool(same ID, other app)", s.CreatePool(t.Context(), pool(pool1, acct1, appB)), store.ErrExists)
	got, err := s.GetPool(t.Context(), pool1)
	if err != nil {
		t.Fatalf("GetPool: got %v, want nil", err)
	}
	checkPool(t, "GetPool after refused duplicate", got, pool(pool1, acct1, appA))
}

func testListPools(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	newApp(t, s, acct2, appB)
	mustPool(t, s, pool(pool2, acct1, appA))
	mustPool(t, s, pool(pool1, acct2, appB))
	got, err := s.ListPools(t.Context())
	if err != nil {
		t.Fatalf("ListPools: got %v, want nil", err)
	}
	if len(got) != 2 {
		t.Fatalf("ListPools: got %d pools, want 2", len(got))
	}
	checkPool(t, "ListPools[0]", got[0], pool(pool1, acct2, appB))
	checkPool(t, "ListPools[1]", got[1], pool(pool2, acct1, appA))
}

func testIdentityRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	mustPool(t, s, pool(pool1, acct1, appA))
	want := store.Identity{ID: ident1, PoolID: pool1, Created: at(1)}
	if err := s.PutIdentity(ctx, want); err != nil {
		t.Fatalf("PutIdentity: got %v, want nil", err)
	}
	got, err := s.GetIdentity(ctx, ident1)
	if err != nil {
		t.Fatalf("GetIdentity: got %v, want nil", err)
	}
	if got.ID != want.ID || got.PoolID != want.PoolID || !got.Created.Equal(want.Created) {
		t.Errorf("GetIdentity: got %+v, want %+v", got, want)
	}
	wantErr(t, "PutIdentity(duplicate)", s.PutIdentity(ctx, want), store.ErrExists)
	wantErr(t, "PutIdentity(unknown pool)", s.PutIdentity(ctx, store.Identity{ID: ident2, PoolID: pool2, Created: at(1)}), store.ErrPoolNotFound)
	_, err = s.GetIdentity(ctx, ident2)
	wantErr(t, "GetIdentity(unknown)", err, store.ErrIdentityNotFound)
}

func testCredentialRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	p := pool(pool1, acct1, appA)
	mustPool(t, s, p)
	mustIdentity(t, s, ident1, pool1)
	c := credential("ASIAEXAMPLE0000001", ident1, pool1, at(2), time.Hour)
	mustCredential(t, s, c)
	gotC, gotP, err := s.GetCredential(ctx, c.AccessKeyID)
	if err != nil {
		t.Fatalf("GetCredential: got %v, want nil", err)
	}
	if gotC.AccessKeyID != c.AccessKeyID || gotC.Secret != c.Secret || gotC.TokenHash != c.TokenHash ||
		gotC.IdentityID != c.IdentityID || gotC.PoolID != c.PoolID || !gotC.Issued.Equal(c.Issued) || !gotC.Expires.Equal(c.Expires) {
		t.Errorf("GetCredential: got %+v, want %+v", gotC, c)
	}
	checkPool(t, "GetCredential's pool", gotP, p)

	wantErr(t, "PutCredential(duplicate ID)", s.PutCredential(ctx, credential(c.AccessKeyID, ident1, pool1, at(2), time.Hour)), store.ErrExists)
	wantErr(t, "PutCredential(unknown identity)", s.PutCredential(ctx, credential("ASIAEXAMPLE0000002", ident2, pool1, at(3), time.Hour)), store.ErrIdentityNotFound)
	// An identity of one pool cannot be given a credential of another.
	newApp(t, s, acct1, appB)
	mustPool(t, s, pool(pool2, acct1, appB))
	wantErr(t, "PutCredential(identity of another pool)", s.PutCredential(ctx, credential("ASIAEXAMPLE0000003", ident1, pool2, at(3), time.Hour)), store.ErrIdentityNotFound)
	for _, id := range []string{"ASIAEXAMPLE0000002", "ASIAEXAMPLE0000003", "asiaexample0000001"} {
		_, _, err = s.GetCredential(ctx, id)
		wantErr(t, "GetCredential("+id+")", err, store.ErrKeyNotFound)
	}
	// Access keys and temporary credentials are looked up separately.
	_, err = s.GetKey(ctx, c.AccessKeyID)
	wantErr(t, "GetKey(temporary credential)", err, store.ErrKeyNotFound)
}

func testCredentialDropsExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	mustPool(t, s, pool(pool1, acct1, appA))
	mustIdentity(t, s, ident1, pool1)
	mustIdentity(t, s, ident2, pool1)
	expired := credential("ASIAEXAMPLE0000001", ident1, pool1, at(0), time.Hour)       // expires at(1)
	live := credential("ASIAEXAMPLE0000002", ident1, pool1, at(1), 2*time.Hour)        // expires at(3)
	otherIdentity := credential("ASIAEXAMPLE0000003", ident2, pool1, at(0), time.Hour) // expires at(1)
	mustCredential(t, s, expired)
	mustCredential(t, s, live)
	mustCredential(t, s, otherIdentity)
	mustCredential(t, s, credential("ASIAEXAMPLE0000004", ident1, pool1, at(2), time.Hour))

	_, _, err := s.GetCredential(ctx, expired.AccessKeyID)
	wantErr(t, "GetCredential(expired credential of the identity)", err, store.ErrKeyNotFound)
	for _, c := range []store.TempCredential{live, otherIdentity} {
		got, _, err := s.GetCredential(ctx, c.AccessKeyID)
		if err != nil {
			t.Errorf("GetCredential(%s): got %v, want nil", c.AccessKeyID, err)
			continue
		}
		if !reflect.DeepEqual([]string{got.AccessKeyID, got.IdentityID}, []string{c.AccessKeyID, c.IdentityID}) {
			t.Errorf("GetCredential(%s): got %+v, want %+v", c.AccessKeyID, got, c)
		}
	}
}

func testDeletePoolRevokes(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	mustPool(t, s, pool(pool1, acct1, appA))
	mustPool(t, s, pool(pool2, acct1, appA))
	mustIdentity(t, s, ident1, pool1)
	mustIdentity(t, s, ident2, pool2)
	mustCredential(t, s, credential("ASIAEXAMPLE0000001", ident1, pool1, at(0), time.Hour))
	mustCredential(t, s, credential("ASIAEXAMPLE0000002", ident2, pool2, at(0), time.Hour))

	if err := s.DeletePool(ctx, pool1); err != nil {
		t.Fatalf("DeletePool: got %v, want nil", err)
	}
	_, err := s.GetPool(ctx, pool1)
	wantErr(t, "GetPool(deleted)", err, store.ErrPoolNotFound)
	_, err = s.GetIdentity(ctx, ident1)
	wantErr(t, "GetIdentity(of deleted pool)", err, store.ErrIdentityNotFound)
	_, _, err = s.GetCredential(ctx, "ASIAEXAMPLE0000001")
	wantErr(t, "GetCredential(of deleted pool)", err, store.ErrKeyNotFound)
	wantErr(t, "PutIdentity(deleted pool)", s.PutIdentity(ctx, store.Identity{ID: ident1, PoolID: pool1, Created: at(1)}), store.ErrPoolNotFound)
	wantErr(t, "DeletePool(again)", s.DeletePool(ctx, pool1), store.ErrPoolNotFound)

	// The other pool keeps its identities and credentials.
	if _, err := s.GetIdentity(ctx, ident2); err != nil {
		t.Errorf("GetIdentity(other pool): got %v, want nil", err)
	}
	if _, _, err := s.GetCredential(ctx, "ASIAEXAMPLE0000002"); err != nil {
		t.Errorf("GetCredential(other pool): got %v, want nil", err)
	}
}

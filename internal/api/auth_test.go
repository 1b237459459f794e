package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/sigv4"
	"pinpointd/internal/store"
	"pinpointd/internal/store/sqlite"
)

// TestSessionTokens drives KeyAuth with a real store and a settable clock through the session-token
// rules of checkToken, and the revocation of a pool.
func TestSessionTokens(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "auth.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	const (
		account = "000000000000"
		app     = "0123456789abcdef0123456789abcdef"
		pool    = "us-east-1:00000000-0000-4000-8000-000000000001"
		ident   = "us-east-1:10000000-0000-4000-8000-000000000001"
		token   = "the-session-token"
	)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutKey(ctx, store.Key{AccessKeyID: "AKIALONGTERM00000001", Secret: "long-term-secret", Account: account, Created: now}))
	must(st.CreateApp(ctx, pinpoint.App{ID: app, Account: account, Name: "a", CreationDate: pinpoint.FormatTime(now)}))
	must(st.CreatePool(ctx, store.IdentityPool{ID: pool, Account: account, AppID: app, Allow: []string{"mobiletargeting:PutEvents"}, TTL: time.Hour, Created: now}))
	must(st.PutIdentity(ctx, store.Identity{ID: ident, PoolID: pool, Created: now}))
	sum := sha256.Sum256([]byte(token))
	must(st.PutCredential(ctx, store.TempCredential{AccessKeyID: "ASIATEMPORARY0000001", Secret: "temp-secret", TokenHash: hex.EncodeToString(sum[:]),
		IdentityID: ident, PoolID: pool, Issued: now, Expires: now.Add(time.Hour)}))

	auth := NewKeyAuth(KeyAuthConfig{Store: st, Now: clock})
	// authenticate signs a request with key/secret, adds tokens, and authenticates it.
	authenticate := func(key, secret string, tokens ...string) (Principal, error) {
		body := []byte(`{}`)
		r := httptest.NewRequest("POST", "http://127.0.0.1:8080/v1/apps/"+app+"/events", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		s := &sigv4.Signer{AccessKeyID: key, Secret: secret, Region: "us-east-1", Service: "mobiletargeting", Now: clock}
		if err := s.Sign(r, body); err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			r.Header.Add("X-Amz-Security-Token", tok)
		}
		return auth.Authenticate(ctx, r, body)
	}
	wantCode := func(t *testing.T, err error, code string) {
		t.Helper()
		var e *pinpoint.Error
		if !errors.As(err, &e) || e.Code != code {
			t.Fatalf("got error %v, want %s", err, code)
		}
	}

	t.Run("long-term key", func(t *testing.T) {
		p, err := authenticate("AKIALONGTERM00000001", "long-term-secret")
		if err != nil || p.App != "" || p.Account != account {
			t.Fatalf("got %+v, %v; want the account's principal, not bound to an app", p, err)
		}
	})
	t.Run("long-term key with a token", func(t *testing.T) {
		_, err := authenticate("AKIALONGTERM00000001", "long-term-secret", token)
		wantCode(t, err, pinpoint.CodeUnrecognizedClient)
	})
	t.Run("temporary key with its token", func(t *testing.T) {
		p, err := authenticate("ASIATEMPORARY0000001", "temp-secret", token)
		if err != nil {
			t.Fatal(err)
		}
		if p.App != app || p.Pool != pool || p.Account != account || len(p.Allow) != 1 || p.Allow[0] != "mobiletargeting:PutEvents" {
			t.Errorf("principal: got %+v, want bound to app %s with the pool's actions", p, app)
		}
	})
	for _, c := range []struct {
		name   string
		tokens []string
	}{
		{"temporary key without a token", nil},
		{"temporary key with another token", []string{"not-the-token"}},
		{"temporary key with its token twice", []string{token, token}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := authenticate("ASIATEMPORARY0000001", "temp-secret", c.tokens...)
			wantCode(t, err, pinpoint.CodeUnrecognizedClient)
		})
	}
	t.Run("temporary key with the wrong secret", func(t *testing.T) {
		_, err := authenticate("ASIATEMPORARY0000001", "not-the-secret", token)
		wantCode(t, err, pinpoint.CodeInvalidSignature)
	})
	t.Run("expired", func(t *testing.T) {
		now = now.Add(time.Hour - time.Second)
		if _, err := authenticate("ASIATEMPORARY0000001", "temp-secret", token); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		now = now.Add(time.Second)
		_, err := authenticate("ASIATEMPORARY0000001", "temp-secret", token)
		wantCode(t, err, pinpoint.CodeExpiredToken)
	})
	t.Run("pool deleted", func(t *testing.T) {
		must(st.PutCredential(ctx, store.TempCredential{AccessKeyID: "ASIATEMPORARY0000002", Secret: "temp-secret", TokenHash: hex.EncodeToString(sum[:]),
			IdentityID: ident, PoolID: pool, Issued: now, Expires: now.Add(time.Hour)}))
		if _, err := authenticate("ASIATEMPORARY0000002", "temp-secret", token); err != nil {
			t.Fatalf("before delete: %v", err)
		}
		must(st.DeletePool(ctx, pool))
		now = now.Add(6 * time.Second) // past the key cache's 5 s
		_, err := authenticate("ASIATEMPORARY0000002", "temp-secret", token)
		wantCode(t, err, pinpoint.CodeUnrecognizedClient)
	})
}

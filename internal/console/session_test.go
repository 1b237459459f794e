package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pinpointd/internal/console"
	"pinpointd/internal/store"
)

func TestSignInAndOut(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		wantRedirect(t, "apps before sign-in", e.get("/console/apps"), "/console/login?next=")

		r := e.login(rootID, "wrong-secret")
		wantStatus(t, "wrong secret", r, http.StatusUnauthorized, "The access key ID or secret access key is not valid.")
		r = e.login("AKIAUNKNOWN000000000", rootSecret)
		wantStatus(t, "unknown key", r, http.StatusUnauthorized, "The access key ID or secret access key is not valid.")

		r = e.login(rootID, rootSecret)
		wantRedirect(t, "sign in", r, "/console/apps")
		var sess *http.Cookie
		for _, c := range r.cookies {
			if c.Name == "pinpointd_console" {
				sess = c
			}
			if strings.Contains(c.Value, rootSecret) {
				t.Errorf("cookie %s holds the secret", c.Name)
			}
		}
		if sess == nil {
			t.Fatal("sign in set no session cookie")
		}
		if !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/console/" || len(sess.Value) < 43 {
			t.Errorf("session cookie: got HttpOnly=%v SameSite=%v Path=%q len=%d, want HttpOnly, Strict, /console/, 32 random bytes",
				sess.HttpOnly, sess.SameSite, sess.Path, len(sess.Value))
		}
		page := e.get("/console/apps")
		wantStatus(t, "apps after sign-in", page, http.StatusOK, rootID, "Create an app")
		if strings.Contains(page.body, rootSecret) {
			t.Error("a page shows the secret")
		}

		// Sign-out ends the session on the server: the old cookie no longer works.
		wantRedirect(t, "sign out", e.post("/console/apps", "/console/logout", nil), "/console/login")
		other := e.newClient()
		u, _ := url.Parse(e.srv.URL + "/console/")
		other.Jar.SetCookies(u, []*http.Cookie{{Name: "pinpointd_console", Value: sess.Value}})
		req, _ := http.NewRequest("GET", e.srv.URL+"/console/apps", nil)
		wantRedirect(t, "old cookie after sign-out", e.do(other, req), "/console/login")
	})
}

func TestSignInForgery(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		creds := url.Values{"access_key_id": {rootID}, "secret_access_key": {rootSecret}}
		// No login token (a form posted from another site cannot read the cookie's value).
		wantStatus(t, "sign-in without token", e.postRaw("/console/login", creds, nil), http.StatusForbidden)
		tok := e.csrf("/console/login")
		creds.Set("login_token", tok)
		wantStatus(t, "sign-in from another origin", e.postRaw("/console/login", creds, map[string]string{"Origin": "https://evil.example"}), http.StatusForbidden)
		wantStatus(t, "sign-in cross-site", e.postRaw("/console/login", creds, map[string]string{"Sec-Fetch-Site": "cross-site"}), http.StatusForbidden)
		creds.Set("next", "https://evil.example/")
		wantRedirect(t, "sign-in with the token, next elsewhere", e.postRaw("/console/login", creds, nil), "/console/apps")
	})
}

func TestFormForgery(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustLogin()
		csrf := e.csrf("/console/apps")
		same := map[string]string{"Origin": e.srv.URL, "Sec-Fetch-Site": "same-origin"}
		cases := []struct {
			name    string
			form    url.Values
			headers map[string]string
		}{
			{"no token", url.Values{"name": {"x"}}, same},
			{"wrong token", url.Values{"name": {"x"}, "csrf": {"not-the-token"}}, same},
			{"other origin", url.Values{"name": {"x"}, "csrf": {csrf}}, map[string]string{"Origin": "https://evil.example"}},
			{"cross-site fetch", url.Values{"name": {"x"}, "csrf": {csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
			{"same-site, other origin", url.Values{"name": {"x"}, "csrf": {csrf}}, map[string]string{"Sec-Fetch-Site": "same-site"}},
		}
		for _, c := range cases {
			wantStatus(t, c.name, e.postRaw("/console/apps", c.form, c.headers), http.StatusForbidden, "cross-site request refused")
		}
		// Another session's token is not this session's.
		other := &env{t: t, st: e.st, srv: e.srv, clock: e.clock, client: e.newClient()}
		other.mustLogin()
		wantStatus(t, "another session's token", e.postRaw("/console/apps", url.Values{"name": {"x"}, "csrf": {other.csrf("/console/apps")}}, same), http.StatusForbidden)
		if apps := string(e.api("GET", "/v1/apps", nil)); strings.Contains(apps, `"Name":"x"`) {
			t.Errorf("a refused form created an app: %s", apps)
		}
		// A POST without a session goes nowhere.
		anon := &env{t: t, st: e.st, srv: e.srv, clock: e.clock, client: e.newClient()}
		wantStatus(t, "POST without a session", anon.postRaw("/console/apps", url.Values{"name": {"x"}}, same), http.StatusUnauthorized)
	})
}

func TestSessionExpires(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustLogin()
		e.clock.add(console.IdleTimeout - time.Minute)
		wantStatus(t, "just before the idle timeout", e.get("/console/apps"), http.StatusOK)
		e.clock.add(console.IdleTimeout + time.Minute)
		wantRedirect(t, "after the idle timeout", e.get("/console/apps"), "/console/login")

		e.mustLogin()
		for range 4 {
			e.clock.add(console.MaxLifetime / 4)
			e.get("/console/apps")
		}
		e.clock.add(time.Minute)
		wantRedirect(t, "after the longest lifetime", e.get("/console/apps"), "/console/login")
	})
}

func TestRevokedKeyEndsSession(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		const id, secret = "AKIACONSOLEREVOKE001", "revocable-secret-000000000000000000000000"
		if err := e.st.PutKey(t.Context(), store.Key{AccessKeyID: id, Secret: secret, Account: account, Created: e.clock.now()}); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, "sign in", e.login(id, secret), "/console/apps")
		wantStatus(t, "apps", e.get("/console/apps"), http.StatusOK)
		if err := e.st.RevokeKey(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, "apps after revocation", e.get("/console/apps"), "/console/login")
		wantStatus(t, "sign in with a revoked key", e.login(id, secret), http.StatusUnauthorized)
	})
}

func TestHeadersAndAssets(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r, err := e.client.Get(e.srv.URL + "/console/login")
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		for h, want := range map[string]string{"X-Frame-Options": "DENY", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s: got %q, want %q", h, got, want)
			}
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("Content-Security-Policy: got %q", csp)
		}
		wantStatus(t, "script", e.get("/console/static/console.js"), http.StatusOK, "data-fragment")
		wantStatus(t, "style sheet", e.get("/console/static/console.css"), http.StatusOK, "@media")
		wantRedirect(t, "/console/", e.get("/console/"), "/console/apps")
		// Everything else is the API's.
		wantStatus(t, "API", e.get("/v1/apps"), http.StatusForbidden, `"Message"`)
	})
}

package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"pinpointd/internal/api"
	"pinpointd/internal/console"
	"pinpointd/internal/jobs"
	"pinpointd/internal/sigv4"
	"pinpointd/internal/store"
	"pinpointd/internal/store/postgres"
	"pinpointd/internal/store/sqlite"
)

const (
	rootID     = "AKIACONSOLETEST00001"
	rootSecret = "console-test-secret-0000000000000000000000"
	account    = "000000000000"
	region     = "us-east-1"
)

// clock is the tests' clock: it moves only when a test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a console in front of a real API on a real store, and a browser-like client.
type env struct {
	t      testing.TB
	st     store.Store
	srv    *httptest.Server
	client *http.Client
	clock  *clock
	jobDir string // the directory file:// job URLs may name
}

// backends runs fn on SQLite and, when PINPOINTD_TEST_POSTGRES is set, on PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		fn(t, newEnv(t, st))
	})
	dsn := os.Getenv("PINPOINTD_TEST_POSTGRES")
	t.Run("postgres", func(t *testing.T) {
		if dsn == "" {
			t.Skip("PINPOINTD_TEST_POSTGRES is not set: PostgreSQL tests skipped")
		}
		fn(t, newEnv(t, openPostgres(t, dsn)))
	})
}

func openPostgres(t *testing.T, dsn string) store.Store {
	t.Helper()
	ctx := context.Background()
	schema := "console_test_" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_")
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	st, err := postgres.Open(ctx, dsn+"&search_path="+schema, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newEnv(t testing.TB, st store.Store) *env {
	t.Helper()
	clk := &clock{t: time.Now().UTC()}
	t.Cleanup(func() { st.Close() })
	if err := st.PutKey(t.Context(), store.Key{AccessKeyID: rootID, Secret: rootSecret, Account: account, Created: clk.now()}); err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Config{Store: st, Auth: api.NewKeyAuth(api.KeyAuthConfig{Store: st, Now: clk.now}), Region: region, Now: clk.now})
	// Jobs read and write files under jobDir, and run in this process, as `serve` runs them.
	jobDir := t.TempDir()
	storage, err := jobs.NewStorage(jobs.S3Config{}, []string{jobDir})
	if err != nil {
		t.Fatal(err)
	}
	runner := jobs.New(jobs.Config{Store: st, Storage: storage, Poll: 50 * time.Millisecond})
	a.SetJobs(storage, runner.Wake)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); runner.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	c := console.New(console.Config{API: a, Store: st, Region: region, Now: clk.now, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	srv := httptest.NewServer(console.Mount(c, a))
	t.Cleanup(srv.Close)
	e := &env{t: t, st: st, srv: srv, clock: clk, jobDir: jobDir}
	e.client = e.newClient()
	return e
}

// newClient is a browser without a session: it keeps cookies and does not follow redirects.
func (e *env) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type resp struct {
	status   int
	body     string
	location string
	cookies  []*http.Cookie
}

func (e *env) do(c *http.Client, req *http.Request) resp {
	e.t.Helper()
	r, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{status: r.StatusCode, body: string(b), location: r.Header.Get("Location"), cookies: r.Cookies()}
}

func (e *env) get(path string) resp {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	return e.do(e.client, req)
}

func (e *env) fragment(path string) resp {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("X-Console-Fragment", "1")
	return e.do(e.client, req)
}

// post sends a form as a browser on the console's own page does: with the page's CSRF token
// (taken from the page at from) and Origin and Sec-Fetch-Site of the same origin.
func (e *env) post(from, path string, form url.Values) resp {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if from != "" {
		form.Set("csrf", e.csrf(from))
	}
	return e.postRaw(path, form, map[string]string{"Origin": e.srv.URL, "Sec-Fetch-Site": "same-origin"})
}

func (e *env) postRaw(path string, form url.Values, headers map[string]string) resp {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return e.do(e.client, req)
}

var csrfRE = regexp.MustCompile(`name="(?:csrf|login_token)" value="([^"]+)"`)

func (e *env) csrf(path string) string {
	e.t.Helper()
	r := e.get(path)
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		e.t.Fatalf("GET %s: no CSRF token in the page (status %d)", path, r.status)
	}
	return m[1]
}

func (e *env) login(id, secret string) resp {
	e.t.Helper()
	tok := e.csrf("/console/login")
	return e.postRaw("/console/login", url.Values{"login_token": {tok}, "access_key_id": {id}, "secret_access_key": {secret}},
		map[string]string{"Origin": e.srv.URL, "Sec-Fetch-Site": "same-origin"})
}

func (e *env) mustLogin() {
	e.t.Helper()
	if r := e.login(rootID, rootSecret); r.status != http.StatusSeeOther || r.location != "/console/apps" {
		e.t.Fatalf("sign in: got %d to %q, want 303 to /console/apps; body %s", r.status, r.location, r.body)
	}
}

// api sends a request signed with the root key straight to the API.
func (e *env) api(method, path string, body any) []byte {
	e.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(b))
	if b != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	s := &sigv4.Signer{AccessKeyID: rootID, Secret: rootSecret, Region: region, Service: "mobiletargeting", Now: e.clock.now}
	if err := s.Sign(req, b); err != nil {
		e.t.Fatal(err)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Body.Close()
	out, _ := io.ReadAll(r.Body)
	if r.StatusCode/100 != 2 {
		e.t.Fatalf("%s %s: %d %s", method, path, r.StatusCode, out)
	}
	return out
}

func (e *env) createApp(name string) string {
	e.t.Helper()
	var a struct{ Id string }
	json.Unmarshal(e.api("POST", "/v1/apps", map[string]any{"Name": name}), &a)
	return a.Id
}

func wantStatus(t *testing.T, what string, r resp, status int, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: got status %d, want %d; body:\n%s", what, r.status, status, r.body)
	}
	for _, s := range contains {
		if !strings.Contains(r.body, s) {
			t.Errorf("%s: body lacks %q; body:\n%s", what, s, r.body)
		}
	}
}

func wantRedirect(t *testing.T, what string, r resp, prefix string) {
	t.Helper()
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, prefix) {
		t.Errorf("%s: got %d to %q, want 303 to %s…; body %s", what, r.status, r.location, prefix, r.body)
	}
}

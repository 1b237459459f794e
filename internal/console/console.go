package console

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"pinpointd/internal/api"
	"pinpointd/internal/pinpoint"
	"pinpointd/internal/sigv4"
	"pinpointd/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the console is mounted.
const Prefix = "/console/"

// Config is what a Console needs. API, Store and Region are required.
type Config struct {
	// API is the Pinpoint API handler the console sends its signed requests to, in process.
	API   http.Handler
	Store store.Store
	// Region is the region the console's requests are signed for; it must be one the API
	// accepts (--signing-regions).
	Region string
	Log    *slog.Logger
	Now    func() time.Time // default time.Now
}

// Console serves the web console. It is safe for concurrent use.
type Console struct {
	api      http.Handler
	store    store.Store
	region   string
	log      *slog.Logger
	now      func() time.Time
	sessions *sessions
	pages    map[string]*template.Template
	mux      *http.ServeMux
}

// New returns a Console for cfg.
func New(cfg Config) *Console {
	c := &Console{api: cfg.API, store: cfg.Store, region: cfg.Region, log: cfg.Log, now: cfg.Now, sessions: newSessions()}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.pages = parseTemplates()
	c.mux = c.routes()
	return c
}

// Mount returns a handler that serves the console under Prefix and sends every other request to
// next.
func Mount(c *Console, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == strings.TrimSuffix(Prefix, "/") || strings.HasPrefix(p, Prefix) {
			c.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

var funcs = template.FuncMap{
	"join":       strings.Join,
	"pathEscape": url.PathEscape,
	"json": func(v any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	},
	"rawJSON": func(b json.RawMessage) string {
		var buf bytes.Buffer
		if json.Indent(&buf, b, "", "  ") != nil {
			return string(b)
		}
		return buf.String()
	},
	"add": func(a, b int) int { return a + b },
}

// parseTemplates parses each page with the layout.
func parseTemplates() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := make(map[string]*template.Template)
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		pages[strings.TrimSuffix(base, ".html")] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
	}
	return pages
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on a form POST,
	// which sameOrigin refuses.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			c.log.Error("console panic", "panic", p, "path", r.URL.Path)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	c.mux.ServeHTTP(w, r)
}

const (
	sessionCookie = "pinpointd_console"
	loginCookie   = "pinpointd_console_login" // the login form's CSRF token (double submit)
)

// secure reports whether the browser reached the console over TLS, directly or through a proxy
// that says so; cookies are then marked Secure.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)})
}

// sameOrigin refuses a request a browser sent from another site: Sec-Fetch-Site, when sent, must
// be same-origin, and Origin, when sent, must be this host's.
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// ctx is what a signed-in handler gets.
type ctx struct {
	w     http.ResponseWriter
	r     *http.Request
	sess  session
	key   store.Key
	c     *Console
	appID string // the app of the page, when there is one
	app   *pinpoint.ApplicationResponse
}

// handler is a signed-in page.
type handler func(x *ctx)

// auth wraps a page that needs a session: it checks the session cookie, looks the key up (a
// revoked or deleted key ends the session), and checks the CSRF token and origin of a POST.
func (c *Console) auth(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := c.now()
		ck, err := r.Cookie(sessionCookie)
		if err != nil {
			c.toLogin(w, r)
			return
		}
		sess, ok := c.sessions.get(ck.Value, now)
		if !ok {
			c.toLogin(w, r)
			return
		}
		key, err := c.store.GetKey(r.Context(), sess.keyID)
		if err != nil || key.Revoked {
			if err != nil && !errors.Is(err, store.ErrKeyNotFound) {
				c.log.Error("console: look up key", "err", err)
				http.Error(w, "The store is unavailable; try again.", http.StatusServiceUnavailable)
				return
			}
			c.sessions.delete(sess.id)
			c.toLogin(w, r)
			return
		}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.csrf)) != 1 {
				http.Error(w, "This form was not sent from the console's own page (cross-site request refused). Reload the page and try again.", http.StatusForbidden)
				return
			}
		}
		x := &ctx{w: w, r: r, sess: sess, key: key, c: c, appID: r.PathValue("app")}
		h(x)
	}
}

func (c *Console) toLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.Header.Get("X-Console-Fragment") == "" {
		http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	http.Error(w, "Your console session has ended; sign in again.", http.StatusUnauthorized)
}

// apiError is an error answer of the API.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// recorder is the ResponseWriter the API writes into.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// consoleHost is the Host of the console's requests to the API; it is signed like any other.
const consoleHost = "console.pinpointd.internal"

// call sends an API request signed with the session's key and decodes a 2xx answer into out
// (when not nil). An error answer is an *apiError with the API's message.
func (x *ctx) call(method, path string, query url.Values, body, out any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return err
		}
	}
	return x.callRaw(method, path, query, b, out)
}

// callRaw is call with a body already encoded.
func (x *ctx) callRaw(method, path string, query url.Values, body []byte, out any) error {
	return x.c.callAs(x.r.Context(), x.key, method, path, query, body, out)
}

func (c *Console) callAs(ctx context.Context, key store.Key, method, path string, query url.Values, body []byte, out any) error {
	// path is escaped already (each label with url.PathEscape), as a client sends it.
	u, err := url.Parse("http://" + consoleHost + path)
	if err != nil {
		return err
	}
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.RequestURI = u.RequestURI()
	req.RemoteAddr = "console"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	signer := &sigv4.Signer{AccessKeyID: key.AccessKeyID, Secret: key.Secret, Region: c.region, Service: "mobiletargeting", Now: c.now}
	if err := signer.Sign(req, body); err != nil {
		return err
	}
	rec := &recorder{h: make(http.Header)}
	c.api.ServeHTTP(rec, req)
	if rec.status/100 != 2 {
		var m struct{ Message string }
		json.Unmarshal(rec.body.Bytes(), &m)
		code := rec.h.Get("x-amzn-ErrorType")
		if m.Message == "" {
			m.Message = fmt.Sprintf("The server answered %d %s.", rec.status, http.StatusText(rec.status))
		}
		return &apiError{Status: rec.status, Code: code, Message: m.Message}
	}
	if out != nil && rec.body.Len() > 0 {
		if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
			return fmt.Errorf("decode the API's answer to %s %s: %w", method, path, err)
		}
	}
	return nil
}

// allows reports whether the signed-in key may call op.
func (x *ctx) allows(op string) bool { return api.Allows(x.key.Allow, op) }

// page is what every template gets.
type page struct {
	Title   string
	KeyID   string
	Account string
	CSRF    string
	App     *pinpoint.ApplicationResponse
	AppID   string
	Jobs    bool // the job pages exist
	Flash   string
	Error   *apiError
	Data    any
	allow   []string // the key's allow-list, for Can
}

// Can reports whether the signed-in key may call op, so a page offers only what it may do.
func (p page) Can(op string) bool { return api.Allows(p.allow, op) }

// render writes a page with status (0: 200, or the error's status when err is an *apiError).
func (x *ctx) render(name, title string, data any, err error) {
	p := page{Title: title, KeyID: x.sess.keyID, Account: x.sess.account, CSRF: x.sess.csrf, App: x.app, AppID: x.appID, Jobs: hasJobs, Flash: x.sess.flash, Data: data, allow: x.key.Allow}
	status := http.StatusOK
	if err != nil {
		p.Error = x.c.asAPIError(err)
		status = p.Error.Status
	}
	x.c.write(x.w, name, status, p)
}

// asAPIError turns any error into what a page shows: the API's own errors as they are, store
// errors the API would have answered the same way, and anything else as a generic failure
// (logged).
func (c *Console) asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	switch {
	case errors.Is(err, store.ErrAppNotFound):
		return &apiError{Status: 404, Code: pinpoint.CodeNotFound, Message: "Application not found"}
	case errors.Is(err, store.ErrEndpointNotFound):
		return &apiError{Status: 404, Code: pinpoint.CodeNotFound, Message: "Resource not found"}
	}
	c.log.Error("console", "err", err)
	return &apiError{Status: 500, Code: "InternalServerErrorException", Message: "Internal server error"}
}

func (c *Console) write(w http.ResponseWriter, name string, status int, p any) {
	t, ok := c.pages[name]
	if !ok {
		panic("console: no template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		c.log.Error("console: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fragment writes a piece of a page (loaded by the page's script) with status.
func (x *ctx) fragment(name string, data any, err error) {
	if x.r.Header.Get("X-Console-Fragment") == "" {
		// Without the page's script (or from a link inside a fragment): the piece as a page.
		x.render(name, "", data, err)
		return
	}
	p := page{CSRF: x.sess.csrf, App: x.app, AppID: x.appID, Data: data, allow: x.key.Allow}
	status := http.StatusOK
	if err != nil {
		p.Error = x.c.asAPIError(err)
		status = p.Error.Status
	}
	t := x.c.pages[name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "fragment", p); err != nil {
		x.c.log.Error("console: render", "fragment", name, "err", err)
		http.Error(x.w, "internal error", http.StatusInternalServerError)
		return
	}
	x.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	x.w.WriteHeader(status)
	x.w.Write(buf.Bytes())
}

// redirect answers a successful POST: 303 to path, with a message for the next page.
func (x *ctx) redirect(path, flash string) {
	if flash != "" {
		x.c.sessions.setFlash(x.sess.id, flash)
	}
	http.Redirect(x.w, x.r, path, http.StatusSeeOther)
}

// loadApp reads the page's app through GetApp (so an app of another account, or a key that may
// not GetApp, gets the API's answer).
func (x *ctx) loadApp() error {
	var a pinpoint.ApplicationResponse
	if err := x.call("GET", "/v1/apps/"+url.PathEscape(x.appID), nil, nil, &a); err != nil {
		return err
	}
	x.app = &a
	return nil
}

package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// Principal is who a request acts for, as established by an Authenticator.
type Principal struct {
	AccessKeyID string
	Account     string
	// Allow lists the actions the key may call ("mobiletargeting:GetEndpoint", "mobiletargeting:Get*",
	// "*"); empty allows every action.
	Allow []string
	// App, when set, is the only app the principal may act on: it holds a temporary credential of
	// the identity pool Pool, which belongs to that app.
	App  string
	Pool string
}

// Authenticator establishes who sent a request. An error that is a *pinpoint.Error is answered
// as is (403 codes); any other error is an internal failure.
type Authenticator interface {
	// Precheck refuses, from its headers alone, a request that no body could authenticate
	// (no or a malformed Authorization header, an unknown or revoked key, …). The server
	// calls it before reading the body; a nil error promises nothing.
	Precheck(ctx context.Context, r *http.Request) error
	// Authenticate verifies the request with body, the whole request body.
	Authenticate(ctx context.Context, r *http.Request, body []byte) (Principal, error)
}

// Config is what a Server needs. Store, Auth and Region are required.
type Config struct {
	Store  store.Store
	Auth   Authenticator
	Region string
	Log    *slog.Logger
	Now    func() time.Time // default time.Now
	NewID  func() string    // request and app IDs; default 32 random hex characters
	// Limiter, when set, is asked before each authenticated operation; a false answer is a 429
	// TooManyRequestsException with Retry-After.
	Limiter func(account, op string) (ok bool, retryAfter time.Duration)
	// WriteTimeout bounds how long a response may take to be computed and written, counted
	// from when the request's body has been read (from the start of the request for one
	// answered before its body is read). A client that does not read its response is
	// disconnected when it passes. 0: no bound.
	WriteTimeout time.Duration
	// BodyBudget bounds the bytes that request bodies not yet authenticated may hold in all;
	// a request whose body does not fit is answered 503 ServiceUnavailableException with
	// Retry-After. 0: DefaultBodyBudget. It should be at least pinpoint.MaxRequestBytes, or
	// the largest bodies are never accepted.
	BodyBudget int64
}

// DefaultBodyBudget is the BodyBudget of a Config that sets none: nine bodies of the largest
// size, or thousands of the usual few kilobytes.
const DefaultBodyBudget = 64 << 20

// Server serves the Pinpoint API over HTTP.
type Server struct {
	store   store.Store
	auth    Authenticator
	region  string
	log     *slog.Logger
	now     func() time.Time
	newID   func() string
	limiter func(account, op string) (bool, time.Duration)
	routes  []route
	metrics *metrics
	jobs    jobAPI // import and export jobs (jobs.go)
	writeTO time.Duration
	budget  budget
	splits  splitHints // segments.go
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	s := &Server{
		store:   cfg.Store,
		auth:    cfg.Auth,
		region:  cfg.Region,
		log:     cfg.Log,
		now:     cfg.Now,
		newID:   cfg.NewID,
		limiter: cfg.Limiter,
		metrics: newMetrics(),
		writeTO: cfg.WriteTimeout,
		budget:  budget{free: cfg.BodyBudget},
	}
	if s.budget.free <= 0 {
		s.budget.free = DefaultBodyBudget
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = randomID
	}
	s.routes = withFallback(s.routeTable())
	return s
}

// randomID returns 32 lowercase hex characters, the form of Pinpoint's IDs.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// request is what a handler gets: the decoded path labels, the body and who is calling.
type request struct {
	ctx       context.Context
	http      *http.Request
	labels    map[string]string
	body      []byte
	principal Principal
	id        string // the request ID
}

// handlerFunc serves one operation: a status and a value to encode as JSON (nil: empty body), or an error.
type handlerFunc func(r *request) (int, any, error)

// route maps one AWS operation to a method, a path pattern and a handler.
type route struct {
	op      string
	method  string
	pattern []string // literal segments, or "{label}"
	maxBody int64
	handle  handlerFunc
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyOperation
	keyLabels // the decoded path labels, for error messages
	keyConn   // the *framedConn a request arrived on
)

func requestID(ctx context.Context) string { s, _ := ctx.Value(keyRequestID).(string); return s }

// operation returns the name of the operation being served, once routed.
func operation(ctx context.Context) string {
	if op, ok := ctx.Value(keyOperation).(*string); ok {
		return *op
	}
	return ""
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := s.newRequestID()
	op := ""
	ctx := context.WithValue(r.Context(), keyRequestID, rid)
	ctx = context.WithValue(ctx, keyOperation, &op)
	r = r.WithContext(ctx)
	h := w.Header()
	h.Set("x-amzn-RequestId", rid)
	// Browsers (Amplify's JavaScript libraries) call Pinpoint across origins, as the real
	// service allowed; the signature, not the origin, is what authenticates a request.
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date, Retry-After")
	s.extendWrite(w)
	s.metrics.inflight.Add(1)
	status := http.StatusInternalServerError
	defer func() {
		s.metrics.inflight.Add(-1)
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			status = s.writeError(w, r, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
		d := time.Since(start)
		if op != "" {
			s.metrics.observe(op, status, d)
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("op", op), slog.Int("status", status), slog.Duration("duration", d),
			slog.String("request_id", rid), slog.String("method", r.Method))
	}()
	if err := checkFraming(w, r); err != nil {
		status = s.writeError(w, r, err)
		return
	}
	status = s.serve(w, r, &op)
}

// extendWrite gives the response WriteTimeout from now to be written.
func (s *Server) extendWrite(w http.ResponseWriter) {
	if s.writeTO > 0 {
		// ErrNotSupported (a ResponseWriter that is no connection) leaves nothing to bound.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.writeTO))
	}
}

func (s *Server) newRequestID() string {
	id := s.newID()
	if len(id) == 32 {
		// Request IDs look like AWS's: a UUID.
		return id[0:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:32]
	}
	return id
}

// serve routes, reads and authenticates the request and runs its handler. It returns the status sent.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, op *string) int {
	switch rawPath(r) {
	case "/healthz":
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "ok\n")
		return http.StatusOK
	case "/readyz":
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.store.Ping(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "store unavailable\n")
			return http.StatusServiceUnavailable
		}
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "ok\n")
		return http.StatusOK
	case "/metrics":
		s.metrics.write(w)
		return http.StatusOK
	}

	if isCognito(r) {
		return s.serveCognito(w, r, op)
	}
	if err := checkPath(rawPath(r)); err != nil {
		return s.writeError(w, r, err)
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		return s.preflight(w, r)
	}
	rt, labels, err := s.match(r)
	if err != nil {
		return s.writeError(w, r, err)
	}
	*op = rt.op
	r = r.WithContext(context.WithValue(r.Context(), keyLabels, labels))
	if err := checkText(labels, r.URL.Query()); err != nil {
		return s.writeError(w, r, err)
	}

	// Nothing of the body is read for a request that cannot authenticate, and the bodies
	// read before their signature is checked share one budget.
	if err := s.auth.Precheck(r.Context(), r); err != nil {
		return s.writeError(w, r, err)
	}
	body, release, err := s.readBody(w, r, rt.maxBody)
	s.extendWrite(w) // reading the body does not count against the response
	if err != nil {
		return s.writeError(w, r, err)
	}
	p, err := s.auth.Authenticate(r.Context(), r, body)
	release()
	if err != nil {
		return s.writeError(w, r, err)
	}
	req := &request{ctx: r.Context(), http: r, labels: labels, body: body, principal: p, id: requestID(r.Context())}
	if err := s.authorize(req, rt.op); err != nil {
		return s.writeError(w, r, err)
	}
	if s.limiter != nil {
		if ok, wait := s.limiter(p.Account, rt.op); !ok {
			secs := max(1, int((wait+time.Second-1)/time.Second))
			return s.writeError(w, r, &retryAfter{pinpoint.Errorf(pinpoint.CodeTooManyRequests, "Rate exceeded for %s; retry after %d s", rt.op, secs), secs})
		}
	}
	status, out, err := rt.handle(req)
	if err != nil {
		return s.writeError(w, r, err)
	}
	return s.writeJSON(w, r, status, out)
}

// preflight answers a CORS preflight for a path some operation serves. It needs no signature:
// browsers send none with it, and it reveals nothing but the route table.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) int {
	probe := r.Clone(r.Context())
	probe.Method = r.Header.Get("Access-Control-Request-Method")
	if _, _, err := s.match(probe); err != nil {
		return s.writeError(w, r, err)
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, PUT, POST, DELETE")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusOK)
	return http.StatusOK
}

func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) int {
	if v == nil {
		w.WriteHeader(status)
		return status
	}
	buf := bufPool.Get()
	defer bufPool.Put(buf)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return s.writeError(w, r, fmt.Errorf("encode response: %w", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return status
}

// rawPath is the path exactly as the client sent it, still percent-encoded.
func rawPath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u[0] == '/' {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			return u[:i]
		}
		return u
	}
	return r.URL.EscapedPath()
}

// match finds the route for r: NotFoundException when no pattern fits the path,
// MethodNotAllowedException when one fits but not with this method.
func (s *Server) match(r *http.Request) (*route, map[string]string, error) {
	raw := strings.TrimPrefix(rawPath(r), "/")
	segs := strings.Split(raw, "/")
	pathMatched := false
	for i := range s.routes {
		rt := &s.routes[i]
		labels, ok := matchPattern(rt.pattern, segs)
		if !ok {
			continue
		}
		pathMatched = true
		if rt.method == r.Method {
			return rt, labels, nil
		}
	}
	if pathMatched {
		return nil, nil, pinpoint.Errorf(pinpoint.CodeMethodNotAllowed, "Method %s is not allowed on %s", r.Method, rawPath(r))
	}
	return nil, nil, pinpoint.Errorf(pinpoint.CodeNotFound, "No operation matches %s %s", r.Method, rawPath(r))
}

func matchPattern(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var labels map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return nil, false
			}
			if labels == nil {
				labels = make(map[string]string, 2)
			}
			labels[p[1:len(p)-1]] = v
			continue
		}
		if segs[i] != p {
			return nil, false
		}
	}
	return labels, true
}

// checkText refuses path labels and query values that are not valid UTF-8 or contain NUL: no
// ID can hold them, and databases refuse them in text columns.
func checkText(labels map[string]string, query url.Values) error {
	bad := func(v string) bool { return !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 }
	for name, v := range labels {
		if bad(v) {
			return pinpoint.BadRequest("The %s in the path is not valid UTF-8 text or contains NUL", name)
		}
	}
	for name, vs := range query {
		for _, v := range vs {
			if bad(name) || bad(v) {
				return pinpoint.BadRequest("Query parameter %q is not valid UTF-8 text or contains NUL", name)
			}
		}
	}
	return nil
}

// drainPast is how far past its limit a body is read and discarded before a 413 is answered:
// a client that sends its whole body before it reads (Python's http.client, so botocore and
// the AWS CLI) sees the 413 instead of a reset connection. Beyond it, the connection is closed
// with the body unread.
const drainPast = 16 << 20

// readBody reads the whole body. A body over limit is PayloadTooLargeException (the connection
// is closed after the answer); a body that does not fit in the budget of unauthenticated bodies
// is ServiceUnavailableException with Retry-After. On success, release gives the body's share
// of the budget back: call it once the body is authenticated (or refused); on error nothing is
// held.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64) (body []byte, release func(), err error) {
	n := r.ContentLength
	switch {
	case n == 0 || r.Body == nil || r.Body == http.NoBody:
		return nil, func() {}, nil
	case n > limit:
		// A client waiting for "100 Continue" has sent nothing yet and reads the 413 as is.
		if n <= limit+drainPast && !strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			io.CopyN(io.Discard, r.Body, n)
		}
		w.Header().Set("Connection", "close")
		return nil, nil, tooLarge(limit)
	}
	reserve := n
	if n < 0 { // chunked: the length is known only at the end
		reserve = limit + 1
	}
	if !s.budget.take(reserve) {
		return nil, nil, &retryAfter{pinpoint.Errorf(pinpoint.CodeServiceUnavailable,
			"The server is reading too many request bodies at once; retry the request"), 1}
	}
	body, err = readReserved(r.Body, n, limit)
	if err != nil {
		s.budget.give(reserve)
		if pinpoint.ErrorCode(err) == pinpoint.CodePayloadTooLarge {
			w.Header().Set("Connection", "close")
		}
		return nil, nil, err
	}
	return body, func() { s.budget.give(reserve) }, nil
}

// readReserved reads a body of n bytes (n < 0: chunked, at most limit) into memory reserved for it.
func readReserved(b io.Reader, n, limit int64) ([]byte, error) {
	if n > 0 {
		// The length is known and within the budget: one allocation of exactly that size.
		body := make([]byte, n)
		if _, err := io.ReadFull(b, body); err != nil {
			return nil, pinpoint.BadRequest("Could not read the request body: %v", err)
		}
		return body, nil
	}
	buf := bytes.NewBuffer(make([]byte, 0, 512))
	if _, err := buf.ReadFrom(io.LimitReader(b, limit+1)); err != nil {
		return nil, pinpoint.BadRequest("Could not read the request body: %v", err)
	}
	if int64(buf.Len()) > limit {
		io.CopyN(io.Discard, b, drainPast)
		return nil, tooLarge(limit)
	}
	return buf.Bytes(), nil
}

func tooLarge(limit int64) error {
	return pinpoint.Errorf(pinpoint.CodePayloadTooLarge, "Request body exceeds the limit of %d bytes", limit)
}

// budget counts the bytes that bodies being read may still take. Its methods are safe for
// concurrent use.
type budget struct {
	mu   sync.Mutex
	free int64
}

// take reserves n bytes; false (and nothing reserved) when fewer are free.
func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.free {
		return false
	}
	b.free -= n
	return true
}

// give returns n bytes taken before.
func (b *budget) give(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
}

// checkPath refuses a path with an empty, "." or ".." segment, percent-encoded or not (a
// trailing slash and "//" make empty segments). Clients and proxies that remove such segments
// would see another path than the one signed or routed; no Pinpoint path has them.
func checkPath(path string) error {
	for seg := range strings.SplitSeq(strings.TrimPrefix(path, "/"), "/") {
		v := seg
		if strings.IndexByte(seg, '%') >= 0 {
			if u, err := url.PathUnescape(seg); err == nil {
				v = u
			}
		}
		if v == "" || v == "." || v == ".." {
			return pinpoint.BadRequest("The request path %s has an empty, '.' or '..' segment; "+
				"Pinpoint paths have none, so an ID cannot be '.' or '..' or empty", echoPath(path))
		}
	}
	return nil
}

// echoPath quotes at most 200 bytes of a request path in a message.
func echoPath(p string) string {
	if len(p) > 200 {
		p = p[:200] + "..."
	}
	return strconv.Quote(p)
}

// decode decodes a JSON request body into v with pinpoint.Decode, which refuses, naming the field,
// what no request may hold.
func decode(body []byte, v any) error { return pinpoint.Decode(body, v) }

// bufPool recycles response buffers.
var bufPool = pool[*bytes.Buffer]{newFn: func() *bytes.Buffer { return new(bytes.Buffer) }}

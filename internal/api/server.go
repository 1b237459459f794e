package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
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
}

// Authenticator establishes who sent a request. body is the whole request body. An error that is
// a *pinpoint.Error is answered as is (403 codes); any other error is an internal failure.
type Authenticator interface {
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
}

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
	s.routes = s.routeTable()
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
	status = s.serve(w, r, &op)
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

	body, err := readBody(w, r, rt.maxBody)
	if err != nil {
		return s.writeError(w, r, err)
	}
	p, err := s.auth.Authenticate(r.Context(), r, body)
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

// readBody reads the whole body, refusing one over limit with PayloadTooLargeException.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	tooLarge := pinpoint.Errorf(pinpoint.CodePayloadTooLarge, "Request body exceeds the limit of %d bytes", limit)
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	n := r.ContentLength
	if n < 0 || n > 64<<10 {
		n = 512
	}
	buf := bytes.NewBuffer(make([]byte, 0, n+1))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge
	}
	if err != nil {
		return nil, pinpoint.BadRequest("Could not read the request body: %v", err)
	}
	return buf.Bytes(), nil
}

// decode unmarshals a JSON body into v. An empty body decodes as {}. Malformed JSON or a value of
// the wrong type is a BadRequestException that names the field.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	// NUL cannot be stored in a text column (PostgreSQL refuses it) and no Pinpoint field needs it.
	if bytes.Contains(body, []byte(`\u0000`)) {
		return pinpoint.BadRequest("Strings in the request must not contain NUL (\\u0000)")
	}
	// The two hottest bodies have a fast path for their common form (v is always a zero value,
	// as it requires); whatever it declines, encoding/json decodes or reports.
	switch v := v.(type) {
	case *pinpoint.EndpointRequest:
		if pinpoint.DecodeEndpointRequest(body, v) {
			return nil
		}
	case *pinpoint.EndpointBatchRequest:
		if pinpoint.DecodeEndpointBatchRequest(body, v) {
			return nil
		}
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "the request body"
		}
		return pinpoint.BadRequest("Invalid value for %s: expected %s, got JSON %s", field, jsonType(te.Type.Kind().String()), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return pinpoint.BadRequest("Malformed JSON at byte %d: %v", se.Offset, se)
	}
	return pinpoint.BadRequest("Malformed JSON: %v", err)
}

func jsonType(kind string) string {
	switch kind {
	case "float64", "int64", "int":
		return "number"
	case "struct", "map", "ptr":
		return "object"
	case "slice":
		return "array"
	}
	return kind
}

// bufPool recycles response buffers.
var bufPool = pool[*bytes.Buffer]{newFn: func() *bytes.Buffer { return new(bytes.Buffer) }}

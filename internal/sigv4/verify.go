package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMaxSkew is the clock skew a Verifier tolerates when MaxSkew is 0.
const DefaultMaxSkew = 15 * time.Minute

// Verifier checks the AWS Signature Version 4 Authorization header of incoming
// requests. Service and Lookup must be set; the other fields are optional.
// A Verifier is safe for concurrent use and must not be copied after first use.
type Verifier struct {
	// Service is the signing name the credential scope must carry
	// ("mobiletargeting" for Pinpoint).
	Service string
	// Lookup returns the secret of an access key; ErrUnknownKey when there is
	// none; any other error is an internal failure and is returned wrapped
	// (not as *Error).
	Lookup func(ctx context.Context, accessKeyID string) (secret string, err error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far X-Amz-Date may be from Now either way; 0 means
	// DefaultMaxSkew.
	MaxSkew time.Duration
	// AllowRegion decides whether a credential scope's region is acceptable;
	// nil accepts any region.
	AllowRegion func(region string) bool
	// SigningHosts are hosts a signature may also have been computed for,
	// besides the request's Host: a client whose requests are redirected to
	// this server (Amplify's fetch wrapper) signs the AWS host it meant. In
	// each, "{region}" stands for the credential scope's region. The secret
	// is still required; only the host the signature names is widened.
	SigningHosts []string

	keys keyCache
}

// Credential is the result of a successful check: who signed, for which region
// and on which day (the scope date, YYYYMMDD).
type Credential struct {
	AccessKeyID, Region, Date string
}

// Verify checks r's Authorization header. body is the full request body
// (already read by the caller; may be nil).
//
// A refused request yields an *Error whose Code is one of the Code constants.
// Any other error is an internal failure (a misconfigured Verifier or a Lookup
// error other than ErrUnknownKey) and must be answered as a server error.
// Verify never panics and fails closed: the only way to a nil error is a
// signature computed with the secret of the access key over this body.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (Credential, error) {
	h, err := v.verifyHeaders(ctx, r)
	if err != nil {
		return Credential{}, err
	}
	key := v.signingKey(h.sc, h.secret)
	if e := v.checkSignatureHosts(r, body, &h.auth, &h.sc, h.amzDate, &key); e != nil {
		return Credential{}, e
	}
	return Credential{AccessKeyID: h.sc.accessKeyID, Region: h.sc.region, Date: h.sc.date}, nil
}

// VerifyHeaders makes every check of Verify that does not need the body: the
// Authorization header is present and well formed, its scope, signed headers
// and date are acceptable, the access key exists (Lookup), and
// X-Amz-Content-Sha256 is not UNSIGNED-PAYLOAD. A server calls it before
// reading a body, so that a request that cannot be authenticated costs no
// memory for its body; Verify must still be called on the body.
// Its errors are those of Verify.
func (v *Verifier) VerifyHeaders(ctx context.Context, r *http.Request) (Credential, error) {
	h, err := v.verifyHeaders(ctx, r)
	if err != nil {
		return Credential{}, err
	}
	return Credential{AccessKeyID: h.sc.accessKeyID, Region: h.sc.region, Date: h.sc.date}, nil
}

// checkedHeaders is what verifyHeaders found.
type checkedHeaders struct {
	auth    authorization
	sc      scope
	amzDate string
	secret  string
}

func (v *Verifier) verifyHeaders(ctx context.Context, r *http.Request) (checkedHeaders, error) {
	var h checkedHeaders
	if v == nil || v.Service == "" || v.Lookup == nil {
		return h, errors.New("sigv4: Verifier needs a Service and a Lookup")
	}
	if r == nil {
		return h, refuse(CodeMissingAuthenticationToken, msgMissingToken)
	}
	var e *Error
	if h.auth, e = parseAuthorization(r.Header); e != nil {
		return h, e
	}
	if h.sc, e = v.checkScope(h.auth.credential); e != nil {
		return h, e
	}
	if e := checkSignedHeaders(h.auth.signedHeaders); e != nil {
		return h, e
	}
	amzDate, t, e := requestDate(r.Header, h.sc.date)
	if e != nil {
		return h, e
	}
	h.amzDate = amzDate
	if e := v.checkSkew(amzDate, t); e != nil {
		return h, e
	}
	for _, d := range headerValues(r.Header, "x-amz-content-sha256") {
		if d == unsigned {
			return h, invalid(msgUnsignedPayload)
		}
	}
	secret, err := v.Lookup(ctx, h.sc.accessKeyID)
	if errors.Is(err, ErrUnknownKey) {
		return h, refuse(CodeUnrecognizedClient, msgUnknownKey)
	}
	if err != nil {
		return h, fmt.Errorf("sigv4: look up access key %q: %w", h.sc.accessKeyID, err)
	}
	h.secret = secret
	return h, nil
}

// authorization holds the three parameters of an Authorization header.
type authorization struct {
	credential, signedHeaders, signature string
}

// parseAuthorization splits
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex
//
// into its parameters, in any order, separated by commas and optional spaces.
func parseAuthorization(h http.Header) (authorization, *Error) {
	var a authorization
	vals := headerValues(h, "authorization")
	if len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
		return a, refuse(CodeMissingAuthenticationToken, msgMissingToken)
	}
	if len(vals) > 1 {
		return a, incomplete("Only one Authorization header is allowed.")
	}
	alg, params, _ := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if alg != algorithm {
		return a, incomplete("Unsupported AWS 'algorithm': '" + echo(alg) + "'. Only '" + algorithm + "' is supported.")
	}
	if params = strings.Trim(params, " \t"); params != "" {
		for p := range strings.SplitSeq(params, ",") {
			name, value, ok := strings.Cut(strings.Trim(p, " \t"), "=")
			if !ok {
				return a, incomplete("Invalid key=value pair (missing equal-sign) in Authorization header.")
			}
			var dst *string
			switch name {
			case "Credential":
				dst = &a.credential
			case "SignedHeaders":
				dst = &a.signedHeaders
			case "Signature":
				dst = &a.signature
			default:
				return a, incomplete("Unsupported parameter '" + echo(name) + "' in Authorization header.")
			}
			if *dst != "" {
				return a, incomplete("Authorization header has more than one '" + name + "' parameter.")
			}
			*dst = value
		}
	}
	var missing []string
	for _, p := range [...]struct{ name, value string }{
		{"Credential", a.credential}, {"Signature", a.signature}, {"SignedHeaders", a.signedHeaders},
	} {
		if p.value == "" {
			missing = append(missing, "Authorization header requires '"+p.name+"' parameter.")
		}
	}
	if missing != nil {
		return a, incomplete(strings.Join(missing, " "))
	}
	return a, nil
}

// scope is a parsed Credential parameter.
type scope struct {
	accessKeyID, date, region, service string
	// full is "date/region/service/aws4_request", the third line of the
	// string to sign.
	full string
}

// checkScope parses "AKID/YYYYMMDD/region/service/aws4_request" and checks the
// terminator, the service and the region.
func (v *Verifier) checkScope(credential string) (scope, *Error) {
	var sc scope
	var parts [5]string
	rest := credential
	for i := range parts {
		if i == len(parts)-1 {
			parts[i] = rest
			break
		}
		var ok bool
		if parts[i], rest, ok = strings.Cut(rest, "/"); !ok {
			break
		}
		if i == 0 {
			sc.full = rest
		}
	}
	for _, p := range parts {
		if p == "" || strings.IndexByte(p, '/') >= 0 {
			return sc, incomplete("Credential should be of the form 'AccessKeyId/YYYYMMDD/region/service/" +
				terminator + "', not '" + echo(credential) + "'.")
		}
	}
	sc.accessKeyID, sc.date, sc.region, sc.service = parts[0], parts[1], parts[2], parts[3]
	if !isDate(sc.date) {
		return sc, incomplete("Credential has an invalid date '" + echo(sc.date) + "': expected YYYYMMDD.")
	}
	if parts[4] != terminator {
		return sc, invalid("Credential should be scoped with a valid terminator: '" + terminator +
			"', not '" + echo(parts[4]) + "'.")
	}
	if sc.service != v.Service {
		return sc, invalid("Credential should be scoped to correct service: '" + v.Service + "'.")
	}
	if v.AllowRegion != nil && !v.AllowRegion(sc.region) {
		return sc, invalid("Credential should be scoped to a valid region, not '" + echo(sc.region) + "'.")
	}
	return sc, nil
}

func isDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	_, ok := parseAmzDate(s + "T000000Z")
	return ok
}

// checkSignedHeaders requires a ';'-separated list of lowercase header names
// in strictly ascending order (as every signer produces it) that includes host
// and x-amz-date, so that a signature always binds the target and the time.
func checkSignedHeaders(list string) *Error {
	var prev string
	var host, date bool
	for name := range strings.SplitSeq(list, ";") {
		if !isLowerToken(name) || name <= prev {
			return incomplete("SignedHeaders must be lowercase header names, sorted and separated by ';', not '" +
				echo(list) + "'.")
		}
		prev = name
		host = host || name == "host"
		date = date || name == "x-amz-date"
	}
	if !host {
		return incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if !date {
		return incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// isLowerToken reports whether s is a non-empty HTTP field name (RFC 9110
// token) without uppercase letters.
func isLowerToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			continue
		}
		if strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}

// requestDate returns the X-Amz-Date header and its time, which must fall on
// the credential scope's date.
func requestDate(h http.Header, scopeDate string) (string, time.Time, *Error) {
	vals := headerValues(h, "x-amz-date")
	if len(vals) == 0 || vals[0] == "" {
		return "", time.Time{}, incomplete("Authorization header requires existence of a 'X-Amz-Date' header.")
	}
	if len(vals) > 1 {
		return "", time.Time{}, incomplete("Only one X-Amz-Date header is allowed.")
	}
	amzDate := vals[0]
	t, ok := parseAmzDate(amzDate)
	if !ok {
		return "", time.Time{}, incomplete("X-Amz-Date must be in the ISO 8601 basic format 'YYYYMMDDTHHMMSSZ', not '" +
			echo(amzDate) + "'.")
	}
	if amzDate[:8] != scopeDate {
		return "", time.Time{}, invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			scopeDate + "' != '" + amzDate[:8] + "', from '" + amzDate + "'.")
	}
	return amzDate, t, nil
}

// checkSkew refuses a request signed more than MaxSkew away from Now, which
// bounds how long a captured request can be replayed.
func (v *Verifier) checkSkew(amzDate string, t time.Time) *Error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	n := now().UTC()
	span := strconv.FormatInt(int64(skew/time.Minute), 10) + " min"
	if skew%time.Minute != 0 {
		span = skew.String()
	}
	if earliest := n.Add(-skew); t.Before(earliest) {
		return invalid("Signature expired: " + amzDate + " is now earlier than " + earliest.Format(amzDateShape) +
			" (" + n.Format(amzDateShape) + " - " + span + ".)")
	}
	if latest := n.Add(skew); t.After(latest) {
		return invalid("Signature not yet current: " + amzDate + " is still later than " + latest.Format(amzDateShape) +
			" (" + n.Format(amzDateShape) + " + " + span + ".)")
	}
	return nil
}

// checkSignature recomputes the signature of r and compares it with the one
// provided, in constant time. The payload is always signed: the payload hash
// of the canonical request is the SHA-256 of body, and an X-Amz-Content-Sha256
// header (which the AWS SDK for JavaScript v3 sends and signs), signed or not,
// must carry that same hash; UNSIGNED-PAYLOAD and the streaming forms are
// refused.
func checkSignature(r *http.Request, body []byte, a *authorization, sc *scope, amzDate string, key *[sha256.Size]byte) *Error {
	bodySum := sha256.Sum256(body)
	var bodyHash [2 * sha256.Size]byte
	hex.Encode(bodyHash[:], bodySum[:])
	payloadHash := bodyHash[:]
	// A stack buffer holds a declared hash without a heap allocation.
	var declaredBuf [2 * sha256.Size]byte
	vals := headerValues(r.Header, "x-amz-content-sha256")
	switch {
	case len(vals) > 1:
		return invalid(msgContentSHA256)
	case len(vals) == 1 && vals[0] == unsigned:
		return invalid(msgUnsignedPayload)
	case len(vals) == 1 && !strings.EqualFold(vals[0], string(bodyHash[:])):
		return invalid(msgContentSHA256)
	case len(vals) == 1 && hasName(a.signedHeaders, "x-amz-content-sha256"):
		// The signer put the value into the canonical request as it sent it.
		payloadHash = append(declaredBuf[:0], vals[0]...)
	case len(vals) == 0 && hasName(a.signedHeaders, "x-amz-content-sha256"):
		return missingSignedHeader("x-amz-content-sha256")
	}

	provided, ok := decodeSignature(a.signature)
	path := requestPath(r)
	match, e := signatureMatches(r, path, a.signedHeaders, payloadHash, sc.full, amzDate, key, &provided)
	if e != nil {
		return e
	}
	// botocore and the JavaScript SDK sign the path with dot segments and
	// repeated slashes removed; aws-sdk-go-v2 signs it as it is. Try the
	// second form only when it differs, so the common case costs one HMAC.
	if !match && needsNormalizing(path) {
		match, e = signatureMatches(r, normalizePath(path), a.signedHeaders, payloadHash, sc.full, amzDate, key, &provided)
		if e != nil {
			return e
		}
	}
	if !ok || !match {
		return invalid(msgMismatch)
	}
	return nil
}

// checkSignatureHosts is checkSignature for the request's Host and then, when
// the signature does not match it, for each of v.SigningHosts.
func (v *Verifier) checkSignatureHosts(r *http.Request, body []byte, a *authorization, sc *scope, amzDate string, key *[sha256.Size]byte) *Error {
	e := checkSignature(r, body, a, sc, amzDate, key)
	if e == nil || e.Message != msgMismatch {
		return e
	}
	for _, h := range v.SigningHosts {
		host := strings.ReplaceAll(h, "{region}", sc.region)
		if strings.EqualFold(host, r.Host) {
			continue
		}
		alt := *r // a shallow copy: only Host differs
		alt.Host = host
		if checkSignature(&alt, body, a, sc, amzDate, key) == nil {
			return nil
		}
	}
	return e
}

// signatureMatches builds the canonical request and the string to sign and
// reports whether the signature over them equals provided.
func signatureMatches(r *http.Request, path, signedHeaders string, payloadHash []byte, fullScope, amzDate string,
	key, provided *[sha256.Size]byte) (bool, *Error) {
	var crBuf [1024]byte
	cr, e := appendCanonicalRequest(crBuf[:0], r, path, signedHeaders, payloadHash)
	if e != nil {
		return false, e
	}
	var stsBuf [256]byte
	sts := appendStringToSign(stsBuf[:0], amzDate, fullScope, cr)
	sig := signature(key, sts)
	return hmac.Equal(sig[:], provided[:]), nil
}

// appendCanonicalRequest appends
//
//	HTTPMethod \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//
// for a received request whose escaped path is path.
func appendCanonicalRequest(dst []byte, r *http.Request, path, signedHeaders string, payloadHash []byte) ([]byte, *Error) {
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	dst = appendCanonicalURI(dst, path)
	dst = append(dst, '\n')
	if r.URL != nil {
		dst = appendCanonicalQuery(dst, r.URL.RawQuery)
	}
	dst = append(dst, '\n')
	dst, e := appendCanonicalHeaders(dst, r, signedHeaders)
	if e != nil {
		return nil, e
	}
	dst = append(dst, '\n')
	dst = append(dst, signedHeaders...)
	dst = append(dst, '\n')
	return append(dst, payloadHash...), nil
}

// appendCanonicalHeaders appends "name:value\n" for every signed header, the
// values of a repeated header joined with ','. host is r.Host, which is where
// net/http puts the Host header.
func appendCanonicalHeaders(dst []byte, r *http.Request, signedHeaders string) ([]byte, *Error) {
	for name := range strings.SplitSeq(signedHeaders, ";") {
		dst = append(dst, name...)
		dst = append(dst, ':')
		switch vals := headerValues(r.Header, name); {
		case name == "host":
			if r.Host == "" {
				return nil, missingSignedHeader(name)
			}
			dst = appendHeaderValue(dst, r.Host)
		case len(vals) > 0:
			for i, v := range vals {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendHeaderValue(dst, v)
			}
		case name == "content-length" && r.ContentLength > 0:
			// HTTP/2 and some middleware carry the length only in the field.
			dst = strconv.AppendInt(dst, r.ContentLength, 10)
		default:
			return nil, missingSignedHeader(name)
		}
		dst = append(dst, '\n')
	}
	return dst, nil
}

func missingSignedHeader(name string) *Error {
	return invalid("The request does not carry the signed header '" + echo(name) + "'.")
}

// requestPath returns the path exactly as the client escaped it on the wire:
// r.RequestURI up to '?', or r.URL's escaped path for requests not received by
// a server. The decoded r.URL.Path would lose the difference between "/" and
// "%2F" that the signature covers. For an absolute-form request target
// ("http://host/path?query", which net/http sends for a URL with an Opaque
// "//host/path") the path starts at the first '/' after the authority.
func requestPath(r *http.Request) string {
	u := r.RequestURI
	if u == "" {
		if r.URL == nil {
			return ""
		}
		return uriPath(r.URL.Opaque, r.URL.EscapedPath())
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	if u == "" || u[0] == '/' {
		return u
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+len("://"):]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			return u[j:]
		}
		return ""
	}
	if j := strings.IndexByte(u, '/'); j >= 0 {
		return u[j:]
	}
	return u // "*"
}

// hasName reports whether the ';'-separated list holds name.
func hasName(list, name string) bool {
	for n := range strings.SplitSeq(list, ";") {
		if n == name {
			return true
		}
	}
	return false
}

// headerValues returns the values of the header whose lowercase name is name.
// net/http stores received headers under their canonical key; the fallback
// scan serves hand-built requests with other spellings.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		k := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(k)]; ok {
			return v
		}
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// decodeSignature decodes the 64 lowercase hex digits of a Signature
// parameter; anything else can never match.
func decodeSignature(s string) (out [sha256.Size]byte, ok bool) {
	if len(s) != 2*sha256.Size {
		return out, false
	}
	for i := range out {
		hi, lo := s[2*i], s[2*i+1]
		if !isLowerHex(hi) || !isLowerHex(lo) {
			return out, false
		}
		out[i] = unhex(hi)<<4 | unhex(lo)
	}
	return out, true
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// signingKey returns the derived key for the scope, from the cache when it
// was derived before: deriving costs four HMACs, and a client signs every
// request of a day with the same key.
func (v *Verifier) signingKey(sc scope, secret string) [sha256.Size]byte {
	k := cacheKey{accessKeyID: sc.accessKeyID, secret: secret, date: sc.date, region: sc.region, service: sc.service}
	if key, ok := v.keys.get(k); ok {
		return key
	}
	key := deriveSigningKey(secret, sc.date, sc.region, sc.service)
	v.keys.put(k, key)
	return key
}

// maxCachedKeys bounds the signing-key cache; when it is full it is emptied,
// which is cheap and keeps a flood of distinct scopes from growing memory.
const maxCachedKeys = 1024

type cacheKey struct {
	accessKeyID, secret, date, region, service string
}

// keyCache maps scopes to signing keys. Its zero value is ready to use.
type keyCache struct {
	mu sync.Mutex
	m  map[cacheKey][sha256.Size]byte
}

func (c *keyCache) get(k cacheKey) ([sha256.Size]byte, bool) {
	c.mu.Lock()
	key, ok := c.m[k]
	c.mu.Unlock()
	return key, ok
}

func (c *keyCache) put(k cacheKey, key [sha256.Size]byte) {
	// The strings point into the request's Authorization header; copy them
	// so the cache does not keep whole headers alive.
	k = cacheKey{
		accessKeyID: strings.Clone(k.accessKeyID), secret: k.secret,
		date: strings.Clone(k.date), region: strings.Clone(k.region), service: k.service,
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedKeys {
		c.m = make(map[cacheKey][sha256.Size]byte)
	}
	c.m[k] = key
	c.mu.Unlock()
}

package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Signer signs outgoing requests the way aws-sdk-go-v2's v4 signer does for a
// rest-json service (path escaped a second time, no X-Amz-Content-Sha256
// header), for the load generator and the tests. AccessKeyID, Secret, Region
// and Service must be set; Now nil means time.Now. A Signer is safe for
// concurrent use and must not be copied after first use.
type Signer struct {
	AccessKeyID, Secret, Region, Service string
	Now                                  func() time.Time

	mu     sync.Mutex
	cached cacheKey
	key    [sha256.Size]byte
}

// Sign sets X-Amz-Date and Authorization on r for the given body, signing host,
// x-amz-date and (if present) content-type; it caches the signing key per date.
// Safe for concurrent use. Content-Type is looked up under its canonical key
// (as Header.Set stores it); other headers are sent unsigned. An error means
// the Signer or r is incomplete.
//
// Like aws-sdk-go-v2, Sign rewrites r.URL.RawQuery into its canonical form and
// drops a default port (":80" for http, ":443" for https) from the host, so
// that what is sent is exactly what was signed. The path is signed as
// r.URL.EscapedPath() (or the path part of r.URL.Opaque), which is what
// net/http sends; set r.URL.RawPath or Opaque to control the escaping.
func (s *Signer) Sign(r *http.Request, body []byte) error {
	if err := s.complete(); err != nil {
		return err
	}
	if r == nil || r.URL == nil {
		return errors.New("sigv4: Sign needs a request with a URL")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if h, stripped := stripDefaultPort(r.URL.Scheme, host); stripped {
		host = h
		r.Host = h
	}
	if r.URL.RawQuery != "" {
		r.URL.RawQuery = string(appendCanonicalQuery(nil, r.URL.RawQuery))
	}
	amzDate, auth := s.sign(r.Method, host, uriPath(r.URL.Opaque, r.URL.EscapedPath()), r.URL.RawQuery, r.Header["Content-Type"], body)
	r.Header.Set("X-Amz-Date", amzDate)
	r.Header.Set("Authorization", auth)
	return nil
}

// Headers returns the X-Amz-Date and Authorization values that sign a request, for a client
// that writes its requests itself. host is the Host header as sent, path the escaped path as
// sent, query the canonical query string (or ""); contentType "" means none is sent.
func (s *Signer) Headers(method, host, path, query, contentType string, body []byte) (amzDate, authorization string, err error) {
	if err := s.complete(); err != nil {
		return "", "", err
	}
	var ct []string
	if contentType != "" {
		ct = []string{contentType}
	}
	amzDate, authorization = s.sign(method, host, path, query, ct, body)
	return amzDate, authorization, nil
}

func (s *Signer) complete() error {
	if s.AccessKeyID == "" || s.Secret == "" || s.Region == "" || s.Service == "" {
		return errors.New("sigv4: Signer needs AccessKeyID, Secret, Region and Service")
	}
	return nil
}

// sign returns the X-Amz-Date and Authorization values for a request whose parts are as sent.
func (s *Signer) sign(method, host, path, query string, contentType []string, body []byte) (amzDate, authorization string) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	amzDate = now().UTC().Format(amzDateShape)
	date := amzDate[:8]

	signedHeaders := "host;x-amz-date"
	hasContentType := len(contentType) > 0
	if hasContentType {
		signedHeaders = "content-type;host;x-amz-date"
	}
	if method == "" {
		method = http.MethodGet
	}

	buf := make([]byte, 0, 512)
	buf = append(buf, method...)
	buf = append(buf, '\n')
	buf = appendCanonicalURI(buf, path)
	buf = append(buf, '\n')
	buf = append(buf, query...)
	buf = append(buf, '\n')
	if hasContentType {
		buf = append(buf, "content-type:"...)
		for i, v := range contentType {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendHeaderValue(buf, v)
		}
		buf = append(buf, '\n')
	}
	buf = append(buf, "host:"...)
	buf = appendHeaderValue(buf, host)
	buf = append(buf, "\nx-amz-date:"...)
	buf = append(buf, amzDate...)
	buf = append(buf, "\n\n"...)
	buf = append(buf, signedHeaders...)
	buf = append(buf, '\n')
	sum := sha256.Sum256(body)
	buf = hex.AppendEncode(buf, sum[:])

	scope := date + "/" + s.Region + "/" + s.Service + "/" + terminator
	key := s.signingKey(date)
	sig := signature(&key, appendStringToSign(nil, amzDate, scope, buf))
	return amzDate, algorithm + " Credential=" + s.AccessKeyID + "/" + scope +
		", SignedHeaders=" + signedHeaders + ", Signature=" + hex.EncodeToString(sig[:])
}

// signingKey returns the key for date, deriving it only when the date or the
// Signer's fields changed since the last call.
func (s *Signer) signingKey(date string) [sha256.Size]byte {
	k := cacheKey{accessKeyID: s.AccessKeyID, secret: s.Secret, date: date, region: s.Region, service: s.Service}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != k {
		s.key = deriveSigningKey(s.Secret, date, s.Region, s.Service)
		s.cached = k
	}
	return s.key
}

// uriPath returns the escaped path a client sends: the path part of an opaque
// URL ("//host/path" or "/path"), else the escaped path; "" stays "" (it is
// signed as "/"). It mirrors aws-sdk-go-v2's GetURIPath.
func uriPath(opaque, escapedPath string) string {
	if opaque == "" {
		return escapedPath
	}
	if i := strings.IndexByte(opaque, '?'); i >= 0 {
		opaque = opaque[:i]
	}
	opaque = strings.TrimPrefix(opaque, "//")
	if i := strings.IndexByte(opaque, '/'); i >= 0 {
		return opaque[i:]
	}
	return ""
}

// stripDefaultPort removes ":80" from an http host and ":443" from an https
// host, as aws-sdk-go-v2 does before signing (net/http would otherwise send the
// port it was given).
func stripDefaultPort(scheme, host string) (string, bool) {
	var port string
	switch strings.ToLower(scheme) {
	case "http":
		port = ":80"
	case "https":
		port = ":443"
	default:
		return host, false
	}
	if !strings.HasSuffix(host, port) {
		return host, false
	}
	// aws-sdk-go-v2 also drops the brackets of an IPv6 literal here, which
	// yields an invalid Host header; they are kept.
	return strings.TrimSuffix(host, port), true
}

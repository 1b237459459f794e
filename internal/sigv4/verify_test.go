package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"pinpointd/internal/sigv4"
)

const (
	testKey     = "AKIAPINPOINTDTEST001"
	testSecret  = "pinpointd/test+secret/0123456789abcdefghijkl"
	testRegion  = "us-east-1"
	testService = "mobiletargeting"
)

// now is the fixed clock of every test.
var now = time.Date(2026, 11, 29, 19, 0, 0, 0, time.UTC)

func lookup(_ context.Context, id string) (string, error) {
	if id != testKey {
		return "", sigv4.ErrUnknownKey
	}
	return testSecret, nil
}

func newVerifier() *sigv4.Verifier {
	return &sigv4.Verifier{Service: testService, Lookup: lookup, Now: func() time.Time { return now }}
}

func newSigner(at time.Time) *sigv4.Signer {
	return &sigv4.Signer{AccessKeyID: testKey, Secret: testSecret, Region: testRegion, Service: testService,
		Now: func() time.Time { return at }}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// clientRequest builds a request as a client would before signing it.
func clientRequest(t testing.TB, method, target string, body []byte, contentType string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatalf("NewRequest(%q): %v", target, err)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// received turns a client request into the request net/http's server hands
// to a handler: RequestURI as on the request line, Host moved out of the
// header map, Content-Length in it.
func received(t testing.TB, c *http.Request, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(c.Method, c.URL.RequestURI(), bytes.NewReader(body))
	r.Host = c.Host
	if r.Host == "" {
		r.Host = c.URL.Host
	}
	r.Header = c.Header.Clone()
	if len(body) > 0 {
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return r
}

// signed returns a received request signed by s.
func signed(t testing.TB, s *sigv4.Signer, method, target string, body []byte, contentType string) *http.Request {
	t.Helper()
	c := clientRequest(t, method, target, nil, contentType)
	if err := s.Sign(c, body); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return received(t, c, body)
}

// sdkSign signs c with aws-sdk-go-v2's v4 signer, as the SDK's middleware does.
func sdkSign(t testing.TB, c *http.Request, body []byte, region string, at time.Time) {
	t.Helper()
	payloadHash := sha256Hex(body)
	if h := c.Header.Get("X-Amz-Content-Sha256"); h != "" {
		payloadHash = h
	}
	creds := aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, c, payloadHash, testService, region, at); err != nil {
		t.Fatalf("SignHTTP: %v", err)
	}
}

func wantCode(t *testing.T, err error, code string) *sigv4.Error {
	t.Helper()
	var e *sigv4.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *sigv4.Error with code %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Message, code)
	}
	return e
}

// Paths whose labels arrive percent-encoded, as the SDKs send endpoint IDs
// and ARNs.
var paths = []string{
	"/v1/apps/app1/endpoints/ep1",
	"/v1/apps/app1/endpoints/a%2Fb",
	"/v1/apps/app1/endpoints/a%2Bb",
	"/v1/apps/app1/endpoints/a%20b",
	"/v1/tags/arn%3Aaws%3Amobiletargeting%3Aus-east-1%3A123456789012%3Aapps%2Fapp1",
	"/v1/apps/app1/endpoints/%E1%88%B4%2F%2B%20%3A%25",
	"/v1/apps/app1/endpoints/a+b:c@d$e",
}

// serve starts a server whose handler answers 204 when the request verifies
// and 403 with the code otherwise.
func serve(t *testing.T, v *sigv4.Verifier) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := v.Verify(r.Context(), r, body); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, r *http.Request) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("%s %s: status %d: %s", r.Method, r.URL.RequestURI(), resp.StatusCode, msg)
	}
}

type wireCase struct {
	name, method, target, contentType string
	body                              []byte
}

func wireCases(base string) []wireCase {
	body := []byte(`{"ChannelType":"GCM","Address":"token","Attributes":{"tag":["a b","c/d"]}}`)
	var cs []wireCase
	for _, p := range paths {
		cs = append(cs,
			wireCase{"GET " + p, "GET", base + p, "", nil},
			wireCase{"PUT " + p, "PUT", base + p, "application/json", body},
		)
	}
	return append(cs,
		wireCase{"repeated query keys", "DELETE", base + paths[4] + "?tagKeys=b&tagKeys=a", "", nil},
		wireCase{"query with spaces", "GET", base + "/v1/apps?page-size=10&token=a%20b+c", "", nil},
		wireCase{"query with reserved characters", "GET", base + "/v1/apps?token=a%2Fb%3D%26c&z", "", nil},
		wireCase{"dot segments and double slash", "GET", base + "/v1//apps/./app1/../app1", "", nil},
		wireCase{"empty JSON body", "POST", base + "/v1/apps", "application/json", []byte{}},
	)
}

// TestRoundTrip signs with Signer and verifies on a real server: the path
// and query reach Verify exactly as net/http delivers them.
func TestRoundTrip(t *testing.T) {
	srv := serve(t, newVerifier())
	s := newSigner(now)
	for _, c := range wireCases(srv.URL) {
		t.Run(c.name, func(t *testing.T) {
			r := clientRequest(t, c.method, c.target, c.body, c.contentType)
			if err := s.Sign(r, c.body); err != nil {
				t.Fatal(err)
			}
			send(t, r)
		})
	}
	t.Run("opaque URL sent in absolute form", func(t *testing.T) {
		r := clientRequest(t, "GET", srv.URL, nil, "")
		r.URL.Opaque = "//" + r.URL.Host + "/v1/apps/app1/endpoints/a%2Fb"
		if err := s.Sign(r, nil); err != nil {
			t.Fatal(err)
		}
		send(t, r)
	})
}

// TestSDKSigner sends requests signed by aws-sdk-go-v2's v4 signer with the
// headers its middleware stack adds, with and without X-Amz-Content-Sha256
// (the JavaScript SDK v3 sends and signs it; botocore and Go do not).
func TestSDKSigner(t *testing.T) {
	srv := serve(t, newVerifier())
	for _, sha := range []string{"absent", "present"} {
		for _, c := range wireCases(srv.URL) {
			t.Run(sha+"/"+c.name, func(t *testing.T) {
				r := clientRequest(t, c.method, c.target, c.body, c.contentType)
				r.Header.Set("Amz-Sdk-Invocation-Id", "4c5e3b8e-0f4a-4b6e-9d8e-2f1b0c7a9e11")
				r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
				r.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 os/linux lang/go#1.26 api/pinpoint#1.39.25")
				switch sha {
				case "present":
					r.Header.Set("X-Amz-Content-Sha256", sha256Hex(c.body))
				}
				sdkSign(t, r, c.body, testRegion, now)
				if sha != "absent" && !strings.Contains(r.Header.Get("Authorization"), "x-amz-content-sha256") {
					t.Fatalf("SDK did not sign x-amz-content-sha256: %s", r.Header.Get("Authorization"))
				}
				send(t, r)
			})
		}
	}
}

// TestSignerMatchesSDK: Signer produces byte-identical headers and query to
// aws-sdk-go-v2's SignHTTP for the same request.
func TestSignerMatchesSDK(t *testing.T) {
	type tc struct{ method, target, contentType, body string }
	var cases []tc
	for _, p := range paths {
		cases = append(cases, tc{"GET", "https://pinpoint.us-east-1.amazonaws.com" + p, "", ""},
			tc{"PUT", "http://127.0.0.1:8080" + p, "application/json", `{"Address":"x"}`})
	}
	cases = append(cases,
		tc{"GET", "https://pinpoint.us-east-1.amazonaws.com:443/v1/apps?page-size=5&token=a+b%20c", "", ""},
		tc{"DELETE", "http://localhost:80/v1/tags/arn%3Aaws%3Ax?tagKeys=z&tagKeys=a&tagKeys=a%2Fb&tagKeys=a-b", "", ""},
		tc{"POST", "http://[::1]:4566/v1/apps/x/events", "application/json;  charset=utf-8 ", `{}`},
		tc{"GET", "http://h/", "", ""},
		tc{"GET", "http://h", "", ""},
		tc{"GET", "http://h/v1//apps/./x/..", "", ""},
	)
	at := now.Add(-37 * time.Second)
	s := newSigner(at)
	for _, c := range cases {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			ours := clientRequest(t, c.method, c.target, nil, c.contentType)
			theirs := clientRequest(t, c.method, c.target, nil, c.contentType)
			if err := s.Sign(ours, []byte(c.body)); err != nil {
				t.Fatal(err)
			}
			sdkSign(t, theirs, []byte(c.body), testRegion, at)
			compareSigned(t, ours, theirs)

			// Headers, given the request's parts as sent, signs it the same way.
			date, auth, err := s.Headers(c.method, ours.Host, ours.URL.EscapedPath(), ours.URL.RawQuery, c.contentType, []byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if want := theirs.Header.Get("Authorization"); auth != want {
				t.Errorf("Headers: Authorization\n got %s\nwant %s", auth, want)
			}
			if want := theirs.Header.Get("X-Amz-Date"); date != want {
				t.Errorf("Headers: X-Amz-Date = %s, want %s", date, want)
			}
		})
	}
	t.Run("opaque", func(t *testing.T) {
		ours := clientRequest(t, "GET", "http://h:9/", nil, "")
		theirs := clientRequest(t, "GET", "http://h:9/", nil, "")
		ours.URL.Opaque = "//h:9/v1/apps/a%2Fb%20c"
		theirs.URL.Opaque = ours.URL.Opaque
		if err := s.Sign(ours, nil); err != nil {
			t.Fatal(err)
		}
		sdkSign(t, theirs, nil, testRegion, at)
		compareSigned(t, ours, theirs)
	})
}

func compareSigned(t *testing.T, ours, theirs *http.Request) {
	t.Helper()
	for _, h := range []string{"Authorization", "X-Amz-Date"} {
		if got, want := ours.Header.Get(h), theirs.Header.Get(h); got != want {
			t.Errorf("%s:\n got %s\nwant %s", h, got, want)
		}
	}
	if got, want := ours.URL.RawQuery, theirs.URL.RawQuery; got != want {
		t.Errorf("RawQuery = %q, want %q", got, want)
	}
	if got, want := ours.Host, theirs.Host; got != want {
		t.Errorf("Host = %q, want %q", got, want)
	}
}

const jsonType = "application/json"

var (
	putTarget = "http://pinpoint.test/v1/apps/app1/endpoints/ep%2F1?x=1"
	putBody   = []byte(`{"ChannelType":"APNS","Address":"abc"}`)
)

// mutate returns a request signed at `at` for putTarget after applying edit
// to the received request.
func mutate(at time.Time, edit func(r *http.Request)) func(t *testing.T) (*http.Request, []byte) {
	return func(t *testing.T) (*http.Request, []byte) {
		r := signed(t, newSigner(at), "PUT", putTarget, putBody, jsonType)
		if edit != nil {
			edit(r)
		}
		return r, putBody
	}
}

func replaceAuth(old, new string) func(r *http.Request) {
	return func(r *http.Request) {
		a := r.Header.Get("Authorization")
		if !strings.Contains(a, old) {
			panic(fmt.Sprintf("%q not in %q", old, a))
		}
		r.Header.Set("Authorization", strings.Replace(a, old, new, 1))
	}
}

func withSigner(edit func(s *sigv4.Signer)) func(t *testing.T) (*http.Request, []byte) {
	return func(t *testing.T) (*http.Request, []byte) {
		s := newSigner(now)
		edit(s)
		return signed(t, s, "PUT", putTarget, putBody, jsonType), putBody
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name    string
		request func(t *testing.T) (*http.Request, []byte)
		code    string
		message string // when set, the exact message
	}{
		{"no Authorization header", mutate(now, func(r *http.Request) { r.Header.Del("Authorization") }),
			sigv4.CodeMissingAuthenticationToken, "Missing Authentication Token"},
		{"empty Authorization header", mutate(now, func(r *http.Request) { r.Header.Set("Authorization", " ") }),
			sigv4.CodeMissingAuthenticationToken, ""},
		{"presigned query only", func(t *testing.T) (*http.Request, []byte) {
			r := httptest.NewRequest("GET", "/v1/apps?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00", nil)
			return r, nil
		}, sigv4.CodeMissingAuthenticationToken, ""},
		{"wrong algorithm", mutate(now, replaceAuth("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")),
			sigv4.CodeIncompleteSignature, ""},
		{"not SigV4", mutate(now, func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }),
			sigv4.CodeIncompleteSignature, ""},
		{"missing Credential", mutate(now, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 "+a[strings.Index(a, "SignedHeaders="):])
		}), sigv4.CodeIncompleteSignature, "Authorization header requires 'Credential' parameter."},
		{"missing SignedHeaders", mutate(now, replaceAuth("SignedHeaders=content-type;host;x-amz-date, ", "")),
			sigv4.CodeIncompleteSignature, "Authorization header requires 'SignedHeaders' parameter."},
		{"missing Signature", mutate(now, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
		}), sigv4.CodeIncompleteSignature, "Authorization header requires 'Signature' parameter."},
		{"empty Signature", mutate(now, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, "Signature=")+len("Signature=")])
		}), sigv4.CodeIncompleteSignature, "Authorization header requires 'Signature' parameter."},
		{"no parameters", mutate(now, func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256") }),
			sigv4.CodeIncompleteSignature, "Authorization header requires 'Credential' parameter. " +
				"Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{"parameter without equal sign", mutate(now, replaceAuth("Credential=", "Credential ")),
			sigv4.CodeIncompleteSignature, ""},
		{"repeated Signature", mutate(now, func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")+", Signature="+strings.Repeat("0", 64))
		}), sigv4.CodeIncompleteSignature, ""},
		{"unknown parameter", mutate(now, func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")+", Foo=bar")
		}), sigv4.CodeIncompleteSignature, ""},
		{"two Authorization headers", mutate(now, func(r *http.Request) {
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
		}), sigv4.CodeIncompleteSignature, ""},
		{"wrong service", withSigner(func(s *sigv4.Signer) { s.Service = "pinpoint" }),
			sigv4.CodeInvalidSignature, "Credential should be scoped to correct service: 'mobiletargeting'."},
		{"wrong terminator", mutate(now, replaceAuth("/aws4_request", "/aws5_request")),
			sigv4.CodeInvalidSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{"scope without region", mutate(now, replaceAuth("/us-east-1/", "/")),
			sigv4.CodeIncompleteSignature, ""},
		{"scope with extra part", mutate(now, replaceAuth("/aws4_request", "/aws4_request/x")),
			sigv4.CodeIncompleteSignature, ""},
		{"empty access key", mutate(now, replaceAuth("Credential="+testKey, "Credential=")),
			sigv4.CodeIncompleteSignature, ""},
		{"bad scope date", mutate(now, replaceAuth("/20261129/", "/20261340/")),
			sigv4.CodeIncompleteSignature, ""},
		{"scope date is not the X-Amz-Date day", mutate(now, replaceAuth("/20261129/", "/20261128/")),
			sigv4.CodeInvalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
				"'20261128' != '20261129', from '20261129T190000Z'."},
		{"host not signed", mutate(now, replaceAuth("SignedHeaders=content-type;host;x-amz-date", "SignedHeaders=content-type;x-amz-date")),
			sigv4.CodeIncompleteSignature, ""},
		{"x-amz-date not signed", mutate(now, replaceAuth("SignedHeaders=content-type;host;x-amz-date", "SignedHeaders=content-type;host")),
			sigv4.CodeIncompleteSignature, ""},
		{"signed headers not sorted", mutate(now, replaceAuth("content-type;host;x-amz-date", "host;content-type;x-amz-date")),
			sigv4.CodeIncompleteSignature, ""},
		{"signed headers not lowercase", mutate(now, replaceAuth("content-type;host;x-amz-date", "Content-Type;host;x-amz-date")),
			sigv4.CodeIncompleteSignature, ""},
		{"signed headers repeated", mutate(now, replaceAuth("content-type;host;x-amz-date", "content-type;host;host;x-amz-date")),
			sigv4.CodeIncompleteSignature, ""},
		{"X-Amz-Date missing", mutate(now, func(r *http.Request) { r.Header.Del("X-Amz-Date") }),
			sigv4.CodeIncompleteSignature, ""},
		{"X-Amz-Date malformed", mutate(now, func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-11-29T19:00:00Z") }),
			sigv4.CodeIncompleteSignature, ""},
		{"X-Amz-Date repeated", mutate(now, func(r *http.Request) { r.Header.Add("X-Amz-Date", "20261129T190000Z") }),
			sigv4.CodeIncompleteSignature, ""},
		{"expired", mutate(now.Add(-60*time.Minute), nil),
			sigv4.CodeInvalidSignature, "Signature expired: 20261129T180000Z is now earlier than 20261129T184500Z (20261129T190000Z - 15 min.)"},
		{"just expired", mutate(now.Add(-15*time.Minute-time.Second), nil), sigv4.CodeInvalidSignature, ""},
		{"not yet current", mutate(now.Add(60*time.Minute), nil),
			sigv4.CodeInvalidSignature, "Signature not yet current: 20261129T200000Z is still later than 20261129T191500Z (20261129T190000Z + 15 min.)"},
		{"unknown key", withSigner(func(s *sigv4.Signer) { s.AccessKeyID = "AKIAUNKNOWN000000000" }),
			sigv4.CodeUnrecognizedClient, "The security token included in the request is invalid."},
		{"wrong secret", withSigner(func(s *sigv4.Signer) { s.Secret += "x" }),
			sigv4.CodeInvalidSignature, "The request signature we calculated does not match the signature you provided. " +
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"tampered body", func(t *testing.T) (*http.Request, []byte) {
			r, body := mutate(now, nil)(t)
			return r, append(bytes.Clone(body), ' ')
		}, sigv4.CodeInvalidSignature, ""},
		{"no body", func(t *testing.T) (*http.Request, []byte) {
			r, _ := mutate(now, nil)(t)
			return r, nil
		}, sigv4.CodeInvalidSignature, ""},
		{"tampered signed header", mutate(now, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }),
			sigv4.CodeInvalidSignature, ""},
		{"signed header removed", mutate(now, func(r *http.Request) { r.Header.Del("Content-Type") }),
			sigv4.CodeInvalidSignature, ""},
		{"tampered host", mutate(now, func(r *http.Request) { r.Host = "evil.test" }), sigv4.CodeInvalidSignature, ""},
		{"tampered method", mutate(now, func(r *http.Request) { r.Method = "POST" }), sigv4.CodeInvalidSignature, ""},
		{"tampered path", mutate(now, func(r *http.Request) {
			r.RequestURI = strings.Replace(r.RequestURI, "ep%2F1", "ep%2F2", 1)
		}), sigv4.CodeInvalidSignature, ""},
		{"path decoded", mutate(now, func(r *http.Request) {
			r.RequestURI = strings.Replace(r.RequestURI, "ep%2F1", "ep/1", 1)
		}), sigv4.CodeInvalidSignature, ""},
		{"signed with dot segment, sent without", func(t *testing.T) (*http.Request, []byte) {
			r := signed(t, newSigner(now), "GET", "http://pinpoint.test/v1/apps/./app1", nil, "")
			r.RequestURI = "/v1/apps/app1"
			return r, nil
		}, sigv4.CodeInvalidSignature, ""},
		{"tampered query", mutate(now, func(r *http.Request) { r.URL.RawQuery = "x=2" }), sigv4.CodeInvalidSignature, ""},
		{"query added", mutate(now, func(r *http.Request) { r.URL.RawQuery += "&y=1" }), sigv4.CodeInvalidSignature, ""},
		{"tampered date", mutate(now, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20261129T190001Z") }),
			sigv4.CodeInvalidSignature, ""},
		{"signature in uppercase", mutate(now, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
		}), sigv4.CodeInvalidSignature, ""},
		{"signature truncated", mutate(now, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-2])
		}), sigv4.CodeInvalidSignature, ""},
		{"x-amz-content-sha256 mismatch", func(t *testing.T) (*http.Request, []byte) {
			c := clientRequest(t, "PUT", putTarget, nil, jsonType)
			c.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte(`{"other":"body"}`)))
			sdkSign(t, c, putBody, testRegion, now)
			return received(t, c, putBody), putBody
		}, sigv4.CodeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{"x-amz-content-sha256 streaming", func(t *testing.T) (*http.Request, []byte) {
			c := clientRequest(t, "PUT", putTarget, nil, jsonType)
			c.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
			sdkSign(t, c, putBody, testRegion, now)
			return received(t, c, putBody), putBody
		}, sigv4.CodeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{"UNSIGNED-PAYLOAD", func(t *testing.T) (*http.Request, []byte) {
			c := clientRequest(t, "PUT", putTarget, nil, jsonType)
			c.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			sdkSign(t, c, nil, testRegion, now)
			return received(t, c, putBody), putBody
		}, sigv4.CodeInvalidSignature, "UNSIGNED-PAYLOAD is not accepted: the request body must be signed, with its SHA-256 as the payload hash."},
		{"UNSIGNED-PAYLOAD, body swapped", func(t *testing.T) (*http.Request, []byte) {
			c := clientRequest(t, "PUT", putTarget, nil, jsonType)
			c.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			sdkSign(t, c, nil, testRegion, now)
			swapped := []byte(`{"Address":"swapped"}`)
			return received(t, c, swapped), swapped
		}, sigv4.CodeInvalidSignature, "UNSIGNED-PAYLOAD is not accepted: the request body must be signed, with its SHA-256 as the payload hash."},
		{"unsigned x-amz-content-sha256 mismatch", mutate(now, func(r *http.Request) {
			r.Header.Set("X-Amz-Content-Sha256", strings.Repeat("0", 64))
		}), sigv4.CodeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{"region refused by policy", withSigner(func(s *sigv4.Signer) { s.Region = "eu-west-9" }),
			sigv4.CodeInvalidSignature, "Credential should be scoped to a valid region, not 'eu-west-9'."},
	}
	v := newVerifier()
	v.AllowRegion = func(region string) bool { return region == testRegion }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.request(t)
			cred, err := v.Verify(context.Background(), r, body)
			if err == nil {
				t.Fatalf("accepted as %+v, want %s", cred, tt.code)
			}
			e := wantCode(t, err, tt.code)
			if tt.message != "" && e.Message != tt.message {
				t.Errorf("message:\n got %q\nwant %q", e.Message, tt.message)
			}
			if cred != (sigv4.Credential{}) {
				t.Errorf("refusal returned credential %+v", cred)
			}
		})
	}
}

func TestAccepted(t *testing.T) {
	tests := []struct {
		name    string
		request func(t *testing.T) (*http.Request, []byte)
	}{
		{"signed now", mutate(now, nil)},
		{"14 minutes old", mutate(now.Add(-14*time.Minute), nil)},
		{"exactly 15 minutes old", mutate(now.Add(-15*time.Minute), nil)},
		{"14 minutes ahead", mutate(now.Add(14*time.Minute), nil)},
		{"unsigned header added", mutate(now, func(r *http.Request) { r.Header.Set("User-Agent", "curl/8") })},
		{"unsigned x-amz-content-sha256 added", func(t *testing.T) (*http.Request, []byte) {
			r, body := mutate(now, nil)(t)
			r.Header.Set("X-Amz-Content-Sha256", sha256Hex(body))
			return r, body
		}},
		{"parameters reordered with extra spaces", mutate(now, func(r *http.Request) {
			parts := strings.Split(strings.TrimPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 "), ", ")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256   "+parts[2]+" ,"+parts[0]+",  "+parts[1])
		})},
		// botocore and the JavaScript SDK sign the path with dot segments
		// removed; net/http's ServeMux redirects such paths before routing.
		{"dot segment removed before signing", mutate(now, func(r *http.Request) {
			r.RequestURI = strings.Replace(r.RequestURI, "/endpoints/", "/endpoints/x/.././/", 1)
		})},
		{"signed header value respaced", mutate(now, func(r *http.Request) { r.Header.Set("Content-Type", "application/json  ") })},
	}
	v := newVerifier()
	v.AllowRegion = func(region string) bool { return region == testRegion }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.request(t)
			cred, err := v.Verify(context.Background(), r, body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if want := (sigv4.Credential{AccessKeyID: testKey, Region: testRegion, Date: "20261129"}); cred != want {
				t.Errorf("credential = %+v, want %+v", cred, want)
			}
		})
	}
}

func TestMaxSkew(t *testing.T) {
	v := newVerifier()
	v.MaxSkew = 5 * time.Minute
	r, body := mutate(now.Add(-6*time.Minute), nil)(t)
	_, err := v.Verify(context.Background(), r, body)
	e := wantCode(t, err, sigv4.CodeInvalidSignature)
	if want := "Signature expired: 20261129T185400Z is now earlier than 20261129T185500Z (20261129T190000Z - 5 min.)"; e.Message != want {
		t.Errorf("message = %q, want %q", e.Message, want)
	}
	r, body = mutate(now.Add(-4*time.Minute), nil)(t)
	if _, err := v.Verify(context.Background(), r, body); err != nil {
		t.Errorf("4 minutes old: %v", err)
	}
}

func TestInternalErrors(t *testing.T) {
	errBoom := errors.New("store is down")
	r, body := mutate(now, nil)(t)

	v := newVerifier()
	v.Lookup = func(context.Context, string) (string, error) { return "", errBoom }
	_, err := v.Verify(context.Background(), r, body)
	var e *sigv4.Error
	if !errors.Is(err, errBoom) || errors.As(err, &e) {
		t.Errorf("failing Lookup: err = %#v, want a wrapped %v that is not a *sigv4.Error", err, errBoom)
	}

	for name, v := range map[string]*sigv4.Verifier{
		"zero":       {},
		"no Lookup":  {Service: testService},
		"no Service": {Lookup: lookup},
	} {
		_, err := v.Verify(context.Background(), r, body)
		if err == nil || errors.As(err, &e) {
			t.Errorf("%s Verifier: err = %v, want an internal error", name, err)
		}
	}

	_, err = newVerifier().Verify(context.Background(), nil, nil)
	wantCode(t, err, sigv4.CodeMissingAuthenticationToken)

	// A refused request never reaches Lookup.
	v = newVerifier()
	v.Lookup = func(context.Context, string) (string, error) {
		t.Error("Lookup called for a request refused before it")
		return testSecret, nil
	}
	r, body = mutate(now.Add(-time.Hour), nil)(t)
	if _, err := v.Verify(context.Background(), r, body); err == nil {
		t.Error("expired request accepted")
	}
}

func TestSignerErrors(t *testing.T) {
	r := clientRequest(t, "GET", "http://h/", nil, "")
	for name, s := range map[string]*sigv4.Signer{
		"zero":      {},
		"no secret": {AccessKeyID: testKey, Region: testRegion, Service: testService},
	} {
		if err := s.Sign(r, nil); err == nil {
			t.Errorf("%s Signer: Sign succeeded", name)
		}
		if _, _, err := s.Headers("GET", "h", "/", "", "", nil); err == nil {
			t.Errorf("%s Signer: Headers succeeded", name)
		}
	}
	if err := newSigner(now).Sign(&http.Request{}, nil); err == nil {
		t.Error("Sign of a request without URL succeeded")
	}
}

// TestConcurrent shares one Verifier and one Signer between goroutines that
// sign and verify across days and regions; run it with -race.
func TestConcurrent(t *testing.T) {
	v := newVerifier()
	v.MaxSkew = 72 * time.Hour
	var signers []*sigv4.Signer
	for d := range 3 {
		for _, region := range []string{"us-east-1", "eu-west-1", "ap-south-1"} {
			s := newSigner(now.Add(time.Duration(d-1) * 24 * time.Hour))
			s.Region = region
			signers = append(signers, s)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				s := signers[(g+i)%len(signers)]
				body := []byte(fmt.Sprintf(`{"n":%d}`, i))
				r := signed(t, s, "PUT", "http://h/v1/apps/a/endpoints/e%2F"+strconv.Itoa(i), body, jsonType)
				cred, err := v.Verify(context.Background(), r, body)
				if err != nil {
					t.Errorf("goroutine %d request %d: %v", g, i, err)
					return
				}
				if cred.Region != s.Region {
					t.Errorf("region = %s, want %s", cred.Region, s.Region)
				}
			}
		})
	}
	wg.Wait()
}

// TestVerifyHeaders: what can be decided without the body is decided without
// it, with the codes Verify gives; a request VerifyHeaders accepts still needs
// Verify over its body.
func TestVerifyHeaders(t *testing.T) {
	v := newVerifier()
	good, body := mutate(now, nil)(t)
	if cred, err := v.VerifyHeaders(context.Background(), good); err != nil || cred.AccessKeyID != testKey {
		t.Fatalf("VerifyHeaders(signed request) = %+v, %v; want %s, nil", cred, err, testKey)
	}
	if _, err := v.Verify(context.Background(), good, append(bytes.Clone(body), ' ')); err == nil {
		t.Errorf("Verify accepted a tampered body after VerifyHeaders")
	}
	unknown := newVerifier()
	unknown.Lookup = func(context.Context, string) (string, error) { return "", sigv4.ErrUnknownKey }
	for _, tt := range []struct {
		name string
		v    *sigv4.Verifier
		edit func(r *http.Request)
		code string
	}{
		{"no Authorization", v, func(r *http.Request) { r.Header.Del("Authorization") }, sigv4.CodeMissingAuthenticationToken},
		{"malformed Authorization", v, func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential") },
			sigv4.CodeIncompleteSignature},
		{"unknown key", unknown, func(*http.Request) {}, sigv4.CodeUnrecognizedClient},
		{"expired", v, func(r *http.Request) {
			r.Header.Set("X-Amz-Date", now.Add(-time.Hour).Format("20060102T150405Z"))
		}, sigv4.CodeInvalidSignature},
		{"UNSIGNED-PAYLOAD", v, func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") },
			sigv4.CodeInvalidSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := mutate(now, tt.edit)(t)
			_, err := tt.v.VerifyHeaders(context.Background(), r)
			wantCode(t, err, tt.code)
		})
	}
}

package sigv4_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"pinpointd/internal/sigv4"
)

// FuzzVerify feeds Verify arbitrary Authorization headers, paths, queries,
// headers and bodies. It checks that Verify never panics and that the only
// way to be accepted is a correct signature:
//
//   - sign=false: the Authorization header is fuzz data and every access key
//     except testKey maps to a secret drawn at random when the fuzz test
//     starts, which no input can know; any acceptance is a bug.
//   - sign=true: the fuzzed request is signed by Signer with testKey and must
//     be accepted exactly as sent, and refused once its body is altered.
func FuzzVerify(f *testing.F) {
	good := "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261129/us-east-1/mobiletargeting/aws4_request, " +
		"SignedHeaders=content-type;host;x-amz-date, Signature=" +
		"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	date := now.Format("20060102T150405Z")
	body := []byte(`{"ChannelType":"GCM","Address":"a","Attributes":{"k":["v"]}}`)
	for _, s := range []struct {
		sign                                                bool
		auth, path, query, amzDate, contentSHA, contentType string
		body                                                []byte
	}{
		{false, good, "/v1/apps/a/endpoints/e%2F1", "", date, "", "application/json", body},
		{false, good, "/v1/tags/arn%3Aaws%3Ax", "tagKeys=a&tagKeys=b", date, "", "", nil},
		{false, good, "/v1/apps/a/endpoints/e%20%2B", "q=a+b&r=%zz&&s", date, "UNSIGNED-PAYLOAD", "application/json", body},
		{false, good, "//a/./b/../", "", date, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "", nil},
		{false, "AWS4-HMAC-SHA256 Credential=AKIAPINPOINTDTEST001/20261129/us-east-1/mobiletargeting/aws4_request," +
			"SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,Signature=00", "/", "", date, "x", "a", body},
		{false, "AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20261129/us-east-1/mobiletargeting/aws4_request, " +
			"SignedHeaders=host;x-amz-date, Signature=00", "/", "", date, "", "", nil},
		{false, "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=;;, Signature=", "*", "", "20261329T250000Z", "", "", nil},
		{false, "AWS4-HMAC-SHA256 Signature==,=,Credential", "http://h/x?y", "%", "", "", "\x00", []byte{0xff}},
		{false, "", "", "", "", "", "", nil},
		{false, "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261129/us-east-1/mobiletargeting/aws4_request, " +
			"SignedHeaders=content-type;host;x-amz-date;zz, Signature=" + "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
			"/", "", date, "", "  a   b  ", nil},
		{true, "", "/v1/apps/a/endpoints/e%2F1%2B2%203%3A4", "tagKeys=a&tagKeys=b", "", "", "application/json", body},
		{true, "", "/v1/apps", "page-size=2&token=a b", "", "", "", nil},
		{true, "", "/ሴ/a b/%zz", "ሴ=%E1%88%B4&+=+", "", "", "x  y", []byte("x")},
		{true, "", "//x//./../y", "", "", "", "", nil},
	} {
		f.Add(s.sign, s.auth, s.path, s.query, s.amzDate, s.contentSHA, s.contentType, s.body)
	}

	unguessable := rand.Text()
	v := &sigv4.Verifier{
		Service: testService,
		Now:     func() time.Time { return now },
		Lookup: func(_ context.Context, id string) (string, error) {
			switch id {
			case testKey:
				return testSecret, nil
			case "AKIAUNKNOWN":
				return "", sigv4.ErrUnknownKey
			}
			return unguessable, nil
		},
	}
	signer := newSigner(now)

	f.Fuzz(func(t *testing.T, sign bool, auth, path, query, amzDate, contentSHA, contentType string, body []byte) {
		if !sign {
			requestURI := path
			if query != "" {
				requestURI += "?" + query
			}
			r := &http.Request{
				Method:     "PUT",
				RequestURI: requestURI,
				Host:       "pinpoint.test",
				URL:        &url.URL{Path: path, RawQuery: query},
				Header:     http.Header{"Authorization": {auth}, "X-Amz-Date": {amzDate}},
			}
			if contentType != "" {
				r.Header.Set("Content-Type", contentType)
			}
			if contentSHA != "" {
				r.Header.Set("X-Amz-Content-Sha256", contentSHA)
			}
			refused(t, v, r, body)
			r.RequestURI = "" // a request not received by a server
			refused(t, v, r, body)
			r.URL = nil
			refused(t, v, r, body)
			return
		}

		u, err := url.ParseRequestURI(path)
		if err != nil || u.Opaque != "" {
			// net/http's server would answer 400 itself, or the target
			// ("scheme:opaque") is no request a client sends.
			return
		}
		u.Scheme, u.Host, u.RawQuery = "http", "pinpoint.test", query
		c := &http.Request{Method: "PUT", URL: u, Host: u.Host, Header: http.Header{}}
		if contentType != "" {
			c.Header.Set("Content-Type", contentType)
		}
		if err := signer.Sign(c, body); err != nil {
			t.Fatalf("Sign: %v", err)
		}
		// What the server receives.
		requestURI := c.URL.RequestURI()
		su, err := url.ParseRequestURI(requestURI)
		if err != nil {
			return
		}
		r := &http.Request{Method: c.Method, RequestURI: requestURI, Host: c.Host, URL: su, Header: c.Header.Clone()}
		cred, err := v.Verify(context.Background(), r, body)
		if err != nil {
			t.Fatalf("signed request %s refused: %v", requestURI, err)
		}
		if cred.AccessKeyID != testKey {
			t.Fatalf("credential = %+v", cred)
		}
		refused(t, v, r, append(body[:len(body):len(body)], 0))
	})
}

// refused asserts that Verify refuses r with one of the four wire codes.
func refused(t *testing.T, v *sigv4.Verifier, r *http.Request, body []byte) {
	t.Helper()
	cred, err := v.Verify(context.Background(), r, body)
	if err == nil {
		t.Fatalf("accepted %+v: %s %s %q", cred, r.Method, r.RequestURI, r.Header)
	}
	var e *sigv4.Error
	if !errors.As(err, &e) {
		t.Fatalf("internal error for a client request: %v", err)
	}
	switch e.Code {
	case sigv4.CodeMissingAuthenticationToken, sigv4.CodeIncompleteSignature,
		sigv4.CodeInvalidSignature, sigv4.CodeUnrecognizedClient:
	default:
		t.Fatalf("unknown code %q", e.Code)
	}
}

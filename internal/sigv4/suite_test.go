package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The header-auth cases of the AWS SigV4 test suite
// (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html):
// credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, scope
// 20150830/us-east-1/service/aws4_request. Left out: get-header-value-multiline
// (obsolete line folding, which net/http refuses) and the presigned variants.

const (
	suiteKey    = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	suiteDate   = "20150830T123600Z"
	suiteToken  = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
)

type suiteCase struct {
	name          string
	method        string
	requestURI    string      // as on the request line
	headers       [][2]string // besides Host and X-Amz-Date, in wire order
	body          string
	signedHeaders string
	signature     string
	// stsHash is the last line of the suite's string to sign: the hash of
	// the canonical request. Empty for the normalisation cases, whose
	// canonical request is the second one Verify tries.
	stsHash string
}

var suite = []suiteCase{
	{name: "get-header-key-duplicate", method: "GET", requestURI: "/",
		headers:       [][2]string{{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
		signedHeaders: "host;my-header1;x-amz-date",
		signature:     "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
		stsHash:       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c"},
	{name: "get-header-value-order", method: "GET", requestURI: "/",
		headers: [][2]string{
			{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"},
		},
		signedHeaders: "host;my-header1;x-amz-date",
		signature:     "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
		stsHash:       "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86"},
	{name: "get-header-value-trim", method: "GET", requestURI: "/",
		headers:       [][2]string{{"My-Header1", " value1"}, {"My-Header2", ` "a   b   c"`}},
		signedHeaders: "host;my-header1;my-header2;x-amz-date",
		signature:     "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
		stsHash:       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"},
	{name: "get-unreserved", method: "GET",
		requestURI:    "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
		signedHeaders: "host;x-amz-date",
		signature:     "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
		stsHash:       "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9"},
	{name: "get-utf8", method: "GET", requestURI: "/ሴ",
		signedHeaders: "host;x-amz-date",
		signature:     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
		stsHash:       "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102"},
	{name: "get-vanilla", method: "GET", requestURI: "/",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		stsHash:       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"},
	{name: "get-vanilla-empty-query-key", method: "GET", requestURI: "/?Param1=value1",
		signedHeaders: "host;x-amz-date",
		signature:     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
		stsHash:       "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab"},
	{name: "get-vanilla-query-order-key", method: "GET", requestURI: "/?Param1=value2&Param1=Value1",
		signedHeaders: "host;x-amz-date",
		signature:     "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
		stsHash:       "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89"},
	{name: "get-vanilla-query-order-key-case", method: "GET", requestURI: "/?Param2=value2&Param1=value1",
		signedHeaders: "host;x-amz-date",
		signature:     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
		stsHash:       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"},
	{name: "get-vanilla-query-order-value", method: "GET", requestURI: "/?Param1=value2&Param1=value1",
		signedHeaders: "host;x-amz-date",
		signature:     "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694",
		stsHash:       "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606"},
	{name: "get-vanilla-query-unreserved", method: "GET",
		requestURI: "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=" +
			"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
		signedHeaders: "host;x-amz-date",
		signature:     "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
		stsHash:       "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177"},
	{name: "get-vanilla-utf8-query", method: "GET", requestURI: "/?ሴ=bar",
		signedHeaders: "host;x-amz-date",
		signature:     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
		stsHash:       "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073"},
	{name: "get-space", method: "GET", requestURI: "/example space/",
		signedHeaders: "host;x-amz-date",
		signature:     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
		stsHash:       "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86"},
	{name: "post-header-key-case", method: "POST", requestURI: "/",
		signedHeaders: "host;x-amz-date",
		signature:     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
		stsHash:       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"},
	{name: "post-header-key-sort", method: "POST", requestURI: "/",
		headers:       [][2]string{{"My-Header1", "value1"}},
		signedHeaders: "host;my-header1;x-amz-date",
		signature:     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
		stsHash:       "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65"},
	{name: "post-header-value-case", method: "POST", requestURI: "/",
		headers:       [][2]string{{"My-Header1", "VALUE1"}},
		signedHeaders: "host;my-header1;x-amz-date",
		signature:     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
		stsHash:       "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93"},
	{name: "post-vanilla", method: "POST", requestURI: "/",
		signedHeaders: "host;x-amz-date",
		signature:     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
		stsHash:       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"},
	{name: "post-vanilla-empty-query-value", method: "POST", requestURI: "/?Param1=value1",
		signedHeaders: "host;x-amz-date",
		signature:     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
		stsHash:       "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd"},
	{name: "post-vanilla-query", method: "POST", requestURI: "/?Param1=value1",
		signedHeaders: "host;x-amz-date",
		signature:     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
		stsHash:       "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd"},
	{name: "post-x-www-form-urlencoded", method: "POST", requestURI: "/",
		headers:       [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Length", "13"}},
		body:          "Param1=value1",
		signedHeaders: "content-type;host;x-amz-date",
		signature:     "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
		stsHash:       "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"},
	{name: "post-x-www-form-urlencoded-parameters", method: "POST", requestURI: "/",
		headers:       [][2]string{{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}, {"Content-Length", "13"}},
		body:          "Param1=value1",
		signedHeaders: "content-type;host;x-amz-date",
		signature:     "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
		stsHash:       "2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c"},
	{name: "post-sts-header-after", method: "POST", requestURI: "/",
		headers:       [][2]string{{"X-Amz-Security-Token", suiteToken}},
		signedHeaders: "host;x-amz-date",
		signature:     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
		stsHash:       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"},
	{name: "post-sts-header-before", method: "POST", requestURI: "/",
		headers:       [][2]string{{"X-Amz-Security-Token", suiteToken}},
		signedHeaders: "host;x-amz-date;x-amz-security-token",
		signature:     "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
		stsHash:       "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6"},
	// normalize-path: signed as botocore and the JavaScript SDK do.
	{name: "get-relative", method: "GET", requestURI: "/example/..",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{name: "get-relative-relative", method: "GET", requestURI: "/example1/example2/../..",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{name: "get-slash", method: "GET", requestURI: "//",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{name: "get-slash-dot-slash", method: "GET", requestURI: "/./",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{name: "get-slash-pointless-dot", method: "GET", requestURI: "/./example",
		signedHeaders: "host;x-amz-date",
		signature:     "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"},
	{name: "get-slashes", method: "GET", requestURI: "//example//",
		signedHeaders: "host;x-amz-date",
		signature:     "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
}

// suiteRequest builds the request as net/http's server would hand it over.
func suiteRequest(t *testing.T, c suiteCase) *http.Request {
	t.Helper()
	r := &http.Request{
		Method:     c.method,
		RequestURI: c.requestURI,
		Host:       "example.amazonaws.com",
		Header:     http.Header{"X-Amz-Date": {suiteDate}},
		URL:        &url.URL{},
	}
	if _, q, ok := strings.Cut(c.requestURI, "?"); ok {
		r.URL.RawQuery = q
	}
	for _, h := range c.headers {
		r.Header.Add(h[0], strings.TrimLeft(h[1], " \t")) // net/http trims leading whitespace
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+suiteKey+"/20150830/us-east-1/service/aws4_request, "+
		"SignedHeaders="+c.signedHeaders+", Signature="+c.signature)
	return r
}

func suiteVerifier() *Verifier {
	return &Verifier{
		Service: "service",
		Lookup: func(_ context.Context, id string) (string, error) {
			if id != suiteKey {
				return "", ErrUnknownKey
			}
			return suiteSecret, nil
		},
		Now: func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) },
	}
}

func TestAWSTestSuite(t *testing.T) {
	v := suiteVerifier()
	for _, c := range suite {
		t.Run(c.name, func(t *testing.T) {
			r := suiteRequest(t, c)
			cred, err := v.Verify(context.Background(), r, []byte(c.body))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if want := (Credential{AccessKeyID: suiteKey, Region: "us-east-1", Date: "20150830"}); cred != want {
				t.Errorf("credential = %+v, want %+v", cred, want)
			}
			if c.stsHash != "" {
				sum := sha256.Sum256([]byte(c.body))
				cr, e := appendCanonicalRequest(nil, r, requestPath(r), c.signedHeaders, []byte(hex.EncodeToString(sum[:])))
				if e != nil {
					t.Fatalf("canonical request: %v", e)
				}
				crSum := sha256.Sum256(cr)
				if got := hex.EncodeToString(crSum[:]); got != c.stsHash {
					t.Errorf("hash of canonical request = %s, want %s; canonical request:\n%s", got, c.stsHash, cr)
				}
			}

			// The same request with one signature bit flipped must fail.
			bad := []byte(c.signature)
			bad[0] ^= 1
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), c.signature, string(bad), 1))
			if _, err := v.Verify(context.Background(), r, []byte(c.body)); !isCode(err, CodeInvalidSignature) {
				t.Errorf("flipped signature: err = %v, want %s", err, CodeInvalidSignature)
			}
		})
	}
}

// TestGetVanillaSteps checks every intermediate step of get-vanilla against
// the suite's .creq, .sts and .authz files.
func TestGetVanillaSteps(t *testing.T) {
	r := suiteRequest(t, suite[5])
	if suite[5].name != "get-vanilla" {
		t.Fatalf("suite[5] is %s", suite[5].name)
	}
	cr, e := appendCanonicalRequest(nil, r, requestPath(r), "host;x-amz-date", []byte(emptySHA256))
	if e != nil {
		t.Fatal(e)
	}
	wantCR := "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if string(cr) != wantCR {
		t.Errorf("canonical request:\n%s\nwant:\n%s", cr, wantCR)
	}
	sts := appendStringToSign(nil, suiteDate, "20150830/us-east-1/service/aws4_request", cr)
	wantSTS := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" +
		"bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
	if string(sts) != wantSTS {
		t.Errorf("string to sign:\n%s\nwant:\n%s", sts, wantSTS)
	}
	key := deriveSigningKey(suiteSecret, "20150830", "us-east-1", "service")
	sig := signature(&key, sts)
	if got, want := hex.EncodeToString(sig[:]), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

func TestCanonicalQuery(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"", ""},
		{"a=1", "a=1"},
		{"tagKeys=b&tagKeys=a", "tagKeys=a&tagKeys=b"},
		{"b=2&a=1&a", "a=&a=1&b=2"},
		{"k=a+b&k=a%20c", "k=a%20b&k=a%20c"},
		{"k=%2f%3A", "k=%2F%3A"},
		{"k=%zz", "k=%25zz"},
		{"k=a%2", "k=a%252"},
		{"&&a=1&", "a=1"},
		{"x=a/b&x=a-b", "x=a%2Fb&x=a-b"}, // sorted after encoding
		{"=v", "=v"},
		{"a=b=c", "a=b%3Dc"},
		{"ሴ=bar", "%E1%88%B4=bar"},
	} {
		if got := string(appendCanonicalQuery(nil, c.raw)); got != c.want {
			t.Errorf("canonical query of %q = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestCanonicalURI(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"", "/"},
		{"/", "/"},
		{"/v1/apps/a/endpoints/x%2Fy%2Bz%20w%3Av", "/v1/apps/a/endpoints/x%252Fy%252Bz%2520w%253Av"},
		{"/a b", "/a%20b"},
		{"/a+b:c", "/a%2Bb%3Ac"},
		{"/-._~", "/-._~"},
	} {
		if got := string(appendCanonicalURI(nil, c.path)); got != c.want {
			t.Errorf("canonical URI of %q = %q, want %q", c.path, got, c.want)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"/", "/"},
		{"//", "/"},
		{"/./", "/"},
		{"/example/..", "/"},
		{"/a/b/../c", "/a/c"},
		{"//example//", "/example/"},
		{"/a/./b/", "/a/b/"},
		{"/..", "/"},
	} {
		if got := normalizePath(c.path); got != c.want {
			t.Errorf("normalizePath(%q) = %q, want %q", c.path, got, c.want)
		}
		if !needsNormalizing(c.path) && c.path != c.want {
			t.Errorf("needsNormalizing(%q) = false, but it normalises to %q", c.path, c.want)
		}
	}
	for _, p := range []string{"/", "/a/b", "/a.b/c..d/", "/v1/apps/x%2F..%2Fy"} {
		if needsNormalizing(p) {
			t.Errorf("needsNormalizing(%q) = true", p)
		}
		if got := normalizePath(p); got != p {
			t.Errorf("normalizePath(%q) = %q, want it unchanged", p, got)
		}
	}
}

func TestParseAmzDate(t *testing.T) {
	good := map[string]time.Time{
		"20150830T123600Z": time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC),
		"20240229T235959Z": time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC),
	}
	for s, want := range good {
		if got, ok := parseAmzDate(s); !ok || !got.Equal(want) {
			t.Errorf("parseAmzDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "20150830", "20150830T123600", "20150830T123600z", "20150830 123600Z",
		"20151330T123600Z", "20150431T000000Z", "20230229T000000Z", "20150830T246000Z", "2015083OT123600Z",
		"+0150830T123600Z", "20150830T123600Z "} {
		if _, ok := parseAmzDate(s); ok {
			t.Errorf("parseAmzDate(%q) accepted", s)
		}
	}
}

// TestKeyCacheBounded fills the signing-key cache past its bound.
func TestKeyCacheBounded(t *testing.T) {
	var c keyCache
	for i := range 3 * maxCachedKeys {
		c.put(cacheKey{accessKeyID: "AKID", secret: "s", date: "20150830", region: strings.Repeat("r", i%50) + string(rune('a'+i%26)) + hex.EncodeToString([]byte{byte(i), byte(i >> 8)}), service: "service"}, [32]byte{byte(i)})
		if n := len(c.m); n > maxCachedKeys {
			t.Fatalf("cache holds %d keys, bound is %d", n, maxCachedKeys)
		}
	}
	k := cacheKey{accessKeyID: "AKID", secret: "s", date: "20150830", region: "x", service: "service"}
	c.put(k, [32]byte{7})
	if got, ok := c.get(k); !ok || got[0] != 7 {
		t.Errorf("get after put = %v, %v", got[0], ok)
	}
}

func isCode(err error, code string) bool {
	e, ok := err.(*Error)
	return ok && e.Code == code
}

func TestRequestPath(t *testing.T) {
	for _, c := range []struct {
		requestURI string
		url        *url.URL
		want       string
	}{
		{"/v1/apps/a/endpoints/x%2Fy?z=1", &url.URL{Path: "/v1/apps/a/endpoints/x/y"}, "/v1/apps/a/endpoints/x%2Fy"},
		{"/a b", nil, "/a b"},
		{"?x", nil, ""},
		{"http://h:8/v1/apps/x%2Fy?z", nil, "/v1/apps/x%2Fy"},
		{"http://h:8", nil, ""},
		{"http://h:8?x=/y", nil, ""},
		{"a:/ b", nil, "/ b"},
		{"*", &url.URL{Path: "*"}, "*"},
		{"", &url.URL{Path: "/a b/c", RawPath: ""}, "/a%20b/c"},
		{"", &url.URL{Path: "/a/b", RawPath: "/a%2Fb"}, "/a%2Fb"},
		{"", &url.URL{Opaque: "//h/x%2Fy", RawQuery: "q"}, "/x%2Fy"},
		{"", nil, ""},
	} {
		r := &http.Request{RequestURI: c.requestURI, URL: c.url}
		if got := requestPath(r); got != c.want {
			t.Errorf("requestPath(%q, %v) = %q, want %q", c.requestURI, c.url, got, c.want)
		}
	}
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"pinpointd/internal/sigv4"
)

// TestEndpointIDEncoding: IDs the SDK percent-encodes in the path come back exactly. ("." and
// "..", which would be dot segments of the path, are refused: TestPathDotSegments.)
func TestEndpointIDEncoding(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		for _, id := range []string{
			"dev/1", "a+b", "with space", "100%", "%2F", "%", "a/b+c d%20e", "/leading", "trailing/", "a//b",
			"ünïcødé", "semi;colon?q=1&x#frag", "colon:at@", "ep.~-_", "...", "a/../b", "./x", "../",
		} {
			t.Run(id, func(t *testing.T) {
				h.update(app, id, &types.EndpointRequest{Address: aws.String("addr-" + id), Attributes: map[string][]string{"id": {id}}})
				e := h.get(app, id)
				if got := aws.ToString(e.Id); got != id {
					t.Errorf("Id: got %q, want %q", got, id)
				}
				if got := aws.ToString(e.Address); got != "addr-"+id {
					t.Errorf("Address: got %q, want %q", got, "addr-"+id)
				}
				out, err := h.client.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String(id)})
				if err != nil {
					t.Fatalf("DeleteEndpoint: %v", err)
				}
				if got := aws.ToString(out.EndpointResponse.Id); got != id {
					t.Errorf("deleted Id: got %q, want %q", got, id)
				}
				h.wantNoEndpoint(app, id)
			})
		}
	})
}

// TestIDsAreCaseSensitive: "Abc" and "abc" are two endpoints, and two users.
func TestIDsAreCaseSensitive(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "Abc", &types.EndpointRequest{Address: aws.String("upper"), User: &types.EndpointUser{UserId: aws.String("User")}})
		h.update(app, "abc", &types.EndpointRequest{Address: aws.String("lower"), User: &types.EndpointUser{UserId: aws.String("user")}})
		if got := aws.ToString(h.get(app, "Abc").Address); got != "upper" {
			t.Errorf("Abc Address: got %q, want %q", got, "upper")
		}
		if got := aws.ToString(h.get(app, "abc").Address); got != "lower" {
			t.Errorf("abc Address: got %q, want %q", got, "lower")
		}
		if got := h.userEndpoints(app, "User"); !sameStrings(got, []string{"Abc"}) {
			t.Errorf("endpoints of User: got %v, want %v", got, []string{"Abc"})
		}
	})
}

// TestUserIDEncoding: user IDs with reserved characters work in the users path.
func TestUserIDEncoding(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		user := "user/1 + x%"
		h.update(app, "e1", &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String(user)}})
		if got := h.userEndpoints(app, user); !sameStrings(got, []string{"e1"}) {
			t.Errorf("GetUserEndpoints(%q): got %v, want %v", user, got, []string{"e1"})
		}
		out, err := h.client.DeleteUserEndpoints(ctx, &pinpoint.DeleteUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String(user)})
		if err != nil {
			t.Fatalf("DeleteUserEndpoints: %v", err)
		}
		if n := len(out.EndpointsResponse.Item); n != 1 {
			t.Errorf("deleted endpoints: got %v, want %v", n, 1)
		}
	})
}

// TestRequestIDOnEveryResponse: successes, errors, health checks and unauthenticated requests
// all carry a distinct x-amzn-RequestId.
func TestRequestIDOnEveryResponse(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		seen := map[string]string{}
		check := func(name string, resp *http.Response) {
			t.Helper()
			rid := resp.Header.Get("x-amzn-RequestId")
			if rid == "" {
				t.Errorf("%s (%d): got no x-amzn-RequestId, want one", name, resp.StatusCode)
				return
			}
			if prev, ok := seen[rid]; ok {
				t.Errorf("%s: x-amzn-RequestId %q repeats the one of %s", name, rid, prev)
			}
			seen[rid] = name
		}
		for _, c := range []struct{ name, method, path, body string }{
			{"CreateApp", "POST", "/v1/apps", `{"Name":"x"}`},
			{"GetApps", "GET", "/v1/apps", ""},
			{"GetApp", "GET", "/v1/apps/" + app, ""},
			{"UpdateEndpoint", "PUT", "/v1/apps/" + app + "/endpoints/e1", `{"Address":"t"}`},
			{"GetEndpoint", "GET", "/v1/apps/" + app + "/endpoints/e1", ""},
			{"TagResource", "POST", "/v1/tags/" + url.PathEscape("arn:aws:mobiletargeting:us-east-1:000000000000:apps/"+app), `{"tags":{"a":"b"}}`},
			{"unknown endpoint", "GET", "/v1/apps/" + app + "/endpoints/nope", ""},
			{"unknown route", "GET", "/v1/nothing/here", ""},
			{"bad body", "PUT", "/v1/apps/" + app + "/endpoints/e1", `{`},
			{"wrong method", "PATCH", "/v1/apps/" + app, ""},
		} {
			resp, _ := h.rawJSON(c.method, c.path, c.body)
			check(c.name, resp)
		}
		for _, path := range []string{"/healthz", "/readyz", "/v1/apps"} {
			resp, err := http.Get(h.inst.URL() + path)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			resp.Body.Close()
			check("unsigned GET "+path, resp)
		}
		out, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{})
		if err != nil {
			t.Fatalf("GetApps: %v", err)
		}
		requestID(t, out.ResultMetadata)
	})
}

// TestErrorShape: every error has x-amzn-ErrorType, and a JSON body with Message and RequestID.
func TestErrorShape(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		for _, c := range []struct {
			name, method, path, body string
			status                   int
			code                     string
		}{
			{"unknown app", "GET", "/v1/apps/0123456789abcdef0123456789abcdef", "", 404, "NotFoundException"},
			{"unknown endpoint", "GET", "/v1/apps/" + app + "/endpoints/nope", "", 404, "NotFoundException"},
			{"unknown user", "GET", "/v1/apps/" + app + "/users/nobody", "", 404, "NotFoundException"},
			{"malformed JSON", "PUT", "/v1/apps/" + app + "/endpoints/e1", `{"Address":`, 400, "BadRequestException"},
			{"JSON not an object", "PUT", "/v1/apps/" + app + "/endpoints/e1", `[1,2]`, 400, "BadRequestException"},
			{"trailing garbage", "PUT", "/v1/apps/" + app + "/endpoints/e1", `{"Address":"x"} junk`, 400, "BadRequestException"},
			{"validation", "PUT", "/v1/apps/" + app + "/endpoints/e1", `{"OptOut":"MAYBE"}`, 400, "BadRequestException"},
			{"wrong method", "POST", "/v1/apps/" + app + "/endpoints/e1", `{}`, 405, "MethodNotAllowedException"},
			{"wrong method on a collection", "DELETE", "/v1/apps", "", 405, "MethodNotAllowedException"},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp, eb := h.rawJSON(c.method, c.path, c.body)
				wantWireError(t, resp, eb, c.status, c.code)
				if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
					t.Errorf("Content-Type: got %q, want application/json", got)
				}
			})
		}
		h.wantNoEndpoint(app, "e1")

		t.Run("unsigned", func(t *testing.T) {
			resp, err := http.Get(h.inst.URL() + "/v1/apps")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var eb errorBody
			if err := json.Unmarshal(b, &eb); err != nil {
				t.Fatalf("body %q: %v", b, err)
			}
			wantWireError(t, resp, eb, http.StatusForbidden, "MissingAuthenticationTokenException")
		})
	})
}

func TestNotFound(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u1")}})
		const unknownApp = "0123456789abcdef0123456789abcdef"
		for _, c := range []struct {
			name string
			call func() error
		}{
			{"GetApp unknown app", func() error {
				_, err := h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String(unknownApp)})
				return err
			}},
			{"DeleteApp unknown app", func() error {
				_, err := h.client.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: aws.String(unknownApp)})
				return err
			}},
			{"GetEndpoint unknown app", func() error {
				_, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(unknownApp), EndpointId: aws.String("e1")})
				return err
			}},
			{"GetEndpoint unknown endpoint", func() error {
				_, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e2")})
				return err
			}},
			{"DeleteEndpoint unknown app", func() error {
				_, err := h.client.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(unknownApp), EndpointId: aws.String("e1")})
				return err
			}},
			{"DeleteEndpoint unknown endpoint", func() error {
				_, err := h.client.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e2")})
				return err
			}},
			{"UpdateEndpoint unknown app", func() error {
				return h.tryUpdate(unknownApp, "e1", &types.EndpointRequest{Address: aws.String("t")})
			}},
			{"UpdateEndpointsBatch unknown app", func() error {
				return h.batch(unknownApp, []types.EndpointBatchItem{{Id: aws.String("e1")}})
			}},
			{"GetUserEndpoints unknown app", func() error {
				_, err := h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(unknownApp), UserId: aws.String("u1")})
				return err
			}},
			{"DeleteUserEndpoints unknown app", func() error {
				_, err := h.client.DeleteUserEndpoints(ctx, &pinpoint.DeleteUserEndpointsInput{ApplicationId: aws.String(unknownApp), UserId: aws.String("u1")})
				return err
			}},
			{"RemoveAttributes unknown app", func() error {
				_, err := h.client.RemoveAttributes(ctx, &pinpoint.RemoveAttributesInput{ApplicationId: aws.String(unknownApp), AttributeType: aws.String("endpoint-custom-attributes"), UpdateAttributesRequest: &types.UpdateAttributesRequest{Blacklist: []string{"x"}}})
				return err
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := c.call()
				wantAPIError[*types.NotFoundException](t, err)
				if got := errStatus(t, err); got != http.StatusNotFound {
					t.Errorf("status: got %v, want %v", got, http.StatusNotFound)
				}
			})
		}
		if got := aws.ToString(h.get(app, "e1").Id); got != "e1" {
			t.Errorf("existing endpoint: got %q, want %q", got, "e1")
		}
	})
}

// TestMethodNotAllowed: a known path with a method it does not serve is 405.
func TestMethodNotAllowed(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		for _, c := range []struct{ method, path string }{
			{"POST", "/v1/apps/" + app + "/endpoints/e1"},
			{"PATCH", "/v1/apps/" + app + "/endpoints/e1"},
			{"GET", "/v1/apps/" + app + "/endpoints"},
			{"PUT", "/v1/apps/" + app},
			{"GET", "/v1/apps/" + app + "/events"},
			{"PUT", "/v1/tags/" + url.PathEscape("arn:aws:mobiletargeting:us-east-1:000000000000:apps/"+app)},
		} {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				resp, eb := h.rawJSON(c.method, c.path, `{"Address":"t"}`)
				wantWireError(t, resp, eb, http.StatusMethodNotAllowed, "MethodNotAllowedException")
			})
		}
		h.wantNoEndpoint(app, "e1")
	})
}

// TestPayloadTooLarge: a body over 7 MB is 413 PayloadTooLargeException, through the SDK and raw.
func TestPayloadTooLarge(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		body := make([]byte, 0, 7<<20+64)
		body = append(body, `{"Address":"t","Attributes":{"a":["`...)
		body = append(body, bytes.Repeat([]byte("x"), 7<<20)...)
		body = append(body, `"]}}`...)
		resp, eb := h.rawJSON("PUT", "/v1/apps/"+app+"/endpoints/e1", string(body))
		wantWireError(t, resp, eb, http.StatusRequestEntityTooLarge, "PayloadTooLargeException")

		// Without a Content-Length (chunked), the limit holds while reading.
		req, err := http.NewRequest("PUT", h.inst.URL()+"/v1/apps/"+app+"/endpoints/e1", io.MultiReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		s := &sigv4.Signer{AccessKeyID: testKeyID, Secret: testSecret, Region: testRegion, Service: "mobiletargeting"}
		if err := s.Sign(req, body); err != nil {
			t.Fatal(err)
		}
		if req.ContentLength > 0 {
			t.Fatalf("request has a Content-Length; want it chunked")
		}
		if r, err := http.DefaultClient.Do(req); err == nil {
			r.Body.Close()
			if r.StatusCode != http.StatusRequestEntityTooLarge || r.Header.Get("x-amzn-ErrorType") != "PayloadTooLargeException" {
				t.Errorf("chunked body over 7 MB: got %v %q, want 413 PayloadTooLargeException", r.StatusCode, r.Header.Get("x-amzn-ErrorType"))
			}
		} else {
			t.Logf("chunked body over 7 MB: connection closed before the response was read: %v", err)
		}

		// The SDK sees its typed error: 62,000 attributes of 100 characters is about 7.5 MB.
		big := attrs("attribute-", 62000, strings.Repeat("v", 100))
		err = h.tryUpdate(app, "e1", &types.EndpointRequest{Attributes: big})
		wantAPIError[*types.PayloadTooLargeException](t, err)
		if got := errStatus(t, err); got != http.StatusRequestEntityTooLarge {
			t.Errorf("status: got %v, want %v", got, http.StatusRequestEntityTooLarge)
		}
		h.wantNoEndpoint(app, "e1")

		// Just under the limit is read (and then refused for its content, not its size).
		under := append([]byte(`{"Attributes":{"a":["`), bytes.Repeat([]byte("x"), 7<<20-64)...)
		under = append(under, `"]}}`...)
		resp, eb = h.rawJSON("PUT", "/v1/apps/"+app+"/endpoints/e1", string(under))
		wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
		h.wantNoEndpoint(app, "e1")
	})
}

// TestMalformedJSON: a body that is not JSON is 400 and writes nothing.
func TestMalformedJSON(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		for _, body := range []string{`{"Address":`, `not json`, `{"Address":"t",}`, `{'Address':'t'}`} {
			t.Run(body, func(t *testing.T) {
				resp, eb := h.rawJSON("PUT", "/v1/apps/"+app+"/endpoints/e1", body)
				wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
			})
		}
		h.wantNoEndpoint(app, "e1")
	})
}

// TestWrongJSONType: a value of the wrong JSON type is 400 naming the field, and writes nothing.
func TestWrongJSONType(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		for _, c := range []struct {
			path, body string
			want       []string
		}{
			{"/endpoints/e1", `{"Location":{"Latitude":"north"}}`, []string{"Latitude"}},
			{"/endpoints/e1", `{"Attributes":{"a":"notalist"}}`, []string{"Attributes"}},
			{"/endpoints/e1", `{"Attributes":{"a":[1,2]}}`, []string{"Attributes"}},
			{"/endpoints/e1", `{"Metrics":{"m":"high"}}`, []string{"Metrics"}},
			{"/endpoints/e1", `{"Address":42}`, []string{"Address"}},
			{"/endpoints/e1", `{"User":"u1"}`, []string{"User"}},
			{"/endpoints/e1", `{"User":{"UserAttributes":{"a":"b"}}}`, []string{"UserAttributes"}},
			{"/endpoints", `{"Item":{"Id":"e1"}}`, []string{"Item"}},
			{"/events", `{"BatchItem":{"e1":{"Endpoint":{},"Events":{"ev":{"EventType":"t","Timestamp":"2026-01-01T00:00:00Z","Attributes":{"a":1}}}}}}`, []string{"Attributes"}},
		} {
			t.Run(c.body, func(t *testing.T) {
				method := "PUT"
				if c.path == "/events" {
					method = "POST"
				}
				resp, eb := h.rawJSON(method, "/v1/apps/"+app+c.path, c.body)
				wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
				wantMessage(t, aws.ToString(eb.Message), c.want...)
			})
		}
		h.wantNoEndpoint(app, "e1")
	})
}

// TestEmptyBody: an empty body or {} is an empty EndpointRequest, as JS v3 and botocore send it.
func TestEmptyBody(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		for _, id := range []string{"empty", "braces"} {
			body := ""
			if id == "braces" {
				body = "{}"
			}
			resp, _ := h.rawJSON("PUT", "/v1/apps/"+app+"/endpoints/"+id, body)
			if resp.StatusCode != http.StatusAccepted {
				t.Errorf("PUT %s with body %q: got %v, want %v", id, body, resp.StatusCode, http.StatusAccepted)
				continue
			}
			if got := aws.ToString(h.get(app, id).EndpointStatus); got != "ACTIVE" {
				t.Errorf("%s status: got %q, want %q", id, got, "ACTIVE")
			}
		}
	})
}

// TestNotFoundNamesTheResource: the message of a NotFoundException names what was missing, the
// same on every backend.
func TestNotFoundNamesTheResource(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.createApp("nf")
		_, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("no/such")})
		if nf := wantAPIError[*types.NotFoundException](t, err); aws.ToString(nf.Message) != "Resource not found: endpoint 'no/such'" {
			t.Errorf("message %q", aws.ToString(nf.Message))
		}
		_, err = h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String("0123456789abcdef0123456789abcdef")})
		if nf := wantAPIError[*types.NotFoundException](t, err); aws.ToString(nf.Message) != "Resource not found: application '0123456789abcdef0123456789abcdef'" {
			t.Errorf("message %q", aws.ToString(nf.Message))
		}
		_, err = h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("nobody")})
		if nf := wantAPIError[*types.NotFoundException](t, err); aws.ToString(nf.Message) != "Resource not found: user 'nobody'" {
			t.Errorf("message %q", aws.ToString(nf.Message))
		}
	})
}

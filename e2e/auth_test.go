package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"pinpointd/internal/sigv4"
)

const (
	otherAccount = "111111111111"
	otherKeyID   = "AKIAPINPOINTDOTHER01"
	otherSecret  = "other-account-secret-000000000000000000000"
)

// TestTenancy: another account's key sees the app as if it did not exist, and changes nothing.
func TestTenancy(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("mine")
		arn := h.appArn(app)
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("tok"), User: &types.EndpointUser{UserId: aws.String("u1")}})
		before := h.get(app, "e1")
		other := h.putKey(otherKeyID, otherSecret, otherAccount, nil)

		for _, c := range []struct {
			name string
			call func() error
		}{
			{"GetApp", func() error {
				_, err := other.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String(app)})
				return err
			}},
			{"DeleteApp", func() error {
				_, err := other.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: aws.String(app)})
				return err
			}},
			{"UpdateEndpoint", func() error {
				_, err := other.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1"),
					EndpointRequest: &types.EndpointRequest{Address: aws.String("hijacked")}})
				return err
			}},
			{"UpdateEndpoint new ID", func() error {
				_, err := other.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("planted"),
					EndpointRequest: &types.EndpointRequest{Address: aws.String("x")}})
				return err
			}},
			{"UpdateEndpointsBatch", func() error {
				_, err := other.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: aws.String(app),
					EndpointBatchRequest: &types.EndpointBatchRequest{Item: []types.EndpointBatchItem{{Id: aws.String("planted"), Address: aws.String("x")}}}})
				return err
			}},
			{"GetEndpoint", func() error {
				_, err := other.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1")})
				return err
			}},
			{"DeleteEndpoint", func() error {
				_, err := other.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1")})
				return err
			}},
			{"GetUserEndpoints", func() error {
				_, err := other.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("u1")})
				return err
			}},
			{"DeleteUserEndpoints", func() error {
				_, err := other.DeleteUserEndpoints(ctx, &pinpoint.DeleteUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("u1")})
				return err
			}},
			{"PutEvents", func() error {
				_, err := other.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(app), EventsRequest: &types.EventsRequest{BatchItem: map[string]types.EventsBatch{
					"e1": {Endpoint: &types.PublicEndpoint{Address: aws.String("hijacked")}, Events: map[string]types.Event{"ev": event("t")}},
				}}})
				return err
			}},
			{"PutEvents invalid endpoint", func() error {
				_, err := other.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(app), EventsRequest: &types.EventsRequest{BatchItem: map[string]types.EventsBatch{
					"e1": {Endpoint: &types.PublicEndpoint{OptOut: aws.String("MAYBE")}, Events: map[string]types.Event{"ev": event("t")}},
				}}})
				return err
			}},
			{"RemoveAttributes", func() error {
				_, err := other.RemoveAttributes(ctx, &pinpoint.RemoveAttributesInput{ApplicationId: aws.String(app), AttributeType: aws.String("endpoint-custom-attributes"),
					UpdateAttributesRequest: &types.UpdateAttributesRequest{Blacklist: []string{"a"}}})
				return err
			}},
			{"TagResource", func() error {
				_, err := other.TagResource(ctx, &pinpoint.TagResourceInput{ResourceArn: aws.String(arn), TagsModel: &types.TagsModel{Tags: map[string]string{"x": "y"}}})
				return err
			}},
			{"TagResource with own account in the ARN", func() error {
				_, err := other.TagResource(ctx, &pinpoint.TagResourceInput{ResourceArn: aws.String(strings.Replace(arn, testAccount, otherAccount, 1)), TagsModel: &types.TagsModel{Tags: map[string]string{"x": "y"}}})
				return err
			}},
			{"ListTagsForResource", func() error {
				_, err := other.ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
				return err
			}},
			{"UntagResource", func() error {
				_, err := other.UntagResource(ctx, &pinpoint.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"x"}})
				return err
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantCode(t, c.call(), "NotFoundException")
			})
		}

		out, err := other.GetApps(ctx, &pinpoint.GetAppsInput{})
		if err != nil {
			t.Fatalf("GetApps as the other account: %v", err)
		}
		if n := len(out.ApplicationsResponse.Item); n != 0 {
			t.Errorf("other account's GetApps: got %s, want no apps", jsonOf(out.ApplicationsResponse.Item))
		}
		// Its own app is its own: listed for it, with its account in the ARN, and not for the first account.
		own, err := other.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("theirs")}})
		if err != nil {
			t.Fatalf("CreateApp as the other account: %v", err)
		}
		if got := aws.ToString(own.ApplicationResponse.Arn); !strings.Contains(got, ":"+otherAccount+":apps/") {
			t.Errorf("other account's app Arn: got %q, want account %s in it", got, otherAccount)
		}
		out, err = other.GetApps(ctx, &pinpoint.GetAppsInput{})
		if err != nil {
			t.Fatalf("GetApps as the other account: %v", err)
		}
		if n := len(out.ApplicationsResponse.Item); n != 1 || aws.ToString(out.ApplicationsResponse.Item[0].Id) != aws.ToString(own.ApplicationResponse.Id) {
			t.Errorf("other account's GetApps: got %s, want only its own app", jsonOf(out.ApplicationsResponse.Item))
		}
		mine, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{})
		if err != nil {
			t.Fatalf("GetApps: %v", err)
		}
		if n := len(mine.ApplicationsResponse.Item); n != 1 || aws.ToString(mine.ApplicationsResponse.Item[0].Id) != app {
			t.Errorf("first account's GetApps: got %s, want only %s", jsonOf(mine.ApplicationsResponse.Item), app)
		}
		_, err = h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: own.ApplicationResponse.Id})
		wantAPIError[*types.NotFoundException](t, err)

		// Nothing the other account tried changed anything.
		sameEndpoint(t, "endpoint after the other account's attempts", h.get(app, "e1"), before)
		h.wantNoEndpoint(app, "planted")
		if got := h.listTags(arn); len(got) != 0 {
			t.Errorf("tags after the other account's attempts: got %v, want none", got)
		}
		h.update(app, "e2", &types.EndpointRequest{Attributes: map[string][]string{"a": {"1"}}})
		if got := h.get(app, "e2").Attributes["a"]; !sameStrings(got, []string{"1"}) {
			t.Errorf("attribute a after the other account's RemoveAttributes: got %v, want %v", got, []string{"1"})
		}
	})
}

// TestAccessDenied: a key limited to some actions may call them and is refused the others.
func TestAccessDenied(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		limited := h.putKey("AKIAPINPOINTDLIMITED", "limited-secret-0000000000000000000000000", testAccount,
			[]string{"mobiletargeting:UpdateEndpoint", "mobiletargeting:PutEvents"})
		if _, err := limited.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1"),
			EndpointRequest: &types.EndpointRequest{Address: aws.String("tok")}}); err != nil {
			t.Fatalf("UpdateEndpoint with an allowed key: %v", err)
		}
		if _, err := limited.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(app), EventsRequest: &types.EventsRequest{BatchItem: map[string]types.EventsBatch{
			"e1": {Endpoint: &types.PublicEndpoint{Attributes: map[string][]string{"a": {"b"}}}, Events: map[string]types.Event{"ev": event("t")}},
		}}}); err != nil {
			t.Fatalf("PutEvents with an allowed key: %v", err)
		}
		_, err := limited.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1")})
		msg := wantCode(t, err, "AccessDeniedException")
		wantMessage(t, msg, "is not authorized to perform: mobiletargeting:GetEndpoint on resource: arn:aws:mobiletargeting:", app)
		if got := errStatus(t, err); got != http.StatusForbidden {
			t.Errorf("status: got %v, want %v", got, http.StatusForbidden)
		}
		for name, call := range map[string]func() error{
			"GetApps": func() error { _, err := limited.GetApps(ctx, &pinpoint.GetAppsInput{}); return err },
			"DeleteEndpoint": func() error {
				_, err := limited.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1")})
				return err
			},
			"UpdateEndpointsBatch": func() error {
				_, err := limited.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: aws.String(app),
					EndpointBatchRequest: &types.EndpointBatchRequest{Item: []types.EndpointBatchItem{{Id: aws.String("e2")}}}})
				return err
			},
		} {
			t.Run(name, func(t *testing.T) {
				msg := wantCode(t, call(), "AccessDeniedException")
				wantMessage(t, msg, "mobiletargeting:"+name)
			})
		}
		// The refused DeleteEndpoint deleted nothing; the allowed calls did write.
		e := h.get(app, "e1")
		if got := aws.ToString(e.Address); got != "tok" {
			t.Errorf("Address: got %q, want %q", got, "tok")
		}
		if got := e.Attributes["a"]; !sameStrings(got, []string{"b"}) {
			t.Errorf("Attributes[a] from PutEvents: got %v, want %v", got, []string{"b"})
		}
		h.wantNoEndpoint(app, "e2")
	})
}

func TestAuthFailures(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		getApps := func(c *pinpoint.Client) error {
			_, err := c.GetApps(ctx, &pinpoint.GetAppsInput{})
			return err
		}

		t.Run("unknown key", func(t *testing.T) {
			err := getApps(h.clientFor("AKIAPINPOINTDUNKNOWN", "whatever-secret-000000000000000000000000"))
			wantCode(t, err, "UnrecognizedClientException")
			if got := errStatus(t, err); got != http.StatusForbidden {
				t.Errorf("status: got %v, want %v", got, http.StatusForbidden)
			}
		})
		t.Run("wrong secret", func(t *testing.T) {
			err := getApps(h.clientFor(testKeyID, testSecret+"x"))
			wantCode(t, err, "InvalidSignatureException")
			if got := errStatus(t, err); got != http.StatusForbidden {
				t.Errorf("status: got %v, want %v", got, http.StatusForbidden)
			}
		})
		t.Run("revoked key", func(t *testing.T) {
			// Revoked before its first use, so no cached copy can stand in for the store.
			c := h.putKey("AKIAPINPOINTDREVOKED", "revoked-secret-00000000000000000000000000", testAccount, nil)
			if err := h.inst.Store.RevokeKey(ctx, "AKIAPINPOINTDREVOKED"); err != nil {
				t.Fatalf("RevokeKey: %v", err)
			}
			wantCode(t, getApps(c), "UnrecognizedClientException")
			_, err := c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1"), EndpointRequest: &types.EndpointRequest{}})
			wantCode(t, err, "UnrecognizedClientException")
			h.wantNoEndpoint(app, "e1")
		})
		t.Run("no Authorization header", func(t *testing.T) {
			for _, c := range []struct{ method, path, body string }{
				{"GET", "/v1/apps", ""},
				{"PUT", "/v1/apps/" + app + "/endpoints/e1", `{"Address":"t"}`},
			} {
				req, err := http.NewRequest(c.method, h.inst.URL()+c.path, strings.NewReader(c.body))
				if err != nil {
					t.Fatal(err)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var eb errorBody
				if err := json.Unmarshal(b, &eb); err != nil {
					t.Fatalf("body %q: %v", b, err)
				}
				wantWireError(t, resp, eb, http.StatusForbidden, "MissingAuthenticationTokenException")
			}
			h.wantNoEndpoint(app, "e1")
		})
		t.Run("signed for another service", func(t *testing.T) {
			resp, eb := h.rawSigned(&sigv4.Signer{AccessKeyID: testKeyID, Secret: testSecret, Region: testRegion, Service: "pinpoint"}, "GET", "/v1/apps", nil)
			if resp.StatusCode != http.StatusForbidden || !strings.HasSuffix(resp.Header.Get("x-amzn-ErrorType"), "SignatureException") {
				t.Errorf("got %v %q (%s), want 403 with a signature error code", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), aws.ToString(eb.Message))
			}
		})
		t.Run("clock skew", func(t *testing.T) {
			s := &sigv4.Signer{AccessKeyID: testKeyID, Secret: testSecret, Region: testRegion, Service: "mobiletargeting",
				Now: func() time.Time { return time.Now().Add(-time.Hour) }}
			resp, eb := h.rawSigned(s, "GET", "/v1/apps", nil)
			wantWireError(t, resp, eb, http.StatusForbidden, "InvalidSignatureException")
		})
		t.Run("tampered body", func(t *testing.T) {
			s := &sigv4.Signer{AccessKeyID: testKeyID, Secret: testSecret, Region: testRegion, Service: "mobiletargeting"}
			req, err := http.NewRequest("PUT", h.inst.URL()+"/v1/apps/"+app+"/endpoints/e1", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if err := s.Sign(req, []byte(`{"Address":"signed"}`)); err != nil {
				t.Fatal(err)
			}
			body := []byte(`{"Address":"swapped"}`)
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.ContentLength = int64(len(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var eb errorBody
			json.Unmarshal(b, &eb)
			wantWireError(t, resp, eb, http.StatusForbidden, "InvalidSignatureException")
			h.wantNoEndpoint(app, "e1")
		})
	})
}

// rawSigned sends a request signed by s and decodes its error body.
func (h *harness) rawSigned(s *sigv4.Signer, method, path string, body []byte) (*http.Response, errorBody) {
	h.t.Helper()
	resp, b := h.send(s, method, path, body)
	return resp, h.errorBodyOf(resp, b)
}

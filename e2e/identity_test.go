package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"pinpointd/internal/cli"
	"pinpointd/internal/sigv4"
	"pinpointd/internal/store"
)

// clock is a settable server clock: tests move it instead of waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// tempCreds is what GetCredentialsForIdentity answers.
type tempCreds struct {
	IdentityID  string `json:"IdentityId"`
	Credentials struct {
		AccessKeyID  string  `json:"AccessKeyId"`
		SecretKey    string  `json:"SecretKey"`
		SessionToken string  `json:"SessionToken"`
		Expiration   float64 `json:"Expiration"`
	} `json:"Credentials"`
}

// cognito makes an unsigned Cognito Identity call and returns the status, the x-amzn-ErrorType and
// the decoded body.
func (h *harness) cognito(op, body string) (int, string, map[string]any) {
	h.t.Helper()
	req, err := http.NewRequest("POST", h.inst.URL()+"/", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityService."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		h.t.Fatalf("%s: body %q is not JSON: %v", op, b, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		h.t.Errorf("%s: Content-Type %q, want application/x-amz-json-1.1", op, ct)
	}
	if resp.StatusCode >= 300 && out["__type"] != resp.Header.Get("x-amzn-ErrorType") {
		h.t.Errorf("%s: __type %v and x-amzn-ErrorType %q differ", op, out["__type"], resp.Header.Get("x-amzn-ErrorType"))
	}
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), out
}

// newPool creates an identity pool of app with the default allow-list.
func (h *harness) newPool(app, id string, ttl time.Duration) {
	h.t.Helper()
	err := h.inst.Store.CreatePool(ctx, store.IdentityPool{ID: id, Account: testAccount, AppID: app,
		Allow: []string{"mobiletargeting:UpdateEndpoint", "mobiletargeting:PutEvents"}, TTL: ttl, Created: time.Now()})
	if err != nil {
		h.t.Fatalf("CreatePool: %v", err)
	}
}

// guest gets an identity of pool and credentials for it, as Amplify's credential provider does.
func (h *harness) guest(pool string) tempCreds {
	h.t.Helper()
	status, code, out := h.cognito("GetId", `{"IdentityPoolId":"`+pool+`"}`)
	if status != 200 {
		h.t.Fatalf("GetId: %d %s %v", status, code, out)
	}
	id, _ := out["IdentityId"].(string)
	if !strings.HasPrefix(id, "us-east-1:") {
		h.t.Fatalf("GetId: IdentityId %q, want us-east-1:uuid", id)
	}
	status, code, out = h.cognito("GetCredentialsForIdentity", `{"IdentityId":"`+id+`"}`)
	if status != 200 {
		h.t.Fatalf("GetCredentialsForIdentity: %d %s %v", status, code, out)
	}
	b, _ := json.Marshal(out)
	var c tempCreds
	json.Unmarshal(b, &c)
	if c.IdentityID != id || !strings.HasPrefix(c.Credentials.AccessKeyID, "ASIA") || c.Credentials.SecretKey == "" || c.Credentials.SessionToken == "" {
		h.t.Fatalf("GetCredentialsForIdentity: got %s", b)
	}
	return c
}

// sessionClient returns an SDK client signing with a session credential.
func (h *harness) sessionClient(keyID, secret, token string) *pinpoint.Client {
	c := h.clientFor(keyID, secret)
	return pinpoint.New(c.Options(), func(o *pinpoint.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(keyID, secret, token)
	})
}

// sendToken sends a request signed by s carrying token as X-Amz-Security-Token (signed, as SDKs do).
func (h *harness) sendToken(s *sigv4.Signer, token, method, path string, body []byte) (*http.Response, errorBody) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.inst.URL()+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if err := s.Sign(req, body); err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("X-Amz-Security-Token", token) // sent unsigned: the token is bound to the key anyway
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, h.errorBodyOf(resp, b)
}

const (
	poolA = "us-east-1:0a000000-0000-4000-8000-00000000000a"
	poolB = "us-east-1:0b000000-0000-4000-8000-00000000000b"
)

func TestIdentityPoolCredentials(t *testing.T) {
	clk := &clock{t: time.Now()}
	runWith(t, func(o *cli.Options) { o.Now = clk.now }, func(t *testing.T, h *harness) {
		clk.mu.Lock()
		clk.t = time.Now() // each backend's run starts at the real time: the SDK signs with it
		clk.mu.Unlock()
		appA, appB := h.createApp("a"), h.createApp("b")
		h.newPool(appA, poolA, time.Hour)
		h.newPool(appB, poolB, time.Hour)
		g := h.guest(poolA)
		if exp := time.Unix(int64(g.Credentials.Expiration), 0); !exp.Equal(clk.now().Add(time.Hour).Truncate(time.Second)) {
			t.Errorf("Expiration: got %v, want the server's now + 1h", exp)
		}
		c := h.sessionClient(g.Credentials.AccessKeyID, g.Credentials.SecretKey, g.Credentials.SessionToken)

		t.Run("allowed on its app", func(t *testing.T) {
			_, err := c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(appA), EndpointId: aws.String("e1"),
				EndpointRequest: &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u1")}}})
			if err != nil {
				t.Fatalf("UpdateEndpoint: %v", err)
			}
			_, err = c.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(appA), EventsRequest: &types.EventsRequest{
				BatchItem: map[string]types.EventsBatch{"e1": {Endpoint: &types.PublicEndpoint{}, Events: map[string]types.Event{"ev1": event("click")}}}}})
			if err != nil {
				t.Fatalf("PutEvents: %v", err)
			}
			if got := h.get(appA, "e1"); aws.ToString(got.User.UserId) != "u1" {
				t.Errorf("endpoint user: got %q, want u1", aws.ToString(got.User.UserId))
			}
		})
		t.Run("other actions denied", func(t *testing.T) {
			_, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(appA), EndpointId: aws.String("e1")})
			wantMessage(t, wantCode(t, err, "AccessDeniedException"), "mobiletargeting:GetEndpoint", "assumed-role/"+poolA)
			_, err = c.GetApps(ctx, &pinpoint.GetAppsInput{})
			wantCode(t, err, "AccessDeniedException")
			_, err = c.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: aws.String(appA)})
			wantCode(t, err, "AccessDeniedException")
		})
		t.Run("other apps denied", func(t *testing.T) {
			for _, app := range []string{appB, "0123456789abcdef0123456789abcdef"} {
				_, err := c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1"),
					EndpointRequest: &types.EndpointRequest{}})
				wantMessage(t, wantCode(t, err, "AccessDeniedException"), "apps/"+app)
			}
			h.wantNoEndpoint(appB, "e1")
		})
		t.Run("tokens", func(t *testing.T) {
			other := h.guest(poolA)
			cases := []struct {
				name, key, secret, token string
			}{
				{"long-term key with a token", testKeyID, testSecret, g.Credentials.SessionToken},
				{"temporary key without its token", g.Credentials.AccessKeyID, g.Credentials.SecretKey, ""},
				{"temporary key with another credential's token", g.Credentials.AccessKeyID, g.Credentials.SecretKey, other.Credentials.SessionToken},
				{"temporary key with a forged token", g.Credentials.AccessKeyID, g.Credentials.SecretKey, g.Credentials.SessionToken + "x"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, err := h.sessionClient(tc.key, tc.secret, tc.token).PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(appA),
						EventsRequest: &types.EventsRequest{BatchItem: map[string]types.EventsBatch{}}})
					wantMessage(t, wantCode(t, err, "UnrecognizedClientException"), "security token included in the request is invalid")
					if got := errStatus(t, err); got != http.StatusForbidden {
						t.Errorf("status: got %d, want 403", got)
					}
				})
			}
		})
		t.Run("expired", func(t *testing.T) {
			s := &sigv4.Signer{AccessKeyID: g.Credentials.AccessKeyID, Secret: g.Credentials.SecretKey, Region: testRegion, Service: "mobiletargeting", Now: clk.now}
			body := []byte(`{"BatchItem":{}}`)
			if resp, _ := h.sendToken(s, g.Credentials.SessionToken, "POST", "/v1/apps/"+appA+"/events", body); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("before expiry: status %d, want 202", resp.StatusCode)
			}
			clk.advance(time.Hour)
			resp, eb := h.sendToken(s, g.Credentials.SessionToken, "POST", "/v1/apps/"+appA+"/events", body)
			wantWireError(t, resp, eb, http.StatusForbidden, "ExpiredTokenException")
			// A new credential for the same identity works again.
			status, code, _ := h.cognito("GetCredentialsForIdentity", `{"IdentityId":"`+g.IdentityID+`"}`)
			if status != 200 {
				t.Fatalf("GetCredentialsForIdentity after expiry: %d %s", status, code)
			}
		})
		t.Run("revoked with the pool", func(t *testing.T) {
			fresh := h.guest(poolA)
			s := &sigv4.Signer{AccessKeyID: fresh.Credentials.AccessKeyID, Secret: fresh.Credentials.SecretKey, Region: testRegion, Service: "mobiletargeting", Now: clk.now}
			body := []byte(`{"BatchItem":{}}`)
			if resp, _ := h.sendToken(s, fresh.Credentials.SessionToken, "POST", "/v1/apps/"+appA+"/events", body); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("before delete: status %d, want 202", resp.StatusCode)
			}
			if err := h.inst.Store.DeletePool(ctx, poolA); err != nil {
				t.Fatal(err)
			}
			clk.advance(6 * time.Second) // past the key cache's 5 s
			resp, eb := h.sendToken(s, fresh.Credentials.SessionToken, "POST", "/v1/apps/"+appA+"/events", body)
			wantWireError(t, resp, eb, http.StatusForbidden, "UnrecognizedClientException")
			status, code, _ := h.cognito("GetId", `{"IdentityPoolId":"`+poolA+`"}`)
			if status != 400 || code != "ResourceNotFoundException" {
				t.Errorf("GetId(deleted pool): got %d %s, want 400 ResourceNotFoundException", status, code)
			}
		})
	})
}

func TestCognitoErrors(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.newPool(app, poolA, time.Hour)
		cases := []struct {
			name, op, body string
			code           string
		}{
			{"unknown pool", "GetId", `{"IdentityPoolId":"us-east-1:00000000-0000-4000-8000-000000000000"}`, "ResourceNotFoundException"},
			{"pool of another account", "GetId", `{"AccountId":"123456789012","IdentityPoolId":"` + poolA + `"}`, "ResourceNotFoundException"},
			{"malformed pool ID", "GetId", `{"IdentityPoolId":"not a pool"}`, "InvalidParameterException"},
			{"missing pool ID", "GetId", `{}`, "InvalidParameterException"},
			{"malformed JSON", "GetId", `{"IdentityPoolId":`, "InvalidParameterException"},
			{"logins", "GetId", `{"IdentityPoolId":"` + poolA + `","Logins":{"accounts.google.com":"x"}}`, "NotAuthorizedException"},
			{"unknown identity", "GetCredentialsForIdentity", `{"IdentityId":"us-east-1:00000000-0000-4000-8000-000000000000"}`, "ResourceNotFoundException"},
			{"unknown operation", "ListIdentityPools", `{}`, "UnknownOperationException"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, code, out := h.cognito(c.op, c.body)
				if status != 400 || code != c.code {
					t.Errorf("got %d %s, want 400 %s", status, code, c.code)
				}
				if msg, _ := out["message"].(string); msg == "" {
					t.Errorf("message: got none in %v", out)
				}
			})
		}
		t.Run("CORS preflight", func(t *testing.T) {
			req, _ := http.NewRequest("OPTIONS", h.inst.URL()+"/", nil)
			req.Header.Set("Origin", "http://localhost:3000")
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
				!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "x-amz-target") {
				t.Errorf("preflight: got %d %v", resp.StatusCode, resp.Header)
			}
		})
	})
}

// TestSigningHosts: with --signing-hosts, a request signed for pinpoint.{region}.amazonaws.com
// and delivered to pinpointd is accepted; a host not listed is refused, and so is any host
// without the option.
func TestSigningHosts(t *testing.T) {
	body := []byte(`{"BatchItem":{}}`)
	// signedFor signs a request for host and sends it to the server, as a fetch wrapper does.
	signedFor := func(h *harness, app, host string) (*http.Response, errorBody) {
		c, err := http.NewRequest("POST", "https://"+host+"/v1/apps/"+app+"/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Header.Set("Content-Type", "application/json")
		s := &sigv4.Signer{AccessKeyID: testKeyID, Secret: testSecret, Region: testRegion, Service: "mobiletargeting"}
		if err := s.Sign(c, body); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", h.inst.URL()+"/v1/apps/"+app+"/events", bytes.NewReader(body))
		req.Header = c.Header
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, h.errorBodyOf(resp, b)
	}
	t.Run("listed", func(t *testing.T) {
		runWith(t, func(o *cli.Options) { o.SigningHosts = []string{"pinpoint.{region}.amazonaws.com"} }, func(t *testing.T, h *harness) {
			app := h.createApp("a")
			if resp, _ := signedFor(h, app, "pinpoint.us-east-1.amazonaws.com"); resp.StatusCode != http.StatusAccepted {
				t.Errorf("signed for pinpoint.us-east-1.amazonaws.com: status %d, want 202", resp.StatusCode)
			}
			resp, eb := signedFor(h, app, "pinpoint.us-east-1.amazonaws.com.evil.example")
			wantWireError(t, resp, eb, http.StatusForbidden, "InvalidSignatureException")
			// The SDK, signing the host it reaches, still works.
			if _, err := h.putEvents(app, map[string]types.EventsBatch{}); err != nil {
				t.Errorf("PutEvents to the server's own host: %v", err)
			}
		})
	})
	t.Run("not set", func(t *testing.T) {
		run(t, func(t *testing.T, h *harness) {
			app := h.createApp("a")
			resp, eb := signedFor(h, app, "pinpoint.us-east-1.amazonaws.com")
			wantWireError(t, resp, eb, http.StatusForbidden, "InvalidSignatureException")
		})
	})
}

// TestPutEventsEmptyEndpoint: "Endpoint": {} (what Amplify sends) records the events and leaves an
// existing endpoint as it is: no reactivation, no address taken back, EffectiveDate and RequestId
// kept; it creates a missing endpoint.
func TestPutEventsEmptyEndpoint(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("tok-1"), ChannelType: types.ChannelTypeGcm,
			EffectiveDate: aws.String("2026-01-01T00:00:00.000Z"), RequestId: aws.String("req-e1")})
		h.update(app, "e2", &types.EndpointRequest{Address: aws.String("tok-1"), ChannelType: types.ChannelTypeGcm})
		before := h.get(app, "e1")
		if aws.ToString(before.EndpointStatus) != "INACTIVE" {
			t.Fatalf("e1 status: got %s, want INACTIVE (e2 took its address)", aws.ToString(before.EndpointStatus))
		}
		out, err := h.putEvents(app, map[string]types.EventsBatch{
			"e1": {Endpoint: &types.PublicEndpoint{}, Events: map[string]types.Event{"ev1": event("click")}},
			"e3": {Endpoint: &types.PublicEndpoint{}, Events: map[string]types.Event{"ev2": event("click")}},
		})
		if err != nil {
			t.Fatalf("PutEvents: %v", err)
		}
		for id, r := range out.EventsResponse.Results {
			wantItem(t, id+" endpoint", r.EndpointItemResponse.StatusCode, r.EndpointItemResponse.Message, http.StatusAccepted)
		}
		sameEndpoint(t, "e1 after PutEvents with an empty Endpoint", h.get(app, "e1"), before)
		if got := h.get(app, "e2"); aws.ToString(got.EndpointStatus) != "ACTIVE" {
			t.Errorf("e2 status: got %s, want ACTIVE", aws.ToString(got.EndpointStatus))
		}
		if got := h.get(app, "e3"); aws.ToString(got.EndpointStatus) != "ACTIVE" {
			t.Errorf("e3 (created by PutEvents) status: got %s, want ACTIVE", aws.ToString(got.EndpointStatus))
		}
		evs, err := h.inst.Store.ListEvents(ctx, testAccount, app, "e1")
		if err != nil || len(evs) != 1 || evs[0].ID != "ev1" {
			t.Errorf("events of e1: got %v %v, want ev1", evs, err)
		}
	})
}

package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"pinpointd/internal/api"
)

// modelPath returns op's request URI with every label replaced by a value of its kind.
func modelPath(op api.Operation, app, arn string) string {
	values := map[string]string{
		"application-id": app,
		"resource-arn":   url.PathEscape(arn),
		"attribute-type": "endpoint-custom-attributes",
		"template-type":  "EMAIL",
		"version":        "1",
	}
	segs := strings.Split(op.URI, "/")
	for i, s := range segs {
		if label, ok := strings.CutPrefix(s, "{"); ok {
			label = strings.TrimSuffix(label, "}")
			v, ok := values[label]
			if !ok {
				v = "x-" + label
			}
			segs[i] = v
		}
	}
	return strings.Join(segs, "/")
}

// TestUnimplementedOperations walks every route of the Pinpoint API model with a signed request:
// an operation the route table serves answers anything but 501; every other operation answers
// 501 NotImplementedException naming the operation, never a NotFoundException a client would take
// for a missing resource. Which operations are served comes from the server's route table, so
// this test follows it as operations are added.
func TestUnimplementedOperations(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		ops := api.ModelOperations()
		if len(ops) < 119 {
			t.Fatalf("the model holds %d operations; botocore's has at least 119", len(ops))
		}
		served := 0
		for _, op := range ops {
			app := h.createApp("walk") // a fresh one: DeleteApp and others change what they touch
			path := modelPath(op, app, h.appArn(app))
			var body []byte
			if op.Method == "PUT" || op.Method == "POST" {
				body = []byte(`{}`)
			}
			resp, b := h.raw(op.Method, path, body)
			eb := h.errorBodyOf(resp, b)
			if h.inst.API.Implements(op.Name) {
				served++
				if resp.StatusCode == http.StatusNotImplemented || resp.Header.Get("x-amzn-ErrorType") == "NotImplementedException" {
					t.Errorf("%s %s (%s, served): got %d %s %q, want anything but 501",
						op.Method, path, op.Name, resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), aws.ToString(eb.Message))
				}
				continue
			}
			wantWireError(t, resp, eb, http.StatusNotImplemented, "NotImplementedException")
			if got, want := aws.ToString(eb.Message), "pinpointd does not implement "+op.Name; got != want {
				t.Errorf("%s %s: Message: got %q, want %q", op.Method, path, got, want)
			}
		}
		// The README's list of served operations.
		if served < 15 {
			t.Errorf("served operations of the model: got %d, want at least 15", served)
		}
	})
}

// TestUnimplementedOperationThroughTheSDK: the SDK sees an unimplemented operation as an API
// error with code NotImplementedException, status 501 and a message naming the operation.
// Authentication and the key's allow-list still come first.
func TestUnimplementedOperationThroughTheSDK(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		calls := map[string]func(c *pinpoint.Client) error{
			"GetEmailChannel": func(c *pinpoint.Client) error {
				_, err := c.GetEmailChannel(ctx, &pinpoint.GetEmailChannelInput{ApplicationId: aws.String(app)})
				return err
			},
			"SendMessages": func(c *pinpoint.Client) error {
				_, err := c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: aws.String(app), MessageRequest: &types.MessageRequest{MessageConfiguration: &types.DirectMessageConfiguration{}}})
				return err
			},
			"DeleteEventStream": func(c *pinpoint.Client) error {
				_, err := c.DeleteEventStream(ctx, &pinpoint.DeleteEventStreamInput{ApplicationId: aws.String(app)})
				return err
			},
			"GetCampaign": func(c *pinpoint.Client) error {
				_, err := c.GetCampaign(ctx, &pinpoint.GetCampaignInput{ApplicationId: aws.String(app), CampaignId: aws.String("0123456789abcdef0123456789abcdef")})
				return err
			},
		}
		for name, call := range calls {
			t.Run(name, func(t *testing.T) {
				if h.inst.API.Implements(name) {
					t.Fatalf("%s is served now: pick an operation pinpointd does not implement", name)
				}
				err := call(h.client)
				msg := wantCode(t, err, "NotImplementedException")
				if want := "pinpointd does not implement " + name; msg != want {
					t.Errorf("message: got %q, want %q", msg, want)
				}
				if got := errStatus(t, err); got != http.StatusNotImplemented {
					t.Errorf("status: got %v, want %v", got, http.StatusNotImplemented)
				}

				// A key that may not call the operation is refused as for any other.
				limited := h.putKey("AKIALIMITED"+strings.ToUpper(name[:4]), "limited-secret", testAccount, []string{"mobiletargeting:GetEndpoint"})
				wantCode(t, call(limited), "AccessDeniedException")
				// A request signed by an unknown key is refused (403) before the handler's 501.
				stranger := h.clientFor("AKIAUNKNOWNKEY000001", "nope")
				if got := errStatus(t, call(stranger)); got != http.StatusForbidden {
					t.Errorf("unknown key: status %v, want %v", got, http.StatusForbidden)
				}
			})
		}

		// Unsigned, the 501 is never reached.
		resp, err := http.Get(h.inst.URL() + "/v1/apps/" + app + "/channels/email")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("unsigned GetEmailChannel: got %d %s, want 403", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
		}

		// A method the model has no operation for is still 405, and a path it has none for 404.
		resp, eb := h.rawJSON("PATCH", "/v1/apps/"+app+"/channels/email", "")
		wantWireError(t, resp, eb, http.StatusMethodNotAllowed, "MethodNotAllowedException")
		resp, eb = h.rawJSON("GET", "/v1/apps/"+app+"/nothing", "")
		wantWireError(t, resp, eb, http.StatusNotFound, "NotFoundException")
	})
}

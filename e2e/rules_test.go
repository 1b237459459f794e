package e2e

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// TestRefusalNamesTheSameKey: a request with several bad map keys is refused with a message
// naming the first of them in sorted order, every time — for tags of CreateApp and TagResource
// and for the attributes of an event.
func TestRefusalNamesTheSameKey(t *testing.T) {
	long := func(n int) string { return strings.Repeat("v", n) }
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		arn := h.appArn(app)
		tags := map[string]string{}
		attrs := map[string]string{}
		for _, k := range []string{"m", "z", "c", "q", "x", "f", "t", "k"} {
			tags[k] = long(257)
			attrs[k] = long(201)
		}
		for range 8 {
			_, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("x"), Tags: tags}})
			wantBadRequest(t, err, `key "c"`)
			// TagResource models no errors, so the SDK's error is a generic one.
			wantMessage(t, wantCode(t, h.tag(arn, tags), "BadRequestException"), `key "c"`)

			ev := event("purchase")
			ev.Attributes = attrs
			out, err := h.putEvents(app, map[string]types.EventsBatch{"ep": {Endpoint: &types.PublicEndpoint{}, Events: map[string]types.Event{"ev": ev}}})
			if err != nil {
				t.Fatalf("PutEvents: %v", err)
			}
			r := out.EventsResponse.Results["ep"].EventsItemResponse["ev"]
			wantItem(t, "event", r.StatusCode, r.Message, 400, `attribute "c"`, "200")
		}
	})
}

// TestRemoveAttributesNameLimit: an excluded name is an attribute name of at most 50 characters,
// optionally followed by a '*'; a name of 51 characters is refused and nothing is excluded.
func TestRemoveAttributesNameLimit(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		n50 := strings.Repeat("n", 50)
		_, err := h.removeAttributes(app, "endpoint-custom-attributes", "ok", n50+"x")
		wantBadRequest(t, err, "Blacklist[1]", "50")
		out, err := h.removeAttributes(app, "endpoint-custom-attributes", n50, n50+"*")
		if err != nil {
			t.Fatalf("RemoveAttributes at the limit: %v", err)
		}
		if got, want := out.AttributesResource.Attributes, []string{n50, n50 + "*"}; !sameStrings(got, want) {
			t.Errorf("excluded: got %v, want %v (the refused call excluded nothing)", got, want)
		}
	})
}

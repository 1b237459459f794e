package e2e

import (
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

func (h *harness) removeAttributes(app, typ string, names ...string) (*pinpoint.RemoveAttributesOutput, error) {
	return h.client.RemoveAttributes(ctx, &pinpoint.RemoveAttributesInput{
		ApplicationId: aws.String(app), AttributeType: aws.String(typ), UpdateAttributesRequest: &types.UpdateAttributesRequest{Blacklist: names},
	})
}

func TestRemoveAttributes(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{Attributes: map[string][]string{"secret": {"old"}, "tmpA": {"old"}, "plain": {"p"}}})

		out, err := h.removeAttributes(app, "endpoint-custom-attributes", "secret", "tmp*")
		if err != nil {
			t.Fatalf("RemoveAttributes: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusOK {
			t.Errorf("status: got %v, want %v", got, http.StatusOK)
		}
		r := out.AttributesResource
		if got := aws.ToString(r.ApplicationId); got != app {
			t.Errorf("ApplicationId: got %q, want %q", got, app)
		}
		if got := aws.ToString(r.AttributeType); got != "endpoint-custom-attributes" {
			t.Errorf("AttributeType: got %q, want %q", got, "endpoint-custom-attributes")
		}
		names := slices.Clone(r.Attributes)
		slices.Sort(names)
		if want := []string{"secret", "tmp*"}; !reflect.DeepEqual(names, want) {
			t.Errorf("Attributes: got %v, want %v", r.Attributes, want)
		}

		// Existing values stay; new values of excluded attributes are dropped, others are stored.
		h.update(app, "e1", &types.EndpointRequest{Attributes: map[string][]string{"secret": {"new"}, "tmpX": {"x"}, "tmpA": {"new"}, "keep": {"k"}}})
		if want := map[string][]string{"secret": {"old"}, "tmpA": {"old"}, "plain": {"p"}, "keep": {"k"}}; !reflect.DeepEqual(h.get(app, "e1").Attributes, want) {
			t.Errorf("e1 Attributes: got %v, want %v", h.get(app, "e1").Attributes, want)
		}
		h.update(app, "e2", &types.EndpointRequest{Attributes: map[string][]string{"secret": {"s"}, "tmpX": {"x"}, "keep": {"k"}}})
		if want := map[string][]string{"keep": {"k"}}; !reflect.DeepEqual(h.get(app, "e2").Attributes, want) {
			t.Errorf("e2 Attributes: got %v, want %v", h.get(app, "e2").Attributes, want)
		}
		// The same goes for attributes arriving with events, and through batches.
		if _, err := h.putEvents(app, map[string]types.EventsBatch{"e3": {
			Endpoint: &types.PublicEndpoint{Attributes: map[string][]string{"secret": {"s"}, "keep": {"k"}}},
			Events:   map[string]types.Event{"ev": event("t")},
		}}); err != nil {
			t.Fatalf("PutEvents: %v", err)
		}
		if want := map[string][]string{"keep": {"k"}}; !reflect.DeepEqual(h.get(app, "e3").Attributes, want) {
			t.Errorf("e3 Attributes: got %v, want %v", h.get(app, "e3").Attributes, want)
		}
		if err := h.batch(app, []types.EndpointBatchItem{{Id: aws.String("e4"), Attributes: map[string][]string{"tmp": {"t"}, "keep": {"k"}}}}); err != nil {
			t.Fatalf("UpdateEndpointsBatch: %v", err)
		}
		if want := map[string][]string{"keep": {"k"}}; !reflect.DeepEqual(h.get(app, "e4").Attributes, want) {
			t.Errorf("e4 Attributes: got %v, want %v", h.get(app, "e4").Attributes, want)
		}

		// A second call adds to the list; other attribute types are separate lists.
		out, err = h.removeAttributes(app, "endpoint-custom-attributes", "more", "secret")
		if err != nil {
			t.Fatalf("RemoveAttributes: %v", err)
		}
		names = slices.Clone(out.AttributesResource.Attributes)
		slices.Sort(names)
		if want := []string{"more", "secret", "tmp*"}; !reflect.DeepEqual(names, want) {
			t.Errorf("Attributes after a second call: got %v, want %v", out.AttributesResource.Attributes, want)
		}
		out, err = h.removeAttributes(app, "endpoint-metric-attributes", "m*")
		if err != nil {
			t.Fatalf("RemoveAttributes metrics: %v", err)
		}
		if got := out.AttributesResource.Attributes; !reflect.DeepEqual(got, []string{"m*"}) {
			t.Errorf("metric Attributes: got %v, want %v", got, []string{"m*"})
		}
		out, err = h.removeAttributes(app, "endpoint-user-attributes", "ssn")
		if err != nil {
			t.Fatalf("RemoveAttributes user: %v", err)
		}
		if got := out.AttributesResource.Attributes; !reflect.DeepEqual(got, []string{"ssn"}) {
			t.Errorf("user Attributes: got %v, want %v", got, []string{"ssn"})
		}
		h.update(app, "e5", &types.EndpointRequest{
			Metrics: map[string]float64{"mx": 1, "score": 2},
			User:    &types.EndpointUser{UserId: aws.String("u"), UserAttributes: map[string][]string{"ssn": {"123"}, "name": {"n"}}},
		})
		e := h.get(app, "e5")
		if want := map[string]float64{"score": 2}; !reflect.DeepEqual(e.Metrics, want) {
			t.Errorf("e5 Metrics: got %v, want %v", e.Metrics, want)
		}
		if want := map[string][]string{"name": {"n"}}; !reflect.DeepEqual(e.User.UserAttributes, want) {
			t.Errorf("e5 UserAttributes: got %v, want %v", e.User.UserAttributes, want)
		}
	})
}

func TestRemoveAttributesBadType(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		for _, typ := range []string{"endpoint-foo", "ENDPOINT-CUSTOM-ATTRIBUTES", "custom"} {
			t.Run(typ, func(t *testing.T) {
				_, err := h.removeAttributes(app, typ, "x")
				wantBadRequest(t, err, typ)
			})
		}
		// Nothing was excluded by the refused calls.
		h.update(app, "e1", &types.EndpointRequest{Attributes: map[string][]string{"x": {"1"}}})
		if got := h.get(app, "e1").Attributes["x"]; !sameStrings(got, []string{"1"}) {
			t.Errorf("Attributes[x]: got %v, want %v", got, []string{"1"})
		}
	})
}

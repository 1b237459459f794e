package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// TestBodyTextIsRefused: a string of any request body, key or value, that is not valid UTF-8 (raw
// bytes, or a lone surrogate escape such as \ud800), and a null inside a list, are refused with a
// 400 BadRequestException naming the field, on every operation that takes a body, and nothing is
// written. (encoding/json alone would store U+FFFD for the first two and "" for the null.)
func TestBodyTextIsRefused(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("text")
		arn := h.appArn(app)
		endpointPath := func(id string) string { return "/v1/apps/" + app + "/endpoints/" + id }
		cases := []struct {
			name, method, path, body, want string
		}{
			{"UpdateEndpoint attribute value", "PUT", endpointPath("e1"), "{\"Attributes\":{\"k\":[\"ok\",\"b\xffd\"]}}", `Attributes["k"][1] is not valid UTF-8`},
			{"UpdateEndpoint attribute name", "PUT", endpointPath("e1"), "{\"Attributes\":{\"k\xe4\xb8\":[\"v\"]}}", `Attributes has a key, "k\xe4\xb8", that is not valid UTF-8`},
			{"UpdateEndpoint Address", "PUT", endpointPath("e1"), "{\"Address\":\"tok\xc0\xaf\"}", "Address is not valid UTF-8"},
			{"UpdateEndpoint UserId", "PUT", endpointPath("e1"), "{\"User\":{\"UserId\":\"\xed\xa0\x80\"}}", "User.UserId is not valid UTF-8"},
			{"UpdateEndpoint user attribute name", "PUT", endpointPath("e1"), "{\"User\":{\"UserId\":\"u\",\"UserAttributes\":{\"\xff\":[\"v\"]}}}", `User.UserAttributes has a key, "\xff", that is not valid UTF-8`},
			{"UpdateEndpoint lone surrogate", "PUT", endpointPath("e1"), `{"Location":{"City":"Sp\ud800"}}`, `Location.City is not valid UTF-8: \ud800 is a lone UTF-16 surrogate`},
			{"UpdateEndpoint null attribute value", "PUT", endpointPath("e1"), `{"Attributes":{"a":["x",null]}}`, `Attributes["a"][1] is null`},
			{"UpdateEndpoint null user attribute value", "PUT", endpointPath("e1"), `{"User":{"UserId":"u","UserAttributes":{"a":[null]}}}`, `User.UserAttributes["a"][0] is null`},
			{"UpdateEndpointsBatch", "PUT", "/v1/apps/" + app + "/endpoints", "{\"Item\":[{\"Id\":\"e1\",\"Address\":\"a\"},{\"Id\":\"e2\",\"Demographic\":{\"Model\":\"\xff\"}}]}", "Item[1].Demographic.Model is not valid UTF-8"},
			{"UpdateEndpointsBatch null", "PUT", "/v1/apps/" + app + "/endpoints", `{"Item":[{"Id":"e1","Attributes":{"a":[null]}}]}`, `Item[0].Attributes["a"][0] is null`},
			{"PutEvents event attribute", "POST", "/v1/apps/" + app + "/events", "{\"BatchItem\":{\"e1\":{\"Endpoint\":{},\"Events\":{\"ev\":{\"EventType\":\"t\",\"Timestamp\":\"2026-11-29T18:00:00Z\",\"Attributes\":{\"k\":\"\xfe\"}}}}}}", `BatchItem["e1"].Events["ev"].Attributes["k"] is not valid UTF-8`},
			{"PutEvents endpoint", "POST", "/v1/apps/" + app + "/events", `{"BatchItem":{"e1":{"Endpoint":{"Attributes":{"a":["x",null]}},"Events":{}}}}`, `BatchItem["e1"].Endpoint.Attributes["a"][1] is null`},
			{"CreateApp", "POST", "/v1/apps", "{\"Name\":\"app\xff\"}", "Name is not valid UTF-8"},
			{"TagResource", "POST", "/v1/tags/" + url.PathEscape(arn), `{"tags":{"k\udc00":"v"}}`, `tags has a key, "k\\udc00", that is not valid UTF-8: \udc00 is a lone UTF-16 surrogate`},
			{"RemoveAttributes", "PUT", "/v1/apps/" + app + "/attributes/endpoint-custom-attributes", "{\"Blacklist\":[\"a\",\"\xff\"]}", "Blacklist[1] is not valid UTF-8"},
			{"RemoveAttributes null", "PUT", "/v1/apps/" + app + "/attributes/endpoint-custom-attributes", `{"Blacklist":["a",null]}`, "Blacklist[1] is null"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				resp, eb := h.rawJSON(c.method, c.path, c.body)
				wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
				wantMessage(t, aws.ToString(eb.Message), c.want)
			})
		}

		// Nothing was written: no endpoint, no event's endpoint, no app, no tag, no exclusion.
		for _, id := range []string{"e1", "e2"} {
			h.wantNoEndpoint(app, id)
		}
		apps, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{})
		if err != nil {
			t.Fatalf("GetApps: %v", err)
		}
		if n := len(apps.ApplicationsResponse.Item); n != 1 {
			t.Errorf("apps: got %d, want 1", n)
		}
		if got := h.listTags(arn); len(got) != 0 {
			t.Errorf("tags: got %v, want none", got)
		}
		h.update(app, "e3", &types.EndpointRequest{Attributes: map[string][]string{"a": {"1"}}})
		if got := h.get(app, "e3").Attributes["a"]; !sameStrings(got, []string{"1"}) {
			t.Errorf(`Attributes["a"] after refused exclusions: got %v, want [1]`, got)
		}
	})
}

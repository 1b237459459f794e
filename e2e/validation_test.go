package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// attrs returns n attributes named prefix0… with the given values.
func attrs(prefix string, n int, values ...string) map[string][]string {
	m := make(map[string][]string, n)
	for i := range n {
		m[fmt.Sprintf("%s%d", prefix, i)] = values
	}
	return m
}

func metrics(prefix string, n int) map[string]float64 {
	m := make(map[string]float64, n)
	for i := range n {
		m[fmt.Sprintf("%s%d", prefix, i)] = float64(i)
	}
	return m
}

func values(n int, v string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestUpdateEndpointValidation: every limit is a BadRequestException naming the field and the limit,
// and a refused request writes nothing: neither a new endpoint nor a change to an existing one.
func TestUpdateEndpointValidation(t *testing.T) {
	long := strings.Repeat("v", 100)
	cases := []struct {
		name string
		req  types.EndpointRequest
		want []string // substrings of the message ("a|b": either)
	}{
		{"attribute name over 50", types.EndpointRequest{Attributes: map[string][]string{strings.Repeat("n", 51): {"v"}}}, []string{"Attributes", "50"}},
		{"attribute value over 100", types.EndpointRequest{Attributes: map[string][]string{"a": {strings.Repeat("v", 101)}}}, []string{"Attributes", "100"}},
		{"over 50 values", types.EndpointRequest{Attributes: map[string][]string{"a": values(51, "x")}}, []string{"Attributes", "50"}},
		{"metric name over 50", types.EndpointRequest{Metrics: map[string]float64{strings.Repeat("m", 51): 1}}, []string{"Metrics", "50"}},
		{"user attribute name over 50", types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u"), UserAttributes: map[string][]string{strings.Repeat("n", 51): {"v"}}}}, []string{"UserAttributes", "50"}},
		{"user attribute value over 100", types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u"), UserAttributes: map[string][]string{"a": {strings.Repeat("v", 101)}}}}, []string{"UserAttributes", "100"}},
		{"user attribute over 50 values", types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u"), UserAttributes: map[string][]string{"a": values(51, "x")}}}, []string{"UserAttributes", "50"}},
		{"over 250 keys across Attributes, Metrics and UserAttributes", types.EndpointRequest{
			Attributes: attrs("a", 100, "v"), Metrics: metrics("m", 100),
			User: &types.EndpointUser{UserId: aws.String("u"), UserAttributes: attrs("u", 51, "v")},
		}, []string{"Attributes", "250"}},
		{"over 15 KB serialized", types.EndpointRequest{Attributes: attrs("a", 200, long)}, []string{"15360|15 KB|15KB"}},
		{"over 15 KB in few keys", types.EndpointRequest{Attributes: attrs("a", 4, values(50, long)...)}, []string{"15360|15 KB|15KB"}},
		{"ChannelType FOO", types.EndpointRequest{ChannelType: types.ChannelType("FOO")}, []string{"ChannelType", "FOO"}},
		{"OptOut MAYBE", types.EndpointRequest{OptOut: aws.String("MAYBE")}, []string{"OptOut", "MAYBE"}},
		{"EndpointStatus X", types.EndpointRequest{EndpointStatus: aws.String("X")}, []string{"EndpointStatus"}},
		{"EffectiveDate yesterday", types.EndpointRequest{EffectiveDate: aws.String("yesterday")}, []string{"EffectiveDate", "yesterday"}},
		{"Latitude 91", types.EndpointRequest{Location: &types.EndpointLocation{Latitude: aws.Float64(91)}}, []string{"Latitude", "90"}},
		{"Latitude -90.5", types.EndpointRequest{Location: &types.EndpointLocation{Latitude: aws.Float64(-90.5)}}, []string{"Latitude", "90"}},
		{"Longitude 181", types.EndpointRequest{Location: &types.EndpointLocation{Longitude: aws.Float64(181)}}, []string{"Longitude", "180"}},
		{"Longitude -180.01", types.EndpointRequest{Location: &types.EndpointLocation{Longitude: aws.Float64(-180.01)}}, []string{"Longitude", "180"}},
		{"UserId with }", types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("user}1")}}, []string{"UserId", "}"}},
		{"UserId of 257 characters", types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String(strings.Repeat("u", 257))}}, []string{"UserId", "256"}},
		{"valid fields then one bad", types.EndpointRequest{Address: aws.String("new"), Attributes: map[string][]string{"ok": {"1"}}, OptOut: aws.String("SOME")}, []string{"OptOut"}},
	}
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "existing", &types.EndpointRequest{
			Address: aws.String("tok"), ChannelType: types.ChannelTypeGcm, Attributes: map[string][]string{"a": {"1"}},
			User: &types.EndpointUser{UserId: aws.String("u0"), UserAttributes: map[string][]string{"ua": {"x"}}},
		})
		before := h.get(app, "existing")
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				fresh := fmt.Sprintf("fresh-%d", i)
				req := c.req
				wantBadRequest(t, h.tryUpdate(app, fresh, &req), c.want...)
				h.wantNoEndpoint(app, fresh)

				req = c.req
				wantBadRequest(t, h.tryUpdate(app, "existing", &req), c.want...)
				sameEndpoint(t, "existing endpoint after a refused update", h.get(app, "existing"), before)
			})
		}
	})
}

// TestUpdateEndpointLimitsInclusive: values exactly at each limit are accepted.
func TestUpdateEndpointLimitsInclusive(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, strings.Repeat("i", 256), &types.EndpointRequest{
			Attributes: map[string][]string{strings.Repeat("n", 50): values(50, "x"), "long": {strings.Repeat("v", 100)}},
			Location:   &types.EndpointLocation{Latitude: aws.Float64(-90), Longitude: aws.Float64(180)},
			User:       &types.EndpointUser{UserId: aws.String(strings.Repeat("u", 256))},
		})
		h.update(app, "keys", &types.EndpointRequest{
			Attributes: attrs("a", 100, "v"), Metrics: metrics("m", 100),
			User: &types.EndpointUser{UserId: aws.String("u"), UserAttributes: attrs("u", 50, "v")},
		})
		if e := h.get(app, "keys"); len(e.Attributes)+len(e.Metrics)+len(e.User.UserAttributes) != 250 {
			t.Errorf("keys stored: got %v, want %v", len(e.Attributes)+len(e.Metrics)+len(e.User.UserAttributes), 250)
		}
	})
}

// TestUpdateEndpointLimitsAfterMerge: limits apply to the merged endpoint, not only to the request.
func TestUpdateEndpointLimitsAfterMerge(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{Attributes: attrs("a", 150, "v")})
		before := h.get(app, "e1")
		wantBadRequest(t, h.tryUpdate(app, "e1", &types.EndpointRequest{Metrics: metrics("m", 101)}), "250")
		sameEndpoint(t, "endpoint after a refused update", h.get(app, "e1"), before)

		long := strings.Repeat("v", 100)
		h.update(app, "e2", &types.EndpointRequest{Attributes: attrs("a", 2, values(50, long)...)})
		before = h.get(app, "e2")
		wantBadRequest(t, h.tryUpdate(app, "e2", &types.EndpointRequest{Attributes: attrs("b", 2, values(50, long)...)}), "15360|15 KB|15KB")
		sameEndpoint(t, "endpoint after a refused update", h.get(app, "e2"), before)
	})
}

// TestUpdateEndpointInvalidID: endpoint IDs are 1–256 characters without '$', '{', '}'.
func TestUpdateEndpointInvalidID(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		for _, c := range []struct {
			name, id string
			want     []string
		}{
			{"dollar", "ep$1", []string{"EndpointId|Endpoint ID|endpoint ID", "$"}},
			{"open brace", "ep{1", []string{"EndpointId|Endpoint ID|endpoint ID", "{"}},
			{"close brace", "ep}1", []string{"EndpointId|Endpoint ID|endpoint ID", "}"}},
			{"257 characters", strings.Repeat("e", 257), []string{"EndpointId|Endpoint ID|endpoint ID", "256"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantBadRequest(t, h.tryUpdate(app, c.id, &types.EndpointRequest{Address: aws.String("t")}), c.want...)
				h.wantNoEndpoint(app, c.id)
			})
		}
	})
}

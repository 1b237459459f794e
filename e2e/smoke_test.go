package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

func TestSmoke(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.createApp("smoke")
		_, err := h.client.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{
			ApplicationId: aws.String(app),
			EndpointId:    aws.String("dev/1+ x"),
			EndpointRequest: &types.EndpointRequest{
				Address:     aws.String("tok"),
				ChannelType: types.ChannelTypeGcm,
				Attributes:  map[string][]string{"a": {"1"}},
				Location:    &types.EndpointLocation{Latitude: aws.Float64(47.61), Longitude: aws.Float64(-122.35)},
				User:        &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"n": {"x"}}},
			},
		})
		if err != nil {
			t.Fatalf("UpdateEndpoint: %v", err)
		}
		out, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("dev/1+ x")})
		if err != nil {
			t.Fatalf("GetEndpoint: %v", err)
		}
		e := out.EndpointResponse
		if got := aws.ToString(e.Id); got != "dev/1+ x" {
			t.Errorf("Id = %q", got)
		}
		if got := aws.ToFloat64(e.Location.Latitude); got != 47.6 {
			t.Errorf("Latitude = %v", got)
		}
		if got := e.User.UserAttributes["n"]; len(got) != 1 || got[0] != "x" {
			t.Errorf("UserAttributes = %v", e.User.UserAttributes)
		}
		_, err = h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("nope")})
		wantAPIError[*types.NotFoundException](t, err)
	})
}

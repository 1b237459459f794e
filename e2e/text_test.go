package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// TestTextThatCannotBeStored: NUL characters and invalid UTF-8 are refused with a 400 on every
// backend (PostgreSQL cannot hold them in text), never a 500, and nothing is written.
func TestTextThatCannotBeStored(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.createApp("text")
		_, err := h.client.UpdateEndpoint(ctx, endpointIn(app, "e1", &types.EndpointRequest{Address: aws.String("a\x00b")}))
		wantBadRequest(t, err, "NUL")
		h.wantNoEndpoint(app, "e1")

		_, err = h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("x\x00")}})
		wantBadRequest(t, err, "NUL")

		for _, path := range []string{
			"/v1/apps/" + app + "/endpoints/%FF%FE",
			"/v1/apps/" + app + "/endpoints/a%00b",
			"/v1/apps/" + app + "/users/%C3%28",
			"/v1/apps?token=%00",
		} {
			resp, eb := h.rawJSON("GET", path, "")
			wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
		}
	})
}

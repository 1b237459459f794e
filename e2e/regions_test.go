package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/pinpoint"

	"pinpointd/internal/cli"
)

// TestSigningRegionPolicy: with --signing-regions set, a signature scoped to another region is
// refused before anything runs; one scoped to an allowed region passes.
func TestSigningRegionPolicy(t *testing.T) {
	runWith(t, func(o *cli.Options) { o.SigningRegions = []string{"eu-west-1"} }, func(t *testing.T, h *harness) {
		ctx := context.Background()
		_, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{}) // the harness client signs for us-east-1
		if msg := wantCode(t, err, "InvalidSignatureException"); msg == "" {
			t.Errorf("refusal has no message")
		}
		eu := pinpoint.New(pinpoint.Options{Region: "eu-west-1", BaseEndpoint: h.client.Options().BaseEndpoint, Credentials: h.client.Options().Credentials, Retryer: h.client.Options().Retryer})
		if _, err := eu.GetApps(ctx, &pinpoint.GetAppsInput{}); err != nil {
			t.Errorf("GetApps signed for an allowed region: %v", err)
		}
	})
}

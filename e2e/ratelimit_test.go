package e2e

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"pinpointd/internal/cli"
)

// TestRateLimit: past the burst, an operation is 429 TooManyRequestsException with Retry-After,
// per account and per operation.
//
// The rate is one request per 1000 s so that no token can come back while the test runs,
// however slow the machine: the outcome never depends on timing.
func TestRateLimit(t *testing.T) {
	runWith(t, func(o *cli.Options) { o.RateLimit = 0.001; o.RateBurst = 2 }, func(t *testing.T, h *harness) {
		getApps := func(c *pinpoint.Client) error {
			_, err := c.GetApps(ctx, &pinpoint.GetAppsInput{})
			return err
		}
		for i := range 2 {
			if err := getApps(h.client); err != nil {
				t.Fatalf("GetApps %d within the burst: %v", i+1, err)
			}
		}
		err := getApps(h.client)
		wantAPIError[*types.TooManyRequestsException](t, err)
		if got := errStatus(t, err); got != http.StatusTooManyRequests {
			t.Errorf("status: got %v, want %v", got, http.StatusTooManyRequests)
		}

		resp, eb := h.rawJSON("GET", "/v1/apps", "")
		wantWireError(t, resp, eb, http.StatusTooManyRequests, "TooManyRequestsException")
		ra := resp.Header.Get("Retry-After")
		if n, err := strconv.Atoi(ra); err != nil || n < 1 {
			t.Errorf("Retry-After: got %q, want a positive number of seconds", ra)
		}

		// Another operation has its own bucket.
		if _, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("a")}}); err != nil {
			t.Errorf("CreateApp after GetApps was throttled: got %v, want success", err)
		}
		// Another account has its own bucket.
		other := h.putKey(otherKeyID, otherSecret, otherAccount, nil)
		if err := getApps(other); err != nil {
			t.Errorf("GetApps of another account: got %v, want success", err)
		}
		// Health checks are never throttled.
		for range 3 {
			r, err := http.Get(h.inst.URL() + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusOK {
				t.Errorf("/healthz: got %v, want %v", r.StatusCode, http.StatusOK)
			}
		}
	})
}

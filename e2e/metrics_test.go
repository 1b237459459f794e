package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// TestMetrics: /metrics counts requests per operation and status in Prometheus text format, and
// on SQLite reports the group commits.
func TestMetrics(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.createApp("metrics")
		for _, id := range []string{"a", "b", "c"} {
			h.update(app, id, &types.EndpointRequest{ChannelType: types.ChannelTypeGcm})
		}
		_, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("missing")})
		wantAPIError[*types.NotFoundException](t, err)

		resp, err := http.Get(h.inst.URL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		for _, want := range []string{
			`pinpointd_requests_total{op="UpdateEndpoint",status="202"} 3`,
			`pinpointd_requests_total{op="GetEndpoint",status="404"} 1`,
			`pinpointd_requests_total{op="CreateApp",status="201"} 1`,
			`pinpointd_request_duration_seconds_count{op="UpdateEndpoint"} 3`,
			"# TYPE pinpointd_requests_in_flight gauge",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		if strings.HasPrefix(h.dsn, "sqlite:") && strings.Contains(body, "pinpointd_store_commit_writes_count 0") {
			t.Errorf("/metrics shows no SQLite commits after four writes")
		}
	})
}

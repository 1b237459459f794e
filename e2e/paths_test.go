package e2e

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// TestPathDotSegments: a path with an empty, "." or ".." segment, encoded or not, is refused with
// 400 before authentication, whether it is signed as sent or as the path a normalizing signer
// or proxy makes of it; a DeleteApp signature cannot delete an endpoint "..", and nothing is
// deleted.
func TestPathDotSegments(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("dots")
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("a")})
		a := "/v1/apps/" + app
		for _, c := range []struct{ method, path, normal string }{
			{"DELETE", a + "/endpoints/..", a},
			{"DELETE", a + "/endpoints/%2E%2E", a},
			{"DELETE", a + "/endpoints/%2e%2E", a},
			{"DELETE", a + "/endpoints/.%2E", a},
			{"DELETE", a + "/endpoints/.", a + "/endpoints"},
			{"DELETE", a + "/endpoints/e1/..", a + "/endpoints"},
			{"DELETE", a + "/./endpoints/e1", a + "/endpoints/e1"},
			{"DELETE", a + "/x/../endpoints/e1", a + "/endpoints/e1"},
			{"DELETE", a + "/%2E/endpoints/e1", a + "/endpoints/e1"},
			{"DELETE", a + "/endpoints//e1", a + "/endpoints/e1"},
			{"DELETE", "/v1/apps//" + app, a},
			{"DELETE", "/v1//apps/" + app, a},
			{"DELETE", a + "/", a},
			{"DELETE", a + "/endpoints/e1/", a + "/endpoints/e1"},
			{"GET", a + "/endpoints/e1/.", a + "/endpoints/e1"},
			{"PUT", a + "/endpoints/../endpoints/e1", a + "/endpoints/e1"},
		} {
			for _, signed := range []string{c.path, c.normal} {
				t.Run(c.method+" "+strings.TrimPrefix(c.path, a)+" signed as "+strings.TrimPrefix(signed, a), func(t *testing.T) {
					conn := h.dial(t)
					br := bufio.NewReader(conn)
					io.WriteString(conn, h.signedHead(rootSigner, c.method, c.path, signed, nil, "Content-Length: 0\r\n"))
					wantRawError(t, readResponse(t, conn, br), http.StatusBadRequest, "BadRequestException")
				})
			}
		}
		if got := aws.ToString(h.get(app, "e1").Address); got != "a" {
			t.Errorf("endpoint e1 after the refused requests: Address %q, want %q", got, "a")
		}
		// The SDK cannot address an endpoint "." or "..": the path would have a dot segment.
		for _, id := range []string{".", ".."} {
			err := h.tryUpdate(app, id, &types.EndpointRequest{Address: aws.String("a")})
			wantAPIError[*types.BadRequestException](t, err)
		}
	})
}

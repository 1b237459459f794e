package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sdkSigned returns a PUT of body to path signed by aws-sdk-go-v2's signer with the header
// X-Amz-Content-Sha256: declared (signed), as the JavaScript SDK v3 sends it.
func (h *harness) sdkSigned(t *testing.T, path, declared string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("PUT", h.inst.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Content-Sha256", declared)
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, declared, "mobiletargeting", testRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestPayloadAlwaysSigned: UNSIGNED-PAYLOAD is refused, with or without a swapped body, and so is
// an X-Amz-Content-Sha256, signed or not, that is not the hash of the body received; nothing is
// stored. The real hash, signed, is accepted (the JavaScript SDK v3 sends it).
func TestPayloadAlwaysSigned(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("payload")
		path := "/v1/apps/" + app + "/endpoints/e1"
		signedBody := []byte(`{"Address":"signed","ChannelType":"EMAIL"}`)
		swapped := []byte(`{"Address":"swapped","ChannelType":"EMAIL"}`)
		sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
		send := func(t *testing.T, req *http.Request, body []byte) (*http.Response, errorBody) {
			t.Helper()
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.ContentLength = int64(len(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp, h.errorBodyOf(resp, b)
		}
		for _, c := range []struct {
			name, declared string
			body           []byte
		}{
			{"UNSIGNED-PAYLOAD, body swapped", "UNSIGNED-PAYLOAD", swapped},
			{"UNSIGNED-PAYLOAD", "UNSIGNED-PAYLOAD", signedBody},
			{"signed hash of another body", sum(signedBody), swapped},
			{"streaming", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", signedBody},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp, eb := send(t, h.sdkSigned(t, path, c.declared), c.body)
				wantWireError(t, resp, eb, http.StatusForbidden, "InvalidSignatureException")
				h.wantNoEndpoint(app, "e1")
			})
		}
		t.Run("unsigned hash of another body", func(t *testing.T) {
			req, err := http.NewRequest("PUT", h.inst.URL()+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if err := rootSigner.Sign(req, signedBody); err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Content-Sha256", sum(swapped))
			resp, eb := send(t, req, signedBody)
			wantWireError(t, resp, eb, http.StatusForbidden, "InvalidSignatureException")
			h.wantNoEndpoint(app, "e1")
		})
		t.Run("signed hash of the body", func(t *testing.T) {
			resp, _ := send(t, h.sdkSigned(t, path, sum(signedBody)), signedBody)
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("status: got %d, want 202", resp.StatusCode)
			}
			if got := aws.ToString(h.get(app, "e1").Address); got != "signed" {
				t.Errorf("Address: got %q, want %q", got, "signed")
			}
		})
	})
}

package e2e

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"pinpointd/internal/sigv4"
)

// TestTampering signs an UpdateEndpoint, changes one part of the request after signing, and
// expects 403 with nothing written.
func TestTampering(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("tamper")
		h.putKey("AKIAOTHERKEY00000001", "other-secret-0000000000000000000000000000", testAccount, nil)
		cases := []struct {
			name   string
			tamper func(r *http.Request, body *[]byte)
		}{
			{"body", func(r *http.Request, body *[]byte) { *body = []byte(`{"Address":"swapped"}`) }},
			{"signed header", func(r *http.Request, _ *[]byte) { r.Header.Set("Content-Type", "text/plain") }},
			{"path", func(r *http.Request, _ *[]byte) {
				r.URL.Path = strings.Replace(r.URL.Path, "/endpoints/victim", "/endpoints/other", 1)
				r.URL.RawPath = ""
			}},
			{"query", func(r *http.Request, _ *[]byte) { r.URL.RawQuery = "extra=1" }},
			{"date", func(r *http.Request, _ *[]byte) {
				r.Header.Set("X-Amz-Date", time.Now().UTC().Add(time.Second).Format("20060102T150405Z"))
			}},
			{"key", func(r *http.Request, _ *[]byte) {
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testKeyID, "AKIAOTHERKEY00000001", 1))
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				body := []byte(`{"Address":"signed","ChannelType":"EMAIL"}`)
				req, err := http.NewRequest("PUT", h.inst.URL()+"/v1/apps/"+app+"/endpoints/victim", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				s := &sigv4.Signer{AccessKeyID: testKeyID, Secret: testSecret, Region: testRegion, Service: "mobiletargeting",
					Now: func() time.Time { return time.Now().Add(-2 * time.Second) }}
				if err := s.Sign(req, body); err != nil {
					t.Fatal(err)
				}
				tc.tamper(req, &body)
				req.Body = io.NopCloser(bytes.NewReader(body))
				req.ContentLength = int64(len(body))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("status: got %d (%s), want 403", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
				}
				h.wantNoEndpoint(app, "victim")
				h.wantNoEndpoint(app, "other")
			})
		}
	})
}

package e2e

import (
	"net/http"
	"testing"
)

// TestCORS: a browser's preflight for an API path is answered without a signature, and every
// response lets the page read the request ID and error type.
func TestCORS(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("cors")
		req, _ := http.NewRequest("OPTIONS", h.inst.URL()+"/v1/apps/"+app+"/events", nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-amz-date,x-amz-user-agent")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preflight status %d, want 200", resp.StatusCode)
		}
		for k, want := range map[string]string{
			"Access-Control-Allow-Origin":  "*",
			"Access-Control-Allow-Headers": "authorization,content-type,x-amz-date,x-amz-user-agent",
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s: got %q, want %q", k, got, want)
			}
		}
		// A preflight for a method no operation serves on that path is refused.
		req.Header.Set("Access-Control-Request-Method", "PATCH")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("preflight for PATCH: status %d, want 405", resp.StatusCode)
		}
		// Ordinary responses, errors included, carry the CORS headers.
		r, _ := h.raw("GET", "/v1/apps/"+app+"/endpoints/missing", nil)
		if r.Header.Get("Access-Control-Allow-Origin") != "*" || r.Header.Get("Access-Control-Expose-Headers") == "" {
			t.Errorf("error response CORS headers: %v", r.Header)
		}
	})
}

package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"pinpointd/internal/sigv4"
)

// Helpers for tests that write their requests on a TCP connection themselves, where an SDK
// cannot express the request: paths with dot segments, conflicting framing, clients that send
// the whole body before they read, clients that never read, and senders that stall.

// rootSigner signs with the root key.
var rootSigner = &sigv4.Signer{AccessKeyID: testKeyID, Secret: testSecret, Region: testRegion, Service: "mobiletargeting"}

// signedHead returns the request line and header of method+path, signed with s as if the path
// were signPath, over body. extra holds more header lines, each ending in "\r\n", sent unsigned;
// the header's final empty line is included.
func (h *harness) signedHead(s *sigv4.Signer, method, path, signPath string, body []byte, extra string) string {
	h.t.Helper()
	host := h.inst.Addr()
	amzDate, auth, err := s.Headers(method, host, signPath, "", "application/json", body)
	if err != nil {
		h.t.Fatal(err)
	}
	return method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n" +
		"X-Amz-Date: " + amzDate + "\r\nAuthorization: " + auth + "\r\n" + extra + "\r\n"
}

// dial opens a connection to the server, closed when the test ends.
func (h *harness) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", h.inst.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawResponse is a response read off a connection.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
	eb     errorBody
}

// readResponse reads one response from br, waiting at most 30 s.
func readResponse(t *testing.T, c net.Conn, br *bufio.Reader) rawResponse {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read response body: %v", err)
	}
	r := rawResponse{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.StatusCode >= 300 {
		if err := json.Unmarshal(b, &r.eb); err != nil {
			t.Errorf("error body %q is not JSON: %v", b, err)
		}
	}
	return r
}

// wantRawError asserts the status and x-amzn-ErrorType of r and that it carries a message.
func wantRawError(t *testing.T, r rawResponse, status int, code string) {
	t.Helper()
	if r.status != status || r.header.Get("x-amzn-ErrorType") != code {
		t.Fatalf("got %d %q (%s), want %d %s", r.status, r.header.Get("x-amzn-ErrorType"), r.body, status, code)
	}
	if r.eb.Message == nil || *r.eb.Message == "" {
		t.Errorf("error without a Message: %s", r.body)
	}
}

// wantClosed asserts that the server closes c (after whatever it still sends), within 30 s.
func wantClosed(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err := io.Copy(io.Discard, br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after 30 s, want it closed")
	}
}

// buildBinary builds pinpointd into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pinpointd")
	build := exec.Command("go", "build", "-o", bin, "./cmd/pinpointd")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/pinpointd: %v\n%s", err, out)
	}
	return bin
}

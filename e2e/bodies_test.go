package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pinpointd/internal/cli"
	"pinpointd/internal/sigv4"
)

// TestPayloadTooLargeWholeBodyFirst: a client that writes its whole body before it reads (as
// Python's http.client, so botocore, does) reads 413 PayloadTooLargeException, for bodies just
// over the limit and up to 16 MiB, with Content-Length and chunked.
func TestPayloadTooLargeWholeBodyFirst(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("big")
		for _, c := range []struct {
			name, path string
			size       int
			chunked    bool
		}{
			{"UpdateEndpoint 7 MiB+1", "/v1/apps/" + app + "/endpoints/e1", 7<<20 + 1, false},
			{"UpdateEndpoint 8 MiB", "/v1/apps/" + app + "/endpoints/e1", 8 << 20, false},
			{"UpdateEndpoint 16 MiB", "/v1/apps/" + app + "/endpoints/e1", 16 << 20, false},
			{"UpdateEndpoint 8 MiB chunked", "/v1/apps/" + app + "/endpoints/e1", 8 << 20, true},
			{"PutEvents 4 MiB+1", "/v1/apps/" + app + "/events", 4<<20 + 1, false},
			{"PutEvents 16 MiB", "/v1/apps/" + app + "/events", 16 << 20, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				body := bytes.Repeat([]byte("x"), c.size)
				method := "PUT"
				if strings.HasSuffix(c.path, "/events") {
					method = "POST"
				}
				var msg []byte
				if c.chunked {
					msg = []byte(h.signedHead(rootSigner, method, c.path, c.path, body, "Transfer-Encoding: chunked\r\n"))
					for rest := body; len(rest) > 0; {
						n := min(len(rest), 64<<10)
						msg = append(msg, strconv.FormatInt(int64(n), 16)+"\r\n"...)
						msg = append(msg, rest[:n]...)
						msg = append(msg, "\r\n"...)
						rest = rest[n:]
					}
					msg = append(msg, "0\r\n\r\n"...)
				} else {
					msg = append([]byte(h.signedHead(rootSigner, method, c.path, c.path, body, "Content-Length: "+strconv.Itoa(len(body))+"\r\n")), body...)
				}
				conn := h.dial(t)
				conn.SetWriteDeadline(time.Now().Add(60 * time.Second))
				if _, err := conn.Write(msg); err != nil {
					t.Fatalf("writing the whole request: %v (the server stopped reading)", err)
				}
				wantRawError(t, readResponse(t, conn, bufio.NewReader(conn)), http.StatusRequestEntityTooLarge, "PayloadTooLargeException")
			})
		}
		t.Run("Expect 100-continue", func(t *testing.T) {
			// The client waits for 100 Continue before sending; it gets the 413 instead.
			path := "/v1/apps/" + app + "/endpoints/e1"
			conn := h.dial(t)
			io.WriteString(conn, h.signedHead(rootSigner, "PUT", path, path, nil, "Content-Length: "+strconv.Itoa(8<<20)+"\r\nExpect: 100-continue\r\n"))
			wantRawError(t, readResponse(t, conn, bufio.NewReader(conn)), http.StatusRequestEntityTooLarge, "PayloadTooLargeException")
		})
		h.wantNoEndpoint(app, "e1")
	})
}

// TestUnauthenticatedBodies: a request whose Authorization cannot succeed is refused before its
// body is sent; a signed request whose body does not fit in the budget of unauthenticated
// bodies is 503 with Retry-After, and is served once the budget is free again.
func TestUnauthenticatedBodies(t *testing.T) {
	runWith(t, func(o *cli.Options) { o.BodyBudget = 8 << 20 }, func(t *testing.T, h *harness) {
		app := h.createApp("budget")
		path := "/v1/apps/" + app + "/endpoints/e1"
		revoked := &sigv4.Signer{AccessKeyID: "AKIAPINPOINTDREVOKD2", Secret: "revoked-secret-00000000000000000000000000", Region: testRegion, Service: "mobiletargeting"}
		h.putKey(revoked.AccessKeyID, revoked.Secret, testAccount, nil)
		if err := h.inst.Store.RevokeKey(ctx, revoked.AccessKeyID); err != nil {
			t.Fatal(err)
		}
		unknown := &sigv4.Signer{AccessKeyID: "AKIAPINPOINTDNOSUCH1", Secret: "x", Region: testRegion, Service: "mobiletargeting"}
		big := strconv.Itoa(7<<20-1) + "\r\n"
		for _, c := range []struct{ name, head, code string }{
			{"no Authorization", "PUT " + path + " HTTP/1.1\r\nHost: " + h.inst.Addr() + "\r\nContent-Length: " + big + "\r\n", "MissingAuthenticationTokenException"},
			{"malformed Authorization", "PUT " + path + " HTTP/1.1\r\nHost: " + h.inst.Addr() + "\r\nAuthorization: AWS4-HMAC-SHA256 Credential=x\r\nContent-Length: " + big + "\r\n", "IncompleteSignatureException"},
			{"unknown key", h.signedHead(unknown, "PUT", path, path, nil, "Content-Length: "+big), "UnrecognizedClientException"},
			{"revoked key", h.signedHead(revoked, "PUT", path, path, nil, "Content-Length: "+big), "UnrecognizedClientException"},
		} {
			t.Run(c.name, func(t *testing.T) {
				conn := h.dial(t)
				io.WriteString(conn, c.head) // the body is never sent
				wantRawError(t, readResponse(t, conn, bufio.NewReader(conn)), http.StatusForbidden, c.code)
			})
		}

		t.Run("budget", func(t *testing.T) {
			// A signed request that claims 7 MiB - 1 and stalls holds that much of the 8 MiB.
			holder := h.dial(t)
			io.WriteString(holder, h.signedHead(rootSigner, "PUT", path, path, nil, "Content-Length: "+big)+strings.Repeat("x", 1<<20))
			body := append([]byte(`{"Address":"a","Attributes":{"a":["`), bytes.Repeat([]byte("x"), 2<<20)...)
			body = append(body, `"]}}`...)
			// Go's client reads the answer while it sends the body, so it sees an answer
			// given before the body is read.
			send := func() rawResponse {
				resp, eb := h.rawJSON("PUT", path, string(body))
				return rawResponse{status: resp.StatusCode, header: resp.Header, eb: eb}
			}
			// Bounded waits, generous for a loaded machine: nothing here measures time.
			var r rawResponse
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); { // until the holder's header has arrived
				if r = send(); r.status == http.StatusServiceUnavailable {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			wantRawError(t, r, http.StatusServiceUnavailable, "ServiceUnavailableException")
			if got := r.header.Get("Retry-After"); got == "" {
				t.Errorf("503 without Retry-After")
			}
			holder.Close()
			// Once the holder is gone its share is free again (the server notices the closed
			// connection on its next read).
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
				if r = send(); r.status != http.StatusServiceUnavailable {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			// The body is read and refused for its content (an attribute value over 100 characters).
			wantRawError(t, r, http.StatusBadRequest, "BadRequestException")
		})
	})
}

// TestUnauthenticatedMemory runs the real binary (default body budget, 64 MiB) against 150
// unsigned and 50 signed connections that each send 7 MiB - 1 bytes of a 7 MiB - 1 body and
// stall, and reports the server's peak RSS (VmHWM). Before the precheck and the budget, the
// server held every such body: 150 unsigned ones took it past 1.5 GB.
func TestUnauthenticatedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildBinary(t)
	p := startBinary(t, bin, "sqlite:"+t.TempDir()+"/db")
	host := strings.TrimPrefix(p.url, "http://")
	const size = 7<<20 - 1
	body := bytes.Repeat([]byte("x"), size)
	path := "/v1/apps/0123456789abcdef0123456789abcdef/endpoints/e1"
	amzDate, auth, err := rootSigner.Headers("PUT", host, path, "", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := "PUT " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n"
	signed := "PUT " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(size) +
		"\r\nX-Amz-Date: " + amzDate + "\r\nAuthorization: " + auth + "\r\n\r\n"
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	for i := range 200 {
		head := unsigned
		if i%4 == 0 {
			head = signed
		}
		wg.Go(func() {
			c, err := net.Dial("tcp", host)
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			// All but the last byte, then stall; a refused request's connection is closed
			// by the server, which ends the write early.
			c.SetWriteDeadline(time.Now().Add(60 * time.Second))
			c.Write(append([]byte(head), body[:size-1]...))
		})
	}
	wg.Wait()
	time.Sleep(2 * time.Second) // let the server take in what was sent
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var hwm int64
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			hwm, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	t.Logf("peak RSS (VmHWM) of pinpointd with 200 stalled 7 MiB senders: %d MiB", hwm>>10)
	if hwm<<10 > 400<<20 {
		t.Errorf("peak RSS %d MiB, want under 400 MiB (64 MiB budget of unauthenticated bodies plus the process)", hwm>>10)
	}
	for _, c := range conns {
		c.Close()
	}
}

// pythonWholeBodyFirst sends a body with Python's http.client, which writes the whole body
// before it reads the response, as botocore does. It prints the status and x-amzn-ErrorType, or
// the exception that ended the exchange.
const pythonWholeBodyFirst = `
import http.client, json, sys
host, port, path, headers, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), int(sys.argv[5])
conn = http.client.HTTPConnection(host, port, timeout=60)
try:
    conn.request("PUT", path, body=b"x" * size, headers=headers)
    resp = conn.getresponse()
    resp.read()
    print(resp.status, resp.getheader("x-amzn-ErrorType"))
except Exception as e:
    print("error", type(e).__name__, e)
`

// TestPayloadTooLargePython: Python's http.client reads 413 PayloadTooLargeException for bodies
// just over the limit and up to 16 MiB (it got a broken pipe or a reset before).
func TestPayloadTooLargePython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("python")
		path := "/v1/apps/" + app + "/endpoints/e1"
		host, port, _ := net.SplitHostPort(h.inst.Addr())
		for _, size := range []int{7<<20 + 1, 8 << 20, 16 << 20} {
			t.Run(strconv.Itoa(size), func(t *testing.T) {
				amzDate, auth, err := rootSigner.Headers("PUT", h.inst.Addr(), path, "", "application/json", bytes.Repeat([]byte("x"), size))
				if err != nil {
					t.Fatal(err)
				}
				headers, _ := json.Marshal(map[string]string{"Content-Type": "application/json", "X-Amz-Date": amzDate, "Authorization": auth})
				out, err := exec.Command(python, "-c", pythonWholeBodyFirst, host, port, path, string(headers), strconv.Itoa(size)).CombinedOutput()
				if err != nil {
					t.Fatalf("python3: %v\n%s", err, out)
				}
				if got, want := strings.TrimSpace(string(out)), "413 PayloadTooLargeException"; got != want {
					t.Errorf("python3 http.client: got %q, want %q", got, want)
				}
			})
		}
		h.wantNoEndpoint(app, "e1")
	})
}

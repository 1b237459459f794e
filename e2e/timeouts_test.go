package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"pinpointd/internal/cli"
)

// TestClientsThatNeverRead: a connection whose client never reads is closed once a response
// cannot be written within the write timeout, and an idle keep-alive connection once the idle
// timeout passes (both 1 s here).
func TestClientsThatNeverRead(t *testing.T) {
	runWith(t, func(o *cli.Options) {
		o.WriteTimeout = time.Second
		o.IdleTimeout = time.Second
	}, func(t *testing.T, h *harness) {
		app := h.createApp("readers")
		t.Run("idle", func(t *testing.T) {
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					conn := h.dial(t)
					br := bufio.NewReader(conn)
					io.WriteString(conn, h.signedHead(rootSigner, "GET", "/v1/apps/"+app, "/v1/apps/"+app, nil, ""))
					// The response is never looked at; once the server has closed the
					// connection, reading ends (instead of waiting out the 30 s bound).
					c := conn
					c.SetReadDeadline(time.Now().Add(30 * time.Second))
					_, err := io.Copy(io.Discard, br)
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						t.Errorf("connection %d still open after 30 s, want it closed after 1 s idle", i)
					}
				})
			}
			wg.Wait()
		})
		t.Run("never reads", func(t *testing.T) {
			// 15 endpoints of about 14 KB: each GetUserEndpoints answers about 200 KB.
			values := make([]string, 35)
			for i := range values {
				values[i] = fmt.Sprintf("%03d", i) + strings.Repeat("v", 97)
			}
			attrs := map[string][]string{"a": values, "b": values, "c": values, "d": values}
			for i := range 15 {
				h.update(app, fmt.Sprintf("e%d", i), &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u")}, Attributes: attrs})
			}
			conn := h.dial(t)
			conn.(*net.TCPConn).SetReadBuffer(16 << 10)
			const n = 80 // about 16 MB of responses, more than the socket buffers hold
			userPath := "/v1/apps/" + app + "/users/u"
			head := h.signedHead(rootSigner, "GET", userPath, userPath, nil, "")
			io.WriteString(conn, strings.Repeat(head, n))
			time.Sleep(3 * time.Second) // the client does not read; the server's writes stall
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			br := bufio.NewReader(conn)
			got := 0
			for ; got < n; got++ {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					break
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					break
				}
			}
			if got == n {
				t.Fatalf("all %d responses arrived after the client stalled for 3 s; want the connection closed by the 1 s write timeout", n)
			}
			wantClosed(t, conn, br)
			t.Logf("%d of %d responses arrived before the server closed the connection", got, n)
		})
	})
}

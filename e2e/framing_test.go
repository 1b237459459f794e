package e2e

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"testing"
)

// chunkedBody frames b as one chunk and the last chunk.
func chunkedBody(b []byte) string {
	return strconv.FormatInt(int64(len(b)), 16) + "\r\n" + string(b) + "\r\n0\r\n\r\n"
}

// TestConflictingFraming: a request with both Content-Length and Transfer-Encoding is refused
// with 400 and its connection closed, so a request hidden after its chunked body is never
// served; requests framed one way keep working, pipelined too.
func TestConflictingFraming(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("framing")
		path := func(id string) string { return "/v1/apps/" + app + "/endpoints/" + id }
		first := []byte(`{"Address":"first"}`)
		hidden := []byte(`{"Address":"hidden"}`)
		// The request a proxy framing by Content-Length would take for the first one's body.
		smuggled := h.signedHead(rootSigner, "PUT", path("e2"), path("e2"), hidden, "Content-Length: "+strconv.Itoa(len(hidden))+"\r\n") + string(hidden)
		body := chunkedBody(first)
		cl := "Content-Length: " + strconv.Itoa(len(body)+len(smuggled)) + "\r\n"
		for _, c := range []struct{ name, framing string }{
			{"Content-Length first", cl + "Transfer-Encoding: chunked\r\n"},
			{"Transfer-Encoding first", "Transfer-Encoding: chunked\r\n" + cl},
			{"lower case", "transfer-encoding: chunked\r\ncontent-length: " + strconv.Itoa(len(body)+len(smuggled)) + "\r\n"},
			{"folded value", "Transfer-Encoding:\r\n chunked\r\n" + cl},
		} {
			t.Run(c.name, func(t *testing.T) {
				conn := h.dial(t)
				br := bufio.NewReader(conn)
				io.WriteString(conn, h.signedHead(rootSigner, "PUT", path("e1"), path("e1"), first, c.framing)+body+smuggled)
				wantRawError(t, readResponse(t, conn, br), http.StatusBadRequest, "BadRequestException")
				wantClosed(t, conn, br)
				h.wantNoEndpoint(app, "e1")
				h.wantNoEndpoint(app, "e2")
			})
		}

		t.Run("chunked alone", func(t *testing.T) {
			conn := h.dial(t)
			br := bufio.NewReader(conn)
			io.WriteString(conn, h.signedHead(rootSigner, "PUT", path("c1"), path("c1"), first, "Transfer-Encoding: chunked\r\n")+body)
			if r := readResponse(t, conn, br); r.status != http.StatusAccepted {
				t.Fatalf("chunked request: got %d %s, want 202", r.status, r.body)
			}
			wantClosed(t, conn, br) // the framing is not followed past a chunked body
		})
		t.Run("pipelined with Content-Length", func(t *testing.T) {
			conn := h.dial(t)
			br := bufio.NewReader(conn)
			var msg string
			for _, id := range []string{"p1", "p2", "p3"} {
				b := []byte(`{"Address":"` + id + `"}`)
				msg += h.signedHead(rootSigner, "PUT", path(id), path(id), b, "Content-Length: "+strconv.Itoa(len(b))+"\r\n") + string(b)
			}
			io.WriteString(conn, msg)
			for _, id := range []string{"p1", "p2", "p3"} {
				if r := readResponse(t, conn, br); r.status != http.StatusAccepted {
					t.Fatalf("%s: got %d %s, want 202", id, r.status, r.body)
				}
			}
			// The connection stays usable.
			io.WriteString(conn, h.signedHead(rootSigner, "GET", path("p3"), path("p3"), nil, ""))
			if r := readResponse(t, conn, br); r.status != http.StatusOK {
				t.Fatalf("GetEndpoint after the pipeline: got %d %s, want 200", r.status, r.body)
			}
		})
	})
}

package bench

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// wire speaks HTTP/1.1 to net/http's server over http and https: bodies and headers arrive as
// sent, answers are read whole, connections are reused until the server closes one.
func TestWire(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if got := r.Header.Get("Content-Length"); got != "" && got != strconv.Itoa(len(body)) {
			t.Errorf("Content-Length %s for a body of %d bytes", got, len(body))
		}
		if got, want := r.Header.Get("Authorization"), "sig-"+r.URL.Path; got != want {
			t.Errorf("Authorization %q, want %q", got, want)
		}
		switch r.URL.Path {
		case "/refused":
			w.Header().Set("x-amzn-ErrorType", "BadRequestException")
			w.WriteHeader(http.StatusBadRequest)
		case "/close":
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(body))
	})
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(handler)
			var dials atomic.Int64
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					dials.Add(1)
				}
			}
			if scheme == "https" {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			w, err := newWire(srv.URL, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer w.close()
			if scheme == "https" {
				w.tls.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
			}
			send := func(method, path, body string) response {
				t.Helper()
				var b []byte
				if body != "" {
					b = []byte(body)
				}
				resp, err := w.do(method, path, []string{"Authorization", "sig-" + path}, b)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				return resp
			}
			for i := range 3 {
				body := `{"n":` + strconv.Itoa(i) + `}`
				resp := send("PUT", "/v1/x", body)
				if want := "PUT /v1/x " + body; resp.status != 200 || string(resp.body) != want {
					t.Errorf("got %d %q, want 200 %q", resp.status, resp.body, want)
				}
			}
			if resp := send("GET", "/v1/y", ""); string(resp.body) != "GET /v1/y " {
				t.Errorf("GET: %q", resp.body)
			}
			if n := dials.Load(); n != 1 {
				t.Errorf("%d connections for 4 sequential requests, want 1", n)
			}
			if resp := send("POST", "/refused", "{}"); resp.status != 400 || resp.errorType != "BadRequestException" {
				t.Errorf("refused: %d %q", resp.status, resp.errorType)
			}
			send("GET", "/close", "")
			send("GET", "/after", "")
			if n := dials.Load(); n != 2 {
				t.Errorf("%d connections, want 2 (a new one after the server closed the first)", n)
			}
			srv.CloseClientConnections() // as an idle timeout would
			if resp := send("GET", "/again", ""); string(resp.body) != "GET /again " {
				t.Errorf("after the server closed the idle connection: %q", resp.body)
			}
			if n := dials.Load(); n != 3 {
				t.Errorf("%d connections, want 3", n)
			}
		})
	}
}

// The Host header is what the SDKs sign: without a default port.
func TestWireHost(t *testing.T) {
	for base, want := range map[string]string{
		"http://127.0.0.1:8080":   "127.0.0.1:8080",
		"http://example.com:80":   "example.com",
		"https://example.com:443": "example.com",
		"https://example.com":     "example.com",
		"http://[::1]:9000/path":  "[::1]:9000",
	} {
		w, err := newWire(base, time.Second)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if w.host != want {
			t.Errorf("%s: Host %q, want %q", base, w.host, want)
		}
	}
	if _, err := newWire("ftp://x", time.Second); err == nil {
		t.Error("ftp:// accepted")
	}
}

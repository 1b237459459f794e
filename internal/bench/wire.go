package bench

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// wire is bench's HTTP/1.1 client: keep-alive connections, one request in flight on each, every
// request written with one write and its answer read through one buffered reader on the calling
// goroutine. net/http's Transport hands each request between three goroutines (caller, writer,
// reader); when client and server share two cores, that cost comes out of the server's share
// (and out of the floor's), so bench keeps its own cost low, as wrk does. Requests are still
// real: signed one by one, and each answer is parsed by net/http and read to its end.
type wire struct {
	addr    string      // host:port to dial
	host    string      // Host header, as signed
	tls     *tls.Config // nil for http
	timeout time.Duration

	mu   sync.Mutex
	idle []*wireConn
}

type wireConn struct {
	net.Conn
	r   *bufio.Reader
	buf []byte
}

// newWire returns a client for base ("http://host:port" or "https://…"; a path is ignored).
func newWire(base string, timeout time.Duration) (*wire, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	w := &wire{addr: u.Host, host: u.Host, timeout: timeout}
	switch u.Scheme {
	case "http":
		if u.Port() == "" {
			w.addr += ":80"
		}
	case "https":
		if u.Port() == "" {
			w.addr += ":443"
		}
		w.tls = &tls.Config{ServerName: u.Hostname()}
	default:
		return nil, fmt.Errorf("bench: target %q: want an http:// or https:// URL", base)
	}
	if u.Port() == "80" && u.Scheme == "http" || u.Port() == "443" && u.Scheme == "https" {
		w.host = u.Hostname() // as the SDKs sign it (see sigv4.Signer.Sign)
	}
	return w, nil
}

// response is what bench keeps of an answer.
type response struct {
	status    int
	errorType string // x-amzn-ErrorType
	body      []byte
}

// do sends one request; headers are name, value pairs written as given. A request that fails on
// a reused connection (which the server may have closed while it was idle) is sent once more on a
// new one. An error means the connection failed; it is closed.
func (w *wire) do(method, path string, headers []string, body []byte) (response, error) {
	c, reused, err := w.conn()
	if err != nil {
		return response{}, err
	}
	resp, err := w.roundTrip(c, method, path, headers, body)
	if err != nil && reused {
		if c, _, err = w.dial(); err != nil {
			return response{}, err
		}
		resp, err = w.roundTrip(c, method, path, headers, body)
	}
	return resp, err
}

func (w *wire) roundTrip(c *wireConn, method, path string, headers []string, body []byte) (response, error) {
	b := append(c.buf[:0], method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, w.host...)
	for i := 0; i+1 < len(headers); i += 2 {
		b = append(b, "\r\n"...)
		b = append(b, headers[i]...)
		b = append(b, ": "...)
		b = append(b, headers[i+1]...)
	}
	if body != nil || method == http.MethodPut || method == http.MethodPost {
		b = append(b, "\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	c.buf = b
	c.SetDeadline(time.Now().Add(w.timeout))
	if _, err := c.Write(b); err != nil {
		c.Close()
		return response{}, err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		c.Close()
		return response{}, err
	}
	out := response{status: resp.StatusCode, errorType: resp.Header.Get("x-amzn-ErrorType")}
	out.body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.Close()
		return response{}, err
	}
	if resp.Close {
		c.Close()
		return out, nil
	}
	w.mu.Lock()
	w.idle = append(w.idle, c)
	w.mu.Unlock()
	return out, nil
}

// conn returns an idle connection (reused) or dials a new one.
func (w *wire) conn() (_ *wireConn, reused bool, err error) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		c := w.idle[n-1]
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		return c, true, nil
	}
	w.mu.Unlock()
	return w.dial()
}

func (w *wire) dial() (_ *wireConn, reused bool, err error) {
	d := net.Dialer{Timeout: w.timeout}
	var nc net.Conn
	if w.tls != nil {
		nc, err = (&tls.Dialer{NetDialer: &d, Config: w.tls}).Dial("tcp", w.addr)
	} else {
		nc, err = d.Dial("tcp", w.addr)
	}
	if err != nil {
		return nil, false, err
	}
	return &wireConn{Conn: nc, r: bufio.NewReaderSize(nc, 16<<10), buf: make([]byte, 0, 4<<10)}, false, nil
}

// close closes the idle connections.
func (w *wire) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.idle {
		c.Close()
	}
	w.idle = nil
}

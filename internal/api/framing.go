package api

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"pinpointd/internal/pinpoint"
)

// Request framing. A request whose header carries both Content-Length and Transfer-Encoding is
// ambiguous: net/http frames it by Transfer-Encoding, a proxy in front may frame it by
// Content-Length, and the bytes one of them takes for the next request the other takes for the
// body — request smuggling. HTTP/1.1 says to refuse such a request and close the connection,
// but net/http drops Content-Length before a handler sees the request. So FramingListener
// watches the bytes of each connection as net/http reads them, follows the framing of every
// request on it, and Server refuses a request whose header had both fields with 400 and closes
// the connection.
//
// To keep that watcher small, it does not follow chunked bodies: after a request with a chunked
// body, its connection is closed once the response is written (no SDK sends chunked requests to
// Pinpoint; they send Content-Length). TLS, if ever added, must be terminated inside the
// watched connection.

// FramingListener wraps ln so that a Server can refuse requests with ambiguous framing. The
// http.Server must have ConnContext set to ConnContext and DisableGeneralOptionsHandler set, so
// that every request read reaches the handler.
func FramingListener(ln net.Listener) net.Listener { return framingListener{ln} }

type framingListener struct{ net.Listener }

func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &framedConn{Conn: c}, nil
}

// ConnContext is for http.Server.ConnContext: it lets Server find the framing of each request
// that arrives on a connection from FramingListener.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*framedConn); ok {
		return context.WithValue(ctx, keyConn, fc)
	}
	return ctx
}

// framedConn is a connection whose incoming bytes are followed by a framingParser. Read is
// called by net/http's connection goroutine and its background reader; next by the handler.
type framedConn struct {
	net.Conn
	mu sync.Mutex
	p  framingParser
}

func (c *framedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		c.p.feed(b[:n])
		c.mu.Unlock()
	}
	return n, err
}

// next returns the framing of the next request served on c. net/http serves the requests of a
// connection one after the other, calls the handler for every request it reads (or closes the
// connection), and reads a request's header before calling the handler: so the handler's n-th
// call is for the n-th header the parser saw.
func (c *framedConn) next() framing {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.p.heads) == 0 {
		return framing{unknown: true}
	}
	f := c.p.heads[0]
	c.p.heads = c.p.heads[1:]
	return f
}

// checkFraming refuses a request whose header had both Content-Length and Transfer-Encoding, or
// whose framing could not be followed, and marks for closing every connection whose framing is
// not followed any further.
func checkFraming(w http.ResponseWriter, r *http.Request) error {
	fc, ok := r.Context().Value(keyConn).(*framedConn)
	if !ok {
		return nil
	}
	f := fc.next()
	if f.conflict || f.chunked || f.unknown {
		w.Header().Set("Connection", "close")
	}
	switch {
	case f.conflict:
		return pinpoint.BadRequest("The request has both a Content-Length and a Transfer-Encoding header; send one of them")
	case f.unknown:
		return pinpoint.BadRequest("The framing of the request (its Content-Length and Transfer-Encoding headers) could not be determined")
	}
	return nil
}

// framing is what a request's header says about its body.
type framing struct {
	conflict bool // both Content-Length and Transfer-Encoding
	chunked  bool // Transfer-Encoding on HTTP/1.1: the body is chunked (or net/http refuses it)
	unknown  bool // the header could not be followed (net/http refuses most such requests)
}

const (
	parseHead = iota // reading a request line and header fields
	parseBody        // skipping a Content-Length body
	parseDone        // no longer following the connection
)

// maxFramingLine is the longest line the parser keeps; the rest of a longer line is skipped, and
// a longer Content-Length or Transfer-Encoding field makes the request's framing unknown.
const maxFramingLine = 8 << 10

// framingParser follows the requests of one connection the way net/http frames them: a request
// line, header lines up to an empty line (a line starting with a space or tab continues the
// field before it; "\r\n" or a bare "\n" ends a line), then a body of Content-Length bytes, or a
// chunked body when HTTP/1.1 sends Transfer-Encoding (net/http ignores Transfer-Encoding on
// HTTP/1.0). It stops at a chunked body or anything it cannot follow.
type framingParser struct {
	state  int
	remain int64  // body bytes still to skip
	line   []byte // the current line, up to maxFramingLine bytes
	long   bool   // the current line is longer than maxFramingLine

	// The header being read.
	started bool     // its request line has been read
	http11  bool     // the request line says HTTP/1.1 or later
	lengths []string // Content-Length values
	encs    []string // Transfer-Encoding values
	last    *string  // the value a continuation line extends (a Content-Length or Transfer-Encoding)
	lost    bool     // the header cannot be followed

	heads []framing // headers read, not yet served
}

func (p *framingParser) feed(b []byte) {
	for len(b) > 0 {
		switch p.state {
		case parseDone:
			return
		case parseBody:
			k := int64(len(b))
			if k > p.remain {
				k = p.remain
			}
			p.remain -= k
			b = b[k:]
			if p.remain == 0 {
				p.state = parseHead
			}
		case parseHead:
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				p.appendLine(b)
				return
			}
			p.appendLine(b[:i])
			b = b[i+1:]
			p.endLine()
		}
	}
}

func (p *framingParser) appendLine(b []byte) {
	if room := maxFramingLine - len(p.line); len(b) > room {
		b = b[:room]
		p.long = true
	}
	p.line = append(p.line, b...)
}

// endLine handles one complete line of a header.
func (p *framingParser) endLine() {
	line := string(bytes.TrimSuffix(p.line, []byte("\r")))
	long := p.long
	p.line, p.long = p.line[:0], false
	switch {
	case !p.started:
		p.started = true
		_, rest, _ := strings.Cut(line, " ")
		_, proto, _ := strings.Cut(rest, " ")
		major, minor, ok := http.ParseHTTPVersion(proto)
		p.lost = p.lost || !ok || long
		p.http11 = major > 1 || major == 1 && minor >= 1
	case line == "":
		p.endHead()
	case line[0] == ' ' || line[0] == '\t':
		if p.last != nil {
			*p.last += " " + strings.Trim(line, " \t")
			p.lost = p.lost || long
		}
	default:
		name, value, ok := strings.Cut(line, ":")
		p.last = nil
		switch {
		case !ok:
			p.lost = true // net/http refuses it too
		case strings.EqualFold(name, "Content-Length"):
			p.lengths = append(p.lengths, value)
			p.last = &p.lengths[len(p.lengths)-1]
		case strings.EqualFold(name, "Transfer-Encoding"):
			p.encs = append(p.encs, value)
			p.last = &p.encs[len(p.encs)-1]
		default:
			return
		}
		p.lost = p.lost || long
	}
}

// endHead records the framing of the header just read and prepares for its body.
func (p *framingParser) endHead() {
	f := framing{conflict: len(p.lengths) > 0 && len(p.encs) > 0, unknown: p.lost}
	var length int64
	switch {
	case f.unknown:
	case p.http11 && len(p.encs) > 0:
		f.chunked = true
	case len(p.lengths) > 0:
		// net/http accepts repeated Content-Length fields only when they agree.
		v := strings.Trim(p.lengths[0], " \t")
		for _, o := range p.lengths[1:] {
			if strings.Trim(o, " \t") != v {
				f.unknown = true
			}
		}
		n, err := strconv.ParseUint(v, 10, 63)
		f.unknown = f.unknown || err != nil
		length = int64(n)
	}
	p.heads = append(p.heads, f)
	p.started, p.http11, p.lengths, p.encs, p.last, p.lost = false, false, p.lengths[:0], p.encs[:0], nil, false
	switch {
	case f.unknown || f.chunked:
		p.state = parseDone
	case length > 0:
		p.state, p.remain = parseBody, length
	}
}

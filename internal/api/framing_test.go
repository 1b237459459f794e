package api

import (
	"reflect"
	"strconv"
	"testing"
)

// TestFramingParser: the parser sees the headers net/http sees, skips Content-Length bodies
// (whatever they hold), and stops at a chunked body or a header it cannot follow; fed at once or
// byte by byte.
func TestFramingParser(t *testing.T) {
	const get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
	// A body that looks like a request with a chunked body.
	const lookalike = "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	for _, tt := range []struct {
		name, in string
		want     []framing
	}{
		{"two GETs", get + get, []framing{{}, {}}},
		{"bodies are skipped", "PUT / HTTP/1.1\r\nContent-Length: " + strconv.Itoa(len(lookalike)) + "\r\n\r\n" +
			lookalike + get, []framing{{}, {}}},
		{"bare LF", "PUT / HTTP/1.1\nContent-Length: 2\n\nxx" + get, []framing{{}, {}}},
		{"both fields", "PUT / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + get,
			[]framing{{conflict: true, chunked: true}}},
		{"both fields, lower case, Transfer-Encoding folded", "PUT / HTTP/1.1\r\ntransfer-encoding:\r\n chunked\r\ncontent-length: 5\r\n\r\n",
			[]framing{{conflict: true, chunked: true}}},
		{"chunked stops the parser", "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + get, []framing{{chunked: true}}},
		{"HTTP/1.0 frames by Content-Length", "PUT / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\nx" + get,
			[]framing{{conflict: true}, {}}},
		{"repeated equal Content-Length", "PUT / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length:  1 \r\n\r\nx" + get, []framing{{}, {}}},
		{"differing Content-Length", "PUT / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx" + get, []framing{{unknown: true}}},
		{"bad Content-Length", "PUT / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx" + get, []framing{{unknown: true}}},
		{"folded Content-Length", "PUT / HTTP/1.1\r\nContent-Length:\r\n 1\r\n\r\nx" + get, []framing{{}, {}}},
		{"bad request line", "GET /\r\n\r\n" + get, []framing{{unknown: true}}},
		{"field without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n" + get, []framing{{unknown: true}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var whole framingParser
			whole.feed([]byte(tt.in))
			if !reflect.DeepEqual(whole.heads, tt.want) {
				t.Errorf("fed at once: got %+v, want %+v", whole.heads, tt.want)
			}
			var bytewise framingParser
			for i := range len(tt.in) {
				bytewise.feed([]byte(tt.in[i : i+1]))
			}
			if !reflect.DeepEqual(bytewise.heads, tt.want) {
				t.Errorf("fed byte by byte: got %+v, want %+v", bytewise.heads, tt.want)
			}
		})
	}
}

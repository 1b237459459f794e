package pinpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Decode decodes the JSON body of a request into v, a pointer to the zero value of a request type.
// An empty or blank body decodes as {}. Everything it refuses is a BadRequestException that names
// the field:
//
//   - malformed JSON, and a value of the wrong type for its field;
//   - a string anywhere in the body, key or value, that is not valid UTF-8 text: a byte sequence
//     that is not UTF-8, or a \u escape of a lone UTF-16 surrogate such as \ud800 (encoding/json
//     would silently store either as U+FFFD);
//   - NUL (\u0000) in any string: no text column of PostgreSQL can hold it;
//   - null as an element of a list, as in {"a":["x",null]} (encoding/json would store "").
//
// EndpointRequest and EndpointBatchRequest bodies in their common form take a fast path
// (DecodeEndpointRequest, DecodeEndpointBatchRequest) whose result is exactly what the rest would
// give; FuzzDecodersAgree holds the two to that.
func Decode(body []byte, v any) error {
	return decode(body, v, true)
}

// decode is Decode, with the fast path only when fast is set.
func decode(body []byte, v any, fast bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if fast {
		// A body the fast path takes holds no escape, no null and only valid UTF-8, so
		// checkText has nothing to refuse in it.
		switch v := v.(type) {
		case *EndpointRequest:
			if DecodeEndpointRequest(body, v) {
				return nil
			}
		case *EndpointBatchRequest:
			if DecodeEndpointBatchRequest(body, v) {
				return nil
			}
		}
	}
	if err := checkText(body); err != nil {
		return err
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "the request body"
		}
		return BadRequest("Invalid value for %s: expected %s, got JSON %s", field, jsonType(te.Type.Kind().String()), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return BadRequest("Malformed JSON at byte %d: %v", se.Offset, se)
	}
	return BadRequest("Malformed JSON: %v", err)
}

func jsonType(kind string) string {
	switch kind {
	case "float64", "int64", "int", "int32":
		return "number"
	case "struct", "map", "ptr":
		return "object"
	case "slice":
		return "array"
	}
	return kind
}

// checkText walks body and refuses, naming its place, the first string (in document order) that
// is not valid UTF-8 text or holds NUL, and the first null element of a list. It leaves malformed
// JSON to encoding/json: where the document stops being JSON, it stops looking.
func checkText(body []byte) error {
	w := textWalker{b: body}
	w.value(0)
	return w.err
}

// maxDepth is how deep checkText follows nested values; encoding/json refuses deeper documents.
const maxDepth = 10000

// textWalker is a cursor over a JSON document that knows the path to the value it is in. Its
// methods consume one value and return false to stop the walk: where the document is not JSON,
// or when err holds the refusal.
type textWalker struct {
	b    []byte
	i    int
	path []pathElem
	err  error
}

// pathElem is one step of a path: an object key (raw, as in the document) or a list index.
type pathElem struct {
	key   []byte // nil for an index
	index int
	inMap bool // the key is a map key, shown as ["key"], not a field name, shown as .Key
}

// mapFields are the members of the model whose values are maps keyed by data, not by member
// names: their keys are shown as ["key"] in messages.
var mapFields = []string{"Attributes", "Metrics", "UserAttributes", "BatchItem", "Events", "tags"}

// isMapField reports whether the raw key names one of mapFields, as encoding/json matches names:
// ignoring case.
func isMapField(raw []byte) bool {
	if bytes.IndexByte(raw, '\\') >= 0 {
		raw = []byte(unquote(raw))
	}
	for _, f := range mapFields {
		if bytes.EqualFold(raw, []byte(f)) {
			return true
		}
	}
	return false
}

// where renders the path as messages name fields: Item[0].User.UserAttributes["k"][1].
func (w *textWalker) where() string {
	if len(w.path) == 0 {
		return "the request body"
	}
	var b strings.Builder
	for _, e := range w.path {
		switch {
		case e.key == nil:
			b.WriteString("[" + strconv.Itoa(e.index) + "]")
		case e.inMap:
			b.WriteString("[" + strconv.Quote(unquote(e.key)) + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(unquote(e.key))
		}
	}
	return b.String()
}

// unquote decodes the raw contents of a JSON string whose text checkText found valid.
func unquote(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var s string
	if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s); err != nil {
		return string(raw)
	}
	return s
}

func (w *textWalker) ws() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// next skips whitespace and reports whether c comes next, without consuming it.
func (w *textWalker) next(c byte) bool {
	w.ws()
	return w.i < len(w.b) && w.b[w.i] == c
}

func (w *textWalker) value(depth int) bool {
	if depth > maxDepth {
		return false
	}
	w.ws()
	if w.i >= len(w.b) {
		return false
	}
	switch w.b[w.i] {
	case '{':
		return w.object(depth)
	case '[':
		return w.array(depth)
	case '"':
		_, problem, ok := w.str()
		if ok && problem != "" {
			w.err = BadRequest("%s %s", w.where(), problem)
			return false
		}
		return ok
	}
	// A number or a literal: skip to the next delimiter; encoding/json judges its form.
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return true
		}
		w.i++
	}
	return true
}

func (w *textWalker) object(depth int) bool {
	w.i++ // {
	if w.next('}') {
		w.i++
		return true
	}
	n := len(w.path)
	inMap := n > 0 && w.path[n-1].key != nil && isMapField(w.path[n-1].key)
	for {
		if !w.next('"') {
			return false
		}
		key, problem, ok := w.str()
		if !ok {
			return false
		}
		if problem != "" {
			w.err = BadRequest("%s has a key, %q, that %s", w.where(), key, problem)
			return false
		}
		if !w.next(':') {
			return false
		}
		w.i++
		w.path = append(w.path, pathElem{key: key, inMap: inMap})
		if !w.value(depth + 1) {
			return false
		}
		w.path = w.path[:len(w.path)-1]
		switch {
		case w.next(','):
			w.i++
		case w.next('}'):
			w.i++
			return true
		default:
			return false
		}
	}
}

func (w *textWalker) array(depth int) bool {
	w.i++ // [
	if w.next(']') {
		w.i++
		return true
	}
	for index := 0; ; index++ {
		w.path = append(w.path, pathElem{index: index})
		w.ws()
		if bytes.HasPrefix(w.b[w.i:], []byte("null")) {
			w.err = BadRequest("%s is null; a list may not hold null", w.where())
			return false
		}
		if !w.value(depth + 1) {
			return false
		}
		w.path = w.path[:len(w.path)-1]
		switch {
		case w.next(','):
			w.i++
		case w.next(']'):
			w.i++
			return true
		default:
			return false
		}
	}
}

// str consumes the string at the cursor and returns its raw contents. problem says what is wrong
// with its text ("" when nothing is); ok is false where it is not a JSON string.
func (w *textWalker) str() (raw []byte, problem string, ok bool) {
	w.i++ // "
	start := w.i
	for w.i < len(w.b) {
		c := w.b[w.i]
		switch {
		case c == '"':
			raw = w.b[start:w.i]
			w.i++
			return raw, problem, true
		case c < 0x20:
			return nil, "", false
		case c == '\\':
			p, n, ok := escape(w.b[w.i:])
			if !ok {
				return nil, "", false
			}
			if problem == "" {
				problem = p
			}
			w.i += n
		case c < utf8.RuneSelf:
			w.i++
		default:
			r, n := utf8.DecodeRune(w.b[w.i:])
			if r == utf8.RuneError && n == 1 && problem == "" {
				problem = "is not valid UTF-8"
			}
			w.i += n
		}
	}
	return nil, "", false
}

// escape reads the escape sequence at the start of b and returns what is wrong with the text it
// stands for ("" when nothing is) and its length. ok is false when it is not a JSON escape.
func escape(b []byte) (problem string, n int, ok bool) {
	if len(b) < 2 {
		return "", 0, false
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return "", 2, true
	case 'u':
	default:
		return "", 0, false
	}
	r, ok := hex4(b[2:])
	switch {
	case !ok:
		return "", 0, false
	case r == 0:
		return `must not contain NUL (\u0000)`, 6, true
	case 0xD800 <= r && r < 0xDC00:
		// A high surrogate followed by a low one is one character.
		if len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
			if lo, ok := hex4(b[8:]); ok && 0xDC00 <= lo && lo < 0xE000 {
				return "", 12, true
			}
		}
		return "is not valid UTF-8: " + string(b[:6]) + " is a lone UTF-16 surrogate", 6, true
	case 0xDC00 <= r && r < 0xE000:
		return "is not valid UTF-8: " + string(b[:6]) + " is a lone UTF-16 surrogate", 6, true
	}
	return "", 6, true
}

// hex4 decodes four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

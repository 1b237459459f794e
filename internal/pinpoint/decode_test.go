package pinpoint

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDecodeRefusesText: every string of every request body, key or value, must be valid UTF-8
// text without NUL, and no list may hold null; the refusal names the place.
func TestDecodeRefusesText(t *testing.T) {
	for _, c := range []struct {
		name string
		body string
		into func() any
		want string // the whole message
	}{
		{"Address", "{\"Address\":\"a\xffb\"}", endpoint, "Address is not valid UTF-8"},
		{"attribute value", "{\"Attributes\":{\"k\":[\"ok\",\"\xfe\"]}}", endpoint, `Attributes["k"][1] is not valid UTF-8`},
		{"attribute name", "{\"Attributes\":{\"k\xff\":[\"v\"]}}", endpoint, `Attributes has a key, "k\xff", that is not valid UTF-8`},
		{"user ID", "{\"User\":{\"UserId\":\"\xc0\xaf\"}}", endpoint, "User.UserId is not valid UTF-8"},
		{"user attribute name", "{\"User\":{\"UserAttributes\":{\"\xed\xa0\x80\":[]}}}", endpoint, `User.UserAttributes has a key, "\xed\xa0\x80", that is not valid UTF-8`},
		{"demographic, after an escape", "{\"Demographic\":{\"Make\":\"\\n\xe4\xb8\"}}", endpoint, "Demographic.Make is not valid UTF-8"},
		{"unknown field", "{\"Foo\":{\"Bar\":\"\xff\"}}", endpoint, "Foo.Bar is not valid UTF-8"},
		{"top-level key", "{\"\xff\":1}", endpoint, `the request body has a key, "\xff", that is not valid UTF-8`},
		{"lone high surrogate", `{"Address":"a\ud800b"}`, endpoint, `Address is not valid UTF-8: \ud800 is a lone UTF-16 surrogate`},
		{"lone low surrogate", `{"Address":"\uDC00"}`, endpoint, `Address is not valid UTF-8: \uDC00 is a lone UTF-16 surrogate`},
		{"high surrogate at the end", `{"Address":"\ud83d"}`, endpoint, `Address is not valid UTF-8: \ud83d is a lone UTF-16 surrogate`},
		{"two high surrogates", `{"Address":"\ud83d\ud83d"}`, endpoint, `Address is not valid UTF-8: \ud83d is a lone UTF-16 surrogate`},
		{"NUL", `{"Address":"a\u0000"}`, endpoint, `Address must not contain NUL (\u0000)`},
		{"NUL in a key", `{"Metrics":{"a\u0000":1}}`, endpoint, `Metrics has a key, "a\\u0000", that must not contain NUL (\u0000)`},
		{"null attribute value", `{"Attributes":{"a":["x",null]}}`, endpoint, `Attributes["a"][1] is null; a list may not hold null`},
		{"null user attribute value", `{"User":{"UserAttributes":{"a":[null]}}}`, endpoint, `User.UserAttributes["a"][0] is null; a list may not hold null`},
		{"escaped key named", `{"Attributes":{"a\"b":["\udfff"]}}`, endpoint, `Attributes["a\"b"][0] is not valid UTF-8: \udfff is a lone UTF-16 surrogate`},
		{"batch item", "{\"Item\":[{\"Id\":\"a\"},{\"Id\":\"b\",\"Address\":\"\xff\"}]}", batch, "Item[1].Address is not valid UTF-8"},
		{"batch Id", "{\"Item\":[{\"Id\":\"\xff\"}]}", batch, "Item[0].Id is not valid UTF-8"},
		{"null batch item", `{"Item":[{"Id":"a"},null]}`, batch, "Item[1] is null; a list may not hold null"},
		{"event attribute", "{\"BatchItem\":{\"e1\":{\"Events\":{\"ev\":{\"Attributes\":{\"k\":\"\xff\"}}}}}}", events, `BatchItem["e1"].Events["ev"].Attributes["k"] is not valid UTF-8`},
		{"event endpoint", "{\"BatchItem\":{\"e1\":{\"Endpoint\":{\"Address\":\"\xff\"}}}}", events, `BatchItem["e1"].Endpoint.Address is not valid UTF-8`},
		{"endpoint ID of an event batch", "{\"BatchItem\":{\"e\xff\":{}}}", events, `BatchItem has a key, "e\xff", that is not valid UTF-8`},
		{"app name", "{\"Name\":\"\xff\"}", createApp, "Name is not valid UTF-8"},
		{"tag value", `{"tags":{"k":"\ud800"}}`, tags, `tags["k"] is not valid UTF-8: \ud800 is a lone UTF-16 surrogate`},
		{"excluded name", "{\"Blacklist\":[\"a\",\"\xff\"]}", exclusions, "Blacklist[1] is not valid UTF-8"},
		{"null excluded name", `{"Blacklist":[null]}`, exclusions, "Blacklist[0] is null; a list may not hold null"},
		{"the first in document order", "{\"OptOut\":\"\xff\",\"Address\":\"\xff\"}", endpoint, "OptOut is not valid UTF-8"},
		{"in a duplicate key encoding/json would overwrite", "{\"Address\":\"\xff\",\"Address\":\"ok\"}", endpoint, "Address is not valid UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Decode([]byte(c.body), c.into())
			if ErrorCode(err) != CodeBadRequest {
				t.Fatalf("got %v, want a %s", err, CodeBadRequest)
			}
			if got := err.(*Error).Message; got != c.want {
				t.Errorf("message:\ngot  %s\nwant %s", got, c.want)
			}
		})
	}
}

func endpoint() any   { return new(EndpointRequest) }
func batch() any      { return new(EndpointBatchRequest) }
func events() any     { return new(EventsRequest) }
func createApp() any  { return new(CreateApplicationRequest) }
func tags() any       { return new(TagsModel) }
func exclusions() any { return new(UpdateAttributesRequest) }

// TestDecodeAcceptsText: what is valid text stays accepted, and decodes as encoding/json does.
func TestDecodeAcceptsText(t *testing.T) {
	for _, c := range []struct {
		name, body, address string
	}{
		{"surrogate pair", `{"Address":"\ud83c\udf0d"}`, "🌍"},
		{"surrogate pair, upper case", `{"Address":"\uD83C\uDF0D"}`, "🌍"},
		{"U+FFFD sent as such", "{\"Address\":\"\uFFFD\"}", "\uFFFD"},
		{"U+FFFD escaped", `{"Address":"\ufffd"}`, "\uFFFD"},
		{"escapes", `{"Address":"\"\\\/\b\f\n\r\t\u00e9\u2028"}`, "\"\\/\b\f\n\r\t\u00e9\u2028"},
		{"backslash then u0000, not NUL", `{"Address":"\\u0000"}`, `\u0000`},
		{"null outside lists", `{"Address":"a","Attributes":{"k":null},"User":null,"Demographic":{"Make":null}}`, "a"},
		{"the word null inside a list's string", `{"Address":"a","Attributes":{"k":["null"," null"]}}`, "a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r EndpointRequest
			if err := Decode([]byte(c.body), &r); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if r.Address == nil || *r.Address != c.address {
				t.Errorf("Address: got %q, want %q", derefOr(r.Address), c.address)
			}
			var want EndpointRequest
			if err := json.Unmarshal([]byte(c.body), &want); err != nil || !reflect.DeepEqual(r, want) {
				t.Errorf("encoding/json: got %s (%v), want %s", dump(want), err, dump(r))
			}
		})
	}
}

func derefOr(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestCheckTextLeavesMalformedJSON: checkText stops where the document is not JSON and leaves the
// refusal to encoding/json, which names the byte.
func TestCheckTextLeavesMalformedJSON(t *testing.T) {
	for _, body := range []string{
		`{"Address":"a"`, `{"Address" "a"}`, `{"Address":"a\x"}`, `{"Address":"\u12"}`, "{\"Address\":\"a\n\"}",
		`{"Attributes":{"a":["x",]}}`, `[1,2`, `{"a":1}}`, `{"a":tru}`, "\x00", `"`, `{"a`,
	} {
		if err := checkText([]byte(body)); err != nil {
			t.Errorf("checkText(%q): got %v, want nil", body, err)
		}
		err := Decode([]byte(body), new(EndpointRequest))
		if ErrorCode(err) != CodeBadRequest || !strings.Contains(err.Error(), "JSON") {
			t.Errorf("Decode(%q): got %v, want a BadRequestException about malformed JSON", body, err)
		}
	}
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	if err := Decode([]byte(deep), new(EndpointRequest)); ErrorCode(err) != CodeBadRequest {
		t.Errorf("Decode of 20000 nested lists: got %v, want a BadRequestException", err)
	}
}

// textSeeds are bodies around the text rules, for the fuzz test's corpus.
var textSeeds = []string{
	"{\"Address\":\"a\xffb\"}", `{"Address":"\ud800"}`, `{"Address":"\ud83c\udf0d"}`, `{"Address":"\u0000"}`,
	`{"Attributes":{"a":["x",null]}}`, "{\"Attributes\":{\"\xff\":[\"x\"]}}", `{"Item":[null]}`,
	`{"Item":[{"Id":"a","User":{"UserAttributes":{"k":["\udc00"]}}}]}`, `{"Address":"\\u0000"}`,
}

// FuzzDecodersAgree feeds the same bytes to the fast decoder and to encoding/json, each followed
// by validation, as an UpdateEndpoint and as an UpdateEndpointsBatch body, and fails on any
// difference in outcome: the error (code and message) and, when both decode, the value. It also
// fails when a body that is not valid UTF-8 is accepted, or when an accepted body yields NUL or a
// U+FFFD it did not send. .ci/run runs it for a bounded time.
func FuzzDecodersAgree(f *testing.F) {
	for _, c := range endpointCases {
		f.Add([]byte(c.body))
	}
	for _, c := range batchCases {
		f.Add([]byte(c.body))
	}
	for _, s := range textSeeds {
		f.Add([]byte(s))
		f.Add([]byte(`{"Item":[{"Id":"e",` + strings.TrimPrefix(s, "{") + `]}`))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		decodersAgree(t, body, func(r *EndpointRequest) error { return r.Validate("") }, func(r *EndpointRequest) any { return floatBits(r) })
		decodersAgree(t, body, func(r *EndpointBatchRequest) error { return r.Validate() }, func(r *EndpointBatchRequest) any {
			var bits []map[string]uint64
			for i := range r.Item {
				bits = append(bits, floatBits(&r.Item[i].EndpointRequest))
			}
			return bits
		})
	})
}

// decodersAgree decodes and validates body into a T with and without the fast path and fails t
// on any difference in outcome or a broken text rule.
func decodersAgree[T any](t *testing.T, body []byte, validate func(*T) error, floats func(*T) any) {
	t.Helper()
	outcome := func(fast bool) (T, error, error) {
		var v T
		derr := decode(body, &v, fast)
		var verr error
		if derr == nil {
			verr = validate(&v)
		}
		return v, derr, verr
	}
	fv, fd, fvErr := outcome(true)
	sv, sd, svErr := outcome(false)
	if !sameError(fd, sd) || !sameError(fvErr, svErr) {
		t.Fatalf("%q: outcomes differ:\nfast path:     decode %v, validate %v\nencoding/json: decode %v, validate %v", body, fd, fvErr, sd, svErr)
	}
	if sd != nil {
		return
	}
	if !reflect.DeepEqual(fv, sv) {
		t.Fatalf("%q: values differ:\nfast path:     %s\nencoding/json: %s", body, dump(fv), dump(sv))
	}
	if g, w := floats(&fv), floats(&sv); !reflect.DeepEqual(g, w) {
		t.Fatalf("%q: float bits differ: fast path %v, encoding/json %v", body, g, w)
	}
	if !utf8.Valid(body) {
		t.Fatalf("%q: accepted a body that is not valid UTF-8", body)
	}
	sentFFFD := bytes.ContainsRune(body, utf8.RuneError) || bytes.Contains(bytes.ToLower(body), []byte(`\ufffd`))
	for _, str := range stringsIn(reflect.ValueOf(sv), nil) {
		if strings.ContainsRune(str, 0) {
			t.Fatalf("%q: accepted NUL in %q", body, str)
		}
		if strings.ContainsRune(str, utf8.RuneError) && !sentFFFD {
			t.Fatalf("%q: decoded to a U+FFFD the body did not send: %q", body, str)
		}
	}
}

// stringsIn appends every string in v, map keys included, to out.
func stringsIn(v reflect.Value, out []string) []string {
	switch v.Kind() {
	case reflect.String:
		out = append(out, v.String())
	case reflect.Pointer:
		if !v.IsNil() {
			out = stringsIn(v.Elem(), out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			out = stringsIn(v.Field(i), out)
		}
	case reflect.Slice:
		for i := range v.Len() {
			out = stringsIn(v.Index(i), out)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			out = stringsIn(it.Value(), stringsIn(it.Key(), out))
		}
	}
	return out
}

// sameError reports whether a and b are both nil or carry the same code and message.
func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error()
}

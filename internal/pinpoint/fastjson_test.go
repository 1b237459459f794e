package pinpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// fastBody is a typical UpdateEndpoint body, as the load generator sends it.
const fastBody = `{"Address":"fcm-token-00000042-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","Attributes":{"interests":["music","travel","technology"],"pad":["ppppp"],"plan":["premium"]},"ChannelType":"GCM","Demographic":{"AppVersion":"4.2.1","Locale":"en_US","Make":"Google","Model":"Pixel 8","Platform":"android","PlatformVersion":"15","Timezone":"America/Los_Angeles"},"Location":{"City":"Seattle","Country":"US","Latitude":47.61,"Longitude":-122.33,"PostalCode":"98121","Region":"WA"},"Metrics":{"purchases":3,"sessions":42},"OptOut":"NONE","User":{"UserAttributes":{"tier":["gold"]},"UserId":"user-00000042"}}`

// sdkBody is shaped like what the AWS SDKs send: every field, numbers in several forms.
const sdkBody = `{"Address":"+12065550100","Attributes":{"a":["x"]},"ChannelType":"SMS","Demographic":{"AppVersion":"1","Locale":"en","Make":"m","Model":"M","ModelVersion":"2","Platform":"ios","PlatformVersion":"17","Timezone":"UTC"},"EffectiveDate":"2026-11-29T12:00:00.000Z","EndpointStatus":"ACTIVE","Location":{"City":"c","Country":"US","Latitude":0.5,"Longitude":-1,"PostalCode":"1","Region":"r"},"Metrics":{"big":1e3,"half":0.5,"neg":-1,"exp":2.5E-3,"plus":1e+2},"OptOut":"ALL","RequestId":"req-1","User":{"UserAttributes":{"u":["1","2"]},"UserId":"u1"}}`

// batchBody returns a batch of n items, each fastBody with an Id first.
func batchBody(n int) string {
	var b strings.Builder
	b.WriteString(`{"Item":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Id":"bench-endpoint-%08d",%s`, i, fastBody[1:])
	}
	b.WriteString(`]}`)
	return b.String()
}

// checkEndpoint runs both decoders on body and fails t if the fast path broke its contract.
// It returns whether the fast path handled body.
func checkEndpoint(t testing.TB, body []byte) bool {
	t.Helper()
	return checkDecode(t, body, DecodeEndpointRequest, func(r *EndpointRequest) any { return floatBits(r) })
}

// checkBatch is checkEndpoint for a batch body.
func checkBatch(t testing.TB, body []byte) bool {
	t.Helper()
	return checkDecode(t, body, DecodeEndpointBatchRequest, func(r *EndpointBatchRequest) any {
		var bits []map[string]uint64
		for i := range r.Item {
			bits = append(bits, floatBits(&r.Item[i].EndpointRequest))
		}
		return bits
	})
}

// checkDecode compares fast with encoding/json on body; floats returns the bits of every float
// in a value, because reflect.DeepEqual holds -0 and +0 equal.
func checkDecode[T any](t testing.TB, body []byte, fast func([]byte, *T) bool, floats func(*T) any) bool {
	t.Helper()
	var got, want, zero T
	ok := fast(body, &got)
	err := json.Unmarshal(body, &want)
	if !ok {
		if !reflect.DeepEqual(got, zero) {
			t.Fatalf("declined %q but left %+v", body, got)
		}
		return false
	}
	if err != nil {
		t.Fatalf("handled %q, which encoding/json rejects: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nfast:          %s\nencoding/json: %s", body, dump(got), dump(want))
	}
	if g, w := floats(&got), floats(&want); !reflect.DeepEqual(g, w) {
		t.Fatalf("%q: float bits differ (sign of zero?): fast %v, encoding/json %v", body, g, w)
	}
	return true
}

// floatBits returns the bits of every float in r, by field, because reflect.DeepEqual holds
// -0 and +0 equal.
func floatBits(r *EndpointRequest) map[string]uint64 {
	m := map[string]uint64{}
	for k, v := range r.Metrics {
		if v != nil {
			m["Metrics."+k] = math.Float64bits(*v)
		}
	}
	if l := r.Location; l != nil {
		if l.Latitude != nil {
			m["Latitude"] = math.Float64bits(*l.Latitude)
		}
		if l.Longitude != nil {
			m["Longitude"] = math.Float64bits(*l.Longitude)
		}
	}
	return m
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

type fastCase struct {
	name string
	body string
	ok   bool // whether the fast path handles it
}

var endpointCases = []fastCase{
	// The common case.
	{"typical", fastBody, true},
	{"sdk", sdkBody, true},
	{"empty object", `{}`, true},
	{"one field", `{"Address":"a"}`, true},
	{"empty string", `{"Address":""}`, true},
	{"every top-level string", `{"Address":"a","ChannelType":"EMAIL","EffectiveDate":"2026-01-02","EndpointStatus":"INACTIVE","OptOut":"NONE","RequestId":"r"}`, true},

	// Whitespace.
	{"whitespace everywhere", " \t\r\n{ \"Address\" \n:\t\"a\" , \"Attributes\" : { \"k\" : [ \"v\" , \"w\" ] } , \"Metrics\" : { \"m\" : 1 } , \"Location\" : { \"Latitude\" : -0.5 } } \r\n\t ", true},
	{"trailing newline", fastBody + "\n", true},
	{"pretty", "{\n  \"Address\": \"a\",\n  \"User\": {\n    \"UserId\": \"u\"\n  }\n}\n", true},
	{"form feed", "{\"Address\":\"a\"}\f", false},
	{"no-break space", "{\"Address\":\"a\"}\u00a0", false},
	{"vertical tab", "\v{}", false},

	// Empty containers.
	{"empty attributes", `{"Attributes":{}}`, true},
	{"empty attribute values", `{"Attributes":{"a":[]}}`, true},
	{"empty metrics", `{"Metrics":{}}`, true},
	{"empty demographic", `{"Demographic":{}}`, true},
	{"empty location", `{"Location":{}}`, true},
	{"empty user", `{"User":{}}`, true},
	{"empty user attributes", `{"User":{"UserAttributes":{}}}`, true},
	{"empty user attribute values", `{"User":{"UserAttributes":{"a":[]}}}`, true},
	{"empty key", `{"Attributes":{"":["x"]},"Metrics":{"":1}}`, true},
	{"many values", `{"Attributes":{"a":["1","2","3","4","5","6","7","8","9","10","11","12"]}}`, true},

	// Unicode.
	{"non-ASCII values", `{"Address":"Grüße, 世界 🌍","Location":{"City":"München"},"Attributes":{"日本":["東京","大阪"]}}`, true},
	{"non-ASCII keys", `{"Metrics":{"ключ":1},"User":{"UserAttributes":{"é":["ü"]}}}`, true},
	{"U+2028 and DEL", "{\"Address\":\"a\u2028b\x7f\"}", true},
	{"literal U+FFFD", "{\"Address\":\"\uFFFD\"}", true},
	{"invalid UTF-8 byte", "{\"Address\":\"a\xffb\"}", false},
	{"truncated UTF-8", "{\"Address\":\"a\xe4\xb8\"}", false},
	{"overlong UTF-8", "{\"Address\":\"\xc0\xaf\"}", false},
	{"surrogate in UTF-8", "{\"Address\":\"\xed\xa0\x80\"}", false},
	{"invalid UTF-8 key", "{\"Attributes\":{\"\xff\":[\"x\"]}}", false},
	{"invalid UTF-8 in array", "{\"Attributes\":{\"k\":[\"\xfe\"]}}", false},

	// Strings the fast path leaves to encoding/json.
	{"escape", `{"Address":"a\nb"}`, false},
	{"escaped quote", `{"Address":"a\"b"}`, false},
	{"unicode escape", `{"Address":"\u00e9"}`, false},
	{"escaped key", `{"Addr\u0065ss":"a"}`, false},
	{"escape in map key", `{"Attributes":{"a\/b":["x"]}}`, false},
	{"raw tab", "{\"Address\":\"a\tb\"}", false},
	{"raw newline", "{\"Address\":\"a\nb\"}", false},
	{"raw NUL", "{\"Address\":\"a\x00b\"}", false},

	// Numbers.
	{"integer", `{"Metrics":{"m":42}}`, true},
	{"zero", `{"Metrics":{"m":0}}`, true},
	{"negative zero", `{"Metrics":{"m":-0},"Location":{"Latitude":-0,"Longitude":-0.0}}`, true},
	{"negative zero exponent", `{"Metrics":{"m":-0e10}}`, true},
	{"fraction", `{"Metrics":{"m":0.5}}`, true},
	{"exponent", `{"Metrics":{"a":1e3,"b":1E3,"c":1e+3,"d":1e-3,"e":-2.5e-3}}`, true},
	{"1e308", `{"Metrics":{"m":1e308}}`, true},
	{"max float", `{"Metrics":{"m":1.7976931348623157e308}}`, true},
	{"underflow", `{"Metrics":{"m":1e-400,"n":-1e-400}}`, true},
	{"denormal", `{"Metrics":{"m":5e-324}}`, true},
	{"long mantissa", `{"Metrics":{"m":123456789012345678901234567890.123456789012345678901234567890}}`, true},
	{"leading zero exponent", `{"Metrics":{"m":1e007}}`, true},
	{"1e309", `{"Metrics":{"m":1e309}}`, false},
	{"-1e309", `{"Location":{"Latitude":-1e309}}`, false},
	{"01", `{"Metrics":{"m":01}}`, false},
	{"-01", `{"Metrics":{"m":-01}}`, false},
	{"1.", `{"Metrics":{"m":1.}}`, false},
	{".5", `{"Metrics":{"m":.5}}`, false},
	{"+1", `{"Metrics":{"m":+1}}`, false},
	{"0x10", `{"Metrics":{"m":0x10}}`, false},
	{"1e", `{"Metrics":{"m":1e}}`, false},
	{"1e+", `{"Metrics":{"m":1e+}}`, false},
	{"minus", `{"Metrics":{"m":-}}`, false},
	{"NaN", `{"Metrics":{"m":NaN}}`, false},
	{"Infinity", `{"Metrics":{"m":Infinity}}`, false},
	{"1.5.2", `{"Metrics":{"m":1.5.2}}`, false},
	{"number then letter", `{"Location":{"Latitude":1x}}`, false},

	// null and other literals.
	{"null body", `null`, false},
	{"null field", `{"Address":null}`, false},
	{"null attributes", `{"Attributes":null}`, false},
	{"null attribute values", `{"Attributes":{"a":null}}`, false},
	{"null attribute value", `{"Attributes":{"a":["x",null]}}`, false},
	{"null metric", `{"Metrics":{"m":null}}`, false},
	{"null demographic", `{"Demographic":null}`, false},
	{"null latitude", `{"Location":{"Latitude":null}}`, false},
	{"null user id", `{"User":{"UserId":null}}`, false},
	{"true", `{"OptOut":true}`, false},

	// Keys.
	{"unknown key", `{"Foo":"a"}`, false},
	{"unknown key after known", `{"Address":"a","Foo":1}`, false},
	{"lower-case key", `{"address":"a"}`, false},
	{"upper-case key", `{"ADDRESS":"a"}`, false},
	{"Id at top level", `{"Id":"e1","Address":"a"}`, false},
	{"unknown demographic key", `{"Demographic":{"make":"a"}}`, false},
	{"unknown location key", `{"Location":{"Lat":1}}`, false},
	{"unknown user key", `{"User":{"UserID":"u"}}`, false},
	{"Endpoint key at wrong level", `{"User":{"Address":"a"}}`, false},

	// Duplicate keys.
	{"duplicate string", `{"Address":"a","Address":"b"}`, false},
	{"duplicate object", `{"Demographic":{"Make":"a"},"Demographic":{"Model":"b"}}`, false},
	{"duplicate empty object", `{"User":{},"User":{}}`, false},
	{"duplicate map", `{"Attributes":{"a":["1"]},"Attributes":{"b":["2"]}}`, false},
	{"duplicate empty map", `{"Metrics":{},"Metrics":{}}`, false},
	{"duplicate nested field", `{"Demographic":{"Make":"a","Make":"b"}}`, false},
	{"duplicate latitude", `{"Location":{"Latitude":1,"Latitude":2}}`, false},
	{"duplicate user attributes", `{"User":{"UserAttributes":{},"UserAttributes":{}}}`, false},
	{"duplicate attribute key", `{"Attributes":{"a":["1","2"],"b":["x"],"a":["3"]}}`, true},
	{"duplicate attribute key, then empty", `{"Attributes":{"a":["1"],"a":[]}}`, true},
	{"duplicate metric key", `{"Metrics":{"m":1,"n":2,"m":-0}}`, true},
	{"duplicate user attribute key", `{"User":{"UserAttributes":{"a":["1"],"a":["2"]}}}`, true},

	// Type mismatches.
	{"number for string", `{"Address":1}`, false},
	{"array for string", `{"Address":["a"]}`, false},
	{"object for string", `{"Address":{}}`, false},
	{"string for object", `{"Demographic":"x"}`, false},
	{"array for object", `{"Location":[]}`, false},
	{"array for map", `{"Attributes":[]}`, false},
	{"string for array", `{"Attributes":{"a":"x"}}`, false},
	{"number in array", `{"Attributes":{"a":[1]}}`, false},
	{"object in array", `{"Attributes":{"a":[{}]}}`, false},
	{"nested array", `{"Attributes":{"a":[[]]}}`, false},
	{"string for number", `{"Metrics":{"m":"1"}}`, false},
	{"string for latitude", `{"Location":{"Latitude":"1"}}`, false},
	{"number for city", `{"Location":{"City":1}}`, false},
	{"array body", `[]`, false},
	{"string body", `"x"`, false},
	{"number body", `1`, false},

	// Malformed or trailing input.
	{"empty body", ``, false},
	{"blank body", " \n", false},
	{"trailing garbage", `{} x`, false},
	{"two objects", `{}{}`, false},
	{"unterminated object", `{"Address":"a"`, false},
	{"unterminated string", `{"Address":"a`, false},
	{"trailing comma", `{"Address":"a",}`, false},
	{"trailing comma in array", `{"Attributes":{"a":["x",]}}`, false},
	{"trailing comma in map", `{"Metrics":{"m":1,}}`, false},
	{"missing colon", `{"Address" "a"}`, false},
	{"missing comma", `{"Address":"a" "OptOut":"ALL"}`, false},
	{"unbalanced", `{"Attributes":{"a":["x"]]}`, false},
	{"lone comma", `{,}`, false},
	{"unquoted key", `{Address:"a"}`, false},
	{"single quotes", `{'Address':'a'}`, false},
	{"BOM", "\ufeff{}", false},
}

var batchCases = []fastCase{
	{"batch", batchBody(3), true},
	{"batch of one", batchBody(1), true},
	{"sdk item", `{"Item":[{"Id":"e1",` + sdkBody[1:] + `]}`, true},
	{"empty item list", `{"Item":[]}`, true},
	{"empty body object", `{}`, true},
	{"empty items", `{"Item":[{},{}]}`, true},
	{"whitespace", " {\n\t\"Item\" : [ { \"Id\" : \"e1\" } ,\r\n{\"Id\":\"e2\",\"Metrics\":{\"m\":-0}} ] } \n", true},
	{"Id only", `{"Item":[{"Id":"e1"}]}`, true},
	{"Id last", `{"Item":[{"Address":"a","Id":"e1"}]}`, true},

	{"empty", ``, false},
	{"null", `null`, false},
	{"null item list", `{"Item":null}`, false},
	{"null item", `{"Item":[null]}`, false},
	{"null Id", `{"Item":[{"Id":null}]}`, false},
	{"object for item list", `{"Item":{}}`, false},
	{"string item", `{"Item":["x"]}`, false},
	{"array item", `{"Item":[[]]}`, false},
	{"number Id", `{"Item":[{"Id":1}]}`, false},
	{"lower-case Item", `{"item":[]}`, false},
	{"unknown top-level key", `{"Item":[],"Foo":1}`, false},
	{"lower-case Id", `{"Item":[{"id":"e1"}]}`, false},
	{"unknown item key", `{"Item":[{"Id":"e1","Foo":1}]}`, false},
	{"duplicate Item", `{"Item":[],"Item":[]}`, false},
	{"duplicate Id", `{"Item":[{"Id":"a","Id":"b"}]}`, false},
	{"duplicate item field", `{"Item":[{"Id":"a","Address":"x","Address":"y"}]}`, false},
	{"same Id in two items", `{"Item":[{"Id":"a"},{"Id":"a"}]}`, true},
	{"decline in last item", `{"Item":[{"Id":"a"},{"Id":"b","Metrics":{"m":1e309}}]}`, false},
	{"trailing comma", `{"Item":[{"Id":"a"},]}`, false},
	{"trailing garbage", `{"Item":[]}]`, false},
	{"endpoint body", fastBody, false},
}

func TestDecodeEndpointRequest(t *testing.T) {
	for _, c := range endpointCases {
		t.Run(c.name, func(t *testing.T) {
			if ok := checkEndpoint(t, []byte(c.body)); ok != c.ok {
				t.Errorf("handled = %v, want %v", ok, c.ok)
			}
		})
	}
}

func TestDecodeEndpointBatchRequest(t *testing.T) {
	for _, c := range batchCases {
		t.Run(c.name, func(t *testing.T) {
			if ok := checkBatch(t, []byte(c.body)); ok != c.ok {
				t.Errorf("handled = %v, want %v", ok, c.ok)
			}
		})
	}
}

// TestDecodeEndpointRequestShapes checks, beyond DeepEqual, the details that matter to Merge.
func TestDecodeEndpointRequestShapes(t *testing.T) {
	var r EndpointRequest
	if !DecodeEndpointRequest([]byte(`{"Attributes":{"a":[]},"Metrics":{},"Demographic":{},"User":{"UserAttributes":{"b":["1"],"b":["2","3"]}},"Location":{"Latitude":-0}}`), &r) {
		t.Fatal("declined")
	}
	if v, ok := r.Attributes["a"]; !ok || v == nil || len(v) != 0 {
		t.Errorf(`Attributes["a"] = %#v, %v; want a non-nil empty slice`, v, ok)
	}
	if r.Metrics == nil || len(r.Metrics) != 0 {
		t.Errorf("Metrics = %#v; want a non-nil empty map", r.Metrics)
	}
	if r.Demographic == nil || *r.Demographic != (DemographicRequest{}) {
		t.Errorf("Demographic = %#v; want a pointer to a zero struct", r.Demographic)
	}
	if got := r.User.UserAttributes["b"]; !reflect.DeepEqual(got, []string{"2", "3"}) {
		t.Errorf(`UserAttributes["b"] = %q; want the last value`, got)
	}
	if l := r.Location.Latitude; l == nil || *l != 0 || !math.Signbit(*l) {
		t.Errorf("Latitude = %v; want -0", l)
	}

	var b EndpointBatchRequest
	if !DecodeEndpointBatchRequest([]byte(`{"Item":[]}`), &b) || b.Item == nil || len(b.Item) != 0 {
		t.Errorf("Item = %#v; want a non-nil empty slice", b.Item)
	}

	// Distinct fields get distinct pointers even though they share storage.
	r = EndpointRequest{}
	if !DecodeEndpointRequest([]byte(fastBody), &r) {
		t.Fatal("declined the typical body")
	}
	*r.Address = "changed"
	if *r.ChannelType != "GCM" || *r.OptOut != "NONE" {
		t.Errorf("writing Address changed other fields: %q %q", *r.ChannelType, *r.OptOut)
	}
}

// TestDecodePrefixes checks every prefix and every one-byte deletion of the typical bodies.
func TestDecodePrefixes(t *testing.T) {
	for _, body := range []string{fastBody, sdkBody} {
		for i := range len(body) {
			if checkEndpoint(t, []byte(body[:i])) {
				t.Fatalf("handled the truncated body %q", body[:i])
			}
			checkEndpoint(t, []byte(body[:i]+body[i+1:]))
		}
	}
	batch := batchBody(2)
	for i := range len(batch) {
		if checkBatch(t, []byte(batch[:i])) {
			t.Fatalf("handled the truncated body %q", batch[:i])
		}
		checkBatch(t, []byte(batch[:i]+batch[i+1:]))
	}
}

// TestDecodeRandomBodies encodes random requests with encoding/json and checks that the fast
// path handles every body without a backslash, and decodes it as encoding/json does.
func TestDecodeRandomBodies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Characters from escapes need an escape in JSON (encoding/json writes U+2028 as \u2028).
	alphabet := []string{"a", "Z", "0", " ", "-", "/", "é", "世", "🌍", "\x7f", "<", "&", "\uFFFD"}
	escapes := []string{`"`, `\\`, "\n", "\x00", "\u2028"}
	str := func() string {
		var b strings.Builder
		for range rng.IntN(6) {
			if rng.IntN(100) == 0 {
				b.WriteString(escapes[rng.IntN(len(escapes))])
			} else {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
		}
		return b.String()
	}
	num := func() float64 {
		switch rng.IntN(4) {
		case 0:
			return math.Copysign(0, -1)
		case 1:
			return float64(rng.IntN(2000) - 1000)
		case 2:
			return rng.NormFloat64() * 100
		}
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = math.SmallestNonzeroFloat64
		}
		return f
	}
	// object returns an object with a random subset of fields, each made by value.
	object := func(fields []string, value func(field string) any) map[string]any {
		m := map[string]any{}
		for _, f := range fields {
			if rng.IntN(3) > 0 {
				m[f] = value(f)
			}
		}
		return m
	}
	attrs := func() map[string][]string {
		m := map[string][]string{}
		for range rng.IntN(4) {
			vs := []string{}
			for range rng.IntN(4) {
				vs = append(vs, str())
			}
			m[str()] = vs
		}
		return m
	}
	request := func(fields ...string) map[string]any {
		return object(fields, func(field string) any {
			switch field {
			case "Attributes":
				return attrs()
			case "Demographic":
				return object([]string{"AppVersion", "Locale", "Make", "Model", "ModelVersion", "Platform", "PlatformVersion", "Timezone"},
					func(string) any { return str() })
			case "Location":
				return object([]string{"City", "Country", "Latitude", "Longitude", "PostalCode", "Region"}, func(f string) any {
					if strings.HasSuffix(f, "itude") {
						return num()
					}
					return str()
				})
			case "Metrics":
				m := map[string]float64{}
				for range rng.IntN(4) {
					m[str()] = num()
				}
				return m
			case "User":
				return object([]string{"UserAttributes", "UserId"}, func(f string) any {
					if f == "UserId" {
						return str()
					}
					return attrs()
				})
			}
			return str()
		})
	}
	fields := []string{"Address", "Attributes", "ChannelType", "Demographic", "EffectiveDate", "EndpointStatus",
		"Location", "Metrics", "OptOut", "RequestId", "User"}
	encode := func(v any) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if rng.IntN(2) == 0 {
			enc.SetIndent(" ", "\t")
		}
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	handled := [2]int{}
	for range 3000 {
		body := encode(request(fields...))
		ok := checkEndpoint(t, body)
		if want := !bytes.Contains(body, []byte(`\`)); ok != want {
			t.Fatalf("handled = %v, want %v for %s", ok, want, body)
		}
		if ok {
			handled[0]++
		}

		items := make([]map[string]any, rng.IntN(4))
		for i := range items {
			items[i] = request(append(fields, "Id")...)
		}
		body = encode(map[string]any{"Item": items})
		ok = checkBatch(t, body)
		if want := !bytes.Contains(body, []byte(`\`)); ok != want {
			t.Fatalf("handled = %v, want %v for %s", ok, want, body)
		}
		if ok {
			handled[1]++
		}
	}
	if handled[0] < 100 || handled[1] < 100 {
		t.Errorf("only %v random bodies were handled", handled)
	}
	t.Logf("handled %v of 3000 random bodies", handled)
}

func FuzzDecodeEndpointRequest(f *testing.F) {
	for _, c := range endpointCases {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkEndpoint(t, body)
	})
}

func FuzzDecodeEndpointBatchRequest(f *testing.F) {
	for _, c := range batchCases {
		f.Add([]byte(c.body))
	}
	for _, c := range endpointCases {
		f.Add([]byte(`{"Item":[{"Id":"e",` + strings.TrimPrefix(c.body, "{") + `]}`))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkBatch(t, body)
	})
}

func BenchmarkDecodeEndpointRequest(b *testing.B) {
	benchDecode(b, []byte(fastBody), func(body []byte) bool {
		var r EndpointRequest
		return DecodeEndpointRequest(body, &r)
	}, func(body []byte) error {
		var r EndpointRequest
		return json.Unmarshal(body, &r)
	})
}

func BenchmarkDecodeEndpointBatchRequest(b *testing.B) {
	benchDecode(b, []byte(batchBody(100)), func(body []byte) bool {
		var r EndpointBatchRequest
		return DecodeEndpointBatchRequest(body, &r)
	}, func(body []byte) error {
		var r EndpointBatchRequest
		return json.Unmarshal(body, &r)
	})
}

// benchDecode compares the fast path with encoding/json on body.
func benchDecode(b *testing.B, body []byte, fast func([]byte) bool, std func([]byte) error) {
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if !fast(body) {
				b.Fatal("declined")
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if err := std(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

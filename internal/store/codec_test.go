package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pinpointd/internal/pinpoint"
)

func f64p(f float64) *float64 { return &f }

// fullEndpoint has every field set.
func fullEndpoint() *pinpoint.Endpoint {
	return &pinpoint.Endpoint{
		Address:       "+14255550100",
		ApplicationID: "0123456789abcdef0123456789abcdef",
		Attributes: map[string][]string{
			"Interests":  {"golf", "tennis", "chess"},
			"Membership": {"gold"},
			"Teams":      {"Seahawks", "Mariners"},
			"Empty":      {},
		},
		ChannelType:  "SMS",
		CohortID:     "42",
		CreationDate: "2024-03-01T12:00:00.000Z",
		Demographic: &pinpoint.Demographic{
			AppVersion:      "1.2.3",
			Locale:          "en_US",
			Make:            "Apple",
			Model:           "iPhone",
			ModelVersion:    "15",
			Platform:        "ios",
			PlatformVersion: "17.4",
			Timezone:        "America/Los_Angeles",
		},
		EffectiveDate:  "2024-03-02T08:30:00.000Z",
		EndpointStatus: "ACTIVE",
		ID:             "endpoint-1",
		Location: &pinpoint.Location{
			City:       "Seattle",
			Country:    "USA",
			Latitude:   f64p(47.6),
			Longitude:  f64p(-122.3),
			PostalCode: "98101",
			Region:     "WA",
		},
		Metrics:   map[string]float64{"visits": 12, "score": -3.5, "zero": math.Copysign(0, -1), "big": math.MaxFloat64},
		OptOut:    "NONE",
		RequestID: "req-123",
		User: pinpoint.User{
			UserAttributes: map[string][]string{
				"FirstName": {"Ana"},
				"Plans":     {"a", "b"},
				"Nil":       nil,
			},
			UserID: "user-1",
		},
	}
}

// realisticEndpoint is a typical ~600-byte endpoint for the benchmarks.
func realisticEndpoint() *pinpoint.Endpoint {
	return &pinpoint.Endpoint{
		Address:       "d3f1c2b4a5e6978812345678901234567890abcdefabcdef1234567890abcdef",
		ApplicationID: "7f3c2a1b9e8d4c6fa0b1c2d3e4f50617",
		Attributes: map[string][]string{
			"Interests":   {"golf", "tennis", "chess"},
			"Membership":  {"gold"},
			"Teams":       {"Seahawks", "Mariners"},
			"Language":    {"en"},
			"SignupRoute": {"web", "referral"},
		},
		ChannelType:  "APNS",
		CohortID:     "57",
		CreationDate: "2024-03-01T12:00:00.000Z",
		Demographic: &pinpoint.Demographic{
			AppVersion:      "4.12.0",
			Locale:          "en_US",
			Make:            "Apple",
			Model:           "iPhone",
			ModelVersion:    "15.2",
			Platform:        "ios",
			PlatformVersion: "17.4.1",
			Timezone:        "America/Los_Angeles",
		},
		EffectiveDate:  "2024-05-17T08:30:12.000Z",
		EndpointStatus: "ACTIVE",
		ID:             "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
		Location: &pinpoint.Location{
			City:       "Seattle",
			Country:    "USA",
			Latitude:   f64p(47.6),
			Longitude:  f64p(-122.3),
			PostalCode: "98101",
			Region:     "WA",
		},
		Metrics:   map[string]float64{"sessions": 31, "purchases": 2, "lifetimeValue": 129.5},
		OptOut:    "NONE",
		RequestID: "b0e1f2a3-c4d5-4e6f-8a9b-0c1d2e3f4a5b",
		User: pinpoint.User{
			UserAttributes: map[string][]string{
				"FirstName": {"Ana"},
				"LastName":  {"Lopez"},
				"Plans":     {"family", "premium"},
			},
			UserID: "user-8f7e6d5c",
		},
	}
}

func binaryCodecCases() []struct {
	name string
	e    *pinpoint.Endpoint
} {
	noCoords := fullEndpoint()
	noCoords.Location.Latitude, noCoords.Location.Longitude = nil, nil
	onlyLat := fullEndpoint()
	onlyLat.Location.Longitude = nil
	return []struct {
		name string
		e    *pinpoint.Endpoint
	}{
		{"empty", &pinpoint.Endpoint{}},
		{"full", fullEndpoint()},
		{"realistic", realisticEndpoint()},
		{"location without coordinates", noCoords},
		{"location with latitude only", onlyLat},
		{"zero demographic and location", &pinpoint.Endpoint{
			Demographic: &pinpoint.Demographic{},
			Location:    &pinpoint.Location{},
		}},
		{"zero coordinates", &pinpoint.Endpoint{
			Location: &pinpoint.Location{Latitude: f64p(0), Longitude: f64p(math.Copysign(0, -1))},
		}},
		{"unicode and empty strings", &pinpoint.Endpoint{
			Address:    "ñandú 🦤 \x00\xff",
			Attributes: map[string][]string{"": {""}, "日本": {"東京", "", "大阪"}},
			Metrics:    map[string]float64{"": 1, "ü": -1e-300},
			User:       pinpoint.User{UserAttributes: map[string][]string{"é": {"ø"}}, UserID: "ユーザー"},
		}},
		{"keys with empty values", &pinpoint.Endpoint{
			Attributes: map[string][]string{"empty": {}, "nil": nil},
			User:       pinpoint.User{UserAttributes: map[string][]string{"empty": {}}},
		}},
		{"long strings", &pinpoint.Endpoint{
			Address:    strings.Repeat("x", 300),
			Attributes: map[string][]string{strings.Repeat("k", 200): {strings.Repeat("v", 20000)}},
		}},
	}
}

func decodeOrFail(t testing.TB, b []byte) *pinpoint.Endpoint {
	t.Helper()
	var got pinpoint.Endpoint
	if err := decodeEndpointBinary(b, &got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &got
}

func TestEndpointBinaryRoundTrip(t *testing.T) {
	for _, tc := range binaryCodecCases() {
		t.Run(tc.name, func(t *testing.T) {
			b := AppendEndpointBinary(nil, tc.e)
			if b[0] != binaryDocV1 {
				t.Fatalf("first byte %#x", b[0])
			}
			got := decodeOrFail(t, b)
			if !reflect.DeepEqual(got, tc.e) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, tc.e)
			}
			// -0 survives with its sign bit.
			for k, v := range tc.e.Metrics {
				if math.Float64bits(got.Metrics[k]) != math.Float64bits(v) {
					t.Errorf("Metrics[%q] = %v, want %v (bits)", k, got.Metrics[k], v)
				}
			}
			if l := tc.e.Location; l != nil && l.Longitude != nil &&
				math.Float64bits(*got.Location.Longitude) != math.Float64bits(*l.Longitude) {
				t.Errorf("Longitude bits differ")
			}
			// Decoding into a used endpoint overwrites it.
			reused := fullEndpoint()
			if err := decodeEndpointBinary(b, reused); err != nil || !reflect.DeepEqual(reused, tc.e) {
				t.Errorf("decode into used endpoint: %v\n got %#v", err, reused)
			}
			// The same bytes come back, and appending keeps dst's prefix.
			if b2 := AppendEndpointBinary([]byte("prefix"), got); string(b2[:6]) != "prefix" || !bytes.Equal(b2[6:], b) {
				t.Errorf("re-encoding differs")
			}
		})
	}
}

func TestEndpointBinaryMatchesJSON(t *testing.T) {
	for _, tc := range binaryCodecCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeOrFail(t, AppendEndpointBinary(nil, tc.e))
			want, err := json.Marshal(tc.e)
			if err != nil {
				t.Fatal(err)
			}
			have, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(have, want) {
				t.Errorf("JSON differs:\n got %s\nwant %s", have, want)
			}
		})
	}
}

func TestEndpointBinaryNormalisation(t *testing.T) {
	e := &pinpoint.Endpoint{
		Attributes: map[string][]string{},
		Metrics:    map[string]float64{},
		User:       pinpoint.User{UserAttributes: map[string][]string{}},
	}
	got := decodeOrFail(t, AppendEndpointBinary(nil, e))
	if got.Attributes != nil || got.Metrics != nil || got.User.UserAttributes != nil {
		t.Errorf("empty maps should decode as nil: %#v", got)
	}
	if !bytes.Equal(AppendEndpointBinary(nil, e), AppendEndpointBinary(nil, &pinpoint.Endpoint{})) {
		t.Errorf("empty and nil maps should encode alike")
	}

	got = decodeOrFail(t, AppendEndpointBinary(nil, &pinpoint.Endpoint{
		Attributes: map[string][]string{"empty": {}, "nil": nil},
	}))
	if v, ok := got.Attributes["empty"]; !ok || v == nil || len(v) != 0 {
		t.Errorf(`Attributes["empty"] = %#v, %v; want empty non-nil slice`, v, ok)
	}
	if v, ok := got.Attributes["nil"]; !ok || v != nil {
		t.Errorf(`Attributes["nil"] = %#v, %v; want nil slice`, v, ok)
	}

	got = decodeOrFail(t, AppendEndpointBinary(nil, &pinpoint.Endpoint{Demographic: &pinpoint.Demographic{}}))
	if got.Demographic == nil || got.Location != nil {
		t.Errorf("Demographic/Location presence lost: %#v", got)
	}
}

func TestEndpointBinaryDeterministic(t *testing.T) {
	keys := []string{"delta", "alpha", "charlie", "bravo", "echo", "foxtrot", "golf", "hotel",
		"india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo"}
	build := func(order []string) *pinpoint.Endpoint {
		e := &pinpoint.Endpoint{
			Attributes: map[string][]string{},
			Metrics:    map[string]float64{},
			User:       pinpoint.User{UserAttributes: map[string][]string{}},
		}
		for _, k := range order {
			e.Attributes[k] = []string{k, "v"}
			e.Metrics[k] = float64(len(k))
			e.User.UserAttributes[k] = []string{k}
		}
		return e
	}
	reversed := slices.Clone(keys)
	slices.Reverse(reversed)
	a, b := build(keys), build(reversed)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("test endpoints differ")
	}
	want := AppendEndpointBinary(nil, a)
	for range 20 {
		if got := AppendEndpointBinary(nil, b); !bytes.Equal(got, want) {
			t.Fatalf("encodings differ:\n%x\n%x", got, want)
		}
	}
}

func TestEndpointBinaryCorrupt(t *testing.T) {
	valid := AppendEndpointBinary(nil, fullEndpoint())
	for i := range len(valid) {
		var e pinpoint.Endpoint
		if err := decodeEndpointBinary(valid[:i], &e); err == nil {
			t.Errorf("truncation to %d of %d bytes decoded without error", i, len(valid))
		} else if !reflect.DeepEqual(e, pinpoint.Endpoint{}) {
			t.Errorf("truncation to %d: endpoint not left zero after error", i)
		}
	}

	bad := []struct {
		name string
		b    []byte
		want error
	}{
		{"trailing garbage", append(bytes.Clone(valid), 0), errBinaryTrailing},
		{"trailing on empty", append(AppendEndpointBinary(nil, &pinpoint.Endpoint{}), 0xff, 0xff), errBinaryTrailing},
		{"JSON", []byte(`{"Address":"x"}`), errBinaryVersion},
		{"version 2", append([]byte{2}, valid[1:]...), errBinaryVersion},
		{"version 0", append([]byte{0}, valid[1:]...), errBinaryVersion},
		{"empty", nil, errBinaryVersion},
		{"unknown flag", []byte{binaryDocV1, 0x10}, errBinaryFlags},
		{"coords sans location", append([]byte{binaryDocV1, flagLatitude}, make([]byte, 30)...), errBinaryFlags},
		{"huge string length", []byte{binaryDocV1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, errBinaryTrunc},
		{"varint overflow", []byte{binaryDocV1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, errBinaryTrunc},
		{"huge map count", []byte{binaryDocV1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0}, errBinaryTrunc},
		{"huge values count", []byte{binaryDocV1, 0, 0, 0, 1, 1, 'k', 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0}, errBinaryTrunc},
	}
	for _, tc := range bad {
		var e pinpoint.Endpoint
		if err := decodeEndpointBinary(tc.b, &e); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
}
func FuzzDecodeEndpointBinary(f *testing.F) {
	for _, tc := range binaryCodecCases() {
		if len(tc.e.Address) < 1000 {
			f.Add(AppendEndpointBinary(nil, tc.e))
		}
	}
	f.Add([]byte{binaryDocV1})
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e1 pinpoint.Endpoint
		if err := decodeEndpointBinary(b, &e1); err != nil {
			return
		}
		b1 := AppendEndpointBinary(nil, &e1)
		var e2 pinpoint.Endpoint
		if err := decodeEndpointBinary(b1, &e2); err != nil {
			t.Fatalf("re-encoded document does not decode: %v", err)
		}
		// NaN != NaN, so DeepEqual cannot compare endpoints holding NaN; their encodings can.
		if !hasNaN(&e1) && !reflect.DeepEqual(e1, e2) {
			t.Fatalf("second decode differs:\n%#v\n%#v", e1, e2)
		}
		if b2 := AppendEndpointBinary(nil, &e2); !bytes.Equal(b1, b2) {
			t.Fatalf("encoding is not stable:\n%x\n%x", b1, b2)
		}
	})
}

func hasNaN(e *pinpoint.Endpoint) bool {
	for _, v := range e.Metrics {
		if math.IsNaN(v) {
			return true
		}
	}
	l := e.Location
	return l != nil && (l.Latitude != nil && math.IsNaN(*l.Latitude) || l.Longitude != nil && math.IsNaN(*l.Longitude))
}

func BenchmarkEndpointBinaryDecode(b *testing.B) {
	doc := AppendEndpointBinary(nil, realisticEndpoint())
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var e pinpoint.Endpoint
		if err := decodeEndpointBinary(doc, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEndpointBinaryEncode(b *testing.B) {
	e := realisticEndpoint()
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = AppendEndpointBinary(nil, e)
		}
	})
	b.Run("reuse", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = AppendEndpointBinary(buf[:0], e)
		}
	})
}

func BenchmarkEndpointJSONDecode(b *testing.B) {
	doc, err := json.Marshal(realisticEndpoint())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var e pinpoint.Endpoint
		if err := json.Unmarshal(doc, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEndpointJSONEncode(b *testing.B) {
	e := realisticEndpoint()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(e); err != nil {
			b.Fatal(err)
		}
	}
}

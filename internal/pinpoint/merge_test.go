package pinpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 123e6, time.UTC)

func req(t *testing.T, body string) *EndpointRequest {
	t.Helper()
	var r EndpointRequest
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if err := r.Validate(""); err != nil {
		t.Fatalf("validate %s: %v", body, err)
	}
	return &r
}

func merge(t *testing.T, old *Endpoint, body string, now time.Time) *Endpoint {
	t.Helper()
	var ua map[string][]string
	if old != nil {
		ua = old.User.UserAttributes
	}
	e, err := Merge(old, ua, req(t, body), Update{AppID: "app", ID: "ep", Now: now, RequestID: "rid"})
	if err != nil {
		t.Fatalf("Merge %s: %v", body, err)
	}
	return e
}

func TestMergeCreate(t *testing.T) {
	e := merge(t, nil, `{"Address":"a","ChannelType":"GCM","Location":{"Latitude":47.61,"Longitude":-122.35}}`, t0)
	want := Endpoint{
		Address: "a", ApplicationID: "app", ChannelType: "GCM", CohortID: CohortID("ep"),
		CreationDate: "2026-11-29T12:00:00.123Z", EffectiveDate: "2026-11-29T12:00:00.123Z",
		EndpointStatus: "ACTIVE", ID: "ep", OptOut: "NONE", RequestID: "rid",
		Location: &Location{Latitude: ptr(47.6), Longitude: ptr(-122.4)},
	}
	if !reflect.DeepEqual(*e, want) {
		t.Errorf("got %+v, want %+v", *e, want)
	}
}

func TestMergeUpdate(t *testing.T) {
	old := merge(t, nil, `{"Address":"a","ChannelType":"GCM","Attributes":{"x":["1"],"y":["2"]},"Metrics":{"m":1,"n":2},
		"Demographic":{"Make":"apple","Model":"iPhone"},"User":{"UserId":"u","UserAttributes":{"p":["q"]}},"EndpointStatus":"INACTIVE"}`, t0)
	later := t0.Add(time.Hour)
	e := merge(t, old, `{"Attributes":{"x":["9"],"y":[]},"Metrics":{"n":null},"Demographic":{"Model":"iPad"},"User":{"UserAttributes":{"r":["s"]}},"RequestId":"mine"}`, later)
	checks := []struct {
		name      string
		got, want any
	}{
		{"Address kept", e.Address, "a"},
		{"Attributes per key, [] clears", e.Attributes, map[string][]string{"x": {"9"}}},
		{"Metrics per key, null clears", e.Metrics, map[string]float64{"m": 1}},
		{"Demographic per field", *e.Demographic, Demographic{Make: "apple", Model: "iPad"}},
		{"UserId kept", e.User.UserID, "u"},
		{"UserAttributes per key", e.User.UserAttributes, map[string][]string{"p": {"q"}, "r": {"s"}}},
		{"status ACTIVE on update", e.EndpointStatus, "ACTIVE"},
		{"CreationDate kept", e.CreationDate, old.CreationDate},
		{"EffectiveDate now", e.EffectiveDate, FormatTime(later)},
		{"RequestId from request", e.RequestID, "mine"},
		{"old untouched", old.Attributes, map[string][]string{"x": {"1"}, "y": {"2"}}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMergeExcluded(t *testing.T) {
	u := Update{AppID: "app", ID: "ep", Now: t0, Excluded: map[string][]string{AttrTypeCustom: {"secret", "tmp*"}}}
	e, err := Merge(nil, nil, req(t, `{"Attributes":{"secret":["1"],"tmpA":["2"],"keep":["3"]}}`), u)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string][]string{"keep": {"3"}}; !reflect.DeepEqual(e.Attributes, want) {
		t.Errorf("got %v, want %v", e.Attributes, want)
	}
}

func TestMergeLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"Attributes":{`)
	for i := range 200 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"attr` + strings.Repeat("x", 10) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":["` + strings.Repeat("v", 100) + `"]`)
	}
	b.WriteString(`}}`)
	_, err := Merge(nil, nil, req(t, b.String()), Update{ID: "ep", Now: t0})
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeBadRequest || !strings.Contains(pe.Message, "15360") {
		t.Errorf("got %v, want a BadRequestException naming the 15360-byte limit", err)
	}
}

func TestValidate(t *testing.T) {
	long := strings.Repeat("n", 51)
	cases := []struct{ body, field string }{
		{`{"ChannelType":"FAX"}`, "ChannelType"},
		{`{"Address":"` + strings.Repeat("a", 1025) + `"}`, "1024"},
		{`{"OptOut":"MAYBE"}`, "OptOut"},
		{`{"EndpointStatus":"GONE"}`, "EndpointStatus"},
		{`{"EffectiveDate":"yesterday"}`, "EffectiveDate"},
		{`{"Location":{"Latitude":90.5}}`, "Location.Latitude"},
		{`{"Location":{"Longitude":-181}}`, "Location.Longitude"},
		{`{"Attributes":{"` + long + `":["v"]}}`, "Attributes"},
		{`{"Attributes":{"a":["` + strings.Repeat("v", 101) + `"]}}`, "100"},
		{`{"Metrics":{"` + long + `":1}}`, "Metrics"},
		{`{"User":{"UserId":"a{b"}}`, "User.UserId"},
		{`{"User":{"UserAttributes":{"a":[` + strings.Repeat(`"v",`, 50) + `"v"]}}}`, "50"},
	}
	for _, c := range cases {
		var r EndpointRequest
		if err := json.Unmarshal([]byte(c.body), &r); err != nil {
			t.Fatal(err)
		}
		err := r.Validate("")
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != CodeBadRequest || !strings.Contains(pe.Message, c.field) {
			t.Errorf("%s: got %v, want BadRequestException mentioning %q", c.body, err, c.field)
		}
	}
}

func TestJoinUser(t *testing.T) {
	members := func(push int, total int) []Member {
		var ms []Member
		for i := range total {
			ch := "EMAIL"
			if i < push {
				ch = "APNS"
			}
			ms = append(ms, Member{ID: string(rune('a' + i)), ChannelType: ch, EffectiveDate: FormatTime(t0.Add(time.Duration(total-i) * time.Minute))})
		}
		return ms
	}
	gcm := &Endpoint{ChannelType: "GCM", User: User{UserID: "u"}}
	email := &Endpoint{ChannelType: "EMAIL", User: User{UserID: "u"}}
	if v, err := JoinUser(email, members(0, 14)); v != "" || err != nil {
		t.Errorf("15th endpoint: got %q, %v; want it to join", v, err)
	}
	if _, err := JoinUser(email, members(3, 15)); ErrorCode(err) != CodeBadRequest {
		t.Errorf("16th EMAIL: got %v, want BadRequestException", err)
	}
	if _, err := JoinUser(gcm, members(0, 15)); ErrorCode(err) != CodeBadRequest {
		t.Errorf("16th GCM without push members: got %v, want BadRequestException", err)
	}
	// Push members a, b, c have EffectiveDates t0+15m, +14m, +13m: c is the oldest.
	if v, err := JoinUser(gcm, members(3, 15)); v != "c" || err != nil {
		t.Errorf("16th GCM: got %q, %v; want eviction of the oldest push endpoint c", v, err)
	}
}

func TestCohortIDStableAndInRange(t *testing.T) {
	for _, id := range []string{"a", "b", "device-1", "x/y+z w"} {
		c := CohortID(id)
		if c != CohortID(id) {
			t.Errorf("CohortID(%q) not stable", id)
		}
		if len(c) == 0 || len(c) > 2 || strings.Trim(c, "0123456789") != "" {
			t.Errorf("CohortID(%q) = %q, want 0..99", id, c)
		}
	}
}

// The size check serializes only endpoints whose bound exceeds the limit, so the bound must never
// be below the real size, whatever needs escaping.
func TestJSONSizeBoundIsAnUpperBound(t *testing.T) {
	pieces := []string{"a", "é", "<", ">", "&", "\"", "\\", "\x01", "\n", "\u2028", "\xff", "😀", " "}
	rnd := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b strings.Builder
		for range rnd.IntN(40) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		return b.String()
	}
	numbers := []float64{0, math.Copysign(0, -1), 1, 0.1 + 0.2, 1e-300, -1.7976931348623157e308, 123456789.123456789, 1e21, -5e-324}
	for i := range 500 {
		e := Endpoint{Address: text(), ApplicationID: text(), ChannelType: text(), CohortID: text(), CreationDate: text(),
			EffectiveDate: text(), EndpointStatus: text(), ID: text(), OptOut: text(), RequestID: text(),
			User: User{UserID: text()}}
		if i%2 == 0 {
			e.Attributes = map[string][]string{text(): {text(), text()}, text(): {}, text(): nil}
			e.User.UserAttributes = map[string][]string{text(): {text()}}
			e.Metrics = map[string]float64{text(): numbers[rnd.IntN(len(numbers))], text(): numbers[rnd.IntN(len(numbers))]}
			e.Demographic = &Demographic{AppVersion: text(), Locale: text(), Make: text(), Model: text(), ModelVersion: text(),
				Platform: text(), PlatformVersion: text(), Timezone: text()}
			e.Location = &Location{City: text(), Country: text(), PostalCode: text(), Region: text(),
				Latitude: ptr(numbers[rnd.IntN(len(numbers))]), Longitude: ptr(numbers[rnd.IntN(len(numbers))])}
		}
		b, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		if bound := e.jsonSizeBound(); bound < len(b) {
			t.Fatalf("bound %d below the serialized size %d of %s", bound, len(b), b)
		}
	}
}

// An endpoint of exactly MaxEndpointBytes is stored; one byte more is refused.
func TestMergeSizeLimitIsExact(t *testing.T) {
	// n values of 100 '<' (each escaped to \u003c: 600 bytes) and a last value of lastLen 'v'.
	build := func(n, lastLen int) (string, int) {
		values := make([]string, n+1)
		for i := range n {
			values[i] = strings.Repeat("<", MaxAttrValueLen)
		}
		values[n] = strings.Repeat("v", lastLen)
		body, err := json.Marshal(map[string]any{"Attributes": map[string][]string{"a": values}})
		if err != nil {
			t.Fatal(err)
		}
		e := merge(t, nil, `{}`, t0)
		e.Attributes = map[string][]string{"a": values}
		full, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return string(body), len(full)
	}
	n, fit := 0, 0
	for ; n < MaxAttrValues-1; n++ {
		_, base := build(n, 0)
		if fit = MaxEndpointBytes - base; fit > 0 && fit < MaxAttrValueLen {
			break
		}
	}
	body, size := build(n, fit)
	if size != MaxEndpointBytes {
		t.Fatalf("built %d bytes, want %d", size, MaxEndpointBytes)
	}
	u := Update{AppID: "app", ID: "ep", Now: t0, RequestID: "rid"}
	if _, err := Merge(nil, nil, req(t, body), u); err != nil {
		t.Errorf("endpoint of exactly %d bytes refused: %v", MaxEndpointBytes, err)
	}
	body, _ = build(n, fit+1)
	_, err := Merge(nil, nil, req(t, body), u)
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(pe.Message, fmt.Sprintf("%d bytes serialized", MaxEndpointBytes+1)) {
		t.Errorf("endpoint of %d bytes: got %v, want a BadRequestException naming its size", MaxEndpointBytes+1, err)
	}
}

// Merge writes into neither the stored endpoint nor the user's attributes, whatever the request
// changes, and a later change to the request leaves the result alone: a store may call it twice with
// the same arguments (store.Write does when the UserId changes).
func TestMergeLeavesItsInputsAlone(t *testing.T) {
	old := merge(t, nil, `{"Address":"a","Attributes":{"k":["1","2"],"gone":["x"]},"Metrics":{"m":1,"gone":2},
		"Demographic":{"Make":"m","Model":"x"},"Location":{"City":"c","Latitude":1.5},
		"User":{"UserId":"u","UserAttributes":{"ua":["1"],"gone":["y"]}}}`, t0)
	userAttrs := map[string][]string{"ua": {"1"}, "gone": {"y"}}
	snapshot := func() string {
		b, _ := json.Marshal(struct {
			Old   *Endpoint
			Attrs map[string][]string
		}{old, userAttrs})
		return string(b)
	}
	before := snapshot()
	for _, body := range []string{
		`{}`,
		`{"Attributes":{"k":["3"],"gone":[],"new":["n"]},"Metrics":{"m":5,"gone":null,"new":1}}`,
		`{"Demographic":{"Make":"other","Model":""},"Location":{"City":"d","Latitude":-3}}`,
		`{"User":{"UserAttributes":{"ua":["2"],"gone":[],"new":["n"]}}}`,
		`{"User":{"UserId":"v","UserAttributes":{"ua":["9"]}}}`,
	} {
		r := req(t, body)
		e, err := Merge(old, userAttrs, r, Update{AppID: "app", ID: "ep", Now: t0.Add(time.Hour), RequestID: "rid"})
		if err != nil {
			t.Fatalf("Merge %s: %v", body, err)
		}
		if after := snapshot(); after != before {
			t.Fatalf("Merge %s changed its inputs:\nbefore %s\nafter  %s", body, before, after)
		}
		got, _ := json.Marshal(e)
		for _, vs := range r.Attributes {
			for i := range vs {
				vs[i] = "changed"
			}
		}
		if r.User != nil {
			for _, vs := range r.User.UserAttributes {
				for i := range vs {
					vs[i] = "changed"
				}
			}
		}
		if again, _ := json.Marshal(e); string(again) != string(got) {
			t.Errorf("Merge %s: the result shares lists with the request:\nbefore %s\nafter  %s", body, got, again)
		}
	}
}

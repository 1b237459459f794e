package pinpoint

import (
	"reflect"
	"strings"
	"testing"
)

// wantRefusal checks that err is a BadRequestException whose message holds every one of want,
// or that err is nil when want is empty.
func wantRefusal(t *testing.T, err error, want ...string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		return
	}
	if got := ErrorCode(err); got != CodeBadRequest {
		t.Fatalf("got %v, want a %s", err, CodeBadRequest)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q: got no %q, want it named", err.Error(), w)
		}
	}
}

// manyTags returns n tags named prefix0….
func manyTags(prefix string, n int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[prefix+string(rune('a'+i%26))+strings.Repeat("x", i/26)] = "v"
	}
	return m
}

func TestCreateApplicationRequestValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		req  CreateApplicationRequest
		want []string
	}{
		{"name", CreateApplicationRequest{Name: ptr("a")}, nil},
		{"no name", CreateApplicationRequest{}, []string{"Name is required"}},
		{"blank name", CreateApplicationRequest{Name: ptr(" \t")}, []string{"Name is required"}},
		{"50 tags", CreateApplicationRequest{Name: ptr("a"), Tags: manyTags("k", 50)}, nil},
		{"51 tags", CreateApplicationRequest{Name: ptr("a"), Tags: manyTags("k", 51)}, []string{"tags", "50", "51"}},
		{"bad tag", CreateApplicationRequest{Name: ptr("a"), Tags: map[string]string{"aws:x": "v"}}, []string{"aws:"}},
	} {
		t.Run(c.name, func(t *testing.T) { wantRefusal(t, c.req.Validate(), c.want...) })
	}
}

func TestValidateTags(t *testing.T) {
	for _, c := range []struct {
		name     string
		tags     map[string]string
		existing int
		want     []string
	}{
		{"none", nil, 0, nil},
		{"at the limits", map[string]string{strings.Repeat("k", 128): strings.Repeat("v", 256)}, 49, nil},
		{"one over the count with existing", map[string]string{"k": "v"}, 50, []string{"50", "51"}},
		{"empty key", map[string]string{"": "v"}, 0, []string{`key ""`, "128"}},
		{"key of 129", map[string]string{strings.Repeat("k", 129): "v"}, 0, []string{"128"}},
		{"key counted in characters", map[string]string{strings.Repeat("é", 128): "v"}, 0, nil},
		{"aws: prefix", map[string]string{"AWS:name": "v"}, 0, []string{`"AWS:name"`, `"aws:"`}},
		{"value of 257", map[string]string{"k": strings.Repeat("v", 257)}, 0, []string{`"k"`, "257", "256"}},
		{"empty value", map[string]string{"k": ""}, 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) { wantRefusal(t, ValidateTags(c.tags, c.existing), c.want...) })
	}
}

// TestValidateTagsNamesTheFirstKey: of several bad keys, the message always names the first in
// sorted order.
func TestValidateTagsNamesTheFirstKey(t *testing.T) {
	tags := map[string]string{}
	for _, k := range []string{"m", "z", "b", "q", "a", "x"} {
		tags[k] = strings.Repeat("v", 300)
	}
	for range 20 {
		wantRefusal(t, ValidateTags(tags, 0), `key "a"`)
	}
}

func TestTagsModelValidate(t *testing.T) {
	wantRefusal(t, (&TagsModel{}).Validate(), "tags is required")
	wantRefusal(t, (&TagsModel{Tags: map[string]string{}}).Validate())
	wantRefusal(t, (&TagsModel{Tags: map[string]string{"aws:k": "v"}}).Validate(), "aws:")
}

func TestMergeTags(t *testing.T) {
	got, err := MergeTags(nil, map[string]string{"a": "1"})
	if err != nil || !reflect.DeepEqual(got, map[string]string{"a": "1"}) {
		t.Fatalf("MergeTags(nil): got %v, %v; want {a:1}", got, err)
	}
	got, err = MergeTags(map[string]string{"a": "1", "b": "2"}, map[string]string{"b": "3", "c": "4"})
	if want := map[string]string{"a": "1", "b": "3", "c": "4"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("MergeTags: got %v, %v; want %v", got, err, want)
	}

	// Retagging kept keys does not count them twice; new keys beyond the limit are refused and
	// leave the old tags as they were.
	old := manyTags("old", 30)
	if _, err := MergeTags(old, manyTags("old", 30)); err != nil {
		t.Errorf("retagging 30 kept keys: got %v, want success", err)
	}
	before := len(old)
	_, err = MergeTags(old, manyTags("new", 21))
	wantRefusal(t, err, "50", "51")
	if len(old) != before {
		t.Errorf("old tags after a refused merge: got %d, want %d", len(old), before)
	}
}

func TestValidateTagKeys(t *testing.T) {
	wantRefusal(t, ValidateTagKeys(nil), "tagKeys is required")
	wantRefusal(t, ValidateTagKeys([]string{"a"}))
}

func TestValidateAttributeType(t *testing.T) {
	for _, typ := range []string{AttrTypeCustom, AttrTypeMetric, AttrTypeUser} {
		wantRefusal(t, ValidateAttributeType(typ))
	}
	for _, typ := range []string{"", "custom", "ENDPOINT-CUSTOM-ATTRIBUTES", "endpoint-foo"} {
		wantRefusal(t, ValidateAttributeType(typ), "attribute-type", `"`+typ+`"`)
	}
}

func TestUpdateAttributesRequestValidate(t *testing.T) {
	n50 := strings.Repeat("n", 50)
	for _, c := range []struct {
		name string
		list []string
		want []string
	}{
		{"none", nil, nil},
		{"names and prefixes", []string{"a", "tmp*", "*", n50, n50 + "*"}, nil},
		{"empty name", []string{"a", ""}, []string{"Blacklist[1]", "50"}},
		{"51 characters", []string{n50 + "n"}, []string{"Blacklist[0]", "50"}},
		{"51 characters and a star", []string{n50 + "n*"}, []string{"Blacklist[0]", "50"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantRefusal(t, (&UpdateAttributesRequest{Blacklist: c.list}).Validate(), c.want...)
		})
	}
}

func TestAppExclude(t *testing.T) {
	var a App
	a.Exclude(AttrTypeCustom, []string{"b", "a", "b"})
	a.Exclude(AttrTypeCustom, []string{"c", "a"})
	a.Exclude(AttrTypeUser, nil)
	want := map[string][]string{AttrTypeCustom: {"a", "b", "c"}, AttrTypeUser: nil}
	if !reflect.DeepEqual(a.Excluded, want) {
		t.Errorf("Excluded: got %v, want %v", a.Excluded, want)
	}
}

func TestEventsRequestValidate(t *testing.T) {
	events := func(n int) map[string]Event {
		m := make(map[string]Event, n)
		for i := range n {
			m[strings.Repeat("e", i+1)] = Event{}
		}
		return m
	}
	wantRefusal(t, (&EventsRequest{}).Validate(), "BatchItem is required")
	wantRefusal(t, (&EventsRequest{BatchItem: map[string]EventsBatch{}}).Validate())
	wantRefusal(t, (&EventsRequest{BatchItem: map[string]EventsBatch{"a": {Events: events(60)}, "b": {Events: events(40)}}}).Validate())
	wantRefusal(t, (&EventsRequest{BatchItem: map[string]EventsBatch{"a": {Events: events(60)}, "b": {Events: events(41)}}}).Validate(), "101", "100")
}

func TestEventsBatchValidateEndpoint(t *testing.T) {
	for _, c := range []struct {
		name  string
		id    string
		batch EventsBatch
		want  []string
	}{
		{"valid", "e1", EventsBatch{Endpoint: &EndpointRequest{}}, nil},
		{"bad ID", "e$1", EventsBatch{Endpoint: &EndpointRequest{}}, []string{`BatchItem["e$1"].EndpointId`, "$"}},
		{"no endpoint", "e1", EventsBatch{}, []string{`BatchItem["e1"].Endpoint is required`}},
		{"bad endpoint", "e1", EventsBatch{Endpoint: &EndpointRequest{OptOut: ptr("SOME")}}, []string{`BatchItem["e1"].Endpoint.OptOut`, "SOME"}},
	} {
		t.Run(c.name, func(t *testing.T) { wantRefusal(t, c.batch.ValidateEndpoint(c.id), c.want...) })
	}
}

func TestEventValidate(t *testing.T) {
	ok := func() Event {
		return Event{EventType: ptr("_session.start"), Timestamp: ptr("2026-11-29T12:00:00Z")}
	}
	with := func(f func(*Event)) Event { ev := ok(); f(&ev); return ev }
	attrs := func(n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[strings.Repeat("a", i+1)] = "v"
		}
		return m
	}
	for _, c := range []struct {
		name string
		id   string
		ev   Event
		want []string
	}{
		{"valid", "ev1", ok(), nil},
		{"empty ID", "", ok(), []string{"event ID", "256"}},
		{"ID of 257", strings.Repeat("i", 257), ok(), []string{"event ID", "256"}},
		{"no EventType", "ev1", with(func(e *Event) { e.EventType = nil }), []string{`Event "ev1"`, "EventType is required"}},
		{"empty EventType", "ev1", with(func(e *Event) { e.EventType = ptr("") }), []string{"EventType is required"}},
		{"no Timestamp", "ev1", with(func(e *Event) { e.Timestamp = nil }), []string{"Timestamp is required"}},
		{"bad Timestamp", "ev1", with(func(e *Event) { e.Timestamp = ptr("now") }), []string{"Timestamp", `"now"`}},
		{"40 keys", "ev1", with(func(e *Event) { e.Attributes = attrs(40) }), nil},
		{"41 keys", "ev1", with(func(e *Event) {
			e.Attributes = attrs(30)
			e.Metrics = map[string]float64{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1, "h": 1, "i": 1, "j": 1, "k": 1}
		}), []string{"41", "40"}},
		{"attribute name of 51", "ev1", with(func(e *Event) { e.Attributes = map[string]string{strings.Repeat("n", 51): "v"} }), []string{"attribute name", "50"}},
		{"empty attribute name", "ev1", with(func(e *Event) { e.Attributes = map[string]string{"": "v"} }), []string{"attribute name", "50"}},
		{"attribute value of 201", "ev1", with(func(e *Event) { e.Attributes = map[string]string{"k": strings.Repeat("v", 201)} }), []string{`attribute "k"`, "201", "200"}},
		{"first bad attribute in sorted order", "ev1", with(func(e *Event) {
			e.Attributes = map[string]string{"z": strings.Repeat("v", 201), "b": strings.Repeat("v", 201), "q": strings.Repeat("v", 201)}
		}), []string{`attribute "b"`}},
		{"metric name of 51", "ev1", with(func(e *Event) { e.Metrics = map[string]float64{strings.Repeat("m", 51): 1} }), []string{"metric name", "50"}},
		{"session without Id", "ev1", with(func(e *Event) { e.Session = &Session{StartTimestamp: ptr("2026-11-29T12:00:00Z")} }), []string{"Session.Id is required"}},
		{"session without start", "ev1", with(func(e *Event) { e.Session = &Session{ID: ptr("s")} }), []string{"Session.StartTimestamp is required"}},
		{"session with a bad start", "ev1", with(func(e *Event) { e.Session = &Session{ID: ptr("s"), StartTimestamp: ptr("x")} }), []string{"Session.StartTimestamp", `"x"`}},
		{"over 1000 KB", "ev1", with(func(e *Event) { e.AppTitle = ptr(strings.Repeat("t", MaxEventBytes)) }), []string{"bytes", "1024000"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts, body, err := c.ev.Validate(c.id)
			wantRefusal(t, err, c.want...)
			if err == nil {
				if got := FormatTime(ts); got != "2026-11-29T12:00:00.000Z" {
					t.Errorf("timestamp: got %v, want 2026-11-29T12:00:00.000Z", got)
				}
				if !strings.Contains(string(body), `"EventType":"_session.start"`) {
					t.Errorf("serialized event %s: got no EventType", body)
				}
			}
		})
	}
}

func TestEndpointBatchRequestValidate(t *testing.T) {
	items := func(ids ...string) []EndpointBatchItem {
		out := make([]EndpointBatchItem, len(ids))
		for i, id := range ids {
			out[i].ID = ptr(id)
		}
		return out
	}
	hundred := make([]string, 100)
	for i := range hundred {
		hundred[i] = "e" + strings.Repeat("x", i)
	}
	bad := items("a", "b")
	bad[1].OptOut = ptr("SOME")
	for _, c := range []struct {
		name string
		req  EndpointBatchRequest
		want []string
	}{
		{"one", EndpointBatchRequest{Item: items("a")}, nil},
		{"100", EndpointBatchRequest{Item: items(hundred...)}, nil},
		{"none", EndpointBatchRequest{}, []string{"Item", "1 to 100", "holds 0"}},
		{"101", EndpointBatchRequest{Item: items(append(hundred, "f")...)}, []string{"1 to 100", "holds 101"}},
		{"no Id", EndpointBatchRequest{Item: []EndpointBatchItem{{}}}, []string{"Item[0].Id is required"}},
		{"bad Id", EndpointBatchRequest{Item: items("a", "b{")}, []string{`Item[1] (Id "b{").Id`, "{"}},
		{"duplicate Id", EndpointBatchRequest{Item: items("a", "b", "a")}, []string{`Item[2] (Id "a")`, "more than once"}},
		{"bad item", EndpointBatchRequest{Item: bad}, []string{`Item[1] (Id "b").OptOut`, "SOME"}},
	} {
		t.Run(c.name, func(t *testing.T) { wantRefusal(t, c.req.Validate(), c.want...) })
	}
}

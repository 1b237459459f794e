package console

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"pinpointd/internal/pinpoint"
)

// The choices the segment form offers, as Pinpoint's model names them.
var (
	attributeTypes    = []string{"INCLUSIVE", "EXCLUSIVE", "CONTAINS", "BEFORE", "AFTER", "ON", "BETWEEN"}
	dimensionTypes    = []string{"INCLUSIVE", "EXCLUSIVE"}
	metricOperators   = []string{"GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "EQUAL"}
	recencyDurations  = []string{"HR_24", "DAY_7", "DAY_14", "DAY_30"}
	recencyTypes      = []string{"ACTIVE", "INACTIVE"}
	demographicFields = []string{"AppVersion", "Channel", "DeviceType", "Make", "Model", "Platform"}
)

// segForm is the segment form: either a SegmentDimensions filled in field by field, or raw JSON.
// The console only translates the form into the API's JSON; every rule is checked by the API.
type segForm struct {
	Name     string
	Mode     string // "form" or "json"
	JSONKind string // "Dimensions" or "SegmentGroups"
	JSON     string

	Attrs           []attrRow
	Metrics         []metricRow
	RecencyDuration string
	RecencyType     string
	Demo            []setRow
	CountryType     string
	CountryValues   string
	Lat, Lon, Range string
	// FormOnly is false when the definition uses what the form cannot show (SegmentGroups, or
	// members it does not know); such a segment is edited as JSON.
	FormOnly bool

	// The choices, for the template.
	AttributeTypes, DimensionTypes, MetricOperators, RecencyDurations, RecencyTypes []string
}

type attrRow struct{ Scope, Name, Type, Values string }
type metricRow struct{ Name, Op, Value string }
type setRow struct{ Field, Type, Values string }

// Blank rows the form shows beyond those in use.
const (
	spareAttrRows   = 3
	spareMetricRows = 2
)

func newSegForm() segForm {
	f := segForm{Mode: "form", JSONKind: "Dimensions", FormOnly: true}
	f.fill()
	return f
}

// fill adds spare rows and the choices.
func (f *segForm) fill() {
	for range spareAttrRows {
		f.Attrs = append(f.Attrs, attrRow{Scope: "Attributes", Type: "INCLUSIVE"})
	}
	for range spareMetricRows {
		f.Metrics = append(f.Metrics, metricRow{Op: "GREATER_THAN"})
	}
	if len(f.Demo) == 0 {
		for _, d := range demographicFields {
			f.Demo = append(f.Demo, setRow{Field: d, Type: "INCLUSIVE"})
		}
	}
	if f.CountryType == "" {
		f.CountryType = "INCLUSIVE"
	}
	f.AttributeTypes, f.DimensionTypes, f.MetricOperators = attributeTypes, dimensionTypes, metricOperators
	f.RecencyDurations, f.RecencyTypes = recencyDurations, recencyTypes
}

// The JSON of a SegmentDimensions, in the model's member names.
type attrDim struct {
	AttributeType string   `json:"AttributeType,omitempty"`
	Values        []string `json:"Values"`
}
type setDim struct {
	DimensionType string   `json:"DimensionType,omitempty"`
	Values        []string `json:"Values"`
}
type metricDim struct {
	ComparisonOperator string          `json:"ComparisonOperator"`
	Value              json.RawMessage `json:"Value"`
}
type recencyDim struct {
	Duration    string `json:"Duration"`
	RecencyType string `json:"RecencyType"`
}
type gpsDim struct {
	Coordinates struct {
		Latitude  json.RawMessage `json:"Latitude"`
		Longitude json.RawMessage `json:"Longitude"`
	} `json:"Coordinates"`
	RangeInKilometers json.RawMessage `json:"RangeInKilometers,omitempty"`
}
type dims struct {
	Attributes map[string]attrDim `json:"Attributes,omitempty"`
	Behavior   *struct {
		Recency *recencyDim `json:"Recency,omitempty"`
	} `json:"Behavior,omitempty"`
	Demographic map[string]setDim `json:"Demographic,omitempty"`
	Location    *struct {
		Country  *setDim `json:"Country,omitempty"`
		GPSPoint *gpsDim `json:"GPSPoint,omitempty"`
	} `json:"Location,omitempty"`
	Metrics        map[string]metricDim `json:"Metrics,omitempty"`
	UserAttributes map[string]attrDim   `json:"UserAttributes,omitempty"`
}

// splitValues splits a comma-separated list of values, dropping blanks.
func splitValues(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// number is a form's number as JSON: the number itself when it is one, else the text as a JSON
// string, so that the API refuses it with its own message naming the member.
func number(s string) json.RawMessage {
	s = strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

// readSegForm reads the posted form.
func readSegForm(v url.Values) segForm {
	f := segForm{Name: v.Get("name"), Mode: v.Get("mode"), JSONKind: v.Get("json_kind"), JSON: v.Get("json"), FormOnly: true}
	if f.Mode != "json" {
		f.Mode = "form"
	}
	if f.JSONKind != "SegmentGroups" {
		f.JSONKind = "Dimensions"
	}
	n, _ := strconv.Atoi(v.Get("attr_rows"))
	for i := range min(n, 100) {
		s := strconv.Itoa(i)
		r := attrRow{Scope: v.Get("attr_scope_" + s), Name: v.Get("attr_name_" + s), Type: v.Get("attr_type_" + s), Values: v.Get("attr_values_" + s)}
		if strings.TrimSpace(r.Name) != "" {
			f.Attrs = append(f.Attrs, r)
		}
	}
	n, _ = strconv.Atoi(v.Get("metric_rows"))
	for i := range min(n, 100) {
		s := strconv.Itoa(i)
		r := metricRow{Name: v.Get("metric_name_" + s), Op: v.Get("metric_op_" + s), Value: v.Get("metric_value_" + s)}
		if strings.TrimSpace(r.Name) != "" {
			f.Metrics = append(f.Metrics, r)
		}
	}
	f.RecencyDuration, f.RecencyType = v.Get("recency_duration"), v.Get("recency_type")
	for _, d := range demographicFields {
		f.Demo = append(f.Demo, setRow{Field: d, Type: v.Get("demo_type_" + d), Values: v.Get("demo_values_" + d)})
	}
	f.CountryType, f.CountryValues = v.Get("country_type"), v.Get("country_values")
	f.Lat, f.Lon, f.Range = v.Get("gps_lat"), v.Get("gps_lon"), v.Get("gps_range")
	return f
}

// definition returns the member name and JSON of the definition the form describes.
func (f segForm) definition() (string, json.RawMessage, error) {
	if f.Mode == "json" {
		raw := strings.TrimSpace(f.JSON)
		if raw == "" {
			raw = "{}"
		}
		if !json.Valid([]byte(raw)) {
			return "", nil, &apiError{Status: 400, Code: pinpoint.CodeBadRequest, Message: f.JSONKind + " is not valid JSON."}
		}
		return f.JSONKind, json.RawMessage(raw), nil
	}
	var d dims
	for _, a := range f.Attrs {
		dim := attrDim{AttributeType: a.Type, Values: splitValues(a.Values)}
		if a.Scope == "UserAttributes" {
			if d.UserAttributes == nil {
				d.UserAttributes = map[string]attrDim{}
			}
			d.UserAttributes[strings.TrimSpace(a.Name)] = dim
		} else {
			if d.Attributes == nil {
				d.Attributes = map[string]attrDim{}
			}
			d.Attributes[strings.TrimSpace(a.Name)] = dim
		}
	}
	for _, m := range f.Metrics {
		if d.Metrics == nil {
			d.Metrics = map[string]metricDim{}
		}
		d.Metrics[strings.TrimSpace(m.Name)] = metricDim{ComparisonOperator: m.Op, Value: number(m.Value)}
	}
	if f.RecencyDuration != "" || f.RecencyType != "" {
		d.Behavior = &struct {
			Recency *recencyDim `json:"Recency,omitempty"`
		}{&recencyDim{Duration: f.RecencyDuration, RecencyType: f.RecencyType}}
	}
	for _, s := range f.Demo {
		if vals := splitValues(s.Values); len(vals) > 0 {
			if d.Demographic == nil {
				d.Demographic = map[string]setDim{}
			}
			d.Demographic[s.Field] = setDim{DimensionType: s.Type, Values: vals}
		}
	}
	country := splitValues(f.CountryValues)
	gps := strings.TrimSpace(f.Lat) != "" || strings.TrimSpace(f.Lon) != ""
	if len(country) > 0 || gps {
		d.Location = &struct {
			Country  *setDim `json:"Country,omitempty"`
			GPSPoint *gpsDim `json:"GPSPoint,omitempty"`
		}{}
		if len(country) > 0 {
			d.Location.Country = &setDim{DimensionType: f.CountryType, Values: country}
		}
		if gps {
			g := &gpsDim{}
			g.Coordinates.Latitude, g.Coordinates.Longitude = number(f.Lat), number(f.Lon)
			if strings.TrimSpace(f.Range) != "" {
				g.RangeInKilometers = number(f.Range)
			}
			d.Location.GPSPoint = g
		}
	}
	b, err := json.Marshal(d)
	return "Dimensions", b, err
}

// formFor fills the form from a stored segment. A definition the form cannot show exactly is
// shown as JSON only.
func formFor(s pinpoint.SegmentResponse) segForm {
	f := segForm{Name: s.Name, Mode: "form", JSONKind: "Dimensions", FormOnly: true}
	raw := s.Dimensions
	if len(s.SegmentGroups) > 0 && string(s.SegmentGroups) != "null" {
		f.Mode, f.JSONKind, f.FormOnly = "json", "SegmentGroups", false
		raw = s.SegmentGroups
	}
	var buf bytes.Buffer
	if len(raw) > 0 && json.Indent(&buf, raw, "", "  ") == nil {
		f.JSON = buf.String()
	}
	if f.FormOnly && len(s.Dimensions) > 0 {
		var d dims
		dec := json.NewDecoder(bytes.NewReader(s.Dimensions))
		dec.DisallowUnknownFields()
		if dec.Decode(&d) != nil {
			f.Mode, f.FormOnly = "json", false
		} else {
			f.fromDims(d)
		}
	}
	f.fill()
	return f
}

func (f *segForm) fromDims(d dims) {
	for _, scope := range []struct {
		name string
		m    map[string]attrDim
	}{{"Attributes", d.Attributes}, {"UserAttributes", d.UserAttributes}} {
		names := make([]string, 0, len(scope.m))
		for k := range scope.m {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			a := scope.m[k]
			t := a.AttributeType
			if t == "" {
				t = "INCLUSIVE"
			}
			f.Attrs = append(f.Attrs, attrRow{Scope: scope.name, Name: k, Type: t, Values: strings.Join(a.Values, ", ")})
		}
	}
	names := make([]string, 0, len(d.Metrics))
	for k := range d.Metrics {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		m := d.Metrics[k]
		f.Metrics = append(f.Metrics, metricRow{Name: k, Op: m.ComparisonOperator, Value: strings.Trim(string(m.Value), `"`)})
	}
	if d.Behavior != nil && d.Behavior.Recency != nil {
		f.RecencyDuration, f.RecencyType = d.Behavior.Recency.Duration, d.Behavior.Recency.RecencyType
	}
	for _, field := range demographicFields {
		r := setRow{Field: field, Type: "INCLUSIVE"}
		if s, ok := d.Demographic[field]; ok {
			if s.DimensionType != "" {
				r.Type = s.DimensionType
			}
			r.Values = strings.Join(s.Values, ", ")
		}
		f.Demo = append(f.Demo, r)
	}
	if d.Location != nil {
		if c := d.Location.Country; c != nil {
			f.CountryType, f.CountryValues = c.DimensionType, strings.Join(c.Values, ", ")
		}
		if g := d.Location.GPSPoint; g != nil {
			f.Lat, f.Lon, f.Range = string(g.Coordinates.Latitude), string(g.Coordinates.Longitude), string(g.RangeInKilometers)
		}
	}
}

// segmentBody is the JSON of CreateSegment or UpdateSegment for the form.
func (f segForm) body() ([]byte, error) {
	kind, def, err := f.definition()
	if err != nil {
		return nil, err
	}
	name, _ := json.Marshal(f.Name)
	var b bytes.Buffer
	b.WriteString(`{"Name":`)
	b.Write(name)
	b.WriteString(`,"` + kind + `":`)
	b.Write(def)
	b.WriteString("}")
	return b.Bytes(), nil
}

// ---- pages

type segmentsData struct {
	Segments  []pinpoint.SegmentResponse
	NextToken string
}

func (x *ctx) segPath(parts ...string) string {
	p := "/v1/apps/" + url.PathEscape(x.appID) + "/segments"
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}

func listSegments(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("segments", "Segments", nil, err)
		return
	}
	q := url.Values{"page-size": {"20"}}
	if t := x.r.URL.Query().Get("token"); t != "" {
		q.Set("token", t)
	}
	var out pinpoint.SegmentsResponse
	err := x.call("GET", x.segPath(), q, nil, &out)
	x.render("segments", "Segments", segmentsData{Segments: out.Item, NextToken: out.NextToken}, err)
}

type segFormData struct {
	Form    segForm
	Segment *pinpoint.SegmentResponse // nil when creating
}

func newSegment(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("segment_form", "New segment", nil, err)
		return
	}
	x.render("segment_form", "New segment", segFormData{Form: newSegForm()}, nil)
}

func createSegment(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("segment_form", "New segment", nil, err)
		return
	}
	f := readSegForm(x.r.PostForm)
	body, err := f.body()
	var out pinpoint.SegmentResponse
	if err == nil {
		err = x.callRaw("POST", x.segPath(), nil, body, &out)
	}
	if err != nil {
		f.fill()
		x.render("segment_form", "New segment", segFormData{Form: f}, err)
		return
	}
	x.redirect(Prefix+"apps/"+url.PathEscape(x.appID)+"/segments/"+url.PathEscape(out.ID), "Created segment "+out.Name+".")
}

type segmentData struct {
	S        pinpoint.SegmentResponse
	Versions []pinpoint.SegmentResponse
	VToken   string
	Query    string // "?version=N" for the size and members fragments, or ""
}

func showSegment(x *ctx) { x.showSegment(nil) }

func (x *ctx) showSegment(actionErr error) {
	if err := x.loadApp(); err != nil {
		x.render("segment", "Segment", nil, err)
		return
	}
	id := x.r.PathValue("segment")
	var d segmentData
	path := x.segPath(id)
	if v := x.r.URL.Query().Get("version"); v != "" {
		path = x.segPath(id, "versions", v)
		d.Query = "?version=" + url.QueryEscape(v)
	}
	if err := x.call("GET", path, nil, nil, &d.S); err != nil {
		x.render("segment", "Segment", nil, err)
		return
	}
	q := url.Values{"page-size": {"20"}}
	if t := x.r.URL.Query().Get("vtoken"); t != "" {
		q.Set("token", t)
	}
	var vs pinpoint.SegmentsResponse
	if err := x.call("GET", x.segPath(id, "versions"), q, nil, &vs); err != nil {
		x.render("segment", "Segment", nil, err)
		return
	}
	d.Versions, d.VToken = vs.Item, vs.NextToken
	x.render("segment", "Segment "+d.S.Name, d, actionErr)
}

type sizeData struct {
	Endpoints, Users, Version int
}

// segmentSize is a fragment: sizing reads every endpoint of the app (seconds at a million), so
// the segment page loads first and asks for it.
func segmentSize(x *ctx) {
	q := url.Values{}
	if v := x.r.URL.Query().Get("version"); v != "" {
		q.Set("version", v)
	}
	var out sizeData
	err := x.call("GET", x.segPath(x.r.PathValue("segment"), "size"), q, nil, &out)
	x.fragment("size", out, err)
}

type membersData struct {
	Endpoints []pinpoint.Endpoint
	Next      string // the URL of the next page, or ""
}

// segmentMembers is a fragment: one page of the segment's endpoints.
func segmentMembers(x *ctx) {
	in := x.r.URL.Query()
	q := url.Values{"page-size": {"20"}}
	for _, k := range []string{"version", "token"} {
		if v := in.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	var out struct {
		Item      []pinpoint.Endpoint
		NextToken string
	}
	err := x.call("GET", x.segPath(x.r.PathValue("segment"), "endpoints"), q, nil, &out)
	d := membersData{Endpoints: out.Item}
	if out.NextToken != "" {
		next := url.Values{"token": {out.NextToken}}
		if v := in.Get("version"); v != "" {
			next.Set("version", v)
		}
		d.Next = x.r.URL.EscapedPath() + "?" + next.Encode()
	}
	x.fragment("members", d, err)
}

func editSegmentPage(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("segment_form", "Edit segment", nil, err)
		return
	}
	var s pinpoint.SegmentResponse
	if err := x.call("GET", x.segPath(x.r.PathValue("segment")), nil, nil, &s); err != nil {
		x.render("segment_form", "Edit segment", nil, err)
		return
	}
	x.render("segment_form", "Edit segment "+s.Name, segFormData{Form: formFor(s), Segment: &s}, nil)
}

func updateSegment(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("segment_form", "Edit segment", nil, err)
		return
	}
	id := x.r.PathValue("segment")
	var cur pinpoint.SegmentResponse
	if err := x.call("GET", x.segPath(id), nil, nil, &cur); err != nil {
		x.render("segment_form", "Edit segment", nil, err)
		return
	}
	f := readSegForm(x.r.PostForm)
	body, err := f.body()
	var out pinpoint.SegmentResponse
	if err == nil {
		err = x.callRaw("PUT", x.segPath(id), nil, body, &out)
	}
	if err != nil {
		f.FormOnly = formFor(cur).FormOnly || f.Mode == "form"
		f.fill()
		x.render("segment_form", "Edit segment "+cur.Name, segFormData{Form: f, Segment: &cur}, err)
		return
	}
	x.redirect(Prefix+"apps/"+url.PathEscape(x.appID)+"/segments/"+url.PathEscape(id), "Saved version "+strconv.Itoa(out.Version)+".")
}

func deleteSegment(x *ctx) {
	if err := x.call("DELETE", x.segPath(x.r.PathValue("segment")), nil, nil, nil); err != nil {
		x.showSegment(err)
		return
	}
	x.redirect(Prefix+"apps/"+url.PathEscape(x.appID)+"/segments", "Deleted the segment.")
}

package pinpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of segment definitions; docs/ARCHITECTURE.md "Segments" explains how they are counted.
const (
	// MaxSegmentDimensions bounds the criteria of one definition, counted over every group: each
	// Attributes, UserAttributes and Metrics key, Recency, each Demographic member, Country and
	// GPSPoint is one dimension, and a SegmentDimensions object with none of them counts as one.
	MaxSegmentDimensions = 100
	// MaxSegmentValues bounds the Values entries of one definition, over every group and criterion.
	MaxSegmentValues = 100
	// MaxSegmentGroups bounds SegmentGroups.Groups (the console offers two).
	MaxSegmentGroups = 2
	// MaxSegmentDepth bounds how deep source segments nest: the segment compiled is level 0, its
	// sources level 1, and no source may sit below level MaxSegmentDepth.
	MaxSegmentDepth = 5
)

// ImportMembers returns the definition of an IMPORT segment: it matches exactly the endpoints whose
// ID isMember reports, and names no source segment. A SourceResolver returns it for an IMPORT
// segment; isMember must be safe for concurrent use and is called once per Match, so it should be
// cheap (a map or set lookup).
func ImportMembers(isMember func(endpointID string) bool) *SegmentDefinition {
	return &SegmentDefinition{def: segmentDef{imported: isMember}}
}

// segmentDef is the parsed, validated form of a definition. At most one field is set; none means
// every endpoint of the app.
type segmentDef struct {
	dims     *dimensionsDef
	groups   *groupsDef
	imported func(endpointID string) bool
}

// sources lists the source segments of every group in order of appearance.
func (d segmentDef) sources() []SourceRef {
	if d.groups == nil {
		return nil
	}
	var refs []SourceRef
	for _, g := range d.groups.groups {
		refs = append(refs, g.sources...)
	}
	return refs
}

// dimensionsDef is one SegmentDimensions object: an endpoint must meet every criterion.
type dimensionsDef struct {
	attributes     []attributeDef // sorted by name
	userAttributes []attributeDef // sorted by name
	metrics        []metricDef    // sorted by name
	recency        *recencyDef
	sets           []setDef // Demographic members in model order, then Location.Country
	gps            *gpsDef
}

type attrOp uint8

const (
	opInclusive attrOp = iota
	opExclusive
	opContains
	opBefore
	opAfter
	opOn
	opBetween
)

// attrOpNames is indexed by attrOp.
var attrOpNames = []string{"INCLUSIVE", "EXCLUSIVE", "CONTAINS", "BEFORE", "AFTER", "ON", "BETWEEN"}

// attributeDef is one AttributeDimension of Attributes or UserAttributes.
type attributeDef struct {
	name   string
	op     attrOp
	values []string
	times  []time.Time // BEFORE, AFTER, ON, BETWEEN: values parsed, in UTC
}

type setField uint8

const (
	fieldAppVersion setField = iota
	fieldChannel
	fieldDeviceType
	fieldMake
	fieldModel
	fieldPlatform
	fieldCountry
)

// setDef is one SetDimension: a Demographic member or Location.Country.
type setDef struct {
	field     setField
	exclusive bool
	values    []string
}

type recencyDef struct {
	window time.Duration
	active bool
}

// recencyWindows maps Duration to its window.
var recencyWindows = map[string]time.Duration{
	"HR_24": 24 * time.Hour, "DAY_7": 7 * 24 * time.Hour, "DAY_14": 14 * 24 * time.Hour, "DAY_30": 30 * 24 * time.Hour,
}

type cmpOp uint8

const (
	cmpGreater cmpOp = iota
	cmpLess
	cmpGreaterOrEqual
	cmpLessOrEqual
	cmpEqual
)

// cmpOpNames is indexed by cmpOp.
var cmpOpNames = []string{"GREATER_THAN", "LESS_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN_OR_EQUAL", "EQUAL"}

type metricDef struct {
	name  string
	op    cmpOp
	value float64
}

// gpsDef is a GPSPoint; rangeKm 0 (RangeInKilometers omitted) selects the endpoints whose stored
// coordinates equal the point's rounded to one decimal, as endpoint coordinates are stored.
type gpsDef struct {
	lat, lon, rangeKm float64
}

type quant uint8

const (
	quantAll quant = iota
	quantAny
	quantNone
)

// quantNames is indexed by quant.
var quantNames = []string{"ALL", "ANY", "NONE"}

type groupsDef struct {
	include quant
	groups  []groupDef
}

type groupDef struct {
	dims       []*dimensionsDef
	typ        quant
	sources    []SourceRef
	sourceType quant
}

// defParser walks a definition, keeping the totals its limits count.
type defParser struct {
	dims   int
	values int
}

func parseSegmentDefinition(dimensions, groups json.RawMessage) (*SegmentDefinition, error) {
	hasDims, hasGroups := !absent(dimensions), !absent(groups)
	if hasDims && hasGroups {
		return nil, BadRequest("Dimensions and SegmentGroups cannot both be set")
	}
	var (
		p     defParser
		def   SegmentDefinition
		where string
		err   error
	)
	switch {
	case hasDims:
		where = "Dimensions"
		def.def.dims, err = p.dimensions(where, dimensions)
	case hasGroups:
		where = "SegmentGroups"
		def.def.groups, err = p.groupList(where, groups)
	}
	if err != nil {
		return nil, err
	}
	if p.dims > MaxSegmentDimensions {
		return nil, BadRequest("%s: the segment has %d dimensions; the limit is %d", where, p.dims, MaxSegmentDimensions)
	}
	if p.values > MaxSegmentValues {
		return nil, BadRequest("%s: the segment has %d values in total; the limit is %d", where, p.values, MaxSegmentValues)
	}
	return &def, nil
}

func (p *defParser) groupList(path string, raw json.RawMessage) (*groupsDef, error) {
	var w struct {
		Groups  []json.RawMessage
		Include *string
	}
	if err := decodeMember(path, raw, &w); err != nil {
		return nil, err
	}
	if len(w.Groups) > MaxSegmentGroups {
		return nil, BadRequest("%s.Groups: %d groups; the limit is %d", path, len(w.Groups), MaxSegmentGroups)
	}
	gs := &groupsDef{}
	for i, raw := range w.Groups {
		g, err := p.group(indexPath(path+".Groups", i), raw)
		if err != nil {
			return nil, err
		}
		gs.groups = append(gs.groups, g)
	}
	var err error
	if gs.include, err = parseQuant(path+".Include", w.Include, quantAll); err != nil {
		return nil, err
	}
	return gs, nil
}

func (p *defParser) group(path string, raw json.RawMessage) (groupDef, error) {
	var w struct {
		Dimensions     []json.RawMessage
		SourceSegments []json.RawMessage
		SourceType     *string
		Type           *string
	}
	var g groupDef
	if err := decodeMember(path, raw, &w); err != nil {
		return g, err
	}
	for i, raw := range w.Dimensions {
		d, err := p.dimensions(indexPath(path+".Dimensions", i), raw)
		if err != nil {
			return g, err
		}
		g.dims = append(g.dims, d)
	}
	for i, raw := range w.SourceSegments {
		ref, err := sourceRef(indexPath(path+".SourceSegments", i), raw)
		if err != nil {
			return g, err
		}
		g.sources = append(g.sources, ref)
	}
	var err error
	if g.sourceType, err = parseQuant(path+".SourceType", w.SourceType, quantAny); err != nil {
		return g, err
	}
	if g.typ, err = parseQuant(path+".Type", w.Type, quantAll); err != nil {
		return g, err
	}
	return g, nil
}

func sourceRef(path string, raw json.RawMessage) (SourceRef, error) {
	var w struct {
		ID      *string `json:"Id"`
		Version *int
	}
	if err := decodeMember(path, raw, &w); err != nil {
		return SourceRef{}, err
	}
	if w.ID == nil {
		return SourceRef{}, missing(path + ".Id")
	}
	if !isSegmentID(*w.ID) {
		return SourceRef{}, BadRequest("%s.Id: %q is not a segment ID (32 lower-case hexadecimal characters)", path, *w.ID)
	}
	ref := SourceRef{ID: *w.ID}
	if w.Version != nil {
		if *w.Version < 0 {
			return SourceRef{}, BadRequest("%s.Version: %d must not be negative", path, *w.Version)
		}
		ref.Version = *w.Version
	}
	return ref, nil
}

// isSegmentID reports whether s has the form of a segment ID: 32 lower-case hex characters.
func isSegmentID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (p *defParser) dimensions(path string, raw json.RawMessage) (*dimensionsDef, error) {
	var w struct {
		Attributes     map[string]json.RawMessage
		Behavior       json.RawMessage
		Demographic    json.RawMessage
		Location       json.RawMessage
		Metrics        map[string]json.RawMessage
		UserAttributes map[string]json.RawMessage
	}
	if err := decodeMember(path, raw, &w); err != nil {
		return nil, err
	}
	d := &dimensionsDef{}
	var err error
	if d.attributes, err = p.attributes(path+".Attributes", w.Attributes); err != nil {
		return nil, err
	}
	if !absent(w.Behavior) {
		if d.recency, err = behavior(path+".Behavior", w.Behavior); err != nil {
			return nil, err
		}
	}
	if !absent(w.Demographic) {
		if d.sets, err = p.demographic(path+".Demographic", w.Demographic); err != nil {
			return nil, err
		}
	}
	if !absent(w.Location) {
		var country *setDef
		if country, d.gps, err = p.location(path+".Location", w.Location); err != nil {
			return nil, err
		}
		if country != nil {
			d.sets = append(d.sets, *country)
		}
	}
	for _, name := range sortedKeys(w.Metrics) {
		mpath := path + ".Metrics"
		if err := validateSegmentAttrName(mpath, name); err != nil {
			return nil, err
		}
		if absent(w.Metrics[name]) {
			continue
		}
		m, err := metric(mpath+"."+name, name, w.Metrics[name])
		if err != nil {
			return nil, err
		}
		d.metrics = append(d.metrics, m)
	}
	if d.userAttributes, err = p.attributes(path+".UserAttributes", w.UserAttributes); err != nil {
		return nil, err
	}

	n := len(d.attributes) + len(d.userAttributes) + len(d.metrics) + len(d.sets)
	if d.recency != nil {
		n++
	}
	if d.gps != nil {
		n++
	}
	p.dims += max(n, 1)
	return d, nil
}

func (p *defParser) attributes(path string, m map[string]json.RawMessage) ([]attributeDef, error) {
	var defs []attributeDef
	for _, name := range sortedKeys(m) {
		if err := validateSegmentAttrName(path, name); err != nil {
			return nil, err
		}
		if absent(m[name]) {
			continue
		}
		a, err := p.attribute(path+"."+name, name, m[name])
		if err != nil {
			return nil, err
		}
		defs = append(defs, a)
	}
	return defs, nil
}

func (p *defParser) attribute(path, name string, raw json.RawMessage) (attributeDef, error) {
	var w struct {
		AttributeType *string
		Values        *[]string
	}
	a := attributeDef{name: name}
	if err := decodeMember(path, raw, &w); err != nil {
		return a, err
	}
	if w.AttributeType != nil {
		i := slices.Index(attrOpNames, *w.AttributeType)
		if i < 0 {
			return a, notOneOf(path+".AttributeType", *w.AttributeType, attrOpNames)
		}
		a.op = attrOp(i)
	}
	if w.Values == nil {
		return a, missing(path + ".Values")
	}
	a.values = *w.Values
	opName := attrOpNames[a.op]
	switch n := len(a.values); a.op {
	case opBefore, opAfter, opOn:
		if n != 1 {
			return a, BadRequest("%s.Values: %s takes exactly 1 value, got %d", path, opName, n)
		}
	case opBetween:
		if n != 2 {
			return a, BadRequest("%s.Values: %s takes exactly 2 values, got %d", path, opName, n)
		}
	default:
		if n == 0 {
			return a, BadRequest("%s.Values: %s takes at least 1 value, got 0", path, opName)
		}
	}
	if err := p.checkValues(path+".Values", a.values); err != nil {
		return a, err
	}
	if a.op >= opBefore {
		for i, v := range a.values {
			t, ok := ParseTime(v)
			if !ok {
				return a, BadRequest("%s: %q is not an ISO 8601 date-time", indexPath(path+".Values", i), v)
			}
			a.times = append(a.times, t)
		}
		if a.op == opBetween && a.times[0].After(a.times[1]) {
			a.times[0], a.times[1] = a.times[1], a.times[0]
		}
	}
	return a, nil
}

// checkValues checks each value's length and counts the values towards MaxSegmentValues.
func (p *defParser) checkValues(path string, values []string) error {
	for i, v := range values {
		if n := utf8.RuneCountInString(v); n > MaxAttrValueLen {
			return BadRequest("%s: the value is %d characters long; the limit is %d", indexPath(path, i), n, MaxAttrValueLen)
		}
	}
	p.values += len(values)
	return nil
}

func behavior(path string, raw json.RawMessage) (*recencyDef, error) {
	var w struct{ Recency json.RawMessage }
	if err := decodeMember(path, raw, &w); err != nil {
		return nil, err
	}
	if absent(w.Recency) {
		return nil, nil
	}
	path += ".Recency"
	var r struct {
		Duration    *string
		RecencyType *string
	}
	if err := decodeMember(path, w.Recency, &r); err != nil {
		return nil, err
	}
	if r.Duration == nil {
		return nil, missing(path + ".Duration")
	}
	window, ok := recencyWindows[*r.Duration]
	if !ok {
		return nil, notOneOf(path+".Duration", *r.Duration, []string{"HR_24", "DAY_7", "DAY_14", "DAY_30"})
	}
	if r.RecencyType == nil {
		return nil, missing(path + ".RecencyType")
	}
	types := []string{"ACTIVE", "INACTIVE"}
	if slices.Index(types, *r.RecencyType) < 0 {
		return nil, notOneOf(path+".RecencyType", *r.RecencyType, types)
	}
	return &recencyDef{window: window, active: *r.RecencyType == "ACTIVE"}, nil
}

func (p *defParser) demographic(path string, raw json.RawMessage) ([]setDef, error) {
	var w struct {
		AppVersion json.RawMessage
		Channel    json.RawMessage
		DeviceType json.RawMessage
		Make       json.RawMessage
		Model      json.RawMessage
		Platform   json.RawMessage
	}
	if err := decodeMember(path, raw, &w); err != nil {
		return nil, err
	}
	members := []struct {
		name  string
		field setField
		raw   json.RawMessage
	}{
		{"AppVersion", fieldAppVersion, w.AppVersion},
		{"Channel", fieldChannel, w.Channel},
		{"DeviceType", fieldDeviceType, w.DeviceType},
		{"Make", fieldMake, w.Make},
		{"Model", fieldModel, w.Model},
		{"Platform", fieldPlatform, w.Platform},
	}
	var sets []setDef
	for _, m := range members {
		if absent(m.raw) {
			continue
		}
		s, err := p.set(path+"."+m.name, m.field, m.raw)
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	return sets, nil
}

func (p *defParser) set(path string, field setField, raw json.RawMessage) (setDef, error) {
	var w struct {
		DimensionType *string
		Values        *[]string
	}
	s := setDef{field: field}
	if err := decodeMember(path, raw, &w); err != nil {
		return s, err
	}
	if w.DimensionType != nil {
		switch *w.DimensionType {
		case "INCLUSIVE":
		case "EXCLUSIVE":
			s.exclusive = true
		default:
			return s, notOneOf(path+".DimensionType", *w.DimensionType, []string{"INCLUSIVE", "EXCLUSIVE"})
		}
	}
	if w.Values == nil {
		return s, missing(path + ".Values")
	}
	s.values = *w.Values
	if len(s.values) == 0 {
		kind := "INCLUSIVE"
		if s.exclusive {
			kind = "EXCLUSIVE"
		}
		return s, BadRequest("%s.Values: %s takes at least 1 value, got 0", path, kind)
	}
	return s, p.checkValues(path+".Values", s.values)
}

func (p *defParser) location(path string, raw json.RawMessage) (*setDef, *gpsDef, error) {
	var w struct {
		Country  json.RawMessage
		GPSPoint json.RawMessage
	}
	if err := decodeMember(path, raw, &w); err != nil {
		return nil, nil, err
	}
	var country *setDef
	if !absent(w.Country) {
		s, err := p.set(path+".Country", fieldCountry, w.Country)
		if err != nil {
			return nil, nil, err
		}
		country = &s
	}
	if absent(w.GPSPoint) {
		return country, nil, nil
	}
	path += ".GPSPoint"
	var g struct {
		Coordinates       json.RawMessage
		RangeInKilometers *float64
	}
	if err := decodeMember(path, w.GPSPoint, &g); err != nil {
		return nil, nil, err
	}
	if absent(g.Coordinates) {
		return nil, nil, missing(path + ".Coordinates")
	}
	var c struct {
		Latitude  *float64
		Longitude *float64
	}
	if err := decodeMember(path+".Coordinates", g.Coordinates, &c); err != nil {
		return nil, nil, err
	}
	for _, coord := range []struct {
		name  string
		v     *float64
		limit float64
	}{{"Latitude", c.Latitude, 90}, {"Longitude", c.Longitude, 180}} {
		cpath := path + ".Coordinates." + coord.name
		if coord.v == nil {
			return nil, nil, missing(cpath)
		}
		if v := *coord.v; v < -coord.limit || v > coord.limit {
			return nil, nil, BadRequest("%s: %v must lie between -%v and %v", cpath, v, coord.limit, coord.limit)
		}
	}
	gps := &gpsDef{lat: *c.Latitude, lon: *c.Longitude}
	if r := g.RangeInKilometers; r != nil {
		if !(*r > 0) {
			return nil, nil, BadRequest("%s.RangeInKilometers: %v must be greater than 0", path, *r)
		}
		gps.rangeKm = *r
	}
	return country, gps, nil
}

func metric(path, name string, raw json.RawMessage) (metricDef, error) {
	var w struct {
		ComparisonOperator *string
		Value              *float64
	}
	m := metricDef{name: name}
	if err := decodeMember(path, raw, &w); err != nil {
		return m, err
	}
	if w.ComparisonOperator == nil {
		return m, missing(path + ".ComparisonOperator")
	}
	i := slices.Index(cmpOpNames, *w.ComparisonOperator)
	if i < 0 {
		return m, notOneOf(path+".ComparisonOperator", *w.ComparisonOperator, cmpOpNames)
	}
	m.op = cmpOp(i)
	if w.Value == nil {
		return m, missing(path + ".Value")
	}
	m.value = *w.Value
	return m, nil
}

func parseQuant(path string, v *string, def quant) (quant, error) {
	if v == nil {
		return def, nil
	}
	i := slices.Index(quantNames, *v)
	if i < 0 {
		return 0, notOneOf(path, *v, quantNames)
	}
	return quant(i), nil
}

// validateSegmentAttrName checks an Attributes, UserAttributes or Metrics key as endpoints'
// attribute names are checked.
func validateSegmentAttrName(path, name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return BadRequest("%s: an attribute name is empty", path)
	}
	if n > MaxAttrNameLen {
		return BadRequest("%s: the name %q is %d characters long; the limit is %d", path, name, n, MaxAttrNameLen)
	}
	return nil
}

// decodeMember decodes one JSON object of the definition into v, a struct whose nested objects
// and lists are json.RawMessage, so a type error names exactly one member below path. Unknown
// members are ignored, as AWS's JSON protocol does.
func decodeMember(path string, raw json.RawMessage, v any) error {
	if absent(raw) {
		return nil
	}
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			path += "." + te.Field
		}
		kind := jsonKind(te.Type)
		if n, ok := strings.CutPrefix(te.Value, "number "); ok {
			// A number that does not fit: a fraction for an integer, or out of float64's range.
			if kind == "an integer" {
				return BadRequest("%s: %s is not an integer", path, n)
			}
			return BadRequest("%s: %s is out of range", path, n)
		}
		return BadRequest("%s: expected %s, got JSON %s", path, kind, te.Value)
	}
	return BadRequest("%s: malformed JSON: %v", path, err)
}

// jsonKind names the JSON form of a Go type in a message.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	default:
		return "an object"
	}
}

// absent reports whether a member was omitted or null.
func absent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

func missing(path string) error {
	return BadRequest("%s: the member is required", path)
}

func notOneOf(path, v string, names []string) error {
	return BadRequest("%s: %q is not one of %s", path, v, strings.Join(names, ", "))
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

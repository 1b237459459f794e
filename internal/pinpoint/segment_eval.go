package pinpoint

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// The evaluator. CompileSegment does every piece of work that does not depend on the endpoint
// (parsing the segment's dates, building value sets, the Recency cutoff, the GPS threshold,
// resolving sources) so that Match only reads the endpoint and allocates nothing.

// segmentMatcher is a compiled definition; a nil root selects every endpoint.
type segmentMatcher struct {
	root node
}

func (m segmentMatcher) match(in *MatchInput) bool { return m.root == nil || m.root.match(in) }

// node is one compiled piece of a definition.
type node interface {
	match(in *MatchInput) bool
}

// importNode matches the members of an IMPORT segment.
type importNode func(endpointID string) bool

func (f importNode) match(in *MatchInput) bool { return f(in.Endpoint.ID) }

// groupsNode is a SegmentGroupList.
type groupsNode struct {
	include quant
	groups  []*groupNode
}

func (g *groupsNode) match(in *MatchInput) bool { return quantify(g.include, g.groups, in) }

// groupNode is one SegmentGroup: its base population (the source segments, or every endpoint
// when it names none) filtered by its dimensions.
type groupNode struct {
	sourceType quant
	sources    []*segmentMatcher
	typ        quant
	dims       []*dimsNode
}

func (g *groupNode) match(in *MatchInput) bool {
	if len(g.sources) > 0 && !quantify(g.sourceType, g.sources, in) {
		return false
	}
	return len(g.dims) == 0 || quantify(g.typ, g.dims, in)
}

// quantify reports whether all, any or none of xs match.
func quantify[T interface{ match(*MatchInput) bool }](q quant, xs []T, in *MatchInput) bool {
	for _, x := range xs {
		if x.match(in) {
			if q == quantAny {
				return true
			}
			if q == quantNone {
				return false
			}
		} else if q == quantAll {
			return false
		}
	}
	return q != quantAny
}

// dimsNode is one SegmentDimensions object: every criterion must hold. The cheapest criteria are
// tried first.
type dimsNode struct {
	never     bool // a criterion no endpoint meets (Demographic.DeviceType INCLUSIVE)
	sets      []setCond
	metrics   []metricCond
	attrs     []attrCond
	userAttrs []attrCond
	recency   *recencyCond
	gps       *gpsCond
}

func (d *dimsNode) match(in *MatchInput) bool {
	if d.never {
		return false
	}
	e := in.Endpoint
	for i := range d.sets {
		if !d.sets[i].match(e) {
			return false
		}
	}
	for i := range d.metrics {
		if !d.metrics[i].match(e.Metrics) {
			return false
		}
	}
	for i := range d.attrs {
		if !d.attrs[i].match(e.Attributes[d.attrs[i].name]) {
			return false
		}
	}
	for i := range d.userAttrs {
		if !d.userAttrs[i].match(e.User.UserAttributes[d.userAttrs[i].name]) {
			return false
		}
	}
	if d.recency != nil && !d.recency.match(in) {
		return false
	}
	return d.gps == nil || d.gps.match(e)
}

// strSet is a set of strings: a slice while it is small (faster than hashing), a map beyond.
type strSet struct {
	small []string
	big   map[string]struct{}
}

const smallSet = 8

func newStrSet(values []string) strSet {
	var s strSet
	for _, v := range values {
		if !s.has(v) {
			s.small = append(s.small, v)
		}
	}
	if len(s.small) > smallSet {
		s.big = make(map[string]struct{}, len(s.small))
		for _, v := range s.small {
			s.big[v] = struct{}{}
		}
		s.small = nil
	}
	return s
}

func (s *strSet) has(v string) bool {
	if s.big != nil {
		_, ok := s.big[v]
		return ok
	}
	for _, x := range s.small {
		if x == v {
			return true
		}
	}
	return false
}

// setCond is a SetDimension over one endpoint field. An endpoint whose field is empty lacks it:
// it meets EXCLUSIVE and not INCLUSIVE.
type setCond struct {
	field     setField
	exclusive bool
	set       strSet
}

func (c *setCond) match(e *Endpoint) bool {
	var v string
	switch c.field {
	case fieldChannel:
		v = e.ChannelType
	case fieldCountry:
		if e.Location != nil {
			v = e.Location.Country
		}
	default:
		if d := e.Demographic; d != nil {
			switch c.field {
			case fieldAppVersion:
				v = d.AppVersion
			case fieldMake:
				v = d.Make
			case fieldModel:
				v = d.Model
			case fieldPlatform:
				v = d.Platform
			}
		}
	}
	if v == "" {
		return c.exclusive
	}
	return c.set.has(v) != c.exclusive
}

// pushChannelTypes are what a Demographic.Channel value of PUSH stands for, besides PUSH itself.
var pushChannelTypes = []string{"GCM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "ADM", "BAIDU"}

type metricCond struct {
	name  string
	op    cmpOp
	value float64
}

func (c *metricCond) match(metrics map[string]float64) bool {
	v, ok := metrics[c.name]
	if !ok {
		return false
	}
	switch c.op {
	case cmpGreater:
		return v > c.value
	case cmpLess:
		return v < c.value
	case cmpGreaterOrEqual:
		return v >= c.value
	case cmpLessOrEqual:
		return v <= c.value
	default:
		return v == c.value
	}
}

// attrCond is an AttributeDimension over the values an endpoint (or its user) holds for one
// attribute. It holds when any of those values meets it, except EXCLUSIVE, which holds when none of
// them equals a segment value (so an endpoint without the attribute meets EXCLUSIVE only).
type attrCond struct {
	name   string
	op     attrOp
	set    strSet    // INCLUSIVE, EXCLUSIVE
	subs   []string  // CONTAINS
	lo, hi time.Time // BEFORE: hi; AFTER: lo; BETWEEN: [lo, hi]
	day    int64     // ON: days since the Unix epoch, UTC
}

func (c *attrCond) match(values []string) bool {
	switch c.op {
	case opInclusive:
		for _, v := range values {
			if c.set.has(v) {
				return true
			}
		}
		return false
	case opExclusive:
		for _, v := range values {
			if c.set.has(v) {
				return false
			}
		}
		return true
	case opContains:
		for _, v := range values {
			for _, sub := range c.subs {
				if strings.Contains(v, sub) {
					return true
				}
			}
		}
		return false
	}
	for _, v := range values {
		t, ok := parseInstant(v)
		if !ok {
			continue
		}
		switch c.op {
		case opBefore:
			ok = t.Before(c.hi)
		case opAfter:
			ok = t.After(c.lo)
		case opOn:
			ok = unixDay(t) == c.day
		default: // opBetween
			ok = !t.Before(c.lo) && !t.After(c.hi)
		}
		if ok {
			return true
		}
	}
	return false
}

// unixDay returns the UTC day of t, counted from 1970-01-01.
func unixDay(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// recencyCond is Behavior.Recency: an endpoint was active when its last activity (its latest
// event, else its EffectiveDate) is at or after cutoff.
type recencyCond struct {
	cutoff time.Time
	// cutoffText is cutoff in TimeFormat, the form Merge stores EffectiveDate in: two such
	// strings order as their instants do, so the common case needs no parsing.
	cutoffText string
	active     bool
}

func newRecencyCond(cutoff time.Time, active bool) *recencyCond {
	c := &recencyCond{cutoff: cutoff, active: active}
	if text := FormatTime(cutoff); isTimeFormat(text) {
		c.cutoffText = text
	}
	return c
}

func (c *recencyCond) match(in *MatchInput) bool {
	t := in.LastEventAt
	if !t.IsZero() {
		return !t.Before(c.cutoff) == c.active
	}
	ed := in.Endpoint.EffectiveDate
	if c.cutoffText != "" && isTimeFormat(ed) {
		return (ed >= c.cutoffText) == c.active
	}
	t, ok := parseInstant(ed)
	return (ok && !t.Before(c.cutoff)) == c.active
}

// isTimeFormat reports whether s has the shape of TimeFormat: 2006-01-02T15:04:05.000Z.
func isTimeFormat(s string) bool {
	const shape = "0000-00-00T00:00:00.000Z"
	if len(s) != len(shape) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if shape[i] == '0' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != shape[i] {
			return false
		}
	}
	return true
}

// earthRadiusKm is the mean radius of the Earth (IUGG).
const earthRadiusKm = 6371.0088

// gpsCond is Location.GPSPoint. With a range it compares haversine terms instead of distances:
// distance ≤ r exactly when hav(Δφ) + cos φ1 cos φ2 hav(Δλ) ≤ sin²(r / 2R), so Match needs no
// inverse trigonometry. Without a range it compares the rounded coordinates.
type gpsCond struct {
	exact     bool    // RangeInKilometers omitted
	lat, lon  float64 // exact: degrees rounded to one decimal; else radians
	cosLat    float64
	threshold float64 // sin²(r / 2R); > 1 when the range spans the globe
}

func (c *gpsCond) match(e *Endpoint) bool {
	l := e.Location
	if l == nil || l.Latitude == nil || l.Longitude == nil {
		return false
	}
	if c.exact {
		return round1(*l.Latitude) == c.lat && round1(*l.Longitude) == c.lon
	}
	const rad = math.Pi / 180
	lat, lon := *l.Latitude*rad, *l.Longitude*rad
	sdLat, sdLon := math.Sin((lat-c.lat)/2), math.Sin((lon-c.lon)/2)
	return sdLat*sdLat+c.cosLat*math.Cos(lat)*sdLon*sdLon <= c.threshold
}

// compiler turns definitions into matchers, resolving source segments once each.
type compiler struct {
	resolve SourceResolver
	now     time.Time
	memo    map[SourceRef]compiled
	stack   []SourceRef // sources being compiled, outermost first
	origin  string      // member path, in the top definition, of the reference being followed
}

// compiled is a source's matcher and the depth of the source chain below it.
type compiled struct {
	m      *segmentMatcher
	height int
}

func compileSegment(def *SegmentDefinition, resolve SourceResolver, now time.Time) (*Matcher, error) {
	c := &compiler{resolve: resolve, now: now, memo: map[SourceRef]compiled{}}
	m, _, err := c.definition(def)
	if err != nil {
		return nil, err
	}
	return &Matcher{m: *m}, nil
}

// definition compiles def and returns the depth of the source chain below it.
func (c *compiler) definition(def *SegmentDefinition) (*segmentMatcher, int, error) {
	if def == nil {
		return &segmentMatcher{}, 0, nil
	}
	d := &def.def
	switch {
	case d.imported != nil:
		return &segmentMatcher{root: importNode(d.imported)}, 0, nil
	case d.dims != nil:
		return &segmentMatcher{root: c.dims(d.dims)}, 0, nil
	case d.groups != nil && len(d.groups.groups) > 0:
		return c.groups(d.groups)
	}
	return &segmentMatcher{}, 0, nil
}

func (c *compiler) groups(gs *groupsDef) (*segmentMatcher, int, error) {
	n := &groupsNode{include: gs.include}
	height := 0
	for i, g := range gs.groups {
		gn := &groupNode{sourceType: g.sourceType, typ: g.typ}
		for j, ref := range g.sources {
			if len(c.stack) == 0 {
				c.origin = fmt.Sprintf("SegmentGroups.Groups[%d].SourceSegments[%d].Id", i, j)
			}
			m, h, err := c.source(ref)
			if err != nil {
				return nil, 0, err
			}
			gn.sources = append(gn.sources, m)
			height = max(height, h+1)
		}
		for _, d := range g.dims {
			gn.dims = append(gn.dims, c.dims(d))
		}
		n.groups = append(n.groups, gn)
	}
	return &segmentMatcher{root: n}, height, nil
}

// source compiles a source segment, refusing cycles and chains deeper than MaxSegmentDepth.
func (c *compiler) source(ref SourceRef) (*segmentMatcher, int, error) {
	for i, r := range c.stack {
		if r == ref {
			return nil, 0, BadRequest("%s: source segments form a cycle: %s", c.origin, chain(slices.Concat(c.stack[i:], []SourceRef{ref})))
		}
	}
	level := len(c.stack) + 1
	tooDeep := func() error {
		return BadRequest("%s: source segments nest more than %d levels deep: %s", c.origin, MaxSegmentDepth, chain(slices.Concat(c.stack, []SourceRef{ref})))
	}
	if level > MaxSegmentDepth {
		return nil, 0, tooDeep()
	}
	if got, ok := c.memo[ref]; ok {
		if level+got.height > MaxSegmentDepth {
			return nil, 0, tooDeep()
		}
		return got.m, got.height, nil
	}
	var def *SegmentDefinition
	err := ErrSourceNotFound
	if c.resolve != nil {
		def, err = c.resolve(ref.ID, ref.Version)
	}
	if err == nil && def == nil {
		err = ErrSourceNotFound
	}
	if errors.Is(err, ErrSourceNotFound) {
		what := fmt.Sprintf("source segment %q", ref.ID)
		if ref.Version != 0 {
			what += fmt.Sprintf(" version %d", ref.Version)
		}
		if len(c.stack) > 0 {
			return nil, 0, BadRequest("%s: %s, reached through %s, does not exist", c.origin, what, chain(c.stack))
		}
		return nil, 0, BadRequest("%s: %s does not exist", c.origin, what)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("pinpoint: resolve source segment %q version %d: %w", ref.ID, ref.Version, err)
	}
	c.stack = append(c.stack, ref)
	m, height, err := c.definition(def)
	c.stack = c.stack[:len(c.stack)-1]
	if err != nil {
		return nil, 0, err
	}
	c.memo[ref] = compiled{m: m, height: height}
	return m, height, nil
}

// chain renders a path of source references, e.g. "a" → "b" → "a".
func chain(refs []SourceRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = fmt.Sprintf("%q", r.ID)
		if r.Version != 0 {
			parts[i] += fmt.Sprintf(" version %d", r.Version)
		}
	}
	return strings.Join(parts, " → ")
}

func (c *compiler) dims(d *dimensionsDef) *dimsNode {
	n := &dimsNode{}
	for _, s := range d.sets {
		switch {
		case s.field == fieldDeviceType && s.exclusive:
			continue // no endpoint has a device type: every one meets EXCLUSIVE
		case s.field == fieldDeviceType:
			n.never = true
			continue
		}
		values := s.values
		if s.field == fieldChannel && slices.Contains(values, "PUSH") {
			values = append(append([]string(nil), values...), pushChannelTypes...)
		}
		n.sets = append(n.sets, setCond{field: s.field, exclusive: s.exclusive, set: newStrSet(values)})
	}
	for _, m := range d.metrics {
		n.metrics = append(n.metrics, metricCond(m))
	}
	n.attrs = compileAttrs(d.attributes)
	n.userAttrs = compileAttrs(d.userAttributes)
	if r := d.recency; r != nil {
		n.recency = newRecencyCond(c.now.Add(-r.window), r.active)
	}
	if g := d.gps; g != nil {
		if g.rangeKm == 0 {
			n.gps = &gpsCond{exact: true, lat: round1(g.lat), lon: round1(g.lon)}
		} else {
			const rad = math.Pi / 180
			s := math.Sin(g.rangeKm / (2 * earthRadiusKm))
			threshold := s * s
			if g.rangeKm >= math.Pi*earthRadiusKm {
				threshold = 2 // every point of the globe lies within the range
			}
			n.gps = &gpsCond{lat: g.lat * rad, lon: g.lon * rad, cosLat: math.Cos(g.lat * rad), threshold: threshold}
		}
	}
	return n
}

func compileAttrs(defs []attributeDef) []attrCond {
	var conds []attrCond
	for _, a := range defs {
		c := attrCond{name: a.name, op: a.op}
		switch a.op {
		case opInclusive, opExclusive:
			c.set = newStrSet(a.values)
		case opContains:
			c.subs = a.values
		case opBefore:
			c.hi = a.times[0]
		case opAfter:
			c.lo = a.times[0]
		case opOn:
			c.day = unixDay(a.times[0])
		case opBetween:
			c.lo, c.hi = a.times[0], a.times[1]
		}
		conds = append(conds, c)
	}
	return conds
}

// parseInstant is ParseTime without allocating for the forms dates take: YYYY-MM-DD, and
// YYYY-MM-DDThh:mm[:ss[.fraction]] with Z, ±hh:mm or (with seconds) no zone. Anything else that
// could still be a date goes to ParseTime, so both accept exactly the same strings.
func parseInstant(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || !allDigits(s[:4]) {
		return time.Time{}, false // no ParseTime layout accepts it
	}
	if t, ok := parseInstantFast(s); ok {
		return t, true
	}
	return ParseTime(s)
}

func parseInstantFast(s string) (time.Time, bool) {
	year, ok1 := num(s, 0, 4)
	month, ok2 := num(s, 5, 2)
	day, ok3 := num(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || s[4] != '-' || s[7] != '-' || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return time.Time{}, false
	}
	if len(s) == 10 {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), true
	}
	if len(s) < 16 || s[10] != 'T' || s[13] != ':' {
		return time.Time{}, false
	}
	hour, ok1 := num(s, 11, 2)
	minute, ok2 := num(s, 14, 2)
	if !ok1 || !ok2 || hour > 23 || minute > 59 {
		return time.Time{}, false
	}
	rest := s[16:]
	sec, nsec := 0, 0
	withSeconds := len(rest) > 0 && rest[0] == ':'
	if withSeconds {
		var ok bool
		if sec, ok = num(rest, 1, 2); !ok || sec > 59 {
			return time.Time{}, false
		}
		rest = rest[3:]
		if len(rest) > 0 && rest[0] == '.' {
			i := 1
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				i++
			}
			if i == 1 || i > 10 {
				return time.Time{}, false
			}
			frac, _ := num(rest, 1, i-1)
			for k := i - 1; k < 9; k++ {
				frac *= 10
			}
			nsec = frac
			rest = rest[i:]
		}
	}
	offset := 0
	switch {
	case rest == "" && withSeconds:
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := num(rest, 1, 2)
		om, ok2 := num(rest, 4, 2)
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

// num parses s[i:i+n] as a non-negative decimal number.
func num(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func allDigits(s string) bool {
	_, ok := num(s, 0, len(s))
	return ok
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

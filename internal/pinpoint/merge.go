package pinpoint

import (
	"encoding/json"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Update is what a merge needs besides the request: who, when and the app's exclusions.
type Update struct {
	AppID     string
	ID        string
	Now       time.Time
	RequestID string              // the server's ID of the request doing the update
	Excluded  map[string][]string // App.Excluded
}

// Merge returns the endpoint that results from applying req to old (nil when the endpoint is new),
// following DESIGN.md "Decisions": omitted fields are kept, nested objects merge per field, attribute
// and metric keys are replaced per key and cleared by [] (or null), the endpoint becomes ACTIVE unless
// the request says INACTIVE, CreationDate is set once.
//
// userAttrs are the current attributes of the user the result belongs to; they replace
// old.User.UserAttributes before the request's are merged (a store that sees the UserId change calls
// Merge again with the new user's attributes). Merge modifies neither old, userAttrs nor req; the
// result may share maps with old and userAttrs, so callers must not modify it in place. It checks
// the limits that depend on the merged result (key count, size) and returns a BadRequestException
// when one is exceeded. req must have passed Validate.
func Merge(old *Endpoint, userAttrs map[string][]string, req *EndpointRequest, u Update) (*Endpoint, error) {
	var e Endpoint
	if old != nil {
		e = *old.clone()
	} else {
		e = Endpoint{
			ApplicationID: u.AppID,
			ID:            u.ID,
			CohortID:      CohortID(u.ID),
			CreationDate:  FormatTime(u.Now),
			OptOut:        OptOutNone,
		}
	}
	e.User.UserAttributes = userAttrs
	setString(&e.Address, req.Address)
	setString(&e.ChannelType, req.ChannelType)
	setString(&e.OptOut, req.OptOut)

	e.EndpointStatus = StatusActive
	setString(&e.EndpointStatus, req.EndpointStatus)

	e.EffectiveDate = FormatTime(u.Now)
	if req.EffectiveDate != nil {
		t, _ := ParseTime(*req.EffectiveDate)
		e.EffectiveDate = FormatTime(t)
	}
	e.RequestID = u.RequestID
	if req.RequestID != nil && *req.RequestID != "" {
		e.RequestID = *req.RequestID
	}

	e.Attributes = mergeAttrs(e.Attributes, req.Attributes, u.Excluded[AttrTypeCustom])
	e.Metrics = mergeMetrics(e.Metrics, req.Metrics, u.Excluded[AttrTypeMetric])
	if d := req.Demographic; d != nil {
		if e.Demographic == nil {
			e.Demographic = &Demographic{}
		}
		setString(&e.Demographic.AppVersion, d.AppVersion)
		setString(&e.Demographic.Locale, d.Locale)
		setString(&e.Demographic.Make, d.Make)
		setString(&e.Demographic.Model, d.Model)
		setString(&e.Demographic.ModelVersion, d.ModelVersion)
		setString(&e.Demographic.Platform, d.Platform)
		setString(&e.Demographic.PlatformVersion, d.PlatformVersion)
		setString(&e.Demographic.Timezone, d.Timezone)
		if *e.Demographic == (Demographic{}) {
			e.Demographic = nil
		}
	}
	if l := req.Location; l != nil {
		if e.Location == nil {
			e.Location = &Location{}
		}
		setString(&e.Location.City, l.City)
		setString(&e.Location.Country, l.Country)
		setString(&e.Location.PostalCode, l.PostalCode)
		setString(&e.Location.Region, l.Region)
		if l.Latitude != nil {
			e.Location.Latitude = ptr(round1(*l.Latitude))
		}
		if l.Longitude != nil {
			e.Location.Longitude = ptr(round1(*l.Longitude))
		}
		if *e.Location == (Location{}) {
			e.Location = nil
		}
	}
	if usr := req.User; usr != nil {
		setString(&e.User.UserID, usr.UserID)
		e.User.UserAttributes = mergeAttrs(e.User.UserAttributes, usr.UserAttributes, u.Excluded[AttrTypeUser])
	}

	if n := len(e.Attributes) + len(e.Metrics) + len(e.User.UserAttributes); n > MaxAttrKeys {
		return nil, BadRequest("endpoint %q would hold %d attribute keys (Attributes, Metrics and User.UserAttributes); the limit is %d", u.ID, n, MaxAttrKeys)
	}
	// Serializing costs as much as the rest of the merge; most endpoints are far below the limit,
	// which a cheap upper bound of their size shows.
	if e.jsonSizeBound() > MaxEndpointBytes {
		if b, err := json.Marshal(&e); err != nil {
			return nil, err
		} else if len(b) > MaxEndpointBytes {
			return nil, BadRequest("endpoint %q would be %d bytes serialized; the limit is %d", u.ID, len(b), MaxEndpointBytes)
		}
	}
	return &e, nil
}

// jsonSizeBound returns an upper bound of len(json.Marshal(e)): every string counted as if each
// of its bytes needed a six-byte escape, every number at its longest form, every field and
// punctuation mark present.
func (e *Endpoint) jsonSizeBound() int {
	const (
		field  = 32 // the longest field name, quoted, with its colon and comma
		number = 32 // the longest float64 encoding/json writes
	)
	str := func(s string) int { return 2 + 6*len(s) }
	attrs := func(m map[string][]string) int {
		n := 2
		for k, vs := range m {
			n += str(k) + 3
			for _, v := range vs {
				n += str(v) + 1
			}
		}
		return n
	}
	n := 2 + 16*field + 2*4*field // the fields of Endpoint, User, Demographic and Location
	for _, s := range []string{e.Address, e.ApplicationID, e.ChannelType, e.CohortID, e.CreationDate,
		e.EffectiveDate, e.EndpointStatus, e.ID, e.OptOut, e.RequestID, e.User.UserID} {
		n += str(s)
	}
	n += attrs(e.Attributes) + attrs(e.User.UserAttributes)
	for k := range e.Metrics {
		n += str(k) + 2 + number
	}
	if d := e.Demographic; d != nil {
		for _, s := range []string{d.AppVersion, d.Locale, d.Make, d.Model, d.ModelVersion, d.Platform, d.PlatformVersion, d.Timezone} {
			n += str(s)
		}
	}
	if l := e.Location; l != nil {
		n += str(l.City) + str(l.Country) + str(l.PostalCode) + str(l.Region) + 2*number
	}
	return n
}

// CohortID assigns an endpoint to one of 100 cohorts: a stable hash of its ID.
func CohortID(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return strconv.Itoa(int(h.Sum32() % 100))
}

// MergeAttrs applies a per-key patch: a key with values replaces the stored values, a key with
// none removes it. The result is a new map (nil when empty); stored is not modified.
func mergeAttrs(stored, patch map[string][]string, excluded []string) map[string][]string {
	if len(patch) == 0 {
		return stored
	}
	out := maps.Clone(stored)
	if out == nil {
		out = make(map[string][]string, len(patch))
	}
	for k, v := range patch {
		switch {
		case isExcluded(k, excluded):
		case len(v) == 0:
			delete(out, k)
		default:
			out[k] = slices.Clone(v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func mergeMetrics(stored map[string]float64, patch map[string]*float64, excluded []string) map[string]float64 {
	if len(patch) == 0 {
		return stored
	}
	out := maps.Clone(stored)
	if out == nil {
		out = make(map[string]float64, len(patch))
	}
	for k, v := range patch {
		switch {
		case isExcluded(k, excluded):
		case v == nil:
			delete(out, k)
		default:
			out[k] = *v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// isExcluded reports whether RemoveAttributes excluded name: an exact name or a "prefix*" pattern.
func isExcluded(name string, excluded []string) bool {
	for _, x := range excluded {
		if p, ok := strings.CutSuffix(x, "*"); ok && strings.HasPrefix(name, p) || x == name {
			return true
		}
	}
	return false
}

// round1 rounds half away from zero to one decimal, as Pinpoint stores coordinates.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

func setString(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func ptr[T any](v T) *T { return &v }

// clone returns a copy that a merge may write into without changing e: Demographic and Location,
// which the merge sets field by field, are copied. The maps are shared; mergeAttrs and mergeMetrics
// copy a map before changing it and never change a list in place.
func (e *Endpoint) clone() *Endpoint {
	c := *e
	if e.Demographic != nil {
		d := *e.Demographic
		c.Demographic = &d
	}
	if e.Location != nil {
		l := *e.Location
		c.Location = &l
	}
	return &c
}

package pinpoint

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TimeFormat is how every date leaves pinpointd: ISO 8601, UTC, milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime formats t as the API does.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime parses an ISO 8601 date or date-time as clients send it.
func ParseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ValidateID checks an endpoint or user ID; what names it in the message ("EndpointId", "UserId").
func ValidateID(what, id string) error {
	n := utf8.RuneCountInString(id)
	switch {
	case n == 0:
		return BadRequest("%s must not be empty", what)
	case n > MaxIDLen:
		return BadRequest("%s is %d characters long; the limit is %d", what, n, MaxIDLen)
	case strings.ContainsAny(id, "${}"):
		return BadRequest("%s must not contain '$', '{' or '}'", what)
	case !utf8.ValidString(id):
		return BadRequest("%s is not valid UTF-8", what)
	}
	return nil
}

// Validate checks everything about a request that does not depend on the stored endpoint.
// field prefixes the field names in messages (e.g. "Item[Id=e1]."). It writes nothing.
func (r *EndpointRequest) Validate(field string) error {
	if r.ChannelType != nil && !channelTypes[*r.ChannelType] {
		return BadRequest("%sChannelType %q is not one of PUSH, GCM, APNS, APNS_SANDBOX, APNS_VOIP, APNS_VOIP_SANDBOX, ADM, SMS, VOICE, EMAIL, BAIDU, CUSTOM, IN_APP", field, *r.ChannelType)
	}
	if r.Address != nil && len(*r.Address) > MaxAddressBytes {
		return BadRequest("%sAddress is %d bytes long; the limit is %d", field, len(*r.Address), MaxAddressBytes)
	}
	if r.EndpointStatus != nil && *r.EndpointStatus != StatusActive && *r.EndpointStatus != StatusInactive {
		return BadRequest("%sEndpointStatus %q must be ACTIVE or INACTIVE", field, *r.EndpointStatus)
	}
	if r.OptOut != nil && *r.OptOut != OptOutAll && *r.OptOut != OptOutNone {
		return BadRequest("%sOptOut %q must be ALL or NONE", field, *r.OptOut)
	}
	if r.EffectiveDate != nil {
		if _, ok := ParseTime(*r.EffectiveDate); !ok {
			return BadRequest("%sEffectiveDate %q is not an ISO 8601 date", field, *r.EffectiveDate)
		}
	}
	if err := validateAttrs(field+"Attributes", r.Attributes); err != nil {
		return err
	}
	for _, name := range sortedKeys(r.Metrics) {
		if err := validateAttrName(field+"Metrics", name); err != nil {
			return err
		}
		if v := r.Metrics[name]; v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			return BadRequest("%sMetrics[%q] must be a finite number", field, name)
		}
	}
	if l := r.Location; l != nil {
		if err := validateCoord(field+"Location.Latitude", l.Latitude, 90); err != nil {
			return err
		}
		if err := validateCoord(field+"Location.Longitude", l.Longitude, 180); err != nil {
			return err
		}
	}
	if u := r.User; u != nil {
		if u.UserID != nil && *u.UserID != "" {
			if err := ValidateID(field+"User.UserId", *u.UserID); err != nil {
				return err
			}
		}
		if err := validateAttrs(field+"User.UserAttributes", u.UserAttributes); err != nil {
			return err
		}
	}
	keys := len(r.Attributes) + len(r.Metrics)
	if r.User != nil {
		keys += len(r.User.UserAttributes)
	}
	if keys > MaxAttrKeys {
		return BadRequest("%sAttributes, Metrics and User.UserAttributes hold %d keys; the limit is %d", field, keys, MaxAttrKeys)
	}
	return nil
}

func validateCoord(field string, v *float64, limit float64) error {
	if v == nil {
		return nil
	}
	if math.IsNaN(*v) || *v < -limit || *v > limit {
		return BadRequest("%s %v must lie between -%v and %v", field, *v, limit, limit)
	}
	return nil
}

func validateAttrs(field string, attrs map[string][]string) error {
	for _, name := range sortedKeys(attrs) {
		if err := validateAttrName(field, name); err != nil {
			return err
		}
		values := attrs[name]
		if len(values) > MaxAttrValues {
			return BadRequest("%s[%q] has %d values; the limit is %d", field, name, len(values), MaxAttrValues)
		}
		for _, v := range values {
			if n := utf8.RuneCountInString(v); n > MaxAttrValueLen {
				return BadRequest("%s[%q] has a value of %d characters; the limit is %d", field, name, n, MaxAttrValueLen)
			}
		}
	}
	return nil
}

func validateAttrName(field, name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return BadRequest("%s has an empty attribute name", field)
	}
	if n > MaxAttrNameLen {
		return BadRequest("%s name %q is %d characters long; the limit is %d", field, name, n, MaxAttrNameLen)
	}
	return nil
}

// sortedKeys makes validation deterministic: the same bad request always names the same key.
func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Validate checks an UpdateEndpointsBatch body: 1 to MaxBatchItems items, each with an Id that
// passes ValidateID and appears once, and each item's EndpointRequest. Items are checked in
// order and the first refusal is returned; messages name the item by index and Id. It writes
// nothing, so a refused batch leaves no partial state.
func (r *EndpointBatchRequest) Validate() error {
	if n := len(r.Item); n == 0 || n > MaxBatchItems {
		return BadRequest("Item must hold 1 to %d endpoints; it holds %d", MaxBatchItems, n)
	}
	seen := make(map[string]bool, len(r.Item))
	for i := range r.Item {
		item := &r.Item[i]
		if item.ID == nil {
			return BadRequest("Item[%d].Id is required", i)
		}
		id := *item.ID
		field := "Item[" + strconv.Itoa(i) + "] (Id " + strconv.Quote(id) + ")."
		if err := ValidateID(field+"Id", id); err != nil {
			return err
		}
		if seen[id] {
			return BadRequest("%sId appears more than once in the batch", field)
		}
		seen[id] = true
		if err := item.Validate(field); err != nil {
			return err
		}
	}
	return nil
}

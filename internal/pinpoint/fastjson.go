package pinpoint

import (
	"strconv"
	"unicode/utf8"
)

// This file is a fast path for decoding the two hottest request bodies. It handles only the
// simple common case and declines everything else, so that the caller falls back to
// encoding/json, which keeps all error reporting and all of its lenient behaviour
// (case-insensitive keys, unknown keys, null, escapes, merging of duplicate keys).
//
// Declined: a key that is not an exact-case field name at its level; a duplicate key in a
// struct-shaped object; null, true and false; a string with a backslash, a byte < 0x20 or invalid
// UTF-8; a number outside the strict JSON grammar or out of float64 range; a value of the wrong
// type; anything but whitespace after the top-level value; an empty body. Duplicate keys in
// Attributes, Metrics and UserAttributes are handled: the last one wins, as in encoding/json.

// DecodeEndpointRequest decodes body, an UpdateEndpoint body, into *v, which must be the zero
// value. It returns true only when json.Unmarshal(body, v) would succeed and leave *v exactly as
// DecodeEndpointRequest did. Otherwise it returns false and leaves *v zero; the caller then uses
// encoding/json. It never panics.
func DecodeEndpointRequest(body []byte, v *EndpointRequest) bool {
	s := scanner{b: body}
	if s.object(func(key []byte) bool { return s.endpointField(key, v) }) && s.end() {
		return true
	}
	*v = EndpointRequest{}
	return false
}

// DecodeEndpointBatchRequest is DecodeEndpointRequest for an UpdateEndpointsBatch body: it returns
// true only when *v (zero on entry) is exactly what json.Unmarshal would make of body, with no
// error; otherwise it returns false and leaves *v zero.
func DecodeEndpointBatchRequest(body []byte, v *EndpointBatchRequest) bool {
	s := scanner{b: body}
	ok := s.object(func(key []byte) bool {
		if string(key) != "Item" || v.Item != nil {
			return false
		}
		v.Item = make([]EndpointBatchItem, 0, 1)
		return s.array(func() bool {
			v.Item = append(v.Item, EndpointBatchItem{})
			it := &v.Item[len(v.Item)-1]
			return s.object(func(key []byte) bool {
				if string(key) == "Id" {
					return s.strPtr(&it.ID)
				}
				return s.endpointField(key, &it.EndpointRequest)
			})
		})
	})
	if ok && s.end() {
		return true
	}
	*v = EndpointBatchRequest{}
	return false
}

// scanner is a cursor over a JSON body. Its methods skip leading whitespace, consume one token
// or value and report whether it had the expected form; after false the position is meaningless.
//
// The *string and *float64 fields it fills point into small chunks (strs, nums) shared by
// several values, which saves an allocation per value.
type scanner struct {
	b    []byte
	i    int
	strs []string
	nums []float64
}

const (
	strChunk = 32
	numChunk = 8
)

func (s *scanner) newString(v string) *string {
	if len(s.strs) == cap(s.strs) {
		s.strs = make([]string, 0, strChunk)
	}
	s.strs = append(s.strs, v)
	return &s.strs[len(s.strs)-1]
}

func (s *scanner) newFloat(f float64) *float64 {
	if len(s.nums) == cap(s.nums) {
		s.nums = make([]float64, 0, numChunk)
	}
	s.nums = append(s.nums, f)
	return &s.nums[len(s.nums)-1]
}

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips whitespace and consumes c if it comes next.
func (s *scanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// raw consumes a string and returns its contents, which need no unescaping: it declines a
// backslash, a control character and invalid UTF-8.
func (s *scanner) raw() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start, ascii := s.i, true
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			v := s.b[start:i]
			if !ascii && !utf8.Valid(v) {
				return nil, false
			}
			s.i = i + 1
			return v, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// str consumes a string value.
func (s *scanner) str() (string, bool) {
	v, ok := s.raw()
	return string(v), ok
}

// num consumes a number of the strict JSON grammar that fits a float64.
func (s *scanner) num() (float64, bool) {
	s.ws()
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	f, err := strconv.ParseFloat(string(b[s.i:i]), 64)
	if err != nil {
		return 0, false
	}
	s.i = i
	return f, true
}

// digits returns the index of the first non-digit at or after i.
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// object consumes an object, calling field for each key with the position at the value; field
// consumes the value and returns false to decline.
func (s *scanner) object(field func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		key, ok := s.raw()
		if !ok || !s.next(':') || !field(key) {
			return false
		}
		if !s.next(',') {
			return s.next('}')
		}
	}
}

// array consumes an array, calling elem to consume each element.
func (s *scanner) array(elem func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if !s.next(',') {
			return s.next(']')
		}
	}
}

// endpointField consumes the value of the EndpointRequest field named key.
func (s *scanner) endpointField(key []byte, r *EndpointRequest) bool {
	switch string(key) {
	case "Address":
		return s.strPtr(&r.Address)
	case "Attributes":
		return s.attrs(&r.Attributes)
	case "ChannelType":
		return s.strPtr(&r.ChannelType)
	case "Demographic":
		return s.demographic(&r.Demographic)
	case "EffectiveDate":
		return s.strPtr(&r.EffectiveDate)
	case "EndpointStatus":
		return s.strPtr(&r.EndpointStatus)
	case "Location":
		return s.location(&r.Location)
	case "Metrics":
		return s.metrics(&r.Metrics)
	case "OptOut":
		return s.strPtr(&r.OptOut)
	case "RequestId":
		return s.strPtr(&r.RequestID)
	case "User":
		return s.user(&r.User)
	}
	return false
}

// A field that is already set (non-nil) is a duplicate key: every value this file decodes
// into a pointer, map or slice field is non-nil, even {} and [].

func (s *scanner) strPtr(p **string) bool {
	if *p != nil {
		return false
	}
	v, ok := s.str()
	if ok {
		*p = s.newString(v)
	}
	return ok
}

func (s *scanner) numPtr(p **float64) bool {
	if *p != nil {
		return false
	}
	f, ok := s.num()
	if ok {
		*p = s.newFloat(f)
	}
	return ok
}

// strArray consumes an array of strings; [] is an empty, non-nil slice.
func (s *scanner) strArray() ([]string, bool) {
	var buf [8]string
	vs := buf[:0]
	ok := s.array(func() bool {
		v, ok := s.str()
		vs = append(vs, v)
		return ok
	})
	if !ok {
		return nil, false
	}
	out := make([]string, len(vs))
	copy(out, vs)
	return out, true
}

func (s *scanner) attrs(p *map[string][]string) bool {
	if *p != nil {
		return false
	}
	m := make(map[string][]string, 4)
	*p = m
	return s.object(func(key []byte) bool {
		vs, ok := s.strArray()
		if ok {
			m[string(key)] = vs
		}
		return ok
	})
}

func (s *scanner) metrics(p *map[string]*float64) bool {
	if *p != nil {
		return false
	}
	m := make(map[string]*float64, 4)
	*p = m
	return s.object(func(key []byte) bool {
		f, ok := s.num()
		if ok {
			m[string(key)] = s.newFloat(f)
		}
		return ok
	})
}

func (s *scanner) demographic(p **DemographicRequest) bool {
	if *p != nil {
		return false
	}
	d := new(DemographicRequest)
	*p = d
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "AppVersion":
			return s.strPtr(&d.AppVersion)
		case "Locale":
			return s.strPtr(&d.Locale)
		case "Make":
			return s.strPtr(&d.Make)
		case "Model":
			return s.strPtr(&d.Model)
		case "ModelVersion":
			return s.strPtr(&d.ModelVersion)
		case "Platform":
			return s.strPtr(&d.Platform)
		case "PlatformVersion":
			return s.strPtr(&d.PlatformVersion)
		case "Timezone":
			return s.strPtr(&d.Timezone)
		}
		return false
	})
}

func (s *scanner) location(p **LocationRequest) bool {
	if *p != nil {
		return false
	}
	l := new(LocationRequest)
	*p = l
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "City":
			return s.strPtr(&l.City)
		case "Country":
			return s.strPtr(&l.Country)
		case "Latitude":
			return s.numPtr(&l.Latitude)
		case "Longitude":
			return s.numPtr(&l.Longitude)
		case "PostalCode":
			return s.strPtr(&l.PostalCode)
		case "Region":
			return s.strPtr(&l.Region)
		}
		return false
	})
}

func (s *scanner) user(p **UserRequest) bool {
	if *p != nil {
		return false
	}
	u := new(UserRequest)
	*p = u
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "UserAttributes":
			return s.attrs(&u.UserAttributes)
		case "UserId":
			return s.strPtr(&u.UserID)
		}
		return false
	})
}

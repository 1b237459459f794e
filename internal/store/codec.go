package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"pinpointd/internal/pinpoint"
)

// binaryDocV1 is the first byte of a binary endpoint document (version 1). A JSON document always
// starts with '{', so a reader can tell the two forms apart by the first byte.
//
// Layout of version 1 (str is a uvarint length then that many bytes; f64 is math.Float64bits as
// 8 bytes little endian; counts are uvarints):
//
//	0x01 flags
//	str Address, str ApplicationID, attrs Attributes, str ChannelType, str CohortID, str CreationDate,
//	[if flagDemographic: str AppVersion, Locale, Make, Model, ModelVersion, Platform, PlatformVersion, Timezone]
//	str EffectiveDate, str EndpointStatus, str ID,
//	[if flagLocation: str City, str Country, [if flagLatitude: f64], [if flagLongitude: f64], str PostalCode, str Region]
//	metrics Metrics, str OptOut, str RequestID, attrs User.UserAttributes, str User.UserID
//
// attrs is a count then, in ascending key order, str key and a values header (0 for a nil slice,
// n+1 for a slice of n values) followed by n str values. metrics is a count then, in ascending key
// order, str key and f64 value.
const binaryDocV1 = 0x01

// Bits of the flags byte.
const (
	flagDemographic = 1 << iota // Demographic != nil
	flagLocation                // Location != nil
	flagLatitude                // Location.Latitude != nil (only with flagLocation)
	flagLongitude               // Location.Longitude != nil (only with flagLocation)
)

// AppendEndpointBinary appends the binary document of e to dst and returns it. The first byte is
// binaryDocV1 (0x01); a JSON document always starts with '{', so a reader can tell them apart.
//
// The encoding is deterministic (map keys are written in sorted order), so equal endpoints encode
// to equal bytes. Nil and empty maps encode alike (both decode as nil); nil and empty value
// slices inside Attributes and UserAttributes are kept apart.
func AppendEndpointBinary(dst []byte, e *pinpoint.Endpoint) []byte {
	dst = slices.Grow(dst, 1024) // a typical endpoint is 500-700 bytes; larger ones grow as they go
	var flags byte
	if e.Demographic != nil {
		flags |= flagDemographic
	}
	if l := e.Location; l != nil {
		flags |= flagLocation
		if l.Latitude != nil {
			flags |= flagLatitude
		}
		if l.Longitude != nil {
			flags |= flagLongitude
		}
	}
	dst = append(dst, binaryDocV1, flags)

	dst = appendStr(dst, e.Address)
	dst = appendStr(dst, e.ApplicationID)
	dst = appendAttrs(dst, e.Attributes)
	dst = appendStr(dst, e.ChannelType)
	dst = appendStr(dst, e.CohortID)
	dst = appendStr(dst, e.CreationDate)
	if d := e.Demographic; d != nil {
		dst = appendStr(dst, d.AppVersion)
		dst = appendStr(dst, d.Locale)
		dst = appendStr(dst, d.Make)
		dst = appendStr(dst, d.Model)
		dst = appendStr(dst, d.ModelVersion)
		dst = appendStr(dst, d.Platform)
		dst = appendStr(dst, d.PlatformVersion)
		dst = appendStr(dst, d.Timezone)
	}
	dst = appendStr(dst, e.EffectiveDate)
	dst = appendStr(dst, e.EndpointStatus)
	dst = appendStr(dst, e.ID)
	if l := e.Location; l != nil {
		dst = appendStr(dst, l.City)
		dst = appendStr(dst, l.Country)
		if l.Latitude != nil {
			dst = appendF64(dst, *l.Latitude)
		}
		if l.Longitude != nil {
			dst = appendF64(dst, *l.Longitude)
		}
		dst = appendStr(dst, l.PostalCode)
		dst = appendStr(dst, l.Region)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Metrics)))
	var buf [16]string
	for _, k := range sortedKeys(e.Metrics, buf[:0]) {
		dst = appendStr(dst, k)
		dst = appendF64(dst, e.Metrics[k])
	}
	dst = appendStr(dst, e.OptOut)
	dst = appendStr(dst, e.RequestID)
	dst = appendAttrs(dst, e.User.UserAttributes)
	dst = appendStr(dst, e.User.UserID)
	return dst
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendF64(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

func appendAttrs(dst []byte, m map[string][]string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	var buf [16]string
	for _, k := range sortedKeys(m, buf[:0]) {
		vs := m[k]
		dst = appendStr(dst, k)
		if vs == nil {
			dst = append(dst, 0)
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(vs))+1)
		for _, v := range vs {
			dst = appendStr(dst, v)
		}
	}
	return dst
}

// sortedKeys appends the keys of m to buf (usually a stack array, so small maps need no
// allocation) and sorts them.
func sortedKeys[V any](m map[string]V, buf []string) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

// Errors of decodeEndpointBinary (wrapped; past the version byte, with the offset where decoding
// stopped).
var (
	errBinaryVersion  = errors.New("not a version 1 binary document")
	errBinaryTrunc    = errors.New("truncated or bad length")
	errBinaryFlags    = errors.New("bad flags")
	errBinaryTrailing = errors.New("trailing bytes")
)

// decodeEndpointBinary decodes a document AppendEndpointBinary produced into *e (which it overwrites).
// It must never panic on arbitrary input: truncated or corrupt input returns an error.
//
// Empty maps decode as nil. The strings share one copy of b, made with one allocation, so the
// result does not alias b (and a string of it keeps that copy alive). On error *e is left zero.
func decodeEndpointBinary(b []byte, e *pinpoint.Endpoint) error {
	return decodeEndpointBinaryShared(b, e, false, nil)
}

// decodeEndpointBinaryShared is decodeEndpointBinary; with shared, the strings of the result
// point into b itself instead of a copy (no allocation, no copying), so the caller must never
// modify b afterwards. A non-nil slab supplies the result's small objects (see Slab).
func decodeEndpointBinaryShared(b []byte, e *pinpoint.Endpoint, shared bool, slab *Slab) error {
	*e = pinpoint.Endpoint{}
	if len(b) == 0 || b[0] != binaryDocV1 {
		return fmt.Errorf("store: decode endpoint: %w", errBinaryVersion)
	}
	d := decoder{b: b[1:], slab: slab}
	if shared {
		d.s = unsafe.String(&b[1], len(b)-1)
	} else {
		d.s = string(b[1:])
	}
	flags := d.byte()
	if flags&^(flagDemographic|flagLocation|flagLatitude|flagLongitude) != 0 ||
		flags&flagLocation == 0 && flags&(flagLatitude|flagLongitude) != 0 {
		d.fail(errBinaryFlags)
	}

	e.Address = d.str()
	e.ApplicationID = d.str()
	e.Attributes = d.attrs()
	e.ChannelType = d.str()
	e.CohortID = d.str()
	e.CreationDate = d.str()
	if flags&flagDemographic != 0 {
		e.Demographic = d.demographic()
		*e.Demographic = pinpoint.Demographic{
			AppVersion:      d.str(),
			Locale:          d.str(),
			Make:            d.str(),
			Model:           d.str(),
			ModelVersion:    d.str(),
			Platform:        d.str(),
			PlatformVersion: d.str(),
			Timezone:        d.str(),
		}
	}
	e.EffectiveDate = d.str()
	e.EndpointStatus = d.str()
	e.ID = d.str()
	if flags&flagLocation != 0 {
		// One allocation holds the Location and both coordinates.
		box := d.location()
		l := &box.loc
		l.City = d.str()
		l.Country = d.str()
		if flags&flagLatitude != 0 {
			box.lat = d.f64()
			l.Latitude = &box.lat
		}
		if flags&flagLongitude != 0 {
			box.lon = d.f64()
			l.Longitude = &box.lon
		}
		l.PostalCode = d.str()
		l.Region = d.str()
		e.Location = l
	}
	if n := d.count(1 + 8); n > 0 {
		e.Metrics = make(map[string]float64, n)
		for range n {
			k := d.str()
			e.Metrics[k] = d.f64()
		}
	}
	e.OptOut = d.str()
	e.RequestID = d.str()
	e.User.UserAttributes = d.attrs()
	e.User.UserID = d.str()

	if d.err == nil && len(d.b) != 0 {
		d.fail(errBinaryTrailing)
	}
	if d.err != nil {
		*e = pinpoint.Endpoint{}
		return fmt.Errorf("store: decode endpoint at byte %d of %d: %w", len(b)-len(d.b), len(b), d.err)
	}
	return nil
}

// decoder reads a binary document. The first error sticks: later reads return zero values and
// consume nothing, so callers check err once at the end.
type decoder struct {
	b    []byte // what is left to read
	s    string // the whole document, from which strings are cut
	err  error
	slab *Slab // nil: allocate each object
}

// locationBox holds a Location and both its coordinates in one allocation.
type locationBox struct {
	loc      pinpoint.Location
	lat, lon float64
}

// Slab hands out the small objects of decoded endpoints (attribute value lists, Demographic,
// Location) from shared blocks: one allocation per block of many objects instead of one per
// object, which matters when a scan decodes millions of endpoints. The objects stay valid as long
// as anything refers to them (a block lives while any of its objects does). A Slab is not safe
// for concurrent use; the zero value is ready.
type Slab struct {
	strs  []string
	demos []pinpoint.Demographic
	locs  []locationBox
}

const slabBlock = 1024

func (d *decoder) strings(n int) []string {
	s := d.slab
	if s == nil || n > slabBlock/4 {
		return make([]string, n)
	}
	if n > len(s.strs) {
		s.strs = make([]string, slabBlock)
	}
	v := s.strs[:n:n] // full slice expression: an append to v cannot reach the next object
	s.strs = s.strs[n:]
	return v
}

func (d *decoder) demographic() *pinpoint.Demographic {
	s := d.slab
	if s == nil {
		return new(pinpoint.Demographic)
	}
	if len(s.demos) == 0 {
		s.demos = make([]pinpoint.Demographic, slabBlock/8)
	}
	v := &s.demos[0]
	s.demos = s.demos[1:]
	return v
}

func (d *decoder) location() *locationBox {
	s := d.slab
	if s == nil {
		return new(locationBox)
	}
	if len(s.locs) == 0 {
		s.locs = make([]locationBox, slabBlock/8)
	}
	v := &s.locs[0]
	s.locs = s.locs[1:]
	return v
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail(errBinaryTrunc)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errBinaryTrunc)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a count of items each at least minSize bytes long and checks that they fit in the
// rest of the input, so a corrupt count cannot make the caller allocate more than the input.
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if n > uint64(len(d.b)/minSize) {
		d.fail(errBinaryTrunc)
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count(1)
	off := len(d.s) - len(d.b)
	s := d.s[off : off+n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) f64() float64 {
	if len(d.b) < 8 {
		d.fail(errBinaryTrunc)
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return f
}

// attrs reads an attribute map; an empty map decodes as nil.
func (d *decoder) attrs() map[string][]string {
	n := d.count(1 + 1) // key length and values header
	if n == 0 {
		return nil
	}
	m := make(map[string][]string, n)
	for range n {
		k := d.str()
		var vs []string
		switch h := d.uvarint(); {
		case h == 0: // nil slice
		case h-1 > uint64(len(d.b)): // each value takes at least its length byte
			d.fail(errBinaryTrunc)
		default:
			vs = d.strings(int(h - 1))
			for i := range vs {
				vs[i] = d.str()
			}
		}
		if d.err != nil {
			return nil
		}
		m[k] = vs
	}
	return m
}

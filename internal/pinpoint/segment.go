package pinpoint

import (
	"encoding/json"
	"errors"
	"time"
)

// Segment types.
const (
	SegmentTypeDimensional = "DIMENSIONAL"
	SegmentTypeImport      = "IMPORT"
)

// Segment is one version of a stored segment. Dimensions and SegmentGroups hold the definition
// exactly as the client sent it (at most one of them is non-nil), so responses echo it byte for
// byte; ParseSegmentDefinition gives the parsed form the evaluator uses.
type Segment struct {
	ID               string
	AppID            string
	Account          string
	Name             string
	Version          int // 1 on create, +1 per UpdateSegment
	Type             string
	Dimensions       json.RawMessage
	SegmentGroups    json.RawMessage
	Import           *SegmentImportResource // IMPORT segments only
	Tags             map[string]string      // per segment, not per version
	CreationDate     string                 // set once, kept by every version
	LastModifiedDate string                 // the time this version was written
}

// WriteSegmentRequest is the body of CreateSegment and UpdateSegment.
type WriteSegmentRequest struct {
	Dimensions    json.RawMessage   `json:"Dimensions"`
	Name          *string           `json:"Name"`
	SegmentGroups json.RawMessage   `json:"SegmentGroups"`
	Tags          map[string]string `json:"tags"`
}

// SegmentImportResource describes how an IMPORT segment was imported.
type SegmentImportResource struct {
	ChannelCounts map[string]int `json:"ChannelCounts,omitempty"`
	ExternalID    string         `json:"ExternalId"`
	Format        string         `json:"Format"`
	RoleArn       string         `json:"RoleArn"`
	S3URL         string         `json:"S3Url"`
	Size          int            `json:"Size"`
}

// SegmentResponse is the wire shape of a segment version.
type SegmentResponse struct {
	ApplicationID    string                 `json:"ApplicationId"`
	Arn              string                 `json:"Arn"`
	CreationDate     string                 `json:"CreationDate"`
	Dimensions       json.RawMessage        `json:"Dimensions,omitempty"`
	ID               string                 `json:"Id"`
	ImportDefinition *SegmentImportResource `json:"ImportDefinition,omitempty"`
	LastModifiedDate string                 `json:"LastModifiedDate,omitempty"`
	Name             string                 `json:"Name,omitempty"`
	SegmentGroups    json.RawMessage        `json:"SegmentGroups,omitempty"`
	SegmentType      string                 `json:"SegmentType"`
	Tags             map[string]string      `json:"tags,omitempty"`
	Version          int                    `json:"Version"`
}

// SegmentsResponse is the body of GetSegments and GetSegmentVersions.
type SegmentsResponse struct {
	Item      []SegmentResponse `json:"Item"`
	NextToken string            `json:"NextToken,omitempty"`
}

// SegmentDefinition is a parsed, validated segment definition: exactly one of Dimensions and
// Groups is set (neither: the segment selects every endpoint of the app).
// The fields are defined by ParseSegmentDefinition's implementation (segment_parse.go).
type SegmentDefinition struct {
	def segmentDef
}

// SourceRef names a source segment of a segment group; Version 0 means the latest version.
type SourceRef struct {
	ID      string
	Version int
}

// SourceSegments returns every source segment the definition names, in order of appearance,
// so that a caller can check they exist and resolve them before compiling.
func (d *SegmentDefinition) SourceSegments() []SourceRef { return d.def.sources() }

// ParseSegmentDefinition parses and validates a WriteSegmentRequest's Dimensions or SegmentGroups
// (both nil: select everything). Any error is a BadRequestException naming the member, e.g.
// "SegmentGroups.Groups[0].Dimensions[1].Attributes.plan.Values: BETWEEN takes exactly 2 values, got 3".
func ParseSegmentDefinition(dimensions, groups json.RawMessage) (*SegmentDefinition, error) {
	return parseSegmentDefinition(dimensions, groups)
}

// MatchInput is what the evaluator knows about one endpoint.
type MatchInput struct {
	Endpoint *Endpoint // with its user's attributes in User.UserAttributes
	// LastEventAt is the time of the endpoint's latest event (zero when it has none); Recency
	// falls back to the endpoint's EffectiveDate then.
	LastEventAt time.Time
}

// SourceResolver returns the parsed definition of a source segment version (version 0: latest),
// or ErrSourceNotFound. IMPORT segments resolve to a definition that matches their imported
// members, which the caller supplies through ImportMembers.
type SourceResolver func(id string, version int) (*SegmentDefinition, error)

// ErrSourceNotFound is returned by a SourceResolver for a segment or version that does not exist.
var ErrSourceNotFound = errors.New("pinpoint: source segment not found")

// Matcher decides segment membership. It is immutable and safe for concurrent use.
type Matcher struct {
	m segmentMatcher
}

// CompileSegment turns a definition into a Matcher evaluated at the instant now (Recency windows
// are measured back from now). Source segments are resolved through resolve, recursively; a
// cycle or a chain deeper than MaxSegmentDepth is a BadRequestException.
// A source for which resolve returns ErrSourceNotFound (or nil, or resolve is nil) is a
// BadRequestException naming it; any other error of resolve is returned wrapped.
func CompileSegment(def *SegmentDefinition, resolve SourceResolver, now time.Time) (*Matcher, error) {
	return compileSegment(def, resolve, now)
}

// Match reports whether the endpoint belongs to the segment. in.Endpoint must not be nil.
// Match allocates nothing.
func (m *Matcher) Match(in *MatchInput) bool { return m.m.match(in) }

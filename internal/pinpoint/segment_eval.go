package pinpoint

import (
	"encoding/json"
	"time"
)

// STUB: the parsed definition and the evaluator are being written (issue 13); these placeholders
// keep the contract in segment.go compiling until then.

type segmentDef struct{}

func (segmentDef) sources() []SourceRef { return nil }

type segmentMatcher struct{}

func (segmentMatcher) match(*MatchInput) bool { return true }

func parseSegmentDefinition(dimensions, groups json.RawMessage) (*SegmentDefinition, error) {
	if len(dimensions) > 0 && len(groups) > 0 {
		return nil, BadRequest("Dimensions and SegmentGroups cannot both be set")
	}
	return &SegmentDefinition{}, nil
}

func compileSegment(def *SegmentDefinition, resolve SourceResolver, now time.Time) (*Matcher, error) {
	return &Matcher{}, nil
}

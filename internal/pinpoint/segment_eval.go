package pinpoint

import "time"

// STUB: the evaluator is being written (issue 13); this placeholder keeps the contract in
// segment.go compiling until then.

type segmentMatcher struct{}

func (segmentMatcher) match(*MatchInput) bool { return true }

func compileSegment(def *SegmentDefinition, resolve SourceResolver, now time.Time) (*Matcher, error) {
	return &Matcher{}, nil
}

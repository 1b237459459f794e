package pinpoint_test

import (
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
)

// benchSegment is the sizing segment: one attribute, one demographic, one recency.
const benchSegment = `{"Attributes":{"plan":{"AttributeType":"INCLUSIVE","Values":["premium","enterprise"]}},
	"Demographic":{"Platform":{"DimensionType":"INCLUSIVE","Values":["android","ios"]}},
	"Behavior":{"Recency":{"Duration":"DAY_30","RecencyType":"ACTIVE"}}}`

// benchGroups builds on any of two sources, excludes an imported segment, and
// filters with two dimensions.
const benchGroups = `{"Include":"ALL","Groups":[
	{"SourceType":"ANY","SourceSegments":[{"Id":"` + segBasic + `"},{"Id":"` + segPremium + `"}],
	 "Type":"ALL","Dimensions":[` + benchSegment + `,{"Metrics":{"sessions":{"ComparisonOperator":"GREATER_THAN","Value":10}}}]},
	{"SourceType":"NONE","SourceSegments":[{"Id":"` + segEmpty + `"}]}]}`

// benchEndpoints are the inputs of the benchmarks: every criterion is evaluated in full, the
// first by its EffectiveDate (no event), the second by its last event.
func benchInputs() []pinpoint.MatchInput {
	a, b := segEndpoint(), segEndpoint()
	b.ID = "ep-2"
	return []pinpoint.MatchInput{{Endpoint: a}, {Endpoint: b, LastEventAt: segNow.Add(-time.Hour)}}
}

func benchMatch(b *testing.B, dims, groups string) {
	m, err := pinpoint.CompileSegment(mustParse(b, dims, groups), groupResolver(b), segNow)
	if err != nil {
		b.Fatal(err)
	}
	in := benchInputs()
	for i := range in {
		if !m.Match(&in[i]) {
			b.Fatalf("input %d does not match", i)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if !m.Match(&in[i&1]) {
			b.Fatal("no match")
		}
		i++
	}
}

// BenchmarkSegmentMatch is the membership test of one endpoint against the sizing segment.
func BenchmarkSegmentMatch(b *testing.B) { benchMatch(b, benchSegment, "") }

// BenchmarkSegmentMatchGroups is the same endpoints against a two-group segment with sources.
func BenchmarkSegmentMatchGroups(b *testing.B) { benchMatch(b, "", benchGroups) }

// BenchmarkParseCompileSegment is the per-request cost: parse the definition and compile it.
func BenchmarkParseCompileSegment(b *testing.B) {
	resolve := groupResolver(b)
	b.ReportAllocs()
	for b.Loop() {
		def, err := pinpoint.ParseSegmentDefinition(nil, []byte(benchGroups))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pinpoint.CompileSegment(def, resolve, segNow); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSegmentMatchAllocatesNothing(t *testing.T) {
	for _, tc := range []struct{ name, dims, groups string }{
		{"dimensions", benchSegment, ""},
		{"groups", "", benchGroups},
		{"dates and GPS", `{"Attributes":{"signup":{"AttributeType":"BETWEEN","Values":["2026-01-01","2026-12-31"]}},
			"Location":{"GPSPoint":{"Coordinates":{"Latitude":47.6,"Longitude":-122.3},"RangeInKilometers":10}}}`, ""},
	} {
		m, err := pinpoint.CompileSegment(mustParse(t, tc.dims, tc.groups), groupResolver(t), segNow)
		if err != nil {
			t.Fatal(err)
		}
		in := benchInputs()
		if n := testing.AllocsPerRun(100, func() { m.Match(&in[0]); m.Match(&in[1]) }); n != 0 {
			t.Errorf("%s: Match allocates %v times, want 0", tc.name, n)
		}
	}
}

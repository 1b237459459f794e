package pinpoint_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
)

// segNow is the instant every test segment is compiled at.
var segNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// segEndpoint is the endpoint the match tests start from; each case may change a copy.
func segEndpoint() *pinpoint.Endpoint {
	lat, lon := 47.6, -122.3 // Seattle, rounded as stored
	return &pinpoint.Endpoint{
		ID:          "ep-1",
		ChannelType: "GCM",
		Address:     "fcm-token-1",
		Attributes: map[string][]string{
			"plan":      {"premium"},
			"interests": {"music", "travel"},
			"signup":    {"2026-03-15T10:00:00Z"},
			"visits":    {"not a date", "2026-06-01T08:30:00+02:00"},
		},
		Demographic:   &pinpoint.Demographic{AppVersion: "4.2.1", Make: "Google", Model: "Pixel 8", Platform: "android"},
		Location:      &pinpoint.Location{Country: "US", City: "Seattle", Latitude: &lat, Longitude: &lon},
		Metrics:       map[string]float64{"sessions": 42},
		EffectiveDate: "2026-11-20T12:00:00.000Z", // 9 days before segNow
		User: pinpoint.User{
			UserID:         "user-1",
			UserAttributes: map[string][]string{"tier": {"gold"}},
		},
	}
}

func mustParse(t testing.TB, dims, groups string) *pinpoint.SegmentDefinition {
	t.Helper()
	def, err := pinpoint.ParseSegmentDefinition(raw(dims), raw(groups))
	if err != nil {
		t.Fatalf("ParseSegmentDefinition(%s, %s): %v", dims, groups, err)
	}
	return def
}

func TestSegmentMatchDimensions(t *testing.T) {
	noDemographic := func(e *pinpoint.Endpoint) { e.Demographic = nil }
	cases := []struct {
		name   string
		dims   string
		change func(e *pinpoint.Endpoint)
		last   time.Time // MatchInput.LastEventAt
		want   bool
	}{
		// Selecting everything.
		{name: "no dimensions", dims: `{}`, want: true},
		{name: "empty Demographic and Location", dims: `{"Demographic":{},"Location":{},"Behavior":{}}`, want: true},

		// Attributes, every operator.
		{name: "INCLUSIVE equal", dims: `{"Attributes":{"plan":{"AttributeType":"INCLUSIVE","Values":["premium"]}}}`, want: true},
		{name: "INCLUSIVE other value", dims: `{"Attributes":{"plan":{"AttributeType":"INCLUSIVE","Values":["basic"]}}}`, want: false},
		{name: "INCLUSIVE is the default", dims: `{"Attributes":{"plan":{"Values":["premium"]}}}`, want: true},
		{name: "INCLUSIVE values are alternatives", dims: `{"Attributes":{"plan":{"Values":["basic","premium"]}}}`, want: true},
		{name: "INCLUSIVE any endpoint value", dims: `{"Attributes":{"interests":{"Values":["travel"]}}}`, want: true},
		{name: "INCLUSIVE is case-sensitive", dims: `{"Attributes":{"plan":{"Values":["Premium"]}}}`, want: false},
		{name: "INCLUSIVE lacking attribute", dims: `{"Attributes":{"color":{"Values":["red"]}}}`, want: false},
		{name: "INCLUSIVE attribute names are case-sensitive", dims: `{"Attributes":{"Plan":{"Values":["premium"]}}}`, want: false},
		{name: "INCLUSIVE many values (map set)", dims: `{"Attributes":{"plan":{"Values":["a","b","c","d","e","f","g","h","i","premium"]}}}`, want: true},
		{name: "INCLUSIVE many values without the endpoint's", dims: `{"Attributes":{"plan":{"Values":["a","b","c","d","e","f","g","h","i","j"]}}}`, want: false},
		{name: "EXCLUSIVE other value", dims: `{"Attributes":{"plan":{"AttributeType":"EXCLUSIVE","Values":["basic"]}}}`, want: true},
		{name: "EXCLUSIVE equal", dims: `{"Attributes":{"plan":{"AttributeType":"EXCLUSIVE","Values":["basic","premium"]}}}`, want: false},
		{name: "EXCLUSIVE one of several endpoint values", dims: `{"Attributes":{"interests":{"AttributeType":"EXCLUSIVE","Values":["music"]}}}`, want: false},
		{name: "EXCLUSIVE lacking attribute", dims: `{"Attributes":{"color":{"AttributeType":"EXCLUSIVE","Values":["red"]}}}`, want: true},
		{name: "CONTAINS substring", dims: `{"Attributes":{"interests":{"AttributeType":"CONTAINS","Values":["xyz","rav"]}}}`, want: true},
		{name: "CONTAINS is case-sensitive", dims: `{"Attributes":{"interests":{"AttributeType":"CONTAINS","Values":["RAV"]}}}`, want: false},
		{name: "CONTAINS lacking attribute", dims: `{"Attributes":{"color":{"AttributeType":"CONTAINS","Values":["r"]}}}`, want: false},
		{name: "BEFORE later value", dims: `{"Attributes":{"signup":{"AttributeType":"BEFORE","Values":["2026-04-01T00:00:00Z"]}}}`, want: true},
		{name: "BEFORE earlier value", dims: `{"Attributes":{"signup":{"AttributeType":"BEFORE","Values":["2026-03-01"]}}}`, want: false},
		{name: "BEFORE same instant", dims: `{"Attributes":{"signup":{"AttributeType":"BEFORE","Values":["2026-03-15T10:00:00Z"]}}}`, want: false},
		{name: "BEFORE lacking attribute", dims: `{"Attributes":{"color":{"AttributeType":"BEFORE","Values":["2030-01-01"]}}}`, want: false},
		{name: "BEFORE skips values that are not dates", dims: `{"Attributes":{"plan":{"AttributeType":"BEFORE","Values":["2030-01-01"]}}}`, want: false},
		{name: "AFTER earlier value", dims: `{"Attributes":{"signup":{"AttributeType":"AFTER","Values":["2026-03-15T09:59:59.999Z"]}}}`, want: true},
		{name: "AFTER later value", dims: `{"Attributes":{"signup":{"AttributeType":"AFTER","Values":["2026-03-15T10:00:00Z"]}}}`, want: false},
		{name: "AFTER with an offset", dims: `{"Attributes":{"signup":{"AttributeType":"AFTER","Values":["2026-03-15T11:00:00+02:00"]}}}`, want: true},
		{name: "AFTER any endpoint value that parses", dims: `{"Attributes":{"visits":{"AttributeType":"AFTER","Values":["2026-06-01T06:00:00Z"]}}}`, want: true},
		{name: "ON same UTC day", dims: `{"Attributes":{"signup":{"AttributeType":"ON","Values":["2026-03-15T23:59:00Z"]}}}`, want: true},
		{name: "ON date only", dims: `{"Attributes":{"signup":{"AttributeType":"ON","Values":["2026-03-15"]}}}`, want: true},
		{name: "ON next day", dims: `{"Attributes":{"signup":{"AttributeType":"ON","Values":["2026-03-16T00:00:00Z"]}}}`, want: false},
		{name: "ON compares UTC days", dims: `{"Attributes":{"visits":{"AttributeType":"ON","Values":["2026-06-01"]}}}`, want: true},
		{name: "ON endpoint offset crosses midnight", dims: `{"Attributes":{"late":{"AttributeType":"ON","Values":["2026-03-14"]}}}`,
			change: func(e *pinpoint.Endpoint) { e.Attributes["late"] = []string{"2026-03-15T01:00:00+02:00"} }, want: true},
		{name: "BETWEEN inside", dims: `{"Attributes":{"signup":{"AttributeType":"BETWEEN","Values":["2026-03-01","2026-03-31"]}}}`, want: true},
		{name: "BETWEEN values in reverse order", dims: `{"Attributes":{"signup":{"AttributeType":"BETWEEN","Values":["2026-03-31","2026-03-01"]}}}`, want: true},
		{name: "BETWEEN inclusive of the start", dims: `{"Attributes":{"signup":{"AttributeType":"BETWEEN","Values":["2026-03-15T10:00:00Z","2026-03-20"]}}}`, want: true},
		{name: "BETWEEN inclusive of the end", dims: `{"Attributes":{"signup":{"AttributeType":"BETWEEN","Values":["2026-03-01","2026-03-15T10:00:00Z"]}}}`, want: true},
		{name: "BETWEEN outside", dims: `{"Attributes":{"signup":{"AttributeType":"BETWEEN","Values":["2026-04-01","2026-04-30"]}}}`, want: false},

		// UserAttributes.
		{name: "UserAttributes INCLUSIVE", dims: `{"UserAttributes":{"tier":{"Values":["gold"]}}}`, want: true},
		{name: "UserAttributes INCLUSIVE other value", dims: `{"UserAttributes":{"tier":{"Values":["silver"]}}}`, want: false},
		{name: "UserAttributes are not endpoint attributes", dims: `{"UserAttributes":{"plan":{"Values":["premium"]}}}`, want: false},
		{name: "UserAttributes EXCLUSIVE lacking", dims: `{"UserAttributes":{"plan":{"AttributeType":"EXCLUSIVE","Values":["premium"]}}}`, want: true},
		{name: "UserAttributes CONTAINS", dims: `{"UserAttributes":{"tier":{"AttributeType":"CONTAINS","Values":["ol"]}}}`, want: true},

		// Behavior.Recency: EffectiveDate is 9 days before now.
		{name: "ACTIVE DAY_14 by EffectiveDate", dims: `{"Behavior":{"Recency":{"Duration":"DAY_14","RecencyType":"ACTIVE"}}}`, want: true},
		{name: "ACTIVE DAY_30 by EffectiveDate", dims: `{"Behavior":{"Recency":{"Duration":"DAY_30","RecencyType":"ACTIVE"}}}`, want: true},
		{name: "ACTIVE DAY_7 by EffectiveDate", dims: `{"Behavior":{"Recency":{"Duration":"DAY_7","RecencyType":"ACTIVE"}}}`, want: false},
		{name: "INACTIVE DAY_7 by EffectiveDate", dims: `{"Behavior":{"Recency":{"Duration":"DAY_7","RecencyType":"INACTIVE"}}}`, want: true},
		{name: "INACTIVE DAY_14 by EffectiveDate", dims: `{"Behavior":{"Recency":{"Duration":"DAY_14","RecencyType":"INACTIVE"}}}`, want: false},
		{name: "ACTIVE HR_24 by the last event", dims: `{"Behavior":{"Recency":{"Duration":"HR_24","RecencyType":"ACTIVE"}}}`,
			last: segNow.Add(-time.Hour), want: true},
		{name: "ACTIVE HR_24 at the window's edge", dims: `{"Behavior":{"Recency":{"Duration":"HR_24","RecencyType":"ACTIVE"}}}`,
			last: segNow.Add(-24 * time.Hour), want: true},
		{name: "ACTIVE HR_24 last event too old", dims: `{"Behavior":{"Recency":{"Duration":"HR_24","RecencyType":"ACTIVE"}}}`,
			last: segNow.Add(-25 * time.Hour), want: false},
		{name: "the last event wins over EffectiveDate", dims: `{"Behavior":{"Recency":{"Duration":"DAY_14","RecencyType":"ACTIVE"}}}`,
			last: segNow.AddDate(0, 0, -20), want: false},
		{name: "ACTIVE DAY_7 EffectiveDate at the window's edge", dims: `{"Behavior":{"Recency":{"Duration":"DAY_7","RecencyType":"ACTIVE"}}}`,
			change: func(e *pinpoint.Endpoint) { e.EffectiveDate = "2026-11-22T12:00:00.000Z" }, want: true},
		{name: "ACTIVE DAY_7 EffectiveDate just outside", dims: `{"Behavior":{"Recency":{"Duration":"DAY_7","RecencyType":"ACTIVE"}}}`,
			change: func(e *pinpoint.Endpoint) { e.EffectiveDate = "2026-11-22T11:59:59.999Z" }, want: false},
		{name: "ACTIVE DAY_7 EffectiveDate with an offset", dims: `{"Behavior":{"Recency":{"Duration":"DAY_7","RecencyType":"ACTIVE"}}}`,
			change: func(e *pinpoint.Endpoint) { e.EffectiveDate = "2026-11-22T13:00:00+01:00" }, want: true},
		{name: "ACTIVE DAY_7 EffectiveDate with an offset, outside", dims: `{"Behavior":{"Recency":{"Duration":"DAY_7","RecencyType":"ACTIVE"}}}`,
			change: func(e *pinpoint.Endpoint) { e.EffectiveDate = "2026-11-22T12:59:59+01:00" }, want: false},
		{name: "ACTIVE without any activity", dims: `{"Behavior":{"Recency":{"Duration":"DAY_30","RecencyType":"ACTIVE"}}}`,
			change: func(e *pinpoint.Endpoint) { e.EffectiveDate = "" }, want: false},
		{name: "INACTIVE without any activity", dims: `{"Behavior":{"Recency":{"Duration":"DAY_30","RecencyType":"INACTIVE"}}}`,
			change: func(e *pinpoint.Endpoint) { e.EffectiveDate = "" }, want: true},

		// Demographic.
		{name: "AppVersion", dims: `{"Demographic":{"AppVersion":{"Values":["4.2.1"]}}}`, want: true},
		{name: "AppVersion other", dims: `{"Demographic":{"AppVersion":{"Values":["4.2.0"]}}}`, want: false},
		{name: "Channel", dims: `{"Demographic":{"Channel":{"DimensionType":"INCLUSIVE","Values":["EMAIL","GCM"]}}}`, want: true},
		{name: "Channel other", dims: `{"Demographic":{"Channel":{"Values":["EMAIL"]}}}`, want: false},
		{name: "Channel PUSH covers GCM", dims: `{"Demographic":{"Channel":{"Values":["PUSH"]}}}`, want: true},
		{name: "Channel EXCLUSIVE PUSH excludes GCM", dims: `{"Demographic":{"Channel":{"DimensionType":"EXCLUSIVE","Values":["PUSH"]}}}`, want: false},
		{name: "Channel PUSH does not cover EMAIL", dims: `{"Demographic":{"Channel":{"Values":["PUSH"]}}}`,
			change: func(e *pinpoint.Endpoint) { e.ChannelType = "EMAIL" }, want: false},
		{name: "Make", dims: `{"Demographic":{"Make":{"Values":["Google"]}}}`, want: true},
		{name: "Make is case-sensitive", dims: `{"Demographic":{"Make":{"Values":["google"]}}}`, want: false},
		{name: "Model", dims: `{"Demographic":{"Model":{"Values":["Pixel 8"]}}}`, want: true},
		{name: "Model other", dims: `{"Demographic":{"Model":{"Values":["iPhone"]}}}`, want: false},
		{name: "Platform", dims: `{"Demographic":{"Platform":{"Values":["android"]}}}`, want: true},
		{name: "Platform is case-sensitive", dims: `{"Demographic":{"Platform":{"Values":["Android"]}}}`, want: false},
		{name: "Platform EXCLUSIVE other", dims: `{"Demographic":{"Platform":{"DimensionType":"EXCLUSIVE","Values":["ios"]}}}`, want: true},
		{name: "Platform EXCLUSIVE equal", dims: `{"Demographic":{"Platform":{"DimensionType":"EXCLUSIVE","Values":["android"]}}}`, want: false},
		{name: "Platform INCLUSIVE without Demographic", dims: `{"Demographic":{"Platform":{"Values":["android"]}}}`, change: noDemographic, want: false},
		{name: "Platform EXCLUSIVE without Demographic", dims: `{"Demographic":{"Platform":{"DimensionType":"EXCLUSIVE","Values":["android"]}}}`, change: noDemographic, want: true},
		{name: "DeviceType INCLUSIVE matches nothing", dims: `{"Demographic":{"DeviceType":{"Values":["PHONE"]}}}`, want: false},
		{name: "DeviceType EXCLUSIVE matches everything", dims: `{"Demographic":{"DeviceType":{"DimensionType":"EXCLUSIVE","Values":["PHONE"]}}}`, want: true},

		// Location.
		{name: "Country", dims: `{"Location":{"Country":{"Values":["US"]}}}`, want: true},
		{name: "Country other", dims: `{"Location":{"Country":{"Values":["CA"]}}}`, want: false},
		{name: "Country EXCLUSIVE", dims: `{"Location":{"Country":{"DimensionType":"EXCLUSIVE","Values":["CA"]}}}`, want: true},
		{name: "Country without Location", dims: `{"Location":{"Country":{"Values":["US"]}}}`,
			change: func(e *pinpoint.Endpoint) { e.Location = nil }, want: false},
		{name: "GPSPoint within range", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":47.6062,"Longitude":-122.3321},"RangeInKilometers":5}}}`, want: true},
		{name: "GPSPoint Portland 50 km", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":45.5152,"Longitude":-122.6784},"RangeInKilometers":50}}}`, want: false},
		{name: "GPSPoint Portland 250 km", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":45.5152,"Longitude":-122.6784},"RangeInKilometers":250}}}`, want: true},
		{name: "GPSPoint across the date line", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":0,"Longitude":179.95},"RangeInKilometers":20}}}`,
			change: func(e *pinpoint.Endpoint) {
				lat, lon := 0.0, -179.9
				e.Location.Latitude, e.Location.Longitude = &lat, &lon
			}, want: true},
		{name: "GPSPoint the whole globe", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":-47.6,"Longitude":57.7},"RangeInKilometers":30000}}}`, want: true},
		{name: "GPSPoint without coordinates", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":47.6,"Longitude":-122.3},"RangeInKilometers":30000}}}`,
			change: func(e *pinpoint.Endpoint) { e.Location.Longitude = nil }, want: false},
		{name: "GPSPoint without range: same rounded point", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":47.6149,"Longitude":-122.2501}}}}`, want: true},
		{name: "GPSPoint without range: next rounded point", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":47.66,"Longitude":-122.3}}}}`, want: false},

		// Metrics: sessions is 42.
		{name: "GREATER_THAN", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"GREATER_THAN","Value":41.5}}}`, want: true},
		{name: "GREATER_THAN equal", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"GREATER_THAN","Value":42}}}`, want: false},
		{name: "LESS_THAN", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"LESS_THAN","Value":43}}}`, want: true},
		{name: "LESS_THAN equal", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"LESS_THAN","Value":42}}}`, want: false},
		{name: "GREATER_THAN_OR_EQUAL", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"GREATER_THAN_OR_EQUAL","Value":42}}}`, want: true},
		{name: "GREATER_THAN_OR_EQUAL above", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"GREATER_THAN_OR_EQUAL","Value":42.01}}}`, want: false},
		{name: "LESS_THAN_OR_EQUAL", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"LESS_THAN_OR_EQUAL","Value":42}}}`, want: true},
		{name: "LESS_THAN_OR_EQUAL below", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"LESS_THAN_OR_EQUAL","Value":41.99}}}`, want: false},
		{name: "EQUAL", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"EQUAL","Value":42}}}`, want: true},
		{name: "EQUAL other", dims: `{"Metrics":{"sessions":{"ComparisonOperator":"EQUAL","Value":7}}}`, want: false},
		{name: "metric lacking", dims: `{"Metrics":{"purchases":{"ComparisonOperator":"LESS_THAN","Value":100}}}`, want: false},

		// AND across dimensions.
		{name: "every dimension matches", dims: `{"Attributes":{"plan":{"Values":["premium"]}},"Demographic":{"Platform":{"Values":["android"]}},
			"Behavior":{"Recency":{"Duration":"DAY_30","RecencyType":"ACTIVE"}},"Location":{"Country":{"Values":["US"]}},
			"Metrics":{"sessions":{"ComparisonOperator":"GREATER_THAN","Value":1}},"UserAttributes":{"tier":{"Values":["gold"]}}}`, want: true},
		{name: "one dimension fails", dims: `{"Attributes":{"plan":{"Values":["premium"]}},"Demographic":{"Platform":{"Values":["ios"]}}}`, want: false},
		{name: "one of two attributes fails", dims: `{"Attributes":{"plan":{"Values":["premium"]},"interests":{"Values":["sports"]}}}`, want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := pinpoint.CompileSegment(mustParse(t, tc.dims, ""), nil, segNow)
			if err != nil {
				t.Fatalf("CompileSegment: %v", err)
			}
			e := segEndpoint()
			if tc.change != nil {
				tc.change(e)
			}
			if got := m.Match(&pinpoint.MatchInput{Endpoint: e, LastEventAt: tc.last}); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

// Segment IDs of the group tests.
const (
	segPremium = "0000000000000000000000000000000a" // plan premium: matches segEndpoint
	segBasic   = "0000000000000000000000000000000b" // plan basic: does not
	segImport  = "0000000000000000000000000000000c" // imported, with ep-1
	segEmpty   = "0000000000000000000000000000000d" // imported, without ep-1
	segVersion = "0000000000000000000000000000000e" // version 1 basic, version 2 (latest) premium
	segNested  = "0000000000000000000000000000000f" // groups over segPremium
	segAll     = "00000000000000000000000000000010" // no definition: everything
	segMissing = "000000000000000000000000000000ff"
)

// testResolver resolves from a table of definitions; version 0 is the highest version.
type testResolver map[string][]*pinpoint.SegmentDefinition

func (r testResolver) resolve(id string, version int) (*pinpoint.SegmentDefinition, error) {
	versions := r[id]
	if version == 0 {
		version = len(versions)
	}
	if version < 1 || version > len(versions) {
		return nil, ErrNotFoundWrapped
	}
	return versions[version-1], nil
}

// ErrNotFoundWrapped shows a resolver may wrap ErrSourceNotFound.
var ErrNotFoundWrapped = fmt.Errorf("store: %w", pinpoint.ErrSourceNotFound)

func groupResolver(t testing.TB) pinpoint.SourceResolver {
	premium := `{"Attributes":{"plan":{"Values":["premium"]}}}`
	basic := `{"Attributes":{"plan":{"Values":["basic"]}}}`
	r := testResolver{
		segPremium: {mustParse(t, premium, "")},
		segBasic:   {mustParse(t, basic, "")},
		segImport:  {pinpoint.ImportMembers(func(id string) bool { return id == "ep-1" })},
		segEmpty:   {pinpoint.ImportMembers(func(string) bool { return false })},
		segVersion: {mustParse(t, basic, ""), mustParse(t, premium, "")},
		segNested:  {mustParse(t, "", `{"Groups":[{"SourceSegments":[{"Id":"`+segPremium+`"}]}]}`)},
		segAll:     {mustParse(t, "", "")},
	}
	return r.resolve
}

func TestSegmentMatchGroups(t *testing.T) {
	src := func(ids ...string) string {
		var refs []string
		for _, id := range ids {
			refs = append(refs, `{"Id":"`+id+`"}`)
		}
		return `"SourceSegments":[` + strings.Join(refs, ",") + `]`
	}
	const (
		premium = `{"Attributes":{"plan":{"Values":["premium"]}}}`
		basic   = `{"Attributes":{"plan":{"Values":["basic"]}}}`
		android = `{"Demographic":{"Platform":{"Values":["android"]}}}`
		ios     = `{"Demographic":{"Platform":{"Values":["ios"]}}}`
	)
	cases := []struct {
		name   string
		groups string
		want   bool
	}{
		{name: "empty SegmentGroups", groups: `{}`, want: true},
		{name: "no groups", groups: `{"Groups":[],"Include":"ANY"}`, want: true},
		{name: "empty group", groups: `{"Groups":[{}]}`, want: true},

		// SourceType over the base segments.
		{name: "one source", groups: `{"Groups":[{` + src(segPremium) + `}]}`, want: true},
		{name: "one source not matching", groups: `{"Groups":[{` + src(segBasic) + `}]}`, want: false},
		{name: "SourceType defaults to ANY", groups: `{"Groups":[{` + src(segBasic, segPremium) + `}]}`, want: true},
		{name: "SourceType ANY", groups: `{"Groups":[{"SourceType":"ANY",` + src(segBasic, segPremium) + `}]}`, want: true},
		{name: "SourceType ANY none match", groups: `{"Groups":[{"SourceType":"ANY",` + src(segBasic, segEmpty) + `}]}`, want: false},
		{name: "SourceType ALL", groups: `{"Groups":[{"SourceType":"ALL",` + src(segPremium, segImport) + `}]}`, want: true},
		{name: "SourceType ALL one fails", groups: `{"Groups":[{"SourceType":"ALL",` + src(segPremium, segBasic) + `}]}`, want: false},
		{name: "SourceType NONE", groups: `{"Groups":[{"SourceType":"NONE",` + src(segBasic, segEmpty) + `}]}`, want: true},
		{name: "SourceType NONE one matches", groups: `{"Groups":[{"SourceType":"NONE",` + src(segBasic, segPremium) + `}]}`, want: false},
		{name: "imported source", groups: `{"Groups":[{` + src(segImport) + `}]}`, want: true},
		{name: "imported source without the endpoint", groups: `{"Groups":[{` + src(segEmpty) + `}]}`, want: false},
		{name: "source that selects everything", groups: `{"Groups":[{` + src(segAll) + `}]}`, want: true},
		{name: "nested sources", groups: `{"Groups":[{` + src(segNested) + `}]}`, want: true},
		{name: "omitted Version is the latest", groups: `{"Groups":[{"SourceSegments":[{"Id":"` + segVersion + `"}]}]}`, want: true},
		{name: "Version 0 is the latest", groups: `{"Groups":[{"SourceSegments":[{"Id":"` + segVersion + `","Version":0}]}]}`, want: true},
		{name: "Version 1", groups: `{"Groups":[{"SourceSegments":[{"Id":"` + segVersion + `","Version":1}]}]}`, want: false},
		{name: "Version 2", groups: `{"Groups":[{"SourceSegments":[{"Id":"` + segVersion + `","Version":2}]}]}`, want: true},

		// Type over the group's dimensions.
		{name: "Type defaults to ALL", groups: `{"Groups":[{"Dimensions":[` + premium + `,` + ios + `]}]}`, want: false},
		{name: "Type ALL", groups: `{"Groups":[{"Type":"ALL","Dimensions":[` + premium + `,` + android + `]}]}`, want: true},
		{name: "Type ALL one fails", groups: `{"Groups":[{"Type":"ALL","Dimensions":[` + premium + `,` + ios + `]}]}`, want: false},
		{name: "Type ANY", groups: `{"Groups":[{"Type":"ANY","Dimensions":[` + basic + `,` + android + `]}]}`, want: true},
		{name: "Type ANY none match", groups: `{"Groups":[{"Type":"ANY","Dimensions":[` + basic + `,` + ios + `]}]}`, want: false},
		{name: "Type NONE", groups: `{"Groups":[{"Type":"NONE","Dimensions":[` + basic + `,` + ios + `]}]}`, want: true},
		{name: "Type NONE one matches", groups: `{"Groups":[{"Type":"NONE","Dimensions":[` + basic + `,` + android + `]}]}`, want: false},

		// The base population filtered by the dimensions.
		{name: "base and filter match", groups: `{"Groups":[{` + src(segPremium) + `,"Dimensions":[` + android + `]}]}`, want: true},
		{name: "base matches, filter fails", groups: `{"Groups":[{` + src(segPremium) + `,"Dimensions":[` + ios + `]}]}`, want: false},
		{name: "filter matches, base fails", groups: `{"Groups":[{` + src(segBasic) + `,"Dimensions":[` + android + `]}]}`, want: false},
		{name: "excluded base, filter matches", groups: `{"Groups":[{"SourceType":"NONE",` + src(segBasic) + `,"Dimensions":[` + android + `]}]}`, want: true},

		// Include over the groups.
		{name: "Include defaults to ALL", groups: `{"Groups":[{"Dimensions":[` + premium + `]},{"Dimensions":[` + ios + `]}]}`, want: false},
		{name: "Include ALL", groups: `{"Include":"ALL","Groups":[{"Dimensions":[` + premium + `]},{"Dimensions":[` + android + `]}]}`, want: true},
		{name: "Include ALL one fails", groups: `{"Include":"ALL","Groups":[{"Dimensions":[` + premium + `]},{"Dimensions":[` + ios + `]}]}`, want: false},
		{name: "Include ANY", groups: `{"Include":"ANY","Groups":[{"Dimensions":[` + basic + `]},{"Dimensions":[` + android + `]}]}`, want: true},
		{name: "Include ANY none match", groups: `{"Include":"ANY","Groups":[{"Dimensions":[` + basic + `]},{"Dimensions":[` + ios + `]}]}`, want: false},
		{name: "Include NONE", groups: `{"Include":"NONE","Groups":[{"Dimensions":[` + basic + `]},{"Dimensions":[` + ios + `]}]}`, want: true},
		{name: "Include NONE one matches", groups: `{"Include":"NONE","Groups":[{"Dimensions":[` + basic + `]},{"Dimensions":[` + android + `]}]}`, want: false},
		{name: "second group excludes an imported segment", groups: `{"Include":"ALL","Groups":[{` + src(segPremium) + `},{"SourceType":"NONE",` + src(segImport) + `}]}`, want: false},
	}
	resolve := groupResolver(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := pinpoint.CompileSegment(mustParse(t, "", tc.groups), resolve, segNow)
			if err != nil {
				t.Fatalf("CompileSegment: %v", err)
			}
			if got := m.Match(&pinpoint.MatchInput{Endpoint: segEndpoint()}); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestImportMembers(t *testing.T) {
	m, err := pinpoint.CompileSegment(pinpoint.ImportMembers(func(id string) bool { return id == "ep-2" }), nil, segNow)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"ep-1": false, "ep-2": true} {
		if got := m.Match(&pinpoint.MatchInput{Endpoint: &pinpoint.Endpoint{ID: id}}); got != want {
			t.Errorf("Match(%s) = %v, want %v", id, got, want)
		}
	}
}

func TestSourceSegments(t *testing.T) {
	def := mustParse(t, "", `{"Groups":[{"SourceSegments":[{"Id":"`+segBasic+`","Version":3},{"Id":"`+segPremium+`"}]},
		{"SourceSegments":[{"Id":"`+segImport+`"}]}]}`)
	got := fmt.Sprint(def.SourceSegments())
	want := fmt.Sprint([]pinpoint.SourceRef{{ID: segBasic, Version: 3}, {ID: segPremium}, {ID: segImport}})
	if got != want {
		t.Errorf("SourceSegments = %s, want %s", got, want)
	}
	if got := mustParse(t, `{"Attributes":{"a":{"Values":["x"]}}}`, "").SourceSegments(); got != nil {
		t.Errorf("SourceSegments of Dimensions = %v, want nil", got)
	}
}

func TestCompileSegmentErrors(t *testing.T) {
	id := func(n int) string { return fmt.Sprintf("%032x", 0x100+n) }
	over := func(ids ...string) *pinpoint.SegmentDefinition {
		var refs []string
		for _, id := range ids {
			refs = append(refs, `{"Id":"`+id+`"}`)
		}
		return mustParse(t, "", `{"Groups":[{"SourceSegments":[`+strings.Join(refs, ",")+`]}]}`)
	}
	// A chain id(1) → id(2) → … → id(n) → everything.
	chain := func(n int) testResolver {
		r := testResolver{id(n): {mustParse(t, "", "")}}
		for i := 1; i < n; i++ {
			r[id(i)] = []*pinpoint.SegmentDefinition{over(id(i + 1))}
		}
		return r
	}
	errBroken := errors.New("disk on fire")
	cases := []struct {
		name    string
		def     *pinpoint.SegmentDefinition
		resolve pinpoint.SourceResolver
		want    string // the BadRequestException's message; "" for success
		wantErr error  // for errors other than BadRequestException
	}{
		{name: "missing source", def: over(segPremium, segMissing), resolve: groupResolver(t),
			want: `SegmentGroups.Groups[0].SourceSegments[1].Id: source segment "` + segMissing + `" does not exist`},
		{name: "missing version", resolve: groupResolver(t),
			def:  mustParse(t, "", `{"Groups":[{},{"SourceSegments":[{"Id":"`+segPremium+`","Version":2}]}]}`),
			want: `SegmentGroups.Groups[1].SourceSegments[0].Id: source segment "` + segPremium + `" version 2 does not exist`},
		{name: "missing nested source", def: over(id(1)),
			resolve: testResolver{id(1): {over(id(2))}, id(2): {over(segMissing)}}.resolve,
			want: `SegmentGroups.Groups[0].SourceSegments[0].Id: source segment "` + segMissing + `", reached through "` +
				id(1) + `" → "` + id(2) + `", does not exist`},
		{name: "no resolver", def: over(segPremium),
			want: `SegmentGroups.Groups[0].SourceSegments[0].Id: source segment "` + segPremium + `" does not exist`},
		{name: "resolver returns nil", def: over(segPremium),
			resolve: func(string, int) (*pinpoint.SegmentDefinition, error) { return nil, nil },
			want:    `SegmentGroups.Groups[0].SourceSegments[0].Id: source segment "` + segPremium + `" does not exist`},
		{name: "self reference", def: over(id(1)), resolve: testResolver{id(1): {over(id(1))}}.resolve,
			want: `SegmentGroups.Groups[0].SourceSegments[0].Id: source segments form a cycle: "` + id(1) + `" → "` + id(1) + `"`},
		{name: "cycle", def: over(id(1)), resolve: testResolver{id(1): {over(id(2))}, id(2): {over(id(3))}, id(3): {over(id(2))}}.resolve,
			want: `SegmentGroups.Groups[0].SourceSegments[0].Id: source segments form a cycle: "` + id(2) + `" → "` + id(3) + `" → "` + id(2) + `"`},
		{name: "older version of the same segment is no cycle", def: over(id(1)),
			resolve: testResolver{id(1): {mustParse(t, "", ""), mustParse(t, "", `{"Groups":[{"SourceSegments":[{"Id":"`+id(1)+`","Version":1}]}]}`)}}.resolve},
		{name: "deepest chain allowed", def: over(id(1)), resolve: chain(pinpoint.MaxSegmentDepth).resolve},
		{name: "chain too deep", def: over(id(1)), resolve: chain(pinpoint.MaxSegmentDepth + 1).resolve,
			want: `SegmentGroups.Groups[0].SourceSegments[0].Id: source segments nest more than 5 levels deep: "` +
				id(1) + `" → "` + id(2) + `" → "` + id(3) + `" → "` + id(4) + `" → "` + id(5) + `" → "` + id(6) + `"`},
		{name: "shared source reached deeper than first compiled", def: over(id(5), id(1)), resolve: chain(pinpoint.MaxSegmentDepth + 1).resolve,
			want: `SegmentGroups.Groups[0].SourceSegments[1].Id: source segments nest more than 5 levels deep: "` +
				id(1) + `" → "` + id(2) + `" → "` + id(3) + `" → "` + id(4) + `" → "` + id(5) + `"`},
		{name: "resolver failure", def: over(segPremium), wantErr: errBroken,
			resolve: func(string, int) (*pinpoint.SegmentDefinition, error) { return nil, errBroken }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pinpoint.CompileSegment(tc.def, tc.resolve, segNow)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) || pinpoint.ErrorCode(err) != "" {
					t.Errorf("err = %v, want one wrapping %v", err, tc.wantErr)
				}
			case tc.want == "":
				if err != nil {
					t.Errorf("err = %v, want nil", err)
				}
			default:
				checkBadRequest(t, err, tc.want)
			}
		})
	}
}

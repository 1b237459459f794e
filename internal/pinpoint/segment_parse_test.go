package pinpoint_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"pinpointd/internal/pinpoint"
)

func TestParseSegmentDefinitionErrors(t *testing.T) {
	long := strings.Repeat("x", 51)
	attr := func(typ string, values ...string) string {
		t := ""
		if typ != "" {
			t = `"AttributeType":"` + typ + `",`
		}
		return `{"Attributes":{"a":{` + t + `"Values":["` + strings.Join(values, `","`) + `"]}}}`
	}
	manyAttrs := func(n int) string { // n attributes of one value each
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`"a%d":{"Values":["v"]}`, i))
		}
		return `{"Attributes":{` + strings.Join(parts, ",") + `}}`
	}
	manyValues := func(n int) string {
		var values []string
		for i := range n {
			values = append(values, fmt.Sprintf(`"v%d"`, i))
		}
		return `{"Demographic":{"Model":{"Values":[` + strings.Join(values, ",") + `]}}}`
	}
	const id = "0123456789abcdef0123456789abcdef"
	cases := []struct {
		name         string
		dims, groups string
		want         string
	}{
		{name: "both forms", dims: `{}`, groups: `{}`, want: "Dimensions and SegmentGroups cannot both be set"},
		{name: "Dimensions not an object", dims: `[]`, want: "Dimensions: expected an object, got JSON array"},
		{name: "Attributes not a map", dims: `{"Attributes":["a"]}`, want: "Dimensions.Attributes: expected an object, got JSON array"},
		{name: "AttributeDimension not an object", dims: `{"Attributes":{"a":"x"}}`, want: "Dimensions.Attributes.a: expected an object, got JSON string"},
		{name: "Values not strings", dims: `{"Attributes":{"a":{"Values":[1]}}}`, want: "Dimensions.Attributes.a.Values: expected a string, got JSON number"},
		{name: "Values missing", dims: `{"Attributes":{"a":{"AttributeType":"INCLUSIVE"}}}`, want: "Dimensions.Attributes.a.Values: the member is required"},
		{name: "Values null", dims: `{"UserAttributes":{"a":{"Values":null}}}`, want: "Dimensions.UserAttributes.a.Values: the member is required"},
		{name: "unknown AttributeType", dims: attr("NOT_BETWEEN", "x"),
			want: `Dimensions.Attributes.a.AttributeType: "NOT_BETWEEN" is not one of INCLUSIVE, EXCLUSIVE, CONTAINS, BEFORE, AFTER, ON, BETWEEN`},
		{name: "AttributeType is case-sensitive", dims: attr("inclusive", "x"),
			want: `Dimensions.Attributes.a.AttributeType: "inclusive" is not one of INCLUSIVE, EXCLUSIVE, CONTAINS, BEFORE, AFTER, ON, BETWEEN`},
		{name: "INCLUSIVE without values", dims: `{"Attributes":{"a":{"Values":[]}}}`, want: "Dimensions.Attributes.a.Values: INCLUSIVE takes at least 1 value, got 0"},
		{name: "EXCLUSIVE without values", dims: `{"Attributes":{"a":{"AttributeType":"EXCLUSIVE","Values":[]}}}`, want: "Dimensions.Attributes.a.Values: EXCLUSIVE takes at least 1 value, got 0"},
		{name: "CONTAINS without values", dims: `{"Attributes":{"a":{"AttributeType":"CONTAINS","Values":[]}}}`, want: "Dimensions.Attributes.a.Values: CONTAINS takes at least 1 value, got 0"},
		{name: "BEFORE two values", dims: attr("BEFORE", "2020-01-01", "2021-01-01"), want: "Dimensions.Attributes.a.Values: BEFORE takes exactly 1 value, got 2"},
		{name: "AFTER no value", dims: `{"Attributes":{"a":{"AttributeType":"AFTER","Values":[]}}}`, want: "Dimensions.Attributes.a.Values: AFTER takes exactly 1 value, got 0"},
		{name: "ON two values", dims: attr("ON", "2020-01-01", "2021-01-01"), want: "Dimensions.Attributes.a.Values: ON takes exactly 1 value, got 2"},
		{name: "BETWEEN one value", dims: attr("BETWEEN", "2020-01-01"), want: "Dimensions.Attributes.a.Values: BETWEEN takes exactly 2 values, got 1"},
		{name: "BETWEEN three values", groups: `{"Groups":[{"Dimensions":[{},{"Attributes":{"plan":{"AttributeType":"BETWEEN","Values":["2020-01-01","2020-02-01","2020-03-01"]}}}]}]}`,
			want: "SegmentGroups.Groups[0].Dimensions[1].Attributes.plan.Values: BETWEEN takes exactly 2 values, got 3"},
		{name: "malformed date", dims: attr("BETWEEN", "2020-01-01", "2020-13-01"), want: `Dimensions.Attributes.a.Values[1]: "2020-13-01" is not an ISO 8601 date-time`},
		{name: "date that is not a date", dims: attr("ON", "yesterday"), want: `Dimensions.Attributes.a.Values[0]: "yesterday" is not an ISO 8601 date-time`},
		{name: "empty attribute name", dims: `{"Attributes":{"":{"Values":["x"]}}}`, want: "Dimensions.Attributes: an attribute name is empty"},
		{name: "attribute name too long", dims: `{"UserAttributes":{"` + long + `":{"Values":["x"]}}}`,
			want: `Dimensions.UserAttributes: the name "` + long + `" is 51 characters long; the limit is 50`},
		{name: "metric name too long", dims: `{"Metrics":{"` + long + `":{"ComparisonOperator":"EQUAL","Value":1}}}`,
			want: `Dimensions.Metrics: the name "` + long + `" is 51 characters long; the limit is 50`},
		{name: "value too long", dims: attr("", "a", strings.Repeat("é", 101)), want: "Dimensions.Attributes.a.Values[1]: the value is 101 characters long; the limit is 100"},
		{name: "set value too long", dims: `{"Location":{"Country":{"Values":["` + strings.Repeat("x", 101) + `"]}}}`,
			want: "Dimensions.Location.Country.Values[0]: the value is 101 characters long; the limit is 100"},
		{name: "errors follow sorted names", dims: `{"Attributes":{"b":{"Values":[]},"a":{"Values":[]}}}`, want: "Dimensions.Attributes.a.Values: INCLUSIVE takes at least 1 value, got 0"},

		{name: "Recency Duration missing", dims: `{"Behavior":{"Recency":{"RecencyType":"ACTIVE"}}}`, want: "Dimensions.Behavior.Recency.Duration: the member is required"},
		{name: "Recency RecencyType missing", dims: `{"Behavior":{"Recency":{"Duration":"DAY_7"}}}`, want: "Dimensions.Behavior.Recency.RecencyType: the member is required"},
		{name: "unknown Duration", dims: `{"Behavior":{"Recency":{"Duration":"DAY_1","RecencyType":"ACTIVE"}}}`,
			want: `Dimensions.Behavior.Recency.Duration: "DAY_1" is not one of HR_24, DAY_7, DAY_14, DAY_30`},
		{name: "unknown RecencyType", dims: `{"Behavior":{"Recency":{"Duration":"DAY_7","RecencyType":"DORMANT"}}}`,
			want: `Dimensions.Behavior.Recency.RecencyType: "DORMANT" is not one of ACTIVE, INACTIVE`},

		{name: "unknown DimensionType", dims: `{"Demographic":{"Platform":{"DimensionType":"CONTAINS","Values":["ios"]}}}`,
			want: `Dimensions.Demographic.Platform.DimensionType: "CONTAINS" is not one of INCLUSIVE, EXCLUSIVE`},
		{name: "SetDimension Values missing", dims: `{"Demographic":{"Channel":{"DimensionType":"EXCLUSIVE"}}}`, want: "Dimensions.Demographic.Channel.Values: the member is required"},
		{name: "SetDimension without values", dims: `{"Demographic":{"DeviceType":{"DimensionType":"EXCLUSIVE","Values":[]}}}`,
			want: "Dimensions.Demographic.DeviceType.Values: EXCLUSIVE takes at least 1 value, got 0"},

		{name: "Coordinates missing", dims: `{"Location":{"GPSPoint":{"RangeInKilometers":5}}}`, want: "Dimensions.Location.GPSPoint.Coordinates: the member is required"},
		{name: "Latitude missing", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Longitude":5}}}}`, want: "Dimensions.Location.GPSPoint.Coordinates.Latitude: the member is required"},
		{name: "Longitude missing", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":5}}}}`, want: "Dimensions.Location.GPSPoint.Coordinates.Longitude: the member is required"},
		{name: "Latitude out of range", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":90.5,"Longitude":0}}}}`,
			want: "Dimensions.Location.GPSPoint.Coordinates.Latitude: 90.5 must lie between -90 and 90"},
		{name: "Longitude out of range", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":0,"Longitude":-181}}}}`,
			want: "Dimensions.Location.GPSPoint.Coordinates.Longitude: -181 must lie between -180 and 180"},
		{name: "Latitude not a number", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":"47","Longitude":0}}}}`,
			want: "Dimensions.Location.GPSPoint.Coordinates.Latitude: expected a number, got JSON string"},
		{name: "RangeInKilometers zero", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":0,"Longitude":0},"RangeInKilometers":0}}}`,
			want: "Dimensions.Location.GPSPoint.RangeInKilometers: 0 must be greater than 0"},
		{name: "RangeInKilometers negative", dims: `{"Location":{"GPSPoint":{"Coordinates":{"Latitude":0,"Longitude":0},"RangeInKilometers":-3}}}`,
			want: "Dimensions.Location.GPSPoint.RangeInKilometers: -3 must be greater than 0"},

		{name: "ComparisonOperator missing", dims: `{"Metrics":{"m":{"Value":1}}}`, want: "Dimensions.Metrics.m.ComparisonOperator: the member is required"},
		{name: "Value missing", dims: `{"Metrics":{"m":{"ComparisonOperator":"EQUAL"}}}`, want: "Dimensions.Metrics.m.Value: the member is required"},
		{name: "unknown ComparisonOperator", dims: `{"Metrics":{"m":{"ComparisonOperator":"NOT_EQUAL","Value":1}}}`,
			want: `Dimensions.Metrics.m.ComparisonOperator: "NOT_EQUAL" is not one of GREATER_THAN, LESS_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN_OR_EQUAL, EQUAL`},
		{name: "Value out of range", dims: `{"Metrics":{"m":{"ComparisonOperator":"EQUAL","Value":1e999}}}`, want: "Dimensions.Metrics.m.Value: 1e999 is out of range"},
		{name: "Value not a number", dims: `{"Metrics":{"m":{"ComparisonOperator":"EQUAL","Value":"1"}}}`, want: "Dimensions.Metrics.m.Value: expected a number, got JSON string"},

		{name: "too many dimensions", dims: manyAttrs(101), want: "Dimensions: the segment has 101 dimensions; the limit is 100"},
		{name: "too many dimensions across groups", groups: `{"Groups":[{"Dimensions":[` + strings.Repeat(`{},`, 50) + `{}]},{"Dimensions":[` + strings.Repeat(`{},`, 49) + `{}]}]}`,
			want: "SegmentGroups: the segment has 101 dimensions; the limit is 100"},
		{name: "too many values", dims: manyValues(101), want: "Dimensions: the segment has 101 values in total; the limit is 100"},
		{name: "too many values across groups", groups: `{"Groups":[{"Dimensions":[` + manyValues(60) + `]},{"Dimensions":[` + manyValues(41) + `]}]}`,
			want: "SegmentGroups: the segment has 101 values in total; the limit is 100"},

		{name: "SegmentGroups not an object", groups: `"x"`, want: "SegmentGroups: expected an object, got JSON string"},
		{name: "three groups", groups: `{"Groups":[{},{},{}]}`, want: "SegmentGroups.Groups: 3 groups; the limit is 2"},
		{name: "unknown Include", groups: `{"Groups":[{}],"Include":"SOME"}`, want: `SegmentGroups.Include: "SOME" is not one of ALL, ANY, NONE`},
		{name: "unknown Type", groups: `{"Groups":[{"Type":"any"}]}`, want: `SegmentGroups.Groups[0].Type: "any" is not one of ALL, ANY, NONE`},
		{name: "unknown SourceType", groups: `{"Groups":[{},{"SourceType":"EXCEPT"}]}`, want: `SegmentGroups.Groups[1].SourceType: "EXCEPT" is not one of ALL, ANY, NONE`},
		{name: "group dimension invalid", groups: `{"Groups":[{"Dimensions":[{"Metrics":{"m":{"Value":1}}}]}]}`,
			want: "SegmentGroups.Groups[0].Dimensions[0].Metrics.m.ComparisonOperator: the member is required"},
		{name: "source Id missing", groups: `{"Groups":[{"SourceSegments":[{"Version":1}]}]}`, want: "SegmentGroups.Groups[0].SourceSegments[0].Id: the member is required"},
		{name: "source Id not hex", groups: `{"Groups":[{"SourceSegments":[{"Id":"` + strings.ToUpper(id) + `"}]}]}`,
			want: `SegmentGroups.Groups[0].SourceSegments[0].Id: "` + strings.ToUpper(id) + `" is not a segment ID (32 lower-case hexadecimal characters)`},
		{name: "source Id too short", groups: `{"Groups":[{"SourceSegments":[{"Id":"` + id + `"},{"Id":"abc"}]}]}`,
			want: `SegmentGroups.Groups[0].SourceSegments[1].Id: "abc" is not a segment ID (32 lower-case hexadecimal characters)`},
		{name: "source Version negative", groups: `{"Groups":[{"SourceSegments":[{"Id":"` + id + `","Version":-1}]}]}`,
			want: "SegmentGroups.Groups[0].SourceSegments[0].Version: -1 must not be negative"},
		{name: "source Version not an integer", groups: `{"Groups":[{"SourceSegments":[{"Id":"` + id + `","Version":1.5}]}]}`,
			want: "SegmentGroups.Groups[0].SourceSegments[0].Version: 1.5 is not an integer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			def, err := pinpoint.ParseSegmentDefinition(raw(tc.dims), raw(tc.groups))
			if def != nil {
				t.Errorf("definition = %v, want nil", def)
			}
			checkBadRequest(t, err, tc.want)
		})
	}
}

func TestParseSegmentDefinitionValid(t *testing.T) {
	manyAttrs := func(n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`"a%d":{"Values":["v"]}`, i))
		}
		return `{"Attributes":{` + strings.Join(parts, ",") + `}}`
	}
	cases := []struct {
		name         string
		dims, groups string
	}{
		{name: "neither"},
		{name: "null Dimensions beside SegmentGroups", dims: `null`, groups: `{"Groups":[{}]}`},
		{name: "null SegmentGroups beside Dimensions", dims: `{}`, groups: `null`},
		{name: "AWS's Java example", dims: `{"Attributes":{"Team":{"AttributeType":"INCLUSIVE","Values":["Lakers"]}},
			"Behavior":{"Recency":{"Duration":"DAY_30","RecencyType":"ACTIVE"}},"Demographic":{},"Location":{}}`},
		{name: "unknown members are ignored", dims: `{"Attributes":{"a":{"Values":["x"],"Extra":1}},"Future":{"x":[1]}}`},
		{name: "null members are omitted", dims: `{"Attributes":{"a":null},"Behavior":null,"Demographic":{"Make":null},"Location":{"GPSPoint":null},"Metrics":null}`},
		{name: "every member", dims: `{"Attributes":{"d":{"AttributeType":"BETWEEN","Values":["2020-01-01","2020-12-31T23:59:59.999+01:00"]}},
			"Behavior":{"Recency":{"Duration":"HR_24","RecencyType":"INACTIVE"}},
			"Demographic":{"AppVersion":{"Values":["1"]},"Channel":{"Values":["SMS"]},"DeviceType":{"Values":["PHONE"]},
				"Make":{"Values":["x"]},"Model":{"Values":["y"]},"Platform":{"DimensionType":"EXCLUSIVE","Values":["z"]}},
			"Location":{"Country":{"Values":["US"]},"GPSPoint":{"Coordinates":{"Latitude":-90,"Longitude":180},"RangeInKilometers":0.5}},
			"Metrics":{"m":{"ComparisonOperator":"LESS_THAN_OR_EQUAL","Value":-1.5}},
			"UserAttributes":{"u":{"AttributeType":"CONTAINS","Values":["q"]}}}`},
		{name: "100 dimensions", dims: manyAttrs(100)},
		{name: "two groups", groups: `{"Include":"NONE","Groups":[{"Type":"ANY","SourceType":"ALL","Dimensions":[{}],
			"SourceSegments":[{"Id":"0123456789abcdef0123456789abcdef","Version":3}]},{}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := pinpoint.ParseSegmentDefinition(raw(tc.dims), raw(tc.groups)); err != nil {
				t.Errorf("err = %v, want nil", err)
			}
		})
	}
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// checkBadRequest checks err is a BadRequestException with the message want.
func checkBadRequest(t *testing.T, err error, want string) {
	t.Helper()
	var e *pinpoint.Error
	if !errors.As(err, &e) || e.Code != pinpoint.CodeBadRequest {
		t.Fatalf("err = %v, want a BadRequestException", err)
	}
	if e.Message != want {
		t.Errorf("message\n got: %s\nwant: %s", e.Message, want)
	}
}

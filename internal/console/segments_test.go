package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustLogin()
		app := e.createApp("Shop")
		for _, ep := range []struct{ id, plan, country string }{{"e1", "gold", "US"}, {"e2", "gold", "FR"}, {"e3", "free", "US"}} {
			e.putEndpoint(app, ep.id, map[string]any{"ChannelType": "EMAIL", "Address": ep.id + "@example.com",
				"Attributes": map[string]any{"plan": []string{ep.plan}}, "Location": map[string]any{"Country": ep.country},
				"Metrics": map[string]any{"visits": 5}, "User": map[string]any{"UserId": "u-" + ep.id}})
		}
		base := "/console/apps/" + app + "/segments"
		wantStatus(t, "empty list", e.get(base), http.StatusOK, "No segments.", "New segment")
		form := e.get(base + "/new")
		wantStatus(t, "new form", form, http.StatusOK, `name="attr_name_0"`, `name="metric_op_0"`, `name="recency_duration"`,
			`name="demo_values_Platform"`, `name="country_values"`, `name="gps_lat"`, `name="json"`)

		// The form's fields become a SegmentDimensions.
		f := url.Values{"name": {"Gold"}, "mode": {"form"}, "attr_rows": {"3"}, "metric_rows": {"2"},
			"attr_scope_0": {"Attributes"}, "attr_name_0": {"plan"}, "attr_type_0": {"INCLUSIVE"}, "attr_values_0": {"gold, platinum"},
			"metric_name_0": {"visits"}, "metric_op_0": {"GREATER_THAN"}, "metric_value_0": {"1"}}
		r := e.post(base+"/new", base, f)
		wantRedirect(t, "create", r, base+"/")
		seg := r.location
		segID := strings.TrimPrefix(seg, base+"/")
		page := e.get(seg)
		wantStatus(t, "segment page", page, http.StatusOK, "Created segment Gold.", "DIMENSIONAL", `&#34;plan&#34;`, `data-fragment="`+seg+`/size"`, `data-fragment="`+seg+`/members"`)
		var stored struct{ Dimensions json.RawMessage }
		json.Unmarshal(e.api("GET", "/v1/apps/"+app+"/segments/"+segID, nil), &stored)
		want := `{"Attributes":{"plan":{"AttributeType":"INCLUSIVE","Values":["gold","platinum"]}},"Metrics":{"visits":{"ComparisonOperator":"GREATER_THAN","Value":1}}}`
		if string(stored.Dimensions) != want {
			t.Errorf("Dimensions: got %s, want %s", stored.Dimensions, want)
		}
		wantStatus(t, "size", e.fragment(seg+"/size"), http.StatusOK, `<strong id="segment-size">2</strong> endpoints, <strong>2</strong> users (version 1)`)
		members := e.fragment(seg + "/members")
		wantStatus(t, "members", members, http.StatusOK, "e1@example.com", "e2@example.com")
		if strings.Contains(members.body, "e3@example.com") {
			t.Error("members lists an endpoint outside the segment")
		}

		// Editing shows the definition in the form and writes version 2.
		edit := e.get(seg + "/edit")
		wantStatus(t, "edit form", edit, http.StatusOK, `value="plan"`, `value="gold, platinum"`, `value="visits"`)
		f.Set("country_type", "INCLUSIVE")
		f.Set("country_values", "US")
		r = e.post(seg+"/edit", seg, f)
		wantRedirect(t, "update", r, seg)
		wantStatus(t, "version 2", e.get(seg), http.StatusOK, "Saved version 2.", "?version=1", "?version=2")
		wantStatus(t, "size of version 2", e.fragment(seg+"/size"), http.StatusOK, `<strong id="segment-size">1</strong> endpoints`)
		wantStatus(t, "size of version 1", e.fragment(seg+"/size?version=1"), http.StatusOK, `<strong id="segment-size">2</strong> endpoints`)
		wantStatus(t, "version 1 page", e.get(seg+"?version=1"), http.StatusOK, `data-fragment="`+seg+`/size?version=1"`)

		// Raw JSON, and the API's messages for bad definitions.
		j := url.Values{"name": {"Raw"}, "mode": {"json"}, "json_kind": {"Dimensions"}, "json": {`{"Demographic":{"Platform":{"Values":["ios"]}}}`}}
		wantRedirect(t, "create from JSON", e.post(base+"/new", base, j), base+"/")
		j.Set("json", `{"Attributes":{"plan":{"AttributeType":"SOMETIMES","Values":["x"]}}}`)
		wantStatus(t, "bad type", e.post(base+"/new", base, j), http.StatusBadRequest, "BadRequestException", "Dimensions.Attributes.plan.AttributeType")
		j.Set("json", `{"Attributes":`)
		wantStatus(t, "bad JSON", e.post(base+"/new", base, j), http.StatusBadRequest, "Dimensions is not valid JSON.")
		f.Set("metric_value_0", "many")
		wantStatus(t, "bad number", e.post(base+"/new", base, f), http.StatusBadRequest, "BadRequestException", "Metrics.visits.Value", `value="many"`)
		groups := url.Values{"name": {"Groups"}, "mode": {"json"}, "json_kind": {"SegmentGroups"},
			"json": {`{"Groups":[{"SourceSegments":[{"Id":"` + segID + `"}]}],"Include":"ALL"}`}}
		r = e.post(base+"/new", base, groups)
		wantRedirect(t, "create with groups", r, base+"/")
		wantStatus(t, "groups are edited as JSON", e.get(r.location+"/edit"), http.StatusOK, "SourceSegments")
		if strings.Contains(e.get(r.location+"/edit").body, `value="form"`) {
			t.Error("a segment with SegmentGroups is offered the field form")
		}

		list := e.get(base)
		wantStatus(t, "list", list, http.StatusOK, "Gold", "Raw", "Groups")
		wantStatus(t, "unknown segment", e.get(base+"/0123456789abcdef0123456789abcdef"), http.StatusNotFound, "NotFoundException")
		wantRedirect(t, "delete", e.post(seg, seg+"/delete", url.Values{"sure": {"on"}}), base)
		wantStatus(t, "deleted", e.get(seg), http.StatusNotFound, "NotFoundException")
	})
}

func TestSegmentMembersPage(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustLogin()
		app := e.createApp("Shop")
		items := []map[string]any{}
		for i := range 25 {
			items = append(items, map[string]any{"Id": "ep-" + string(rune('a'+i)), "ChannelType": "EMAIL", "Address": string(rune('a'+i)) + "@example.com"})
		}
		e.api("PUT", "/v1/apps/"+app+"/endpoints", map[string]any{"Item": items})
		r := e.post("/console/apps/"+app+"/segments/new", "/console/apps/"+app+"/segments", url.Values{"name": {"All"}, "mode": {"json"}, "json": {"{}"}})
		seg := r.location
		first := e.fragment(seg + "/members")
		wantStatus(t, "first page", first, http.StatusOK, "ep-a", "ep-t", "Next page of members")
		i := strings.Index(first.body, seg+"/members?")
		next := strings.ReplaceAll(first.body[i:i+strings.Index(first.body[i:], `"`)], "&amp;", "&")
		second := e.get(next)
		wantStatus(t, "second page", second, http.StatusOK, "ep-u", "ep-y")
		if strings.Contains(second.body, "ep-t<") || strings.Contains(second.body, "Next page of members") {
			t.Errorf("second page repeats the first or has a next page")
		}
	})
}

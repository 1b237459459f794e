package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func segmentCases() []testCase {
	return []testCase{
		{"SegmentCreateGet", testSegmentCreateGet},
		{"SegmentCreateErrors", testSegmentCreateErrors},
		{"SegmentGetMissing", testSegmentGetMissing},
		{"SegmentList", testSegmentList},
		{"SegmentUpdateWritesVersions", testSegmentUpdateVersions},
		{"SegmentUpdateErrorAborts", testSegmentUpdateErrorAborts},
		{"SegmentConcurrentUpdates", testSegmentConcurrentUpdates},
		{"SegmentTags", testSegmentTags},
		{"SegmentDelete", testSegmentDelete},
		{"DeleteAppRemovesSegments", testDeleteAppRemovesSegments},
		{"SegmentImport", testSegmentImport},
		{"SegmentMembers", testSegmentMembers},
		{"ScanEndpoints", testScanEndpoints},
		{"ScanEndpointsSeesAcknowledgedWrites", testScanSeesWrites},
	}
}

// Segment IDs (32 lowercase hex digits, as the API makes them).
const (
	seg1 = "5e000000000000000000000000000001"
	seg2 = "5e000000000000000000000000000002"
	seg3 = "5e000000000000000000000000000003"
)

// A definition as a client may send it: the store keeps it byte for byte, whitespace, key order,
// empty objects and number spellings included.
const rawDims = `{ "Demographic": {}, "Attributes" : {"plan": {"Values": ["gold", "silver"], "AttributeType": "INCLUSIVE"}},
  "Metrics": {"sessions": {"ComparisonOperator": "GREATER_THAN", "Value": 1.50}}, "Location": {} }`

func newSegment(id, name string, h int) pinpoint.Segment {
	return pinpoint.Segment{
		ID: id, AppID: appA, Account: acct1, Name: name, Version: 7, // Version is ignored by CreateSegment
		Type:             pinpoint.SegmentTypeDimensional,
		Dimensions:       json.RawMessage(rawDims),
		CreationDate:     pinpoint.FormatTime(at(h)),
		LastModifiedDate: pinpoint.FormatTime(at(h)),
	}
}

func createSegment(t *testing.T, s store.Store, seg pinpoint.Segment) pinpoint.Segment {
	t.Helper()
	if err := s.CreateSegment(t.Context(), seg); err != nil {
		t.Fatalf("CreateSegment(%s): got %v, want nil", seg.ID, err)
	}
	seg.Version = 1
	return seg
}

func getSegment(t *testing.T, s store.Store, id string, version int) pinpoint.Segment {
	t.Helper()
	seg, err := s.GetSegment(t.Context(), acct1, appA, id, version)
	if err != nil {
		t.Fatalf("GetSegment(%s, %d): got %v, want nil", id, version, err)
	}
	return seg
}

// checkSegment compares segments field by field; definitions byte for byte.
func checkSegment(t *testing.T, what string, got, want pinpoint.Segment) {
	t.Helper()
	norm := func(s pinpoint.Segment) pinpoint.Segment {
		if len(s.Tags) == 0 {
			s.Tags = nil
		}
		if len(s.Dimensions) == 0 {
			s.Dimensions = nil
		}
		if len(s.SegmentGroups) == 0 {
			s.SegmentGroups = nil
		}
		return s
	}
	g, w := norm(got), norm(want)
	if string(g.Dimensions) != string(w.Dimensions) {
		t.Errorf("%s: Dimensions:\ngot  %s\nwant %s", what, g.Dimensions, w.Dimensions)
	}
	if string(g.SegmentGroups) != string(w.SegmentGroups) {
		t.Errorf("%s: SegmentGroups:\ngot  %s\nwant %s", what, g.SegmentGroups, w.SegmentGroups)
	}
	g.Dimensions, w.Dimensions, g.SegmentGroups, w.SegmentGroups = nil, nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\ngot  %+v\nwant %+v", what, g, w)
	}
}

func segmentVersions(segs []pinpoint.Segment) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = fmt.Sprintf("%s@%d", s.ID[len(s.ID)-1:], s.Version)
	}
	return out
}

func testSegmentCreateGet(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	want := newSegment(seg1, "gold users", 1)
	want.Tags = map[string]string{"team": "growth", "env": "prod"}
	want = createSegment(t, s, want)
	checkSegment(t, "GetSegment(latest)", getSegment(t, s, seg1, 0), want)
	checkSegment(t, "GetSegment(version 1)", getSegment(t, s, seg1, 1), want)

	groups := pinpoint.Segment{
		ID: seg2, AppID: appA, Account: acct1, Type: pinpoint.SegmentTypeDimensional,
		SegmentGroups:    json.RawMessage(`{"Include":"ALL","Groups":[{"SourceSegments":[{"Id":"` + seg1 + `"}],"Type":"ANY","Dimensions":[]}]}`),
		CreationDate:     pinpoint.FormatTime(at(2)),
		LastModifiedDate: pinpoint.FormatTime(at(2)),
	}
	groups = createSegment(t, s, groups)
	checkSegment(t, "GetSegment(groups, no name)", getSegment(t, s, seg2, 0), groups)

	bare := pinpoint.Segment{ID: seg3, AppID: appA, Account: acct1, Name: "everyone", Type: pinpoint.SegmentTypeDimensional,
		CreationDate: pinpoint.FormatTime(at(3)), LastModifiedDate: pinpoint.FormatTime(at(3))}
	bare = createSegment(t, s, bare)
	checkSegment(t, "GetSegment(no definition)", getSegment(t, s, seg3, 0), bare)
}

func testSegmentCreateErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	newApp(t, s, acct2, appB)
	first := createSegment(t, s, newSegment(seg1, "first", 1))
	wantErr(t, "CreateSegment(same ID)", s.CreateSegment(ctx, newSegment(seg1, "second", 2)), store.ErrExists)
	checkSegment(t, "GetSegment after a refused duplicate", getSegment(t, s, seg1, 0), first)

	other := newSegment(seg2, "other", 1)
	other.AppID = appB // acct2's app
	wantErr(t, "CreateSegment(another account's app)", s.CreateSegment(ctx, other), store.ErrAppNotFound)
	other.AppID = "f0000000000000000000000000000000"
	wantErr(t, "CreateSegment(no such app)", s.CreateSegment(ctx, other), store.ErrAppNotFound)
	_, err := s.GetSegment(ctx, acct2, appB, seg2, 0)
	wantErr(t, "GetSegment after a refused create", err, store.ErrSegmentNotFound)
}

func testSegmentGetMissing(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	createSegment(t, s, newSegment(seg1, "one", 1))
	_, err := s.GetSegment(ctx, acct1, appA, seg2, 0)
	wantErr(t, "GetSegment(no such segment)", err, store.ErrSegmentNotFound)
	_, err = s.GetSegment(ctx, acct1, appA, seg1, 2)
	wantErr(t, "GetSegment(no such version)", err, store.ErrSegmentNotFound)
	_, err = s.GetSegment(ctx, acct2, appA, seg1, 0)
	wantErr(t, "GetSegment(another account)", err, store.ErrAppNotFound)
	_, err = s.ListSegments(ctx, acct2, appA, "", 10)
	wantErr(t, "ListSegments(another account)", err, store.ErrAppNotFound)
	_, err = s.ListSegmentVersions(ctx, acct1, appA, seg2, 0, 10)
	wantErr(t, "ListSegmentVersions(no such segment)", err, store.ErrSegmentNotFound)
	_, err = s.ListSegmentVersions(ctx, acct2, appA, seg1, 0, 10)
	wantErr(t, "ListSegmentVersions(another account)", err, store.ErrAppNotFound)
	_, err = s.UpdateSegment(ctx, acct1, appA, seg2, func(*pinpoint.Segment) error { return nil })
	wantErr(t, "UpdateSegment(no such segment)", err, store.ErrSegmentNotFound)
	_, err = s.UpdateSegment(ctx, acct2, appA, seg1, func(*pinpoint.Segment) error { return nil })
	wantErr(t, "UpdateSegment(another account)", err, store.ErrAppNotFound)
	_, err = s.UpdateSegmentTags(ctx, acct1, appA, seg2, func(m map[string]string) (map[string]string, error) { return m, nil })
	wantErr(t, "UpdateSegmentTags(no such segment)", err, store.ErrSegmentNotFound)
	_, err = s.DeleteSegment(ctx, acct1, appA, seg2)
	wantErr(t, "DeleteSegment(no such segment)", err, store.ErrSegmentNotFound)
	_, err = s.DeleteSegment(ctx, acct2, appA, seg1)
	wantErr(t, "DeleteSegment(another account)", err, store.ErrAppNotFound)
	getSegment(t, s, seg1, 1)
}

func testSegmentList(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	newApp(t, s, acct1, appB)
	// Created out of order; listed in ID order, each at its latest version.
	for _, id := range []string{seg3, seg1, seg2} {
		createSegment(t, s, newSegment(id, "s"+id, 1))
	}
	if _, err := s.UpdateSegment(ctx, acct1, appA, seg2, func(seg *pinpoint.Segment) error { seg.Name = "renamed"; return nil }); err != nil {
		t.Fatalf("UpdateSegment: got %v, want nil", err)
	}
	other := newSegment("5e0000000000000000000000000000ff", "in app B", 1)
	other.AppID = appB
	createSegment(t, s, other)

	var got []pinpoint.Segment
	after := ""
	for {
		page, err := s.ListSegments(ctx, acct1, appA, after, 2)
		if err != nil {
			t.Fatalf("ListSegments(after %q): got %v, want nil", after, err)
		}
		if len(page) > 2 {
			t.Fatalf("ListSegments(limit 2): got %d segments", len(page))
		}
		got = append(got, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].ID
	}
	if g, w := segmentVersions(got), []string{"1@1", "2@2", "3@1"}; !reflect.DeepEqual(g, w) {
		t.Errorf("ListSegments pages: got %v, want %v", g, w)
	}
	if len(got) == 3 && got[1].Name != "renamed" {
		t.Errorf("ListSegments: segment 2 Name: got %q, want the latest version's %q", got[1].Name, "renamed")
	}
	empty, err := s.ListSegments(ctx, acct1, appA, seg3, 10)
	if err != nil || len(empty) != 0 {
		t.Errorf("ListSegments(after the last): got %v, %v; want none, nil", segmentVersions(empty), err)
	}
}

func testSegmentUpdateVersions(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	v1 := newSegment(seg1, "v1", 1)
	v1.Tags = map[string]string{"keep": "me"}
	v1 = createSegment(t, s, v1)

	groups := json.RawMessage(`{"Groups":[{"Dimensions":[{"Demographic":{"Platform":{"Values":["ios"]}}}]}],"Include":"ANY"}`)
	v2, err := s.UpdateSegment(ctx, acct1, appA, seg1, func(seg *pinpoint.Segment) error {
		if seg.Version != 1 || string(seg.Dimensions) != rawDims {
			t.Errorf("UpdateSegment: fn got version %d with %s, want the latest (1) with its definition", seg.Version, seg.Dimensions)
		}
		// What the store keeps whatever fn does:
		seg.ID, seg.AppID, seg.Account, seg.Version, seg.CreationDate, seg.Type = "x", "y", "z", 99, "never", pinpoint.SegmentTypeImport
		seg.Tags = map[string]string{"dropped": "yes"}
		// What fn decides:
		seg.Name, seg.Dimensions, seg.SegmentGroups = "v2", nil, groups
		seg.LastModifiedDate = pinpoint.FormatTime(at(5))
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateSegment: got %v, want nil", err)
	}
	want2 := v1
	want2.Version, want2.Name, want2.Dimensions, want2.SegmentGroups, want2.LastModifiedDate = 2, "v2", nil, groups, pinpoint.FormatTime(at(5))
	checkSegment(t, "UpdateSegment's result", v2, want2)
	checkSegment(t, "GetSegment(latest) after update", getSegment(t, s, seg1, 0), want2)
	checkSegment(t, "GetSegment(version 1) after update", getSegment(t, s, seg1, 1), v1)
	checkSegment(t, "GetSegment(version 2)", getSegment(t, s, seg1, 2), want2)

	// A name-only change is a version too.
	v3, err := s.UpdateSegment(ctx, acct1, appA, seg1, func(seg *pinpoint.Segment) error { seg.Name = "v3"; return nil })
	if err != nil {
		t.Fatalf("UpdateSegment(name only): got %v, want nil", err)
	}
	if v3.Version != 3 || string(v3.SegmentGroups) != string(groups) {
		t.Errorf("UpdateSegment(name only): got version %d with %s, want 3 with the definition kept", v3.Version, v3.SegmentGroups)
	}

	all, err := s.ListSegmentVersions(ctx, acct1, appA, seg1, 0, 10)
	if err != nil {
		t.Fatalf("ListSegmentVersions: got %v, want nil", err)
	}
	if g, w := segmentVersions(all), []string{"1@1", "1@2", "1@3"}; !reflect.DeepEqual(g, w) {
		t.Fatalf("ListSegmentVersions: got %v, want %v", g, w)
	}
	checkSegment(t, "ListSegmentVersions[0]", all[0], v1)
	checkSegment(t, "ListSegmentVersions[1]", all[1], want2)
	page, err := s.ListSegmentVersions(ctx, acct1, appA, seg1, 1, 1)
	if err != nil {
		t.Fatalf("ListSegmentVersions(after 1, limit 1): got %v, want nil", err)
	}
	if g, w := segmentVersions(page), []string{"1@2"}; !reflect.DeepEqual(g, w) {
		t.Errorf("ListSegmentVersions(after 1, limit 1): got %v, want %v", g, w)
	}
	page, err = s.ListSegmentVersions(ctx, acct1, appA, seg1, 3, 10)
	if err != nil || len(page) != 0 {
		t.Errorf("ListSegmentVersions(after the last): got %v, %v; want none, nil", segmentVersions(page), err)
	}
}

func testSegmentUpdateErrorAborts(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	v1 := createSegment(t, s, newSegment(seg1, "v1", 1))
	refused := pinpoint.BadRequest("no")
	_, err := s.UpdateSegment(ctx, acct1, appA, seg1, func(seg *pinpoint.Segment) error {
		seg.Name = "changed"
		return refused
	})
	if !errors.Is(err, refused) {
		t.Errorf("UpdateSegment(fn fails): got %v, want fn's error", err)
	}
	checkSegment(t, "GetSegment after a refused update", getSegment(t, s, seg1, 0), v1)
	_, err = s.GetSegment(ctx, acct1, appA, seg1, 2)
	wantErr(t, "GetSegment(version 2) after a refused update", err, store.ErrSegmentNotFound)
	_, err = s.UpdateSegmentTags(ctx, acct1, appA, seg1, func(map[string]string) (map[string]string, error) { return nil, refused })
	if !errors.Is(err, refused) {
		t.Errorf("UpdateSegmentTags(fn fails): got %v, want fn's error", err)
	}
}

// testSegmentConcurrentUpdates: concurrent updates each write their own version.
func testSegmentConcurrentUpdates(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	createSegment(t, s, newSegment(seg1, "v1", 1))
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.UpdateSegment(ctx, acct1, appA, seg1, func(seg *pinpoint.Segment) error {
				seg.Name = fmt.Sprintf("writer %d", i)
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("UpdateSegment(writer %d): got %v, want nil", i, err)
		}
	}
	all, err := s.ListSegmentVersions(ctx, acct1, appA, seg1, 0, 100)
	if err != nil {
		t.Fatalf("ListSegmentVersions: got %v, want nil", err)
	}
	names := map[string]bool{}
	for i, v := range all {
		if v.Version != i+1 {
			t.Errorf("version %d: got Version %d", i+1, v.Version)
		}
		names[v.Name] = true
	}
	if len(all) != n+1 || len(names) != n+1 {
		t.Errorf("after %d concurrent updates: got %d versions with %d distinct names, want %d of each", n, len(all), len(names), n+1)
	}
	if got := getSegment(t, s, seg1, 0).Version; got != n+1 {
		t.Errorf("latest version: got %d, want %d", got, n+1)
	}
}

func testSegmentTags(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	v1 := newSegment(seg1, "tagged", 1)
	v1.Tags = map[string]string{"a": "1"}
	createSegment(t, s, v1)
	got, err := s.UpdateSegmentTags(ctx, acct1, appA, seg1, func(tags map[string]string) (map[string]string, error) {
		if !reflect.DeepEqual(tags, map[string]string{"a": "1"}) {
			t.Errorf("UpdateSegmentTags: fn got %v, want the current tags", tags)
		}
		tags["b"] = "2"
		return tags, nil
	})
	if err != nil {
		t.Fatalf("UpdateSegmentTags: got %v, want nil", err)
	}
	want := map[string]string{"a": "1", "b": "2"}
	if got.Version != 1 || !reflect.DeepEqual(got.Tags, want) {
		t.Errorf("UpdateSegmentTags: got version %d tags %v, want version 1 (tags write no version) and %v", got.Version, got.Tags, want)
	}
	if _, err := s.UpdateSegment(ctx, acct1, appA, seg1, func(seg *pinpoint.Segment) error { seg.Name = "v2"; return nil }); err != nil {
		t.Fatalf("UpdateSegment: got %v, want nil", err)
	}
	// Tags belong to the segment: every version shows the current ones.
	for _, v := range []int{0, 1, 2} {
		if seg := getSegment(t, s, seg1, v); !reflect.DeepEqual(seg.Tags, want) {
			t.Errorf("GetSegment(version %d) tags: got %v, want %v", v, seg.Tags, want)
		}
	}
	got, err = s.UpdateSegmentTags(ctx, acct1, appA, seg1, func(map[string]string) (map[string]string, error) { return nil, nil })
	if err != nil || len(got.Tags) != 0 {
		t.Fatalf("UpdateSegmentTags(remove all): got %v, %v; want no tags, nil", got.Tags, err)
	}
	if seg := getSegment(t, s, seg1, 0); len(seg.Tags) != 0 {
		t.Errorf("GetSegment after removing every tag: got %v, want none", seg.Tags)
	}
}

func testSegmentDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	createSegment(t, s, newSegment(seg1, "v1", 1))
	keep := createSegment(t, s, newSegment(seg2, "keep", 1))
	v2, err := s.UpdateSegment(ctx, acct1, appA, seg1, func(seg *pinpoint.Segment) error { seg.Name = "v2"; return nil })
	if err != nil {
		t.Fatalf("UpdateSegment: got %v, want nil", err)
	}
	got, err := s.DeleteSegment(ctx, acct1, appA, seg1)
	if err != nil {
		t.Fatalf("DeleteSegment: got %v, want nil", err)
	}
	checkSegment(t, "DeleteSegment's result (the latest version)", got, v2)
	for _, v := range []int{0, 1, 2} {
		_, err := s.GetSegment(ctx, acct1, appA, seg1, v)
		wantErr(t, fmt.Sprintf("GetSegment(version %d) after delete", v), err, store.ErrSegmentNotFound)
	}
	_, err = s.ListSegmentVersions(ctx, acct1, appA, seg1, 0, 10)
	wantErr(t, "ListSegmentVersions after delete", err, store.ErrSegmentNotFound)
	list, err := s.ListSegments(ctx, acct1, appA, "", 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListSegments after delete: got %v, %v; want the other segment", segmentVersions(list), err)
	}
	checkSegment(t, "ListSegments after delete", list[0], keep)
	// The ID can be used again, from version 1.
	again := createSegment(t, s, newSegment(seg1, "again", 3))
	checkSegment(t, "GetSegment of a re-created segment", getSegment(t, s, seg1, 0), again)
}

func testDeleteAppRemovesSegments(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	createSegment(t, s, newSegment(seg1, "v1", 1))
	if _, err := s.DeleteApp(ctx, acct1, appA); err != nil {
		t.Fatalf("DeleteApp: got %v, want nil", err)
	}
	newApp(t, s, acct1, appA)
	_, err := s.GetSegment(ctx, acct1, appA, seg1, 0)
	wantErr(t, "GetSegment in a re-created app", err, store.ErrSegmentNotFound)
	list, err := s.ListSegments(ctx, acct1, appA, "", 10)
	if err != nil || len(list) != 0 {
		t.Errorf("ListSegments in a re-created app: got %v, %v; want none", segmentVersions(list), err)
	}
}

func testSegmentImport(t *testing.T, s store.Store) {
	newApp(t, s, acct1, appA)
	seg := pinpoint.Segment{ID: seg1, AppID: appA, Account: acct1, Name: "imported", Type: pinpoint.SegmentTypeImport,
		Import: &pinpoint.SegmentImportResource{ChannelCounts: map[string]int{"EMAIL": 2}, ExternalID: "x", Format: "CSV",
			RoleArn: "arn:aws:iam::1:role/r", S3URL: "s3://b/k", Size: 2},
		CreationDate: pinpoint.FormatTime(at(1)), LastModifiedDate: pinpoint.FormatTime(at(1))}
	seg = createSegment(t, s, seg)
	checkSegment(t, "GetSegment(IMPORT)", getSegment(t, s, seg1, 0), seg)
}

func listMembers(t *testing.T, s store.Store, appID, segID string, limit int) []string {
	t.Helper()
	var out []string
	after := ""
	for {
		page, err := s.ListSegmentMembers(t.Context(), acct1, appID, segID, after, limit)
		if err != nil {
			t.Fatalf("ListSegmentMembers(%s, after %q): got %v, want nil", segID, after, err)
		}
		out = append(out, page...)
		if len(page) < limit {
			return out
		}
		after = page[len(page)-1]
	}
}

func testSegmentMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	imp := func(id string) pinpoint.Segment {
		return pinpoint.Segment{ID: id, AppID: appA, Account: acct1, Name: "imported", Type: pinpoint.SegmentTypeImport,
			Import:       &pinpoint.SegmentImportResource{ExternalID: "x", Format: "CSV", RoleArn: "arn:aws:iam::1:role/r", S3URL: "s3://b/k"},
			CreationDate: pinpoint.FormatTime(at(1)), LastModifiedDate: pinpoint.FormatTime(at(1))}
	}
	createSegment(t, s, imp(seg1))
	createSegment(t, s, imp(seg2))
	createSegment(t, s, newSegment(seg3, "dimensional", 1))
	m := func(id, ch string) store.SegmentMember { return store.SegmentMember{EndpointID: id, ChannelType: ch} }

	if got := listMembers(t, s, appA, seg1, 10); len(got) != 0 {
		t.Errorf("members of a new IMPORT segment: got %v, want none", got)
	}
	if err := s.AddSegmentMembers(ctx, acct1, appA, seg1, []store.SegmentMember{m("ep-c", "EMAIL"), m("ep-a", "SMS"), m("ep-b", "EMAIL"), m("ep-a", "SMS")}); err != nil {
		t.Fatalf("AddSegmentMembers: got %v, want nil", err)
	}
	// Adding again (a piece run again) and adding an overlapping batch count only the new ones.
	if err := s.AddSegmentMembers(ctx, acct1, appA, seg1, []store.SegmentMember{m("ep-c", "EMAIL"), m("ep-a", "SMS"), m("ep-b", "EMAIL")}); err != nil {
		t.Fatalf("AddSegmentMembers again: got %v, want nil", err)
	}
	if err := s.AddSegmentMembers(ctx, acct1, appA, seg1, []store.SegmentMember{m("ep-b", "EMAIL"), m("ep-d", "APNS")}); err != nil {
		t.Fatalf("AddSegmentMembers overlapping: got %v, want nil", err)
	}
	if err := s.AddSegmentMembers(ctx, acct1, appA, seg2, []store.SegmentMember{m("ep-z", "EMAIL")}); err != nil {
		t.Fatalf("AddSegmentMembers(seg2): got %v, want nil", err)
	}
	want := []string{"ep-a", "ep-b", "ep-c", "ep-d"}
	for _, limit := range []int{1, 3, 10} {
		if got := listMembers(t, s, appA, seg1, limit); !slices.Equal(got, want) {
			t.Errorf("ListSegmentMembers(limit %d): got %v, want %v", limit, got, want)
		}
	}
	got := getSegment(t, s, seg1, 0)
	if got.Import == nil || got.Import.Size != 4 || !maps.Equal(got.Import.ChannelCounts, map[string]int{"EMAIL": 2, "SMS": 1, "APNS": 1}) {
		t.Errorf("ImportDefinition after adds: got %+v, want Size 4 and ChannelCounts EMAIL 2, SMS 1, APNS 1", got.Import)
	}
	if got.Version != 1 || got.Import.S3URL != "s3://b/k" {
		t.Errorf("after adds: got version %d, S3Url %q; want 1 and the definition kept", got.Version, got.Import.S3URL)
	}

	// Refusals: a missing segment, a DIMENSIONAL one, another account's app.
	if err := s.AddSegmentMembers(ctx, acct1, appA, "5e0000000000000000000000000000ff", []store.SegmentMember{m("ep-a", "")}); !errors.Is(err, store.ErrSegmentNotFound) {
		t.Errorf("AddSegmentMembers(missing segment): got %v, want ErrSegmentNotFound", err)
	}
	if err := s.AddSegmentMembers(ctx, acct1, appA, seg3, []store.SegmentMember{m("ep-a", "")}); err == nil {
		t.Errorf("AddSegmentMembers(DIMENSIONAL segment): got nil, want an error")
	}
	if got := listMembers(t, s, appA, seg3, 10); len(got) != 0 {
		t.Errorf("members of a DIMENSIONAL segment after a refused add: got %v", got)
	}
	if err := s.AddSegmentMembers(ctx, acct2, appA, seg1, []store.SegmentMember{m("ep-q", "")}); !errors.Is(err, store.ErrAppNotFound) {
		t.Errorf("AddSegmentMembers(other account): got %v, want ErrAppNotFound", err)
	}
	if _, err := s.ListSegmentMembers(ctx, acct2, appA, seg1, "", 10); !errors.Is(err, store.ErrAppNotFound) {
		t.Errorf("ListSegmentMembers(other account): got %v, want ErrAppNotFound", err)
	}

	// Deleting the segment deletes its members: a segment made again with that ID starts empty.
	if _, err := s.DeleteSegment(ctx, acct1, appA, seg1); err != nil {
		t.Fatalf("DeleteSegment: %v", err)
	}
	if got := listMembers(t, s, appA, seg1, 10); len(got) != 0 {
		t.Errorf("members of a deleted segment: got %v, want none", got)
	}
	createSegment(t, s, imp(seg1))
	if got := listMembers(t, s, appA, seg1, 10); len(got) != 0 {
		t.Errorf("members of a segment re-created with a deleted one's ID: got %v, want none", got)
	}
	if got := listMembers(t, s, appA, seg2, 10); !slices.Equal(got, []string{"ep-z"}) {
		t.Errorf("members of the other segment: got %v, want [ep-z]", got)
	}

	// Deleting the app deletes them too.
	if _, err := s.DeleteApp(ctx, acct1, appA); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	newApp(t, s, acct1, appA)
	createSegment(t, s, imp(seg2))
	if got := listMembers(t, s, appA, seg2, 10); len(got) != 0 {
		t.Errorf("members after the app was deleted and made again: got %v, want none", got)
	}
}

func scanAll(t *testing.T, s store.Store, account, appID string, limit int, userAttrs bool) []store.ScannedEndpoint {
	t.Helper()
	var out []store.ScannedEndpoint
	after := ""
	for {
		page, err := s.ScanEndpoints(t.Context(), account, appID, store.ScanQuery{After: after, Limit: limit, UserAttrs: userAttrs})
		if err != nil {
			t.Fatalf("ScanEndpoints(after %q): got %v, want nil", after, err)
		}
		if len(page) > limit {
			t.Fatalf("ScanEndpoints(limit %d): got %d endpoints", limit, len(page))
		}
		out = append(out, page...)
		if len(page) < limit {
			return out
		}
		after = page[len(page)-1].Endpoint.ID
	}
}

func testScanEndpoints(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	newApp(t, s, acct1, appB)
	if got := scanAll(t, s, acct1, appA, 2, true); len(got) != 0 {
		t.Errorf("ScanEndpoints of an empty app: got %d endpoints", len(got))
	}
	// IDs sort alike in byte order and in any collation.
	ids := []string{"ep-e", "ep-a", "ep-c", "ep-b", "ep-d"}
	for i, id := range ids {
		req := email(id+"@example.com", "")
		if i%2 == 0 {
			req.User = &pinpoint.UserRequest{UserID: str("user-" + id), UserAttributes: map[string][]string{"tier": {id}}}
		}
		put(t, s, id, req, at(i))
	}
	putIn(t, s, acct1, appB, "ep-in-b", email("b@example.com", ""), at(1))
	w := upd("ep-b", email("ep-b@example.com", ""), at(8))
	w.Events = []store.Event{event("ev-1", "_session.start", 7), event("ev-2", "_custom", 9), event("ev-3", "_custom", 3)}
	if _, err := write(ctx, s, acct1, appA, w); err != nil {
		t.Fatalf("WriteEndpoints with events: got %v, want nil", err)
	}

	for _, limit := range []int{1, 2, 5, 100} {
		for _, userAttrs := range []bool{true, false} {
			got := scanAll(t, s, acct1, appA, limit, userAttrs)
			if g, w := scannedIDs(got), []string{"ep-a", "ep-b", "ep-c", "ep-d", "ep-e"}; !reflect.DeepEqual(g, w) {
				t.Fatalf("ScanEndpoints(pages of %d): got %v, want %v", limit, g, w)
			}
			for _, se := range got {
				want := get(t, s, se.Endpoint.ID)
				if !userAttrs {
					want.User.UserAttributes = nil
				}
				checkEndpoint(t, fmt.Sprintf("ScanEndpoints(userAttrs %v): endpoint %s", userAttrs, se.Endpoint.ID), se.Endpoint, want)
				wantLast := time.Time{} // no event
				if se.Endpoint.ID == "ep-b" {
					wantLast = at(9) // the latest of its events, not the last recorded
				}
				if !se.LastEventAt.Equal(wantLast) {
					t.Errorf("ScanEndpoints: endpoint %s LastEventAt: got %v, want %v", se.Endpoint.ID, se.LastEventAt, wantLast)
				}
			}
		}
	}
	if got := scanAll(t, s, acct1, appA, 100, true); len(got) == 5 {
		checkUserAttrs(t, got[4].Endpoint, map[string][]string{"tier": {"ep-e"}}) // ep-e has a user
	}
	_, err := s.ScanEndpoints(ctx, acct2, appA, store.ScanQuery{Limit: 10, UserAttrs: true})
	wantErr(t, "ScanEndpoints(another account)", err, store.ErrAppNotFound)
	for _, c := range []struct {
		q    store.ScanQuery
		want []string
	}{
		{store.ScanQuery{After: "ep-c", Limit: 10}, []string{"ep-d", "ep-e"}},
		{store.ScanQuery{Until: "ep-b", Limit: 10}, []string{"ep-a", "ep-b"}},
		{store.ScanQuery{After: "ep-a", Until: "ep-d", Limit: 10}, []string{"ep-b", "ep-c", "ep-d"}},
		{store.ScanQuery{After: "ep-a", Until: "ep-d", Limit: 2, UserAttrs: true}, []string{"ep-b", "ep-c"}},
		{store.ScanQuery{After: "ep-a", Until: "ep-bb", Limit: 10}, []string{"ep-b"}}, // bounds need not exist
		{store.ScanQuery{After: "ep-d", Until: "ep-c", Limit: 10}, []string{}},
	} {
		page, err := s.ScanEndpoints(ctx, acct1, appA, c.q)
		if got := scannedIDs(page); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ScanEndpoints(%+v): got %v, %v; want %v", c.q, got, err, c.want)
		}
	}
}

// testScanSeesWrites: each page reflects every write acknowledged before it is read, including
// deletes and changes to endpoints the scan has not reached yet.
func testScanSeesWrites(t *testing.T, s store.Store) {
	ctx := t.Context()
	newApp(t, s, acct1, appA)
	for _, id := range []string{"ep-1", "ep-2", "ep-3", "ep-4"} {
		put(t, s, id, email(id+"@example.com", ""), at(0))
	}
	page, err := s.ScanEndpoints(ctx, acct1, appA, store.ScanQuery{Limit: 2, UserAttrs: true})
	if err != nil || !reflect.DeepEqual(scannedIDs(page), []string{"ep-1", "ep-2"}) {
		t.Fatalf("ScanEndpoints(first page): got %v, %v", scannedIDs(page), err)
	}
	if _, err := s.DeleteEndpoint(ctx, acct1, appA, "ep-3"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "ep-4", pinpoint.EndpointRequest{Attributes: map[string][]string{"seen": {"yes"}}}, at(1))
	put(t, s, "ep-5", email("ep-5@example.com", ""), at(1))
	page, err = s.ScanEndpoints(ctx, acct1, appA, store.ScanQuery{After: "ep-2", Limit: 2})
	if err != nil || !reflect.DeepEqual(scannedIDs(page), []string{"ep-4", "ep-5"}) {
		t.Fatalf("ScanEndpoints(second page): got %v, %v; want [ep-4 ep-5]", scannedIDs(page), err)
	}
	if got := page[0].Endpoint.Attributes["seen"]; !reflect.DeepEqual(got, []string{"yes"}) {
		t.Errorf("ScanEndpoints: ep-4's attribute seen: got %v, want [yes] (written before the page was read)", got)
	}
}

func scannedIDs(es []store.ScannedEndpoint) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Endpoint.ID
	}
	return out
}

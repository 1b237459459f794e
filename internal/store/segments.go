package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"pinpointd/internal/pinpoint"
)

// SegmentColumns are the columns ScanSegment reads, in its order, as a backend's SELECT names
// them with v for the version's table and s for the segment's: the version's definition exactly
// as stored and the segment's tags.
const SegmentColumns = "v.segment_id, v.version, v.name, v.segment_type, v.dimensions, v.segment_groups, " +
	"COALESCE(v.import_definition, ''), v.creation_date, v.last_modified_date, s.tags"

// ScanSegment reads one row of SegmentColumns into a Segment of the app and account given.
func ScanSegment(row interface{ Scan(...any) error }, account, appID string) (pinpoint.Segment, error) {
	seg := pinpoint.Segment{AppID: appID, Account: account}
	var dims, groups []byte
	var imp, tags string
	if err := row.Scan(&seg.ID, &seg.Version, &seg.Name, &seg.Type, &dims, &groups, &imp, &seg.CreationDate, &seg.LastModifiedDate, &tags); err != nil {
		return seg, err
	}
	if len(dims) > 0 {
		seg.Dimensions = json.RawMessage(dims)
	}
	if len(groups) > 0 {
		seg.SegmentGroups = json.RawMessage(groups)
	}
	if imp != "" {
		seg.Import = new(pinpoint.SegmentImportResource)
		if err := json.Unmarshal([]byte(imp), seg.Import); err != nil {
			return seg, fmt.Errorf("store: decode segment import definition: %w", err)
		}
	}
	if err := DecodeJSON(tags, &seg.Tags); err != nil {
		return seg, err
	}
	if len(seg.Tags) == 0 {
		seg.Tags = nil
	}
	return seg, nil
}

// SegmentValues returns the stored forms of a segment version's columns (after the key): name,
// segment_type, dimensions, segment_groups (nil when absent), import_definition ("" when none),
// creation_date and last_modified_date; and the segment's tags as JSON.
func SegmentValues(seg *pinpoint.Segment) (vals []any, tags string, err error) {
	var imp string
	if seg.Import != nil {
		b, err := json.Marshal(seg.Import)
		if err != nil {
			return nil, "", fmt.Errorf("store: encode segment import definition: %w", err)
		}
		imp = string(b)
	}
	if tags, err = EncodeJSON(orEmptyMap(seg.Tags)); err != nil {
		return nil, "", err
	}
	return []any{seg.Name, seg.Type, nilIfEmpty(seg.Dimensions), nilIfEmpty(seg.SegmentGroups), nilIfEmptyString(imp), seg.CreationDate, seg.LastModifiedDate}, tags, nil
}

// NextSegmentVersion applies fn to a copy of old, the latest version, and returns the version to
// store after it: what fn changed, with the segment's identity, type, tags and creation date kept
// and the version number one higher. An error from fn is returned as is.
func NextSegmentVersion(old pinpoint.Segment, fn func(*pinpoint.Segment) error) (pinpoint.Segment, error) {
	seg := old
	seg.Tags = maps.Clone(old.Tags)
	if err := fn(&seg); err != nil {
		return pinpoint.Segment{}, err
	}
	seg.ID, seg.AppID, seg.Account, seg.Type, seg.Tags, seg.CreationDate = old.ID, old.AppID, old.Account, old.Type, old.Tags, old.CreationDate
	seg.Version = old.Version + 1
	return seg, nil
}

func nilIfEmpty(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return []byte(b)
}

func nilIfEmptyString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// DecodeTags decodes a tags column; never nil.
func DecodeTags(s string) (map[string]string, error) {
	m := map[string]string{}
	if err := DecodeJSON(s, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}

// AddMembersToImport returns the import definition of an IMPORT segment with the new members
// added counted (their endpoint IDs in added; members gives each one's channel), as the JSON
// the import_definition column holds. seg must be an IMPORT segment.
func AddMembersToImport(seg *pinpoint.Segment, members []SegmentMember, added map[string]bool) (string, error) {
	if seg.Import == nil {
		return "", fmt.Errorf("store: segment %s is not an IMPORT segment: it has no members", seg.ID)
	}
	imp := *seg.Import
	imp.ChannelCounts = maps.Clone(imp.ChannelCounts)
	for _, m := range members {
		if !added[m.EndpointID] {
			continue
		}
		delete(added, m.EndpointID) // a member listed twice counts once
		imp.Size++
		if m.ChannelType != "" {
			if imp.ChannelCounts == nil {
				imp.ChannelCounts = map[string]int{}
			}
			imp.ChannelCounts[m.ChannelType]++
		}
	}
	b, err := json.Marshal(imp)
	if err != nil {
		return "", fmt.Errorf("store: encode segment import definition: %w", err)
	}
	return string(b), nil
}

// memberPage is how many member IDs ImportMembers reads per ListSegmentMembers call.
const memberPage = 10000

// ImportMembers reads every member of an IMPORT segment into memory and returns its definition
// for pinpoint.CompileSegment (pinpoint.ImportMembers over that set). The set costs about the
// size of the IDs plus a map entry each (some 100 bytes per member with 32-character IDs: 25 MB
// for the 250,000 endpoints of a full import job); it lives as long as the compiled matcher.
func ImportMembers(ctx context.Context, st Store, account, appID, segmentID string) (*pinpoint.SegmentDefinition, error) {
	set := map[string]struct{}{}
	after := ""
	for {
		page, err := st.ListSegmentMembers(ctx, account, appID, segmentID, after, memberPage)
		if err != nil {
			return nil, err
		}
		for _, id := range page {
			set[id] = struct{}{}
		}
		if len(page) < memberPage {
			break
		}
		after = page[len(page)-1]
	}
	return pinpoint.ImportMembers(func(id string) bool {
		_, ok := set[id]
		return ok
	}), nil
}

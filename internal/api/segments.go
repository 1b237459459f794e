package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

const (
	// maxSegmentPageSize bounds page-size for the segment lists and the endpoints of a segment
	// (DESIGN.md: default 20, maximum 100).
	maxSegmentPageSize = 100
	// scanPageSize is how many endpoints one ScanEndpoints call reads while evaluating a segment:
	// large enough that the per-statement cost vanishes, small enough to keep a page in a few MB.
	scanPageSize = 1000
)

// segmentArn is the ARN of a segment, as Pinpoint forms it.
func (s *Server) segmentArn(account, appID, id string) string {
	return s.arn(account, appID) + "/segments/" + id
}

func (s *Server) segmentResponse(seg pinpoint.Segment) pinpoint.SegmentResponse {
	return pinpoint.SegmentResponse{
		ApplicationID:    seg.AppID,
		Arn:              s.segmentArn(seg.Account, seg.AppID, seg.ID),
		CreationDate:     seg.CreationDate,
		Dimensions:       seg.Dimensions,
		ID:               seg.ID,
		ImportDefinition: seg.Import,
		LastModifiedDate: seg.LastModifiedDate,
		Name:             seg.Name,
		SegmentGroups:    seg.SegmentGroups,
		SegmentType:      seg.Type,
		Tags:             seg.Tags,
		Version:          seg.Version,
	}
}

// decodeSegmentRequest decodes a WriteSegmentRequest; a member sent as JSON null counts as absent.
func decodeSegmentRequest(body []byte) (pinpoint.WriteSegmentRequest, error) {
	var in pinpoint.WriteSegmentRequest
	if err := decode(body, &in); err != nil {
		return in, err
	}
	for _, raw := range []*json.RawMessage{&in.Dimensions, &in.SegmentGroups} {
		if bytes.Equal(bytes.TrimSpace(*raw), []byte("null")) {
			*raw = nil
		}
	}
	return in, nil
}

// checkDefinition validates a definition before it is stored as segment selfID ("" for a new
// segment): it must parse, every source segment it names must exist, and it must compile (no
// cycle through selfID, whose latest version is taken to be this definition, and no chain too
// deep). Every failure is a BadRequestException naming the member.
func (s *Server) checkDefinition(r *request, selfID string, dims, groups json.RawMessage) error {
	def, err := pinpoint.ParseSegmentDefinition(dims, groups)
	if err != nil {
		return err
	}
	refs := def.SourceSegments()
	paths := sourcePaths(groups, len(refs))
	for i, ref := range refs {
		if ref.ID == selfID && ref.Version == 0 {
			continue // this very definition; compiling finds the cycle
		}
		_, err := s.store.GetSegment(r.ctx, r.principal.Account, r.labels["app"], ref.ID, ref.Version)
		if errors.Is(err, store.ErrSegmentNotFound) {
			if ref.Version != 0 {
				return pinpoint.BadRequest("%s: segment %q has no version %d", paths[i], ref.ID, ref.Version)
			}
			return pinpoint.BadRequest("%s.Id: segment %q does not exist in this application", paths[i], ref.ID)
		}
		if err != nil {
			return err
		}
	}
	_, _, err = s.compile(r, def, selfID)
	return err
}

// sourcePaths names the n source segments of a definition's SegmentGroups, in the order
// SourceSegments returns them (order of appearance), e.g. "SegmentGroups.Groups[1].SourceSegments[0]".
func sourcePaths(groups json.RawMessage, n int) []string {
	var g struct {
		Groups []struct{ SourceSegments []json.RawMessage }
	}
	var paths []string
	if json.Unmarshal(groups, &g) == nil {
		for i, grp := range g.Groups {
			for k := range grp.SourceSegments {
				paths = append(paths, fmt.Sprintf("SegmentGroups.Groups[%d].SourceSegments[%d]", i, k))
			}
		}
	}
	if len(paths) != n { // cannot happen for a definition that parsed; keep messages sensible anyway
		paths = make([]string, n)
		for i := range paths {
			paths[i] = fmt.Sprintf("SegmentGroups: source segment %d", i+1)
		}
	}
	return paths
}

// compile compiles def at the server's current time, resolving source segments through the store.
// When selfID is not "", def stands for that segment's latest version (an update being checked).
// users reports whether def or a source it resolved has UserAttributes criteria, that is whether
// the matcher needs the endpoints' user attributes.
func (s *Server) compile(r *request, def *pinpoint.SegmentDefinition, selfID string) (m *pinpoint.Matcher, users bool, err error) {
	resolve := func(id string, version int) (*pinpoint.SegmentDefinition, error) {
		if selfID != "" && id == selfID && version == 0 {
			return def, nil
		}
		seg, err := s.store.GetSegment(r.ctx, r.principal.Account, r.labels["app"], id, version)
		if errors.Is(err, store.ErrSegmentNotFound) {
			return nil, pinpoint.ErrSourceNotFound
		}
		if err != nil {
			return nil, err
		}
		if seg.Type == pinpoint.SegmentTypeImport {
			return store.ImportMembers(r.ctx, s.store, r.principal.Account, r.labels["app"], id)
		}
		users = users || usesUserAttributes(seg.Dimensions, seg.SegmentGroups)
		return pinpoint.ParseSegmentDefinition(seg.Dimensions, seg.SegmentGroups)
	}
	m, err = pinpoint.CompileSegment(def, resolve, s.now())
	if errors.Is(err, pinpoint.ErrSourceNotFound) && pinpoint.ErrorCode(err) == "" {
		return nil, false, pinpoint.BadRequest("SegmentGroups: SourceSegments: a source segment does not exist (%v)", err)
	}
	return m, users, err
}

// usesUserAttributes reports whether a stored definition has UserAttributes criteria. It reads
// only the members that can hold them; a definition it cannot read counts as having them.
func usesUserAttributes(dims, groups json.RawMessage) bool {
	type dimensions struct {
		UserAttributes map[string]json.RawMessage
	}
	if len(dims) > 0 {
		var d dimensions
		return json.Unmarshal(dims, &d) != nil || len(d.UserAttributes) > 0
	}
	if len(groups) > 0 {
		var g struct {
			Groups []struct{ Dimensions []dimensions }
		}
		if json.Unmarshal(groups, &g) != nil {
			return true
		}
		for _, grp := range g.Groups {
			for _, d := range grp.Dimensions {
				if len(d.UserAttributes) > 0 {
					return true
				}
			}
		}
	}
	return false
}

func (s *Server) createSegment(r *request) (int, any, error) {
	in, err := decodeSegmentRequest(r.body)
	if err != nil {
		return 0, nil, err
	}
	if err := pinpoint.ValidateTags(in.Tags, 0); err != nil {
		return 0, nil, err
	}
	if err := s.checkDefinition(r, "", in.Dimensions, in.SegmentGroups); err != nil {
		return 0, nil, err
	}
	now := pinpoint.FormatTime(s.now())
	seg := pinpoint.Segment{
		ID:               s.newID(),
		AppID:            r.labels["app"],
		Account:          r.principal.Account,
		Version:          1,
		Type:             pinpoint.SegmentTypeDimensional,
		Dimensions:       in.Dimensions,
		SegmentGroups:    in.SegmentGroups,
		Tags:             in.Tags,
		CreationDate:     now,
		LastModifiedDate: now,
	}
	if in.Name != nil {
		seg.Name = *in.Name
	}
	if len(seg.Tags) == 0 {
		seg.Tags = nil
	}
	if err := s.store.CreateSegment(r.ctx, seg); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s.segmentResponse(seg), nil
}

func (s *Server) getSegment(r *request) (int, any, error) {
	seg, err := s.store.GetSegment(r.ctx, r.principal.Account, r.labels["app"], r.labels["segment"], 0)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.segmentResponse(seg), nil
}

func (s *Server) getSegments(r *request) (int, any, error) {
	q := r.http.URL.Query()
	size, err := segmentPageSize(q.Get("page-size"))
	if err != nil {
		return 0, nil, err
	}
	segs, err := s.store.ListSegments(r.ctx, r.principal.Account, r.labels["app"], q.Get("token"), size+1)
	if err != nil {
		return 0, nil, err
	}
	out := pinpoint.SegmentsResponse{Item: make([]pinpoint.SegmentResponse, 0, len(segs))}
	if len(segs) > size {
		segs = segs[:size]
		out.NextToken = segs[size-1].ID
	}
	for _, seg := range segs {
		out.Item = append(out.Item, s.segmentResponse(seg))
	}
	return http.StatusOK, out, nil
}

// updateSegment writes a new version. Dimensions or SegmentGroups, when sent, replace the whole
// definition; when neither is sent the definition is kept. Name is kept when omitted. tags are
// ignored, as Pinpoint documents for update operations.
func (s *Server) updateSegment(r *request) (int, any, error) {
	in, err := decodeSegmentRequest(r.body)
	if err != nil {
		return 0, nil, err
	}
	id := r.labels["segment"]
	cur, err := s.store.GetSegment(r.ctx, r.principal.Account, r.labels["app"], id, 0)
	if err != nil {
		return 0, nil, err
	}
	if cur.Type == pinpoint.SegmentTypeImport {
		return 0, nil, pinpoint.BadRequest("Segment %q is an IMPORT segment; imported segments cannot be updated", id)
	}
	newDef := in.Dimensions != nil || in.SegmentGroups != nil
	if newDef {
		if err := s.checkDefinition(r, id, in.Dimensions, in.SegmentGroups); err != nil {
			return 0, nil, err
		}
	}
	now := pinpoint.FormatTime(s.now())
	seg, err := s.store.UpdateSegment(r.ctx, r.principal.Account, r.labels["app"], id, func(seg *pinpoint.Segment) error {
		if seg.Type == pinpoint.SegmentTypeImport {
			return pinpoint.BadRequest("Segment %q is an IMPORT segment; imported segments cannot be updated", id)
		}
		if in.Name != nil {
			seg.Name = *in.Name
		}
		if newDef {
			seg.Dimensions, seg.SegmentGroups = in.Dimensions, in.SegmentGroups
		}
		seg.LastModifiedDate = now
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.segmentResponse(seg), nil
}

func (s *Server) deleteSegment(r *request) (int, any, error) {
	seg, err := s.store.DeleteSegment(r.ctx, r.principal.Account, r.labels["app"], r.labels["segment"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.segmentResponse(seg), nil
}

func (s *Server) getSegmentVersion(r *request) (int, any, error) {
	v, err := strconv.Atoi(r.labels["version"])
	if err != nil || v < 1 {
		return 0, nil, pinpoint.Errorf(pinpoint.CodeNotFound, "Resource not found: version '%s' of segment '%s'", r.labels["version"], r.labels["segment"])
	}
	seg, err := s.store.GetSegment(r.ctx, r.principal.Account, r.labels["app"], r.labels["segment"], v)
	if errors.Is(err, store.ErrSegmentNotFound) {
		return 0, nil, pinpoint.Errorf(pinpoint.CodeNotFound, "Resource not found: version %d of segment '%s'", v, r.labels["segment"])
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.segmentResponse(seg), nil
}

func (s *Server) getSegmentVersions(r *request) (int, any, error) {
	q := r.http.URL.Query()
	size, err := segmentPageSize(q.Get("page-size"))
	if err != nil {
		return 0, nil, err
	}
	after := 0
	if t := q.Get("token"); t != "" {
		if after, err = strconv.Atoi(t); err != nil || after < 0 {
			return 0, nil, pinpoint.BadRequest("token %q is not a token GetSegmentVersions returned", t)
		}
	}
	segs, err := s.store.ListSegmentVersions(r.ctx, r.principal.Account, r.labels["app"], r.labels["segment"], after, size+1)
	if err != nil {
		return 0, nil, err
	}
	out := pinpoint.SegmentsResponse{Item: make([]pinpoint.SegmentResponse, 0, len(segs))}
	if len(segs) > size {
		segs = segs[:size]
		out.NextToken = strconv.Itoa(segs[size-1].Version)
	}
	for _, seg := range segs {
		out.Item = append(out.Item, s.segmentResponse(seg))
	}
	return http.StatusOK, out, nil
}

// segmentPageSize parses the page-size query parameter of the segment routes.
func segmentPageSize(v string) (int, error) {
	if v == "" {
		return pinpoint.DefaultPageSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxSegmentPageSize {
		return 0, pinpoint.BadRequest("page-size %q must be a whole number from 1 to %d", v, maxSegmentPageSize)
	}
	return n, nil
}

// SegmentSize is the body of GetSegmentSize, a pinpointd extension: how many endpoints a segment
// version selects, and how many distinct users (UserId) those endpoints belong to.
type SegmentSize struct {
	ApplicationID string `json:"ApplicationId"`
	SegmentID     string `json:"SegmentId"`
	Version       int    `json:"Version"`
	Endpoints     int    `json:"Endpoints"`
	Users         int    `json:"Users"`
}

// SegmentEndpoints is the body of GetSegmentEndpoints, a pinpointd extension: a page of the
// endpoints a segment version selects, in ID order.
type SegmentEndpoints struct {
	Item      []pinpoint.Endpoint `json:"Item"`
	NextToken string              `json:"NextToken,omitempty"`
}

// matcher loads the segment version the request names (query parameter version; default the
// latest) and compiles it at the server's current time; users reports whether it needs the
// endpoints' user attributes.
func (s *Server) matcher(r *request) (m *pinpoint.Matcher, seg pinpoint.Segment, users bool, err error) {
	version := 0
	if v := r.http.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, seg, false, pinpoint.BadRequest("version %q must be a whole number from 1", v)
		}
		version = n
	}
	seg, err = s.store.GetSegment(r.ctx, r.principal.Account, r.labels["app"], r.labels["segment"], version)
	if errors.Is(err, store.ErrSegmentNotFound) && version != 0 {
		return nil, seg, false, pinpoint.Errorf(pinpoint.CodeNotFound, "Resource not found: version %d of segment '%s'", version, r.labels["segment"])
	}
	if err != nil {
		return nil, seg, false, err
	}
	var def *pinpoint.SegmentDefinition
	if seg.Type == pinpoint.SegmentTypeImport {
		def, err = store.ImportMembers(r.ctx, s.store, r.principal.Account, r.labels["app"], seg.ID)
	} else {
		def, err = pinpoint.ParseSegmentDefinition(seg.Dimensions, seg.SegmentGroups)
	}
	if err != nil {
		return nil, seg, false, err
	}
	m, users, err = s.compile(r, def, "")
	return m, seg, users || usesUserAttributes(seg.Dimensions, seg.SegmentGroups), err
}

// scanMatches calls fn with each endpoint in rng (After, Until, UserAttrs of a store.ScanQuery)
// that m selects, in ID order, until fn returns false or the range runs out, and returns the last
// ID of each page it read. Pages are read by one goroutine while this one evaluates the previous
// page; each page reflects every write acknowledged before it was read, so the result reflects
// every write acknowledged before the call.
func (s *Server) scanMatches(r *request, m *pinpoint.Matcher, rng store.ScanQuery, fn func(*store.ScannedEndpoint) bool) (marks []string, err error) {
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	type page struct {
		eps []store.ScannedEndpoint
		err error
	}
	pages := make(chan page, 1)
	rng.Limit = scanPageSize
	go func() {
		defer close(pages)
		for {
			eps, err := s.store.ScanEndpoints(ctx, r.principal.Account, r.labels["app"], rng)
			select {
			case pages <- page{eps, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(eps) < scanPageSize {
				return
			}
			rng.After = eps[len(eps)-1].Endpoint.ID
		}
	}()
	var in pinpoint.MatchInput
	for p := range pages {
		if p.err != nil {
			return nil, p.err
		}
		if len(p.eps) > 0 {
			marks = append(marks, p.eps[len(p.eps)-1].Endpoint.ID)
		}
		for i := range p.eps {
			se := &p.eps[i]
			in = pinpoint.MatchInput{Endpoint: &se.Endpoint, LastEventAt: se.LastEventAt}
			if m.Match(&in) && !fn(se) {
				return marks, nil
			}
		}
	}
	return marks, ctx.Err()
}

// splitHints remembers, per app, the endpoint ID in the middle of the app's last size: the next
// size of the app scans the IDs up to it and those after it at once, a core each. Any ID splits
// correctly (the two ranges cover every ID once); the hint only balances them. Per process,
// forgotten on restart, and at most maxSplitHints apps are remembered. The zero value is ready.
type splitHints struct {
	m sync.Map // account + "/" + app → ID
	n atomic.Int64
}

const maxSplitHints = 4096

func (h *splitHints) get(key string) (string, bool) {
	v, ok := h.m.Load(key)
	if !ok {
		return "", false
	}
	return v.(string), true
}

func (h *splitHints) forget(key string) {
	if _, loaded := h.m.LoadAndDelete(key); loaded {
		h.n.Add(-1)
	}
}

func (h *splitHints) put(key, mid string) {
	if _, loaded := h.m.Swap(key, mid); !loaded && h.n.Add(1) > maxSplitHints {
		h.m.Clear()
		h.n.Store(0)
	}
}

// getSegmentSize counts the endpoints a segment selects and their distinct users. Users are
// counted by a 64-bit hash of the UserId (8 bytes per matching endpoint instead of the IDs
// themselves); two different IDs of one segment sharing a hash, which at a million users has
// odds of about 3 in 100 million, would count as one.
//
// An app that took more than one page at its last size is scanned in two ID ranges at once (see
// splitHints).
func (s *Server) getSegmentSize(r *request) (int, any, error) {
	m, seg, users, err := s.matcher(r)
	if err != nil {
		return 0, nil, err
	}
	key := r.principal.Account + "/" + seg.AppID
	ranges := []store.ScanQuery{{UserAttrs: users}}
	if mid, ok := s.splits.get(key); ok {
		ranges = []store.ScanQuery{{Until: mid, UserAttrs: users}, {After: mid, UserAttrs: users}}
	}
	type part struct {
		endpoints int
		users     []uint64
		marks     []string
		err       error
	}
	parts := make([]part, len(ranges))
	seed := maphash.MakeSeed()
	var wg sync.WaitGroup
	for i, rng := range ranges {
		wg.Go(func() {
			p := &parts[i]
			p.marks, p.err = s.scanMatches(r, m, rng, func(se *store.ScannedEndpoint) bool {
				p.endpoints++
				if u := se.Endpoint.User.UserID; u != "" {
					p.users = append(p.users, maphash.String(seed, u))
				}
				return true
			})
		})
	}
	wg.Wait()
	endpoints, userHashes, marks := 0, parts[0].users, []string(nil)
	for i := range parts {
		if parts[i].err != nil {
			return 0, nil, parts[i].err
		}
		endpoints += parts[i].endpoints
		if i > 0 {
			userHashes = append(userHashes, parts[i].users...)
		}
		marks = append(marks, parts[i].marks...)
	}
	if len(marks) > 2 {
		s.splits.put(key, marks[len(marks)/2])
	} else {
		s.splits.forget(key)
	}
	slices.Sort(userHashes)
	return http.StatusOK, SegmentSize{
		ApplicationID: seg.AppID, SegmentID: seg.ID, Version: seg.Version,
		Endpoints: endpoints, Users: len(slices.Compact(userHashes)),
	}, nil
}

// getSegmentEndpoints answers a page of the endpoints a segment selects. The token is the last
// endpoint ID of the previous page, base64url-encoded.
func (s *Server) getSegmentEndpoints(r *request) (int, any, error) {
	q := r.http.URL.Query()
	size, err := segmentPageSize(q.Get("page-size"))
	if err != nil {
		return 0, nil, err
	}
	after := ""
	if t := q.Get("token"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil || len(b) == 0 {
			return 0, nil, pinpoint.BadRequest("token %q is not a token GetSegmentEndpoints returned", t)
		}
		after = string(b)
	}
	m, _, _, err := s.matcher(r)
	if err != nil {
		return 0, nil, err
	}
	out := SegmentEndpoints{Item: []pinpoint.Endpoint{}}
	more := false
	// The answer holds whole endpoints, user attributes included.
	_, err = s.scanMatches(r, m, store.ScanQuery{After: after, UserAttrs: true}, func(se *store.ScannedEndpoint) bool {
		if len(out.Item) == size {
			more = true // one more match exists: there is a next page
			return false
		}
		out.Item = append(out.Item, se.Endpoint)
		return true
	})
	if err != nil {
		return 0, nil, err
	}
	if more {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(out.Item[len(out.Item)-1].ID))
	}
	return http.StatusOK, out, nil
}

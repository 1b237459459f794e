package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"unicode/utf8"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// putEvents records events and upserts the endpoint each batch names. Results are per endpoint and
// per event inside the 202: an invalid endpoint or event is reported with StatusCode 400 and its
// reason, and the rest is stored. Recording an event ID again for the same endpoint stores it once,
// so a client may retry a request safely.
func (s *Server) putEvents(r *request) (int, any, error) {
	// The app is checked first: a batch whose items are all invalid never reaches the store.
	if _, err := s.store.GetApp(r.ctx, r.principal.Account, r.labels["app"]); err != nil {
		return 0, nil, err
	}
	var in pinpoint.EventsRequest
	if err := decode(r.body, &in); err != nil {
		return 0, nil, err
	}
	if in.BatchItem == nil {
		return 0, nil, pinpoint.BadRequest("BatchItem is required")
	}
	total := 0
	for _, b := range in.BatchItem {
		total += len(b.Events)
	}
	if total > pinpoint.MaxEventsPerRequest {
		return 0, nil, pinpoint.BadRequest("BatchItem holds %d events; the limit is %d per request", total, pinpoint.MaxEventsPerRequest)
	}

	ids := make([]string, 0, len(in.BatchItem))
	for id := range in.BatchItem {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	results := make(map[string]pinpoint.ItemResponse, len(ids))
	var writes []store.EndpointWrite
	for _, id := range ids {
		b := in.BatchItem[id]
		item := pinpoint.ItemResponse{EventsItemResponse: make(map[string]pinpoint.ItemResult, len(b.Events))}
		field := "BatchItem[" + id + "]."
		err := pinpoint.ValidateID(field+"EndpointId", id)
		if err == nil && b.Endpoint == nil {
			err = pinpoint.BadRequest("%sEndpoint is required", field)
		}
		if err == nil {
			err = b.Endpoint.Validate(field + "Endpoint.")
		}
		if err != nil {
			msg := errMessage(err)
			item.EndpointItemResponse = &pinpoint.ItemResult{StatusCode: http.StatusBadRequest, Message: msg}
			for evID := range b.Events {
				item.EventsItemResponse[evID] = pinpoint.ItemResult{StatusCode: http.StatusBadRequest, Message: "Endpoint rejected: " + msg}
			}
			results[id] = item
			continue
		}
		var events []store.Event
		for evID, ev := range b.Events {
			stored, err := storedEvent(evID, ev)
			if err != nil {
				item.EventsItemResponse[evID] = pinpoint.ItemResult{StatusCode: http.StatusBadRequest, Message: errMessage(err)}
				continue
			}
			events = append(events, stored)
		}
		results[id] = item
		update := s.updater(r, id, b.Endpoint)
		if b.Endpoint.Empty() {
			update = keepExisting(update)
		}
		writes = append(writes, store.EndpointWrite{ID: id, Update: update, Events: events})
	}

	if len(writes) > 0 {
		res, err := s.store.WriteEndpoints(r.ctx, r.principal.Account, r.labels["app"], writes, false)
		if err != nil {
			return 0, nil, err
		}
		for i, w := range writes {
			item := results[w.ID]
			endpoint := pinpoint.ItemResult{StatusCode: http.StatusAccepted, Message: accepted}
			event := endpoint
			if err := res[i].Err; err != nil {
				endpoint = pinpoint.ItemResult{StatusCode: http.StatusBadRequest, Message: errMessage(err)}
				event = pinpoint.ItemResult{StatusCode: http.StatusBadRequest, Message: "Endpoint rejected: " + endpoint.Message}
			}
			item.EndpointItemResponse = &endpoint
			for _, ev := range w.Events {
				item.EventsItemResponse[ev.ID] = event
			}
			results[w.ID] = item
		}
	}
	return http.StatusAccepted, pinpoint.EventsResponse{Results: results}, nil
}

// keepExisting is the updater of a PutEvents batch whose Endpoint is empty: an existing endpoint
// is kept exactly as it is (its status, address, EffectiveDate, RequestId and user), so recording
// events never reactivates an endpoint nor takes an address back from another one; a missing
// endpoint is created by update, as an UpdateEndpoint with {} would. See docs/ARCHITECTURE.md.
func keepExisting(update store.EndpointUpdater) store.EndpointUpdater {
	return func(app *pinpoint.App, old *pinpoint.Endpoint, userAttrs map[string][]string) (*pinpoint.Endpoint, error) {
		if old == nil {
			return update(app, old, userAttrs)
		}
		e := *old // shares old's maps, which the store allows and nobody modifies
		e.User.UserAttributes = userAttrs
		return &e, nil
	}
}

// errMessage is the message of a per-item refusal. Only domain refusals reach here: store
// failures abort the whole request.
func errMessage(err error) string {
	var e *pinpoint.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// storedEvent validates an event against the PutEvents limits of spec §7.2 and returns it as stored.
func storedEvent(id string, ev pinpoint.Event) (store.Event, error) {
	field := "Event " + id + ": "
	if id == "" || utf8.RuneCountInString(id) > pinpoint.MaxIDLen {
		return store.Event{}, pinpoint.BadRequest("%sevent ID must be 1 to %d characters long", field, pinpoint.MaxIDLen)
	}
	if ev.EventType == nil || *ev.EventType == "" {
		return store.Event{}, pinpoint.BadRequest("%sEventType is required", field)
	}
	if ev.Timestamp == nil {
		return store.Event{}, pinpoint.BadRequest("%sTimestamp is required", field)
	}
	ts, ok := pinpoint.ParseTime(*ev.Timestamp)
	if !ok {
		return store.Event{}, pinpoint.BadRequest("%sTimestamp %q is not an ISO 8601 date", field, *ev.Timestamp)
	}
	if n := len(ev.Attributes) + len(ev.Metrics); n > pinpoint.MaxEventAttrs {
		return store.Event{}, pinpoint.BadRequest("%sAttributes and Metrics hold %d keys; the limit is %d", field, n, pinpoint.MaxEventAttrs)
	}
	for k, v := range ev.Attributes {
		if n := utf8.RuneCountInString(k); n == 0 || n > pinpoint.MaxAttrNameLen {
			return store.Event{}, pinpoint.BadRequest("%sattribute name %q must be 1 to %d characters long", field, k, pinpoint.MaxAttrNameLen)
		}
		if n := utf8.RuneCountInString(v); n > pinpoint.MaxEventAttrValueLen {
			return store.Event{}, pinpoint.BadRequest("%sattribute %q has a value of %d characters; the limit is %d", field, k, n, pinpoint.MaxEventAttrValueLen)
		}
	}
	for k := range ev.Metrics {
		if n := utf8.RuneCountInString(k); n == 0 || n > pinpoint.MaxAttrNameLen {
			return store.Event{}, pinpoint.BadRequest("%smetric name %q must be 1 to %d characters long", field, k, pinpoint.MaxAttrNameLen)
		}
	}
	if se := ev.Session; se != nil {
		if se.ID == nil || *se.ID == "" {
			return store.Event{}, pinpoint.BadRequest("%sSession.Id is required", field)
		}
		if se.StartTimestamp == nil {
			return store.Event{}, pinpoint.BadRequest("%sSession.StartTimestamp is required", field)
		}
		if _, ok := pinpoint.ParseTime(*se.StartTimestamp); !ok {
			return store.Event{}, pinpoint.BadRequest("%sSession.StartTimestamp %q is not an ISO 8601 date", field, *se.StartTimestamp)
		}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return store.Event{}, err
	}
	if len(body) > pinpoint.MaxEventBytes {
		return store.Event{}, pinpoint.BadRequest("%sthe event is %d bytes serialized; the limit is %d", field, len(body), pinpoint.MaxEventBytes)
	}
	return store.Event{ID: id, Type: *ev.EventType, Timestamp: ts, Body: body}, nil
}

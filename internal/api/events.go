package api

import (
	"errors"
	"maps"
	"net/http"
	"slices"

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
	if err := in.Validate(); err != nil {
		return 0, nil, err
	}

	ids := slices.Sorted(maps.Keys(in.BatchItem))
	results := make(map[string]pinpoint.ItemResponse, len(ids))
	var writes []store.EndpointWrite
	for _, id := range ids {
		b := in.BatchItem[id]
		item := pinpoint.ItemResponse{EventsItemResponse: make(map[string]pinpoint.ItemResult, len(b.Events))}
		if err := b.ValidateEndpoint(id); err != nil {
			msg := errMessage(err)
			item.EndpointItemResponse = &pinpoint.ItemResult{StatusCode: http.StatusBadRequest, Message: msg}
			for evID := range b.Events {
				item.EventsItemResponse[evID] = pinpoint.ItemResult{StatusCode: http.StatusBadRequest, Message: "Endpoint rejected: " + msg}
			}
			results[id] = item
			continue
		}
		var events []store.Event
		for _, evID := range slices.Sorted(maps.Keys(b.Events)) {
			ev := b.Events[evID]
			ts, body, err := ev.Validate(evID)
			if err != nil {
				item.EventsItemResponse[evID] = pinpoint.ItemResult{StatusCode: http.StatusBadRequest, Message: errMessage(err)}
				continue
			}
			events = append(events, store.Event{ID: evID, Type: *ev.EventType, Timestamp: ts, Body: body})
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

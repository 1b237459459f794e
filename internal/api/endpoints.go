package api

import (
	"net/http"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// accepted is the Message of every 202 MessageBody and accepted PutEvents item.
const accepted = "Accepted"

// updater returns the store updater that applies req to endpoint id with the merge rules.
func (s *Server) updater(r *request, id string, req *pinpoint.EndpointRequest) store.EndpointUpdater {
	now := s.now()
	return func(app *pinpoint.App, old *pinpoint.Endpoint, userAttrs map[string][]string) (*pinpoint.Endpoint, error) {
		return pinpoint.Merge(old, userAttrs, req, pinpoint.Update{AppID: app.ID, ID: id, Now: now, RequestID: r.id, Excluded: app.Excluded})
	}
}

func (s *Server) updateEndpoint(r *request) (int, any, error) {
	id := r.labels["endpoint"]
	if err := pinpoint.ValidateID("EndpointId", id); err != nil {
		return 0, nil, err
	}
	var in pinpoint.EndpointRequest
	if err := decode(r.body, &in); err != nil {
		return 0, nil, err
	}
	if err := in.Validate(""); err != nil {
		return 0, nil, err
	}
	w := []store.EndpointWrite{{ID: id, Update: s.updater(r, id, &in)}}
	if _, err := s.store.WriteEndpoints(r.ctx, r.principal.Account, r.labels["app"], w, true); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, pinpoint.MessageBody{Message: accepted, RequestID: r.id}, nil
}

func (s *Server) updateEndpointsBatch(r *request) (int, any, error) {
	var in pinpoint.EndpointBatchRequest
	if err := decode(r.body, &in); err != nil {
		return 0, nil, err
	}
	if err := in.Validate(); err != nil {
		return 0, nil, err
	}
	writes := make([]store.EndpointWrite, len(in.Item))
	for i := range in.Item {
		item := &in.Item[i]
		writes[i] = store.EndpointWrite{ID: *item.ID, Update: s.updater(r, *item.ID, &item.EndpointRequest)}
	}
	if _, err := s.store.WriteEndpoints(r.ctx, r.principal.Account, r.labels["app"], writes, true); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, pinpoint.MessageBody{Message: accepted, RequestID: r.id}, nil
}

func (s *Server) getEndpoint(r *request) (int, any, error) {
	e, err := s.store.GetEndpoint(r.ctx, r.principal.Account, r.labels["app"], r.labels["endpoint"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &e, nil
}

func (s *Server) deleteEndpoint(r *request) (int, any, error) {
	e, err := s.store.DeleteEndpoint(r.ctx, r.principal.Account, r.labels["app"], r.labels["endpoint"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, &e, nil
}

func (s *Server) getUserEndpoints(r *request) (int, any, error) {
	eps, err := s.store.GetUserEndpoints(r.ctx, r.principal.Account, r.labels["app"], r.labels["user"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, pinpoint.EndpointsResponse{Item: eps}, nil
}

func (s *Server) deleteUserEndpoints(r *request) (int, any, error) {
	eps, err := s.store.DeleteUserEndpoints(r.ctx, r.principal.Account, r.labels["app"], r.labels["user"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, pinpoint.EndpointsResponse{Item: eps}, nil
}

// removeAttributes adds names to the app's exclusion list for one attribute type: later updates
// and events drop those attributes. Stored values are kept, as in Pinpoint.
func (s *Server) removeAttributes(r *request) (int, any, error) {
	typ := r.labels["type"]
	if err := pinpoint.ValidateAttributeType(typ); err != nil {
		return 0, nil, err
	}
	var in pinpoint.UpdateAttributesRequest
	if err := decode(r.body, &in); err != nil {
		return 0, nil, err
	}
	if err := in.Validate(); err != nil {
		return 0, nil, err
	}
	app, err := s.store.UpdateApp(r.ctx, r.principal.Account, r.labels["app"], func(a *pinpoint.App) error {
		a.Exclude(typ, in.Blacklist)
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	names := app.Excluded[typ]
	if names == nil {
		names = []string{}
	}
	return http.StatusOK, pinpoint.AttributesResource{ApplicationID: app.ID, AttributeType: typ, Attributes: names}, nil
}

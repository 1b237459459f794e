package api

import (
	"net/http"
	"slices"
	"strconv"

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
	if n := len(in.Item); n == 0 || n > pinpoint.MaxBatchItems {
		return 0, nil, pinpoint.BadRequest("Item must hold 1 to %d endpoints; it holds %d", pinpoint.MaxBatchItems, n)
	}
	writes := make([]store.EndpointWrite, len(in.Item))
	seen := make(map[string]bool, len(in.Item))
	for i := range in.Item {
		item := &in.Item[i]
		if item.ID == nil {
			return 0, nil, pinpoint.BadRequest("Item[%d].Id is required", i)
		}
		id := *item.ID
		if err := pinpoint.ValidateID(itemField(i, id)+"Id", id); err != nil {
			return 0, nil, err
		}
		if seen[id] {
			return 0, nil, pinpoint.BadRequest("%sId appears more than once in the batch", itemField(i, id))
		}
		seen[id] = true
		if err := item.Validate(itemField(i, id)); err != nil {
			return 0, nil, err
		}
		writes[i] = store.EndpointWrite{ID: id, Update: s.updater(r, id, &item.EndpointRequest)}
	}
	if _, err := s.store.WriteEndpoints(r.ctx, r.principal.Account, r.labels["app"], writes, true); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, pinpoint.MessageBody{Message: accepted, RequestID: r.id}, nil
}

// itemField prefixes field names of batch item i in messages.
func itemField(i int, id string) string {
	return "Item[" + strconv.Itoa(i) + "] (Id " + strconv.Quote(id) + ")."
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

// UpdateAttributesRequest is the body of RemoveAttributes.
type updateAttributesRequest struct {
	Blacklist []string `json:"Blacklist"`
}

type attributesResource struct {
	ApplicationID string   `json:"ApplicationId"`
	AttributeType string   `json:"AttributeType"`
	Attributes    []string `json:"Attributes"`
}

// removeAttributes adds names to the app's exclusion list for one attribute type: later updates
// and events drop those attributes. Stored values are kept, as in Pinpoint.
func (s *Server) removeAttributes(r *request) (int, any, error) {
	typ := r.labels["type"]
	switch typ {
	case pinpoint.AttrTypeCustom, pinpoint.AttrTypeMetric, pinpoint.AttrTypeUser:
	default:
		return 0, nil, pinpoint.BadRequest("attribute-type %q must be one of %s, %s, %s", typ, pinpoint.AttrTypeCustom, pinpoint.AttrTypeMetric, pinpoint.AttrTypeUser)
	}
	var in updateAttributesRequest
	if err := decode(r.body, &in); err != nil {
		return 0, nil, err
	}
	for i, name := range in.Blacklist {
		if name == "" || len([]rune(name)) > pinpoint.MaxAttrNameLen+1 {
			return 0, nil, pinpoint.BadRequest("Blacklist[%d] %q must be 1 to %d characters long (a trailing * matches a prefix)", i, name, pinpoint.MaxAttrNameLen)
		}
	}
	app, err := s.store.UpdateApp(r.ctx, r.principal.Account, r.labels["app"], func(a *pinpoint.App) error {
		if a.Excluded == nil {
			a.Excluded = map[string][]string{}
		}
		list := a.Excluded[typ]
		for _, name := range in.Blacklist {
			if !slices.Contains(list, name) {
				list = append(list, name)
			}
		}
		slices.Sort(list)
		a.Excluded[typ] = list
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	names := app.Excluded[typ]
	if names == nil {
		names = []string{}
	}
	return http.StatusOK, attributesResource{ApplicationID: app.ID, AttributeType: typ, Attributes: names}, nil
}

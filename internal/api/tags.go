package api

import (
	"net/http"
	"strings"

	"pinpointd/internal/pinpoint"
)

// appOfARN returns the app ID an ARN names, if it is an application ARN of this server, region
// and account. Anything else answers NotFoundException: an account never learns about others'.
func (s *Server) appOfARN(r *request) (string, error) {
	arn := r.labels["arn"]
	prefix := s.arn(r.principal.Account, "")
	if id, ok := strings.CutPrefix(arn, prefix); ok && id != "" && !strings.Contains(id, "/") {
		return id, nil
	}
	return "", pinpoint.Errorf(pinpoint.CodeNotFound, "Resource not found: %s", arn)
}

func (s *Server) tagResource(r *request) (int, any, error) {
	id, err := s.appOfARN(r)
	if err != nil {
		return 0, nil, err
	}
	var in pinpoint.TagsModel
	if err := decode(r.body, &in); err != nil {
		return 0, nil, err
	}
	if err := in.Validate(); err != nil {
		return 0, nil, err
	}
	_, err = s.store.UpdateApp(r.ctx, r.principal.Account, id, func(a *pinpoint.App) error {
		tags, err := pinpoint.MergeTags(a.Tags, in.Tags)
		if err != nil {
			return err
		}
		a.Tags = tags
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) untagResource(r *request) (int, any, error) {
	id, err := s.appOfARN(r)
	if err != nil {
		return 0, nil, err
	}
	keys := r.http.URL.Query()["tagKeys"]
	if err := pinpoint.ValidateTagKeys(keys); err != nil {
		return 0, nil, err
	}
	_, err = s.store.UpdateApp(r.ctx, r.principal.Account, id, func(a *pinpoint.App) error {
		for _, k := range keys {
			delete(a.Tags, k)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) listTagsForResource(r *request) (int, any, error) {
	id, err := s.appOfARN(r)
	if err != nil {
		return 0, nil, err
	}
	a, err := s.store.GetApp(r.ctx, r.principal.Account, id)
	if err != nil {
		return 0, nil, err
	}
	tags := a.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return http.StatusOK, pinpoint.TagsModel{Tags: tags}, nil
}

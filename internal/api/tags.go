package api

import (
	"net/http"
	"strings"

	"pinpointd/internal/pinpoint"
)

// appOfARN returns the app ID an ARN names, and the segment ID when it names a segment of that
// app ("" otherwise), if it is an ARN of this server, region and account. Anything else answers
// NotFoundException: an account never learns about others'.
func (s *Server) appOfARN(r *request) (appID, segmentID string, err error) {
	arn := r.labels["arn"]
	prefix := s.arn(r.principal.Account, "")
	if rest, ok := strings.CutPrefix(arn, prefix); ok {
		app, seg, isSeg := strings.Cut(rest, "/segments/")
		if app != "" && !strings.Contains(app, "/") && (!isSeg || seg != "" && !strings.Contains(seg, "/")) {
			return app, seg, nil
		}
	}
	return "", "", pinpoint.Errorf(pinpoint.CodeNotFound, "Resource not found: %s", arn)
}

func (s *Server) tagResource(r *request) (int, any, error) {
	id, seg, err := s.appOfARN(r)
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
	if seg != "" {
		_, err = s.store.UpdateSegmentTags(r.ctx, r.principal.Account, id, seg, func(tags map[string]string) (map[string]string, error) {
			return pinpoint.MergeTags(tags, in.Tags)
		})
	} else {
		_, err = s.store.UpdateApp(r.ctx, r.principal.Account, id, func(a *pinpoint.App) error {
			tags, err := pinpoint.MergeTags(a.Tags, in.Tags)
			a.Tags = tags
			return err
		})
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) untagResource(r *request) (int, any, error) {
	id, seg, err := s.appOfARN(r)
	if err != nil {
		return 0, nil, err
	}
	keys := r.http.URL.Query()["tagKeys"]
	if err := pinpoint.ValidateTagKeys(keys); err != nil {
		return 0, nil, err
	}
	if seg != "" {
		_, err = s.store.UpdateSegmentTags(r.ctx, r.principal.Account, id, seg, func(tags map[string]string) (map[string]string, error) {
			for _, k := range keys {
				delete(tags, k)
			}
			return tags, nil
		})
	} else {
		_, err = s.store.UpdateApp(r.ctx, r.principal.Account, id, func(a *pinpoint.App) error {
			for _, k := range keys {
				delete(a.Tags, k)
			}
			return nil
		})
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) listTagsForResource(r *request) (int, any, error) {
	id, seg, err := s.appOfARN(r)
	if err != nil {
		return 0, nil, err
	}
	var tags map[string]string
	if seg != "" {
		sg, err := s.store.GetSegment(r.ctx, r.principal.Account, id, seg, 0)
		if err != nil {
			return 0, nil, err
		}
		tags = sg.Tags
	} else {
		a, err := s.store.GetApp(r.ctx, r.principal.Account, id)
		if err != nil {
			return 0, nil, err
		}
		tags = a.Tags
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return http.StatusOK, pinpoint.TagsModel{Tags: tags}, nil
}

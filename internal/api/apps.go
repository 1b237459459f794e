package api

import (
	"net/http"
	"strconv"

	"pinpointd/internal/pinpoint"
)

// arn is the ARN of an application, as Pinpoint forms it.
func (s *Server) arn(account, appID string) string {
	return "arn:aws:mobiletargeting:" + s.region + ":" + account + ":apps/" + appID
}

func (s *Server) appResponse(a pinpoint.App) pinpoint.ApplicationResponse {
	tags := a.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return pinpoint.ApplicationResponse{Arn: s.arn(a.Account, a.ID), ID: a.ID, Name: a.Name, Tags: tags, CreationDate: a.CreationDate}
}

func (s *Server) createApp(r *request) (int, any, error) {
	var in pinpoint.CreateApplicationRequest
	if err := decode(r.body, &in); err != nil {
		return 0, nil, err
	}
	if err := in.Validate(); err != nil {
		return 0, nil, err
	}
	app := pinpoint.App{
		ID:           s.newID(),
		Account:      r.principal.Account,
		Name:         *in.Name,
		CreationDate: pinpoint.FormatTime(s.now()),
		Tags:         in.Tags,
	}
	if err := s.store.CreateApp(r.ctx, app); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s.appResponse(app), nil
}

func (s *Server) getApp(r *request) (int, any, error) {
	a, err := s.store.GetApp(r.ctx, r.principal.Account, r.labels["app"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.appResponse(a), nil
}

func (s *Server) getApps(r *request) (int, any, error) {
	size, err := pageSize(r.http.URL.Query().Get("page-size"))
	if err != nil {
		return 0, nil, err
	}
	after := r.http.URL.Query().Get("token")
	apps, err := s.store.ListApps(r.ctx, r.principal.Account, after, size+1)
	if err != nil {
		return 0, nil, err
	}
	out := pinpoint.ApplicationsResponse{Item: make([]pinpoint.ApplicationResponse, 0, len(apps))}
	if len(apps) > size {
		apps = apps[:size]
		out.NextToken = apps[size-1].ID
	}
	for _, a := range apps {
		out.Item = append(out.Item, s.appResponse(a))
	}
	return http.StatusOK, out, nil
}

// pageSize parses the page-size query parameter.
func pageSize(v string) (int, error) {
	if v == "" {
		return pinpoint.DefaultPageSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > pinpoint.MaxPageSize {
		return 0, pinpoint.BadRequest("page-size %q must be a whole number from 1 to %d", v, pinpoint.MaxPageSize)
	}
	return n, nil
}

func (s *Server) deleteApp(r *request) (int, any, error) {
	a, err := s.store.DeleteApp(r.ctx, r.principal.Account, r.labels["app"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.appResponse(a), nil
}

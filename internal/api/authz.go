package api

import (
	"strings"

	"pinpointd/internal/pinpoint"
)

// authorize checks the principal's allow-list for op and, for a principal bound to one app (a
// temporary credential of an identity pool), that the request names that app. Denials are 403
// AccessDeniedException with AWS's message form; an app-bound principal is denied another app's
// ID before any lookup, whether that app exists or not, as IAM denies a resource outside a
// policy, so the answer reveals nothing about other apps.
func (s *Server) authorize(r *request, op string) error {
	action := "mobiletargeting:" + op
	deny := func() error {
		user := "arn:aws:iam::" + r.principal.Account + ":user/" + r.principal.AccessKeyID
		if r.principal.Pool != "" {
			user = "arn:aws:sts::" + r.principal.Account + ":assumed-role/" + r.principal.Pool + "/" + r.principal.AccessKeyID
		}
		return pinpoint.Errorf(pinpoint.CodeAccessDenied, "User: %s is not authorized to perform: %s on resource: %s",
			user, action, s.resource(r))
	}
	if r.principal.App != "" && !s.namesApp(r, r.principal.App) {
		return deny()
	}
	if Allows(r.principal.Allow, op) {
		return nil
	}
	return deny()
}

// Allows reports whether an access key's allow-list (empty: every action) permits the operation
// op ("GetEndpoint"), as the action "mobiletargeting:"+op. It is the rule authorize applies, for
// callers that decide what to offer before they send a request (the console).
func Allows(allow []string, op string) bool {
	if len(allow) == 0 {
		return true
	}
	action := "mobiletargeting:" + op
	for _, pat := range allow {
		if actionMatches(pat, action) {
			return true
		}
	}
	return false
}

// namesApp reports whether the request acts on app and nothing else: its path names the app, or
// the ARN of the app or of something inside it (tags).
func (s *Server) namesApp(r *request, app string) bool {
	if id, ok := r.labels["app"]; ok {
		return id == app
	}
	if arn, ok := r.labels["arn"]; ok {
		own := s.arn(r.principal.Account, app)
		return arn == own || strings.HasPrefix(arn, own+"/")
	}
	return false
}

// actionMatches matches an IAM-style action pattern: "*" anywhere matches any run of characters;
// the comparison ignores case, as IAM's does.
func actionMatches(pattern, action string) bool {
	pattern, action = strings.ToLower(pattern), strings.ToLower(action)
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == action
	}
	if !strings.HasPrefix(action, parts[0]) {
		return false
	}
	action = action[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(action, p)
		if i < 0 {
			return false
		}
		action = action[i+len(p):]
	}
	return strings.HasSuffix(action, parts[len(parts)-1])
}

// resource is the ARN of what the request acts on, as IAM names it in denials.
func (s *Server) resource(r *request) string {
	if arn, ok := r.labels["arn"]; ok {
		return arn
	}
	app, ok := r.labels["app"]
	if !ok {
		return "arn:aws:mobiletargeting:" + s.region + ":" + r.principal.Account + ":apps"
	}
	arn := s.arn(r.principal.Account, app)
	switch {
	case r.labels["segment"] != "":
		return arn + "/segments/" + r.labels["segment"]
	case r.labels["endpoint"] != "":
		return arn + "/endpoints/" + r.labels["endpoint"]
	case r.labels["user"] != "":
		return arn + "/users/" + r.labels["user"]
	case r.labels["type"] != "":
		return arn + "/attributes/" + r.labels["type"]
	}
	path := rawPath(r.http)
	switch {
	case strings.HasSuffix(path, "/events"):
		return arn + "/events"
	case strings.HasSuffix(path, "/endpoints"):
		return arn + "/endpoints"
	case strings.HasSuffix(path, "/segments"):
		return arn + "/segments"
	}
	return arn
}

package console

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

func (c *Console) routes() *http.ServeMux {
	m := http.NewServeMux()
	static := http.FileServerFS(staticFS)
	m.Handle("GET /console/static/", http.StripPrefix("/console", static))
	m.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"apps", http.StatusSeeOther)
	})
	m.HandleFunc("GET /console/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"apps", http.StatusSeeOther)
	})
	m.HandleFunc("GET /console/login", c.loginPage)
	m.HandleFunc("POST /console/login", c.login)
	m.HandleFunc("POST /console/logout", c.auth(logout))

	m.HandleFunc("GET /console/apps", c.auth(listApps))
	m.HandleFunc("POST /console/apps", c.auth(createApp))
	m.HandleFunc("GET /console/apps/{app}", c.auth(showApp))
	m.HandleFunc("GET /console/apps/{app}/stats", c.auth(appStats))
	m.HandleFunc("POST /console/apps/{app}/delete", c.auth(deleteApp))
	m.HandleFunc("POST /console/apps/{app}/tags", c.auth(tagApp))
	m.HandleFunc("POST /console/apps/{app}/untag", c.auth(untagApp))

	m.HandleFunc("GET /console/apps/{app}/endpoints", c.auth(findEndpoints))
	m.HandleFunc("GET /console/apps/{app}/endpoints/{endpoint}", c.auth(showEndpoint))
	m.HandleFunc("POST /console/apps/{app}/endpoints/{endpoint}", c.auth(editEndpoint))
	m.HandleFunc("POST /console/apps/{app}/endpoints/{endpoint}/delete", c.auth(deleteEndpoint))

	m.HandleFunc("GET /console/apps/{app}/segments", c.auth(listSegments))
	m.HandleFunc("GET /console/apps/{app}/segments/new", c.auth(newSegment))
	m.HandleFunc("POST /console/apps/{app}/segments", c.auth(createSegment))
	m.HandleFunc("GET /console/apps/{app}/segments/{segment}", c.auth(showSegment))
	m.HandleFunc("GET /console/apps/{app}/segments/{segment}/size", c.auth(segmentSize))
	m.HandleFunc("GET /console/apps/{app}/segments/{segment}/members", c.auth(segmentMembers))
	m.HandleFunc("GET /console/apps/{app}/segments/{segment}/edit", c.auth(editSegmentPage))
	m.HandleFunc("POST /console/apps/{app}/segments/{segment}", c.auth(updateSegment))
	m.HandleFunc("POST /console/apps/{app}/segments/{segment}/delete", c.auth(deleteSegment))
	c.jobRoutes(m)
	return m
}

// ---- sign-in

type loginData struct {
	Token string
	Next  string
	KeyID string
	Error string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	tok := token()
	setCookie(w, r, loginCookie, tok, 3600)
	c.write(w, "login", http.StatusOK, page{Title: "Sign in", Data: loginData{Token: tok, Next: safeNext(r.URL.Query().Get("next"))}})
}

// safeNext keeps a post-login destination only when it is a console path.
func safeNext(next string) string {
	if strings.HasPrefix(next, Prefix) && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return Prefix + "apps"
}

// login checks an access key ID and secret against the store. The secret is compared and
// forgotten: the session keeps only the key's ID.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(loginCookie)
	if !sameOrigin(r) || err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue("login_token"))) != 1 {
		http.Error(w, "This sign-in form was not sent from the console's own page (cross-site request refused). Reload the sign-in page and try again.", http.StatusForbidden)
		return
	}
	keyID := strings.TrimSpace(r.PostFormValue("access_key_id"))
	secret := r.PostFormValue("secret_access_key")
	next := safeNext(r.PostFormValue("next"))
	fail := func(status int, msg string) {
		tok := token()
		setCookie(w, r, loginCookie, tok, 3600)
		c.write(w, "login", status, page{Title: "Sign in", Data: loginData{Token: tok, Next: next, KeyID: keyID, Error: msg}})
	}
	k, err := c.store.GetKey(r.Context(), keyID)
	switch {
	case err != nil && !errors.Is(err, store.ErrKeyNotFound):
		c.log.Error("console: sign-in", "err", err)
		fail(http.StatusServiceUnavailable, "The store is unavailable; try again.")
		return
	case err != nil || k.Revoked || subtle.ConstantTimeCompare([]byte(k.Secret), []byte(secret)) != 1:
		// One message for every failure, as AWS does not say which part was wrong.
		fail(http.StatusUnauthorized, "The access key ID or secret access key is not valid.")
		return
	}
	ss := c.sessions.create(k.AccessKeyID, k.Account, c.now())
	setCookie(w, r, loginCookie, "", -1)
	setCookie(w, r, sessionCookie, ss.id, 0)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func logout(x *ctx) {
	x.c.sessions.delete(x.sess.id)
	setCookie(x.w, x.r, sessionCookie, "", -1)
	http.Redirect(x.w, x.r, Prefix+"login", http.StatusSeeOther)
}

// ---- apps

type appsData struct {
	Apps      []pinpoint.ApplicationResponse
	NextToken string
	Name      string
}

func listApps(x *ctx) {
	var out pinpoint.ApplicationsResponse
	q := url.Values{"page-size": {"20"}}
	if t := x.r.URL.Query().Get("token"); t != "" {
		q.Set("token", t)
	}
	err := x.call("GET", "/v1/apps", q, nil, &out)
	x.render("apps", "Apps", appsData{Apps: out.Item, NextToken: out.NextToken}, err)
}

func createApp(x *ctx) {
	name := x.r.PostFormValue("name")
	req := map[string]any{"Name": name}
	if k := strings.TrimSpace(x.r.PostFormValue("tag_key")); k != "" {
		req["tags"] = map[string]string{k: x.r.PostFormValue("tag_value")}
	}
	var a pinpoint.ApplicationResponse
	if err := x.call("POST", "/v1/apps", nil, req, &a); err != nil {
		var out pinpoint.ApplicationsResponse
		x.call("GET", "/v1/apps", url.Values{"page-size": {"20"}}, nil, &out)
		x.render("apps", "Apps", appsData{Apps: out.Item, NextToken: out.NextToken, Name: name}, err)
		return
	}
	x.redirect(Prefix+"apps/"+url.PathEscape(a.ID), "Created app "+a.Name+".")
}

type appData struct {
	Tags    []tag
	Confirm string
}

type tag struct{ Key, Value string }

func sortedTags(m map[string]string) []tag {
	out := make([]tag, 0, len(m))
	for k, v := range m {
		out = append(out, tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func showApp(x *ctx) { x.showApp("", nil) }

func (x *ctx) showApp(confirm string, actionErr error) {
	if err := x.loadApp(); err != nil {
		x.render("app", "App", nil, err)
		return
	}
	x.render("app", x.app.Name, appData{Tags: sortedTags(x.app.Tags), Confirm: confirm}, actionErr)
}

// appStats is the dashboard, a fragment the app page loads: its counts come from the store
// (there is no API operation for them), after the API's own check of the app (GetApp) and the
// allow-list check of the action Pinpoint's analytics used, GetApplicationDateRangeKpi.
func appStats(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.fragment("stats", nil, err)
		return
	}
	if !x.allows("GetApplicationDateRangeKpi") {
		x.fragment("stats", nil, &apiError{Status: 403, Code: pinpoint.CodeAccessDenied, Message: "This key may not perform mobiletargeting:GetApplicationDateRangeKpi, which the dashboard needs."})
		return
	}
	now := x.c.now()
	st, err := x.c.store.AppStats(x.r.Context(), x.sess.account, x.appID, now)
	if err != nil {
		x.fragment("stats", nil, err)
		return
	}
	x.fragment("stats", dashboard(st, now), nil)
}

func deleteApp(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("app", "App", nil, err)
		return
	}
	confirm := x.r.PostFormValue("confirm")
	if confirm != x.app.Name {
		x.showApp(confirm, &apiError{Status: 400, Code: pinpoint.CodeBadRequest, Message: "Type the app's name, " + x.app.Name + ", to confirm its deletion."})
		return
	}
	if err := x.call("DELETE", "/v1/apps/"+url.PathEscape(x.appID), nil, nil, nil); err != nil {
		x.showApp(confirm, err)
		return
	}
	x.app = nil
	x.redirect(Prefix+"apps", "Deleted app "+confirm+".")
}

func tagApp(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("app", "App", nil, err)
		return
	}
	body := pinpoint.TagsModel{Tags: map[string]string{x.r.PostFormValue("key"): x.r.PostFormValue("value")}}
	if err := x.call("POST", "/v1/tags/"+url.PathEscape(x.app.Arn), nil, body, nil); err != nil {
		x.showApp("", err)
		return
	}
	x.redirect(Prefix+"apps/"+url.PathEscape(x.appID), "Tagged the app.")
}

func untagApp(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("app", "App", nil, err)
		return
	}
	q := url.Values{"tagKeys": {x.r.PostFormValue("key")}}
	if err := x.call("DELETE", "/v1/tags/"+url.PathEscape(x.app.Arn), q, nil, nil); err != nil {
		x.showApp("", err)
		return
	}
	x.redirect(Prefix+"apps/"+url.PathEscape(x.appID), "Removed the tag.")
}

// ---- endpoints

type findData struct {
	By, Q     string
	Endpoints []pinpoint.Endpoint
	Searched  bool
}

// findEndpoints looks endpoints up by ID (GetEndpoint), by user (GetUserEndpoints) or by address
// (the store's address index, then GetEndpoint).
func findEndpoints(x *ctx) {
	if err := x.loadApp(); err != nil {
		x.render("find", "Endpoints", nil, err)
		return
	}
	q := x.r.URL.Query()
	d := findData{By: q.Get("by"), Q: q.Get("q")}
	if d.By == "" {
		d.By = "id"
	}
	if d.Q == "" {
		x.render("find", "Find endpoints", d, nil)
		return
	}
	d.Searched = true
	app := "/v1/apps/" + url.PathEscape(x.appID)
	var err error
	switch d.By {
	case "user":
		var out pinpoint.EndpointsResponse
		err = x.call("GET", app+"/users/"+url.PathEscape(d.Q), nil, nil, &out)
		d.Endpoints = out.Item
	case "address":
		if !x.allows("GetEndpoint") {
			err = &apiError{Status: 403, Code: pinpoint.CodeAccessDenied, Message: "This key may not perform mobiletargeting:GetEndpoint."}
			break
		}
		var id string
		if id, err = x.c.store.EndpointIDByAddress(x.r.Context(), x.sess.account, x.appID, d.Q); err == nil {
			var e pinpoint.Endpoint
			if err = x.call("GET", app+"/endpoints/"+url.PathEscape(id), nil, nil, &e); err == nil {
				d.Endpoints = []pinpoint.Endpoint{e}
			}
		} else if errors.Is(err, store.ErrEndpointNotFound) {
			err = &apiError{Status: 404, Code: pinpoint.CodeNotFound, Message: "No ACTIVE endpoint has the address " + d.Q + "."}
		}
	default:
		d.By = "id"
		var e pinpoint.Endpoint
		if err = x.call("GET", app+"/endpoints/"+url.PathEscape(d.Q), nil, nil, &e); err == nil {
			d.Endpoints = []pinpoint.Endpoint{e}
		}
	}
	x.render("find", "Find endpoints", d, err)
}

type endpointData struct {
	E          pinpoint.Endpoint
	Attributes string // one "name = v1, v2" per line, for the form
	Events     []store.Event
	MoreEvents int
}

// recentEvents is how many of an endpoint's latest events its page shows.
const recentEvents = 20

func showEndpoint(x *ctx) { x.showEndpoint(nil, "") }

func (x *ctx) showEndpoint(actionErr error, attrs string) {
	if err := x.loadApp(); err != nil {
		x.render("endpoint", "Endpoint", nil, err)
		return
	}
	id := x.r.PathValue("endpoint")
	var d endpointData
	if err := x.call("GET", "/v1/apps/"+url.PathEscape(x.appID)+"/endpoints/"+url.PathEscape(id), nil, nil, &d.E); err != nil {
		x.render("endpoint", "Endpoint", nil, err)
		return
	}
	d.Attributes = formatAttributes(d.E.Attributes)
	if attrs != "" {
		d.Attributes = attrs
	}
	// Events have no API operation to list them: read the store after the GetEndpoint above,
	// which checked the app, the account and the allow-list.
	evs, err := x.c.store.ListEvents(x.r.Context(), x.sess.account, x.appID, id)
	if err != nil {
		x.render("endpoint", "Endpoint", nil, err)
		return
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Timestamp.After(evs[j].Timestamp) })
	if len(evs) > recentEvents {
		d.MoreEvents = len(evs) - recentEvents
		evs = evs[:recentEvents]
	}
	d.Events = evs
	x.render("endpoint", "Endpoint "+id, d, actionErr)
}

// formatAttributes writes attributes one per line, "name = v1, v2", sorted by name.
func formatAttributes(m map[string][]string) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k + " = " + strings.Join(m[k], ", ") + "\n")
	}
	return b.String()
}

// parseAttributes reads formatAttributes's form. A line without "=" is refused.
func parseAttributes(s string) (map[string][]string, error) {
	out := make(map[string][]string)
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, &apiError{Status: 400, Code: pinpoint.CodeBadRequest, Message: "Attributes line " + strconv.Itoa(i+1) + " has no '=': write name = value1, value2"}
		}
		vals := []string{}
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				vals = append(vals, p)
			}
		}
		out[strings.TrimSpace(k)] = vals
	}
	return out, nil
}

// editEndpoint sends UpdateEndpoint with the attributes, opt-out and status of the form. A
// name removed from the form is sent with no values, which clears it (DESIGN.md "Decisions").
func editEndpoint(x *ctx) {
	id := x.r.PathValue("endpoint")
	attrsText := x.r.PostFormValue("attributes")
	attrs, err := parseAttributes(attrsText)
	if err != nil {
		x.showEndpoint(err, attrsText)
		return
	}
	for _, k := range strings.Split(x.r.PostFormValue("previous_attributes"), "\n") {
		if k = strings.TrimSpace(k); k != "" {
			if _, ok := attrs[k]; !ok {
				attrs[k] = []string{}
			}
		}
	}
	req := map[string]any{"Attributes": attrs}
	if v := x.r.PostFormValue("opt_out"); v != "" {
		req["OptOut"] = v
	}
	if v := x.r.PostFormValue("status"); v != "" {
		req["EndpointStatus"] = v
	}
	path := "/v1/apps/" + url.PathEscape(x.appID) + "/endpoints/" + url.PathEscape(id)
	if err := x.call("PUT", path, nil, req, nil); err != nil {
		x.showEndpoint(err, attrsText)
		return
	}
	x.redirect(x.r.URL.EscapedPath(), "Saved the endpoint.")
}

func deleteEndpoint(x *ctx) {
	id := x.r.PathValue("endpoint")
	path := "/v1/apps/" + url.PathEscape(x.appID) + "/endpoints/" + url.PathEscape(id)
	if err := x.call("DELETE", path, nil, nil, nil); err != nil {
		x.showEndpoint(err, "")
		return
	}
	x.redirect(Prefix+"apps/"+url.PathEscape(x.appID)+"/endpoints", "Deleted endpoint "+id+".")
}

package console_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pinpointd/internal/store"
)

func TestApps(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustLogin()
		wantStatus(t, "empty list", e.get("/console/apps"), http.StatusOK, "No apps yet.")
		// The API's own validation message.
		wantStatus(t, "create without a name", e.post("/console/apps", "/console/apps", url.Values{"name": {""}}), http.StatusBadRequest, "BadRequestException", "Name is required")
		r := e.post("/console/apps", "/console/apps", url.Values{"name": {"Shop <b>"}, "tag_key": {"team"}, "tag_value": {"web"}})
		wantRedirect(t, "create", r, "/console/apps/")
		appPath := r.location
		id := strings.TrimPrefix(appPath, "/console/apps/")
		page := e.get(appPath)
		wantStatus(t, "app page", page, http.StatusOK, "Created app Shop &lt;b&gt;.", id, "team", "web", "Delete app Shop &lt;b&gt;")
		if strings.Contains(page.body, "Shop <b>") {
			t.Error("the app's name is not escaped")
		}

		wantRedirect(t, "tag", e.post(appPath, appPath+"/tags", url.Values{"key": {"env"}, "value": {"prod"}}), appPath)
		wantStatus(t, "tagged", e.get(appPath), http.StatusOK, "env", "prod")
		wantStatus(t, "bad tag", e.post(appPath, appPath+"/tags", url.Values{"key": {"aws:x"}, "value": {"v"}}), http.StatusBadRequest, `must not start with &#34;aws:&#34;`)
		wantRedirect(t, "untag", e.post(appPath, appPath+"/untag", url.Values{"key": {"env"}}), appPath)
		if strings.Contains(e.get(appPath).body, "prod") {
			t.Error("the tag is still shown after untagging")
		}

		// Deletion asks for the app's name.
		wantStatus(t, "delete with another name", e.post(appPath, appPath+"/delete", url.Values{"confirm": {"Shop"}}), http.StatusBadRequest, "to confirm its deletion")
		wantStatus(t, "still there", e.get(appPath), http.StatusOK)
		wantRedirect(t, "delete", e.post(appPath, appPath+"/delete", url.Values{"confirm": {"Shop <b>"}}), "/console/apps")
		wantStatus(t, "deleted", e.get(appPath), http.StatusNotFound, "NotFoundException", "Resource not found: application")
		wantStatus(t, "an unknown app", e.get("/console/apps/0123456789abcdef0123456789abcdef"), http.StatusNotFound, "NotFoundException")
	})
}

func TestAppsPage(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustLogin()
		for i := range 23 {
			e.createApp(fmt.Sprintf("app-%02d", i))
		}
		first := e.get("/console/apps")
		wantStatus(t, "first page", first, http.StatusOK, "Next page")
		if n := strings.Count(first.body, "<tr><td><a href=\"/console/apps/"); n != 20 {
			t.Errorf("first page: got %d apps, want 20", n)
		}
		i := strings.Index(first.body, "/console/apps?token=")
		next := first.body[i : i+strings.Index(first.body[i:], `"`)]
		second := e.get(strings.ReplaceAll(next, "&amp;", "&"))
		if n := strings.Count(second.body, "<tr><td><a href=\"/console/apps/"); n != 3 || strings.Contains(second.body, "Next page") {
			t.Errorf("second page: got %d apps (next link: %v), want 3 and none", n, strings.Contains(second.body, "Next page"))
		}
	})
}

func TestAllowList(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		app := e.createApp("Mine")
		const id, secret = "AKIACONSOLEREADONLY1", "read-only-secret-00000000000000000000000"
		if err := e.st.PutKey(t.Context(), store.Key{AccessKeyID: id, Secret: secret, Account: account, Allow: []string{"mobiletargeting:Get*"}, Created: e.clock.now()}); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, "sign in", e.login(id, secret), "/console/apps")
		list := e.get("/console/apps")
		wantStatus(t, "list", list, http.StatusOK, "Mine")
		if strings.Contains(list.body, "Create an app") {
			t.Error("a key that may not CreateApp is offered the form")
		}
		page := e.get("/console/apps/" + app)
		if strings.Contains(page.body, "Delete this app") || strings.Contains(page.body, "Add tag") {
			t.Error("a read-only key is offered deletion or tagging")
		}
		// The server refuses anyway, with the API's message.
		wantStatus(t, "create anyway", e.post("/console/apps", "/console/apps", url.Values{"name": {"x"}}), http.StatusForbidden,
			"AccessDeniedException", "is not authorized to perform: mobiletargeting:CreateApp")
		// The dashboard reads the store: the key needs GetApplicationDateRangeKpi, which Get* allows.
		wantStatus(t, "dashboard", e.fragment("/console/apps/"+app+"/stats"), http.StatusOK, "endpoints")
	})
}

func TestAnotherAccountsApp(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		app := e.createApp("Theirs")
		const id, secret = "AKIACONSOLEOTHER0001", "other-account-secret-000000000000000000"
		if err := e.st.PutKey(t.Context(), store.Key{AccessKeyID: id, Secret: secret, Account: "111111111111", Created: e.clock.now()}); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, "sign in", e.login(id, secret), "/console/apps")
		for _, p := range []string{"", "/stats", "/endpoints?by=address&q=a@example.com", "/segments"} {
			r := e.get("/console/apps/" + app + p)
			if p == "/stats" {
				r = e.fragment("/console/apps/" + app + p)
			}
			wantStatus(t, "another account's app"+p, r, http.StatusNotFound, "NotFoundException")
		}
	})
}

// putEndpoint writes an endpoint through the API, with events.
func (e *env) putEndpoint(app, id string, body map[string]any, events ...string) {
	e.t.Helper()
	e.api("PUT", "/v1/apps/"+app+"/endpoints/"+url.PathEscape(id), body)
	if len(events) > 0 {
		evs := map[string]any{}
		for i, typ := range events {
			evs[fmt.Sprintf("ev-%d", i)] = map[string]any{"EventType": typ, "Timestamp": e.clock.now().Add(-time.Duration(i) * time.Hour).Format(time.RFC3339)}
		}
		e.api("POST", "/v1/apps/"+app+"/events", map[string]any{"BatchItem": map[string]any{id: map[string]any{"Endpoint": map[string]any{}, "Events": evs}}})
	}
}

func TestEndpoints(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustLogin()
		app := e.createApp("Shop")
		base := "/console/apps/" + app + "/endpoints"
		e.putEndpoint(app, "phone 1", map[string]any{"ChannelType": "SMS", "Address": "+15550100", "OptOut": "NONE",
			"Attributes":  map[string]any{"plan": []string{"gold"}, "color": []string{"red", "blue"}},
			"User":        map[string]any{"UserId": "alice", "UserAttributes": map[string]any{"tier": []string{"vip"}}},
			"Demographic": map[string]any{"Platform": "ios"}, "Location": map[string]any{"Country": "US"}, "Metrics": map[string]any{"visits": 3}},
			"_session.start", "_custom.buy")
		e.putEndpoint(app, "laptop", map[string]any{"ChannelType": "EMAIL", "Address": "alice@example.com", "User": map[string]any{"UserId": "alice"}})

		wantStatus(t, "search form", e.get(base), http.StatusOK, "Find by")
		wantStatus(t, "by ID", e.get(base+"?by=id&q=phone+1"), http.StatusOK, "&#43;15550100", "/endpoints/phone%201")
		byUser := e.get(base + "?by=user&q=alice")
		wantStatus(t, "by user", byUser, http.StatusOK, "phone 1", "laptop")
		wantStatus(t, "by address", e.get(base+"?by=address&q=alice@example.com"), http.StatusOK, "laptop")
		wantStatus(t, "unknown ID", e.get(base+"?by=id&q=nope"), http.StatusNotFound, "Resource not found: endpoint &#39;nope&#39;")
		wantStatus(t, "unknown user", e.get(base+"?by=user&q=bob"), http.StatusNotFound, "NotFoundException")
		wantStatus(t, "unknown address", e.get(base+"?by=address&q=x@example.com"), http.StatusNotFound, "No ACTIVE endpoint has the address")

		ep := base + "/" + url.PathEscape("phone 1")
		page := e.get(ep)
		wantStatus(t, "endpoint", page, http.StatusOK, "CohortId", "EffectiveDate", "ios", "visits", "tier", "vip",
			"_session.start", "_custom.buy", "color = red, blue", "plan = gold")

		// Edit: drop color, change plan, add size; opt out; deactivate.
		r := e.post(ep, ep, url.Values{"attributes": {"plan = silver\nsize = L, XL\n"}, "previous_attributes": {"color\nplan\n"}, "opt_out": {"ALL"}, "status": {"INACTIVE"}})
		wantRedirect(t, "edit", r, ep)
		var got struct {
			Attributes     map[string][]string
			OptOut         string
			EndpointStatus string
		}
		json.Unmarshal(e.api("GET", "/v1/apps/"+app+"/endpoints/phone%201", nil), &got)
		if fmt.Sprint(got.Attributes) != "map[plan:[silver] size:[L XL]]" || got.OptOut != "ALL" || got.EndpointStatus != "INACTIVE" {
			t.Errorf("after edit: got %+v", got)
		}
		// The API's validation message for a bad value.
		long := strings.Repeat("x", 101)
		wantStatus(t, "edit with too long a value", e.post(ep, ep, url.Values{"attributes": {"plan = " + long}, "opt_out": {"NONE"}, "status": {"ACTIVE"}}),
			http.StatusBadRequest, "BadRequestException", "plan = "+long)
		wantStatus(t, "edit with a bad line", e.post(ep, ep, url.Values{"attributes": {"plan silver"}}), http.StatusBadRequest, "line 1 has no")
		wantStatus(t, "edit with a bad opt-out", e.post(ep, ep, url.Values{"opt_out": {"SOME"}}), http.StatusBadRequest, "OptOut")

		wantRedirect(t, "delete", e.post(ep, ep+"/delete", url.Values{"sure": {"on"}}), base)
		wantStatus(t, "deleted", e.get(ep), http.StatusNotFound, "NotFoundException")
	})
}

func TestDashboard(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustLogin()
		app := e.createApp("Shop")
		e.putEndpoint(app, "a", map[string]any{"ChannelType": "EMAIL", "Address": "a@example.com", "User": map[string]any{"UserId": "u1"}}, "_session.start")
		e.putEndpoint(app, "b", map[string]any{"ChannelType": "SMS", "Address": "+15550101"})
		e.putEndpoint(app, "c", map[string]any{"ChannelType": "SMS", "Address": "+15550102", "EndpointStatus": "INACTIVE"})
		wantStatus(t, "app page", e.get("/console/apps/"+app), http.StatusOK, `data-fragment="/console/apps/`+app+`/stats"`)
		r := e.fragment("/console/apps/" + app + "/stats")
		wantStatus(t, "dashboard", r, http.StatusOK, "<strong>3</strong> endpoints", "EMAIL · ACTIVE: 1", "SMS · ACTIVE: 1", "SMS · INACTIVE: 1",
			"last 24 hours: 1", "Events per day", "1 in all", "<svg")
		if strings.Contains(r.body, "<html") {
			t.Error("the fragment is a whole page")
		}
		// Without the script, the same as a page.
		wantStatus(t, "dashboard as a page", e.get("/console/apps/"+app+"/stats"), http.StatusOK, "<html", "<strong>3</strong> endpoints")
	})
}

package e2e

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// fullRequest sets every field of an EndpointRequest.
func fullRequest() *types.EndpointRequest {
	return &types.EndpointRequest{
		Address:     aws.String("tok-1"),
		ChannelType: types.ChannelTypeGcm,
		Attributes:  map[string][]string{"Interests": {"Music", "Travel"}, "Plan": {"free"}},
		Metrics:     map[string]float64{"score": 6, "level": 2.5},
		Demographic: &types.EndpointDemographic{
			AppVersion: aws.String("1.0"), Locale: aws.String("en_US"), Make: aws.String("apple"), Model: aws.String("iPhone"),
			ModelVersion: aws.String("8"), Platform: aws.String("ios"), PlatformVersion: aws.String("11.3.1"), Timezone: aws.String("America/Los_Angeles"),
		},
		Location: &types.EndpointLocation{
			City: aws.String("Seattle"), Country: aws.String("US"), Latitude: aws.Float64(47.6), Longitude: aws.Float64(-122.3),
			PostalCode: aws.String("98121"), Region: aws.String("WA"),
		},
		OptOut: aws.String("ALL"),
		User:   &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"FirstName": {"Wang"}}},
	}
}

func TestUpdateEndpointAccepted(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		out := h.update(app, "e1", fullRequest())
		if got := statusOf(t, out.ResultMetadata); got != http.StatusAccepted {
			t.Errorf("status: got %v, want %v", got, http.StatusAccepted)
		}
		if got := aws.ToString(out.MessageBody.Message); got != "Accepted" {
			t.Errorf("MessageBody.Message: got %q, want %q", got, "Accepted")
		}
		if got, want := aws.ToString(out.MessageBody.RequestID), requestID(t, out.ResultMetadata); got != want {
			t.Errorf("MessageBody.RequestID: got %q, want %q (x-amzn-RequestId)", got, want)
		}
	})
}

func TestUpdateEndpointCreatesOrUpdates(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.wantNoEndpoint(app, "e1")
		h.update(app, "e1", fullRequest())
		e := h.get(app, "e1")
		if got := aws.ToString(e.Id); got != "e1" {
			t.Errorf("Id: got %q, want %q", got, "e1")
		}
		if got := aws.ToString(e.ApplicationId); got != app {
			t.Errorf("ApplicationId: got %q, want %q", got, app)
		}
		if got := aws.ToString(e.Address); got != "tok-1" {
			t.Errorf("Address: got %q, want %q", got, "tok-1")
		}
		if got := e.ChannelType; got != types.ChannelTypeGcm {
			t.Errorf("ChannelType: got %q, want %q", got, types.ChannelTypeGcm)
		}
		if got := aws.ToString(e.OptOut); got != "ALL" {
			t.Errorf("OptOut: got %q, want %q", got, "ALL")
		}
		if want := fullRequest(); !reflect.DeepEqual(e.Attributes, want.Attributes) || !reflect.DeepEqual(e.Metrics, want.Metrics) ||
			!reflect.DeepEqual(e.Demographic, want.Demographic) || !reflect.DeepEqual(e.Location, want.Location) {
			t.Errorf("GetEndpoint: got %s, want the fields of %s", jsonOf(e), jsonOf(want))
		}
		if e.User == nil || aws.ToString(e.User.UserId) != "u1" || !reflect.DeepEqual(e.User.UserAttributes, map[string][]string{"FirstName": {"Wang"}}) {
			t.Errorf("User: got %s, want UserId u1 with FirstName [Wang]", jsonOf(e.User))
		}

		// The same call on the same ID updates it rather than failing or duplicating it.
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("tok-2")})
		e = h.get(app, "e1")
		if got := aws.ToString(e.Address); got != "tok-2" {
			t.Errorf("Address after update: got %q, want %q", got, "tok-2")
		}
		if got := aws.ToString(e.Id); got != "e1" {
			t.Errorf("Id after update: got %q, want %q", got, "e1")
		}

		// An empty request creates a bare endpoint.
		h.update(app, "bare", &types.EndpointRequest{})
		e = h.get(app, "bare")
		if got := aws.ToString(e.EndpointStatus); got != "ACTIVE" {
			t.Errorf("bare endpoint status: got %q, want %q", got, "ACTIVE")
		}
		if e.User == nil {
			t.Errorf("bare endpoint User: got absent, want {} (Pinpoint always shows User)")
		}
	})
}

func TestUpdateEndpointKeepsOmittedFields(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", fullRequest())
		before := h.get(app, "e1")
		h.update(app, "e1", &types.EndpointRequest{Metrics: map[string]float64{"new": 1}})
		after := h.get(app, "e1")

		want := *before
		want.Metrics = map[string]float64{"score": 6, "level": 2.5, "new": 1}
		// These change on every update.
		want.EffectiveDate, want.RequestId = after.EffectiveDate, after.RequestId
		sameEndpoint(t, "after an update sending only Metrics", after, &want)
	})
}

func TestUpdateEndpointMergesNestedObjectsPerField(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{
			Demographic: &types.EndpointDemographic{Make: aws.String("apple"), Model: aws.String("iPhone"), Platform: aws.String("ios")},
			Location:    &types.EndpointLocation{City: aws.String("Seattle"), Country: aws.String("US"), Latitude: aws.Float64(47.6)},
		})
		h.update(app, "e1", &types.EndpointRequest{
			Demographic: &types.EndpointDemographic{Model: aws.String("iPad"), Timezone: aws.String("UTC")},
			Location:    &types.EndpointLocation{PostalCode: aws.String("98121"), Longitude: aws.Float64(-122.3)},
		})
		e := h.get(app, "e1")
		wantDemo := &types.EndpointDemographic{Make: aws.String("apple"), Model: aws.String("iPad"), Platform: aws.String("ios"), Timezone: aws.String("UTC")}
		if !reflect.DeepEqual(e.Demographic, wantDemo) {
			t.Errorf("Demographic: got %s, want %s", jsonOf(e.Demographic), jsonOf(wantDemo))
		}
		wantLoc := &types.EndpointLocation{City: aws.String("Seattle"), Country: aws.String("US"), Latitude: aws.Float64(47.6), Longitude: aws.Float64(-122.3), PostalCode: aws.String("98121")}
		if !reflect.DeepEqual(e.Location, wantLoc) {
			t.Errorf("Location: got %s, want %s", jsonOf(e.Location), jsonOf(wantLoc))
		}
	})
}

func TestUpdateEndpointReplacesAttributesPerKey(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{
			Attributes: map[string][]string{"a": {"1", "2"}, "b": {"x"}},
			Metrics:    map[string]float64{"m1": 1, "m2": 2},
			User:       &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"ua": {"p", "q"}, "ub": {"y"}}},
		})
		h.update(app, "e1", &types.EndpointRequest{
			Attributes: map[string][]string{"a": {"3"}, "c": {"new"}},
			Metrics:    map[string]float64{"m1": 5},
			User:       &types.EndpointUser{UserAttributes: map[string][]string{"ua": {"r"}}},
		})
		e := h.get(app, "e1")
		if want := map[string][]string{"a": {"3"}, "b": {"x"}, "c": {"new"}}; !reflect.DeepEqual(e.Attributes, want) {
			t.Errorf("Attributes: got %v, want %v", e.Attributes, want)
		}
		if want := map[string]float64{"m1": 5, "m2": 2}; !reflect.DeepEqual(e.Metrics, want) {
			t.Errorf("Metrics: got %v, want %v", e.Metrics, want)
		}
		if want := map[string][]string{"ua": {"r"}, "ub": {"y"}}; e.User == nil || !reflect.DeepEqual(e.User.UserAttributes, want) {
			t.Errorf("UserAttributes: got %s, want %v", jsonOf(e.User), want)
		}
		if got := aws.ToString(e.User.UserId); got != "u1" {
			t.Errorf("UserId after an update without one: got %q, want %q", got, "u1")
		}
	})
}

func TestUpdateEndpointEmptyListClearsKey(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{
			Attributes: map[string][]string{"a": {"1"}, "b": {"2"}},
			User:       &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"ua": {"p"}, "ub": {"q"}}},
		})
		h.update(app, "e1", &types.EndpointRequest{
			Attributes: map[string][]string{"a": {}},
			User:       &types.EndpointUser{UserAttributes: map[string][]string{"ua": {}}},
		})
		e := h.get(app, "e1")
		if v, ok := e.Attributes["a"]; ok {
			t.Errorf("Attributes[a] after []: got %v, want the key omitted", v)
		}
		if got := e.Attributes["b"]; !sameStrings(got, []string{"2"}) {
			t.Errorf("Attributes[b]: got %v, want %v", got, []string{"2"})
		}
		if v, ok := e.User.UserAttributes["ua"]; ok {
			t.Errorf("UserAttributes[ua] after []: got %v, want the key omitted", v)
		}
		if got := e.User.UserAttributes["ub"]; !sameStrings(got, []string{"q"}) {
			t.Errorf("UserAttributes[ub]: got %v, want %v", got, []string{"q"})
		}

		// Clearing the last key leaves no Attributes at all.
		h.update(app, "e1", &types.EndpointRequest{Attributes: map[string][]string{"b": {}}})
		if e := h.get(app, "e1"); len(e.Attributes) != 0 {
			t.Errorf("Attributes after clearing every key: got %v, want none", e.Attributes)
		}
	})
}

func TestUpdateEndpointStatusAndAddress(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		other := h.createApp("b")
		status := func(app, id string) string { t.Helper(); return aws.ToString(h.get(app, id).EndpointStatus) }
		check := func(step string, want map[[2]string]string) {
			t.Helper()
			for k, w := range want {
				if got := status(k[0], k[1]); got != w {
					t.Errorf("%s: status of %s: got %q, want %q", step, k[1], got, w)
				}
			}
		}
		addr := types.EndpointRequest{Address: aws.String("same@example.com"), ChannelType: types.ChannelTypeEmail}
		h.update(other, "o1", &addr)
		h.update(app, "e1", &addr)
		check("after creating e1", map[[2]string]string{{app, "e1"}: "ACTIVE", {other, "o1"}: "ACTIVE"})

		h.update(app, "e2", &addr)
		check("after creating e2 with e1's address", map[[2]string]string{{app, "e1"}: "INACTIVE", {app, "e2"}: "ACTIVE", {other, "o1"}: "ACTIVE"})

		// Any update makes the endpoint ACTIVE again, and with it its address's other endpoint INACTIVE.
		h.update(app, "e1", &types.EndpointRequest{Attributes: map[string][]string{"k": {"v"}}})
		check("after updating e1", map[[2]string]string{{app, "e1"}: "ACTIVE", {app, "e2"}: "INACTIVE", {other, "o1"}: "ACTIVE"})

		// A different address leaves others alone.
		h.update(app, "e3", &types.EndpointRequest{Address: aws.String("else@example.com"), ChannelType: types.ChannelTypeEmail})
		check("after creating e3 elsewhere", map[[2]string]string{{app, "e1"}: "ACTIVE", {app, "e3"}: "ACTIVE"})

		// An endpoint moving to the address takes it over.
		h.update(app, "e3", &types.EndpointRequest{Address: aws.String("same@example.com")})
		check("after moving e3 to the address", map[[2]string]string{{app, "e1"}: "INACTIVE", {app, "e2"}: "INACTIVE", {app, "e3"}: "ACTIVE", {other, "o1"}: "ACTIVE"})
	})
}

func TestUpdateEndpointExplicitInactive(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("t"), ChannelType: types.ChannelTypeGcm, EndpointStatus: aws.String("INACTIVE")})
		if got := aws.ToString(h.get(app, "e1").EndpointStatus); got != "INACTIVE" {
			t.Errorf("status after creating with INACTIVE: got %q, want %q", got, "INACTIVE")
		}
		h.update(app, "e1", &types.EndpointRequest{Attributes: map[string][]string{"a": {"b"}}})
		if got := aws.ToString(h.get(app, "e1").EndpointStatus); got != "ACTIVE" {
			t.Errorf("status after an update without EndpointStatus: got %q, want %q", got, "ACTIVE")
		}
		h.update(app, "e1", &types.EndpointRequest{EndpointStatus: aws.String("INACTIVE")})
		if got := aws.ToString(h.get(app, "e1").EndpointStatus); got != "INACTIVE" {
			t.Errorf("status after updating with INACTIVE: got %q, want %q", got, "INACTIVE")
		}
		h.update(app, "e1", &types.EndpointRequest{EndpointStatus: aws.String("ACTIVE")})
		if got := aws.ToString(h.get(app, "e1").EndpointStatus); got != "ACTIVE" {
			t.Errorf("status after updating with ACTIVE: got %q, want %q", got, "ACTIVE")
		}
	})
}

func TestUpdateEndpointCohortID(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		other := h.createApp("b")
		for i := range 10 {
			id := fmt.Sprintf("endpoint-%d", i)
			h.update(app, id, &types.EndpointRequest{Address: aws.String(id)})
			c := aws.ToString(h.get(app, id).CohortId)
			n, err := strconv.Atoi(c)
			if err != nil || n < 0 || n > 99 || strconv.Itoa(n) != c {
				t.Errorf("%s CohortId: got %q, want a decimal string from \"0\" to \"99\"", id, c)
			}
			h.update(app, id, &types.EndpointRequest{Address: aws.String("moved-" + id), Attributes: map[string][]string{"a": {"b"}}})
			if got := aws.ToString(h.get(app, id).CohortId); got != c {
				t.Errorf("%s CohortId after an update: got %q, want %q", id, got, c)
			}
			// A stable hash of the ID: the same ID has the same cohort anywhere, even recreated.
			h.update(other, id, &types.EndpointRequest{})
			if got := aws.ToString(h.get(other, id).CohortId); got != c {
				t.Errorf("%s CohortId in another app: got %q, want %q", id, got, c)
			}
		}
		if _, err := h.client.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("endpoint-0")}); err != nil {
			t.Fatalf("DeleteEndpoint: %v", err)
		}
		h.update(app, "endpoint-0", &types.EndpointRequest{})
		if got, want := aws.ToString(h.get(app, "endpoint-0").CohortId), aws.ToString(h.get(other, "endpoint-0").CohortId); got != want {
			t.Errorf("CohortId of a recreated endpoint: got %q, want %q", got, want)
		}
	})
}

func TestUpdateEndpointDates(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("t")})
		e := h.get(app, "e1")
		created := aws.ToString(e.CreationDate)
		if !dateRE.MatchString(created) {
			t.Errorf("CreationDate: got %q, want the form 2006-01-02T15:04:05.000Z", created)
		}
		if got := aws.ToString(e.EffectiveDate); got != created {
			t.Errorf("EffectiveDate of a new endpoint: got %q, want %q (its CreationDate)", got, created)
		}

		// A client-sent EffectiveDate is kept, normalized to UTC with milliseconds.
		for _, c := range []struct{ sent, want string }{
			{"2020-01-02T03:04:05Z", "2020-01-02T03:04:05.000Z"},
			{"2024-05-01T17:31:01.046+02:00", "2024-05-01T15:31:01.046Z"},
			{"2021-06-07T08:09:10.123456Z", "2021-06-07T08:09:10.123Z"},
			{"2019-12-31", "2019-12-31T00:00:00.000Z"},
		} {
			h.update(app, "e1", &types.EndpointRequest{EffectiveDate: aws.String(c.sent)})
			e := h.get(app, "e1")
			if got := aws.ToString(e.EffectiveDate); got != c.want {
				t.Errorf("EffectiveDate after sending %q: got %q, want %q", c.sent, got, c.want)
			}
			if got := aws.ToString(e.CreationDate); got != created {
				t.Errorf("CreationDate after an update: got %q, want %q (unchanged)", got, created)
			}
		}

		// Without one, EffectiveDate becomes the time of the update: no longer the date sent before,
		// and not before the endpoint's creation.
		h.update(app, "e1", &types.EndpointRequest{Attributes: map[string][]string{"a": {"b"}}})
		e = h.get(app, "e1")
		eff := aws.ToString(e.EffectiveDate)
		if eff == "2019-12-31T00:00:00.000Z" || eff < created || !dateRE.MatchString(eff) {
			t.Errorf("EffectiveDate after an update without one: got %q, want the server's time of the update (created %s)", eff, created)
		}
		if got := aws.ToString(e.CreationDate); got != created {
			t.Errorf("CreationDate: got %q, want %q (unchanged)", got, created)
		}
	})
}

func TestUpdateEndpointRequestID(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("t"), RequestId: aws.String("client-request-1")})
		if got := aws.ToString(h.get(app, "e1").RequestId); got != "client-request-1" {
			t.Errorf("RequestId after sending one: got %q, want %q", got, "client-request-1")
		}
		out := h.update(app, "e1", &types.EndpointRequest{Attributes: map[string][]string{"a": {"b"}}})
		rid := requestID(t, out.ResultMetadata)
		if got := aws.ToString(out.MessageBody.RequestID); got != rid {
			t.Errorf("MessageBody.RequestID: got %q, want %q (x-amzn-RequestId)", got, rid)
		}
		if got := aws.ToString(h.get(app, "e1").RequestId); got != rid {
			t.Errorf("RequestId after an update without one: got %q, want %q (that update's request ID)", got, rid)
		}
		// Reads do not change it.
		if got := aws.ToString(h.get(app, "e1").RequestId); got != rid {
			t.Errorf("RequestId on a second read: got %q, want %q", got, rid)
		}
	})
}

func TestUpdateEndpointRoundsCoordinates(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		for i, c := range []struct{ lat, lon, wantLat, wantLon float64 }{
			{47.61, -122.35, 47.6, -122.4},
			{0.05, -0.05, 0.1, -0.1},
			{-33.86, 151.21, -33.9, 151.2},
			{47.64, -122.26, 47.6, -122.3},
			{90, -180, 90, -180},
			{0, 0, 0, 0},
		} {
			t.Run(fmt.Sprintf("%v,%v", c.lat, c.lon), func(t *testing.T) {
				id := fmt.Sprintf("loc-%d", i)
				h.update(app, id, &types.EndpointRequest{Location: &types.EndpointLocation{Latitude: aws.Float64(c.lat), Longitude: aws.Float64(c.lon)}})
				l := h.get(app, id).Location
				if l == nil {
					t.Fatalf("Location: got none, want %v,%v", c.wantLat, c.wantLon)
				}
				if got := aws.ToFloat64(l.Latitude); l.Latitude == nil || got != c.wantLat {
					t.Errorf("Latitude: got %v, want %v", got, c.wantLat)
				}
				if got := aws.ToFloat64(l.Longitude); l.Longitude == nil || got != c.wantLon {
					t.Errorf("Longitude: got %v, want %v", got, c.wantLon)
				}
			})
		}
	})
}

func TestUpdateEndpointOptOutDefault(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("t"), ChannelType: types.ChannelTypeSms})
		if got := aws.ToString(h.get(app, "e1").OptOut); got != "NONE" {
			t.Errorf("OptOut of a new endpoint: got %q, want %q", got, "NONE")
		}
		h.update(app, "e1", &types.EndpointRequest{OptOut: aws.String("ALL")})
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("t2")})
		if got := aws.ToString(h.get(app, "e1").OptOut); got != "ALL" {
			t.Errorf("OptOut after an update without one: got %q, want %q (kept)", got, "ALL")
		}
	})
}

package e2e

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

func TestDeleteEndpoint(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", fullRequest())
		h.update(app, "e2", &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u1")}})
		before := h.get(app, "e1")
		out, err := h.client.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1")})
		if err != nil {
			t.Fatalf("DeleteEndpoint: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusAccepted {
			t.Errorf("status: got %v, want %v", got, http.StatusAccepted)
		}
		sameEndpoint(t, "DeleteEndpoint response", out.EndpointResponse, before)
		h.wantNoEndpoint(app, "e1")
		_, err = h.client.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e1")})
		wantAPIError[*types.NotFoundException](t, err)

		// The user's other endpoint keeps the user and its attributes.
		e2 := h.get(app, "e2")
		if got := aws.ToString(e2.User.UserId); got != "u1" {
			t.Errorf("e2 UserId: got %q, want %q", got, "u1")
		}
		if want := map[string][]string{"FirstName": {"Wang"}}; !reflect.DeepEqual(e2.User.UserAttributes, want) {
			t.Errorf("e2 UserAttributes: got %v, want %v", e2.User.UserAttributes, want)
		}
		if got := h.userEndpoints(app, "u1"); !sameStrings(got, []string{"e2"}) {
			t.Errorf("endpoints of u1: got %v, want %v", got, []string{"e2"})
		}

		// Deleting the user's last endpoint deletes the user and its attributes.
		if _, err := h.client.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String("e2")}); err != nil {
			t.Fatalf("DeleteEndpoint: %v", err)
		}
		_, err = h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("u1")})
		wantAPIError[*types.NotFoundException](t, err)
		h.update(app, "e3", &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u1")}})
		if got := h.get(app, "e3").User.UserAttributes; len(got) != 0 {
			t.Errorf("UserAttributes of a new endpoint of a user whose endpoints were all deleted: got %v, want none", got)
		}

		// Recreating the ID makes a new endpoint, not the old one revived.
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("fresh")})
		e := h.get(app, "e1")
		if len(e.Attributes) != 0 || e.Demographic != nil {
			t.Errorf("recreated endpoint: got %s, want no trace of the deleted one", jsonOf(e))
		}
	})
}

// TestRestart: everything written is read back identically by a new server on the same database.
func TestRestart(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		created, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{
			Name: aws.String("persisted"), Tags: map[string]string{"a": "1"},
		}})
		if err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		app := aws.ToString(created.ApplicationResponse.Id)
		other := h.createApp("other")
		if _, err := h.client.TagResource(ctx, &pinpoint.TagResourceInput{ResourceArn: created.ApplicationResponse.Arn, TagsModel: &types.TagsModel{Tags: map[string]string{"b": "2"}}}); err != nil {
			t.Fatalf("TagResource: %v", err)
		}
		if _, err := h.client.RemoveAttributes(ctx, &pinpoint.RemoveAttributesInput{ApplicationId: aws.String(app), AttributeType: aws.String("endpoint-custom-attributes"),
			UpdateAttributesRequest: &types.UpdateAttributesRequest{Blacklist: []string{"secret"}}}); err != nil {
			t.Fatalf("RemoveAttributes: %v", err)
		}
		h.update(app, "e1", fullRequest())
		h.update(app, "e2", &types.EndpointRequest{Address: aws.String("tok-1"), ChannelType: types.ChannelTypeGcm, User: &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"LastName": {"Li"}}}})
		h.update(app, "e/3 +", &types.EndpointRequest{Address: aws.String("x@example.com"), ChannelType: types.ChannelTypeEmail, EndpointStatus: aws.String("INACTIVE"), EffectiveDate: aws.String("2020-01-01T00:00:00Z")})
		h.update(other, "e1", &types.EndpointRequest{Address: aws.String("tok-1")})
		if _, err := h.client.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(app), EventsRequest: &types.EventsRequest{BatchItem: map[string]types.EventsBatch{
			"e4": {Endpoint: &types.PublicEndpoint{Address: aws.String("tok-4"), ChannelType: types.ChannelTypeApns}, Events: map[string]types.Event{"ev1": {EventType: aws.String("_session.start"), Timestamp: aws.String("2026-01-01T00:00:00Z")}}},
		}}}); err != nil {
			t.Fatalf("PutEvents: %v", err)
		}

		type snapshot struct {
			apps     []types.ApplicationResponse
			app      *types.ApplicationResponse
			tags     map[string]string
			eps      map[string]*types.EndpointResponse
			user     []types.EndpointResponse
			otherEp1 *types.EndpointResponse
		}
		take := func() snapshot {
			t.Helper()
			var s snapshot
			apps, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{})
			if err != nil {
				t.Fatalf("GetApps: %v", err)
			}
			s.apps = apps.ApplicationsResponse.Item
			a, err := h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String(app)})
			if err != nil {
				t.Fatalf("GetApp: %v", err)
			}
			s.app = a.ApplicationResponse
			tags, err := h.client.ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: created.ApplicationResponse.Arn})
			if err != nil {
				t.Fatalf("ListTagsForResource: %v", err)
			}
			s.tags = tags.TagsModel.Tags
			s.eps = map[string]*types.EndpointResponse{}
			for _, id := range []string{"e1", "e2", "e/3 +", "e4"} {
				s.eps[id] = h.get(app, id)
			}
			u, err := h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("u1")})
			if err != nil {
				t.Fatalf("GetUserEndpoints: %v", err)
			}
			s.user = u.EndpointsResponse.Item
			s.otherEp1 = h.get(other, "e1")
			return s
		}
		before := take()
		if n := len(before.user); n != 2 {
			t.Fatalf("endpoints of u1 before restart: got %v, want %v", n, 2)
		}
		h.restart()
		after := take()
		if got, want := jsonOf(after.apps), jsonOf(before.apps); got != want {
			t.Errorf("GetApps after restart: got %s, want %s", got, want)
		}
		if got, want := jsonOf(after.app), jsonOf(before.app); got != want {
			t.Errorf("GetApp after restart: got %s, want %s", got, want)
		}
		if !reflect.DeepEqual(after.tags, before.tags) || !reflect.DeepEqual(after.tags, map[string]string{"a": "1", "b": "2"}) {
			t.Errorf("tags after restart: got %v, want %v", after.tags, before.tags)
		}
		for id, e := range before.eps {
			sameEndpoint(t, "endpoint "+id+" after restart", after.eps[id], e)
		}
		if got, want := jsonOf(after.user), jsonOf(before.user); got != want {
			t.Errorf("GetUserEndpoints after restart: got %s, want %s", got, want)
		}
		sameEndpoint(t, "other app's endpoint after restart", after.otherEp1, before.otherEp1)

		// The exclusion list survived too.
		h.update(app, "e1", &types.EndpointRequest{Attributes: map[string][]string{"secret": {"s"}}})
		if v, ok := h.get(app, "e1").Attributes["secret"]; ok {
			t.Errorf("excluded attribute after restart: got %v, want it dropped", v)
		}
	})
}

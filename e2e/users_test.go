package e2e

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

func userReq(user string, ch types.ChannelType, addr string) *types.EndpointRequest {
	return &types.EndpointRequest{Address: aws.String(addr), ChannelType: ch, User: &types.EndpointUser{UserId: aws.String(user)}}
}

func TestGetUserEndpoints(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "c", userReq("u1", types.ChannelTypeEmail, "c@example.com"))
		h.update(app, "a", userReq("u1", types.ChannelTypeGcm, "tok-a"))
		h.update(app, "b", userReq("u1", types.ChannelTypeSms, "+12065550100"))
		h.update(app, "x", userReq("u2", types.ChannelTypeEmail, "x@example.com"))
		h.update(app, "none", &types.EndpointRequest{Address: aws.String("n")})
		out, err := h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("u1")})
		if err != nil {
			t.Fatalf("GetUserEndpoints: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusOK {
			t.Errorf("status: got %v, want %v", got, http.StatusOK)
		}
		got := map[string]*types.EndpointResponse{}
		for i := range out.EndpointsResponse.Item {
			e := &out.EndpointsResponse.Item[i]
			got[aws.ToString(e.Id)] = e
		}
		if len(got) != 3 || got["a"] == nil || got["b"] == nil || got["c"] == nil {
			t.Fatalf("endpoints of u1: got %v, want a, b, c", h.userEndpoints(app, "u1"))
		}
		for id, e := range got {
			sameEndpoint(t, "GetUserEndpoints item "+id, e, h.get(app, id))
		}

		// Moving an endpoint to another user moves it between the lists.
		h.update(app, "a", &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u2")}})
		if got := h.userEndpoints(app, "u1"); len(got) != 2 {
			t.Errorf("endpoints of u1 after moving a: got %v, want b, c", got)
		}
		if got := h.userEndpoints(app, "u2"); len(got) != 2 {
			t.Errorf("endpoints of u2 after moving a: got %v, want a, x", got)
		}
	})
}

func TestUserAttributesShared(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", userReq("u1", types.ChannelTypeEmail, "e1@example.com"))
		h.update(app, "e2", userReq("u1", types.ChannelTypeGcm, "tok"))
		h.update(app, "e1", &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"FirstName": {"Wang"}}}})
		want := map[string][]string{"FirstName": {"Wang"}}
		for _, id := range []string{"e1", "e2"} {
			if got := h.get(app, id).User.UserAttributes; !reflect.DeepEqual(got, want) {
				t.Errorf("%s UserAttributes: got %v, want %v", id, got, want)
			}
		}
		// An endpoint joining later shows them; one updated through it changes them for all.
		h.update(app, "e3", userReq("u1", types.ChannelTypeSms, "+1"))
		h.update(app, "e2", &types.EndpointRequest{User: &types.EndpointUser{UserAttributes: map[string][]string{"LastName": {"Li"}}}})
		want = map[string][]string{"FirstName": {"Wang"}, "LastName": {"Li"}}
		for _, id := range []string{"e1", "e2", "e3"} {
			if got := h.get(app, id).User.UserAttributes; !reflect.DeepEqual(got, want) {
				t.Errorf("%s UserAttributes: got %v, want %v", id, got, want)
			}
		}
		// Leaving the user drops the user's attributes from the endpoint, not from the user.
		h.update(app, "e3", &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u9")}})
		if got := h.get(app, "e3").User.UserAttributes; len(got) != 0 {
			t.Errorf("e3 UserAttributes after moving to u9: got %v, want none", got)
		}
		if got := h.get(app, "e1").User.UserAttributes; !reflect.DeepEqual(got, want) {
			t.Errorf("e1 UserAttributes after e3 left: got %v, want %v", got, want)
		}
	})
}

func TestDeleteUserEndpoints(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", userReq("u1", types.ChannelTypeEmail, "e1@example.com"))
		h.update(app, "e2", &types.EndpointRequest{Address: aws.String("tok"), User: &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"k": {"v"}}}})
		h.update(app, "x", userReq("u2", types.ChannelTypeEmail, "x@example.com"))
		before := map[string]*types.EndpointResponse{"e1": h.get(app, "e1"), "e2": h.get(app, "e2")}
		out, err := h.client.DeleteUserEndpoints(ctx, &pinpoint.DeleteUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("u1")})
		if err != nil {
			t.Fatalf("DeleteUserEndpoints: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusAccepted {
			t.Errorf("status: got %v, want %v", got, http.StatusAccepted)
		}
		if n := len(out.EndpointsResponse.Item); n != 2 {
			t.Errorf("deleted endpoints: got %v, want %v", n, 2)
		}
		for i := range out.EndpointsResponse.Item {
			e := &out.EndpointsResponse.Item[i]
			if b := before[aws.ToString(e.Id)]; b == nil {
				t.Errorf("deleted endpoint %q: not one of u1's", aws.ToString(e.Id))
			} else {
				sameEndpoint(t, "deleted endpoint", e, b)
			}
		}
		h.wantNoEndpoint(app, "e1")
		h.wantNoEndpoint(app, "e2")
		_, err = h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("u1")})
		wantAPIError[*types.NotFoundException](t, err)
		if got := h.userEndpoints(app, "u2"); !sameStrings(got, []string{"x"}) {
			t.Errorf("endpoints of u2: got %v, want %v", got, []string{"x"})
		}
		// The user's attributes went with it: a new endpoint of u1 starts without them.
		h.update(app, "e9", userReq("u1", types.ChannelTypeEmail, "e9@example.com"))
		if got := h.get(app, "e9").User.UserAttributes; len(got) != 0 {
			t.Errorf("UserAttributes of a new endpoint of a deleted user: got %v, want none", got)
		}
	})
}

func TestUnknownUser(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		h.update(app, "e1", userReq("u1", types.ChannelTypeEmail, "e1@example.com"))
		_, err := h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("nobody")})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.DeleteUserEndpoints(ctx, &pinpoint.DeleteUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("nobody")})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("U1")})
		wantAPIError[*types.NotFoundException](t, err)
	})
}

// fillUser gives user 15 endpoints u-0…u-14 with the given channels and EffectiveDates.
func fillUser(t *testing.T, h *harness, app, user string, channel func(i int) types.ChannelType, date func(i int) string) {
	t.Helper()
	items := make([]types.EndpointBatchItem, 15)
	for i := range items {
		id := fmt.Sprintf("u-%d", i)
		items[i] = types.EndpointBatchItem{Id: aws.String(id), Address: aws.String("addr-" + id), ChannelType: channel(i),
			EffectiveDate: aws.String(date(i)), User: &types.EndpointUser{UserId: aws.String(user)}}
	}
	if err := h.batch(app, items); err != nil {
		t.Fatalf("UpdateEndpointsBatch of 15 endpoints of %s: %v", user, err)
	}
	if got := len(h.userEndpoints(app, user)); got != 15 {
		t.Fatalf("endpoints of %s: got %v, want %v", user, got, 15)
	}
}

func TestUserSixteenthEndpointNonPush(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		fillUser(t, h, app, "u1", func(i int) types.ChannelType {
			if i%2 == 0 {
				return types.ChannelTypeGcm
			}
			return types.ChannelTypeEmail
		}, func(i int) string { return fmt.Sprintf("2020-01-%02dT00:00:00Z", i+1) })
		for _, ch := range []types.ChannelType{types.ChannelTypeEmail, types.ChannelTypeSms, types.ChannelTypePush, types.ChannelTypeCustom, types.ChannelTypeInApp, types.ChannelTypeVoice} {
			t.Run(string(ch), func(t *testing.T) {
				id := "sixteenth-" + string(ch)
				wantBadRequest(t, h.tryUpdate(app, id, userReq("u1", ch, "new-"+id)), "15")
				h.wantNoEndpoint(app, id)
			})
		}
		if got := len(h.userEndpoints(app, "u1")); got != 15 {
			t.Errorf("endpoints of u1: got %v, want %v", got, 15)
		}
		if got := aws.ToString(h.get(app, "u-0").EndpointStatus); got != "ACTIVE" {
			t.Errorf("oldest push endpoint: got %q, want %q (nothing evicted)", got, "ACTIVE")
		}
		// A member of the full user may still be updated, even to another channel.
		h.update(app, "u-3", &types.EndpointRequest{ChannelType: types.ChannelTypeSms, User: &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"k": {"v"}}}})
		if got := len(h.userEndpoints(app, "u1")); got != 15 {
			t.Errorf("endpoints of u1 after updating a member: got %v, want %v", got, 15)
		}
		// An existing endpoint joining the full user is refused the same way and left as it was.
		h.update(app, "outsider", &types.EndpointRequest{Address: aws.String("o@example.com"), ChannelType: types.ChannelTypeEmail})
		before := h.get(app, "outsider")
		wantBadRequest(t, h.tryUpdate(app, "outsider", &types.EndpointRequest{User: &types.EndpointUser{UserId: aws.String("u1")}}), "15")
		sameEndpoint(t, "outsider after a refused join", h.get(app, "outsider"), before)
	})
}

func TestUserSixteenthEndpointPushEvicts(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		// u-0…u-9 are EMAIL with the oldest dates of all; u-10…u-14 are push endpoints whose oldest
		// EffectiveDate is u-13's (not the lowest ID).
		pushDates := map[int]string{10: "2021-03-01T00:00:00Z", 11: "2021-02-01T00:00:00Z", 12: "2021-05-01T00:00:00Z", 13: "2021-01-15T00:00:00Z", 14: "2021-04-01T00:00:00Z"}
		channels := map[int]types.ChannelType{10: types.ChannelTypeGcm, 11: types.ChannelTypeApns, 12: types.ChannelTypeAdm, 13: types.ChannelTypeBaidu, 14: types.ChannelTypeApnsVoip}
		fillUser(t, h, app, "u1", func(i int) types.ChannelType {
			if c, ok := channels[i]; ok {
				return c
			}
			return types.ChannelTypeEmail
		}, func(i int) string {
			if d, ok := pushDates[i]; ok {
				return d
			}
			return fmt.Sprintf("2019-01-%02dT00:00:00Z", i+1)
		})
		before := map[string]*types.EndpointResponse{}
		for i := range 15 {
			id := fmt.Sprintf("u-%d", i)
			before[id] = h.get(app, id)
		}

		h.update(app, "newest", userReq("u1", types.ChannelTypeGcm, "tok-new"))
		evicted := h.get(app, "u-13")
		if got := aws.ToString(evicted.EndpointStatus); got != "INACTIVE" {
			t.Errorf("evicted endpoint status: got %q, want %q", got, "INACTIVE")
		}
		if evicted.User != nil && aws.ToString(evicted.User.UserId) != "" {
			t.Errorf("evicted endpoint UserId: got %q, want none", aws.ToString(evicted.User.UserId))
		}
		if got := aws.ToString(evicted.Address); got != "addr-u-13" {
			t.Errorf("evicted endpoint Address: got %q, want %q (kept)", got, "addr-u-13")
		}
		ids := h.userEndpoints(app, "u1")
		if len(ids) != 15 {
			t.Errorf("endpoints of u1: got %v (%v), want %v", len(ids), ids, 15)
		}
		has := map[string]bool{}
		for _, id := range ids {
			has[id] = true
		}
		if !has["newest"] || has["u-13"] {
			t.Errorf("endpoints of u1: got %v, want newest in and u-13 out", ids)
		}
		for id, b := range before {
			if id == "u-13" {
				continue
			}
			sameEndpoint(t, "untouched member "+id, h.get(app, id), b)
		}

		// The next push endpoint evicts the next oldest push endpoint (u-11).
		h.update(app, "newer", userReq("u1", types.ChannelTypeApns, "tok-newer"))
		if got := aws.ToString(h.get(app, "u-11").EndpointStatus); got != "INACTIVE" {
			t.Errorf("second evicted endpoint status: got %q, want %q", got, "INACTIVE")
		}
		if got := len(h.userEndpoints(app, "u1")); got != 15 {
			t.Errorf("endpoints of u1: got %v, want %v", got, 15)
		}
	})
}

func TestUserSixteenthPushWithoutPushMembers(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		fillUser(t, h, app, "u1", func(int) types.ChannelType { return types.ChannelTypeEmail },
			func(i int) string { return fmt.Sprintf("2020-01-%02dT00:00:00Z", i+1) })
		for _, ch := range []types.ChannelType{types.ChannelTypeGcm, types.ChannelTypeApns, types.ChannelTypeAdm, types.ChannelTypeBaidu, types.ChannelTypeApnsVoip, types.ChannelTypeApnsVoipSandbox} {
			t.Run(string(ch), func(t *testing.T) {
				id := "push-" + string(ch)
				wantBadRequest(t, h.tryUpdate(app, id, userReq("u1", ch, "tok-"+id)), "15")
				h.wantNoEndpoint(app, id)
			})
		}
		ids := h.userEndpoints(app, "u1")
		if len(ids) != 15 {
			t.Errorf("endpoints of u1: got %v, want %v", len(ids), 15)
		}
		for _, id := range ids {
			if got := aws.ToString(h.get(app, id).EndpointStatus); got != "ACTIVE" {
				t.Errorf("%s status: got %q, want %q", id, got, "ACTIVE")
			}
		}
	})
}

package e2e

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

func (h *harness) listTags(arn string) map[string]string {
	h.t.Helper()
	out, err := h.client.ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		h.t.Fatalf("ListTagsForResource: %v", err)
	}
	if out.TagsModel == nil {
		h.t.Fatalf("ListTagsForResource: no TagsModel")
	}
	return out.TagsModel.Tags
}

func (h *harness) tag(arn string, tags map[string]string) error {
	_, err := h.client.TagResource(ctx, &pinpoint.TagResourceInput{ResourceArn: aws.String(arn), TagsModel: &types.TagsModel{Tags: tags}})
	return err
}

func manyTags(prefix string, n int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[fmt.Sprintf("%s%d", prefix, i)] = "v"
	}
	return m
}

func TestTagResource(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		created, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{
			Name: aws.String("tagged"), Tags: map[string]string{"created": "yes"},
		}})
		if err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		app, arn := aws.ToString(created.ApplicationResponse.Id), aws.ToString(created.ApplicationResponse.Arn)
		if got, want := h.listTags(arn), map[string]string{"created": "yes"}; !reflect.DeepEqual(got, want) {
			t.Errorf("tags after CreateApp: got %v, want %v", got, want)
		}

		out, err := h.client.TagResource(ctx, &pinpoint.TagResourceInput{ResourceArn: aws.String(arn), TagsModel: &types.TagsModel{Tags: map[string]string{
			"a": "1", "b": "2", "c": "3", "key with space/and:colon": "value = x+y",
		}}})
		if err != nil {
			t.Fatalf("TagResource: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusNoContent {
			t.Errorf("TagResource status: got %v, want %v", got, http.StatusNoContent)
		}
		want := map[string]string{"created": "yes", "a": "1", "b": "2", "c": "3", "key with space/and:colon": "value = x+y"}
		if got := h.listTags(arn); !reflect.DeepEqual(got, want) {
			t.Errorf("tags after TagResource: got %v, want %v", got, want)
		}
		// Tagging an existing key replaces its value.
		if err := h.tag(arn, map[string]string{"a": "one"}); err != nil {
			t.Fatalf("TagResource: %v", err)
		}
		want["a"] = "one"
		if got := h.listTags(arn); !reflect.DeepEqual(got, want) {
			t.Errorf("tags after retagging a: got %v, want %v", got, want)
		}

		un, err := h.client.UntagResource(ctx, &pinpoint.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a", "key with space/and:colon"}})
		if err != nil {
			t.Fatalf("UntagResource: %v", err)
		}
		if got := statusOf(t, un.ResultMetadata); got != http.StatusNoContent {
			t.Errorf("UntagResource status: got %v, want %v", got, http.StatusNoContent)
		}
		want = map[string]string{"created": "yes", "b": "2", "c": "3"}
		if got := h.listTags(arn); !reflect.DeepEqual(got, want) {
			t.Errorf("tags after UntagResource: got %v, want %v", got, want)
		}
		// GetApp shows the same tags.
		a, err := h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String(app)})
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		if !reflect.DeepEqual(a.ApplicationResponse.Tags, want) {
			t.Errorf("GetApp tags: got %v, want %v", a.ApplicationResponse.Tags, want)
		}
		// Untagging a key that is not there is harmless.
		if _, err := h.client.UntagResource(ctx, &pinpoint.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"nope"}}); err != nil {
			t.Errorf("UntagResource of an absent key: got %v, want success", err)
		}
	})
}

func TestCreateAppTagsShownByGetApp(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		tags := manyTags("k", 50)
		created, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("t"), Tags: tags}})
		if err != nil {
			t.Fatalf("CreateApp with 50 tags: %v", err)
		}
		if !reflect.DeepEqual(created.ApplicationResponse.Tags, tags) {
			t.Errorf("CreateApp tags: got %v, want %v", created.ApplicationResponse.Tags, tags)
		}
		a, err := h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: created.ApplicationResponse.Id})
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		if !reflect.DeepEqual(a.ApplicationResponse.Tags, tags) {
			t.Errorf("GetApp tags: got %v, want %v", a.ApplicationResponse.Tags, tags)
		}
		// An app created without tags reports none (an empty map, as the real service does).
		id := h.createApp("untagged")
		a, err = h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		if len(a.ApplicationResponse.Tags) != 0 {
			t.Errorf("GetApp tags of an untagged app: got %v, want none", a.ApplicationResponse.Tags)
		}
	})
}

func TestTagLimits(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		arn := h.appArn(app)
		if err := h.tag(arn, manyTags("old", 30)); err != nil {
			t.Fatalf("TagResource of 30 tags: %v", err)
		}
		before := h.listTags(arn)
		for _, c := range []struct {
			name string
			tags map[string]string
			want []string
		}{
			{"51 at once", manyTags("new", 51), []string{"50"}},
			{"30 kept + 21 new", manyTags("new", 21), []string{"50"}},
			{"key of 129", map[string]string{strings.Repeat("k", 129): "v"}, []string{"128"}},
			{"value of 257", map[string]string{"k": strings.Repeat("v", 257)}, []string{"256"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				msg := wantCode(t, h.tag(arn, c.tags), "BadRequestException")
				wantMessage(t, msg, c.want...)
				if got := h.listTags(arn); !reflect.DeepEqual(got, before) {
					t.Errorf("tags after a refused TagResource: got %d tags, want the %d before", len(got), len(before))
				}
			})
		}
		// Exactly at the limits is fine, and retagging kept keys does not count twice.
		if err := h.tag(arn, map[string]string{strings.Repeat("k", 128): strings.Repeat("v", 256)}); err != nil {
			t.Errorf("TagResource at the key and value limits: got %v, want success", err)
		}
		if err := h.tag(arn, manyTags("old", 30)); err != nil {
			t.Errorf("TagResource of the same 30 keys again: got %v, want success", err)
		}

		for _, c := range []struct {
			name string
			tags map[string]string
			want string
		}{
			{"51 tags", manyTags("k", 51), "50"},
			{"key of 129", map[string]string{strings.Repeat("k", 129): "v"}, "128"},
			{"value of 257", map[string]string{"k": strings.Repeat("v", 257)}, "256"},
		} {
			t.Run("CreateApp "+c.name, func(t *testing.T) {
				_, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("x"), Tags: c.tags}})
				wantBadRequest(t, err, c.want)
			})
		}
		out, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{})
		if err != nil {
			t.Fatalf("GetApps: %v", err)
		}
		if n := len(out.ApplicationsResponse.Item); n != 1 {
			t.Errorf("apps after refused CreateApps: got %v, want %v", n, 1)
		}
	})
}

func TestTagUnknownResource(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		arn := h.appArn(app)
		for _, bad := range []string{
			"arn:aws:mobiletargeting:us-east-1:000000000000:apps/0123456789abcdef0123456789abcdef",
			strings.Replace(arn, "000000000000", "111111111111", 1),
			strings.Replace(arn, "us-east-1", "eu-west-1", 1),
			arn + "/segments/x",
			"not-an-arn",
		} {
			t.Run(bad, func(t *testing.T) {
				wantCode(t, h.tag(bad, map[string]string{"a": "b"}), "NotFoundException")
				_, err := h.client.ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: aws.String(bad)})
				wantCode(t, err, "NotFoundException")
				_, err = h.client.UntagResource(ctx, &pinpoint.UntagResourceInput{ResourceArn: aws.String(bad), TagKeys: []string{"a"}})
				wantCode(t, err, "NotFoundException")
			})
		}
		if got := h.listTags(arn); len(got) != 0 {
			t.Errorf("tags of the real app: got %v, want none", got)
		}
	})
}

package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

var appArnRE = regexp.MustCompile(`^arn:aws:mobiletargeting:us-east-1:000000000000:apps/([0-9a-f]{32})$`)

func TestCreateApp(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		out, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{
			Name: aws.String("my app"), Tags: map[string]string{"team": "growth", "env": "test"},
		}})
		if err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusCreated {
			t.Errorf("status: got %v, want %v", got, http.StatusCreated)
		}
		a := out.ApplicationResponse
		if got := aws.ToString(a.Name); got != "my app" {
			t.Errorf("Name: got %q, want %q", got, "my app")
		}
		m := appArnRE.FindStringSubmatch(aws.ToString(a.Arn))
		if m == nil {
			t.Fatalf("Arn: got %q, want arn:aws:mobiletargeting:us-east-1:000000000000:apps/<32 hex>", aws.ToString(a.Arn))
		}
		if got := aws.ToString(a.Id); got != m[1] {
			t.Errorf("Id: got %q, want %q (the ID in the Arn)", got, m[1])
		}
		if want := map[string]string{"team": "growth", "env": "test"}; fmt.Sprint(a.Tags) != fmt.Sprint(want) {
			t.Errorf("tags: got %v, want %v", a.Tags, want)
		}
		if a.CreationDate != nil && !dateRE.MatchString(*a.CreationDate) {
			t.Errorf("CreationDate: got %q, want the form 2006-01-02T15:04:05.000Z", *a.CreationDate)
		}
		second := h.createApp("my app")
		if second == aws.ToString(a.Id) {
			t.Errorf("second app Id: got %q again, want a new ID", second)
		}
	})
}

func TestCreateAppWithoutName(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		for name, body := range map[string]string{
			"no Name":    `{}`,
			"empty Name": `{"Name":""}`,
			"null Name":  `{"Name":null,"tags":{"a":"b"}}`,
			"empty body": ``,
		} {
			t.Run(name, func(t *testing.T) {
				resp, eb := h.rawJSON("POST", "/v1/apps", body)
				wantWireError(t, resp, eb, http.StatusBadRequest, "BadRequestException")
				wantMessage(t, aws.ToString(eb.Message), "Name")
			})
		}
		// What the SDK lets through (its own validator refuses a nil Name).
		_, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("")}})
		wantBadRequest(t, err, "Name")
		out, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{})
		if err != nil {
			t.Fatalf("GetApps: %v", err)
		}
		if n := len(out.ApplicationsResponse.Item); n != 0 {
			t.Errorf("apps after refused creates: got %v, want %v", n, 0)
		}
	})
}

func TestGetApp(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		created, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{
			Name: aws.String("get me"), Tags: map[string]string{"k": "v"},
		}})
		if err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		id := aws.ToString(created.ApplicationResponse.Id)
		out, err := h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusOK {
			t.Errorf("status: got %v, want %v", got, http.StatusOK)
		}
		if got, want := jsonOf(out.ApplicationResponse), jsonOf(created.ApplicationResponse); got != want {
			t.Errorf("GetApp: got %s, want %s (what CreateApp returned)", got, want)
		}
		_, err = h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String("0123456789abcdef0123456789abcdef")})
		wantAPIError[*types.NotFoundException](t, err)
	})
}

func TestGetAppsPagination(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		want := map[string]bool{}
		for i := range 5 {
			want[h.createApp(fmt.Sprintf("app-%d", i))] = true
		}
		seen := map[string]int{}
		var token *string
		var sizes []int
		for page := 0; ; page++ {
			if page > 5 {
				t.Fatalf("more than 5 pages for 5 apps of page size 2: NextToken never ends")
			}
			out, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{PageSize: aws.String("2"), Token: token})
			if err != nil {
				t.Fatalf("GetApps page %d: %v", page, err)
			}
			r := out.ApplicationsResponse
			sizes = append(sizes, len(r.Item))
			for _, a := range r.Item {
				seen[aws.ToString(a.Id)]++
				if !appArnRE.MatchString(aws.ToString(a.Arn)) {
					t.Errorf("Arn: got %q, want the app ARN form", aws.ToString(a.Arn))
				}
			}
			if r.NextToken == nil || *r.NextToken == "" {
				break
			}
			token = r.NextToken
		}
		if got, want := fmt.Sprint(sizes), "[2 2 1]"; got != want {
			t.Errorf("page sizes: got %v, want %v", got, want)
		}
		for id := range want {
			if seen[id] != 1 {
				t.Errorf("app %s: seen %v times, want %v", id, seen[id], 1)
			}
		}
		if len(seen) != len(want) {
			t.Errorf("apps seen: got %v, want %v", len(seen), len(want))
		}

		// Without a page size, one page holds all five and has no NextToken.
		out, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{})
		if err != nil {
			t.Fatalf("GetApps: %v", err)
		}
		if got := len(out.ApplicationsResponse.Item); got != 5 {
			t.Errorf("default page: got %v apps, want %v", got, 5)
		}
		if nt := out.ApplicationsResponse.NextToken; nt != nil && *nt != "" {
			t.Errorf("default page NextToken: got %q, want none", *nt)
		}

		// A page size that divides the count exactly ends without an empty page's token.
		h.createApp("app-5")
		out, err = h.client.GetApps(ctx, &pinpoint.GetAppsInput{PageSize: aws.String("3")})
		if err != nil {
			t.Fatalf("GetApps: %v", err)
		}
		out, err = h.client.GetApps(ctx, &pinpoint.GetAppsInput{PageSize: aws.String("3"), Token: out.ApplicationsResponse.NextToken})
		if err != nil {
			t.Fatalf("GetApps second page: %v", err)
		}
		if got := len(out.ApplicationsResponse.Item); got != 3 {
			t.Errorf("second page of 6 apps by 3: got %v apps, want %v", got, 3)
		}
		if nt := out.ApplicationsResponse.NextToken; nt != nil && *nt != "" {
			t.Errorf("last page NextToken: got %q, want none", *nt)
		}
	})
}

func TestGetAppsInvalidPageSize(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		h.createApp("a")
		for _, size := range []string{"0", "-1", "abc", "2.5", "99999999999999999999"} {
			t.Run(size, func(t *testing.T) {
				_, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{PageSize: aws.String(size)})
				wantBadRequest(t, err, "page-size|PageSize")
			})
		}
	})
}

func TestDeleteApp(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		created, err := h.client.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{
			Name: aws.String("doomed"), Tags: map[string]string{"k": "v"},
		}})
		if err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		app := aws.ToString(created.ApplicationResponse.Id)
		keep := h.createApp("kept")
		h.update(app, "e1", &types.EndpointRequest{Address: aws.String("a@example.com"), ChannelType: types.ChannelTypeEmail, User: &types.EndpointUser{UserId: aws.String("u1")}})
		h.update(keep, "e1", &types.EndpointRequest{Address: aws.String("a@example.com"), ChannelType: types.ChannelTypeEmail})

		out, err := h.client.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: aws.String(app)})
		if err != nil {
			t.Fatalf("DeleteApp: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusOK {
			t.Errorf("status: got %v, want %v", got, http.StatusOK)
		}
		if got, want := jsonOf(out.ApplicationResponse), jsonOf(created.ApplicationResponse); got != want {
			t.Errorf("DeleteApp returned %s, want the deleted app %s", got, want)
		}
		_, err = h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String(app)})
		wantAPIError[*types.NotFoundException](t, err)
		h.wantNoEndpoint(app, "e1")
		_, err = h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("u1")})
		wantAPIError[*types.NotFoundException](t, err)
		_, err = h.client.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: aws.String(app)})
		wantAPIError[*types.NotFoundException](t, err)

		// The other app and its endpoint are untouched; the endpoint is still ACTIVE.
		if got := aws.ToString(h.get(keep, "e1").EndpointStatus); got != "ACTIVE" {
			t.Errorf("other app's endpoint status: got %q, want %q", got, "ACTIVE")
		}
		apps, err := h.client.GetApps(ctx, &pinpoint.GetAppsInput{})
		if err != nil {
			t.Fatalf("GetApps: %v", err)
		}
		if n := len(apps.ApplicationsResponse.Item); n != 1 || aws.ToString(apps.ApplicationsResponse.Item[0].Id) != keep {
			t.Errorf("GetApps after delete: got %s, want only %s", jsonOf(apps.ApplicationsResponse.Item), keep)
		}
	})
}

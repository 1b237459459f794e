package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// batchItems returns n valid items with IDs prefix0…, each its own address.
func batchItems(prefix string, n int) []types.EndpointBatchItem {
	items := make([]types.EndpointBatchItem, n)
	for i := range items {
		id := fmt.Sprintf("%s%d", prefix, i)
		items[i] = types.EndpointBatchItem{Id: aws.String(id), Address: aws.String(id + "@example.com"), ChannelType: types.ChannelTypeEmail, Attributes: map[string][]string{"n": {fmt.Sprint(i)}}}
	}
	return items
}

func TestUpdateEndpointsBatch100(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		out, err := h.client.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{
			ApplicationId: aws.String(app), EndpointBatchRequest: &types.EndpointBatchRequest{Item: batchItems("b-", 100)},
		})
		if err != nil {
			t.Fatalf("UpdateEndpointsBatch: %v", err)
		}
		if got := statusOf(t, out.ResultMetadata); got != http.StatusAccepted {
			t.Errorf("status: got %v, want %v", got, http.StatusAccepted)
		}
		if got := aws.ToString(out.MessageBody.Message); got != "Accepted" {
			t.Errorf("Message: got %q, want %q", got, "Accepted")
		}
		rid := requestID(t, out.ResultMetadata)
		if got := aws.ToString(out.MessageBody.RequestID); got != rid {
			t.Errorf("RequestID: got %q, want %q", got, rid)
		}
		for i := range 100 {
			id := fmt.Sprintf("b-%d", i)
			e := h.get(app, id)
			if got, want := aws.ToString(e.Address), id+"@example.com"; got != want {
				t.Errorf("%s Address: got %q, want %q", id, got, want)
			}
			if got := aws.ToString(e.EndpointStatus); got != "ACTIVE" {
				t.Errorf("%s status: got %q, want %q", id, got, "ACTIVE")
			}
			if got := aws.ToString(e.RequestId); got != rid {
				t.Errorf("%s RequestId: got %q, want %q (the batch's request ID)", id, got, rid)
			}
		}

		// A second batch merges into the stored endpoints like UpdateEndpoint.
		if err := h.batch(app, []types.EndpointBatchItem{{Id: aws.String("b-0"), Attributes: map[string][]string{"extra": {"x"}}}}); err != nil {
			t.Fatalf("UpdateEndpointsBatch: %v", err)
		}
		e := h.get(app, "b-0")
		if got := aws.ToString(e.Address); got != "b-0@example.com" {
			t.Errorf("Address after a partial batch update: got %q, want %q", got, "b-0@example.com")
		}
		if got := fmt.Sprint(e.Attributes); got != "map[extra:[x] n:[0]]" {
			t.Errorf("Attributes after a partial batch update: got %v, want %v", got, "map[extra:[x] n:[0]]")
		}
	})
}

func TestUpdateEndpointsBatchTooMany(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		wantBadRequest(t, h.batch(app, batchItems("b-", 101)), "100")
		h.wantNoEndpoint(app, "b-0")
		h.wantNoEndpoint(app, "b-100")
		wantBadRequest(t, h.batch(app, []types.EndpointBatchItem{}), "Item")
	})
}

// TestUpdateEndpointsBatchAllOrNothing: one bad item refuses the whole batch, naming that item.
func TestUpdateEndpointsBatchAllOrNothing(t *testing.T) {
	long := strings.Repeat("v", 100)
	cases := []struct {
		name string
		bad  func(*types.EndpointBatchItem)
		want []string
	}{
		{"OptOut MAYBE", func(it *types.EndpointBatchItem) { it.OptOut = aws.String("MAYBE") }, []string{"OptOut"}},
		{"ChannelType FOO", func(it *types.EndpointBatchItem) { it.ChannelType = types.ChannelType("FOO") }, []string{"ChannelType"}},
		{"attribute value over 100", func(it *types.EndpointBatchItem) { it.Attributes = map[string][]string{"a": {long + "x"}} }, []string{"Attributes", "100"}},
		{"Id with $", func(it *types.EndpointBatchItem) { it.Id = aws.String("b-$") }, []string{"Id"}},
		{"Latitude 91", func(it *types.EndpointBatchItem) { it.Location = &types.EndpointLocation{Latitude: aws.Float64(91)} }, []string{"Latitude"}},
		// Found only when merging, inside the store's transaction: still all or nothing.
		{"over 15 KB serialized", func(it *types.EndpointBatchItem) { it.Attributes = attrs("a", 4, values(50, long)...) }, []string{"15360|15 KB|15KB"}},
	}
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		if err := h.batch(app, []types.EndpointBatchItem{{Id: aws.String("b-0"), Address: aws.String("old@example.com"), Attributes: map[string][]string{"n": {"old"}}}}); err != nil {
			t.Fatalf("UpdateEndpointsBatch: %v", err)
		}
		before := h.get(app, "b-0")
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				items := batchItems("b-", 5)
				c.bad(&items[3])
				badID := aws.ToString(items[3].Id)
				wantBadRequest(t, h.batch(app, items), append([]string{badID}, c.want...)...)
				sameEndpoint(t, "b-0 after a refused batch", h.get(app, "b-0"), before)
				for _, it := range items[1:] {
					h.wantNoEndpoint(app, aws.ToString(it.Id))
				}
			})
		}
	})
}

// TestUpdateEndpointsBatchUserLimit: sixteen endpoints of one user in one batch are refused whole.
func TestUpdateEndpointsBatchUserLimit(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		items := batchItems("u-", 16)
		for i := range items {
			items[i].User = &types.EndpointUser{UserId: aws.String("crowded")}
		}
		wantBadRequest(t, h.batch(app, items), "15")
		for _, it := range items {
			h.wantNoEndpoint(app, aws.ToString(it.Id))
		}
		_, err := h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String("crowded")})
		wantAPIError[*types.NotFoundException](t, err)
	})
}

func TestUpdateEndpointsBatchMissingID(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		items := batchItems("b-", 3)
		items[1].Id = nil
		wantBadRequest(t, h.batch(app, items), "Id")
		h.wantNoEndpoint(app, "b-0")
		items[1].Id = aws.String("")
		wantBadRequest(t, h.batch(app, items), "Id")
		h.wantNoEndpoint(app, "b-0")
	})
}

func TestUpdateEndpointsBatchDuplicateID(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		items := batchItems("b-", 3)
		items[2].Id = aws.String("b-0")
		wantBadRequest(t, h.batch(app, items), "b-0")
		h.wantNoEndpoint(app, "b-0")
		h.wantNoEndpoint(app, "b-1")
	})
}

// TestUpdateEndpointsBatchSameAddress: within a batch the later item takes the address over.
func TestUpdateEndpointsBatchSameAddress(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		items := []types.EndpointBatchItem{
			{Id: aws.String("first"), Address: aws.String("same"), ChannelType: types.ChannelTypeGcm},
			{Id: aws.String("second"), Address: aws.String("same"), ChannelType: types.ChannelTypeGcm},
		}
		if err := h.batch(app, items); err != nil {
			t.Fatalf("UpdateEndpointsBatch: %v", err)
		}
		if got := aws.ToString(h.get(app, "first").EndpointStatus); got != "INACTIVE" {
			t.Errorf("first status: got %q, want %q", got, "INACTIVE")
		}
		if got := aws.ToString(h.get(app, "second").EndpointStatus); got != "ACTIVE" {
			t.Errorf("second status: got %q, want %q", got, "ACTIVE")
		}
	})
}

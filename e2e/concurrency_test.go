package e2e

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// concurrently runs fn(i) for i in [0, n) at once and returns their errors.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// TestConcurrentPartialUpdates: concurrent updates of different keys of one endpoint, which none of
// them creates alone, all land (promise 5: no lost partial updates).
func TestConcurrentPartialUpdates(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		const n = 16
		errs := concurrently(n, func(i int) error {
			return h.tryUpdate(app, "shared", &types.EndpointRequest{
				Attributes: map[string][]string{fmt.Sprintf("a%d", i): {"v"}},
				User:       &types.EndpointUser{UserId: aws.String("u"), UserAttributes: map[string][]string{fmt.Sprintf("u%d", i): {"v"}}},
			})
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("update %d: %v", i, err)
			}
		}
		e := h.get(app, "shared")
		if len(e.Attributes) != n {
			t.Errorf("Attributes after %d concurrent updates: got %d keys (%v), want %d", n, len(e.Attributes), e.Attributes, n)
		}
		if len(e.User.UserAttributes) != n {
			t.Errorf("UserAttributes after %d concurrent updates: got %d keys, want %d", n, len(e.User.UserAttributes), n)
		}
	})
}

// TestConcurrentSameAddress: endpoints created at once with one address leave exactly one ACTIVE.
func TestConcurrentSameAddress(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		const n = 16
		errs := concurrently(n, func(i int) error {
			return h.tryUpdate(app, fmt.Sprintf("e%d", i), &types.EndpointRequest{Address: aws.String("same@example.com"), ChannelType: types.ChannelTypeEmail})
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("update %d: %v", i, err)
			}
		}
		active := 0
		for i := range n {
			if aws.ToString(h.get(app, fmt.Sprintf("e%d", i)).EndpointStatus) == "ACTIVE" {
				active++
			}
		}
		if active != 1 {
			t.Errorf("ACTIVE endpoints with the address: got %v, want %v", active, 1)
		}
	})
}

// TestConcurrentUserJoins: twenty endpoints joining one user at once: fifteen are accepted, the
// others refused with BadRequestException, and the user has fifteen.
func TestConcurrentUserJoins(t *testing.T) {
	run(t, func(t *testing.T, h *harness) {
		app := h.createApp("a")
		const n = 20
		errs := concurrently(n, func(i int) error {
			return h.tryUpdate(app, fmt.Sprintf("e%d", i), userReq("crowded", types.ChannelTypeEmail, fmt.Sprintf("e%d@example.com", i)))
		})
		ok, refused := 0, 0
		for i, err := range errs {
			var br *types.BadRequestException
			switch {
			case err == nil:
				ok++
			case errors.As(err, &br):
				refused++
			default:
				t.Errorf("update %d: got %v, want success or BadRequestException", i, err)
			}
		}
		if ok != 15 || refused != n-15 {
			t.Errorf("accepted/refused: got %v/%v, want %v/%v", ok, refused, 15, n-15)
		}
		if got := len(h.userEndpoints(app, "crowded")); got != 15 {
			t.Errorf("endpoints of the user: got %v, want %v", got, 15)
		}
	})
}

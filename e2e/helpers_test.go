package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/aws/smithy-go"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"pinpointd/internal/store"
)

var ctx = context.Background()

// dateRE is the one form every date leaves pinpointd in.
var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)

// update calls UpdateEndpoint and fails the test on error.
func (h *harness) update(app, id string, req *types.EndpointRequest) *pinpoint.UpdateEndpointOutput {
	h.t.Helper()
	out, err := h.client.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String(id), EndpointRequest: req})
	if err != nil {
		h.t.Fatalf("UpdateEndpoint(%q): %v", id, err)
	}
	return out
}

// tryUpdate calls UpdateEndpoint and returns its error.
func (h *harness) tryUpdate(app, id string, req *types.EndpointRequest) error {
	_, err := h.client.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String(id), EndpointRequest: req})
	return err
}

// get calls GetEndpoint and fails the test on error.
func (h *harness) get(app, id string) *types.EndpointResponse {
	h.t.Helper()
	out, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String(id)})
	if err != nil {
		h.t.Fatalf("GetEndpoint(%q): %v", id, err)
	}
	return out.EndpointResponse
}

// wantNoEndpoint asserts that GetEndpoint answers NotFoundException for id.
func (h *harness) wantNoEndpoint(app, id string) {
	h.t.Helper()
	_, err := h.client.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(app), EndpointId: aws.String(id)})
	if err == nil {
		h.t.Errorf("GetEndpoint(%q) after a refused write: got the endpoint, want NotFoundException (something was written)", id)
		return
	}
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		h.t.Errorf("GetEndpoint(%q): got %v, want NotFoundException", id, err)
	}
}

// batch calls UpdateEndpointsBatch and returns its error.
func (h *harness) batch(app string, items []types.EndpointBatchItem) error {
	_, err := h.client.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{
		ApplicationId: aws.String(app), EndpointBatchRequest: &types.EndpointBatchRequest{Item: items},
	})
	return err
}

// userEndpoints returns the IDs of a user's endpoints, in the order the server gives them.
func (h *harness) userEndpoints(app, user string) []string {
	h.t.Helper()
	out, err := h.client.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: aws.String(app), UserId: aws.String(user)})
	if err != nil {
		h.t.Fatalf("GetUserEndpoints(%q): %v", user, err)
	}
	var ids []string
	for _, e := range out.EndpointsResponse.Item {
		ids = append(ids, aws.ToString(e.Id))
	}
	return ids
}

// appArn returns the ARN GetApp reports for app.
func (h *harness) appArn(app string) string {
	h.t.Helper()
	out, err := h.client.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String(app)})
	if err != nil {
		h.t.Fatalf("GetApp: %v", err)
	}
	return aws.ToString(out.ApplicationResponse.Arn)
}

// putKey stores an access key of account with the given allow-list and returns a client for it.
func (h *harness) putKey(id, secret, account string, allow []string) *pinpoint.Client {
	h.t.Helper()
	if err := h.inst.Store.PutKey(ctx, store.Key{AccessKeyID: id, Secret: secret, Account: account, Allow: allow, Created: time.Now()}); err != nil {
		h.t.Fatalf("PutKey(%s): %v", id, err)
	}
	return h.clientFor(id, secret)
}

// rawJSON sends a signed raw request with a JSON body and decodes the error body, if any.
func (h *harness) rawJSON(method, path, body string) (*http.Response, errorBody) {
	h.t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp, out := h.raw(method, path, b)
	return resp, h.errorBodyOf(resp, out)
}

// errorBodyOf decodes the body of an error response (status >= 300); a success yields the zero value.
func (h *harness) errorBodyOf(resp *http.Response, b []byte) errorBody {
	h.t.Helper()
	var eb errorBody
	if resp.StatusCode >= 300 {
		if err := json.Unmarshal(b, &eb); err != nil {
			h.t.Errorf("%s %s: error body %q is not JSON: %v", resp.Request.Method, resp.Request.URL.Path, b, err)
		}
	}
	return eb
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Message   *string `json:"Message"`
	RequestID *string `json:"RequestID"`
}

// wantWireError asserts the response is an error with status and code in x-amzn-ErrorType, and a
// body with a Message and the request's ID.
func wantWireError(t *testing.T, resp *http.Response, body errorBody, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status: got %v, want %v", resp.StatusCode, status)
	}
	if got := resp.Header.Get("x-amzn-ErrorType"); got != code {
		t.Errorf("x-amzn-ErrorType: got %q, want %q", got, code)
	}
	if body.Message == nil || *body.Message == "" {
		t.Errorf("body Message: got %v, want a message", body.Message)
	}
	rid := resp.Header.Get("x-amzn-RequestId")
	if rid == "" {
		t.Errorf("x-amzn-RequestId: got none, want a request ID")
	}
	if body.RequestID == nil || *body.RequestID != rid {
		t.Errorf("body RequestID: got %v, want %q (the x-amzn-RequestId header)", aws.ToString(body.RequestID), rid)
	}
}

// wantCode asserts err is an API error with the given code (typed or generic) and returns its message.
func wantCode(t *testing.T, err error, code string) string {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %T (%v), want API error %s", err, err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code: got %v (%v), want %v", ae.ErrorCode(), err, code)
	}
	return ae.ErrorMessage()
}

// wantBadRequest asserts err is a BadRequestException whose message contains every one of want;
// an entry "a|b" is satisfied by either alternative.
func wantBadRequest(t *testing.T, err error, want ...string) {
	t.Helper()
	e := wantAPIError[*types.BadRequestException](t, err)
	wantMessage(t, e.ErrorMessage(), want...)
}

// wantMessage asserts msg contains every one of want ("a|b": either).
func wantMessage(t *testing.T, msg string, want ...string) {
	t.Helper()
	for _, w := range want {
		ok := false
		for _, alt := range strings.Split(w, "|") {
			if strings.Contains(msg, alt) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("message %q: got no %q, want it named", msg, w)
		}
	}
}

// statusOf returns the HTTP status of a successful SDK call.
func statusOf(t *testing.T, md smithymiddleware.Metadata) int {
	t.Helper()
	resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok {
		t.Fatalf("no raw HTTP response in the result metadata")
	}
	return resp.StatusCode
}

// errStatus returns the HTTP status of a failed SDK call.
func errStatus(t *testing.T, err error) int {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v carries no HTTP response", err)
	}
	return re.HTTPStatusCode()
}

// requestID returns the x-amzn-RequestId of a successful SDK call.
func requestID(t *testing.T, md smithymiddleware.Metadata) string {
	t.Helper()
	id, ok := awsmiddleware.GetRequestIDMetadata(md)
	if !ok || id == "" {
		t.Fatalf("response has no x-amzn-RequestId")
	}
	return id
}

// sameEndpoint reports a difference between two endpoints as a test error.
func sameEndpoint(t *testing.T, what string, got, want *types.EndpointResponse) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %s, want %s", what, jsonOf(got), jsonOf(want))
	}
}

// jsonOf renders v for messages.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func sameStrings(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

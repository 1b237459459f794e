package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"pinpointd/internal/pinpoint"
	"pinpointd/internal/store"
)

// statusOf is the one table from wire error code to HTTP status.
var statusOf = map[string]int{
	pinpoint.CodeBadRequest:          http.StatusBadRequest,
	pinpoint.CodeNotFound:            http.StatusNotFound,
	pinpoint.CodeMethodNotAllowed:    http.StatusMethodNotAllowed,
	pinpoint.CodePayloadTooLarge:     http.StatusRequestEntityTooLarge,
	pinpoint.CodeTooManyRequests:     http.StatusTooManyRequests,
	pinpoint.CodeInternal:            http.StatusInternalServerError,
	pinpoint.CodeNotImplemented:      http.StatusNotImplemented,
	pinpoint.CodeServiceUnavailable:  http.StatusServiceUnavailable,
	pinpoint.CodeForbidden:           http.StatusForbidden,
	pinpoint.CodeAccessDenied:        http.StatusForbidden,
	pinpoint.CodeConflict:            http.StatusConflict,
	pinpoint.CodeMissingAuthToken:    http.StatusForbidden,
	pinpoint.CodeIncompleteSignature: http.StatusForbidden,
	pinpoint.CodeInvalidSignature:    http.StatusForbidden,
	pinpoint.CodeUnrecognizedClient:  http.StatusForbidden,
	pinpoint.CodeExpiredToken:        http.StatusForbidden,

	// Cognito Identity's (see cognito.go; answered in AWS JSON 1.1).
	codeInvalidParameter: http.StatusBadRequest,
	codeNotAuthorized:    http.StatusBadRequest,
	codeResourceNotFound: http.StatusBadRequest,
	codeUnknownOperation: http.StatusBadRequest,
	codeInternalError:    http.StatusInternalServerError,
}

// retryAfter marks an error that tells the client when to come back (throttling).
type retryAfter struct {
	err     *pinpoint.Error
	seconds int
}

func (e *retryAfter) Error() string { return e.err.Error() }
func (e *retryAfter) Unwrap() error { return e.err }

// toWire turns any error into a wire error. Store sentinels become NotFoundException; anything
// without a code becomes InternalServerErrorException with a generic message (internal=true: the
// caller logs the cause).
func toWire(err error, labels map[string]string) (e *pinpoint.Error, internal bool) {
	switch {
	case errors.As(err, &e):
		if _, ok := statusOf[e.Code]; ok {
			return e, false
		}
	case errors.Is(err, store.ErrAppNotFound):
		if arn := labels["arn"]; arn != "" {
			return notFound("resource", arn), false
		}
		return notFound("application", labels["app"]), false
	case errors.Is(err, store.ErrEndpointNotFound):
		return notFound("endpoint", labels["endpoint"]), false
	case errors.Is(err, store.ErrUserNotFound):
		return notFound("user", labels["user"]), false
	case errors.Is(err, store.ErrSegmentNotFound):
		if arn := labels["arn"]; arn != "" {
			return notFound("resource", arn), false
		}
		return notFound("segment", labels["segment"]), false
	case errors.Is(err, store.ErrJobNotFound):
		return notFound("job", labels["job"]), false
	case errors.Is(err, store.ErrUnavailable):
		return pinpoint.Errorf(pinpoint.CodeInternal, "The service is temporarily unavailable; retry the request."), true
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this answer and nothing failed on our side.
		return pinpoint.Errorf(pinpoint.CodeInternal, "The request was canceled."), false
	case errors.Is(err, context.DeadlineExceeded):
		return pinpoint.Errorf(pinpoint.CodeInternal, "The request timed out; retry the request."), true
	}
	return pinpoint.Errorf(pinpoint.CodeInternal, "Internal server error."), true
}

// notFound names what was not found, with the ID the request gave for it.
func notFound(what, id string) *pinpoint.Error {
	if id == "" {
		return pinpoint.Errorf(pinpoint.CodeNotFound, "Resource not found: %s", what)
	}
	return pinpoint.Errorf(pinpoint.CodeNotFound, "Resource not found: %s '%s'", what, id)
}

// writeError is the only place an error becomes a response.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) int {
	labels, _ := r.Context().Value(keyLabels).(map[string]string)
	e, internal := toWire(err, labels)
	rid := requestID(r.Context())
	if internal {
		s.log.Error("request failed", "request_id", rid, "op", operation(r.Context()), "err", err)
	}
	status := statusOf[e.Code]
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-ErrorType", e.Code)
	var ra *retryAfter
	if errors.As(err, &ra) {
		h.Set("Retry-After", strconv.Itoa(ra.seconds))
	}
	var body []byte
	if jsonRPC(r.Context()) {
		// AWS JSON 1.1 (Cognito Identity): the code in __type, a lowercase message.
		var code string
		code, status = cognitoError(e)
		h.Set("Content-Type", cognitoContentType)
		h.Set("x-amzn-ErrorType", code)
		body, _ = json.Marshal(struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}{code, e.Message})
	} else {
		body, _ = json.Marshal(pinpoint.MessageBody{Message: e.Message, RequestID: rid})
	}
	w.WriteHeader(status)
	w.Write(body)
	return status
}

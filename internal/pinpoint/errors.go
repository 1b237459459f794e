package pinpoint

import (
	"errors"
	"fmt"
)

// Error codes as they appear on the wire in x-amzn-ErrorType.
const (
	CodeBadRequest          = "BadRequestException"
	CodeNotFound            = "NotFoundException"
	CodeMethodNotAllowed    = "MethodNotAllowedException"
	CodePayloadTooLarge     = "PayloadTooLargeException"
	CodeTooManyRequests     = "TooManyRequestsException"
	CodeInternal            = "InternalServerErrorException"
	CodeNotImplemented      = "NotImplementedException" // an operation of the API pinpointd does not serve
	CodeServiceUnavailable  = "ServiceUnavailableException"
	CodeForbidden           = "ForbiddenException"
	CodeAccessDenied        = "AccessDeniedException"
	CodeConflict            = "ConflictException"
	CodeMissingAuthToken    = "MissingAuthenticationTokenException"
	CodeIncompleteSignature = "IncompleteSignatureException"
	CodeInvalidSignature    = "InvalidSignatureException"
	CodeUnrecognizedClient  = "UnrecognizedClientException"
	CodeExpiredToken        = "ExpiredTokenException"
)

// Error is an error with a wire code. Its Message is safe to show to the caller.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a BadRequestException with a formatted message.
func BadRequest(format string, args ...any) *Error {
	return Errorf(CodeBadRequest, format, args...)
}

// ErrorCode returns the wire code of err, or "" when err carries none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

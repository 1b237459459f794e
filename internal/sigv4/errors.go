package sigv4

import (
	"errors"
	"strings"
)

// Wire codes of the refusals Verify returns. They are the strings AWS puts in
// the x-amzn-ErrorType header; every one of them is answered with HTTP 403.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
)

// ErrUnknownKey is returned by a Lookup for an access key that does not exist.
var ErrUnknownKey = errors.New("sigv4: unknown access key")

// Error is a refused request. Code is the AWS wire error code and Message the
// text for the client; neither carries secrets, and values echoed from the
// request are truncated and reduced to printable ASCII.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	return "sigv4: " + e.Code + ": " + e.Message
}

func refuse(code, msg string) *Error {
	return &Error{Code: code, Message: msg}
}

func incomplete(msg string) *Error { return refuse(CodeIncompleteSignature, msg) }

func invalid(msg string) *Error { return refuse(CodeInvalidSignature, msg) }

const (
	msgMissingToken = "Missing Authentication Token"
	msgUnknownKey   = "The security token included in the request is invalid."
	msgMismatch     = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgContentSHA256 = "The provided 'x-amz-content-sha256' header does not match what was computed."
	// Pinpoint is not S3: the payload is always part of the signature.
	msgUnsignedPayload = "UNSIGNED-PAYLOAD is not accepted: the request body must be signed, " +
		"with its SHA-256 as the payload hash."
)

// echo makes a request-supplied value safe to quote in a message: at most 64
// bytes, printable ASCII only. Messages end up in logs and JSON bodies, and a
// refusal must not become a reflection channel for arbitrary bytes.
func echo(s string) string {
	const max = 64
	cut := len(s) > max
	if cut {
		s = s[:max]
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			clean = false
			break
		}
	}
	if clean && !cut {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		b.WriteByte(c)
	}
	if cut {
		b.WriteString("...")
	}
	return b.String()
}

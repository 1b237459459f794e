// Package sigv4 verifies and produces AWS Signature Version 4 Authorization
// headers (algorithm AWS4-HMAC-SHA256) as the AWS SDKs send them to a
// rest-json service such as Amazon Pinpoint, whose signing name is
// "mobiletargeting".
//
// # Verifier
//
// Verifier.Verify is the auth boundary of the server. It fails closed: it
// never panics on any input, and it returns a nil error only for a request
// whose signature was computed with the secret of the access key. A refused
// request yields an *Error carrying an AWS wire code (all are HTTP 403):
//
//   - MissingAuthenticationTokenException: no Authorization header.
//     Presigned (query-string) authentication is not supported, so such a
//     request is treated as unauthenticated.
//   - IncompleteSignatureException: a malformed header — unsupported
//     algorithm, a missing or repeated Credential, SignedHeaders or
//     Signature parameter, a malformed credential scope, SignedHeaders that
//     are not lowercase and sorted or do not include host and x-amz-date, or a
//     missing or malformed X-Amz-Date header.
//   - InvalidSignatureException: a scope with the wrong terminator or service
//     or a region refused by AllowRegion, an X-Amz-Date on another day than
//     the scope or more than MaxSkew from Now, a signed header absent from
//     the request, a signature mismatch, an X-Amz-Content-Sha256 that is not
//     the hash of the body, or UNSIGNED-PAYLOAD.
//   - UnrecognizedClientException: Lookup reported ErrUnknownKey.
//
// VerifyHeaders makes the checks that need no body (everything but the
// signature itself), so that a server can refuse a request before reading its
// body; Verify repeats them.
//
// Any other error is an internal failure (a Verifier without Service or
// Lookup, or a Lookup error) and is not an *Error.
//
// The canonical request follows what the SDKs sign, which differs from a naive
// reading of the request in three ways:
//
//   - The canonical URI is the path exactly as escaped on the wire (from
//     RequestURI, never the decoded URL.Path), URI-encoded a second time:
//     "/v1/apps/a/endpoints/x%2Fy" is signed as ".../x%252Fy". botocore and
//     the JavaScript SDK also remove "." and ".." segments and repeated
//     slashes before encoding, aws-sdk-go-v2 does not; when the path has such
//     segments both forms are tried, otherwise one.
//   - The canonical query decodes each name and value ('+' as a space, which
//     is how aws-sdk-go-v2 sends spaces) and re-encodes them with %20.
//   - The payload is always signed: the payload hash is the SHA-256 of the
//     body received. X-Amz-Content-Sha256 (the JavaScript SDK v3 sends and
//     signs it; botocore and aws-sdk-go-v2 send no such header), when
//     present, must be that hash; "UNSIGNED-PAYLOAD" is refused, since
//     Pinpoint, unlike S3, has no use for it.
//
// X-Amz-Security-Token is signed like any other header when present but is
// not otherwise interpreted: credentials come from Lookup only.
//
// Signatures are compared in constant time. Derived signing keys are cached
// per access key, secret, date, region and service in a bounded cache, so a
// verification costs two SHA-256 passes (body and canonical request) and one
// HMAC. A Verifier is safe for concurrent use; its zero value plus Service and
// Lookup is ready to use.
//
// # Signer
//
// Signer.Sign signs host, x-amz-date and content-type (when present) and
// produces the same signature as aws-sdk-go-v2's v4.Signer.SignHTTP for the
// same request; the load generator and the tests use it as a client.
package sigv4

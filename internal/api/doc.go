// Package api is pinpointd's HTTP face: one route table from AWS operation names to handlers, the
// middleware every request passes (request ID, recovery, body limit, authentication, access log),
// and one error table and error writer. Every operation of the Pinpoint API model that the route
// table does not serve answers 501 NotImplementedException naming it (model.go).
//
// Handlers decode and validate the request with package pinpoint (every rule of a request body
// lives there), call the store, and return a status and a value to encode or an error; only
// writeError turns an error into a response, so every error leaves with x-amzn-ErrorType and
// {"Message","RequestID"}. Paths are routed on their escaped form and unescaped per segment, so
// endpoint IDs and ARNs with '/', '+' or spaces round-trip.
//
// Before a body is read, the request's framing (FramingListener), path (no empty, "." or ".."
// segment) and headers (Authenticator.Precheck) are checked, and the body reserves its length
// in a budget shared by all bodies not yet authenticated; so a request that cannot
// authenticate costs no memory for its body, and all such requests together cost at most the
// budget.
package api

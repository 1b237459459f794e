// Package console is pinpointd's web console: server-rendered HTML (html/template, embedded
// templates, a little CSS and JavaScript, charts drawn as inline SVG on the server) served under
// /console/ by `pinpointd serve --console`.
//
// The console holds no rule of its own. After sign-in, every action is a request to the API
// handler in the same process, signed on the server with the signed-in key (whose secret is
// looked up in the store for each request and never sent to the browser), so authorization (the
// key's allow-list), validation and error messages are the API's. The few read-only views the API
// has no operation for (an endpoint's recent events, lookup by address, the dashboard's counts)
// read the store with the key's account, after the same allow-list check (api.Allows).
//
// Sessions live in the memory of the process (see Sessions); every POST carries the session's
// CSRF token and must come from the console's own origin.
package console

// aws-amplify Analytics against a running pinpointd, as an app uses it: Amplify builds
// https://pinpoint.REGION.amazonaws.com and https://cognito-identity.REGION.amazonaws.com itself, and
// the fetch wrapper below (the recipe in the README, "Amplify apps") sends those requests to
// pinpointd. Guest credentials come from an identity pool pinpointd serves.
//
// Usage: node check.mjs ENDPOINT_URL
// Environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the root key, to read back what was
// stored), AMPLIFY_APP_ID, AMPLIFY_POOL_ID (a pool of that app), AMPLIFY_SHORT_POOL_ID (a pool of
// that app whose credentials live a few seconds), AMPLIFY_OTHER_POOL_ID (a pool of another app).
// pinpointd must run with --signing-hosts 'pinpoint.{region}.amazonaws.com'.
// Exits non-zero on the first failure. Run by .ci/clients.sh.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Amplify } from "aws-amplify";
import { fetchAuthSession } from "aws-amplify/auth";
import { identifyUser, record, flushEvents } from "aws-amplify/analytics/pinpoint";
import { signRequest } from "@aws-amplify/core/internals/aws-client-utils";

const url = process.argv[2];
if (!url) throw new Error("usage: node check.mjs ENDPOINT_URL");
const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} must be set`);
  return v;
};
const region = "us-east-1";
const appId = env("AMPLIFY_APP_ID");
const poolId = env("AMPLIFY_POOL_ID");
const shortPoolId = env("AMPLIFY_SHORT_POOL_ID");
const otherPoolId = env("AMPLIFY_OTHER_POOL_ID");
const root = { accessKeyId: env("AWS_ACCESS_KEY_ID"), secretAccessKey: env("AWS_SECRET_ACCESS_KEY") };
const version = JSON.parse(readFileSync(new URL("./node_modules/aws-amplify/package.json", import.meta.url))).version;

// --- The recipe: send Amplify's Pinpoint and Cognito Identity requests to pinpointd. -------------
const pinpointd = new URL(url);
const realFetch = globalThis.fetch;
const seen = { pinpoint: 0, cognito: 0 };
globalThis.fetch = (input, init = {}) => {
  const target = new URL(input instanceof Request ? input.url : String(input));
  const m = /^(pinpoint|cognito-identity)\.[a-z0-9-]+\.amazonaws\.com$/.exec(target.hostname);
  if (!m) return realFetch(input, init);
  seen[m[1] === "pinpoint" ? "pinpoint" : "cognito"]++;
  target.protocol = pinpointd.protocol;
  target.host = pinpointd.host;
  // A browser drops Host (fetch forbids it); Node would send it, so the check drops it too:
  // pinpointd accepts the signature for pinpoint.{region}.amazonaws.com because of --signing-hosts.
  const headers = { ...init.headers };
  delete headers.host;
  const sent = realFetch(target, { ...init, headers });
  // (Not part of the recipe: the check notes which events pinpointd acknowledged.)
  if (target.pathname.endsWith("/events") && typeof init.body === "string") sent.then((res) => noteEvents(init.body, res.clone()));
  return sent;
};
// ------------------------------------------------------------------------------------------------

// acked holds the EventType of every event pinpointd acknowledged (202) to Amplify's PutEvents.
const acked = new Set();
async function noteEvents(body, res) {
  if (res.status !== 202) return;
  const results = (await res.json()).Results ?? {};
  for (const [endpointId, batch] of Object.entries(JSON.parse(body).BatchItem ?? {})) {
    for (const [eventId, event] of Object.entries(batch.Events ?? {})) {
      if (results[endpointId]?.EventsItemResponse?.[eventId]?.StatusCode === 202) acked.add(event.EventType);
    }
  }
}

Amplify.configure({
  Auth: { Cognito: { identityPoolId: poolId, allowGuestAccess: true } },
  Analytics: { Pinpoint: { appId, region, bufferSize: 1000, flushSize: 100, flushInterval: 60000, resendLimit: 1 } },
});

// signed sends a request to pinpointd signed as Amplify signs, for host pinpoint.REGION.amazonaws.com.
async function signed(credentials, method, path, body) {
  const request = {
    url: new URL(`https://pinpoint.${region}.amazonaws.com${path}`),
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body,
  };
  const s = signRequest(request, { credentials, signingRegion: region, signingService: "mobiletargeting" });
  const res = await globalThis.fetch(s.url, { method, headers: s.headers, body });
  const text = await res.text();
  return { status: res.status, code: res.headers.get("x-amzn-errortype"), body: text ? JSON.parse(text) : null };
}

// guestCredentials gets a guest identity and credentials of pool through the Cognito Identity API.
async function guestCredentials(pool) {
  const call = async (op, input) => {
    const res = await globalThis.fetch(`https://cognito-identity.${region}.amazonaws.com/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityService.${op}` },
      body: JSON.stringify(input),
    });
    const out = await res.json();
    assert.equal(res.status, 200, `${op}: ${JSON.stringify(out)}`);
    return out;
  };
  const { IdentityId } = await call("GetId", { IdentityPoolId: pool });
  const { Credentials } = await call("GetCredentialsForIdentity", { IdentityId });
  return {
    accessKeyId: Credentials.AccessKeyId,
    secretAccessKey: Credentials.SecretKey,
    sessionToken: Credentials.SessionToken,
    expiration: new Date(Credentials.Expiration * 1000),
  };
}

const run = randomBytes(4).toString("hex");
const userId = `user-${run}`;

// 1. Amplify's guest credentials come from pinpointd's identity pool.
const session = await fetchAuthSession();
assert.ok(session.credentials?.sessionToken, "fetchAuthSession: no guest credentials");
assert.match(session.identityId ?? "", /^us-east-1:[0-9a-f-]+$/, "fetchAuthSession: identityId");
assert.match(session.credentials.accessKeyId, /^ASIA/, "guest access key ID");

// 2. identifyUser, record, flushEvents, as an app calls them.
await identifyUser({
  userId,
  userProfile: { email: `${run}@example.com`, name: "Ada", customProperties: { plan: ["pro"] } },
  options: { userAttributes: { favourite: ["blue"] } },
});
record({ name: "purchase", attributes: { item: "book" }, metrics: { price: 12.5 } });
record({ name: "click", attributes: { button: "buy" } });
flushEvents();

// 3. Read back with the root key: the endpoint, the user's attributes, the events.
const userPath = `/v1/apps/${appId}/users/${userId}`;
let endpoints;
for (let i = 0; i < 100; i++) {
  const res = await signed(root, "GET", userPath);
  if (res.status === 200) {
    endpoints = res.body.Item;
    break;
  }
  assert.equal(res.status, 404, `GetUserEndpoints: ${JSON.stringify(res)}`);
  await new Promise((r) => setTimeout(r, 50));
}
assert.ok(endpoints, "identifyUser stored no endpoint for the user");
assert.equal(endpoints.length, 1, `endpoints of ${userId}: ${JSON.stringify(endpoints)}`);
const ep = endpoints[0];
assert.equal(ep.User.UserId, userId);
assert.deepEqual(ep.User.UserAttributes, { favourite: ["blue"] });
assert.deepEqual(ep.Attributes, { email: [`${run}@example.com`], name: ["Ada"], plan: ["pro"] });
assert.equal(ep.EndpointStatus, "ACTIVE");

// The events: flushEvents sends them; wait until pinpointd has acknowledged each one (202 in
// PutEvents' per-event results). .ci/clients.sh then reads them back from the database.
// record() resolves credentials before it buffers, so a flush right after it may find the buffer
// empty: flush until both events have gone out.
for (let i = 0; i < 200 && !(acked.has("purchase") && acked.has("click")); i++) {
  flushEvents();
  await new Promise((r) => setTimeout(r, 50));
}
assert.deepEqual([...acked].sort(), ["click", "purchase"], `events acknowledged: ${[...acked]}`);
assert.ok(seen.cognito >= 2, `Amplify sent ${seen.cognito} Cognito Identity requests, want GetId and GetCredentialsForIdentity`);
console.log(`endpoint ${ep.Id}`);

// The guest credential itself: PutEvents on its app is accepted (as Amplify sends it)…
const guest = session.credentials;
const batch = (endpointId, eventId) =>
  JSON.stringify({
    BatchItem: {
      [endpointId]: {
        Endpoint: {},
        Events: { [eventId]: { EventType: "check", Timestamp: new Date().toISOString(), Session: { Id: "s", StartTimestamp: new Date().toISOString() } } },
      },
    },
  });
let res = await signed(guest, "POST", `/v1/apps/${appId}/events`, batch(ep.Id, `ev-${run}`));
assert.equal(res.status, 202, `PutEvents with the guest credential: ${JSON.stringify(res)}`);
assert.equal(res.body.Results[ep.Id].EventsItemResponse[`ev-${run}`].StatusCode, 202);
// …and an empty Endpoint did not change the endpoint.
const after = await signed(root, "GET", `/v1/apps/${appId}/endpoints/${ep.Id}`);
assert.equal(after.body.EffectiveDate, ep.EffectiveDate, "PutEvents with Endpoint {} changed EffectiveDate");
assert.equal(after.body.RequestId, ep.RequestId, "PutEvents with Endpoint {} changed RequestId");
// …reading is not among the pool's actions.
res = await signed(guest, "GET", `/v1/apps/${appId}/endpoints/${ep.Id}`);
assert.equal(res.status, 403);
assert.equal(res.code, "AccessDeniedException");

// 4. A credential of another app's pool is refused on this app.
const other = await guestCredentials(otherPoolId);
res = await signed(other, "POST", `/v1/apps/${appId}/events`, batch(ep.Id, `other-${run}`));
assert.equal(res.status, 403, `PutEvents with another app's credential: ${JSON.stringify(res)}`);
assert.equal(res.code, "AccessDeniedException");

// 5. An expired credential is refused.
const short = await guestCredentials(shortPoolId);
res = await signed(short, "POST", `/v1/apps/${appId}/events`, batch(ep.Id, `short-${run}`));
assert.equal(res.status, 202, `PutEvents before expiry: ${JSON.stringify(res)}`);
while (Date.now() <= short.expiration.getTime()) await new Promise((r) => setTimeout(r, 100));
res = await signed(short, "POST", `/v1/apps/${appId}/events`, batch(ep.Id, `expired-${run}`));
assert.equal(res.status, 403, `PutEvents after expiry: ${JSON.stringify(res)}`);
assert.equal(res.code, "ExpiredTokenException");

// 6. A session token with the long-term root key is refused.
res = await signed({ ...root, sessionToken: guest.sessionToken }, "GET", `/v1/apps/${appId}`);
assert.equal(res.status, 403);
assert.equal(res.code, "UnrecognizedClientException");

console.log(`aws-amplify ${version}: all checks passed`);
// Amplify keeps timers (its flush interval, session tracking) that would hold the process open.
process.exit(0);

// Conformance check of @aws-sdk/client-pinpoint (AWS SDK for JavaScript v3) against a running pinpointd.
//
// Usage: node check.mjs ENDPOINT_URL
// Credentials and region come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION.
// Exits non-zero (with the failed assertion or SDK error) on the first failure. Run by .ci/clients.sh.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  PinpointClient,
  CreateAppCommand,
  GetAppCommand,
  DeleteAppCommand,
  UpdateEndpointCommand,
  GetEndpointCommand,
  DeleteEndpointCommand,
  UpdateEndpointsBatchCommand,
  GetUserEndpointsCommand,
  PutEventsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ListTagsForResourceCommand,
} from "@aws-sdk/client-pinpoint";

const url = process.argv[2];
if (!url) throw new Error("usage: node check.mjs ENDPOINT_URL");
const region = process.env.AWS_DEFAULT_REGION || "us-east-1";
const sdkVersion = JSON.parse(
  readFileSync(new URL("./node_modules/@aws-sdk/client-pinpoint/package.json", import.meta.url)),
).version;

// Every signed request as sent: method, path, signed headers. Used to prove the wire encoding.
const sent = [];
function client(credentials) {
  const c = new PinpointClient({ region, endpoint: url, maxAttempts: 1, ...(credentials ? { credentials } : {}) });
  c.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request;
      sent.push({ method: req.method, path: req.path, headers: { ...req.headers } });
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "recordRequests" },
  );
  return c;
}

const pp = client();
const run = randomBytes(4).toString("hex");
const status = (out) => out.$metadata.httpStatusCode;

async function rejects(promise, check, what) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: expected an error, the call succeeded`);
  try {
    check(err);
  } catch (e) {
    e.message += ` (SDK error: ${err.name}: ${err.message}, status ${err.$metadata?.httpStatusCode})`;
    throw e;
  }
}

// --- apps
let out = await pp.send(new CreateAppCommand({ CreateApplicationRequest: { Name: `js-${run}`, tags: { team: "x" } } }));
assert.equal(status(out), 201, "CreateApp status");
const appId = out.ApplicationResponse.Id;
const arn = out.ApplicationResponse.Arn;
assert.equal(out.ApplicationResponse.Name, `js-${run}`);
assert.deepEqual(out.ApplicationResponse.tags, { team: "x" });
out = await pp.send(new GetAppCommand({ ApplicationId: appId }));
assert.equal(out.ApplicationResponse.Id, appId);
assert.equal(out.ApplicationResponse.Arn, arn);

// --- UpdateEndpoint / GetEndpoint with IDs that need percent-encoding
const user = `user ${run}/+x`;
for (const epId of ["a/b+c d", `js/${run}+1 2`, "plain-id"]) {
  out = await pp.send(
    new UpdateEndpointCommand({
      ApplicationId: appId,
      EndpointId: epId,
      EndpointRequest: {
        Address: `token-${run}-${epId}`,
        ChannelType: "GCM",
        Attributes: { Interests: ["Music", "Travel"], "k/+ ": ["v 1"] },
        Location: { Latitude: 47.61, Longitude: -122.33 },
        User: { UserId: user, UserAttributes: { plan: ["gold"] } },
      },
    }),
  );
  assert.equal(status(out), 202, "UpdateEndpoint status");
  assert.ok(out.MessageBody?.Message, `UpdateEndpoint MessageBody: ${JSON.stringify(out.MessageBody)}`);
  out = await pp.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: epId }));
  const ep = out.EndpointResponse;
  assert.equal(ep.Id, epId, "GetEndpoint Id");
  assert.equal(ep.ApplicationId, appId);
  assert.equal(ep.ChannelType, "GCM");
  assert.equal(ep.Location.Latitude, 47.6, "GetEndpoint Latitude");
  assert.deepEqual(ep.Attributes, { Interests: ["Music", "Travel"], "k/+ ": ["v 1"] });
  assert.deepEqual(ep.User, { UserId: user, UserAttributes: { plan: ["gold"] } });
  assert.equal(typeof ep.CohortId, "string", `CohortId: ${JSON.stringify(ep.CohortId)}`);
}
// The SDK percent-encodes every reserved character of the label and signs x-amz-content-sha256.
const put = sent.find((r) => r.method === "PUT" && r.path.endsWith("/endpoints/a%2Fb%2Bc%20d"));
assert.ok(put, `no PUT .../endpoints/a%2Fb%2Bc%20d among ${JSON.stringify(sent.map((r) => r.path))}`);
const signed = /SignedHeaders=([^,]+)/.exec(put.headers.authorization)?.[1] ?? "";
assert.ok(signed.split(";").includes("x-amz-content-sha256"), `SignedHeaders=${signed}`);
assert.match(put.headers["x-amz-content-sha256"], /^[0-9a-f]{64}$/);

// --- UpdateEndpointsBatch + GetUserEndpoints
const buser = `batch user/${run}+`;
const items = [0, 1, 2].map((i) => ({
  Id: `batch ${i}/${run}+`,
  Address: `batch-${run}-${i}`,
  ChannelType: "GCM",
  User: { UserId: buser },
}));
out = await pp.send(new UpdateEndpointsBatchCommand({ ApplicationId: appId, EndpointBatchRequest: { Item: items } }));
assert.equal(status(out), 202, "UpdateEndpointsBatch status");
out = await pp.send(new GetUserEndpointsCommand({ ApplicationId: appId, UserId: buser }));
assert.deepEqual(out.EndpointsResponse.Item.map((e) => e.Id).sort(), items.map((i) => i.Id).sort());
for (const e of out.EndpointsResponse.Item) assert.equal(e.User.UserId, buser);

// --- PutEvents
const evEp = `events/${run}+ x`;
const evId = `event ${run}`;
out = await pp.send(
  new PutEventsCommand({
    ApplicationId: appId,
    EventsRequest: {
      BatchItem: {
        [evEp]: {
          Endpoint: { Address: `events-${run}`, ChannelType: "GCM" },
          Events: {
            [evId]: {
              EventType: "session.start",
              Timestamp: "2026-01-02T03:04:05.000Z",
              Attributes: { a: "b" },
              Metrics: { m: 1.5 },
            },
          },
        },
      },
    },
  }),
);
assert.equal(status(out), 202, "PutEvents status");
const res = out.EventsResponse.Results[evEp];
assert.equal(res.EndpointItemResponse.StatusCode, 202, "EndpointItemResponse.StatusCode");
assert.equal(res.EventsItemResponse[evId].StatusCode, 202, "EventsItemResponse.StatusCode");
out = await pp.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: evEp }));
assert.equal(out.EndpointResponse.Id, evEp);

// --- tags on the app ARN (percent-encoded into the path)
out = await pp.send(new TagResourceCommand({ ResourceArn: arn, TagsModel: { tags: { env: "ci", "owner key": "a/b+c" } } }));
assert.equal(status(out), 204, "TagResource status");
assert.ok(
  sent.some((r) => r.method === "POST" && r.path.startsWith("/v1/tags/arn%3Aaws%3Amobiletargeting%3A")),
  `TagResource path not percent-encoded: ${JSON.stringify(sent.at(-1).path)}`,
);
out = await pp.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
assert.deepEqual(out.TagsModel.tags, { team: "x", env: "ci", "owner key": "a/b+c" });
out = await pp.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ["env", "owner key"] }));
assert.equal(status(out), 204, "UntagResource status");
out = await pp.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
assert.deepEqual(out.TagsModel.tags, { team: "x" });

// --- modeled NotFoundException
await rejects(
  pp.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: `missing/${run}+ x` })),
  (e) => {
    assert.equal(e.name, "NotFoundException");
    assert.equal(e.$metadata.httpStatusCode, 404);
  },
  "GetEndpoint of an unknown ID",
);

// --- wrong secret => InvalidSignatureException
const bad = client({ accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: "x".repeat(40) });
await rejects(
  bad.send(new GetAppCommand({ ApplicationId: appId })),
  (e) => {
    assert.equal(e.name, "InvalidSignatureException");
    assert.equal(e.$metadata.httpStatusCode, 403);
  },
  "request signed with a wrong secret",
);

// --- DeleteEndpoint returns the deleted endpoint; DeleteApp
out = await pp.send(new DeleteEndpointCommand({ ApplicationId: appId, EndpointId: "a/b+c d" }));
assert.equal(status(out), 202, "DeleteEndpoint status");
assert.equal(out.EndpointResponse.Id, "a/b+c d");
assert.equal(out.EndpointResponse.Address, `token-${run}-a/b+c d`);
await rejects(
  pp.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "a/b+c d" })),
  (e) => assert.equal(e.name, "NotFoundException"),
  "GetEndpoint after DeleteEndpoint",
);
out = await pp.send(new DeleteAppCommand({ ApplicationId: appId }));
assert.equal(status(out), 200, "DeleteApp status");
assert.equal(out.ApplicationResponse.Id, appId);
await rejects(
  pp.send(new GetAppCommand({ ApplicationId: appId })),
  (e) => assert.equal(e.name, "NotFoundException"),
  "GetApp after DeleteApp",
);

console.log(`@aws-sdk/client-pinpoint ${sdkVersion} (node ${process.version}): all checks passed`);

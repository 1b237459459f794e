-- pinpointd schema, version 1.
--
-- Every application-scoped table leads with app_id so rows shard by application on distributed
-- engines (CockroachDB, YugabyteDB, Citus). Plain SQL only: no extensions, no triggers, no
-- functions, no column collations (CockroachDB cannot create a COLLATE "C" column). Where the
-- store promises IDs in byte order, as Go compares strings, it sorts in Go; ListApps relies on app
-- IDs being lowercase hex, which every collation orders byte-wise.
-- "No user" and "no address" are '' (never NULL), as in pinpoint.Endpoint.

CREATE TABLE apps (
    app_id        text PRIMARY KEY,
    account       text NOT NULL,
    name          text NOT NULL DEFAULT '',
    creation_date text NOT NULL DEFAULT '',
    tags          text NOT NULL DEFAULT '', -- JSON
    excluded      text NOT NULL DEFAULT ''  -- JSON
);
CREATE INDEX apps_account ON apps (account, app_id);

-- doc is store.EncodeEndpoint's document; status and user_id are authoritative over it (see
-- store.DecodeEndpoint), address, channel_type and effective_date copy it for the rules' queries.
CREATE TABLE endpoints (
    app_id         text NOT NULL,
    id             text NOT NULL,
    address        text NOT NULL DEFAULT '',
    channel_type   text NOT NULL DEFAULT '',
    status         text NOT NULL,
    user_id        text NOT NULL DEFAULT '',
    effective_date text NOT NULL DEFAULT '',
    last_event_at  timestamptz,
    doc            text NOT NULL,
    PRIMARY KEY (app_id, id)
);
-- The database itself guarantees one ACTIVE endpoint per address and app.
CREATE UNIQUE INDEX endpoints_active_address ON endpoints (app_id, address)
    WHERE status = 'ACTIVE' AND address <> '';
CREATE INDEX endpoints_user ON endpoints (app_id, user_id) WHERE user_id <> '';

-- One row per user with endpoints: the user's attributes, stored once, and the row whose lock
-- serializes every change to the user's set of endpoints.
CREATE TABLE users (
    app_id  text NOT NULL,
    user_id text NOT NULL,
    attrs   text NOT NULL DEFAULT '', -- JSON
    PRIMARY KEY (app_id, user_id)
);

CREATE TABLE events (
    app_id      text NOT NULL,
    endpoint_id text NOT NULL,
    event_id    text NOT NULL,
    event_type  text NOT NULL DEFAULT '',
    ts          timestamptz NOT NULL,
    body        text NOT NULL DEFAULT '', -- the event's JSON
    PRIMARY KEY (app_id, endpoint_id, event_id)
);

CREATE TABLE keys (
    access_key_id text PRIMARY KEY,
    secret        text NOT NULL,
    account       text NOT NULL,
    allow         text NOT NULL DEFAULT '', -- JSON
    created       timestamptz NOT NULL,
    revoked       boolean NOT NULL DEFAULT false
);

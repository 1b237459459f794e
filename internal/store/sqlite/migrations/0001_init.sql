-- Apps belong to one account. tags and excluded are JSON objects.
CREATE TABLE apps (
    app_id        TEXT PRIMARY KEY,
    account       TEXT NOT NULL,
    name          TEXT NOT NULL,
    creation_date TEXT NOT NULL,
    tags          TEXT NOT NULL DEFAULT '{}',
    excluded      TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
CREATE INDEX apps_account ON apps (account, app_id);

-- One row per endpoint. doc is the endpoint's JSON (store.EncodeEndpoint); status and user_id are
-- authoritative over doc.
CREATE TABLE endpoints (
    app_id         TEXT NOT NULL,
    id             TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    channel_type   TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    user_id        TEXT NOT NULL DEFAULT '',
    effective_date TEXT NOT NULL,
    last_event_at  TEXT,
    doc            BLOB NOT NULL,
    PRIMARY KEY (app_id, id)
) WITHOUT ROWID;
-- The database itself keeps one ACTIVE endpoint per address and app.
CREATE UNIQUE INDEX endpoints_active_address ON endpoints (app_id, address) WHERE status = 'ACTIVE' AND address <> '';
-- Not partial: SQLite's planner uses it for user_id = ? only without a user_id <> '' term.
CREATE INDEX endpoints_user ON endpoints (app_id, user_id);

-- A user's attributes, once per (app, user).
CREATE TABLE users (
    app_id  TEXT NOT NULL,
    user_id TEXT NOT NULL,
    attrs   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (app_id, user_id)
) WITHOUT ROWID;

CREATE TABLE events (
    app_id      TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    ts          TEXT NOT NULL,
    body        BLOB NOT NULL,
    PRIMARY KEY (app_id, endpoint_id, event_id)
) WITHOUT ROWID;

CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    secret        TEXT NOT NULL,
    account       TEXT NOT NULL,
    allow         TEXT NOT NULL DEFAULT '[]',
    created       TEXT NOT NULL,
    revoked       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

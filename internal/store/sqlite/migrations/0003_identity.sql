-- pinpointd SQLite schema: identity pools (Cognito Identity's GetId / GetCredentialsForIdentity).
--
-- A pool belongs to one app, so its key leads with app_id; pools are also looked up by their ID
-- alone (GetId names only the pool). Identities and credentials are looked up by their own ID
-- alone, as access keys are. Times are Unix seconds (expires is compared in SQL).
CREATE TABLE identity_pools (
    app_id      TEXT NOT NULL,
    pool_id     TEXT NOT NULL,
    account     TEXT NOT NULL,
    allow       TEXT NOT NULL, -- JSON array
    ttl_seconds INTEGER NOT NULL,
    created     INTEGER NOT NULL,
    PRIMARY KEY (app_id, pool_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX identity_pools_id ON identity_pools (pool_id);

CREATE TABLE identities (
    identity_id TEXT PRIMARY KEY,
    pool_id     TEXT NOT NULL,
    created     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX identities_pool ON identities (pool_id);

CREATE TABLE identity_credentials (
    access_key_id TEXT PRIMARY KEY,
    secret        TEXT NOT NULL,
    token_hash    TEXT NOT NULL, -- hex SHA-256 of the session token
    identity_id   TEXT NOT NULL,
    pool_id       TEXT NOT NULL,
    issued        INTEGER NOT NULL,
    expires       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX identity_credentials_identity ON identity_credentials (identity_id, expires);
CREATE INDEX identity_credentials_pool ON identity_credentials (pool_id);

-- pinpointd SQLite schema: identity pools (Cognito Identity's GetId / GetCredentialsForIdentity).
-- The same shape as PostgreSQL's 0004_identity.sql: pools are global (named by their ID alone),
-- identities and credentials are app-scoped with app_id leading their keys, and looked up by their
-- own ID through a plain index. Times are Unix seconds.
CREATE TABLE identity_pools (
    pool_id     TEXT PRIMARY KEY,
    app         TEXT NOT NULL,
    account     TEXT NOT NULL,
    allow       TEXT NOT NULL, -- JSON array
    ttl_seconds INTEGER NOT NULL,
    created     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE identities (
    app_id      TEXT NOT NULL,
    identity_id TEXT NOT NULL,
    pool_id     TEXT NOT NULL,
    created     INTEGER NOT NULL,
    PRIMARY KEY (app_id, identity_id)
) WITHOUT ROWID;
CREATE INDEX identities_id ON identities (identity_id);
CREATE INDEX identities_pool ON identities (app_id, pool_id);

CREATE TABLE identity_credentials (
    app_id        TEXT NOT NULL,
    access_key_id TEXT NOT NULL,
    secret        TEXT NOT NULL,
    token_hash    TEXT NOT NULL, -- hex SHA-256 of the session token
    identity_id   TEXT NOT NULL,
    pool_id       TEXT NOT NULL,
    issued        INTEGER NOT NULL,
    expires       INTEGER NOT NULL,
    PRIMARY KEY (app_id, access_key_id)
) WITHOUT ROWID;
CREATE INDEX identity_credentials_id ON identity_credentials (access_key_id);
CREATE INDEX identity_credentials_identity ON identity_credentials (app_id, identity_id, expires);
CREATE INDEX identity_credentials_pool ON identity_credentials (app_id, pool_id);

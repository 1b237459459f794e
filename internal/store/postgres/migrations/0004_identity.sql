-- pinpointd schema: identity pools (Cognito Identity's GetId / GetCredentialsForIdentity).
--
-- A pool belongs to one app, so its key leads with app_id (rows shard by application); pools are
-- also looked up by their ID alone (GetId names only the pool). Identities and credentials are
-- looked up by their own ID alone, as access keys are.
CREATE TABLE identity_pools (
    app_id      text NOT NULL,
    pool_id     text NOT NULL,
    account     text NOT NULL,
    allow       text NOT NULL, -- JSON array
    ttl_seconds bigint NOT NULL,
    created     timestamptz NOT NULL,
    PRIMARY KEY (app_id, pool_id)
);
CREATE UNIQUE INDEX identity_pools_id ON identity_pools (pool_id);

CREATE TABLE identities (
    identity_id text PRIMARY KEY,
    pool_id     text NOT NULL,
    created     timestamptz NOT NULL
);
CREATE INDEX identities_pool ON identities (pool_id);

CREATE TABLE identity_credentials (
    access_key_id text PRIMARY KEY,
    secret        text NOT NULL,
    token_hash    text NOT NULL, -- hex SHA-256 of the session token
    identity_id   text NOT NULL,
    pool_id       text NOT NULL,
    issued        timestamptz NOT NULL,
    expires       timestamptz NOT NULL
);
CREATE INDEX identity_credentials_identity ON identity_credentials (identity_id, expires);
CREATE INDEX identity_credentials_pool ON identity_credentials (pool_id);

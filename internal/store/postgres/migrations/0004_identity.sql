-- pinpointd schema: identity pools (Cognito Identity's GetId / GetCredentialsForIdentity).
--
-- identity_pools is a global table, like keys: operators create a handful, and unsigned GetId
-- names a pool by its ID alone. Its app is in `app` (not app_id: the table is not distributed by
-- it; on Citus it is a reference table, see citus.go globalTables).
--
-- identities and identity_credentials grow with an app's installs, so they are app-scoped: app_id
-- leads their primary keys (rows shard by application). GetCredentialsForIdentity and SigV4 name
-- an identity or a credential by its ID alone, hence the plain (non-unique) indexes on those IDs;
-- the IDs are random (a UUID; 16 characters of 32 after ASIA), and the pool-scoped writes name the
-- app. No foreign keys (see citus.go).
CREATE TABLE identity_pools (
    pool_id     text PRIMARY KEY,
    app         text NOT NULL,
    account     text NOT NULL,
    allow       text NOT NULL, -- JSON array
    ttl_seconds bigint NOT NULL,
    created     timestamptz NOT NULL
);

CREATE TABLE identities (
    app_id      text NOT NULL,
    identity_id text NOT NULL,
    pool_id     text NOT NULL,
    created     timestamptz NOT NULL,
    PRIMARY KEY (app_id, identity_id)
);
CREATE INDEX identities_id ON identities (identity_id);
CREATE INDEX identities_pool ON identities (app_id, pool_id);

CREATE TABLE identity_credentials (
    app_id        text NOT NULL,
    access_key_id text NOT NULL,
    secret        text NOT NULL,
    token_hash    text NOT NULL, -- hex SHA-256 of the session token
    identity_id   text NOT NULL,
    pool_id       text NOT NULL,
    issued        timestamptz NOT NULL,
    expires       timestamptz NOT NULL,
    PRIMARY KEY (app_id, access_key_id)
);
CREATE INDEX identity_credentials_id ON identity_credentials (access_key_id);
CREATE INDEX identity_credentials_identity ON identity_credentials (app_id, identity_id, expires);
CREATE INDEX identity_credentials_pool ON identity_credentials (app_id, pool_id);

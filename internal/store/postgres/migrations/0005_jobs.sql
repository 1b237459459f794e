-- pinpointd schema, version 5: import and export jobs (issue 14).
--
-- definition, failures and checkpoint are JSON text; lease_until is Unix milliseconds; owner is ''
-- when no runner holds the job. ClaimJob runs SERIALIZABLE, so the per-account limit of running
-- jobs holds across processes without locks of its own.
CREATE TABLE jobs (
    app_id           text NOT NULL,
    id               text NOT NULL,
    account          text NOT NULL,
    type             text NOT NULL,
    status           text NOT NULL,
    segment_id       text NOT NULL DEFAULT '',
    definition       text NOT NULL,
    creation_date    text NOT NULL,
    completion_date  text NOT NULL DEFAULT '',
    total_pieces     bigint NOT NULL DEFAULT 0,
    completed_pieces bigint NOT NULL DEFAULT 0,
    failed_pieces    bigint NOT NULL DEFAULT 0,
    total_processed  bigint NOT NULL DEFAULT 0,
    total_failures   bigint NOT NULL DEFAULT 0,
    failures         text NOT NULL DEFAULT '[]',
    owner            text NOT NULL DEFAULT '',
    lease_until      bigint NOT NULL DEFAULT 0,
    checkpoint       text NOT NULL DEFAULT '',
    PRIMARY KEY (app_id, id)
);
CREATE INDEX jobs_list ON jobs (app_id, type, creation_date, id);
CREATE INDEX jobs_runnable ON jobs (creation_date, app_id, id) WHERE status NOT IN ('COMPLETED', 'FAILED');

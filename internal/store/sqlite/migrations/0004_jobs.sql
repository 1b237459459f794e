-- Import and export jobs (issue 14). definition, failures and checkpoint are JSON; lease_until is
-- Unix milliseconds; owner is '' when no runner holds the job.
CREATE TABLE jobs (
    app_id           TEXT NOT NULL,
    id               TEXT NOT NULL,
    account          TEXT NOT NULL,
    type             TEXT NOT NULL,
    status           TEXT NOT NULL,
    segment_id       TEXT NOT NULL DEFAULT '',
    definition       TEXT NOT NULL,
    creation_date    TEXT NOT NULL,
    completion_date  TEXT NOT NULL DEFAULT '',
    total_pieces     INTEGER NOT NULL DEFAULT 0,
    completed_pieces INTEGER NOT NULL DEFAULT 0,
    failed_pieces    INTEGER NOT NULL DEFAULT 0,
    total_processed  INTEGER NOT NULL DEFAULT 0,
    total_failures   INTEGER NOT NULL DEFAULT 0,
    failures         TEXT NOT NULL DEFAULT '[]',
    owner            TEXT NOT NULL DEFAULT '',
    lease_until      INTEGER NOT NULL DEFAULT 0,
    checkpoint       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (app_id, id)
) WITHOUT ROWID;
CREATE INDEX jobs_list ON jobs (app_id, type, creation_date, id);
-- The runners' queue: only jobs that are not done.
CREATE INDEX jobs_runnable ON jobs (creation_date, app_id, id) WHERE status NOT IN ('COMPLETED', 'FAILED');

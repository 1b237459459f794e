-- pinpointd schema, version 7: the dashboard's counts (Store.AppStats, issue 17) without reading
-- every endpoint and event row of an app.
--
-- endpoint_counts and event_days are kept by triggers, in the transaction of every write to
-- endpoints and events, so they are exact at every commit. endpoint_counts follows inserts,
-- updates and deletes of endpoints; event_days counts events as they are recorded and keeps
-- counting them after they are deleted with their endpoint (as Pinpoint's analytics did, and
-- as the SQLite store does, where a delete trigger made DeleteApp of an app with 3,000,000
-- events take 25 s instead of 8 s). pinpointd never updates an event row. These are the schema's
-- first functions and triggers (0001 kept to plain SQL for distributed engines): on Citus, creating
-- them needs citus.enable_unsafe_triggers = on (a trigger only touches rows of its own app, which
-- are co-located with the row written: the case Citus calls safe), and the statement-level ones
-- may not be supported there or on CockroachDB. Not tested on any distributed engine.
--
-- Hot rows: every writer of one app would otherwise update the same counter row (one per app and
-- day, or per app, channel and status) and hold its lock until commit, so writers of one app would
-- queue behind each other. Each counter is split into 64 rows by the writing backend's process ID;
-- two transactions contend only when their backends' PIDs agree modulo 64 (and may then
-- deadlock, if they update two counters in opposite orders: PostgreSQL detects it and the store
-- retries the transaction, as for any deadlock). Readers add the rows up. A row whose n falls to 0 stays until its app is deleted; readers skip sums of 0.
--
-- Endpoint deletes and event inserts are counted by statement-level triggers (one grouped upsert
-- per statement, so that deleting an app's million endpoints costs one aggregate, not a million
-- upserts); endpoint inserts by a row-level trigger (pinpointd inserts endpoints one row per
-- statement, and a statement trigger's transition table cost creates 12 % of UpdateEndpointsBatch's
-- rate: 23,879-24,603 against 26,978-27,379 endpoints/s, alternating); endpoint updates by a
-- row-level trigger that runs only when a counted column changed (transition tables cannot be
-- combined with a column list, and most endpoint updates change neither column).
--
-- Locks: the migration locks endpoints and events in SHARE ROW EXCLUSIVE mode (reads go on,
-- writes wait) while it counts the existing rows and builds endpoints_user_last_event: measured
-- here, 2 s in all for 1,000,000 endpoints and 3,000,000 events. On a big database an operator can
-- build the index beforehand without blocking writes, and this migration then skips it:
--   CREATE INDEX CONCURRENTLY IF NOT EXISTS endpoints_user_last_event ON endpoints (app_id, user_id, last_event_at)
--       WHERE last_event_at IS NOT NULL AND user_id <> '';
-- (if that build fails it leaves an INVALID index: DROP INDEX CONCURRENTLY endpoints_user_last_event
-- and build it again).

LOCK TABLE endpoints, events IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE endpoint_counts (
    app_id       text NOT NULL,
    channel_type text NOT NULL,
    status       text NOT NULL,
    shard        integer NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (app_id, channel_type, status, shard)
);
INSERT INTO endpoint_counts (app_id, channel_type, status, shard, n)
    SELECT app_id, channel_type, status, 0, count(*) FROM endpoints GROUP BY app_id, channel_type, status;

-- day is the UTC day of the events' ts.
CREATE TABLE event_days (
    app_id text NOT NULL,
    day    date NOT NULL,
    shard  integer NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (app_id, day, shard)
);
INSERT INTO event_days (app_id, day, shard, n)
    SELECT app_id, (ts AT TIME ZONE 'UTC')::date, 0, count(*) FROM events GROUP BY 1, 2;

CREATE FUNCTION endpoint_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO endpoint_counts (app_id, channel_type, status, shard, n)
        VALUES (NEW.app_id, NEW.channel_type, NEW.status, pg_backend_pid() % 64, 1)
        ON CONFLICT (app_id, channel_type, status, shard) DO UPDATE SET n = endpoint_counts.n + 1;
    RETURN NULL;
END $$;
CREATE FUNCTION endpoint_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO endpoint_counts (app_id, channel_type, status, shard, n)
        SELECT app_id, channel_type, status, pg_backend_pid() % 64, -count(*) FROM old_rows GROUP BY 1, 2, 3
        ON CONFLICT (app_id, channel_type, status, shard) DO UPDATE SET n = endpoint_counts.n + excluded.n;
    RETURN NULL;
END $$;
CREATE FUNCTION endpoint_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO endpoint_counts (app_id, channel_type, status, shard, n)
        VALUES (OLD.app_id, OLD.channel_type, OLD.status, pg_backend_pid() % 64, -1),
               (NEW.app_id, NEW.channel_type, NEW.status, pg_backend_pid() % 64, 1)
        ON CONFLICT (app_id, channel_type, status, shard) DO UPDATE SET n = endpoint_counts.n + excluded.n;
    RETURN NULL;
END $$;
CREATE FUNCTION event_days_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_days (app_id, day, shard, n)
        SELECT app_id, (ts AT TIME ZONE 'UTC')::date, pg_backend_pid() % 64, count(*) FROM new_rows GROUP BY 1, 2
        ON CONFLICT (app_id, day, shard) DO UPDATE SET n = event_days.n + excluded.n;
    RETURN NULL;
END $$;
-- The triggers are not created where the citus extension is installed: Citus does not run a
-- coordinator's triggers on the shards of a distributed table. There (and after `pinpointd
-- migrate --distribute`, which drops them) AppStats counts the rows instead (slow on large apps).
DO $do$
BEGIN
IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    CREATE TRIGGER endpoint_counts_insert AFTER INSERT ON endpoints
        FOR EACH ROW EXECUTE FUNCTION endpoint_counts_insert();
    CREATE TRIGGER endpoint_counts_delete AFTER DELETE ON endpoints REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION endpoint_counts_delete();
    CREATE TRIGGER endpoint_counts_update AFTER UPDATE OF app_id, channel_type, status ON endpoints FOR EACH ROW
        WHEN (OLD.app_id IS DISTINCT FROM NEW.app_id OR OLD.channel_type IS DISTINCT FROM NEW.channel_type OR OLD.status IS DISTINCT FROM NEW.status)
        EXECUTE FUNCTION endpoint_counts_update();
    CREATE TRIGGER event_days_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION event_days_insert();
END IF;
END
$do$;

-- Active users: each user's latest event is the max over the user's entries, read in user order,
-- so the grouping streams. (An index led by last_event_at reads only the window's endpoints but
-- must hash them by user, and spilled to disk with 300,000 users: 0.4-0.7 s against 0.3-0.4 s
-- with 1,000,000 endpoints active in the window.)
CREATE INDEX IF NOT EXISTS endpoints_user_last_event ON endpoints (app_id, user_id, last_event_at)
    WHERE last_event_at IS NOT NULL AND user_id <> '';

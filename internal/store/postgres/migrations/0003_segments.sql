-- pinpointd schema, version 3: segments.
--
-- segments holds one row per segment: the number of its latest version and its tags (tags belong
-- to the segment, not to a version); its row lock serializes the segment's updates.
-- segment_versions holds every version, with the definition exactly as the client sent it
-- (dimensions or segment_groups, NULL when absent). Those are bytea, not jsonb: jsonb would
-- reorder keys and drop duplicates, and responses must echo the definition unchanged.
CREATE TABLE segments (
    app_id     text NOT NULL,
    segment_id text NOT NULL,
    latest     integer NOT NULL,
    tags       text NOT NULL DEFAULT '', -- JSON
    PRIMARY KEY (app_id, segment_id)
);

CREATE TABLE segment_versions (
    app_id             text NOT NULL,
    segment_id         text NOT NULL,
    version            integer NOT NULL,
    name               text NOT NULL DEFAULT '',
    segment_type       text NOT NULL,
    dimensions         bytea,
    segment_groups     bytea,
    import_definition  text, -- JSON of pinpoint.SegmentImportResource, IMPORT segments only
    creation_date      text NOT NULL,
    last_modified_date text NOT NULL,
    PRIMARY KEY (app_id, segment_id, version)
);

-- Segments. segments holds one row per segment: the number of its latest version and its tags
-- (tags belong to the segment, not to a version). segment_versions holds every version, with the
-- definition exactly as the client sent it (dimensions or segment_groups, NULL when absent), so
-- that responses echo it unchanged.
CREATE TABLE segments (
    app_id     TEXT NOT NULL,
    segment_id TEXT NOT NULL,
    latest     INTEGER NOT NULL,
    tags       TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (app_id, segment_id)
) WITHOUT ROWID;

CREATE TABLE segment_versions (
    app_id             TEXT NOT NULL,
    segment_id         TEXT NOT NULL,
    version            INTEGER NOT NULL,
    name               TEXT NOT NULL,
    segment_type       TEXT NOT NULL,
    dimensions         BLOB,
    segment_groups     BLOB,
    import_definition  TEXT, -- JSON of pinpoint.SegmentImportResource, IMPORT segments only
    creation_date      TEXT NOT NULL,
    last_modified_date TEXT NOT NULL,
    PRIMARY KEY (app_id, segment_id, version)
) WITHOUT ROWID;

-- Members of IMPORT segments: the endpoints import jobs put in them. An endpoint deleted later
-- stays listed here; readers join with endpoints to see only members that still exist.
CREATE TABLE segment_members (
    app_id      TEXT NOT NULL,
    segment_id  TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    PRIMARY KEY (app_id, segment_id, endpoint_id)
) WITHOUT ROWID;

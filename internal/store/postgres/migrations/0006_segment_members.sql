-- pinpointd schema, version 6: members of IMPORT segments (issue 14).
--
-- The endpoints import jobs put in an IMPORT segment. An endpoint deleted later stays listed
-- here; readers join with endpoints to see only members that still exist. No foreign keys, so
-- that the table distributes by app_id on Citus.
CREATE TABLE segment_members (
    app_id      text NOT NULL,
    segment_id  text NOT NULL,
    endpoint_id text NOT NULL,
    PRIMARY KEY (app_id, segment_id, endpoint_id)
);

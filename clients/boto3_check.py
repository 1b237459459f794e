#!/usr/bin/env python3
"""Conformance check of boto3 (Debian python3-boto3) against a running pinpointd.

Usage: boto3_check.py ENDPOINT_URL
Credentials and region come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION;
PINPOINTD_CHECK_JOB_DIR names a directory the server allows for jobs (--job-dirs).
Exits non-zero (with a traceback) on the first failed assertion. Run by .ci/clients.sh.
"""
import os
import sys
import time
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

URL = sys.argv[1]
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
CFG = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=20)


def client(secret=None):
    kw = {}
    if secret is not None:
        kw = {"aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": secret}
    return boto3.session.Session(region_name=REGION).client("pinpoint", endpoint_url=URL, config=CFG, **kw)


def eq(got, want, what):
    assert got == want, f"{what}: got {got!r}, want {want!r}"


def status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


pp = client()
run = uuid.uuid4().hex[:8]

# Every request as sent (method, URL, headers), to prove the wire encoding.
sent = []
pp.meta.events.register("before-send.pinpoint", lambda request, **_: sent.append(request) and None)


def sent_path(method, needle):
    hits = [r for r in sent if r.method == method and needle in r.url]
    assert hits, f"no {method} with {needle!r} among {[r.url for r in sent]}"
    return hits[-1]

# --- apps
app = pp.create_app(CreateApplicationRequest={"Name": f"boto3-{run}", "tags": {"team": "x"}})
eq(status(app), 201, "CreateApp status")
app = app["ApplicationResponse"]
app_id, arn = app["Id"], app["Arn"]
eq(app["Name"], f"boto3-{run}", "CreateApp Name")
eq(app.get("tags"), {"team": "x"}, "CreateApp tags")
got = pp.get_app(ApplicationId=app_id)["ApplicationResponse"]
eq(got["Id"], app_id, "GetApp Id")
eq(got["Arn"], arn, "GetApp Arn")

# --- update_endpoint / get_endpoint with IDs that need percent-encoding
user = f"user {run}/+x"
for ep_id in ("a/b+c d", f"boto3/{run}+1 2", "plain-id"):
    r = pp.update_endpoint(
        ApplicationId=app_id,
        EndpointId=ep_id,
        EndpointRequest={
            "Address": f"token-{run}-{ep_id}",
            "ChannelType": "GCM",
            "Attributes": {"Interests": ["Music", "Travel"], "k/+ ": ["v 1"]},
            "Location": {"Latitude": 47.61, "Longitude": -122.33},
            "User": {"UserId": user, "UserAttributes": {"plan": ["gold"]}},
        },
    )
    eq(status(r), 202, "UpdateEndpoint status")
    assert r["MessageBody"].get("Message"), f"UpdateEndpoint MessageBody: {r['MessageBody']!r}"
    ep = pp.get_endpoint(ApplicationId=app_id, EndpointId=ep_id)["EndpointResponse"]
    eq(ep["Id"], ep_id, "GetEndpoint Id")
    eq(ep["ApplicationId"], app_id, "GetEndpoint ApplicationId")
    eq(ep["ChannelType"], "GCM", "GetEndpoint ChannelType")
    eq(ep["Location"]["Latitude"], 47.6, "GetEndpoint Latitude")
    eq(ep["Attributes"], {"Interests": ["Music", "Travel"], "k/+ ": ["v 1"]}, "GetEndpoint Attributes")
    eq(ep["User"]["UserId"], user, "GetEndpoint User.UserId")
    eq(ep["User"]["UserAttributes"], {"plan": ["gold"]}, "GetEndpoint User.UserAttributes")
    assert isinstance(ep["CohortId"], str), f"CohortId is {type(ep['CohortId']).__name__}: {ep['CohortId']!r}"

# botocore percent-encodes every reserved character of the label and does not send x-amz-content-sha256.
put = sent_path("PUT", "/endpoints/a%2Fb%2Bc%20d")
assert "x-amz-content-sha256" not in {k.lower() for k in put.headers}, dict(put.headers)
auth = put.headers["Authorization"]
auth = auth.decode() if isinstance(auth, bytes) else auth
assert "/us-east-1/mobiletargeting/aws4_request" in auth, auth

# --- update_endpoints_batch + get_user_endpoints
buser = f"batch user/{run}+"
items = [
    {"Id": f"batch {i}/{run}+", "Address": f"batch-{run}-{i}", "ChannelType": "GCM", "User": {"UserId": buser}}
    for i in range(3)
]
r = pp.update_endpoints_batch(ApplicationId=app_id, EndpointBatchRequest={"Item": items})
eq(status(r), 202, "UpdateEndpointsBatch status")
got = pp.get_user_endpoints(ApplicationId=app_id, UserId=buser)["EndpointsResponse"]["Item"]
eq(sorted(e["Id"] for e in got), sorted(i["Id"] for i in items), "GetUserEndpoints Ids")
for e in got:
    eq(e["User"]["UserId"], buser, "GetUserEndpoints User.UserId")

# --- put_events
ev_ep, ev_id = f"events/{run}+ x", f"event {run}"
r = pp.put_events(
    ApplicationId=app_id,
    EventsRequest={
        "BatchItem": {
            ev_ep: {
                "Endpoint": {"Address": f"events-{run}", "ChannelType": "GCM"},
                "Events": {
                    ev_id: {
                        "EventType": "session.start",
                        "Timestamp": "2026-01-02T03:04:05.000Z",
                        "Attributes": {"a": "b"},
                        "Metrics": {"m": 1.5},
                    }
                },
            }
        }
    },
)
eq(status(r), 202, "PutEvents status")
res = r["EventsResponse"]["Results"][ev_ep]
eq(res["EndpointItemResponse"]["StatusCode"], 202, "PutEvents EndpointItemResponse.StatusCode")
eq(res["EventsItemResponse"][ev_id]["StatusCode"], 202, "PutEvents EventsItemResponse.StatusCode")
eq(pp.get_endpoint(ApplicationId=app_id, EndpointId=ev_ep)["EndpointResponse"]["Id"], ev_ep, "PutEvents endpoint Id")

# --- tags on the app ARN (percent-encoded into the path)
r = pp.tag_resource(ResourceArn=arn, TagsModel={"tags": {"env": "ci", "owner key": "a/b+c"}})
eq(status(r), 204, "TagResource status")
sent_path("POST", "/v1/tags/arn%3Aaws%3Amobiletargeting%3A")
tags = pp.list_tags_for_resource(ResourceArn=arn)["TagsModel"]["tags"]
eq(tags, {"team": "x", "env": "ci", "owner key": "a/b+c"}, "ListTagsForResource after tag")
r = pp.untag_resource(ResourceArn=arn, TagKeys=["env", "owner key"])
eq(status(r), 204, "UntagResource status")
tags = pp.list_tags_for_resource(ResourceArn=arn)["TagsModel"]["tags"]
eq(tags, {"team": "x"}, "ListTagsForResource after untag")

# --- modeled NotFoundException
try:
    pp.get_endpoint(ApplicationId=app_id, EndpointId=f"missing/{run}+ x")
except pp.exceptions.NotFoundException as e:
    eq(e.response["Error"]["Code"], "NotFoundException", "NotFound code")
    eq(status(e.response), 404, "NotFound status")
else:
    raise AssertionError("GetEndpoint of an unknown ID did not raise NotFoundException")

# --- export then import through jobs, with a file:// location under the server's --job-dirs
job_dir = os.environ["PINPOINTD_CHECK_JOB_DIR"]


def wait_job(get, **kw):
    for _ in range(600):
        r = get(**kw)
        job = r.get("ExportJobResponse") or r.get("ImportJobResponse")
        if job["JobStatus"] in ("COMPLETED", "FAILED"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job still {job['JobStatus']} after 60 s: {job!r}")


r = pp.create_export_job(ApplicationId=app_id, ExportJobRequest={
    "RoleArn": "arn:aws:iam::000000000000:role/export", "S3UrlPrefix": f"file://{job_dir}/boto3-{run}"})
eq(status(r), 202, "CreateExportJob status")
export_id = r["ExportJobResponse"]["Id"]
eq(r["ExportJobResponse"]["JobStatus"], "CREATED", "CreateExportJob JobStatus")
job = wait_job(pp.get_export_job, ApplicationId=app_id, JobId=export_id)
eq(job["JobStatus"], "COMPLETED", "export JobStatus")
exported = job["TotalProcessed"]
assert exported >= 3, f"export TotalProcessed {exported}"
eq(job["CompletedPieces"], job["TotalPieces"], "export pieces")
eq([j["Id"] for j in pp.get_export_jobs(ApplicationId=app_id)["ExportJobsResponse"]["Item"]], [export_id], "GetExportJobs")
copy = pp.create_app(CreateApplicationRequest={"Name": f"boto3-copy-{run}"})["ApplicationResponse"]["Id"]
r = pp.create_import_job(ApplicationId=copy, ImportJobRequest={
    "RoleArn": "arn:aws:iam::000000000000:role/import", "S3Url": f"file://{job_dir}/boto3-{run}/{export_id}/",
    "Format": "JSON", "RegisterEndpoints": True})
eq(status(r), 201, "CreateImportJob status")
eq(r["ImportJobResponse"]["Definition"]["DefineSegment"], False, "CreateImportJob Definition.DefineSegment")
job = wait_job(pp.get_import_job, ApplicationId=copy, JobId=r["ImportJobResponse"]["Id"])
eq((job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]), ("COMPLETED", exported, 0), "import of the export")
a = pp.get_endpoint(ApplicationId=app_id, EndpointId="a/b+c d")["EndpointResponse"]
b = pp.get_endpoint(ApplicationId=copy, EndpointId="a/b+c d")["EndpointResponse"]
eq({**b, "ApplicationId": app_id}, a, "endpoint after export and import")
# The same files again into an IMPORT segment the CreateImportJob response already names.
r = pp.create_import_job(ApplicationId=copy, ImportJobRequest={
    "RoleArn": "arn:aws:iam::000000000000:role/import", "S3Url": f"file://{job_dir}/boto3-{run}/{export_id}/",
    "Format": "JSON", "RegisterEndpoints": True, "DefineSegment": True, "SegmentName": "boto3-import"})
definition = r["ImportJobResponse"]["Definition"]
eq((definition["DefineSegment"], definition["SegmentName"], len(definition["SegmentId"])), (True, "boto3-import", 32), "CreateImportJob DefineSegment")
job = wait_job(pp.get_import_job, ApplicationId=copy, JobId=r["ImportJobResponse"]["Id"])
eq(job["JobStatus"], "COMPLETED", "import into a segment")
seg = pp.get_segment(ApplicationId=copy, SegmentId=definition["SegmentId"])["SegmentResponse"]
eq((seg["SegmentType"], seg["Name"], seg["ImportDefinition"]["Size"]), ("IMPORT", "boto3-import", exported), "the IMPORT segment")
eq([j["Id"] for j in pp.get_segment_import_jobs(ApplicationId=copy, SegmentId=seg["Id"])["ImportJobsResponse"]["Item"]],
   [r["ImportJobResponse"]["Id"]], "GetSegmentImportJobs")
pp.delete_app(ApplicationId=copy)

# --- an operation pinpointd does not implement => 501 NotImplementedException naming it (no retry)
try:
    pp.get_email_channel(ApplicationId=app_id)
except ClientError as e:
    eq(e.response["Error"]["Code"], "NotImplementedException", "unimplemented operation code")
    eq(status(e.response), 501, "unimplemented operation status")
    eq(e.response["Error"]["Message"], "pinpointd does not implement GetEmailChannel", "unimplemented operation message")
else:
    raise AssertionError("GetEmailChannel, which pinpointd does not implement, succeeded")

# --- wrong secret => InvalidSignatureException
bad = client(secret="x" * 40)
try:
    bad.get_app(ApplicationId=app_id)
except ClientError as e:
    eq(e.response["Error"]["Code"], "InvalidSignatureException", "wrong-secret error code")
    eq(status(e.response), 403, "wrong-secret status")
else:
    raise AssertionError("request signed with a wrong secret succeeded")

# --- segments: create, get, update (version 2), list versions, tags on the segment ARN, delete
dims = {"Demographic": {}, "Attributes": {"Interests": {"AttributeType": "INCLUSIVE", "Values": ["Music"]}}}
r = pp.create_segment(ApplicationId=app_id, WriteSegmentRequest={"Name": f"seg-{run}", "Dimensions": dims, "tags": {"k": "v"}})
eq(status(r), 201, "CreateSegment status")
seg = r["SegmentResponse"]
seg_id = seg["Id"]
assert len(seg_id) == 32 and all(c in "0123456789abcdef" for c in seg_id), f"segment Id {seg_id!r}"
eq(seg["Version"], 1, "CreateSegment Version")
eq(seg["SegmentType"], "DIMENSIONAL", "CreateSegment SegmentType")
eq(seg["Dimensions"], dims, "CreateSegment Dimensions")
eq(seg["Arn"], f"{arn}/segments/{seg_id}", "CreateSegment Arn")
eq(seg.get("tags"), {"k": "v"}, "CreateSegment tags")
eq(pp.get_segment(ApplicationId=app_id, SegmentId=seg_id)["SegmentResponse"], seg, "GetSegment")
dims2 = {"Demographic": {"Platform": {"DimensionType": "INCLUSIVE", "Values": ["android"]}}}
r = pp.update_segment(ApplicationId=app_id, SegmentId=seg_id, WriteSegmentRequest={"Name": f"seg2-{run}", "Dimensions": dims2})
eq(status(r), 200, "UpdateSegment status")
eq(r["SegmentResponse"]["Version"], 2, "UpdateSegment Version")
eq(r["SegmentResponse"]["Dimensions"], dims2, "UpdateSegment Dimensions")
eq(r["SegmentResponse"]["CreationDate"], seg["CreationDate"], "UpdateSegment CreationDate")
vs = pp.get_segment_versions(ApplicationId=app_id, SegmentId=seg_id)["SegmentsResponse"]
eq([v["Version"] for v in vs["Item"]], [1, 2], "GetSegmentVersions")
eq(vs["Item"][0]["Dimensions"], dims, "GetSegmentVersions version 1 Dimensions")
v1 = pp.get_segment_version(ApplicationId=app_id, SegmentId=seg_id, Version="1")["SegmentResponse"]
eq(v1["Name"], f"seg-{run}", "GetSegmentVersion 1 Name")
segs = pp.get_segments(ApplicationId=app_id, PageSize="10")["SegmentsResponse"]["Item"]
eq([(s["Id"], s["Version"]) for s in segs], [(seg_id, 2)], "GetSegments")
pp.tag_resource(ResourceArn=seg["Arn"], TagsModel={"tags": {"env": "ci"}})
eq(pp.list_tags_for_resource(ResourceArn=seg["Arn"])["TagsModel"]["tags"], {"k": "v", "env": "ci"}, "segment tags")
try:
    pp.create_segment(ApplicationId=app_id, WriteSegmentRequest={"Dimensions": dims, "SegmentGroups": {"Groups": []}})
except pp.exceptions.BadRequestException as e:
    eq(status(e.response), 400, "CreateSegment(Dimensions and SegmentGroups) status")
else:
    raise AssertionError("CreateSegment with Dimensions and SegmentGroups succeeded")
r = pp.delete_segment(ApplicationId=app_id, SegmentId=seg_id)
eq(status(r), 200, "DeleteSegment status")
eq(r["SegmentResponse"]["Version"], 2, "DeleteSegment Version")
try:
    pp.get_segment(ApplicationId=app_id, SegmentId=seg_id)
except pp.exceptions.NotFoundException:
    pass
else:
    raise AssertionError("segment still there after DeleteSegment")

# --- delete_endpoint returns the deleted endpoint; delete_app
r = pp.delete_endpoint(ApplicationId=app_id, EndpointId="a/b+c d")
eq(status(r), 202, "DeleteEndpoint status")
eq(r["EndpointResponse"]["Id"], "a/b+c d", "DeleteEndpoint Id")
eq(r["EndpointResponse"]["Address"], f"token-{run}-a/b+c d", "DeleteEndpoint Address")
try:
    pp.get_endpoint(ApplicationId=app_id, EndpointId="a/b+c d")
except pp.exceptions.NotFoundException:
    pass
else:
    raise AssertionError("endpoint still there after DeleteEndpoint")
r = pp.delete_app(ApplicationId=app_id)
eq(status(r), 200, "DeleteApp status")
eq(r["ApplicationResponse"]["Id"], app_id, "DeleteApp Id")
try:
    pp.get_app(ApplicationId=app_id)
except pp.exceptions.NotFoundException:
    pass
else:
    raise AssertionError("app still there after DeleteApp")

print(f"boto3 {boto3.__version__} / botocore {botocore.__version__}: all checks passed")

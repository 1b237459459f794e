#!/usr/bin/env bash
# Conformance check of the AWS CLI (Debian package awscli) against a running pinpointd.
#
# Usage: awscli_check.sh ENDPOINT_URL
# Credentials and region come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION;
# PINPOINTD_CHECK_JOB_DIR names a directory the server allows for jobs (--job-dirs).
# AWS (default /usr/bin/aws) selects the CLI binary. Exits non-zero on the first failed check,
# printing the command, its output and the failed assertion. Run by .ci/clients.sh.
set -euo pipefail

url=${1:?usage: awscli_check.sh ENDPOINT_URL}
aws_bin=${AWS:-/usr/bin/aws}
py=${PYTHON:-python3}
export AWS_PAGER="" AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=1
run=$("$py" -c 'import uuid; print(uuid.uuid4().hex[:8])')

out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

fail() {
  echo "awscli: FAILED: $*" >&2
  echo "--- stdout" >&2; cat "$out" >&2
  echo "--- stderr" >&2; cat "$err" >&2
  exit 1
}

# pp OP ARGS...: run `aws pinpoint OP ARGS...`; must exit 0. Output JSON lands in $out.
pp() {
  last="aws pinpoint $*"
  local rc=0
  "$aws_bin" pinpoint "$@" --endpoint-url "$url" --output json >"$out" 2>"$err" || rc=$?
  [ "$rc" -eq 0 ] || fail "exit code $rc from: $last"
}

# pp_fails OP ARGS...: run `aws pinpoint OP ARGS...`; must exit non-zero.
pp_fails() {
  last="aws pinpoint $*"
  if "$aws_bin" pinpoint "$@" --endpoint-url "$url" --output json >"$out" 2>"$err"; then
    fail "expected a failure from: $last"
  fi
}

# check PYTHON_EXPR: evaluate with d = the JSON output of the last command (None if empty).
check() {
  if ! "$py" - "$1" "$out" <<'EOF'
import json, sys
expr, path = sys.argv[1], sys.argv[2]
text = open(path).read()
d = json.loads(text) if text.strip() else None
sys.exit(0 if eval(expr) else 1)
EOF
  then
    fail "check failed after '$last': $1"
  fi
}

# get PYTHON_EXPR: print the value of the expression over the last command's JSON output.
get() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$out"; }

# stderr_has TEXT: the last command's stderr mentions TEXT.
stderr_has() { grep -qF -- "$1" "$err" || fail "stderr of '$last' lacks '$1'"; }

# --- apps
pp create-app --create-application-request "{\"Name\":\"awscli-$run\",\"tags\":{\"team\":\"x\"}}"
check "d['ApplicationResponse']['Name'] == 'awscli-$run' and d['ApplicationResponse']['tags'] == {'team': 'x'}"
app_id=$(get "d['ApplicationResponse']['Id']")
arn=$(get "d['ApplicationResponse']['Arn']")
pp get-app --application-id "$app_id"
check "d['ApplicationResponse']['Id'] == '$app_id' and d['ApplicationResponse']['Arn'] == '$arn'"

# --- update-endpoint / get-endpoint with IDs that need percent-encoding
user="user $run/+x"
for ep_id in "a/b+c d" "awscli/$run+1 2"; do
  pp update-endpoint --application-id "$app_id" --endpoint-id "$ep_id" --endpoint-request "{
    \"Address\": \"token-$run-$ep_id\", \"ChannelType\": \"GCM\",
    \"Attributes\": {\"Interests\": [\"Music\", \"Travel\"], \"k/+ \": [\"v 1\"]},
    \"Location\": {\"Latitude\": 47.61, \"Longitude\": -122.33},
    \"User\": {\"UserId\": \"$user\", \"UserAttributes\": {\"plan\": [\"gold\"]}}}"
  check "bool(d['MessageBody'].get('Message'))"
  pp get-endpoint --application-id "$app_id" --endpoint-id "$ep_id" --debug
  stderr_has "/endpoints/$("$py" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$ep_id")"
  check "d['EndpointResponse']['Id'] == '$ep_id'"
  check "d['EndpointResponse']['ApplicationId'] == '$app_id'"
  check "d['EndpointResponse']['ChannelType'] == 'GCM'"
  check "d['EndpointResponse']['Location']['Latitude'] == 47.6"
  check "d['EndpointResponse']['Attributes'] == {'Interests': ['Music', 'Travel'], 'k/+ ': ['v 1']}"
  check "d['EndpointResponse']['User'] == {'UserId': '$user', 'UserAttributes': {'plan': ['gold']}}"
  check "isinstance(d['EndpointResponse']['CohortId'], str)"
done

# --- update-endpoints-batch + get-user-endpoints
buser="batch user/$run+"
pp update-endpoints-batch --application-id "$app_id" --endpoint-batch-request "{\"Item\": [
  {\"Id\": \"batch 0/$run+\", \"Address\": \"batch-$run-0\", \"ChannelType\": \"GCM\", \"User\": {\"UserId\": \"$buser\"}},
  {\"Id\": \"batch 1/$run+\", \"Address\": \"batch-$run-1\", \"ChannelType\": \"GCM\", \"User\": {\"UserId\": \"$buser\"}},
  {\"Id\": \"batch 2/$run+\", \"Address\": \"batch-$run-2\", \"ChannelType\": \"GCM\", \"User\": {\"UserId\": \"$buser\"}}]}"
check "bool(d['MessageBody'].get('Message'))"
pp get-user-endpoints --application-id "$app_id" --user-id "$buser"
check "sorted(e['Id'] for e in d['EndpointsResponse']['Item']) == ['batch 0/$run+', 'batch 1/$run+', 'batch 2/$run+']"
check "all(e['User']['UserId'] == '$buser' for e in d['EndpointsResponse']['Item'])"

# --- put-events
ev_ep="events/$run+ x"
ev_id="event $run"
pp put-events --application-id "$app_id" --events-request "{\"BatchItem\": {\"$ev_ep\": {
  \"Endpoint\": {\"Address\": \"events-$run\", \"ChannelType\": \"GCM\"},
  \"Events\": {\"$ev_id\": {\"EventType\": \"session.start\", \"Timestamp\": \"2026-01-02T03:04:05.000Z\",
                          \"Attributes\": {\"a\": \"b\"}, \"Metrics\": {\"m\": 1.5}}}}}}"
check "d['EventsResponse']['Results']['$ev_ep']['EndpointItemResponse']['StatusCode'] == 202"
check "d['EventsResponse']['Results']['$ev_ep']['EventsItemResponse']['$ev_id']['StatusCode'] == 202"
pp get-endpoint --application-id "$app_id" --endpoint-id "$ev_ep"
check "d['EndpointResponse']['Id'] == '$ev_ep'"

# --- tags on the app ARN (percent-encoded into the path)
pp tag-resource --resource-arn "$arn" --tags-model '{"tags": {"env": "ci", "owner key": "a/b+c"}}' --debug
check "d is None"
stderr_has "/v1/tags/arn%3Aaws%3Amobiletargeting%3A"
pp list-tags-for-resource --resource-arn "$arn"
check "d['TagsModel']['tags'] == {'team': 'x', 'env': 'ci', 'owner key': 'a/b+c'}"
pp untag-resource --resource-arn "$arn" --tag-keys env "owner key"
pp list-tags-for-resource --resource-arn "$arn"
check "d['TagsModel']['tags'] == {'team': 'x'}"

# --- modeled NotFoundException
pp_fails get-endpoint --application-id "$app_id" --endpoint-id "missing/$run+ x"
stderr_has "NotFoundException"

# --- export then import through jobs, with a file:// location under the server's --job-dirs
job_dir=${PINPOINTD_CHECK_JOB_DIR:?PINPOINTD_CHECK_JOB_DIR must name a directory the server allows for jobs}
# wait_job GET-OP ID-ARGS...: poll until the job is COMPLETED or FAILED; its JSON lands in $out.
wait_job() {
  for _ in $(seq 1 600); do
    pp "$@"
    case $(get "(d.get('ExportJobResponse') or d.get('ImportJobResponse'))['JobStatus']") in
      COMPLETED|FAILED) return 0 ;;
    esac
    sleep 0.1
  done
  fail "job not done after 60 s"
}
pp create-export-job --application-id "$app_id" --export-job-request "{\"RoleArn\": \"arn:aws:iam::000000000000:role/export\", \"S3UrlPrefix\": \"file://$job_dir/awscli-$run\"}"
check "d['ExportJobResponse']['JobStatus'] == 'CREATED' and d['ExportJobResponse']['Type'] == 'EXPORT'"
export_id=$(get "d['ExportJobResponse']['Id']")
wait_job get-export-job --application-id "$app_id" --job-id "$export_id"
check "d['ExportJobResponse']['JobStatus'] == 'COMPLETED' and d['ExportJobResponse']['TotalProcessed'] >= 2"
exported=$(get "d['ExportJobResponse']['TotalProcessed']")
pp create-app --create-application-request "{\"Name\":\"awscli-copy-$run\"}"
copy_id=$(get "d['ApplicationResponse']['Id']")
pp create-import-job --application-id "$copy_id" --import-job-request "{\"RoleArn\": \"arn:aws:iam::000000000000:role/import\", \"S3Url\": \"file://$job_dir/awscli-$run/$export_id/\", \"Format\": \"JSON\", \"RegisterEndpoints\": true}"
check "d['ImportJobResponse']['Definition']['Format'] == 'JSON'"
import_id=$(get "d['ImportJobResponse']['Id']")
wait_job get-import-job --application-id "$copy_id" --job-id "$import_id"
check "d['ImportJobResponse']['JobStatus'] == 'COMPLETED' and d['ImportJobResponse']['TotalProcessed'] == $exported and d['ImportJobResponse']['TotalFailures'] == 0"
pp get-import-jobs --application-id "$copy_id"
check "[j['Id'] for j in d['ImportJobsResponse']['Item']] == ['$import_id']"
pp get-endpoint --application-id "$copy_id" --endpoint-id "a/b+c d"
check "d['EndpointResponse']['Address'] == 'token-$run-a/b+c d' and d['EndpointResponse']['User']['UserAttributes'] == {'plan': ['gold']}"
pp delete-app --application-id "$copy_id"

# --- wrong secret => InvalidSignatureException
last="get-app with a wrong secret"
if AWS_SECRET_ACCESS_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx \
  "$aws_bin" pinpoint get-app --application-id "$app_id" --endpoint-url "$url" --output json >"$out" 2>"$err"; then
  fail "request signed with a wrong secret succeeded"
fi
stderr_has "InvalidSignatureException"

# --- segments: create, get, update (version 2), list versions, delete
pp create-segment --application-id "$app_id" --write-segment-request "{\"Name\":\"seg-$run\",
  \"Dimensions\":{\"Attributes\":{\"Interests\":{\"AttributeType\":\"INCLUSIVE\",\"Values\":[\"Music\"]}}}}"
check "d['SegmentResponse']['Version'] == 1 and d['SegmentResponse']['SegmentType'] == 'DIMENSIONAL'"
check "d['SegmentResponse']['Dimensions'] == {'Attributes': {'Interests': {'AttributeType': 'INCLUSIVE', 'Values': ['Music']}}}"
seg_id=$(get "d['SegmentResponse']['Id']")
pp get-segment --application-id "$app_id" --segment-id "$seg_id"
check "d['SegmentResponse']['Id'] == '$seg_id' and d['SegmentResponse']['Name'] == 'seg-$run'"
pp update-segment --application-id "$app_id" --segment-id "$seg_id" --write-segment-request '{"Dimensions":{"Demographic":{"Platform":{"Values":["ios"]}}}}'
check "d['SegmentResponse']['Version'] == 2 and d['SegmentResponse']['Name'] == 'seg-$run'"
check "d['SegmentResponse']['Dimensions'] == {'Demographic': {'Platform': {'Values': ['ios']}}}"
pp get-segment-versions --application-id "$app_id" --segment-id "$seg_id"
check "[v['Version'] for v in d['SegmentsResponse']['Item']] == [1, 2]"
pp get-segment-version --application-id "$app_id" --segment-id "$seg_id" --segment-version 1
check "d['SegmentResponse']['Version'] == 1 and 'Attributes' in d['SegmentResponse']['Dimensions']"
pp delete-segment --application-id "$app_id" --segment-id "$seg_id"
check "d['SegmentResponse']['Id'] == '$seg_id' and d['SegmentResponse']['Version'] == 2"
pp_fails get-segment --application-id "$app_id" --segment-id "$seg_id"
stderr_has "NotFoundException"

# --- delete-endpoint returns the deleted endpoint; delete-app
pp delete-endpoint --application-id "$app_id" --endpoint-id "a/b+c d"
check "d['EndpointResponse']['Id'] == 'a/b+c d' and d['EndpointResponse']['Address'] == 'token-$run-a/b+c d'"
pp_fails get-endpoint --application-id "$app_id" --endpoint-id "a/b+c d"
stderr_has "NotFoundException"
pp delete-app --application-id "$app_id"
check "d['ApplicationResponse']['Id'] == '$app_id'"
pp_fails get-app --application-id "$app_id"
stderr_has "NotFoundException"

echo "$("$aws_bin" --version 2>&1 | head -n1): all checks passed"

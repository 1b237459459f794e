#!/usr/bin/env bash
# Cross-SDK conformance: runs real AWS clients against a freshly built pinpointd and checks their
# SigV4 signatures and the wire format (see clients/). Clients: boto3 and the AWS CLI from Debian
# (python3-boto3, awscli), @aws-sdk/client-pinpoint from npm (pinned in clients/js/package.json)
# and aws-amplify's Analytics with an identity pool served by pinpointd (pinned in
# clients/amplify/package.json).
# Installs what is missing, builds and starts the server on a free loopback port with a SQLite
# store, runs each client script, prints "<client>: ok" per client, and exits non-zero if any
# failed (after printing that client's output and the server's access log).
# Usage (from the repo root, as root): bash .ci/clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

# The Debian clients live in /usr/bin; a python3/aws earlier on PATH (pyenv, pip) is not what we test.
PYTHON=/usr/bin/python3
AWS=/usr/bin/aws

echo "== client packages"
if ! dpkg-query -W -f='${Status}\n' python3-boto3 awscli 2>/dev/null | grep -c '^install ok installed$' | grep -qx 2; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-boto3 awscli >/dev/null
fi
want_js=$("$PYTHON" -c 'import json; print(json.load(open("clients/js/package.json"))["dependencies"]["@aws-sdk/client-pinpoint"])')
have_js=$("$PYTHON" -c 'import json; print(json.load(open("clients/js/node_modules/@aws-sdk/client-pinpoint/package.json"))["version"])' 2>/dev/null || true)
if [ "$want_js" != "$have_js" ]; then
  (cd clients/js && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
want_amplify=$("$PYTHON" -c 'import json; print(json.load(open("clients/amplify/package.json"))["dependencies"]["aws-amplify"])')
have_amplify=$("$PYTHON" -c 'import json; print(json.load(open("clients/amplify/node_modules/aws-amplify/package.json"))["version"])' 2>/dev/null || true)
if [ "$want_amplify" != "$have_amplify" ]; then
  (cd clients/amplify && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== build and start pinpointd"
# Import and export jobs of the client checks read and write file:// URLs under this directory.
mkdir -p "$tmp/jobs"
export PINPOINTD_CHECK_JOB_DIR="$tmp/jobs"
go build -o "$tmp/pinpointd" ./cmd/pinpointd
port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
url="http://127.0.0.1:$port"
access_key=AKIACLIENTTEST000001
secret_key=cLiEnTtEsTsEcReTkEy0123456789abcdefABCDE
PINPOINTD_ACCESS_KEY_ID=$access_key PINPOINTD_SECRET_ACCESS_KEY=$secret_key \
  "$tmp/pinpointd" serve --addr "127.0.0.1:$port" --store "sqlite:$tmp/clients.db" --log-format json --job-dirs "$tmp/jobs" \
  --signing-hosts 'pinpoint.{region}.amazonaws.com' \
  >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -sf "$url/healthz" >/dev/null && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "pinpointd exited during start-up:"; cat "$tmp/server.log"; exit 1
  fi
  sleep 0.1
done
if ! curl -sf "$url/healthz" >/dev/null; then
  echo "pinpointd did not answer $url/healthz within 10s:"; cat "$tmp/server.log"; exit 1
fi

# Only these credentials and settings may reach the clients: no profile, config file, metadata
# service, session token or endpoint override from the environment.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^AWS_' || true)
export AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret_key AWS_DEFAULT_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

echo "== clients against $url"
failed=0
check() {
  local name=$1; shift
  local log="$tmp/$name.out" rc=0
  timeout 120 "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "$name: ok ($(sed -n 's/: all checks passed$//p' "$log" | head -n1))"
  else
    failed=1
    echo "$name: FAILED (exit $rc)"
    sed 's/^/    /' "$log"
  fi
}
check boto3 "$PYTHON" clients/boto3_check.py "$url"
check awscli env AWS="$AWS" PYTHON="$PYTHON" bash clients/awscli_check.sh "$url"
check js node clients/js/check.mjs "$url"

# Amplify: an app and its identity pools (one whose credentials live 2 s, one of another app),
# made as an operator makes them; then the check; then its events read back from the database.
new_app() {
  "$PYTHON" -c 'import sys, boto3
c = boto3.client("pinpoint", endpoint_url=sys.argv[1])
print(c.create_app(CreateApplicationRequest={"Name": sys.argv[2]})["ApplicationResponse"]["Id"])' "$url" "$1"
}
amplify_app=$(new_app amplify)
amplify_other_app=$(new_app amplify-other)
pools() { "$tmp/pinpointd" pools create --store "sqlite:$tmp/clients.db" "$@"; }
export AMPLIFY_APP_ID=$amplify_app
export AMPLIFY_POOL_ID=$(pools --app "$amplify_app")
export AMPLIFY_SHORT_POOL_ID=$(pools --app "$amplify_app" --ttl 2s)
export AMPLIFY_OTHER_POOL_ID=$(pools --app "$amplify_other_app")
amplify_events() {
  node clients/amplify/check.mjs "$url" || return 1
  # What Amplify's record() sent is stored: read it back from the database itself.
  "$PYTHON" - "$tmp/clients.db" "$amplify_app" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
rows = db.execute("SELECT event_type, body FROM events WHERE app_id = ? AND event_type IN ('purchase', 'click')", (sys.argv[2],)).fetchall()
got = {t: json.loads(b) for t, b in rows}
assert sorted(got) == ["click", "purchase"], f"stored Amplify events: {sorted(got)}"
assert got["purchase"]["Attributes"] == {"item": "book"}, got["purchase"]
assert got["purchase"]["Metrics"] == {"price": 12.5}, got["purchase"]
assert got["click"]["Attributes"] == {"button": "buy"}, got["click"]
print("stored events read back: click, purchase")
PY
}
export -f amplify_events
export url tmp PYTHON amplify_app
check amplify bash -c amplify_events
amplify_ran=$(grep -c 'all checks passed' "$tmp/amplify.out" || true)
if [ "$amplify_ran" != 1 ]; then
  failed=1
  echo "amplify: the check did not run to its end"
fi

if [ "$failed" -ne 0 ]; then
  echo "== pinpointd log (JSON access log)"
  cat "$tmp/server.log"
  exit 1
fi

#!/usr/bin/env bash
# HTTP benchmark of the DashScope surface: requests/s and latency percentiles of GET job,
# GET list and POST cancel under wrk, beside GET /healthz (the server's own ceiling).
#
#   bench/http-bench.sh [duration=10s] [connections=16] [queued-jobs=3000] [cancel-duration=1s]
#
# The cancel run is short so that it does not run out of queued jobs (each can be cancelled once):
# check that its Non-2xx count is absent.
#
# The server runs from ./tuneup on a fresh data dir; the trainer command is `tail -f {spec}`,
# an idle process, so the running job costs no CPU and the other jobs stay QUEUING for the
# cancel run. Needs wrk (apt-get install wrk), curl and python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
duration=${1:-10s}; conns=${2:-16}; queued=${3:-3000}; cancel_duration=${4:-1s}; threads=2
port=${TUNEUP_BENCH_PORT:-18080}
data="$(mktemp -d)"; ids="$data/ids.txt"
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT

"$root/tuneup" serve --port "$port" --data-dir "$data" \
  --set backend.local.trainer-command="tail -f {spec}" --set jobs.max-active=100000 --set jobs.max-queued=100000 \
  --set http.host=127.0.0.1 >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
key=$(cat "$data/admin-api-key")
base="http://127.0.0.1:$port/api/v1"
printf '{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]}\n' >"$data/t.jsonl"
file=$(curl -sf -H "Authorization: Bearer $key" -F files=@"$data/t.jsonl" "$base/files" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["uploaded_files"][0]["file_id"])')
create() {
  curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$base/fine-tunes" \
    -d '{"model":"tuneup-tiny","training_file_ids":["'"$file"'"],"validation_file_ids":null,"hyper_parameters":{}}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["output"]["job_id"])'
}
job=$(create)
echo "creating $queued queued jobs..." >&2
python3 - "$base" "$key" "$file" "$queued" >"$ids" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, key, file, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
body = json.dumps({"model": "tuneup-tiny", "training_file_ids": [file],
                   "validation_file_ids": None, "hyper_parameters": {}}).encode()
def create(_):
    req = urllib.request.Request(base + "/fine-tunes", data=body, method="POST",
        headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["output"]["job_id"]
with ThreadPoolExecutor(8) as pool:
    for job_id in pool.map(create, range(n)):
        print(job_id)
PY

run() { # name, wrk args...
  local name=$1; shift
  echo "== $name"
  wrk -t$threads -c"$conns" -d"${run_duration:-$duration}" --latency -H "Authorization: Bearer $key" "$@" |
    grep -E 'Requests/sec|^ +50%|^ +99%|Non-2xx|requests in'
}
run "GET /healthz (ceiling)" "http://127.0.0.1:$port/healthz"
run "GET /fine-tunes/{id}" "$base/fine-tunes/$job"
run "GET /fine-tunes?page_size=10" "$base/fine-tunes?page_no=1&page_size=10"
run_duration=$cancel_duration TUNEUP_IDS="$ids" TUNEUP_THREADS=$threads run "POST /fine-tunes/{id}/cancel (QUEUING → CANCELED)" \
  -s "$root/bench/cancel.lua" "$base/fine-tunes"

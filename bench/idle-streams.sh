#!/usr/bin/env bash
# Idle streams: one key opens N job event streams (default 1,000, the default
# http.max-streams-per-user) and holds them open while /healthz is timed and another user
# creates a job and reads the list; then stream N+1 of that key must be a 429.
#
#   bench/idle-streams.sh [streams=1000] [health-requests=200]
#
# The server runs from ./tuneup on a fresh data dir; the trainer command is `tail -f {spec}`, an
# idle process, so the job stays RUNNING and its streams stay open and quiet. Needs curl, python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n=${1:-1000}; health=${2:-200}
port=${TUNEUP_BENCH_PORT:-18081}
data="$(mktemp -d)"
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
ulimit -n 8192 2>/dev/null || true

"$root/tuneup" serve --port "$port" --data-dir "$data" \
  --set backend.local.trainer-command="tail -f {spec}" --set http.host=127.0.0.1 \
  --set http.max-streams-per-user="$n" >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
key=$(cat "$data/admin-api-key")
base="http://127.0.0.1:$port/api/v1"
printf '{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]}\n' >"$data/t.jsonl"
python3 - "$port" "$key" "$data/t.jsonl" "$n" "$health" <<'PY'
import json, socket, sys, time, urllib.request
port, admin, path, n, health = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
base = f"http://127.0.0.1:{port}"

def call(method, p, key, body=None, ctype="application/json"):
    req = urllib.request.Request(base + p, data=body, method=method,
                                 headers={"Authorization": "Bearer " + key, "Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)

def user(name):
    return call("POST", "/api/v1/admin/users", admin, json.dumps({"name": name}).encode())[1]["output"]["api_key"]

def upload(key):
    b = "XYZ"
    data = open(path, "rb").read()
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"t.jsonl\"\r\n\r\n").encode() + data + f"\r\n--{b}--\r\n".encode()
    return call("POST", "/api/v1/files", key, body, "multipart/form-data; boundary=" + b)[1]["data"]["uploaded_files"][0]["file_id"]

def create(key, file):
    body = json.dumps({"model": "tuneup-tiny", "training_file_ids": [file], "hyper_parameters": {}}).encode()
    return call("POST", "/api/v1/fine-tunes", key, body)

flooder, other = user("flooder"), user("bystander")
status, job = create(flooder, upload(flooder))
job = job["output"]["job_id"]
for _ in range(600):
    if call("GET", f"/api/v1/fine-tunes/{job}", flooder)[1]["output"]["status"] == "RUNNING":
        break
    time.sleep(0.1)

def open_stream(key):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
    s.sendall(f"GET /api/v1/fine-tunes/{job}/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n".encode())
    head = b""
    while b"\r\n" not in head:
        head += s.recv(1)
    return s, int(head[9:12])

t0 = time.time()
streams = []
for i in range(n):
    s, code = open_stream(flooder)
    assert code == 200, f"stream {i}: {code}"
    streams.append(s)
print(f"opened {n} streams in {time.time() - t0:.1f} s")
times = []
for _ in range(health):
    t = time.perf_counter()
    urllib.request.urlopen(base + "/healthz", timeout=30).read()
    times.append((time.perf_counter() - t) * 1000)
times.sort()
p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"/healthz under {n} idle streams: p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {times[-1]:.1f} ms")
t = time.perf_counter()
code, _ = create(other, upload(other))
print(f"another user's upload + job create: {code} in {(time.perf_counter() - t) * 1000:.0f} ms")
t = time.perf_counter()
code, _ = call("POST", "/v1/chat/completions", other, json.dumps({"model": "tuneup-tiny", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}]}).encode())
print(f"another user's chat (5 tokens): {code} in {(time.perf_counter() - t) * 1000:.0f} ms")
code, body = call("GET", f"/api/v1/fine-tunes/{job}/stream", flooder)
print(f"stream {n + 1} of the same key: {code} {body.get('code')}")
for s in streams:
    s.close()
PY

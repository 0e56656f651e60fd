#!/usr/bin/env python3
"""Cancel latency: POST cancel -> job CANCELED with every trainer process gone, measured
against a running server with the real trainer.

  bench/cancel-latency.py [repeats=5] [local|slurm]

Starts ./tuneup serve on a fresh data dir and port 18081, uploads docs/sample-train.jsonl,
and for each repeat creates a job, waits until it trains (first progress event), cancels it,
and polls every 5 ms until GET shows CANCELED; then checks /proc for the trainer's processes
(local: its process group; slurm: the processes of its Slurm job). With `slurm` the server runs
its trainers as batch jobs of a one-node cluster that .ci/slurm-single-node.sh starts under the
data dir (root, Debian's slurmctld, slurmd, slurm-client and munge packages).
"""
import json, os, subprocess, sys, tempfile, time, urllib.request, shutil, statistics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT = int(os.environ.get("TUNEUP_BENCH_PORT", "18081"))
BASE = f"http://127.0.0.1:{PORT}/api/v1"


def call(method, path, key, body=None, content_type=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + key)
    if content_type:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def group_alive(pgid):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def slurm_job_alive(job_id):
    wanted = f"SLURM_JOB_ID={job_id}".encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] != "Z" and wanted in env:
            return True
    return False


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    backend = sys.argv[2] if len(sys.argv) > 2 else "local"
    data = tempfile.mkdtemp()
    os.chmod(data, 0o755)  # munged wants every directory above its socket open to all
    cluster = os.path.join(data, "slurm")
    settings = ["--set", "http.host=127.0.0.1"]
    if backend == "slurm":
        up = subprocess.run(["bash", os.path.join(ROOT, ".ci", "slurm-single-node.sh"), "up",
                             cluster], capture_output=True, text=True, check=True).stdout
        conf = [l for l in up.splitlines() if l.startswith("SLURM_CONF=")][0].split("=", 1)[1]
        settings += ["--set", "backend.kind=slurm", "--set", f"backend.slurm.conf={conf}"]
    server = subprocess.Popen([os.path.join(ROOT, "tuneup"), "serve", "--port", str(PORT),
                               "--data-dir", data] + settings,
                              stdout=open(os.path.join(data, "server.log"), "w"),
                              stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        key = open(os.path.join(data, "admin-api-key")).read().strip()
        boundary = "tuneupbench"
        content = open(os.path.join(ROOT, "docs", "sample-train.jsonl"), "rb").read()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                f"filename=\"sample.jsonl\"\r\n\r\n").encode() + content + \
            f"\r\n--{boundary}--\r\n".encode()
        up = call("POST", "/files", key, raw=body,
                  content_type=f"multipart/form-data; boundary={boundary}")
        file_id = up["data"]["uploaded_files"][0]["file_id"]
        results = []
        for i in range(repeats):
            job = call("POST", "/fine-tunes", key,
                       {"model": "tuneup-tiny", "training_file_ids": [file_id],
                        "hyper_parameters": {"n_epochs": 50}},
                       "application/json")["output"]["job_id"]
            while True:
                j = call("GET", f"/fine-tunes/{job}", key)["output"]
                if j.get("progress", {}).get("step", 0) >= 1:
                    break
                time.sleep(0.05)
            spec = json.load(open(os.path.join(data, "jobs", job, "spec.json")))
            handle = subprocess.run(
                ["sqlite3", os.path.join(data, "tuneup.db"),
                 f"select run_handle from jobs where id='{job}'"],
                capture_output=True, text=True).stdout.strip() if shutil.which("sqlite3") else ""
            run = handle.split(":")[1] if handle else None
            t0 = time.perf_counter()
            call("POST", f"/fine-tunes/{job}/cancel", key)
            while call("GET", f"/fine-tunes/{job}", key)["output"]["status"] != "CANCELED":
                time.sleep(0.005)
            elapsed = time.perf_counter() - t0
            if run is None:
                gone = None
            elif backend == "slurm":
                gone = not slurm_job_alive(run)
            else:
                gone = not group_alive(int(run))
            results.append(elapsed)
            print(f"run {i + 1}: cancel -> CANCELED in {elapsed * 1000:.0f} ms;"
                  f" trainer processes gone: {gone}", flush=True)
            call("DELETE", f"/fine-tunes/{job}", key)
        print(f"median {statistics.median(results) * 1000:.0f} ms, "
              f"max {max(results) * 1000:.0f} ms over {repeats} runs")
    finally:
        server.terminate()
        server.wait()
        if backend == "slurm":
            subprocess.run(["bash", os.path.join(ROOT, ".ci", "slurm-single-node.sh"), "down",
                            cluster])
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()

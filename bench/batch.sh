#!/usr/bin/env bash
# Benchmark: 50 short uploads given one preset as one batch (POST /v1/batches) against the same
# 50 as separate jobs (POST /v1/jobs naming the preset), through a real `clipgen serve` with its
# workers, alternated twice (jobs, batch, batch, jobs) so neither goes first each time. Timed by
# the server: from the first job's createdAt to the last one's finishedAt (the batch's own
# createdAt and finishedAt). Goal: the batch no slower (ratio <= 1.0).
#
# Usage: bench/batch.sh   (CONFIG=release by default; COUNT=50)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
COUNT=${COUNT:-50}
PORT=${PORT:-18943}
work=$(mktemp -d /tmp/clipgen-batch.XXXXXX)
trap 'kill ${server:-} 2>/dev/null || true; wait ${server:-} 2>/dev/null || true; rm -rf "$work"' EXIT
scripts/setup.sh >/dev/null
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
# Short distinct sources (so no upload is shared): 4 s of 320x240 test picture and a tone each.
mkdir -p "$work/media"
for n in $(seq 1 "$COUNT"); do
  ffmpeg -v error -f lavfi -i "testsrc2=size=320x240:rate=25:duration=4,drawtext=text=$n:fontsize=60:x=20:y=20" \
    -f lavfi -i "sine=frequency=$((200 + n * 7)):duration=4" -c:v libx264 -preset veryfast -g 50 -c:a aac \
    -shortest "$work/media/$n.mp4"
done
CLIPGEN_ADMIN_PASSWORD=bench-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_RATE_LIMIT_PER_MINUTE=0 CLIPGEN_LOG_LEVEL=warning \
  CLIPGEN_POLL_SECONDS=0.05 "$bin" serve --port "$PORT" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
base=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
python3 - "$base" "$work/media" "$COUNT" <<'PY'
import datetime, json, pathlib, sys, time, urllib.error, urllib.request

base, media, count = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])

def call(method, path, body=None, token=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, method=method, data=data)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        sys.exit(f"{method} {path}: {error.code} {error.read().decode()}")

at = lambda text: datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
token = call("POST", "/v1/auth/token", {"email": "admin@localhost", "password": "bench-password"})["accessToken"]
call("PUT", "/v1/presets/bench", {"settings": {"output": {"format": "mp4", "height": 240}, "thumbnails": True}}, token)
uploads = [call("POST", "/v1/uploads", raw=(media / f"{n}.mp4").read_bytes(), token=token)["id"] for n in range(1, count + 1)]
job = {"clips": [{"start": 0.5, "end": 3.5}]}

def separate():
    ids = [call("POST", "/v1/jobs", {"source": {"uploadId": u}, "preset": "bench", **job}, token)["id"] for u in uploads]
    while True:
        listed = {j["id"]: j for j in call("GET", "/v1/jobs?limit=100", token=token)["items"]}
        jobs = [listed[i] for i in ids]
        if all(j["status"] in ("succeeded", "failed", "cancelled") for j in jobs):
            break
        time.sleep(0.5)
    assert all(j["status"] == "succeeded" for j in jobs), [j["status"] for j in jobs]
    return max(at(j["finishedAt"]) for j in jobs) - min(at(j["createdAt"]) for j in jobs)

def batch():
    made = call("POST", "/v1/batches", {"sources": [{"uploadId": u} for u in uploads], "preset": "bench", "job": job}, token)
    while True:
        state = call("GET", f"/v1/batches/{made['id']}", token=token)
        if state["status"] != "running":
            break
        time.sleep(0.5)
    assert state["status"] == "succeeded", state["counts"]
    return at(state["finishedAt"]) - at(state["createdAt"])

results = {"jobs": [], "batch": []}
for kind in ["jobs", "batch", "batch", "jobs"]:
    seconds = separate() if kind == "jobs" else batch()
    results[kind].append(seconds)
    print(f"{count} {'separate jobs' if kind == 'jobs' else 'as one batch '}: {seconds:7.2f} s")
jobs, batched = sum(results["jobs"]) / 2, sum(results["batch"]) / 2
print(f"mean: separate jobs {jobs:.2f} s, batch {batched:.2f} s; ratio batch/jobs {batched / jobs:.2f}x (goal <= 1.0x)")
PY

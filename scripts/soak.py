#!/usr/bin/env python3
"""Soak test: a steady mix of uploads and reads against a release portrait server.

Starts `target/release/portrait serve` on a fresh data dir (SQLite + filesystem), imports
the demo fixture with known tokens, then for DURATION seconds sends requests at a fixed
rate: 1 upload in 5 (a rotating set of photos), the rest reads (GET /users/me,
/users/{id}?include=..., /users?page=..., and the photo files). Every 10 s it samples the
server's RSS. At the end it prints errors by status, latency percentiles and RSS over time,
and exits 1 if any request failed unexpectedly or RSS kept growing.

    cargo build --release
    python3 scripts/soak.py --duration 600 --rate 20 [--photos DIR]

Standard library only.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "soak-token-{}"
USERS = [10, 11, 12, 14]
GOOD_FIXTURES = ["photo-320x180.jpg", "quadrants-400x300.png", "cmyk-240x150.jpg", "lossy-320x180.webp",
                 "gps-exif-320x240.jpg", "orient6-160x90.jpg", "alpha-120x120.png", "static-120x80.gif", "bmp24-96x72.bmp"]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def multipart(photo: bytes):
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; "
        f'name="user[profile_photo_attachment_file]"; filename="p.jpg"\r\n\r\n'
    ).encode()
    return head + photo + f"\r\n--{boundary}--\r\n".encode(), boundary


def request(method, url, token=None, body=None, content_type=None):
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if content_type:
        req.add_header("Content-Type", content_type)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            data = response.read()
            return response.status, data, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.monotonic() - started
    except Exception as error:  # connection refused, reset, timeout
        return f"error:{type(error).__name__}", b"", time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--rate", type=float, default=20, help="requests per second")
    parser.add_argument("--photos", default=None, help="directory of photos (default: ../shared/corpus/photos, else the test fixtures)")
    parser.add_argument("--binary", default=str(ROOT / "target/release/portrait"))
    args = parser.parse_args()

    photos = []
    corpus = ROOT.parent / "shared/corpus/photos"
    if args.photos:
        paths = sorted(Path(args.photos).iterdir())
    elif corpus.is_dir():
        paths = sorted(corpus.iterdir())
    else:
        fixtures = ROOT / "fixtures/images"
        paths = [fixtures / n for n in GOOD_FIXTURES]
    for path in paths:
        # Under the default 10 MiB upload limit, with room for the multipart framing.
        if path.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp") and path.stat().st_size < 10_000_000:
            photos.append(path.read_bytes())
    if not photos:
        sys.exit(f"no photos in {args.photos}")

    data = Path(tempfile.mkdtemp(prefix="portrait-soak-"))
    demo = json.loads((ROOT / "crates/store/fixtures/demo.json").read_text())
    demo["tokens"] = [{"user_id": u, "token": TOKEN.format(u)} for u in USERS]
    (data / "fixture.json").write_text(json.dumps(demo))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTRAIT_")}
    subprocess.run([args.binary, "import", str(data / "fixture.json"), "--data-dir", str(data)], check=True, env=env, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [args.binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data), "--rate-limit-per-second", "0"],
        stdout=subprocess.PIPE, stderr=open(data / "server.log", "w"), env=env, text=True,
    )
    base = server.stdout.readline().strip().removeprefix("listening on ")
    print(f"server pid {server.pid} at {base}, data in {data}", flush=True)

    results = []  # (kind, status, seconds)
    lock = threading.Lock()
    photo_paths = {}

    def upload(user):
        body, boundary = multipart(random.choice(photos))
        status, data_, took = request("POST", f"{base}/api/v1/users/{user}/profile_photo", TOKEN.format(user), body, f"multipart/form-data; boundary={boundary}")
        if status == 200:
            photo_paths[user] = json.loads(data_)["users"][str(user)]["photo_path"]
        return "upload", status, took

    def read(user):
        choice = random.random()
        if choice < 0.3 and photo_paths.get(user):
            size = random.choice(["", "?size=48", "?size=96", "?size=648"])
            status, _, took = request("GET", photo_paths[user] + size)
            return "photo", status, took
        if choice < 0.55:
            status, _, took = request("GET", f"{base}/api/v1/users/me", TOKEN.format(user))
        elif choice < 0.8:
            status, _, took = request("GET", f"{base}/api/v1/users/{random.choice(USERS)}?include=account_membership,custom_field_values,external_references,manager,role,skill_memberships,skills,work_samples", TOKEN.format(user))
        else:
            status, _, took = request("GET", f"{base}/api/v1/users?page={random.randint(1, 2)}&per_page=2", TOKEN.format(user))
        return "read", status, took

    def one(i):
        user = USERS[i % len(USERS)]
        kind, status, took = upload(user) if i % 5 == 0 else read(user)
        with lock:
            results.append((kind, status, took, time.monotonic()))

    rss = []
    started = time.monotonic()
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            rss.append((time.monotonic() - started, rss_kib(server.pid)))
            stop.wait(10)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with ThreadPoolExecutor(max_workers=32) as pool:
        i = 0
        while time.monotonic() - started < args.duration:
            pool.submit(one, i)
            i += 1
            next_at = started + i / args.rate
            time.sleep(max(0.0, next_at - time.monotonic()))
    stop.set()
    sampler.join()
    rss.append((time.monotonic() - started, rss_kib(server.pid)))
    server.terminate()
    exit_code = server.wait(timeout=30)

    by_status = Counter((kind, status) for kind, status, _, _ in results)
    print(f"\n{len(results)} requests in {args.duration:.0f} s at {args.rate}/s; server exit {exit_code}")
    for (kind, status), n in sorted(by_status.items(), key=str):
        print(f"  {kind:6} {status}: {n}")
    for kind in ("upload", "read", "photo"):
        times = sorted(t for k, s, t, _ in results if k == kind and s in (200, 204))
        if times:
            p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000
            print(f"  {kind:6} latency ms: p50 {p(0.5):.1f}  p99 {p(0.99):.1f}  max {times[-1] * 1000:.1f}")
    print("  RSS over time (s: MiB): " + ", ".join(f"{t:.0f}: {kib / 1024:.1f}" for t, kib in rss))
    # A photo file replaced by a newer upload is deleted: 404 for it is expected.
    failures = sum(
        n for (kind, status), n in by_status.items()
        if status not in (200, 204) and not (kind == "photo" and status == 404)
    )
    half = len(rss) // 2
    first, second = [k for _, k in rss[1:half]], [k for _, k in rss[half:]]
    growth = (statistics.median(second) / statistics.median(first)) if first and second else 1.0
    print(f"  failures: {failures}; RSS median, second half / first half: {growth:.2f}")
    ok = failures == 0 and growth < 1.5 and exit_code == 0
    print("SOAK", "PASSED" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Checks a portrait cluster started by scripts/cluster/up.sh (Python 3.11, standard library only).

    scripts/cluster/up.sh 3 && python3 scripts/cluster/check.py && scripts/cluster/down.sh
    python3 scripts/cluster/check.py --up 3 --down          # brings it up and down itself

Without --up, an already running cluster (/tmp/portrait-cluster/env) is used and left running;
when there is none, check.py runs up.sh itself and down.sh at the end (unless --keep).

Checks, in this order (each prints PASS or FAIL with its figures; the exit status is 1 when
any fails):
  cross-instance     upload through instance 1, read the user and every rendition through
                     every other instance: same photo_path, same bytes, whole JPEGs
  concurrent         30 uploads for one user over all instances from 6 threads: one photo
                     everywhere, and after `portrait gc --grace-seconds 0` the bucket holds
                     exactly that photo's 7 renditions (listed with a signed S3 ListObjectsV2)
  kill-instance      kill -9 of instance 2 during uploads through nginx: others keep serving,
                     every acknowledged upload is there, only in-flight requests may fail
  garage-node-down   kill -9 of Garage node 3 during uploads and reads through nginx, restarted
                     later: only in-flight requests may fail, every acknowledged photo serves
  postgres-restart   PostgreSQL stopped for 3 s during load: 503 with Retry-After, no 500, and
                     every instance serves a GET and an upload within 10 s of it coming back
  load               uploads/s and CPU seconds per upload with 1, 2 and 3 instances (a
                     measurement; prints the CPU ratios to 1 instance)

NOTE: postgres-restart stops and starts the machine's PostgreSQL (cluster 15/main), which other
users of it notice; --skip postgres-restart leaves it alone.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import http.client
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CLUSTER_DIR = os.environ.get("PORTRAIT_CLUSTER_DIR", "/tmp/portrait-cluster")
ENV_FILE = os.path.join(CLUSTER_DIR, "env")
SMALL_PHOTO = os.path.join(REPO, "fixtures/images/photo-320x180.jpg")
CORPUS = os.environ.get("PORTRAIT_CORPUS", os.path.join(os.path.dirname(REPO), "shared/corpus"))
CAMERA_PHOTO = os.path.join(CORPUS, "photos/wood-2560x1920.jpg")  # Konica Minolta DiMAGE Z5
SIZES = [None, 48, 96, 144, 192, 288, 648]
ADMIN = 10
LOAD_USERS = list(range(100, 500))  # the fixture of up.sh
CLK_TCK = os.sysconf("SC_CLK_TCK")

T0 = time.monotonic()
results: list[tuple[str, str, str]] = []  # (verdict, name, summary)


def say(msg: str = "") -> None:
    print(msg, flush=True)


def stamp() -> str:
    return f"[{time.monotonic() - T0:7.1f}s]"


# ---- cluster control -------------------------------------------------------------------------


def sh(*args: str, check: bool = True, quiet: bool = False, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(list(args), capture_output=True, text=True,
                          env={**os.environ, **env} if env else None)
    if not quiet and proc.stderr.strip():
        for line in proc.stderr.strip().splitlines():
            say(f"    | {line}")
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def ctl(*args: str) -> str:
    return sh(os.path.join(HERE, "ctl.sh"), *args)


def read_env() -> dict[str, str]:
    env = {}
    with open(ENV_FILE) as f:
        for line in f:
            m = re.match(r"export (\w+)=(.*)", line.strip())
            if m:
                env[m.group(1)] = m.group(2).strip("'")
    return env


def pids() -> dict[str, int]:
    out = {}
    for line in ctl("pids").splitlines():
        parts = line.split()
        out[" ".join(parts[:-1])] = int(parts[-1])
    return out


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


# ---- HTTP ------------------------------------------------------------------------------------


class Resp:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, error: str = ""):
        self.status, self.headers, self.body, self.error = status, headers, body, error

    def json(self):
        return json.loads(self.body)


def request(url: str, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 60) -> Resp:
    """One request on a new connection (so a dead server never poisons a pool). Status 0 means
    no HTTP answer (refused, reset, timed out)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = u.path + (f"?{u.query}" if u.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    except (OSError, http.client.HTTPException) as e:
        return Resp(0, {}, b"", f"{type(e).__name__}: {e}")
    finally:
        conn.close()


def multipart(photo: bytes) -> tuple[bytes, str]:
    boundary = "portraitcluster" + hashlib.sha1(photo[:64]).hexdigest()[:16]
    head = (f"--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"user[profile_photo_attachment_file]\"; filename=\"photo.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode()
    return head + photo + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def shown_photo_path(r: "Resp", user: int) -> str | None:
    """The user's photo_path in a 200 answer's envelope, else None."""
    if r.status != 200:
        return None
    try:
        return r.json()["users"][str(user)]["photo_path"]
    except (ValueError, KeyError):
        return None


class Client:
    def __init__(self, env: dict[str, str]):
        self.token = env["PORTRAIT_CLUSTER_TOKEN"]
        self.auth = {"Authorization": f"Bearer {self.token}"}

    def upload(self, base: str, user: int, body: tuple[bytes, str], query: str = "") -> tuple[Resp, str | None]:
        data, ctype = body
        r = request(f"{base}/api/v1/users/{user}/profile_photo{query}", "POST", data,
                    {**self.auth, "Content-Type": ctype}, timeout=120)
        return r, shown_photo_path(r, user)

    def user(self, base: str, user: int) -> tuple[Resp, str | None]:
        r = request(f"{base}/api/v1/users/{user}", headers=self.auth, timeout=60)
        return r, shown_photo_path(r, user)

    def all_photo_paths(self, base: str) -> dict[int, str]:
        r = request(f"{base}/api/v1/users?per_page=200&show_disabled=true", headers=self.auth)
        if r.status != 200:
            raise RuntimeError(f"GET /api/v1/users: {r.status} {r.error}")
        return {int(k): v["photo_path"] for k, v in r.json()["users"].items()}


def photo_url(base: str, photo_path: str, size: int | None) -> str:
    path = urllib.parse.urlsplit(photo_path).path
    return f"{base}{path}" + (f"?size={size}" if size else "")


def photo_id(photo_path: str | None) -> str | None:
    if not photo_path:
        return None
    m = re.search(r"/photos/([0-9a-f]{64})\.jpg$", photo_path)
    return m.group(1) if m else None


def jpeg_dims(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a whole JPEG (SOI ... SOFn ... EOI), else None."""
    if len(data) < 4 or data[:2] != b"\xff\xd8" or data[-2:] != b"\xff\xd9":
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        seglen = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            h = int.from_bytes(data[i + 5:i + 7], "big")
            w = int.from_bytes(data[i + 7:i + 9], "big")
            return w, h
        i += 2 + seglen
    return None


def check_renditions(base: str, photo_path: str) -> tuple[bool, dict, str]:
    """Fetches every rendition through base; (all whole JPEGs of the right size, sha256 by
    size, first problem)."""
    hashes = {}
    for size in SIZES:
        r = request(photo_url(base, photo_path, size), timeout=60)
        if r.status != 200:
            return False, hashes, f"size={size}: HTTP {r.status} {r.error}"
        dims = jpeg_dims(r.body)
        if dims is None:
            return False, hashes, f"size={size}: not a whole JPEG ({len(r.body)} bytes)"
        if size and dims != (size, size):
            return False, hashes, f"size={size}: {dims[0]}x{dims[1]}"
        if size is None and max(dims) > 2048:
            return False, hashes, f"full: {dims[0]}x{dims[1]}"
        hashes[size] = hashlib.sha256(r.body).hexdigest()
    return True, hashes, ""


# ---- S3 listing (SigV4, ListObjectsV2) ---------------------------------------------------------


def s3_list(endpoint: str, bucket: str, prefix: str, key_id: str, secret: str, region: str = "garage") -> list[str]:
    def q(s: str) -> str:
        return urllib.parse.quote(s, safe="-_.~")

    def sign(k: bytes, msg: str) -> bytes:
        return hmac.new(k, msg.encode(), hashlib.sha256).digest()

    host = urllib.parse.urlsplit(endpoint).netloc
    keys: list[str] = []
    token = None
    while True:
        params = {"list-type": "2", "prefix": prefix, "max-keys": "1000"}
        if token:
            params["continuation-token"] = token
        qs = "&".join(f"{q(k)}={q(v)}" for k, v in sorted(params.items()))
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        payload = hashlib.sha256(b"").hexdigest()
        signed = "host;x-amz-content-sha256;x-amz-date"
        canonical = "\n".join(["GET", f"/{bucket}", qs,
                               f"host:{host}\nx-amz-content-sha256:{payload}\nx-amz-date:{amz_date}\n",
                               signed, payload])
        scope = f"{day}/{region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        k = sign(sign(sign(sign(("AWS4" + secret).encode(), day), region), "s3"), "aws4_request")
        sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        r = request(f"{endpoint}/{bucket}?{qs}", headers={
            "Host": host, "x-amz-date": amz_date, "x-amz-content-sha256": payload,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={signed}, Signature={sig}",
        })
        if r.status != 200:
            raise RuntimeError(f"S3 ListObjectsV2: HTTP {r.status} {r.error} {r.body[:300]!r}")
        root = ET.fromstring(r.body)
        ns = {"s": root.tag.split("}")[0].strip("{")} if root.tag.startswith("{") else {"s": ""}
        p = "s:" if ns["s"] else ""
        keys += [c.findtext(f"{p}Key", namespaces=ns) for c in root.findall(f"{p}Contents", ns)]
        if root.findtext(f"{p}IsTruncated", namespaces=ns) == "true":
            token = root.findtext(f"{p}NextContinuationToken", namespaces=ns)
        else:
            return keys


# ---- load ------------------------------------------------------------------------------------


class Op:
    __slots__ = ("kind", "target", "user", "start", "end", "status", "path", "retry_after", "error")

    def __init__(self, kind, target, user, start, end, resp: Resp, path=None):
        self.kind, self.target, self.user = kind, target, user
        self.start, self.end = start, end
        self.status, self.path = resp.status, path
        self.retry_after = resp.headers.get("retry-after")
        self.error = resp.error or (resp.body[:160].decode("utf-8", "replace") if resp.status >= 400 else "")


class Load:
    """n threads call fn(thread index, their ops list) until `seconds` pass or stop() is called."""

    def __init__(self, n: int, fn, seconds: float):
        self.stop_at = time.monotonic() + seconds
        self.stopped = threading.Event()
        self.ops: list[Op] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._worker, args=(t, fn), daemon=True) for t in range(n)]
        for th in self.threads:
            th.start()

    def _worker(self, t: int, fn) -> None:
        local: list[Op] = []
        try:
            while time.monotonic() < self.stop_at and not self.stopped.is_set():
                fn(t, local)
        finally:
            with self.lock:
                self.ops.extend(local)

    def stop(self) -> None:
        self.stopped.set()

    def join(self) -> list[Op]:
        for th in self.threads:
            th.join()
        return self.ops


def in_flight(op: Op, t: float, slack: float = 0.05) -> bool:
    return op.start - slack <= t <= op.end + slack


def status_counts(ops: list[Op]) -> str:
    counts: dict[str, int] = {}
    for op in ops:
        k = str(op.status) if op.status else "no-answer"
        counts[k] = counts.get(k, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


ACCESS_LOG = os.path.join(CLUSTER_DIR, "nginx/access.log")


def log_offset() -> int:
    try:
        return os.path.getsize(ACCESS_LOG)
    except OSError:
        return 0


def nginx_retries(offset: int, port: int | None = None) -> tuple[int, int, str]:
    """Requests nginx logged since offset that went to more than one upstream (it retried
    them): (count, of them answered 200, upstream statuses of the first one)."""
    n = ok = 0
    first = ""
    try:
        with open(ACCESS_LOG, "rb") as f:
            f.seek(offset)
            for line in f.read().decode("utf-8", "replace").splitlines():
                m = re.search(r'" (\d{3}) \d+ upstream=(\S+, [^=]*) upstream_status=([^=]*) rt=', line)
                if not m or (port and f":{port}" not in m.group(2)):
                    continue
                n += 1
                ok += m.group(1) == "200"
                first = first or f"{m.group(2).strip()} → {m.group(3).strip()}"
    except OSError:
        pass
    return n, ok, first


def record(verdict: bool | None, name: str, summary: str) -> None:
    v = "INFO" if verdict is None else ("PASS" if verdict else "FAIL")
    results.append((v, name, summary))
    say(f"{v} {name}: {summary}")


# ---- checks ----------------------------------------------------------------------------------


def check_cross_instance(env, cl: Client, insts: list[str], photo: bytes) -> None:
    say(f"{stamp()} == cross-instance: upload through {insts[0]}, read through the others")
    r, path = cl.upload(insts[0], ADMIN, multipart(photo))
    if r.status != 200 or not photo_id(path):
        return record(False, "cross-instance", f"upload through instance 1: HTTP {r.status} {r.error}")
    problems = []
    ok, ref, why = check_renditions(insts[0], path)
    if not ok:
        problems.append(f"instance 1: {why}")
    fetched = 0
    for i, base in enumerate(insts[1:], start=2):
        ru, p2 = cl.user(base, ADMIN)
        if p2 != path:
            problems.append(f"instance {i}: GET user {ADMIN} → {ru.status}, photo_path {p2}")
        ok, hashes, why = check_renditions(base, path)
        fetched += len(hashes)
        if not ok:
            problems.append(f"instance {i}: {why}")
        for size, h in hashes.items():
            if ref.get(size) != h:
                problems.append(f"instance {i}: size={size} differs from instance 1 ({h[:12]} vs {str(ref.get(size))[:12]})")
    record(not problems, "cross-instance",
           f"photo {photo_id(path)[:12]}…, {len(SIZES)} renditions × {len(insts) - 1} other instances "
           f"= {fetched} fetches, identical to instance 1's" if not problems else "; ".join(problems[:6]))


def check_concurrent(env, cl: Client, insts: list[str], photo: bytes, uploads: int = 30, threads: int = 6) -> None:
    say(f"{stamp()} == concurrent: {uploads} uploads for user {ADMIN} round-robin over {len(insts)} instances, {threads} threads")
    # Each upload with its own crop box, so the renditions differ too (the photo id is salted anyway).
    jobs = list(range(uploads))
    lock = threading.Lock()
    ops: list[Op] = []
    body = multipart(photo)

    def worker():
        while True:
            with lock:
                if not jobs:
                    return
                j = jobs.pop(0)
            base = insts[j % len(insts)]
            t = time.monotonic()
            r, path = cl.upload(base, ADMIN, body, f"?crop_x={j}&crop_y=0&crop_w={100 + j}")
            op = Op("upload", base, ADMIN, t, time.monotonic(), r, path)
            with lock:
                ops.append(op)

    ths = [threading.Thread(target=worker) for _ in range(threads)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    acked = {op.path for op in ops if op.status == 200}
    problems = []
    if len(acked) == 0:
        problems.append("no upload succeeded")
    bad = [op for op in ops if op.status not in (200, 503)]
    if bad:
        problems.append(f"{len(bad)} uploads neither 200 nor 503: {bad[0].status} {bad[0].error}")
    seen = {}
    for i, base in enumerate(insts, start=1):
        _, p = cl.user(base, ADMIN)
        seen[i] = p
    distinct = set(seen.values())
    if len(distinct) != 1:
        problems.append(f"instances disagree: {seen}")
    final = next(iter(distinct)) if distinct else None
    if final not in acked:
        problems.append(f"final photo_path {final} is none of the acknowledged uploads")
    ok, _, why = check_renditions(insts[-1], final) if final else (False, {}, "no photo")
    if not ok:
        problems.append(f"final photo: {why}")
    fid = photo_id(final)
    before = s3_list(env["PORTRAIT_CLUSTER_S3_ENDPOINT"], env["PORTRAIT_CLUSTER_BUCKET"], "photos/",
                     env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    gc_out = sh(env["PORTRAIT_BIN"], "gc", "--grace-seconds", "0",
                "--database-url", env["PORTRAIT_CLUSTER_DATABASE_URL"],
                "--blob-store", env["PORTRAIT_CLUSTER_BLOB_STORE"], quiet=True,
                env={k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}).strip()
    keys = s3_list(env["PORTRAIT_CLUSTER_S3_ENDPOINT"], env["PORTRAIT_CLUSTER_BUCKET"], "photos/",
                   env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    # Other users' photos (from earlier runs on a reused cluster) may legitimately be there.
    referenced = {photo_id(p) for p in cl.all_photo_paths(insts[0]).values()} - {None}
    mine = sorted(k for k in keys if k.startswith(f"photos/{fid}/"))
    expected = sorted(f"photos/{fid}/{'full' if s is None else s}.jpg" for s in SIZES)
    orphans = [k for k in keys if k.split("/")[1] not in referenced]
    if mine != expected:
        problems.append(f"bucket holds {mine} for the final photo, expected its {len(SIZES)} renditions")
    if orphans:
        problems.append(f"{len(orphans)} objects of photos nobody points at after gc, e.g. {orphans[0]}")
    if len(keys) != len(SIZES) * len(referenced):
        problems.append(f"{len(keys)} objects for {len(referenced)} referenced photos")
    try:
        info = sh(os.environ.get("GARAGE_BIN", os.path.expanduser("~/.cargo/bin/garage")), "-c",
                  os.path.join(CLUSTER_DIR, "garage1/garage.toml"), "bucket", "info",
                  env["PORTRAIT_CLUSTER_BUCKET"], quiet=True)
        garage_count = re.search(r"Objects:\s*(\d+)", info).group(1)
    except (RuntimeError, AttributeError):
        garage_count = "?"
    extra = sorted({k.split("/")[1][:12] for k in before if k.split("/")[1] not in referenced})
    record(not problems, "concurrent",
           f"{status_counts(ops)}; {len(acked)} distinct photo_paths in the 200 answers (an answer shows "
           f"the user as read after its own swap, so a concurrent later upload's photo may be there); "
           f"all {len(insts)} instances report {fid[:12] if fid else None}…; bucket before gc: {len(before)} "
           f"objects ({len(before) - sum(k.split('/')[1] in referenced for k in before)} of photos nobody "
           f"points at: {', '.join(extra) or 'none'}); gc: «{gc_out}»; "
           f"after gc: {len(keys)} objects ({len(mine)} of the final photo, {len(referenced)} photo(s) "
           f"referenced by any user; `garage bucket info` says {garage_count})"
           + ("" if not problems else " — " + "; ".join(problems[:5])))


def per_user_loop(cl: Client, target: str, users: list[int], body, read_back: bool = False):
    """Thread t uploads, one after the other, for users[t] only: per user, the order of the
    acknowledgements is the order of the uploads."""
    def fn(t: int, ops: list[Op]):
        user = users[t]
        t0 = time.monotonic()
        r, path = cl.upload(target, user, body)
        ops.append(Op("upload", target, user, t0, time.monotonic(), r, path))
        if read_back and path:
            t1 = time.monotonic()
            rr = request(photo_url(target, path, 96), timeout=60)
            whole = rr.status == 200 and jpeg_dims(rr.body) == (96, 96)
            op = Op("read", target, user, t1, time.monotonic(), rr)
            if rr.status == 200 and not whole:
                op.status, op.error = -1, f"not a whole 96x96 JPEG ({len(rr.body)} bytes)"
            ops.append(op)
    return fn


def verify_final(cl: Client, ops: list[Op], users: list[int], insts: list[str], via: str) -> list[str]:
    """Each user's current photo is the last acknowledged one, or a later upload whose answer
    was lost; it is the same on every instance and serves whole JPEGs."""
    problems = []
    for user in users:
        mine = sorted((op for op in ops if op.kind == "upload" and op.user == user), key=lambda o: o.start)
        acked = [op for op in mine if op.status == 200]
        if not acked:
            continue
        last = acked[-1]
        later_failed = any(op.status != 200 and op.start >= last.start for op in mine)
        earlier = {op.path for op in acked[:-1]}
        paths = {cl.user(base, user)[1] for base in insts}
        if len(paths) != 1:
            problems.append(f"user {user}: instances disagree {paths}")
            continue
        cur = paths.pop()
        if cur != last.path and (not later_failed or cur in earlier or not photo_id(cur)):
            problems.append(f"user {user}: current {photo_id(cur)} is not the last acknowledged {photo_id(last.path)}")
            continue
        ok, _, why = check_renditions(via, cur)
        if not ok:
            problems.append(f"user {user}: photo {photo_id(cur)[:12]}: {why}")
    return problems


def check_kill_instance(env, cl: Client, insts: list[str], photo: bytes, seconds: float = 10, kill_at: float = 3) -> None:
    victim = 2
    front = env["PORTRAIT_CLUSTER_URL"]
    users = LOAD_USERS[:6]
    say(f"{stamp()} == kill-instance: {len(users)} threads upload through nginx for {seconds:.0f} s; kill -9 instance {victim} at {kill_at:.0f} s")
    survivors = [b for i, b in enumerate(insts, start=1) if i != victim]
    body = multipart(photo)
    offset = log_offset()
    uploads = Load(len(users), per_user_loop(cl, front, users, body), seconds)

    def reader(t: int, ops: list[Op]):
        base = survivors[len(ops) % len(survivors)]
        t0 = time.monotonic()
        r, _ = cl.user(base, ADMIN)
        ops.append(Op("read", base, ADMIN, t0, time.monotonic(), r))

    readers = Load(1, reader, seconds)
    t_load = time.monotonic()
    time.sleep(kill_at)
    victim_pid = pids().get(f"instance {victim}")
    t_kill = time.monotonic()
    os.kill(victim_pid, 9)
    ctl("stop-instance", str(victim), "KILL")  # waits for it to be gone, drops its pid file
    say(f"{stamp()}    kill -9 of instance {victim} (pid {victim_pid}) {t_kill - t_load:.1f} s into the load")
    ops = uploads.join()
    rops = readers.join()
    t_restart = time.monotonic()
    ctl("start-instance", str(victim))
    say(f"{stamp()}    instance {victim} restarted and ready in {time.monotonic() - t_restart:.1f} s")
    failed = [op for op in ops if op.status != 200]
    unexpected = [op for op in failed if not in_flight(op, t_kill)]
    read_failed = [op for op in rops if op.status != 200]
    problems = verify_final(cl, ops, users, insts, front)
    if unexpected:
        problems.append(f"{len(unexpected)} uploads failed outside the kill, e.g. {unexpected[0].status} {unexpected[0].error}")
    if read_failed:
        problems.append(f"{len(read_failed)} reads from the surviving instances failed, e.g. {read_failed[0].status} {read_failed[0].error}")
    acked = sum(op.status == 200 for op in ops)
    retried, retried_ok, example = nginx_retries(offset, 8090 + victim)
    record(not problems, "kill-instance",
           f"uploads through nginx: {status_counts(ops)} ({len(failed)} failed, {len(failed) - len(unexpected)} of them "
           f"in flight at the kill); nginx sent {retried} requests to the next instance after instance {victim} "
           f"failed them ({retried_ok} then answered 200; e.g. upstreams {example}); "
           f"direct reads from the survivors: {status_counts(rops)}; "
           f"{acked} acknowledged, each user's last one current on all {len(insts)} instances and serving"
           + ("" if not problems else " — " + "; ".join(problems[:5])))


def check_garage_node_down(env, cl: Client, insts: list[str], photo: bytes, seconds: float = 14,
                           stop_at: float = 3, restart_at: float = 9) -> None:
    node = 3
    front = env["PORTRAIT_CLUSTER_URL"]
    say(f"{stamp()} == garage-node-down: uploads + reads through nginx for {seconds:.0f} s; "
        f"kill -9 Garage node {node} at {stop_at:.0f} s, restart it at {restart_at:.0f} s")
    body = multipart(photo)
    offset = log_offset()
    counter = itertools.count()
    lock = threading.Lock()

    # Every upload goes to a user of its own (until the 400 run out), so that every photo
    # acknowledged stays current and must still serve at the end.
    def fn(t: int, ops: list[Op]):
        with lock:
            user = LOAD_USERS[next(counter) % len(LOAD_USERS)]
        t0 = time.monotonic()
        r, path = cl.upload(front, user, body)
        ops.append(Op("upload", front, user, t0, time.monotonic(), r, path))
        if path:
            t1 = time.monotonic()
            rr = request(photo_url(front, path, 96), timeout=60)
            op = Op("read", front, user, t1, time.monotonic(), rr)
            if rr.status == 200 and jpeg_dims(rr.body) != (96, 96):
                op.status, op.error = -1, f"not a whole 96x96 JPEG ({len(rr.body)} bytes)"
            ops.append(op)

    load = Load(4, fn, seconds)
    t_load = time.monotonic()
    time.sleep(stop_at)
    node_pid = pids().get(f"garage {node}")
    t_stop = time.monotonic()
    os.kill(node_pid, 9)
    ctl("stop-garage", str(node), "KILL")
    say(f"{stamp()}    kill -9 of Garage node {node} (pid {node_pid}) {t_stop - t_load:.1f} s into the load")
    time.sleep(max(0.0, restart_at - (time.monotonic() - t_load)))
    t_back = time.monotonic()
    ctl("start-garage", str(node))
    say(f"{stamp()}    Garage node {node} restarted {t_back - t_load:.1f} s into the load, "
        f"answering {time.monotonic() - t_back:.1f} s later")
    ops = load.join()
    uploads = [op for op in ops if op.kind == "upload"]
    reads = [op for op in ops if op.kind == "read"]
    during = [op for op in uploads if op.status == 200 and t_stop <= op.end <= t_back]
    failed = [op for op in ops if op.status != 200]
    unexpected = [op for op in failed if not in_flight(op, t_stop)]
    problems = []
    if unexpected:
        problems.append(f"{len(unexpected)} requests failed outside the moment of the stop, e.g. "
                        f"{unexpected[0].kind} {unexpected[0].status} {unexpected[0].error}")
    if not during:
        problems.append("no upload was acknowledged while the node was down")
    # Every user's last acknowledged photo (those of the outage included) serves, through
    # nginx and through each instance directly, with all three nodes back.
    last: dict[int, Op] = {}
    for op in sorted(uploads, key=lambda o: o.start):
        if op.status == 200:
            last[op.user] = op
    lost = []
    checked_during = 0
    for user, op in last.items():
        _, cur = cl.user(insts[0], user)
        mine_later_failed = any(o.user == user and o.status != 200 and o.start >= op.start for o in uploads)
        if cur != op.path and not mine_later_failed:
            lost.append(f"user {user}: current {photo_id(cur)} is not the acknowledged {photo_id(op.path)}")
            continue
        ok, _, why = check_renditions(front, cur)
        if not ok:
            lost.append(f"user {user}: {why}")
        if t_stop <= op.end <= t_back:
            checked_during += 1
    problems += lost
    retried, retried_ok, example = nginx_retries(offset, 3909 + node)
    record(not problems, "garage-node-down",
           f"uploads: {status_counts(uploads)}, reads: {status_counts(reads)}; {len(failed)} failed "
           f"({len(failed) - len(unexpected)} in flight at the stop); the S3 front sent {retried} S3 requests "
           f"on to another node after node {node} failed them ({retried_ok} then 200; e.g. {example}); "
           f"{len(during)} uploads acknowledged "
           f"during the {t_back - t_stop:.1f} s outage; after the restart {len(last)} current photos checked "
           f"({checked_during} from the outage), {len(SIZES)} renditions each, {len(lost)} missing"
           + ("" if not problems else " — " + "; ".join(problems[:5])))


def pg_ctl(action: str) -> None:
    sh("pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", action)


def pg_online() -> bool:
    out = sh("pg_lsclusters", "-h", check=False, quiet=True)
    return any(line.split()[:2] == ["15", "main"] and "online" in line for line in out.splitlines())


def check_postgres_restart(env, cl: Client, insts: list[str], photo: bytes, down_for: float = 3,
                           before: float = 2, after: float = 12) -> None:
    say(f"{stamp()} == postgres-restart: GETs and uploads straight at the instances; PostgreSQL stopped "
        f"at {before:.0f} s for {down_for:.0f} s; load goes on {after:.0f} s after it is back")
    body = multipart(photo)
    users = LOAD_USERS[20:26]
    n = len(insts)

    def fn(t: int, ops: list[Op]):
        base = insts[t % n]
        user = users[t % len(users)]
        if t % 2 == 0:
            t0 = time.monotonic()
            r, path = cl.upload(base, user, body)
            ops.append(Op("upload", base, user, t0, time.monotonic(), r, path))
        else:
            t0 = time.monotonic()
            r, _ = cl.user(base, user)
            ops.append(Op("get", base, user, t0, time.monotonic(), r))
            time.sleep(0.05)

    # Two threads per instance (one uploading, one reading), plus one reading through nginx.
    load = Load(2 * n, fn, 600)

    def nginx_reader(t: int, ops: list[Op]):
        t0 = time.monotonic()
        r, _ = cl.user(env["PORTRAIT_CLUSTER_URL"], ADMIN)
        ops.append(Op("get", "nginx", ADMIN, t0, time.monotonic(), r))
        time.sleep(0.1)

    nload = Load(1, nginx_reader, 600)
    time.sleep(before)
    t_down = time.monotonic()
    try:
        pg_ctl("stop")
        t_stopped = time.monotonic()
        say(f"{stamp()}    PostgreSQL stopped (the stop took {t_stopped - t_down:.1f} s)")
        time.sleep(down_for)
    finally:
        t_starting = time.monotonic()
        pg_ctl("start")
    t_up = time.monotonic()
    say(f"{stamp()}    PostgreSQL started again ({t_up - t_down:.1f} s after the stop began)")
    time.sleep(after)
    load.stop()
    nload.stop()
    ops = load.join()
    nginx_ops = nload.join()
    outage = [op for op in ops if op.end >= t_down and op.start <= t_up]
    # Requests that began and ended while PostgreSQL was certainly down.
    down = [op for op in ops if op.start >= t_stopped and op.end <= t_starting]
    s503 = [op for op in outage if op.status == 503]
    with_ra = [op for op in s503 if op.retry_after]
    problems = []
    if not s503:
        problems.append("no 503 during the outage")
    if any(op.status != 503 for op in down):
        bad = [op for op in down if op.status != 503]
        problems.append(f"{len(bad)} requests made entirely while PostgreSQL was down got no 503, e.g. "
                        f"{bad[0].kind} {bad[0].status} {bad[0].error}")
    elif not with_ra:
        problems.append("no 503 carried Retry-After")
    if len(with_ra) != len(s503):
        problems.append(f"{len(s503) - len(with_ra)} of {len(s503)} 503s without Retry-After")
    direct_500 = [op for op in ops if (op.status >= 500 and op.status != 503) or op.status in (0, -1)]
    if direct_500:
        problems.append(f"{len(direct_500)} answers from instances that are 5xx but not 503 (or none), e.g. "
                        f"{direct_500[0].kind} {direct_500[0].status} {direct_500[0].error}")
    other = [op for op in outage if op.status not in (200, 503)]
    recovery = []
    for i, base in enumerate(insts, start=1):
        for kind in ("get", "upload"):
            firsts = [op.end - t_up for op in ops if op.target == base and op.kind == kind
                      and op.status == 200 and op.start >= t_up]
            rec = min(firsts) if firsts else None
            recovery.append((i, kind, rec))
            if rec is None or rec > 10:
                problems.append(f"instance {i}: no {kind} 200 within 10 s of PostgreSQL's return "
                                f"(first: {rec})")
    nginx_outage = [op for op in nginx_ops if op.end >= t_down and op.start <= t_up]
    nginx_bad = [op for op in nginx_ops if op.status not in (200, 503) or (op.status == 503 and not op.retry_after)]
    if nginx_bad:
        problems.append(f"{len(nginx_bad)} answers through nginx neither 200 nor 503 with Retry-After, e.g. "
                        f"{nginx_bad[0].status} {nginx_bad[0].error[:80]}")
    late = [op for op in ops if op.start >= t_up + 10 and op.status != 200]
    if late:
        problems.append(f"{len(late)} failures more than 10 s after the return, e.g. {late[0].kind} {late[0].status} {late[0].error}")
    rec_txt = ", ".join(f"{i}/{k} {r:.1f} s" if r is not None else f"{i}/{k} never" for i, k, r in recovery)
    record(not problems, "postgres-restart",
           f"requests made entirely while it was down ({t_starting - t_stopped:.1f} s): {status_counts(down)}; "
           f"overlapping the {t_up - t_down:.1f} s from `stop` to `start` done: {status_counts(outage)} ({len(with_ra)} of {len(s503)} 503s "
           f"with Retry-After; {len(other)} other non-200); whole run: {status_counts(ops)}; "
           f"through nginx during the outage: {status_counts(nginx_outage)} (overall {status_counts(nginx_ops)}); "
           f"first 200 after the return (instance/kind): {rec_txt}"
           + ("" if not problems else " — " + "; ".join(problems[:6])))


def check_removal_reaches_every_instance(env, cl: Client, insts: list[str], photo: bytes,
                                         bound: float = 5) -> None:
    """A photo replaced through instance 1 is answered 404 by every other instance within
    `bound` seconds, although each had it cached. Run after postgres-restart, it also shows
    that the instances' LISTEN connections came back by themselves."""
    name = "removal-reaches-every-instance"
    say(f"{stamp()} == {name}: replace a photo through {insts[0]}, time the 404 on the others")
    r, old = cl.upload(insts[0], ADMIN, multipart(photo))
    if r.status != 200 or not photo_id(old):
        return record(False, name, f"first upload: HTTP {r.status} {r.error}")
    for base in insts[1:]:
        # Served, so now in each instance's memory.
        ok, _, why = check_renditions(base, old)
        if not ok:
            return record(False, name, f"{base} before the replacement: {why}")
    r, new = cl.upload(insts[0], ADMIN, multipart(photo))
    replaced = time.monotonic()
    if r.status != 200 or not photo_id(new):
        return record(False, name, f"second upload: HTTP {r.status} {r.error}")
    problems, taken = [], []
    for i, base in enumerate(insts[1:], start=2):
        while True:
            status = request(photo_url(base, old, 96), timeout=10).status
            elapsed = time.monotonic() - replaced
            if status == 404:
                taken.append(f"instance {i} {elapsed * 1000:.1f} ms")
                break
            if elapsed > bound:
                problems.append(f"instance {i} still answers {status} after {bound:.0f} s")
                break
            time.sleep(0.005)
    record(not problems, name,
           f"old photo {photo_id(old)[:12]}… answered 404 after: {', '.join(taken)} (bound {bound:.0f} s)"
           + ("" if not problems else " — " + "; ".join(problems)))


def check_load(env, cl: Client, insts: list[str], photos: list[tuple[str, bytes]], seconds: float,
               rounds: int, threads: int) -> None:
    say(f"{stamp()} == load: {threads} threads upload round-robin straight to the first k instances, "
        f"{seconds:.0f} s per run, {rounds} rounds (k = 1, 2, 3 then 3, 2, 1, ...)")
    ks = [k for k in (1, 2, 3) if k <= len(insts)]
    table: dict[tuple[str, int], dict] = {}
    for name, photo in photos:
        body = multipart(photo)
        for rnd in range(rounds):
            order = ks if rnd % 2 == 0 else list(reversed(ks))
            for k in order:
                targets = insts[:k]
                p = pids()
                portrait_pids = [pid for key, pid in p.items() if key.startswith("instance ")]
                garage_pids = [pid for key, pid in p.items() if key.startswith("garage ")]
                rr = itertools.count()
                lock = threading.Lock()

                def fn(t: int, ops: list[Op], targets=targets, rr=rr, lock=lock):
                    with lock:
                        j = next(rr)
                    base = targets[j % len(targets)]
                    user = LOAD_USERS[j % len(LOAD_USERS)]
                    t0 = time.monotonic()
                    r, path = cl.upload(base, user, body)
                    ops.append(Op("upload", base, user, t0, time.monotonic(), r, path))

                cpu0 = sum(cpu_seconds(x) for x in portrait_pids)
                gcpu0 = sum(cpu_seconds(x) for x in garage_pids)
                load0 = os.getloadavg()[0]
                w0 = time.monotonic()
                ops = Load(threads, fn, seconds).join()
                wall = time.monotonic() - w0
                cpu = sum(cpu_seconds(x) for x in portrait_pids) - cpu0
                gcpu = sum(cpu_seconds(x) for x in garage_pids) - gcpu0
                ok = sum(op.status == 200 for op in ops)
                lat = sorted(op.end - op.start for op in ops if op.status == 200)
                e = table.setdefault((name, k), {"ok": 0, "fail": 0, "wall": 0.0, "cpu": 0.0, "gcpu": 0.0,
                                                 "rates": [], "lat": [], "load": []})
                e["ok"] += ok
                e["fail"] += len(ops) - ok
                e["wall"] += wall
                e["cpu"] += cpu
                e["gcpu"] += gcpu
                e["rates"].append(ok / wall)
                e["lat"] += lat
                e["load"].append(load0)
                say(f"{stamp()}    {name} k={k} round {rnd + 1}: {ok} ok, {len(ops) - ok} failed "
                    f"({status_counts(ops)}), {ok / wall:.2f} uploads/s, "
                    f"{(cpu / ok * 1000) if ok else float('nan'):.1f} ms portrait CPU/upload, "
                    f"{(gcpu / ok * 1000) if ok else float('nan'):.1f} ms Garage CPU/upload, load avg {load0:.1f}")
    say("")
    say("| photo | instances | uploads ok (failed) | uploads/s (median of rounds) | p50 latency | "
        "portrait CPU ms/upload | ratio to 1 instance | Garage CPU ms/upload | load avg at start |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, _ in photos:
        base_cpu = None
        for k in ks:
            e = table[(name, k)]
            cpu_per = e["cpu"] / e["ok"] * 1000 if e["ok"] else float("nan")
            if k == 1:
                base_cpu = cpu_per
            ratio = cpu_per / base_cpu if base_cpu else float("nan")
            p50 = statistics.median(e["lat"]) * 1000 if e["lat"] else float("nan")
            say(f"| {name} | {k} | {e['ok']} ({e['fail']}) | {statistics.median(e['rates']):.2f} | {p50:.0f} ms | "
                f"{cpu_per:.1f} | {ratio:.3f} | {e['gcpu'] / e['ok'] * 1000 if e['ok'] else float('nan'):.1f} | "
                f"{'/'.join(f'{x:.1f}' for x in e['load'])} |")
    say("")
    summary = []
    within = True
    for name, _ in photos:
        e1 = table[(name, 1)]
        c1 = e1["cpu"] / e1["ok"] if e1["ok"] else float("nan")
        parts = []
        for k in ks[1:]:
            e = table[(name, k)]
            ck = e["cpu"] / e["ok"] if e["ok"] else float("nan")
            ratio = ck / c1
            within &= abs(ratio - 1) <= 0.10
            parts.append(f"{k}: {ratio:.3f}")
        summary.append(f"{name}: CPU/upload ratio to 1 instance {', '.join(parts)}")
        if any(table[(name, k)]["fail"] for k in ks):
            summary.append(f"{name}: {sum(table[(name, k)]['fail'] for k in ks)} failed uploads")
    record(None, "load", "; ".join(summary) + f"; within ±10 %: {'yes' if within else 'NO'}")


# ---- main ------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--up", type=int, metavar="N", help="run up.sh N first")
    ap.add_argument("--down", action="store_true", help="run down.sh at the end")
    ap.add_argument("--keep", action="store_true", help="never run down.sh, even for a cluster check.py started")
    ap.add_argument("--only", action="append", default=[], help="run only this check (repeatable)")
    ap.add_argument("--skip", action="append", default=[], help="skip this check (repeatable)")
    ap.add_argument("--load-seconds", type=float, default=12, help="length of each load run (default 12)")
    ap.add_argument("--load-rounds", type=int, default=2, help="rounds of 1, 2, 3 instances (default 2)")
    ap.add_argument("--load-threads", type=int, default=4, help="load generator threads (default 4)")
    args = ap.parse_args()

    started_here = False
    if args.up or not os.path.exists(ENV_FILE):
        started_here = not args.up
        n = args.up or 3
        say(f"{stamp()} bringing the cluster up: scripts/cluster/up.sh {n}")
        sh(os.path.join(HERE, "up.sh"), str(n))
    env = read_env()
    insts = env["PORTRAIT_CLUSTER_INSTANCES"].split()
    if len(insts) < 3:
        say(f"FAIL setup: {len(insts)} instances; the checks need at least 3 (up.sh 3)")
        return 1
    cl = Client(env)
    small = open(SMALL_PHOTO, "rb").read()
    photos = [("photo-320x180.jpg", small)]
    if os.path.exists(CAMERA_PHOTO):
        photos.append((os.path.basename(CAMERA_PHOTO), open(CAMERA_PHOTO, "rb").read()))
    say(f"{stamp()} cluster: {len(insts)} instances {' '.join(insts)}, front {env['PORTRAIT_CLUSTER_URL']}, "
        f"binary {env['PORTRAIT_BIN']}; {os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.1f}")
    say(f"{stamp()} photos: " + ", ".join(f"{n} ({len(b):,} bytes)" for n, b in photos))

    checks = [
        ("cross-instance", lambda: check_cross_instance(env, cl, insts, small)),
        ("concurrent", lambda: check_concurrent(env, cl, insts, small)),
        ("kill-instance", lambda: check_kill_instance(env, cl, insts, small)),
        ("garage-node-down", lambda: check_garage_node_down(env, cl, insts, small)),
        ("postgres-restart", lambda: check_postgres_restart(env, cl, insts, small)),
        ("removal-reaches-every-instance", lambda: check_removal_reaches_every_instance(env, cl, insts, small)),
        ("load", lambda: check_load(env, cl, insts, photos, args.load_seconds, args.load_rounds, args.load_threads)),
    ]
    try:
        for name, fn in checks:
            if (args.only and name not in args.only) or name in args.skip:
                continue
            t = time.monotonic()
            try:
                fn()
            except Exception as e:  # a check that crashes is a failed check, the others still run
                record(False, name, f"crashed: {type(e).__name__}: {e}")
            finally:
                try:
                    if not pg_online():
                        say("    PostgreSQL is not online: starting it")
                        pg_ctl("start")
                    # Whatever a check stopped is running again before the next one.
                    sh(os.path.join(HERE, "up.sh"), str(len(insts)), quiet=True)
                except Exception as e:
                    record(False, f"{name} (restoring the cluster after it)", f"{type(e).__name__}: {e}")
            say(f"{stamp()}    ({name} took {time.monotonic() - t:.1f} s)")
    finally:
        if (args.down or started_here) and not args.keep:
            say(f"{stamp()} taking the cluster down: scripts/cluster/down.sh")
            sh(os.path.join(HERE, "down.sh"), check=False)

    say("")
    say("== summary")
    for v, name, summary in results:
        say(f"{v} {name}")
    failed = [r for r in results if r[0] == "FAIL"]
    say(f"{len([r for r in results if r[0] == 'PASS'])} passed, {len(failed)} failed, "
        f"in {time.monotonic() - T0:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

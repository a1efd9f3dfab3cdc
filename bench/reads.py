#!/usr/bin/env python3
"""Read paths under wrk: a rendition from portrait vs the same file from nginx,
and GET /api/v1/users/10 with all eight includes on SQLite.

    python3 bench/reads.py [--rounds 3] [--seconds 10] [--connections 32]

Needs `wrk` and `nginx` (Debian: apt-get install -y wrk nginx). Builds
`portrait` (release) and starts `portrait serve --demo` on a free port with a
fresh SQLite + filesystem data directory and the per-token rate limit off,
uploads one corpus photo for user 10, and downloads its `?size=96` rendition.
nginx (2 worker processes = the machine's cores, sendfile on, access log off,
127.0.0.1 on a free port) serves that same JPEG from disk. Each round runs
`wrk -t2 -c<connections> -d<seconds>` against nginx, then portrait's
`<photo_path>?size=96`, then `/api/v1/users/10?include=<all eight>` with a
bearer token; the rendition ratio portrait/nginx is taken per round.
wrk runs on the same machine and takes CPU from both servers alike. Server CPU
per request (utime+stime from /proc of the server and its child processes,
before/after each wrk run) is reported too: on a shared machine it is steadier
than requests/s.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import CORPUS, Server, build, machine

INCLUDES = ("account_membership,custom_field_values,external_references,manager,role,"
            "skill_memberships,skills,work_samples")
PHOTO = CORPUS / "photos/blinds-1920x1200.jpg"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu(pids):
    """utime+stime seconds of the given processes and of their children."""
    total = 0.0
    seen = set()
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return total


def wrk(url, seconds, connections, headers=(), server_pids=()):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    cpu0 = proc_cpu(server_pids)
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    cpu = proc_cpu(server_pids) - cpu0
    total = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)

    def to_ms(m):
        if not m:
            return None
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    return {"rps": rps, "cpu_us_per_req": cpu / max(total, 1) * 1e6, "non2xx": int(non2xx.group(1)) if non2xx else 0, "p50_ms": to_ms(p50),
            "p99_ms": to_ms(p99)}


def upload(server, user, photo):
    boundary = "readsbench0b1c2d"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"user[profile_photo_attachment_file]\"; "
            f"filename=\"{photo.name}\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()
    body += photo.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"{server.base}/api/v1/users/{user}/profile_photo", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {server.tokens[user]}",
                                          "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--json")
    args = ap.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install -y wrk nginx")
    portrait, _ = build()
    print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
    print(f"# wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds")
    results = {"nginx": [], "portrait_rendition": [], "users_include": [], "ratio": [],
               "cpu_ratio": []}
    with tempfile.TemporaryDirectory(prefix="portrait-reads-") as tmp:
        tmp = Path(tmp)
        server = Server(portrait, tmp / "data", ["--rate-limit-per-second", "0"])
        nginx = None
        try:
            user = upload(server, 10, PHOTO)
            # The envelope: {"count":..,"results":[..],"users":{"10":{..."photo_path":...}}}
            photo_path = json.dumps(user)
            photo_path = re.search(r'"photo_path":\s*"([^"]+)"', photo_path).group(1)
            rendition_url = f"{photo_path}?size=96"
            www = tmp / "www"
            www.mkdir()
            with urllib.request.urlopen(rendition_url) as resp:
                jpeg = resp.read()
            (www / "photo.jpg").write_bytes(jpeg)
            port = free_port()
            conf = tmp / "nginx.conf"
            conf.write_text(f"""
user root;
worker_processes {os.cpu_count()};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ image/jpeg jpg; }}
    server {{
        listen 127.0.0.1:{port};
        root {www};
    }}
}}
""")
            nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            nginx_url = f"http://127.0.0.1:{port}/photo.jpg"
            for _ in range(50):
                try:
                    with urllib.request.urlopen(nginx_url) as resp:
                        assert resp.read() == jpeg
                    break
                except OSError:
                    time.sleep(0.1)
            users_url = f"{server.base}/api/v1/users/10?include={INCLUDES}"
            auth = f"Authorization: Bearer {server.tokens[10]}"
            req = urllib.request.Request(users_url, headers={"Authorization": f"Bearer {server.tokens[10]}"})
            with urllib.request.urlopen(req) as resp:
                body = resp.read()
            print(f"# rendition {len(jpeg)} bytes; users/10 with all includes: {len(body)} bytes of JSON")
            for r in range(args.rounds):
                n = wrk(nginx_url, args.seconds, args.connections, server_pids=[nginx.pid])
                p = wrk(rendition_url, args.seconds, args.connections, server_pids=[server.pid])
                u = wrk(users_url, args.seconds, args.connections, [auth], server_pids=[server.pid])
                results["nginx"].append(n)
                results["portrait_rendition"].append(p)
                results["users_include"].append(u)
                results["ratio"].append(p["rps"] / n["rps"])
                results["cpu_ratio"].append(n["cpu_us_per_req"] / p["cpu_us_per_req"])
                print(f"  round {r + 1}: nginx {n}; portrait {p}; users {u}", file=sys.stderr)
        finally:
            if nginx:
                nginx.terminate()
                nginx.wait()
            server.stop()
    med = statistics.median
    print()
    print("| target | req/s (median) | server CPU µs/request | p50 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|")
    for key, label in (("nginx", "nginx, same JPEG from disk"),
                       ("portrait_rendition", "portrait `GET <photo_path>?size=96`"),
                       ("users_include", "portrait `GET /api/v1/users/10?include=<all 8>`")):
        runs = results[key]
        print(f"| {label} | {med(x['rps'] for x in runs):,.0f} | {med(x['cpu_us_per_req'] for x in runs):.1f} | "
              f"{med(x['p50_ms'] for x in runs):.2f} | "
              f"{med(x['p99_ms'] for x in runs):.2f} | {sum(x['non2xx'] for x in runs)} |")
    print()
    print(f"rendition portrait/nginx: **{med(results['ratio']):.2f}** "
          f"(per round: {', '.join(f'{x:.2f}' for x in results['ratio'])}); "
          f"CPU per request nginx/portrait: **{med(results['cpu_ratio']):.2f}** "
          f"(per round: {', '.join(f'{x:.2f}' for x in results['cpu_ratio'])})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

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

    python3 bench/reads.py --binary old=PATH --binary new=PATH [--rounds 5] ...

compares prebuilt binaries instead of building this tree: one server per binary
(each its own data directory, seeded the same way: --demo, the same upload),
all running for the whole run; each round runs wrk against nginx once, then
against each binary's rendition and users URL, the binaries taking turns
(A, B in odd rounds, B, A in even ones). The last binary is compared with the
first: new/old of CPU per request and of req/s, per round and of the medians.
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

from common import CORPUS, Server, add_binary_options, binaries, machine, noise, ratio_line

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
    add_binary_options(ap)
    args = ap.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install -y wrk nginx")
    bins = binaries(args)
    single = len(bins) == 1
    # One binary keeps the keys (and table) of the single-server script.
    keys = {label: ("portrait_rendition", "users_include", "ratio", "cpu_ratio") if single else
            (f"{label}_rendition", f"{label}_users_include", f"{label}_ratio", f"{label}_cpu_ratio")
            for label, _ in bins}
    print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
    print(f"# wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds")
    if not single:
        for label, path in bins:
            print(f"# {label}: {path}")
    results = {"nginx": [], "noise": []}
    for k in keys.values():
        for key in k:
            results[key] = []
    with tempfile.TemporaryDirectory(prefix="portrait-reads-") as tmp:
        tmp = Path(tmp)
        servers = {}
        nginx = None
        try:
            targets = {}
            jpeg = None
            for i, (label, path) in enumerate(bins):
                server = Server(path, tmp / f"data{i}", ["--rate-limit-per-second", "0"])
                servers[label] = server
                user = upload(server, 10, PHOTO)
                # The envelope: {"count":..,"results":[..],"users":{"10":{..."photo_path":...}}}
                photo_path = json.dumps(user)
                photo_path = re.search(r'"photo_path":\s*"([^"]+)"', photo_path).group(1)
                rendition_url = f"{photo_path}?size=96"
                with urllib.request.urlopen(rendition_url) as resp:
                    rendition = resp.read()
                if jpeg is None:
                    jpeg = rendition  # nginx serves the first binary's rendition
                users_url = f"{server.base}/api/v1/users/10?include={INCLUDES}"
                req = urllib.request.Request(users_url, headers={"Authorization": f"Bearer {server.tokens[10]}"})
                with urllib.request.urlopen(req) as resp:
                    body = resp.read()
                targets[label] = (server, rendition_url, users_url, f"Authorization: Bearer {server.tokens[10]}")
                name = "" if single else f"{label}: "
                print(f"# {name}rendition {len(rendition)} bytes; users/10 with all includes: "
                      f"{len(body)} bytes of JSON")
                if not single and rendition != jpeg:
                    print(f"# {label}: rendition differs from {bins[0][0]}'s", file=sys.stderr)
            www = tmp / "www"
            www.mkdir()
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
            for r in range(args.rounds):
                results["noise"].append(noise())
                if not single:
                    print(f"  round {r + 1}: {results['noise'][-1]}", file=sys.stderr)
                n = wrk(nginx_url, args.seconds, args.connections, server_pids=[nginx.pid])
                results["nginx"].append(n)
                order = bins if r % 2 == 0 else bins[::-1]
                line = [f"nginx {n}"]
                for label, _ in order:
                    server, rendition_url, users_url, auth = targets[label]
                    k_rend, k_users, k_ratio, k_cpu = keys[label]
                    p = wrk(rendition_url, args.seconds, args.connections, server_pids=[server.pid])
                    u = wrk(users_url, args.seconds, args.connections, [auth], server_pids=[server.pid])
                    results[k_rend].append(p)
                    results[k_users].append(u)
                    results[k_ratio].append(p["rps"] / n["rps"])
                    results[k_cpu].append(n["cpu_us_per_req"] / p["cpu_us_per_req"])
                    line.append(f"portrait {p}; users {u}" if single else f"{label}: rendition {p}; users {u}")
                print(f"  round {r + 1}: {'; '.join(line)}", file=sys.stderr)
            results["noise"].append(noise())
        finally:
            if nginx:
                nginx.terminate()
                nginx.wait()
            for server in servers.values():
                server.stop()
    med = statistics.median
    print()
    print("| target | req/s (median) | server CPU µs/request | p50 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [("nginx", "nginx, same JPEG from disk")]
    for label, _ in bins:
        name = "portrait" if single else f"`{label}`"
        rows += [(keys[label][0], f"{name} `GET <photo_path>?size=96`"),
                 (keys[label][1], f"{name} `GET /api/v1/users/10?include=<all 8>`")]
    for key, label in rows:
        runs = results[key]
        print(f"| {label} | {med(x['rps'] for x in runs):,.0f} | {med(x['cpu_us_per_req'] for x in runs):.1f} | "
              f"{med(x['p50_ms'] for x in runs):.2f} | "
              f"{med(x['p99_ms'] for x in runs):.2f} | {sum(x['non2xx'] for x in runs)} |")
    print()
    for label, _ in bins:
        _, _, k_ratio, k_cpu = keys[label]
        name = "" if single else f"`{label}`: "
        print(f"{name}rendition portrait/nginx: **{med(results[k_ratio]):.2f}** "
              f"(per round: {', '.join(f'{x:.2f}' for x in results[k_ratio])}); "
              f"CPU per request nginx/portrait: **{med(results[k_cpu]):.2f}** "
              f"(per round: {', '.join(f'{x:.2f}' for x in results[k_cpu])})")
        if not single:
            print()
    if not single:
        (old, _), (new, _) = bins[0], bins[-1]
        for what, idx in (("users/10 with all eight includes", 1), ("rendition `?size=96`", 0)):
            o, n = results[keys[old][idx]], results[keys[new][idx]]
            print(f"- {ratio_line(f'{what}: CPU µs/request', old, new, o, n, 'cpu_us_per_req')}")
            print(f"- {ratio_line(f'{what}: req/s', old, new, o, n, 'rps')}")
        print()
        print("Noise, before each round and at the end: " + "; ".join(
            f"({i + 1}) {x}" for i, x in enumerate(results["noise"])))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""End-to-end upload load against a release server, next to the pipeline alone.

    python3 bench/e2e.py [--rounds 3] [--seconds 15] [--concurrency 1,8,16]

Builds `portrait` and `portrait-bench` (release), starts `portrait serve --demo`
on a free port with a fresh SQLite + filesystem data directory, uploads allowed
up to 32 MiB (the corpus has a 16 MB photo) and the per-token rate limit off,
then in each round:

  * pipeline alone: `portrait-bench throughput --threads <nproc>` calls
    `portrait_imaging::process()` on the corpus photos round-robin: photos/s
    that the pipeline allows on these cores (the server runs <nproc> image
    workers too);
  * for each concurrency C: `portrait-bench upload --concurrency C` (C
    keep-alive connections, multipart part `user[profile_photo_attachment_file]`,
    the demo users round-robin) for --seconds: uploads/s, p50/p99 latency of
    the 2xx answers, other statuses; server CPU seconds per upload from
    /proc/PID/stat (utime+stime) before and after; peak RSS (VmHWM from
    /proc/PID/status, reset through /proc/PID/clear_refs before each run).

Then 16 concurrent uploads of the largest corpus photo (peak RSS), and the
decompression bombs: in-process rejection time + RSS (`portrait-bench reject`)
and over HTTP (422 latency, server RSS).

    python3 bench/e2e.py --binary old=PATH --binary new=PATH --bench-tool PATH [...]

compares prebuilt server binaries instead of building this tree: one server
per binary (each its own data directory, same flags), all running for the
whole run; each round measures the pipeline alone once, then every
concurrency against each binary, the binaries taking turns (A, B in odd
rounds, B, A in even ones). It reports the upload table per binary and
new/old (last binary / first) of server CPU per upload and of uploads/s, and
skips the memory and bomb sections (run those per binary without --binary).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (CORPUS, ROOT, UPLOAD_FLAGS, Server, add_binary_options, binaries, build, machine,
                    noise, ratio_line, run_json, target_dir, upload_run)

BOMBS = [ROOT / "fixtures/images/bomb-30000x30000.png",
         CORPUS / "hostile/sof-65000x65000.jpg"]


def non_2xx(runs):
    """Non-2xx answers and I/O errors of some upload runs, counted by status."""
    others = {}
    for r in runs:
        for status, n in r["statuses"].items():
            if not status.startswith("2"):
                others[status] = others.get(status, 0) + n
        if r["io_errors"]:
            others["io"] = others.get("io", 0) + r["io_errors"]
    return others


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--concurrency", default="1,8,16")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("photos", nargs="*", help="default: every photo of the corpus")
    add_binary_options(ap)
    ap.add_argument("--bench-tool", help="a prebuilt portrait-bench (with --binary; default: build this tree's)")
    args = ap.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    photos = [Path(p) for p in args.photos] or sorted((CORPUS / "photos").glob("*.jpg"))
    largest = max(photos, key=lambda p: p.stat().st_size)
    if args.binary:
        bins = binaries(args)
        if args.bench_tool:
            bench = Path(args.bench_tool).resolve()
        else:
            subprocess.run(["cargo", "build", "--release", "-q", "-p", "portrait-bench"], cwd=ROOT, check=True)
            bench = target_dir() / "release/portrait-bench"
        if len(bins) > 1:
            return compare(args, bins, bench, photos, levels)
        portrait = bins[0][1]
    else:
        portrait, bench = build()
    threads = str(len(__import__("os").sched_getaffinity(0)))
    print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
    print(f"# {len(photos)} photos; {args.rounds} rounds of {args.seconds:g} s; pipeline threads {threads}")

    results = {"pipeline": [], "uploads": {c: [] for c in levels}}
    with tempfile.TemporaryDirectory(prefix="portrait-e2e-") as tmp:
        server = Server(portrait, tmp, UPLOAD_FLAGS)
        try:
            print(f"# server pid {server.pid} at {server.base}; idle RSS {server.status_kb('VmRSS') / 1024:.0f} MB")
            # Warm-up: every photo once through the server.
            upload_run(server, bench, photos, 1, 3)
            for r in range(args.rounds):
                pipe = run_json([bench, "throughput", "--threads", threads, "--seconds", args.seconds,
                                 *photos])[0]
                results["pipeline"].append(pipe)
                print(f"  round {r + 1}: pipeline alone {pipe['photos_per_s']:.2f} photos/s, "
                      f"{pipe['cpu_s_per_photo']:.3f} CPU s/photo", file=sys.stderr)
                for c in levels:
                    res = upload_run(server, bench, photos, c, args.seconds)
                    res["ratio_to_pipeline"] = res["uploads_per_s"] / pipe["photos_per_s"]
                    results["uploads"][c].append(res)
                    print(f"  round {r + 1}: C={c} {res['uploads_per_s']:.2f}/s p50 {res['p50_ms']:.0f} ms "
                          f"p99 {res['p99_ms']:.0f} ms, {res['cpu_s_per_upload']:.3f} CPU s/upload, "
                          f"peak RSS {res['peak_rss_mb']:.0f} MB, statuses {res['statuses']}, "
                          f"ratio {res['ratio_to_pipeline']:.2f}", file=sys.stderr)

        finally:
            server.stop()

    # Memory: each scenario on a fresh server, so VmHWM is the peak of the whole server life.
    dragonfly = CORPUS / "photos/dragonfly-4224x3168.jpg"
    big = ["--max-upload-bytes", str(32 << 20)]
    # The binary sets glibc's arena count and mmap threshold itself (src/allocator.rs), which
    # overrides MALLOC_* environment variables; to compare allocator settings, change them there.
    scenarios = [
        (f"{largest.name}, uploads up to 32 MiB (accepted)", big, [largest], None),
        (f"{largest.name}, default 10 MiB limit (refused 413)", [], [largest], None),
        (f"{dragonfly.name} (largest accepted by default)", [], [dragonfly], None),
    ]
    results["memory"] = []
    for label, extra, files, env in scenarios:
        with tempfile.TemporaryDirectory(prefix="portrait-rss-") as tmp:
            server = Server(portrait, tmp, [*extra, "--rate-limit-per-second", "0"], env)
            try:
                idle = server.status_kb("VmRSS") / 1024
                runs = [upload_run(server, bench, files, 16, args.seconds, reset=False)
                        for _ in range(args.rounds)]
                results["memory"].append({"label": label, "idle_mb": idle, "runs": runs,
                                          "end_rss_mb": server.status_kb("VmRSS") / 1024})
                print(f"  memory {label}: {runs}", file=sys.stderr)
            finally:
                server.stop()

    # Bombs: in-process, and over HTTP against a fresh server with default settings.
    results["reject"] = run_json([bench, "reject", "--runs", 2000, *BOMBS])
    results["http_bombs"] = {}
    with tempfile.TemporaryDirectory(prefix="portrait-bomb-") as tmp:
        server = Server(portrait, tmp, ["--rate-limit-per-second", "0"])
        try:
            for bomb in BOMBS:
                before = server.status_kb("VmHWM") / 1024
                res = upload_run(server, bench, [bomb], 1, 5, reset=False)
                res16 = upload_run(server, bench, [bomb], 16, 5, reset=False)
                res["peak_before_mb"] = before
                res["concurrent16"] = res16
                results["http_bombs"][bomb.name] = res
        finally:
            server.stop()

    med = statistics.median
    pipe_rate = med(p["photos_per_s"] for p in results["pipeline"])
    pipe_cpu = med(p["cpu_s_per_photo"] for p in results["pipeline"])
    print()
    print(f"Pipeline alone ({threads} threads): **{pipe_rate:.2f} photos/s**, {pipe_cpu:.3f} CPU s/photo "
          f"(median of {args.rounds})")
    print()
    print("| uploaders | uploads/s | p50 ms | p99 ms | server CPU s/upload | peak RSS MB | non-2xx | "
          "uploads/s ÷ pipeline-alone photos/s |")
    print("|---:|---:|---:|---:|---:|---:|---|---:|")
    for c in levels:
        runs = results["uploads"][c]
        others = non_2xx(runs)
        print(f"| {c} | {med(r['uploads_per_s'] for r in runs):.2f} | {med(r['p50_ms'] for r in runs):.0f} | "
              f"{med(r['p99_ms'] for r in runs):.0f} | {med(r['cpu_s_per_upload'] for r in runs):.3f} | "
              f"{max(r['peak_rss_mb'] for r in runs):.0f} | {others or '-'} | "
              f"{med(r['ratio_to_pipeline'] for r in runs):.2f} |")
    print()
    print("Peak RSS of the whole server (VmHWM, fresh server per line), 16 concurrent uploaders:")
    print()
    print("| photo and limit | idle RSS MB | peak RSS MB (max of runs) | uploads/s | p50 ms | CPU s/upload | statuses |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for m in results["memory"]:
        runs = m["runs"]
        statuses = {}
        for r in runs:
            for k, n in r["statuses"].items():
                statuses[k] = statuses.get(k, 0) + n
        print(f"| {m['label']} | {m['idle_mb']:.0f} | **{max(r['peak_rss_mb'] for r in runs):.0f}** | "
              f"{med(r['uploads_per_s'] for r in runs):.2f} | {med(r['p50_ms'] for r in runs):.0f} | "
              f"{med(r['cpu_s_per_upload'] for r in runs) if any(r['ok'] for r in runs) else '-'} | {statuses} |")
    print()
    print("| bomb | in-process rejection: median µs | p99 µs | VmHWM before → after (kB) | "
          "HTTP, 1 client: p50 ms | answers/s | statuses | HTTP, 16 clients: answers/s | server VmHWM MB before → after |")
    print("|---|---:|---:|---|---:|---:|---|---:|---|")
    for rej in results["reject"]:
        name = Path(rej["file"]).name
        h = results["http_bombs"][name]
        c16 = h["concurrent16"]
        n1 = sum(h["statuses"].values())
        n16 = sum(c16["statuses"].values())
        print(f"| {name} | {rej['median_us']:.2f} | {rej['p99_us']:.2f} | "
              f"{rej['vmhwm_before_kb']} → {rej['vmhwm_after_kb']} | {h['p50_all_ms']:.2f} | "
              f"{n1 / h['seconds']:.0f} | {h['statuses']} | {n16 / c16['seconds']:.0f} | "
              f"{h['peak_before_mb']:.0f} → {c16['peak_rss_mb']:.0f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))


def compare(args, bins, bench, photos, levels):
    """The upload runs against several binaries, interleaved round by round."""
    threads = str(len(__import__("os").sched_getaffinity(0)))
    print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
    print(f"# {len(photos)} photos; {args.rounds} rounds of {args.seconds:g} s; pipeline threads {threads}")
    for label, path in bins:
        print(f"# {label}: {path}")
    print(f"# portrait-bench: {bench}")
    flags = UPLOAD_FLAGS
    print(f"# each server: serve --listen 127.0.0.1:0 --data-dir <tmp> --demo {' '.join(flags)}")
    results = {"pipeline": [], "noise": [],
               "uploads": {label: {c: [] for c in levels} for label, _ in bins}}
    with tempfile.TemporaryDirectory(prefix="portrait-e2e-") as tmp:
        servers = {}
        try:
            for i, (label, path) in enumerate(bins):
                server = Server(path, Path(tmp) / f"data{i}", flags)
                servers[label] = server
                print(f"# {label}: server pid {server.pid} at {server.base}; "
                      f"idle RSS {server.status_kb('VmRSS') / 1024:.0f} MB")
                # Warm-up: every photo once through the server.
                upload_run(server, bench, photos, 1, 3)
            for r in range(args.rounds):
                results["noise"].append(noise())
                print(f"  round {r + 1}: {results['noise'][-1]}", file=sys.stderr)
                pipe = run_json([bench, "throughput", "--threads", threads, "--seconds", args.seconds,
                                 *photos])[0]
                results["pipeline"].append(pipe)
                print(f"  round {r + 1}: pipeline alone {pipe['photos_per_s']:.2f} photos/s, "
                      f"{pipe['cpu_s_per_photo']:.3f} CPU s/photo", file=sys.stderr)
                for label, _ in (bins if r % 2 == 0 else bins[::-1]):
                    for c in levels:
                        res = upload_run(servers[label], bench, photos, c, args.seconds)
                        res["ratio_to_pipeline"] = res["uploads_per_s"] / pipe["photos_per_s"]
                        results["uploads"][label][c].append(res)
                        print(f"  round {r + 1}: {label} C={c} {res['uploads_per_s']:.2f}/s "
                              f"p50 {res['p50_ms']:.0f} ms p99 {res['p99_ms']:.0f} ms, "
                              f"{res['cpu_s_per_upload']:.3f} CPU s/upload, "
                              f"peak RSS {res['peak_rss_mb']:.0f} MB, statuses {res['statuses']}",
                              file=sys.stderr)
            results["noise"].append(noise())
        finally:
            for server in servers.values():
                server.stop()
    med = statistics.median
    print()
    print(f"Pipeline alone ({threads} threads): **{med(p['photos_per_s'] for p in results['pipeline']):.2f} "
          f"photos/s**, {med(p['cpu_s_per_photo'] for p in results['pipeline']):.3f} CPU s/photo "
          f"(median of {args.rounds})")
    print()
    print("| binary | uploaders | uploads/s | p50 ms | p99 ms | server CPU s/upload | peak RSS MB | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, _ in bins:
        for c in levels:
            runs = results["uploads"][label][c]
            others = non_2xx(runs)
            print(f"| `{label}` | {c} | {med(r['uploads_per_s'] for r in runs):.2f} | "
                  f"{med(r['p50_ms'] for r in runs):.0f} | {med(r['p99_ms'] for r in runs):.0f} | "
                  f"{med(r['cpu_s_per_upload'] for r in runs):.3f} | "
                  f"{max(r['peak_rss_mb'] for r in runs):.0f} | {others or '-'} |")
    print()
    (old, _), (new, _) = bins[0], bins[-1]
    for c in levels:
        o, n = results["uploads"][old][c], results["uploads"][new][c]
        print(f"- {ratio_line(f'{c} uploaders: server CPU s/upload', old, new, o, n, 'cpu_s_per_upload')}")
        print(f"- {ratio_line(f'{c} uploaders: uploads/s', old, new, o, n, 'uploads_per_s')}")
    print()
    print("Noise, before each round and at the end: " + "; ".join(
        f"({i + 1}) {x}" for i, x in enumerate(results["noise"])))
    print()
    print("(Memory and bomb sections skipped with several --binary; run them per binary.)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""What the background renditions cost: CPU, time and memory of each photo's AVIFs and Full WebP.

    python3 bench/background_cost.py [--rounds 2] [PHOTO...]

Starts `portrait serve --demo` (release build, defaults: one background thread) and uploads each
photo (default: every photo of ../shared/corpus/photos; the upload limit raised so that all are
accepted) once per round, one at a time. For each upload it reports the server's CPU spent on the
upload itself (process CPU until the response, less the background thread's), the background
thread's CPU (/proc/PID/task/TID/stat) until every AVIF and the Full WebP of the photo are stored,
the wall time from the response until then, and the server's peak RSS (VmHWM) over the whole.
Each figure is the minimum over the rounds.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common import CLK_TCK, CORPUS, UPLOAD_FLAGS, Server, build, machine, square_sizes, upload_run

BACKGROUND_THREAD = "portrait-backgr"  # /proc comm is cut to 15 characters


def thread_cpu_seconds(pid, name):
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        if (task / "comm").read_text().strip() == name:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def stored(data_dir, pattern):
    return list((Path(data_dir) / "blobs" / "photos").glob(pattern))


def one_upload(server, bench, photo, expected, timeout=600):
    server.reset_peak_rss()
    background0 = thread_cpu_seconds(server.pid, BACKGROUND_THREAD)
    cpu0 = server.cpu_seconds()
    res = upload_run(server, bench, [photo], 1, 600, reset=False, uploads=1)
    if res["ok"] != 1:
        raise RuntimeError(f"{photo}: {res['statuses']}")
    answered = time.time()
    upload_cpu = server.cpu_seconds() - cpu0 - (
        thread_cpu_seconds(server.pid, BACKGROUND_THREAD) - background0)
    while len(stored(server.data_dir, "*/*.avif")) + len(stored(server.data_dir, "*/full.webp")) \
            < expected:
        if time.time() - answered > timeout:
            raise RuntimeError(f"{photo}: background renditions not made in {timeout} s")
        time.sleep(0.05)
    return {"upload_cpu_s": upload_cpu,
            "background_cpu_s": thread_cpu_seconds(server.pid, BACKGROUND_THREAD) - background0,
            "background_wall_s": time.time() - answered,
            "peak_rss_mb": server.status_kb("VmHWM") / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("photos", nargs="*", type=Path)
    args = ap.parse_args()
    photos = args.photos or sorted((CORPUS / "photos").glob("*.jpg"))
    portrait, bench = build()
    expected = len(square_sizes()) + 1 + 1  # every AVIF, and Full's WebP
    print(f"# {machine()}\n")
    results = {p: [] for p in photos}
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(portrait, tmp, UPLOAD_FLAGS)
        try:
            for _ in range(args.rounds):
                for photo in photos:
                    results[photo].append(one_upload(server, bench, str(photo), expected))
        finally:
            server.stop()
    print("| photo | upload CPU ms | background CPU ms (AVIF ×7, Full WebP) | background wall s "
          "| background / upload CPU | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    ratios = []
    for photo, runs in results.items():
        best = {k: min(r[k] for r in runs) for k in runs[0]}
        ratio = best["background_cpu_s"] / best["upload_cpu_s"]
        ratios.append(ratio)
        print(f"| {photo.name} | {best['upload_cpu_s'] * 1000:.0f} "
              f"| {best['background_cpu_s'] * 1000:.0f} | {best['background_wall_s']:.1f} "
              f"| {ratio:.1f} | {max(r['peak_rss_mb'] for r in runs):.0f} |")
    print(f"\n- background CPU / upload CPU: median {statistics.median(ratios):.1f} "
          f"({min(ratios):.1f}-{max(ratios):.1f})")


if __name__ == "__main__":
    main()

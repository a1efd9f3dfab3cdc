#!/usr/bin/env python3
"""Upload CPU of portrait, its pipeline and its whole server, against Node + sharp doing the same job.

    python3 bench/sharp_compare.py [--rounds 3] [--runs 5] [--sharp-jpeg mozjpeg|portrait|plain]
                                   [--corpus DIR] [PHOTO...]
    python3 bench/sharp_compare.py --phases-only [--runs 9] PHOTO...

The yardstick of issue 15: sharp (npm, an exact version, SHARP_VERSION below: its own libvips with
highway SIMD and mozjpeg) is what a team would pick instead of portrait. The script installs it
with npm into a cache folder outside the repository (~/.cache/portrait-bench/sharp, or
--sharp-dir) unless that version is there already, and runs bench/sharp_job.js in one long-lived
Node process (/usr/bin/node, v20): `sharp.concurrency(1)`, `UV_THREADPOOL_SIZE=1`,
`sharp.cache(false)`. Its job is the set portrait makes, from one decode: the upright Full image
of at most 2048 px (`.rotate()` for EXIF, shrink-on-load, an embedded ICC profile converted to
sRGB as sharp does by default, `toColourspace('srgb')`, alpha on white, no metadata), held in
memory as raw pixels; the largest square cut from it with `position: 'attention'` (libvips'
saliency crop, standing in for portrait's face-aware one) and held too; the smaller squares made
from it; and a WebP of every square, as portrait makes them at upload (quality offset by size, libwebp
method 4 up to 288 px and 2 above, no sharp YUV: crates/imaging/src/encode.rs); every JPEG quality 85,
with `--sharp-jpeg`: `mozjpeg` (the default, `mozjpeg: true`:
trellis quantisation and deringing, but also progressive with optimised scans and mozjpeg's own
tables, which portrait does not use, at several times the plain encoder's cost), `portrait` (what
portrait's encoder does: baseline, optimised Huffman tables, mozjpeg's tables, trellis and
deringing on the squares of 288 px and less) or `plain` (sharp's defaults: baseline,
optimised Huffman tables, 4:2:0). The square sizes are portrait's default ladder, read from
`SQUARE_SIZES` in crates/imaging/src/defaults.rs at run time, so the two sides always make the
same set. sharp's CPU is `process.cpuUsage()` (user + sys of the whole Node process) around each
job, after one warm-up job per photo and request.

portrait, two ways: (a) the pipeline, `portrait-bench pipeline-cpu --runs N FILE`
(`portrait_imaging::process`: probe, decode, colour, orient, face-aware default crop, resize,
encode; getrusage of its process, one warm-up call); (b) the server, CPU per upload: a release
`portrait serve --demo` (SQLite + filesystem, uploads up to 32 MiB so that the largest corpus
photo is accepted, rate limit off; `common.UPLOAD_FLAGS`, as bench/e2e.py) receives real HTTP
multipart uploads of the photo from `portrait-bench upload --concurrency 1 --uploads K`, and its
CPU is read from /proc/PID/stat before and after each window of K uploads (K chosen so that a
window takes about half a CPU second: the counter ticks every 10 ms); every photo is uploaded
once before the first round.

Every side is measured N times per photo per round and the minimum is taken, so that background
load (2 CPUs, shared) inflates none of them; the photo's figure is the median of the rounds'
minimums. Rounds go photo by photo, the three sides one after the other: the pipeline first (its
CPU sets the window size), then the server and sharp, which swap places every other round.
Ratios are portrait/sharp per photo (below 1: portrait spends less) and their median over the
photos. The load average and the busy processes are printed before each round.
portrait's stage timings (its `Stats`: wall times, the minimum of each over the runs) follow as a
second table; --phases-only prints just that table, without sharp or the server.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (CORPUS, ROOT, UPLOAD_FLAGS, Server, build, machine, noise, pipeline_run,
                    server_cpu_per_upload, square_sizes, upload_run)

SHARP_VERSION = "0.34.5"
SHARP_DIR = Path.home() / ".cache/portrait-bench/sharp"
NODE = "/usr/bin/node"
FULL_MAX_SIDE = 2048
QUALITY = 85
# CPU seconds a window of server uploads should last, at least.
WINDOW_CPU_S = 0.5


def ensure_sharp(folder):
    """sharp@SHARP_VERSION installed under `folder` (npm, once); returns the folder."""
    installed = folder / "node_modules/sharp/package.json"
    if installed.exists() and json.loads(installed.read_text()).get("version") == SHARP_VERSION:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    print(f"# installing sharp@{SHARP_VERSION} into {folder}", file=sys.stderr)
    subprocess.run(["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                    "--save-exact", f"sharp@{SHARP_VERSION}"], check=True, stdout=sys.stderr)
    if json.loads(installed.read_text()).get("version") != SHARP_VERSION:
        sys.exit(f"npm did not install sharp {SHARP_VERSION} into {folder}")
    return folder


class SharpJob:
    """bench/sharp_job.js in one Node process, kept for the whole run."""

    def __init__(self, folder):
        env = dict(os.environ, UV_THREADPOOL_SIZE="1")
        self.proc = subprocess.Popen([NODE, str(ROOT / "bench/sharp_job.js"), str(folder)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)
        self.hello = json.loads(self.proc.stdout.readline())

    def cpu(self, photo, runs, sizes, jpeg):
        """(min CPU seconds of a job, output bytes of one job)."""
        req = {"file": str(photo), "runs": runs, "full": FULL_MAX_SIDE, "squares": sizes,
               "quality": QUALITY, "jpeg": jpeg, "webp": True}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if not answer.get("ok"):
            raise RuntimeError(f"sharp failed on {photo}: {answer.get('error')}")
        return answer["min_cpu_ms"] / 1000.0, answer["output_bytes"]

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


STAGES = [("probe", "probe"), ("decode", "decode (incl. probe)"), ("colour", "colour"),
          ("orient", "orient"), ("crop", "crop choice"), ("resize", "resize Σ"),
          ("encode", "encode Σ"), ("render_wall", "render wall"), ("wall", "wall"), ("cpu", "CPU")]


def phase_table(lines):
    """Markdown table of portrait's stage timings, one row per `pipeline-cpu` JSON line."""
    out = ["| photo | decoded at | " + " | ".join(label for _, label in STAGES) + " |",
           "|---|---|" + "---:|" * len(STAGES)]
    for name, line in lines:
        ph = line["phases_min_ms"]
        w, h = line["decoded"]
        scale = line["scale_denominator"]
        out.append(f"| {name} | {w}×{h} (1/{scale}), {line['crop_reason']} | "
                   + " | ".join(f"{ph[key]:.1f}" for key, _ in STAGES) + " |")
    return "\n".join(out)


def phases_only(args, photos):
    _, bench = build()
    print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
    print(f"# portrait-bench pipeline-cpu --runs {args.runs}; stage wall times in ms, the minimum "
          f"of each over the runs; resize Σ and encode Σ summed over the two rendering threads; "
          f"orient estimated from a separate decode-and-orient call")
    print()
    print(phase_table([(p.name, pipeline_run(bench, p, args.runs)) for p in photos]))
    print()
    print(f"# {noise()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=5, help="measured runs per side, photo and round")
    ap.add_argument("--sharp-jpeg", choices=["mozjpeg", "portrait", "plain"], default="mozjpeg",
                    help="sharp's JPEG settings: `mozjpeg: true` (default), portrait's own "
                         "(baseline, optimised Huffman, trellis up to 288 px) or sharp's plain ones")
    ap.add_argument("--phases-only", action="store_true",
                    help="only portrait's stage timings of the photos (no sharp, no server)")
    ap.add_argument("--sharp-dir", type=Path, default=SHARP_DIR,
                    help=f"where sharp is installed with npm (default {SHARP_DIR})")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("photos", nargs="*", help="default: every photo of the corpus (photos/*.jpg)")
    args = ap.parse_args()
    photos = [Path(p) for p in args.photos] or sorted((args.corpus / "photos").glob("*.jpg"))
    if args.phases_only:
        return phases_only(args, photos)
    sizes = square_sizes()
    portrait, bench = build()
    job = SharpJob(ensure_sharp(args.sharp_dir))
    v = job.hello["versions"]
    print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
    print(f"# sharp {v['sharp']} (libvips {v['vips']}, mozjpeg {v.get('mozjpeg', '?')}, highway "
          f"{v.get('highway', '?')}, SIMD {job.hello['simd']}) on Node {job.hello['node']}; "
          f"concurrency {job.hello['concurrency']}, UV_THREADPOOL_SIZE "
          f"{job.hello['uv_threadpool_size']}, cache off; JPEG q{QUALITY}, "
          f"sharp JPEG settings: {args.sharp_jpeg}")
    print(f"# squares {sizes} (crates/imaging/src/defaults.rs) and Full ≤ {FULL_MAX_SIDE} px; "
          f"{len(photos)} photos; {args.rounds} rounds × {args.runs} runs a side (min of the runs, "
          f"median of the rounds)")
    print(f"# server: {portrait} serve --demo {' '.join(UPLOAD_FLAGS)}; one uploader")
    results = {p.name: {"pipeline": [], "server": [], "sharp": [], "phases": None,
                        "portrait_bytes": None, "sharp_bytes": None, "window": None}
               for p in photos}
    noises = []
    with tempfile.TemporaryDirectory(prefix="portrait-sharp-") as tmp:
        # The upload's own CPU: sharp's job makes no AVIF, and the background threads' AVIFs
        # and Full WebP (bench/background_cost.py) would land in the next upload's window.
        server = Server(portrait, tmp, UPLOAD_FLAGS, {"PORTRAIT_PHOTOS__BACKGROUND_WORKERS": "0"})
        try:
            for photo in photos:  # warm-up: every photo once through the server
                upload_run(server, bench, [photo], 1, 600, reset=False, uploads=1)
            for r in range(args.rounds):
                noises.append(noise())
                print(f"  round {r + 1}: {noises[-1]}", file=sys.stderr)
                for photo in photos:
                    res = results[photo.name]

                    def pipeline():
                        line = pipeline_run(bench, photo, args.runs)
                        res["pipeline"].append(line["min_cpu_ms"] / 1000.0)
                        res["portrait_bytes"] = line["output_bytes"]
                        if res["phases"] is None or line["min_cpu_ms"] < res["phases"]["min_cpu_ms"]:
                            res["phases"] = line
                        if res["window"] is None:
                            res["window"] = max(3, min(60, round(WINDOW_CPU_S * 1000 / line["min_cpu_ms"])))

                    def server_side():
                        res["server"].append(
                            server_cpu_per_upload(server, bench, photo, args.runs, res["window"]))

                    def sharp_side():
                        cpu, nbytes = job.cpu(photo, args.runs, sizes, args.sharp_jpeg)
                        res["sharp"].append(cpu)
                        res["sharp_bytes"] = nbytes

                    # The pipeline first in every round: it sets the server's window size.
                    sides = [pipeline, server_side, sharp_side] if r % 2 == 0 else \
                        [pipeline, sharp_side, server_side]
                    for side in sides:
                        side()
                    p, s, n = res["pipeline"][-1], res["server"][-1], res["sharp"][-1]
                    print(f"  round {r + 1} {photo.name}: pipeline {p * 1000:.1f} ms, server "
                          f"{s * 1000:.1f} ms/upload (windows of {res['window']}), sharp "
                          f"{n * 1000:.1f} ms; ratios {p / n:.2f}, {s / n:.2f}", file=sys.stderr)
            noises.append(noise())
        finally:
            server.stop()
            job.stop()

    med = statistics.median
    print()
    print("| photo | portrait pipeline CPU ms | portrait server CPU ms/upload | sharp CPU ms | "
          "pipeline/sharp | server/sharp | output kB portrait / sharp |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    pipe_ratios, server_ratios = [], []
    for photo in photos:
        res = results[photo.name]
        p, s, n = med(res["pipeline"]), med(res["server"]), med(res["sharp"])
        pipe_ratios.append(p / n)
        server_ratios.append(s / n)
        print(f"| {photo.name} | {p * 1000:.1f} | {s * 1000:.1f} | {n * 1000:.1f} | {p / n:.2f} | "
              f"{s / n:.2f} | {res['portrait_bytes'] / 1000:.0f} / {res['sharp_bytes'] / 1000:.0f} |")
    print(f"| **median over {len(photos)} photos** | | | | **{med(pipe_ratios):.2f}** | "
          f"**{med(server_ratios):.2f}** | |")
    print()
    print(f"Ratios: pipeline/sharp {min(pipe_ratios):.2f}–{max(pipe_ratios):.2f}, "
          f"server/sharp {min(server_ratios):.2f}–{max(server_ratios):.2f}.")
    print()
    print("portrait's stages (`portrait-bench pipeline-cpu`, the run of the round with the least "
          "CPU; wall times in ms, the minimum of each over its runs; resize Σ and encode Σ summed "
          "over the two rendering threads; orient estimated from a separate decode-and-orient "
          "call):")
    print()
    print(phase_table([(p.name, results[p.name]["phases"]) for p in photos]))
    print()
    print("Noise, before each round and at the end: " + "; ".join(
        f"({i + 1}) {x}" for i, x in enumerate(noises)))
    if args.json:
        Path(args.json).write_text(json.dumps({"sizes": sizes, "sharp": job.hello,
                                               "results": results, "noise": noises}, indent=1))


if __name__ == "__main__":
    main()

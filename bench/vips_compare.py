#!/usr/bin/env python3
"""CPU time of portrait's pipeline vs vipsthumbnail, per corpus photo, in one run.

    python3 bench/vips_compare.py [--rounds 3] [--runs 8] [--corpus DIR] [PHOTO...]

Needs `vipsthumbnail` (Debian: apt-get install -y libvips-tools) and builds
`cargo build --release -p portrait-bench` itself. Python standard library only.

Both sides make the same six outputs from each photo: squares 48, 96, 192, 288
and 648 (centre crop, EXIF orientation applied) and the whole image with its
long side at most 2048, JPEG quality 85, no metadata.

portrait: `portrait-bench pipeline-cpu --runs N FILE` calls
    `portrait_imaging::process()` N times in one process (after one warm-up
    call) and reports getrusage(RUSAGE_SELF) user+sys per call. No process
    start-up or file read is inside the number.
vips: one `vipsthumbnail` process per output size, each given the same photo N
    times (under N different symlink names, so libvips' operation cache cannot
    reuse a result) so that one process makes N thumbnails; its user+sys CPU
    comes from wait4(). The same command with the photo given once is run too,
    and (CPU(N) - CPU(1)) / (N - 1) is the cost of one thumbnail: process
    start-up (loading libvips and its modules) cancels out exactly. vips decodes the photo once per size (six times per
    photo; shrink-on-load each time), because that is what vipsthumbnail does.

Rounds interleave the two sides photo by photo, so background load hits both
alike; the ratio portrait/vips is taken per round and its median reported.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import pipeline_cpu

ROOT = Path(__file__).resolve().parent.parent
SQUARES = [48, 96, 192, 288, 648]
QUALITY = 85


VIPS_ENV = None


def cpu_of(cmd, env=None):
    """Runs cmd; returns user+sys CPU seconds of the child (all its threads)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if status != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {err.strip()}")
    return usage.ru_utime + usage.ru_stime


def vips_commands(inputs, outdir):
    """The six vipsthumbnail invocations for the given input paths."""
    cmds = []
    for size in SQUARES:
        cmds.append(
            ["vipsthumbnail", *inputs, "--size", f"{size}x{size}", "--smartcrop", "centre",
             "-o", f"{outdir}/%s_sq{size}.jpg[Q={QUALITY},strip]"]
        )
    # Full: fit in 2048x2048, never upscale ('>' = only shrink), no crop.
    cmds.append(["vipsthumbnail", *inputs, "--size", "2048x2048>",
                 "-o", f"{outdir}/%s_full.jpg[Q={QUALITY},strip]"])
    return cmds


def vips_cpu(photo, runs, work):
    """vips CPU seconds per photo (all six outputs), start-up subtracted."""
    runs = max(runs, 2)
    links = []
    for i in range(runs):
        link = work / f"in{i}{photo.suffix}"
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(photo.resolve())
        links.append(str(link))
    outdir = work / "out"
    outdir.mkdir(exist_ok=True)
    total = 0.0
    per_size = []
    for cmd, base_cmd in zip(vips_commands(links, outdir), vips_commands(links[:1], outdir)):
        baseline = cpu_of(base_cmd, VIPS_ENV)
        used = cpu_of(cmd, VIPS_ENV)
        per_size.append(max(used - baseline, 0.0) / (runs - 1))
        total += per_size[-1]
    return total, per_size


def jpeg_size(path):
    """(width, height) from a JPEG's SOF marker."""
    data = Path(path).read_bytes()
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xC0, 0xC1, 0xC2):
            h = int.from_bytes(data[i + 5:i + 7], "big")
            w = int.from_bytes(data[i + 7:i + 9], "big")
            return w, h
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=8, help="pipeline runs per process (both sides)")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpus"))
    ap.add_argument("--vips-concurrency", type=int,
                    help="set VIPS_CONCURRENCY (libvips worker threads; default: one per CPU)")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("photos", nargs="*")
    args = ap.parse_args()

    global VIPS_ENV
    if args.vips_concurrency:
        VIPS_ENV = dict(os.environ, VIPS_CONCURRENCY=str(args.vips_concurrency))
    if not shutil.which("vipsthumbnail"):
        sys.exit("vipsthumbnail not found: apt-get install -y libvips-tools")
    photos = [Path(p) for p in args.photos] or sorted(Path(args.corpus, "photos").glob("*.jpg"))
    if not photos:
        sys.exit(f"no photos in {args.corpus}/photos")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "portrait-bench"], cwd=ROOT, check=True)
    binary = str(ROOT / "target/release/portrait-bench")
    vips_version = subprocess.run(["vipsthumbnail", "--vips-version"], capture_output=True,
                                  text=True).stdout.strip()
    print(f"# {vips_version}; {os.cpu_count()} CPUs; rounds={args.rounds} runs={args.runs}; "
          f"VIPS_CONCURRENCY={args.vips_concurrency or 'default'}")

    results = {p.name: {"portrait": [], "vips": [], "ratio": [], "vips_sizes": []} for p in photos}
    with tempfile.TemporaryDirectory(prefix="vips-compare-") as tmp:
        work = Path(tmp)
        for r in range(args.rounds):
            for photo in photos:
                p_cpu, _ = pipeline_cpu(binary, photo, args.runs)
                v_cpu, v_sizes = vips_cpu(photo, args.runs, work)
                res = results[photo.name]
                res["portrait"].append(p_cpu)
                res["vips"].append(v_cpu)
                res["vips_sizes"].append(v_sizes)
                res["ratio"].append(p_cpu / v_cpu)
                print(f"  round {r + 1} {photo.name}: portrait {p_cpu * 1000:.1f} ms, "
                      f"vips {v_cpu * 1000:.1f} ms, ratio {p_cpu / v_cpu:.2f}", file=sys.stderr)
        full = work / "out" / "in0_full.jpg"
        print(f"# vips full of the last photo: {jpeg_size(full)}")

    print()
    print("| photo | portrait CPU ms (all six) | vips CPU ms per output (48/96/192/288/648/full) | vips total "
          "| ratio portrait/vips | ratio portrait/(vips' dearest single output) |")
    print("|---|---:|---|---:|---:|---:|")
    ratios = []
    single_ratios = []
    for photo in photos:
        res = results[photo.name]
        ratio = statistics.median(res["ratio"])
        ratios.append(ratio)
        sizes = [statistics.median(s[i] for s in res["vips_sizes"]) * 1000 for i in range(6)]
        # A stricter yardstick: all of portrait's work against vips' single most expensive output.
        single = statistics.median(p / max(s) for p, s in zip(res["portrait"], res["vips_sizes"]))
        single_ratios.append(single)
        print(f"| {photo.name} | {statistics.median(res['portrait']) * 1000:.1f} | "
              f"{' / '.join(f'{s:.1f}' for s in sizes)} | {statistics.median(res['vips']) * 1000:.1f} | "
              f"{ratio:.2f} | {single:.2f} |")
    print(f"| **median over {len(photos)} photos** | | | | **{statistics.median(ratios):.2f}** | "
          f"**{statistics.median(single_ratios):.2f}** |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

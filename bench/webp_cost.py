#!/usr/bin/env python3
"""Upload CPU the WebP siblings add: portrait's pipeline with and without them.

    python3 bench/webp_cost.py [--rounds 2] [--runs 3] [--corpus DIR] [PHOTO...]

`portrait-bench pipeline-cpu` (`portrait_imaging::process`, the whole pipeline) on each photo,
with `--no-webp` and without, interleaved photo by photo and round by round; the minimum CPU
(getrusage user + sys) of each side over every run is kept, so that background load inflates
neither. Prints per photo the two CPU figures, the encode stage of each, and the ratio, then
the median ratio.
"""

import argparse
import json
import statistics
import subprocess
from pathlib import Path

from common import CORPUS, build, machine


def measure(bench, photo, runs, webp):
    flags = [] if webp else ["--no-webp"]
    out = subprocess.run([str(bench), "pipeline-cpu", "--runs", str(runs), *flags, str(photo)],
                         check=True, capture_output=True, text=True).stdout
    line = json.loads(out.splitlines()[-1])
    return line["min_cpu_ms"], line["phases_min_ms"]["encode"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS / "photos")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("photos", nargs="*", type=Path)
    args = ap.parse_args()
    photos = args.photos or sorted(args.corpus.glob("*.jpg"))
    _, bench = build()
    best = {}
    for _ in range(args.rounds):
        for photo in photos:
            for webp in (False, True):
                cpu, encode = measure(bench, photo, args.runs, webp)
                old = best.get((photo, webp))
                best[(photo, webp)] = (min(cpu, old[0]), min(encode, old[1])) if old else (cpu, encode)
    print(f"# {machine()}\n")
    print("| photo | CPU without WebP, ms | encode | CPU with WebP, ms | encode | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    ratios = []
    for photo in photos:
        (plain, plain_encode), (webp, webp_encode) = best[(photo, False)], best[(photo, True)]
        ratios.append(webp / plain)
        print(f"| {photo.stem} | {plain:.0f} | {plain_encode:.0f} | {webp:.0f} | {webp_encode:.0f} "
              f"| {webp / plain:.2f} |")
    print(f"\nmedian ratio (with WebP / without): **{statistics.median(ratios):.2f}** "
          f"({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()

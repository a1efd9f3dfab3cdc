#!/usr/bin/env python3
"""Upload CPU of portrait's pipeline against a one-decode libvips pipeline doing the same job.

    python3 bench/vips_pipeline.py [--rounds 3] [--runs 6] [--corpus DIR] [PHOTO...]

The yardstick issue 11 asks for, harder than six `vipsthumbnail` runs (bench/vips_compare.py):
libvips (Debian's, through pyvips in ABI mode: `pip install pyvips`) decodes each photo once,
shrinking on load, to the upright Full image of at most 2048 px (`thumbnail`, which also applies
the EXIF orientation, and converts to sRGB with `export_profile` only when the photo has an
embedded profile: asked of every photo, libvips runs a colour transform on untagged ones too,
which would double its CPU on some), holds it in memory, cuts the centre square and resizes it to 648 (held in memory too), makes the rest of
portrait's default ladder (`SQUARE_SIZES` in crates/imaging/src/defaults.rs: 288, 192, 144, 96
and 48) from the 648, and encodes them all as JPEG at quality 85 without metadata. One libvips
thread (`VIPS_CONCURRENCY=1`), no operation cache.

portrait: `portrait-bench pipeline-cpu --runs N FILE` (`portrait_imaging::process`, the whole
pipeline: probe, decode, colour, orient, default crop with face detection, resize, encode).
Both sides are measured as getrusage CPU (user + sys) of their own process per photo, after one
warm-up, over N runs each; the minimum of the N is taken, so that background load (2 CPUs,
shared) inflates neither. Rounds interleave the two sides photo by photo. The ratio is
portrait / libvips, per photo, and its median over the photos.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from common import pipeline_cpu, square_sizes

ROOT = Path(__file__).resolve().parent.parent
SIDE_FULL = 2048
# portrait's default ladder: the largest square from the Full image, the others from it.
LARGEST, *SQUARES = sorted(square_sizes(), reverse=True)
QUALITY = 85


def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def vips_job(pyvips, path):
    """The Full JPEG and every square's, from one decode."""
    tagged = pyvips.Image.new_from_file(str(path)).get_typeof("icc-profile-data") != 0
    colour = {"export_profile": "srgb"} if tagged else {}
    full = pyvips.Image.thumbnail(str(path), SIDE_FULL, height=SIDE_FULL, size="down",
                                  **colour).copy_memory()
    side = min(full.width, full.height)
    square = full.crop((full.width - side) // 2, (full.height - side) // 2, side, side)
    largest = (square.resize(LARGEST / side) if side != LARGEST else square).copy_memory()
    out = [full.jpegsave_buffer(Q=QUALITY, strip=True),
           largest.jpegsave_buffer(Q=QUALITY, strip=True)]
    for size in SQUARES:
        out.append(largest.resize(size / LARGEST).jpegsave_buffer(Q=QUALITY, strip=True))
    return out


def vips_cpu(pyvips, path, runs):
    vips_job(pyvips, path)  # warm-up
    best = None
    for _ in range(runs):
        before = cpu()
        vips_job(pyvips, path)
        spent = cpu() - before
        best = spent if best is None else min(best, spent)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpus"))
    ap.add_argument("photos", nargs="*")
    args = ap.parse_args()
    os.environ["VIPS_CONCURRENCY"] = "1"
    try:
        import pyvips
    except ImportError:
        sys.exit("pyvips not found: pip install pyvips (uses Debian's libvips: libvips-tools)")
    pyvips.cache_set_max(0)
    photos = [Path(p) for p in args.photos] or sorted(Path(args.corpus, "photos").glob("*.jpg"))
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "portrait-bench"], cwd=ROOT,
                   check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = str(target / "release/portrait-bench")
    print(f"# libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)} (pyvips "
          f"{pyvips.__version__}), one thread; {os.cpu_count()} CPUs; rounds={args.rounds} "
          f"runs={args.runs}; min of the runs per round, median of the rounds")
    results = {p.name: {"portrait": [], "vips": []} for p in photos}
    for r in range(args.rounds):
        for photo in photos:
            _, p = pipeline_cpu(binary, photo, args.runs)
            v = vips_cpu(pyvips, photo, args.runs)
            results[photo.name]["portrait"].append(p)
            results[photo.name]["vips"].append(v)
            print(f"  round {r + 1} {photo.name}: portrait {p * 1000:.1f} ms, libvips "
                  f"{v * 1000:.1f} ms, ratio {p / v:.2f}", file=sys.stderr)
    print()
    print("| photo | portrait CPU ms | libvips one-decode CPU ms | ratio portrait/libvips |")
    print("|---|---:|---:|---:|")
    ratios = []
    for photo in photos:
        res = results[photo.name]
        p, v = statistics.median(res["portrait"]), statistics.median(res["vips"])
        ratios.append(p / v)
        print(f"| {photo.name} | {p * 1000:.1f} | {v * 1000:.1f} | {p / v:.2f} |")
    print(f"| **median over {len(photos)} photos** | | | **{statistics.median(ratios):.2f}** |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Bytes at equal quality: portrait's JPEG, WebP and AVIF renditions against libjpeg-turbo's `cjpeg -optimize`.

    python3 bench/jpeg_bytes.py [--corpus DIR] [--work DIR] [--jobs 2] [PHOTO...]

For each photo (default: every photo of ../shared/corpus/photos), `portrait-bench renditions`
writes every rendition portrait makes, beside the pixels it was encoded from (so resizing
differences do not count). Each rendition is scored with SSIMULACRA (`ssimulacra_main`, Debian
libjxl-devtools; lower is better) against those pixels. libjpeg-turbo's `cjpeg -optimize`
(Debian libjpeg-turbo-progs; 4:2:0, Annex K tables, no trellis) then encodes the same pixels over
a quality sweep (every fifth quality, then every quality in the bracket), and the bytes it needs
for portrait's score are interpolated between the two neighbouring qualities. The ratio is
portrait's bytes / libjpeg-turbo's bytes at equal score: below 1 is smaller. The WebP sibling of
each rendition is scored the same way (decoded with `dwebp`, Debian `webp`), against the same
pixels, and so is whether it scores at least as well as the JPEG; so is the AVIF sibling (decoded
to 8 bits with `avifdec`, Debian `libavif-bin`).

Prints a Markdown table per rendition, the median ratio per rendition size and over all
renditions, and the bytes portrait stores per user (all renditions of one photo).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import CORPUS, build, machine

COARSE = range(30, 101, 5)


def ssimulacra(reference, candidate):
    out = subprocess.run(["ssimulacra_main", str(reference), str(candidate)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.split()[-1])


class Sweep:
    """cjpeg -optimize at chosen qualities of one rendition's pixels, each encoded once."""

    def __init__(self, pixels, work):
        self.pixels, self.work, self.seen = pixels, work, {}

    def at(self, quality):
        if quality not in self.seen:
            out = self.work / f"{self.pixels.stem}.cjpeg-q{quality}.jpg"
            subprocess.run(["cjpeg", "-optimize", "-quality", str(quality), "-outfile", str(out),
                            str(self.pixels)], check=True)
            self.seen[quality] = (out.stat().st_size, ssimulacra(self.pixels, out))
        return self.seen[quality]

    def bytes_for(self, score):
        """Bytes cjpeg needs for `score`, or None when no quality reaches it."""
        # SSIMULACRA falls (improves) as quality rises; find the first coarse step at or
        # below the score, then walk every quality of that bracket.
        upper = next((q for q in COARSE if self.at(q)[1] <= score), None)
        if upper is None:
            return None
        lower = max(COARSE.start, upper - COARSE.step)
        for q in range(lower, upper + 1):
            self.at(q)
        points = sorted(self.seen.values())
        for (b0, s0), (b1, s1) in zip(points, points[1:]):
            if s0 >= score >= s1:
                return b0 if s0 == s1 else b0 + (s0 - score) / (s0 - s1) * (b1 - b0)
        return min(b for b, s in points if s <= score)


DECODERS = {
    "webp": lambda src, out: ["dwebp", "-quiet", src, "-o", out],
    "avif": lambda src, out: ["avifdec", "-d", "8", src, out],
}


def measure(line, work):
    sweep = Sweep(Path(line["pixels"]), work)
    score = ssimulacra(line["pixels"], line["jpeg"])
    reference = sweep.bytes_for(score)
    row = {**line, "score": score, "cjpeg_bytes": reference,
           "ratio": line["bytes"] / reference if reference else None}
    for fmt, decoder in DECODERS.items():
        decoded = Path(line[fmt]).with_suffix(f".{fmt}.png")
        subprocess.run(decoder(line[fmt], str(decoded)), check=True, capture_output=True)
        row[f"{fmt}_score"] = ssimulacra(line["pixels"], decoded)
        sibling_reference = sweep.bytes_for(row[f"{fmt}_score"])
        row[f"{fmt}_ratio"] = (line[f"{fmt}_bytes"] / sibling_reference
                               if sibling_reference else None)
    return row


def median_by_rendition(rows, key, label):
    """Prints the median of `key` per rendition size, over the photos that have it."""
    by_rendition = {}
    for r in rows:
        if r[key]:
            by_rendition.setdefault(r["rendition"], []).append(r[key])
    for rendition, ratios in by_rendition.items():
        print(f"- {label}{rendition}: median ratio {statistics.median(ratios):.3f} "
              f"({min(ratios):.3f}-{max(ratios):.3f}, {len(ratios)} photos)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS / "photos")
    ap.add_argument("--work", type=Path, default=Path.home() / ".cache/portrait-bench/jpeg-bytes")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("photos", nargs="*", type=Path)
    args = ap.parse_args()
    photos = args.photos or sorted(args.corpus.glob("*.jpg"))
    if not photos:
        sys.exit(f"no photos in {args.corpus}")
    _, bench = build()
    args.work.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([str(bench), "renditions", "--out", str(args.work), *map(str, photos)],
                         check=True, capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    print(f"# {machine()}\n")
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda line: measure(line, args.work), lines))

    print("| photo | rendition | portrait bytes | SSIMULACRA | cjpeg -optimize bytes, same score "
          "| ratio | WebP bytes | WebP SSIMULACRA | WebP ratio | AVIF bytes | AVIF SSIMULACRA "
          "| AVIF ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratio_text = lambda ratio: f"{ratio:.3f}" if ratio else "-"
    for r in rows:
        ref = f"{r['cjpeg_bytes']:,.0f}" if r["cjpeg_bytes"] else "not reached"
        print(f"| {Path(r['file']).stem} | {r['rendition']} | {r['bytes']:,} | {r['score']:.4f} "
              f"| {ref} | {ratio_text(r['ratio'])} | {r['webp_bytes']:,} | {r['webp_score']:.4f} "
              f"| {ratio_text(r['webp_ratio'])} | {r['avif_bytes']:,} | {r['avif_score']:.4f} "
              f"| {ratio_text(r['avif_ratio'])} |")

    print()
    median_by_rendition(rows, "ratio", "")
    ratios = [r["ratio"] for r in rows if r["ratio"]]
    print(f"- all renditions: **median ratio {statistics.median(ratios):.3f}** "
          f"({len(ratios)} renditions)")
    for fmt, label in (("webp", "WebP"), ("avif", "AVIF")):
        median_by_rendition(rows, f"{fmt}_ratio", f"{label} ")
        sibling_ratios = [r[f"{fmt}_ratio"] for r in rows if r[f"{fmt}_ratio"]]
        at_least_as_good = sum(r[f"{fmt}_score"] <= r["score"] for r in rows)
        print(f"- {label}, all renditions: **median ratio {statistics.median(sibling_ratios):.3f}**; "
              f"{label} bytes / JPEG bytes median "
              f"{statistics.median(r[f'{fmt}_bytes'] / r['bytes'] for r in rows):.3f}; "
              f"scores at least as well as the JPEG: {at_least_as_good} of {len(rows)} "
              f"(median SSIMULACRA {label} "
              f"{statistics.median(r[f'{fmt}_score'] for r in rows):.4f}, "
              f"JPEG {statistics.median(r['score'] for r in rows):.4f})")
    def per_user(keys, squares_only=False):
        """Median over photos of the bytes of one photo's renditions in the formats `keys`."""
        totals = {}
        for r in rows:
            if not (squares_only and r["rendition"] == "full"):
                totals[r["file"]] = totals.get(r["file"], 0) + sum(r[k] for k in keys)
        values = totals.values()
        return f"{statistics.median(values):,.0f} ({min(values):,}-{max(values):,})"
    every = ("bytes", "webp_bytes", "avif_bytes")
    print(f"- bytes stored per user (every rendition of one photo): JPEG only, median "
          f"{per_user(('bytes',))}; the JPEG squares alone {per_user(('bytes',), True)}; "
          f"JPEG, WebP and AVIF {per_user(every)}")

if __name__ == "__main__":
    main()

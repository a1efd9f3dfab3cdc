#!/usr/bin/env python3
"""Server CPU (user and system) and minor page faults per upload, one uploader at a time.

    python3 bench/upload_faults.py [--binary [LABEL=]PATH ...] [--windows 3] [--uploads 6] PHOTO...

For each photo and server binary (this tree's release build by default; `--binary` repeated
compares builds on the same photos), a fresh `portrait serve --demo` gets two warm-up uploads,
then `--windows` windows of `--uploads` uploads each; /proc/PID/stat gives the user and system
CPU and the minor faults of each window. The window with the least CPU is printed, per upload.
Page faults are what the allocator's recycled mappings save (src/allocator.rs).
"""

import argparse
import tempfile
from pathlib import Path

from common import UPLOAD_FLAGS, Server, add_binary_options, binaries, build, upload_run


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_binary_options(ap)
    ap.add_argument("--windows", type=int, default=3)
    ap.add_argument("--uploads", type=int, default=6)
    ap.add_argument("photos", nargs="+")
    args = ap.parse_args()
    bench = build()[1]
    print("| photo | server | user ms | system ms | CPU ms | minor faults | peak RSS MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for photo in args.photos:
        for label, binary in binaries(args):
            with tempfile.TemporaryDirectory() as tmp:
                server = Server(binary, tmp, UPLOAD_FLAGS, {"PORTRAIT_PHOTOS__BACKGROUND_WORKERS": "0"})
                try:
                    upload_run(server, bench, [photo], 1, 600, uploads=2)
                    best = None
                    for _ in range(args.windows):
                        before = server.cpu_and_faults()
                        upload_run(server, bench, [photo], 1, 600, reset=False, uploads=args.uploads)
                        user, system, faults = (
                            (b - a) / args.uploads for a, b in zip(before, server.cpu_and_faults()))
                        if best is None or user + system < best[0] + best[1]:
                            best = (user, system, faults)
                    user, system, faults = best
                    print(f"| {Path(photo).name} | {label} | {user * 1000:.1f} | {system * 1000:.1f} | "
                          f"{(user + system) * 1000:.1f} | {faults:,.0f} | "
                          f"{server.status_kb('VmHWM') / 1024:.0f} |", flush=True)
                finally:
                    server.stop()


if __name__ == "__main__":
    main()

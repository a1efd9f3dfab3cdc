"""Shared helpers of the bench/ scripts: build, start a demo server, upload to it, /proc readings."""

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared/corpus"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Server flags of the upload benchmarks: uploads up to 32 MiB (the corpus has a 16 MB photo, over
# the default 10 MiB) and no per-token rate limit (all uploads share the four demo tokens).
UPLOAD_FLAGS = ["--max-upload-bytes", str(32 << 20), "--rate-limit-per-second", "0"]


def target_dir():
    """Where cargo puts this tree's builds: $CARGO_TARGET_DIR or ./target."""
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def build():
    """Release builds of the server and of the bench helper."""
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "portrait", "-p", "portrait-bench"],
                   cwd=ROOT, check=True)
    release = target_dir() / "release"
    return release / "portrait", release / "portrait-bench"


def square_sizes():
    """portrait's default square ladder, read from `SQUARE_SIZES` in crates/imaging/src/defaults.rs."""
    text = (ROOT / "crates/imaging/src/defaults.rs").read_text()
    m = re.search(r"pub const SQUARE_SIZES: \[u32; \d+\] = \[([\d,\s_]*)\];", text)
    if not m:
        raise RuntimeError("SQUARE_SIZES not found in crates/imaging/src/defaults.rs")
    return sorted(int(v.replace("_", "")) for v in m.group(1).split(",") if v.strip())


def run_json(cmd):
    """Runs a command; its stdout lines that are JSON objects, parsed."""
    out = subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def pipeline_run(bench_binary, photo, runs):
    """`portrait-bench pipeline-cpu` on one photo: its JSON line (CPU, wall, stage timings)."""
    line = run_json([bench_binary, "pipeline-cpu", "--runs", runs, photo])[-1]
    if not line.get("ok"):
        raise RuntimeError(f"portrait refused {photo}: {line.get('error')}")
    return line


def pipeline_cpu(bench_binary, photo, runs):
    """`portrait-bench pipeline-cpu` on one photo: (mean, min) CPU seconds of `process()` a run."""
    line = pipeline_run(bench_binary, photo, runs)
    return line["cpu_ms"] / 1000.0, line["min_cpu_ms"] / 1000.0


def upload_run(server, bench, photos, concurrency, seconds, reset=True, uploads=None):
    """`portrait-bench upload` against `server` for `seconds` (or until `uploads` were sent), with
    the server's CPU seconds (/proc/PID/stat) spent meanwhile, per upload, and its peak RSS."""
    targets = []
    for user, token in sorted(server.tokens.items()):
        targets += ["--target", f"{user}:{token}"]
    if reset:
        server.reset_peak_rss()
    limit = ["--uploads", uploads] if uploads else []
    cpu0 = server.cpu_seconds()
    res = run_json([bench, "upload", "--addr", server.addr, *targets, "--concurrency", concurrency,
                    "--seconds", seconds, *limit, *photos])[0]
    cpu = server.cpu_seconds() - cpu0
    res["server_cpu_s"] = cpu
    res["cpu_s_per_upload"] = cpu / max(res["ok"], 1)
    res["peak_rss_mb"] = server.status_kb("VmHWM") / 1024
    return res


def server_cpu_per_upload(server, bench, photo, windows, uploads):
    """Server CPU seconds per upload of one photo, one uploader: the least of `windows` runs of
    `uploads` uploads each (/proc/PID/stat counts in clock ticks, 10 ms: a window should last
    well over that). Raises if an upload was not answered 2xx."""
    best = None
    for _ in range(windows):
        res = upload_run(server, bench, [photo], 1, 600, reset=False, uploads=uploads)
        bad = {k: n for k, n in res["statuses"].items() if not k.startswith("2")}
        if bad or res["io_errors"] or res["ok"] != uploads:
            raise RuntimeError(f"uploads of {photo}: statuses {res['statuses']}, "
                               f"I/O errors {res['io_errors']}")
        best = res["cpu_s_per_upload"] if best is None else min(best, res["cpu_s_per_upload"])
    return best


def add_binary_options(ap):
    """`--binary [LABEL=]PATH`, repeatable: measure these server binaries instead of building one."""
    ap.add_argument("--binary", action="append", metavar="[LABEL=]PATH",
                    help="a prebuilt `portrait` binary to measure instead of building this tree's; "
                         "repeat it to measure several binaries interleaved round by round on the "
                         "same data (the last one is compared with the first). LABEL defaults to "
                         "the path")


def binaries(args):
    """[(label, path)] from --binary, or this tree's release build when none is given."""
    if not args.binary:
        return [("portrait", build()[0])]
    out = []
    for spec in args.binary:
        label, sep, path = spec.partition("=")
        if not sep:
            label, path = spec, spec
        path = Path(path).resolve()
        if not os.access(path, os.X_OK):
            sys.exit(f"--binary {spec}: {path} is not an executable file")
        if label in (lbl for lbl, _ in out):
            sys.exit(f"--binary {spec}: the label {label!r} is given twice")
        out.append((label, path))
    return out


def ratio_line(name, old_label, new_label, old_runs, new_runs, key, fmt="{:.3f}"):
    """`name`: new/old of `key`, per round (runs paired by round) and of the medians."""
    med = statistics.median
    per_round = [n[key] / o[key] for o, n in zip(old_runs, new_runs)]
    of_medians = med(n[key] for n in new_runs) / med(o[key] for o in old_runs)
    return (f"{name}, {new_label}/{old_label}: **{med(per_round):.3f}** median of the per-round ratios "
            f"({', '.join(fmt.format(x) for x in per_round)}); ratio of the medians {of_medians:.3f}")


def machine():
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"{os.cpu_count()} CPUs ({model}); load average at start {' '.join(load)}"


def _cpu_by_process():
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
            fields = tail.split()
            out[int(stat.parent.name)] = (head.split("(", 1)[1], int(fields[11]) + int(fields[12]))
        except (OSError, ValueError, IndexError):
            continue
    return out


def noise(sample_seconds=0.5):
    """Load average, the compilers running now, and the processes that used CPU during a short
    sample (taken between runs, when the servers measured here are idle): other work that takes
    CPU from a round."""
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    before = _cpu_by_process()
    time.sleep(sample_seconds)
    after = _cpu_by_process()
    busy = {}
    hot = []
    for pid, (name, ticks) in after.items():
        if name in ("cargo", "rustc", "cc", "cc1", "cc1plus", "ld", "clippy-driver"):
            busy[name] = busy.get(name, 0) + 1
        used = (ticks - before.get(pid, (name, ticks))[1]) / CLK_TCK / sample_seconds
        if used >= 0.1:
            hot.append((used, name))
    compilers = ", ".join(f"{n} x{c}" for n, c in sorted(busy.items())) or "none"
    hot = ", ".join(f"{name} {used:.0%}" for used, name in sorted(hot, reverse=True)[:4]) or "none"
    return f"load {load}; compilers running: {compilers}; using >=10% CPU: {hot}"


class Server:
    """`portrait serve --demo` on a free port with its own data directory."""

    def __init__(self, binary, data_dir, extra_args=(), env=None):
        self.data_dir = Path(data_dir)
        args = [str(binary), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir),
                "--demo", *extra_args]
        env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"), **(env or {}))
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, env=env)
        self.tokens = {}  # user id -> token
        self.base = None
        user = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.match(r"\s+user\s+(\d+)\s", line)
            if m:
                user = int(m.group(1))
            m = re.match(r"\s+token\s+(\S+)", line)
            if m and user is not None:
                self.tokens[user] = m.group(1)
            m = re.match(r"listening on (http://\S+)", line)
            if m:
                self.base = m.group(1)
                break
        if not self.base:
            self.stop()
            sys.exit("the server did not start (see `portrait serve --demo` by hand)")
        self.addr = self.base.removeprefix("http://")
        self.pid = self.proc.pid

    def cpu_and_faults(self):
        """(user CPU s, system CPU s, minor page faults) of the server so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state); minflt is field 10, utime and stime fields 14 and 15.
        return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK, int(fields[7])

    def cpu_seconds(self):
        user, system, _ = self.cpu_and_faults()
        return user + system

    def status_kb(self, name):
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
        return 0

    def reset_peak_rss(self):
        """Resets VmHWM to the current RSS (Linux >= 4.0, clear_refs value 5)."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

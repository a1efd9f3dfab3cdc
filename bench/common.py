"""Shared helpers of the bench/ scripts: build, start a demo server, /proc readings."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared/corpus"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def build():
    """Release builds of the server and of the bench helper."""
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "portrait", "-p", "portrait-bench"],
                   cwd=ROOT, check=True)
    return ROOT / "target/release/portrait", ROOT / "target/release/portrait-bench"


def machine():
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"{os.cpu_count()} CPUs ({model}); load average at start {' '.join(load)}"


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

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

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

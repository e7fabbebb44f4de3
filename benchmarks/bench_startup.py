"""Whole-process cost of short commands: ``plantopt --help``, ``validate tiny``, ``solve tiny``.

Each command runs ``--repeats`` times as a child process (commands interleaved, so a load
change hits all of them alike); reported are the medians of the child's CPU time (user +
system, ``os.wait4``) and wall time, against the issue-17 targets (CPU s): --help <= 0.3,
validate tiny <= 0.8, solve tiny <= 1.5. The load average is printed before and after. One
warm-up round first; the children may write byte code (see ``CHILD_ENV``).

    python benchmarks/bench_startup.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"--help": 0.3, "validate tiny": 0.8, "solve tiny": 1.5}


def _exe() -> list[str]:
    exe = shutil.which("plantopt", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "plantopt.cli"]


#: the children run as a user's shell runs them: byte code cached (``__pycache__``), whatever
#: this process was started with (PYTHONDONTWRITEBYTECODE=1 compiles every plantopt module
#: from source on every run, ~0.05-0.1 s of CPU that no installed copy pays)
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(args: list[str], cwd: Path) -> tuple[float, float]:
    t = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {err[-400:]}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    tiny = str(ROOT / "instances" / "tiny")
    commands = {
        "--help": ["--help"],
        "validate tiny": ["validate", tiny],
        "solve tiny": ["solve", tiny, "--out", "OUT", "--force"],
    }
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    with tempfile.TemporaryDirectory() as tmp:
        for cmd in commands.values():  # warm-up: byte code written, files in the page cache
            _run(_exe() + [c.replace("OUT", str(Path(tmp) / "warm")) for c in cmd], Path(tmp))
        for i in range(args.repeats):
            for name, cmd in commands.items():
                cmd = [c.replace("OUT", str(Path(tmp) / f"out{i}")) for c in cmd]
                got[name].append(_run(_exe() + cmd, Path(tmp)))
    print("| command | CPU s (median) | wall s (median) | target CPU s | met |")
    print("|---|---|---|---|---|")
    for name, runs in got.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        ok = "yes" if cpu <= TARGETS[name] else "no"
        print(f"| plantopt {name} | {cpu:.2f} | {wall:.2f} | {TARGETS[name]} | {ok} |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

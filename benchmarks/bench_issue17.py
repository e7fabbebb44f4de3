"""One run of every user-facing performance benchmark (issue 17), as one dated Markdown report.

Runs, one after the other, each as its own process (so one run, one machine state; the
load average is recorded before and after each):

1. ``bench_startup.py``: ``plantopt --help``, ``validate tiny``, ``solve tiny``, whole process;
2. ``bench_command.py``: whole ``plantopt solve`` against HiGHS alone on the written model;
3. ``bench_tiebreak.py``: the tie-break's cost against the primary solve;
4. ``bench_montecarlo.py --before-after``: Monte Carlo samples per second per core;
5. ``bench_qmc.py``: LHS and Sobol' P5/P95 accuracy at n/4 against random at n (cached
   10^6-sample reference);
6. ``bench_batch.py --two-only --dataset ""``: batch throughput on 2 workers, on generated S
   instances and (``--scenarios``) on one S instance under a grid of overrides.

    python benchmarks/bench_issue17.py --out FILE.md [--command-cases nl-2027,gen-M,gen-L]
        [--pairs 3] [--tiebreak-rounds 3] [--batch-jobs 1000] [--qmc-repeats 20]
        [--batch-instances DIR]
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _section(title: str, args: list[str]) -> str:
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    started = datetime.datetime.now(datetime.UTC).strftime("%H:%M")
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", *args], capture_output=True, text=True, cwd=HERE.parent
    )
    wall = time.perf_counter() - t0
    body = proc.stdout.strip() if proc.returncode == 0 else f"FAILED: {proc.stderr[-1500:]}"
    shown = " ".join(Path(x).name if x.endswith(".py") else (x or '""') for x in args)
    head = (
        f"### {title}\n\n`python {shown}`"
        f" ({started} UTC, {wall:.0f} s, load average {load0:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after)\n\n"
    )
    print(head + body + "\n", flush=True)
    return head + body + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", required=True)
    ap.add_argument("--command-cases", default="nl-2027,gen-M,gen-L")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--tiebreak-rounds", type=int, default=3)
    ap.add_argument("--batch-jobs", type=int, default=1000)
    ap.add_argument("--qmc-repeats", type=int, default=20)
    ap.add_argument(
        "--batch-instances",
        default=None,
        metavar="DIR",
        help="generated S instances kept in DIR (bench_batch.py --instances)",
    )
    a = ap.parse_args()
    keep = ["--instances", a.batch_instances] if a.batch_instances else []
    b = str(HERE)
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"Run of `benchmarks/bench_issue17.py` started {date} on {os.cpu_count()} cores.\n",
        _section("Short commands, whole process", [f"{b}/bench_startup.py"]),
        _section(
            "Whole solve command against HiGHS alone",
            [f"{b}/bench_command.py", "--cases", a.command_cases, "--pairs", str(a.pairs)],
        ),
        _section(
            "Tie-break",
            [
                f"{b}/bench_tiebreak.py",
                "--cases",
                a.command_cases,
                "--rounds",
                str(a.tiebreak_rounds),
            ],
        ),
        _section(
            "Monte Carlo draws",
            [f"{b}/bench_montecarlo.py", "--cases", "default", "--before-after"],
        ),
        _section(
            "Quasi-Monte Carlo accuracy",
            [f"{b}/bench_qmc.py", "--repeats", str(a.qmc_repeats)],
        ),
        _section(
            "Batch throughput, generated S instances",
            [
                f"{b}/bench_batch.py",
                *("--jobs", str(a.batch_jobs), "--two-only", "--dataset", ""),
                *keep,
            ],
        ),
        _section(
            "Batch throughput, one S instance under a scenario grid",
            [
                f"{b}/bench_batch.py",
                "--jobs",
                str(a.batch_jobs),
                "--two-only",
                "--dataset",
                "",
                "--scenarios",
                *keep,
            ],
        ),
    ]
    Path(a.out).write_text("\n".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

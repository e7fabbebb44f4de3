"""Network benchmark (issue 15): R regions x S sites x the 12 units of nl-2027, whole process.

The instance is the packaged ``nl-2027`` (12 units, 19 feeds, 34 capacity options) spread by
``plantopt.instance.generate_network.with_network`` over R synthetic regions and S synthetic
sites (default 12 x 8, seed 0), written to a temporary folder. Each run is one whole
``plantopt solve FOLDER --objective profit`` process (start-up, load, route tree, build,
HiGHS, result tables and the atomic write of the folder). Paired with the same instance
without its network tables (one site) in A B A B order; medians of ``--repeat`` pairs. The
load average before and after is printed, since the machine is shared. Goal: the network
solve within 60 s on the 2-core machine.

    python benchmarks/bench_network.py [--regions 12] [--sites 8] [--repeat 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NETWORK_TABLES = ("sites", "site_units", "regions", "region_supply", "transport_modes",
                  "distances", "border_crossings")  # fmt: skip


def make_instances(root: Path, regions: int, sites: int, seed: int) -> tuple[Path, Path]:
    """(network folder, one-site folder) of nl-2027 over regions x sites."""
    import plantopt
    from plantopt.instance.generate import without_reuse
    from plantopt.instance.generate_network import with_network
    from plantopt.instance.writer import write_instance

    base = without_reuse(plantopt.load_instance())  # the 12 plant units, no grading benches
    net = with_network(base, regions, sites, seed)
    one = write_instance(base, root / "one-site")
    return write_instance(net, root / "network"), one


def solve_once(folder: Path, out: Path) -> tuple[float, dict]:
    """Wall seconds of one whole solve process, and its summary."""
    exe = [sys.executable, "-m", "plantopt.cli", "solve", str(folder), "--objective", "profit",
           "--out", str(out), "--force"]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(exe, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"solve failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, json.loads((out / "summary.json").read_text())


def describe_size(folder: Path) -> str:
    proc = subprocess.run([sys.executable, "-m", "plantopt.cli", "describe", str(folder)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    keep = ("sites", "site lanes", "ship columns", "haul columns", "network columns",
            "model rows", "model columns", "model nonzeros", "model integer")  # fmt: skip
    return "\n".join(line for line in proc.stdout.splitlines() if line.strip().startswith(keep))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--regions", type=int, default=12)
    ap.add_argument("--sites", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        net, one = make_instances(root, args.regions, args.sites, args.seed)
        print(describe_size(net))
        load0 = os.getloadavg()
        times: dict[str, list[float]] = {"network": [], "one-site": []}
        last: dict[str, dict] = {}
        for _ in range(args.repeat):
            for name, folder in (("network", net), ("one-site", one)):
                wall, summary = solve_once(folder, root / f"out-{name}")
                times[name].append(wall)
                last[name] = summary
        load1 = os.getloadavg()
    print(
        f"load average before {load0[0]:.2f} / after {load1[0]:.2f} (1 min), {os.cpu_count()} cores"
    )
    print("| case | runs (s) | median (s) | status | objective (EUR/yr) | solver (s) |")
    print("|---|---|---|---|---|---|")
    for name, ts in times.items():
        s = last[name]
        runs = ", ".join(f"{t:.1f}" for t in ts)
        solve_s = (s.get("timings_s") or {}).get("solve", float("nan"))
        print(f"| {name} {args.regions}x{args.sites} | {runs} | {statistics.median(ts):.1f} | "
              f"{s.get('status')} | {s.get('objective'):,.0f} | {solve_s:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()

"""Batch throughput with 1 and 2 local workers on generated small instances, in one run.

Instances: ``plantopt.generate.generate("S", seed)`` for seeds 0..N-1 (N = 24 by default),
written to a temporary folder; each job is solved with one HiGHS thread (objective from the
generated manifest). A warm-up batch of two jobs starts the worker machinery (forkserver)
first, so neither timed run pays the one-off start-up. Each timed run writes to a fresh
store; the figure is jobs per second over the whole ``run_batch`` call (worker start, solve,
atomic writes of result folders and records, final tables). Goal: >= 1.8x with 2 workers.
``jobs_in_flight`` = sum of job wall times / wall time of the run (how many jobs ran at once
on average); ``cores_used`` = CPU seconds of all jobs / wall seconds of the run: how many
cores the jobs really got (2 workers on a machine busy with other work get fewer than 2).

The machine may be shared (other processes compete for the cores), so the ratio is noisy;
``--repeat`` alternates the two runs several times and prints every ratio.

``--dataset TABLES`` keeps each job's summary row and those tables in the store's Parquet
dataset instead of a result folder per job; ``--two-only`` skips the 1-worker run (for the
1,000-job throughput figure: ``--jobs 1000 --two-only --dataset ""``). ``--scenarios``: the
jobs are one generated S instance (seed 0) under a scenario file's grid of product-price
scales (0.5 .. 1.5 in ``--jobs`` steps): every worker reads the base once and applies the
job's override (the researcher's case of many scenarios on one base).

    python benchmarks/bench_batch.py [--jobs 24] [--repeat 1] [--dataset TABLES] [--two-only]
                                     [--scenarios] [--instances DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_instances(root: Path, n: int) -> list[str]:
    """Folders gen-S-000 ... of ``root``; the ones missing are generated (kept for reruns)."""
    from plantopt.instance.generate import generate
    from plantopt.instance.writer import write_instance

    out = []
    for seed in range(n):
        folder = root / f"gen-S-{seed:03d}"
        if not (folder / "instance.yaml").is_file():
            write_instance(generate("S", seed), folder)
        out.append(str(folder))
    return out


def make_scenarios(root: Path, n: int) -> list[str]:
    """One scenario file: the seed-0 S instance under n product-price scales."""
    base = make_instances(root, 1)[0]
    scen = root / "scenarios.yaml"
    scen.write_text(
        f"name: bench\nbase: {base}\ngrid:\n"
        f"  product_prices.price_eur_per_t: {{scale: {{from: 0.5, to: 1.5, num: {n}}}}}\n"
    )
    return [str(scen)]


def timed_batch(
    inputs: list[str], store: Path, workers: int, dataset: tuple[str, ...] | None = None
) -> tuple[float, dict]:
    from plantopt.batch import run_batch

    t0 = time.perf_counter()
    rep = run_batch(inputs, store, workers=workers, progress=False, dataset_tables=dataset)
    wall = time.perf_counter() - t0
    assert rep.n_run == rep.n_jobs, rep
    cores_used = rep.table["job_cpu_s"].sum() / wall  # CPU the jobs actually got
    overlap = rep.table["job_wall_s"].sum() / wall  # jobs running at once, on average
    return wall, {
        "jobs_in_flight": round(float(overlap), 2),
        "cores_used": round(float(cores_used), 2),
        **rep.status_counts,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=24)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--dataset", default=None, metavar="TABLES")
    ap.add_argument("--two-only", action="store_true")
    ap.add_argument("--scenarios", action="store_true")
    ap.add_argument(
        "--instances",
        default=None,
        metavar="DIR",
        help="keep the generated instances in DIR (generated once; 1,000 take ~8 CPU-minutes)",
    )
    args = ap.parse_args()
    ds = None if args.dataset is None else tuple(t for t in args.dataset.split(",") if t)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {os.cpu_count()}, load average before: {load:.2f}")
    with tempfile.TemporaryDirectory(prefix="plantopt-bench-batch-") as tmp:
        root = Path(tmp)
        inst_root = Path(args.instances) if args.instances else root / "inst"
        if args.scenarios:
            inputs = make_scenarios(root / "scen", args.jobs)
            timed_batch(make_instances(inst_root, 2), root / "warmup", 2, ds)
        else:
            inputs = make_instances(inst_root, args.jobs)
            timed_batch(inputs[:2], root / "warmup", 2, ds)
        n_jobs = args.jobs
        kind = "one generated S instance x price scales" if args.scenarios else "generated S"
        print(
            f"{n_jobs} jobs ({kind}); every job solved in each run; store: "
            f"{'folder per job' if ds is None else f'dataset with summary + {list(ds)}'}"
        )
        print("| run | workers | wall s | jobs/s | speed-up | in flight, cores used, statuses |")
        print("|---|---|---|---|---|---|")
        for r in range(args.repeat):
            one, st1 = (
                (float("nan"), {})
                if args.two_only
                else timed_batch(inputs, root / f"w1-{r}", 1, ds)
            )
            two, st2 = timed_batch(inputs, root / f"w2-{r}", 2, ds)
            if not args.two_only:
                print(f"| {r} | 1 | {one:.2f} | {n_jobs / one:.2f} | 1.00 | {st1} |")
            print(f"| {r} | 2 | {two:.2f} | {n_jobs / two:.2f} | {one / two:.2f} | {st2} |")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average after: {load:.2f} (above ~0 means other processes shared the cores)")


if __name__ == "__main__":
    main()

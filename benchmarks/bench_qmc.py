"""Latin hypercube, scrambled Sobol' and Sobol' with a linear transformation (sobol-lt)
against plain random sampling: P5/P95 accuracy.

On the default instance's recovery plan (nl-2027) with the benchmark's uncertainty
(compositions +-10 %, transfer coefficients +-5 %, log-price sigma 0.3, plus the data
ranges): a reference run of ``--reference`` plain random samples (10^6 by default; computed
in batches of 10^5 and cached in ``benchmarks/data/qmc_reference.json`` with its options,
seed and date, so later runs reuse it; ``--refresh`` recomputes) gives the "true" P5 and P95
of the headline metrics. Then for each sample count n, ``--repeats`` runs with different
seeds give the root-mean-square error of the estimated P5/P95, relative to the reference
P95 - P5 spread, for plain random sampling at n and for each QMC method (``--methods``) at
n / 4. The target (issue 17): QMC at n / 4 is at least as accurate as random at n (ratio
<= 1). With 20 repeats an RMSE is known to about +-16 %, with 100 to about +-7 %.

    python benchmarks/bench_qmc.py [--reference 1000000] [--sizes 2048,8192] [--repeats 20]
                                   [--methods lhs,sobol,sobol-lt] [--refresh]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plantopt  # noqa: E402
from plantopt.uncertainty import build_spec, plan_from_result, run_raw  # noqa: E402
from plantopt.uncertainty.kernels_mc import evaluate, seed_key  # noqa: E402
from plantopt.uncertainty.montecarlo import derive_metrics  # noqa: E402
from plantopt.uncertainty.spec import SamplingOptions  # noqa: E402

OPTIONS = SamplingOptions(comp_spread=0.1, tc_spread=0.05, price_sigma=0.3)
HEADLINE = (
    "profit_eur_per_yr",
    "revenue_eur_per_yr",
    "recovered_t_per_yr:Cu",
    "recovered_t_per_yr:Nd",
    "recovery_frac:Nd",
)
REF_SEED = 10**6
CACHE = Path(__file__).resolve().parent / "data" / "qmc_reference.json"


def quantiles(plan, spec, n: int, seed: int) -> np.ndarray:
    """(metrics, 2) P5 and P95 of the headline metrics from n samples."""
    df = derive_metrics(plan, spec, run_raw(spec, n, seed))
    return np.array([np.nanquantile(df[m].to_numpy(), [0.05, 0.95]) for m in HEADLINE])


def reference(plan, spec, n: int, refresh: bool) -> np.ndarray:
    """P5/P95 of ``n`` random samples (seed REF_SEED), from the cache when it matches."""
    fingerprint = hashlib.sha256(np.round(plan.flow_feed_equiv_t_per_yr, 6).tobytes()).hexdigest()
    meta = {
        "n": n,
        "seed": REF_SEED,
        "options": repr(OPTIONS),
        "metrics": list(HEADLINE),
        "plan_sha256": fingerprint,
    }
    if CACHE.exists() and not refresh:
        cached = json.loads(CACHE.read_text())
        if all(cached.get(k) == v for k, v in meta.items()):
            print(f"reference: cached {CACHE.name} ({cached['date']})")
            return np.array(cached["p5_p95"])
    t0, key, cols = time.perf_counter(), seed_key(REF_SEED), []
    for s0 in range(0, n, 100_000):  # batches: the metrics table of 10^6 rows is large
        raw = evaluate(spec.arrays, key, s0, min(100_000, n - s0))
        df = derive_metrics(plan, spec, raw)
        cols.append(np.stack([df[m].to_numpy() for m in HEADLINE]))
    allv = np.concatenate(cols, axis=1)
    ref = np.array([np.nanquantile(v, [0.05, 0.95]) for v in allv])
    if not (ref[:, 1] > ref[:, 0]).all():
        raise SystemExit(f"a headline metric does not vary on this plan: {ref.tolist()}")
    CACHE.parent.mkdir(exist_ok=True)
    meta |= {"date": datetime.date.today().isoformat(), "p5_p95": ref.tolist()}
    CACHE.write_text(json.dumps(meta, indent=1) + "\n")
    print(f"reference: {n:,} random samples in {time.perf_counter() - t0:.1f} s, cached")
    return ref


def print_per_metric(
    per_metric: list[tuple[int, dict[str, np.ndarray]]], methods: list[str]
) -> None:
    """Per headline metric and quantile: QMC RMSE at n / 4 over random RMSE at n (<= 1:
    the target holds for that metric), and the RMSE figures themselves."""
    print("\nper metric (RMSE at n / 4 over random at n; P5 / P95):")
    print("| n random | metric | " + " | ".join(f"{q} P5 | {q} P95" for q in methods) + " |")
    print("|---|---|" + "---|---|" * len(methods))
    for n, err in per_metric:
        for i, name in enumerate(HEADLINE):
            r = [err[q][i, j] / err["random"][i, j] for q in methods for j in (0, 1)]
            print(f"| {n:,} | {name} | " + " | ".join(f"{x:.2f}" for x in r) + " |")
    print("\nper metric RMSE (relative to the reference P95 - P5; random at n, QMC at n / 4):")
    cols = ["random", *methods]
    print("| n random | metric | " + " | ".join(f"{q} P5 | {q} P95" for q in cols) + " |")
    print("|---|---|" + "---|---|" * len(cols))
    for n, err in per_metric:
        for i, name in enumerate(HEADLINE):
            r = [err[q][i, j] for q in cols for j in (0, 1)]
            print(f"| {n:,} | {name} | " + " | ".join(f"{x:.4f}" for x in r) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--reference", type=int, default=1_000_000)
    ap.add_argument("--sizes", default="2048,8192")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--refresh", action="store_true")
    ap.add_argument("--methods", default="lhs,sobol,sobol-lt", help="QMC methods at n / 4")
    args = ap.parse_args()
    methods = args.methods.split(",")
    inst = plantopt.load_instance(None)
    plan = plan_from_result(plantopt.solve(inst), inst)
    specs = {
        name: build_spec(plan, dataclasses.replace(OPTIONS, sampling=name))
        for name in ("random", *methods)
    }
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    ref = reference(plan, specs["random"], args.reference, args.refresh)
    spread = ref[:, 1] - ref[:, 0]
    print(f"reference: {args.reference:,} random samples; metrics {', '.join(HEADLINE)}")
    print(
        "| n random | n QMC | RMSE random | "
        + " | ".join(f"RMSE {q}" for q in methods)
        + " | "
        + " | ".join(f"{q} / random" for q in methods)
        + " |"
    )
    print("|---|---|---|" + "---|" * (2 * len(methods)))
    per_metric: list[tuple[int, dict[str, np.ndarray]]] = []
    for n in map(int, args.sizes.split(",")):
        err = {}
        for name, size in (("random", n), *((q, n // 4) for q in methods)):
            est = np.stack([quantiles(plan, specs[name], size, s) for s in range(args.repeats)])
            rel = (est - ref[None]) / spread[None, :, None]  # (repeats, metrics, 2)
            err[name] = np.sqrt((rel**2).mean(axis=0))  # (metrics, 2)
        cells = [
            f"mean {float(err[q].mean() / err['random'].mean()):.2f}, worst metric "
            f"{float((err[q] / err['random']).max()):.2f}"
            for q in methods
        ]
        print(
            f"| {n:,} | {n // 4:,} | {err['random'].mean():.4f} | "
            + " | ".join(f"{err[q].mean():.4f}" for q in methods)
            + " | "
            + " | ".join(cells)
            + " |"
        )
        per_metric.append((n, err))
    print_per_metric(per_metric, methods)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

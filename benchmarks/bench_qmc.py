"""Latin hypercube against plain random sampling: P5/P95 accuracy per sample count.

On the default instance's recovery plan (nl-2027) with the benchmark's uncertainty
(compositions +-10 %, transfer coefficients +-5 %, log-price sigma 0.3, plus the data
ranges): a reference run of ``--reference`` plain random samples (10^6 by default) gives the
"true" P5 and P95 of the headline metrics; then for each sample count n, ``--repeats`` runs
with different seeds give the root-mean-square error of the estimated P5/P95, relative to
the reference P95 - P5 spread, for plain random sampling at n and Latin hypercube at n / 4.
The target: LHS at n / 4 is at least as accurate as random at n (ratio <= 1).

    python benchmarks/bench_qmc.py [--reference 1000000] [--sizes 2000,8000] [--repeats 20]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plantopt  # noqa: E402
from plantopt.uncertainty import build_spec, plan_from_result, run_raw  # noqa: E402
from plantopt.uncertainty.montecarlo import derive_metrics  # noqa: E402
from plantopt.uncertainty.spec import SamplingOptions  # noqa: E402

OPTIONS = SamplingOptions(comp_spread=0.1, tc_spread=0.05, price_sigma=0.3)
HEADLINE = (
    "profit_eur_per_yr",
    "revenue_eur_per_yr",
    "recovered_t_per_yr:Co",
    "recovered_t_per_yr:Li",
    "recovery_frac:Li",
)


def quantiles(plan, spec, n: int, seed: int) -> np.ndarray:
    """(metrics, 2) P5 and P95 of the headline metrics from n samples."""
    df = derive_metrics(plan, spec, run_raw(spec, n, seed))
    return np.array([np.nanquantile(df[m].to_numpy(), [0.05, 0.95]) for m in HEADLINE])


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--reference", type=int, default=1_000_000)
    ap.add_argument("--sizes", default="2000,8000")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    inst = plantopt.load_instance(None)
    plan = plan_from_result(plantopt.solve(inst), inst)
    random_spec = build_spec(plan, OPTIONS)
    lhs_spec = build_spec(plan, dataclasses.replace(OPTIONS, sampling="lhs"))
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    ref = quantiles(plan, random_spec, args.reference, 10**6)
    spread = ref[:, 1] - ref[:, 0]
    print(f"reference: {args.reference:,} random samples; metrics {', '.join(HEADLINE)}")
    print("| n random | n LHS | RMSE random (P5, P95) | RMSE LHS (P5, P95) | LHS / random |")
    print("|---|---|---|---|---|")
    for n in map(int, args.sizes.split(",")):
        err = {}
        for name, spec, size in (("random", random_spec, n), ("lhs", lhs_spec, n // 4)):
            est = np.stack([quantiles(plan, spec, size, s) for s in range(args.repeats)])
            rel = (est - ref[None]) / spread[None, :, None]  # (repeats, metrics, 2)
            err[name] = np.sqrt((rel**2).mean(axis=0))  # (metrics, 2)
        worst = float((err["lhs"] / err["random"]).max())
        print(
            f"| {n:,} | {n // 4:,} | {err['random'].mean():.4f} | {err['lhs'].mean():.4f} "
            f"| mean {float(err['lhs'].mean() / err['random'].mean()):.2f}, worst metric "
            f"{worst:.2f} |"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

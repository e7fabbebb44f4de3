"""Benchmark of ``plantopt robust`` (issue 19): nl-2027, N scenarios, extensive form in HiGHS.

    python benchmarks/bench_robust.py --scenarios 50 --stages static,builds --alphas 0.9
    python benchmarks/bench_robust.py --stages builds --alphas 0.9 --chance cvar \
        --recourse-samples 200

For each stage: wall and CPU seconds of the whole call (scenario draws, N family builds,
nominal, RP, EEV and the out-of-sample Monte Carlo of both plans; WS only with --evpi), the
RP solve alone, the expected NPV of the robust and the nominal plan, the training share of
scenarios with all targets met, and the out-of-sample P(all targets met), P(profit > 0) and
P5/P50/P95 NPV of both plans (fresh seed), and with ``--recourse-samples`` the check with
the second stage re-optimised per draw. ``--chance exact|cvar``: the chance rows exact (with
a CVaR start for builds/contracts) or their CVaR approximation. Prints one JSON object per
stage and alpha.

    python benchmarks/bench_robust.py --ceiling --min-intake small_it=500

``--ceiling``: only the per-scenario bound on the reachable alpha and what blocks it
(:func:`plantopt.uncertainty.robust_ceiling.alpha_ceiling`) on the N training scenarios.
``--min-intake FEED=T,...``: the feeds' ``contracted_min_t_per_yr`` set to T first (a plan
that must treat that much of the feed), for the ceiling and for every run.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from plantopt.uncertainty.robust import robust
from plantopt.uncertainty.robust_ef import Risk


def instance(a: argparse.Namespace) -> Any:
    """nl-2027, with ``--min-intake`` written into feeds.csv of a temporary copy."""
    from plantopt.instance.loader import load_instance
    from plantopt.instance.writer import write_instance

    inst = load_instance("instances/nl-2027")
    if not a.min_intake:
        return inst
    feeds = inst["feeds"].copy()
    for item in a.min_intake.split(","):
        feed, tonnes = item.split("=")
        if feed not in set(feeds["feed_id"]):
            raise SystemExit(f"--min-intake: no feed {feed!r} in nl-2027")
        feeds.loc[feeds["feed_id"] == feed, "contracted_min_t_per_yr"] = float(tonnes)
    folder = Path(tempfile.mkdtemp()) / "nl-2027-min-intake"
    write_instance(replace(inst, tables={**inst.tables, "feeds": feeds}), folder)
    return load_instance(folder)


def ceiling(a: argparse.Namespace) -> dict:
    from plantopt.model.pipeline import families_of
    from plantopt.solver.types import SolveOptions
    from plantopt.uncertainty.robust_ceiling import alpha_ceiling
    from plantopt.uncertainty.robust_scenarios import draw_scenarios
    from plantopt.uncertainty.spec import SamplingOptions

    t0, c0 = time.perf_counter(), time.process_time()
    opts = SamplingOptions(comp_spread=a.spread, tc_spread=a.spread, price_sigma=a.price_sigma)
    scen = draw_scenarios(instance(a), a.scenarios, a.seed, opts)
    fams = [families_of(s.instance, s.tree) for s in scen]
    options = SolveOptions(time_limit_s=a.time_limit, tie_break=False)
    out = alpha_ceiling(fams, "builds", options, explain=a.scenarios)
    return {"min_intake": a.min_intake, "scenarios": a.scenarios, "seed": a.seed,
            "load_before": os.getloadavg()[0], "wall_s": time.perf_counter() - t0,
            "cpu_s": time.process_time() - c0, **out}  # fmt: skip


def run(stage: str, alpha: float | None, a: argparse.Namespace) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    rb = robust(
        instance(a), scenarios=a.scenarios, seed=a.seed, alpha=alpha, stage=stage,
        spread=a.spread, price_sigma=a.price_sigma, oos_samples=a.oos_samples, evpi=a.evpi,
        time_limit_s=a.time_limit, risk=Risk(a.chance), recourse_samples=a.recourse_samples,
    )  # fmt: skip
    s = rb.summary
    return {
        "stage": stage,
        "alpha": alpha,
        "chance": a.chance,
        "load_before": os.getloadavg()[0],
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
        "rp_solve_s": s["robust"].get("solve_s"),
        "rp_status": s["robust"]["status"],
        "rp_gap": s["robust"].get("gap"),
        "robust": {
            k: s["robust"].get(k) for k in ("builds", "expected_npv", "in_sample_all_targets_met")
        },
        "nominal": s.get("nominal", {}).get("builds"),
        "eev": s.get("eev"),
        "vss": s.get("vss"),
        "evpi": s.get("evpi"),
        "highest_alpha": s.get("highest_alpha"),
        "out_of_sample": s.get("out_of_sample"),
        "recourse": s.get("recourse"),
        "size": [s["robust"].get("rows"), s["robust"].get("columns")],
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--scenarios", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--alphas", default="0.9", help="comma-separated; 'none': targets hard")
    p.add_argument("--spread", type=float, default=0.05)
    p.add_argument("--price-sigma", type=float, default=0.3)
    p.add_argument("--oos-samples", type=int, default=10_000)
    p.add_argument("--stages", default="static,builds")
    p.add_argument("--time-limit", type=float, default=300.0)
    p.add_argument("--evpi", action="store_true")
    p.add_argument("--chance", default="exact", choices=("exact", "cvar"))
    p.add_argument("--recourse-samples", type=int, default=0)
    p.add_argument("--ceiling", action="store_true")
    p.add_argument("--min-intake", default="", help="FEED=T,...: contracted_min_t_per_yr")
    a = p.parse_args()
    if a.ceiling:
        print(json.dumps(ceiling(a), default=str), flush=True)
        return
    for stage in a.stages.split(","):
        for x in a.alphas.split(","):
            alpha = None if x == "none" else float(x)
            print(json.dumps(run(stage, alpha, a), default=str), flush=True)


if __name__ == "__main__":
    main()

"""Progressive hedging with the chance constraint: Lagrangian relaxation of the count row.

The exact chance-constrained SAA of ``robust --alpha`` (:mod:`.robust_ef`) is

    EF = max sum_s p_s V_s(y, w_s)   s.t. scenario s's rows, its target rows relaxed by
                                          M z_s (chance_target), and
                                          sum_s p_s z_s <= 1 - alpha        (chance_count)

Only the count row couples the scenarios beyond the first stage y. Dualising it with a
multiplier mu >= 0 gives

    L(mu) = max sum_s p_s (V_s - mu z_s) + mu (1 - alpha)  >=  EF          (weak duality)

which decomposes by scenario like the problem with hard targets: PH (``robust_ph`` with
``mu``) solves it with z_s a second-stage binary of scenario s. For a fixed first stage y
the EF decomposes too, apart from the count: with V_hard_s(y) (targets hard, -inf when no
second stage meets them) and V_free_s(y) (targets free), the best choice of the scenarios
allowed to miss is the ones with V_hard = -inf plus the largest gains V_free - V_hard, at
most k = floor((1 - alpha) N) in all (equal weights 1/N). :func:`.robust_start.discards`
does this, so every PH plan is valued exactly on the training scenarios and honours alpha
there (a plan needing more than k scenarios to miss is infeasible and is not kept).

mu is searched: PH at mu = 0 (targets free), then doubled from the objective's scale until
the plan is feasible, then bisected ``mu_steps`` times between the last infeasible and the
first feasible mu (a larger mu lets fewer scenarios miss). The answer is the feasible plan
with the highest exact value; every run also gives an upper bound on EF, PH's trivial bound
of L(mu) (each scenario alone) + mu (1 - alpha), and the smallest is reported with the gap.
The search is a heuristic on a MIP (PH is, and L has a duality gap when the count's
optimum is not on the convex hull); the exact valuation and the bound make its result
checkable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plantopt.instance.instance import Instance
from plantopt.uncertainty.robust_start import discards
from plantopt.uncertainty.spec import SamplingOptions


def scenario_values(
    instance: Instance,
    names: list[str],
    seed: int,
    sampling: dict[str, Any],
    objective: str,
    stage: str,
    plan: np.ndarray,
) -> dict[int, tuple[float, float]]:
    """{s: (V_hard_s(plan), V_free_s(plan))} of the named scenarios, the first stage fixed
    (one-scenario extensive forms in HiGHS; -inf when infeasible)."""
    from plantopt.model.pipeline import families_of
    from plantopt.solver.types import SolveOptions
    from plantopt.uncertainty.robust_ef import extensive_form
    from plantopt.uncertainty.robust_scenarios import draw_scenarios
    from plantopt.uncertainty.robust_solve import solve_ef

    opts = SolveOptions(tie_break=False, mip_rel_gap=1e-9)
    out = {}
    for name in names:
        s = int(name[1:])
        sc = draw_scenarios(instance, 1, seed, SamplingOptions(**sampling), first=s)[0]
        fams = families_of(sc.instance, sc.tree)
        hard = solve_ef(extensive_form([fams], objective, stage, fixed_first=plan), opts)
        free = extensive_form([fams], objective, stage, alpha=0.0, fixed_first=plan)
        out[s] = (hard.objective, solve_ef(free, opts).objective)
    return out


def _value_plan(ph: Any, plan: np.ndarray, alpha: float, a: dict[str, Any]) -> dict[str, Any]:
    """The exact in-sample value of ``plan`` on all ranks (values gathered over MPI)."""
    from mpi4py import MPI

    local = scenario_values(a["instance"], list(ph.local_scenario_names), a["seed"],
                            a["sampling"], a["objective"], a["stage"], plan)  # fmt: skip
    merged: dict[int, tuple[float, float]] = {}
    for part in MPI.COMM_WORLD.allgather(local):
        merged.update(part)
    hard = np.array([merged[s][0] for s in range(len(merged))])
    free = np.array([merged[s][1] for s in range(len(merged))])
    chosen = discards(hard, free, alpha)
    gains = free[np.isfinite(hard)] - hard[np.isfinite(hard)]
    scale = max([1.0, *np.abs(free[np.isfinite(free)]).tolist(), *gains.tolist()])
    return {"feasible": chosen is not None, "scale": scale, **(chosen or {})}


def run_ph_chance(
    instance: Instance,
    scenarios: int,
    seed: int,
    sampling: dict[str, Any],
    alpha: float,
    objective: str = "npv",
    stage: str = "builds",
    mu_steps: int = 6,
    ph_run: Any = None,
    **ph: Any,
) -> dict[str, Any]:
    """PH with the chance constraint P(all targets met) >= alpha (see the module doc).

    ``ph_run``: :func:`plantopt.uncertainty.robust_ph.ph_run` (passed in by its caller, so
    the two modules do not import each other)."""
    a = dict(instance=instance, seed=seed, sampling=sampling, objective=objective, stage=stage)
    runs: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None

    def run(mu: float) -> dict[str, Any]:
        nonlocal best
        res, obj, plan = ph_run(instance, scenarios, seed, sampling, objective, stage,
                                ph.get("iterations", 50), ph.get("rho"),
                                ph.get("convthresh", 1e-4), mu)  # fmt: skip
        val = _value_plan(obj, plan, alpha, a)
        bound = res.pop("bound")
        entry = {"mu": mu, "builds": res["builds"], "iterations": res["iterations"], **val,
                 "upper_bound": None if bound is None else bound + mu * (1.0 - alpha)}  # fmt: skip
        runs.append(entry)
        if val["feasible"] and (best is None or val["value"] > best["chance"]["value"]):
            best = {**res, "chance": entry}
        return entry

    first = run(0.0)
    if not first["feasible"]:
        lo, hi = 0.0, first["scale"]
        ok = run(hi)["feasible"]
        for _ in range(10):
            if ok:
                break
            lo, hi = hi, 2.0 * hi
            ok = run(hi)["feasible"]
        for _ in range(mu_steps if ok else 0):
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if run(mid)["feasible"] else (mid, hi)
    return _summary(best, runs, alpha, scenarios, seed)


def _summary(
    best: dict[str, Any] | None, runs: list[dict[str, Any]], alpha: float, n: int, seed: int
) -> dict[str, Any]:
    bounds = [r["upper_bound"] for r in runs if r["upper_bound"] is not None]
    ub = min(bounds) if bounds else None
    out: dict[str, Any] = {"scenarios": n, "seed": seed, "alpha": alpha, "runs": runs}
    if best is None:
        out.update(feasible=False, builds=None, upper_bound=ub)
        return out
    value = best["chance"]["value"]
    out.update({k: v for k, v in best.items() if k not in ("chance", "expected_objective")})
    out.update(
        feasible=True,
        mu=best["chance"]["mu"],
        value=value,
        allowed_to_miss=best["chance"]["allowed_to_miss"],
        p_met_at_least=best["chance"]["p_met_at_least"],
        upper_bound=ub,
        gap=None if ub is None else (ub - value) / max(1.0, abs(value)),
        runs=runs,
    )
    return out


__all__ = ["discards", "run_ph_chance", "scenario_values"]

"""Out-of-sample check with recourse: the first stage fixed, the second stage re-optimised.

``evaluate``'s Monte Carlo holds the whole operating plan fixed. For a first stage of builds
(and contracted intake) the operator re-plans intake and routing (or routing) once the numbers
of a draw are known. For each of ``n`` fresh draws d (scenarios 0..n-1 of the out-of-sample
seed: the same draws as the first n samples of the Monte Carlo check, so the two are paired)

    hard_d = max_w c^d (y*, w)   s.t. the draw's rows, enforced targets hard
    met_d  = hard_d feasible
    V_d    = hard_d if met_d, else max_w c^d (y*, w) with the targets free (z_d = 1)

P(all targets met) = mean_d met_d, NPV quantiles over V_d, and the cost of compliance
mean_d (V_d with the targets free - V_d) (>= 0: the targets only remove options). Because a
draw that cannot meet a target may refuse the feed it covers (unless take-back obligations
forbid it), a met draw can be one that meets its targets vacuously: ``vacuous`` is the share
of met draws in which a target that the plan's nominal operation applies (positive covered
intake) has no covered intake at all.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from plantopt.model.build import Families
from plantopt.model.pipeline import families_of
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ef import extensive_form
from plantopt.uncertainty.robust_solve import RobustResult, Solved, solve_ef
from plantopt.uncertainty.spec import SamplingOptions

DEN_TOL = 1e-6  # t/yr: a target with less covered intake does not apply


def applied_targets(fams: Families, x: np.ndarray) -> np.ndarray:
    """Per enforced target (all periods): does x accept covered feed (target_den > tol)?"""
    out = []
    for per in fams.periods:
        xt = x if not fams.multi else np.asarray(per.subst @ x).ravel()
        den = per.expressions.get("target_den")
        if den is not None and den.n:
            out.append(den.value(xt) > DEN_TOL)
    return np.concatenate(out) if out else np.zeros(0, dtype=bool)


def _one_draw(
    fams: Families, obj: str, stage: str, first: np.ndarray, options: SolveOptions
) -> tuple[bool, float, np.ndarray | None, float]:
    """(targets met, objective, x, objective with the targets free) of one draw with the
    first stage fixed."""
    free = solve_ef(extensive_form([fams], obj, stage, alpha=0.0, fixed_first=first), options)
    hard = solve_ef(extensive_form([fams], obj, stage, fixed_first=first), options)
    if hard.ok:
        return True, hard.objective, hard.x(0), free.objective
    return False, free.objective, free.x(0) if free.ok else None, free.objective


def recourse_check(
    out: RobustResult,
    sol: Solved,
    opts: SamplingOptions,
    options: SolveOptions,
    settings: dict[str, Any],
    n: int,
) -> dict[str, Any]:
    """P(all targets met), vacuous share and NPV quantiles of ``sol``'s first stage, re-planned
    per draw (see the module docstring)."""
    from plantopt.uncertainty.robust_scenarios import draw_scenarios

    stage, obj = settings["stage"], settings["objective"]
    if not sol.ok:
        return {"status": "no plan"}
    t0 = time.perf_counter()
    first = sol.first()
    base = solve_ef(extensive_form([out.nominal_families], obj, stage, fixed_first=first), options)
    applied0 = applied_targets(out.nominal_families, base.x(0)) if base.ok else None
    tree = out.nominal_families.data.tree
    draws = draw_scenarios(out.instance, n, settings["oos_seed"], opts, tree)
    met, vals, vacuous, free = [], [], [], []
    for d in draws:
        fams = families_of(d.instance, d.tree)
        ok, value, x, value_free = _one_draw(fams, obj, stage, first, options)
        met.append(ok)
        vals.append(value)
        free.append(value_free)
        if ok and applied0 is not None and x is not None:
            vacuous.append(bool((applied0 & ~applied_targets(fams, x)).any()))
    v = np.array(vals)
    q = np.quantile(v, (0.05, 0.5, 0.95))
    key = obj
    return {
        "all_targets_met": float(np.mean(met)),
        "vacuous_share_of_met": float(np.mean(vacuous)) if vacuous else 0.0,
        f"{key}_mean_eur": float(v.mean()),
        f"{key}_p5_eur": float(q[0]),
        f"{key}_p50_eur": float(q[1]),
        f"{key}_p95_eur": float(q[2]),
        f"{key}_mean_targets_free_eur": float(np.mean(free)),
        "compliance_cost_eur": float(np.mean(free) - v.mean()),
        "seconds": time.perf_counter() - t0,
    }


def recourse(
    out: RobustResult,
    nominal: Solved,
    opts: SamplingOptions,
    options: SolveOptions,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The recourse check of the robust and the nominal first stage on the same draws."""
    n = settings.get("recourse_samples", 0)
    if settings["stage"] == "static":
        return {"skipped": "stage static has no second stage: the Monte Carlo check is exact"}
    if out.nominal_families.multi:
        return {"skipped": "the recourse check is single-period only"}
    res: dict[str, Any] = {"samples": n, "seed": settings["oos_seed"]}
    for name, sol in (("robust", out.solved), ("nominal", nominal)):
        res[name] = recourse_check(out, sol, opts, options, settings, n)
    return res


__all__ = ["applied_targets", "recourse", "recourse_check"]

"""The highest alpha any plan can reach: the per-scenario feasibility bound, and what blocks.

A single plan meets the targets in scenario s only if scenario s *alone* has a plan that
meets them (its own first and second stage, every row of the instance, targets hard). So

    alpha_max <= alpha_ub = (1/N) #{s : the one-scenario problem with targets hard is feasible}

(equal weights 1/N, as in the SAA). The bound is exact when one plan serves every feasible
scenario; :func:`plantopt.uncertainty.robust_solve.highest_alpha` (the extensive form
minimising sum_s p_s z_s) gives the reachable alpha itself, at the cost of one MIP over all
scenarios. This bound is N independent feasibility solves (objective zero).

What blocks a scenario: the smallest scaled shortfall that makes it feasible, from the
target rows with a shortfall column per target (the CVaR rows of
:mod:`plantopt.model.families.scenarios` with tau = 0 and no budget):

    a_t x / M_t + u_t >= 0,  u_t >= 0,     min sum_t u_t

u_t M_t is target t's shortfall in t/yr of counted output (target_num - R_t target_den < 0),
reported per blocked scenario for the targets with u_t > 0 at that optimum (a shortfall can
move between targets that share a plan, so this is one attribution, not the only one); for
each of them min u_t alone (every other target free) says whether that target cannot be
met in the scenario on its own (> 0) or only together with the others (0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plantopt.model.build import Families
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ef import Risk, extensive_form
from plantopt.uncertainty.robust_solve import solve_ef, target_labels

SHORTFALL_TOL = 1e-6  # t/yr


def scenario_feasible(fams: Families, stage: str, options: SolveOptions) -> bool:
    """Does the scenario alone have a plan that meets every enforced target?"""
    ef = extensive_form([fams], "npv", stage)
    ef.mm.costs[0] = 0.0
    return solve_ef(ef, options).ok


def shortfalls(
    fams: Families, stage: str, options: SolveOptions
) -> tuple[dict[str, float], dict[str, float]] | None:
    """({target: shortfall t/yr} at the least total scaled shortfall of the scenario, and
    {target: its least shortfall alone} for those targets, every other target free: > 0
    means that target cannot be met in the scenario by any plan). None if the scenario
    has no plan even with the targets free."""
    ef = extensive_form([fams], "npv", stage, alpha=0.0, per_target=True, risk=Risk("cvar"))
    mm = ef.mm
    u, tau = ef.risk_cols["u"].ravel(), ef.risk_cols["tau"].ravel()
    mm.col_lower[tau] = mm.col_upper[tau] = 0.0
    start = 0
    for _, f in ef.rows:  # the budget rows go: u_t is free to be positive
        if f.name == "cvar_budget":
            mm.row_upper[start : start + f.n] = np.inf
        start += f.n
    scale, labels = _row_scale(ef), target_labels(fams)
    mm.costs[0] = 0.0
    mm.costs[0][u] = -1.0
    sol = solve_ef(ef, options)
    if not sol.ok:
        return None
    assert sol.raw.x is not None
    short = sol.raw.x[u] * scale
    joint = {labels[t]: float(short[t]) for t in np.flatnonzero(short > SHORTFALL_TOL)}
    alone = {}
    for t in np.flatnonzero(short > SHORTFALL_TOL):
        mm.costs[0] = 0.0
        mm.costs[0][u[t]] = -1.0
        one = solve_ef(ef, options)
        alone[labels[t]] = max(0.0, -one.objective * scale[t]) if one.ok else float("nan")
    return joint, alone


def _row_scale(ef: Any) -> np.ndarray:
    """M_t of every target row (in the order of the u columns): the cvar_target row is
    a_t x / M_t + u_t >= 0, so u_t M_t is the shortfall in t/yr."""
    from plantopt.model.emit_matrix import row_blocks
    from plantopt.model.families.scenarios import big_m
    from plantopt.uncertainty.robust_ef import _mapped

    out = []
    for f, m in row_blocks(ef.families[0]):
        if f.name == "target_ratio":
            assert f.lower is not None
            a = _mapped(f, m, ef.colmap[0], ef.mm.a_csc.shape[1])
            mvec = big_m(a, f.lower, ef.mm.col_lower, ef.mm.col_upper)
            out.append(np.where(mvec > 0, mvec, 1.0))
    return np.concatenate(out) if out else np.zeros(0)


def alpha_ceiling(
    fams: list[Families], stage: str, options: SolveOptions, explain: int = 10
) -> dict[str, Any]:
    """The per-scenario bound on the reachable alpha, the blocked scenarios, and for the
    first ``explain`` of them the targets that block with their shortfalls (t/yr)."""
    ok = np.array([scenario_feasible(f, stage, options) for f in fams])
    blocked = [int(s) for s in np.flatnonzero(~ok)]
    why: dict[str, Any] = {}
    share: dict[str, float] = {}
    alone: dict[str, Any] = {}
    for s in blocked[:explain]:
        got = shortfalls(fams[s], stage, options)
        why[str(s)] = "no plan even with the targets free" if got is None else got[0]
        if got is not None:
            alone[str(s)] = got[1]
        for lab in got[0] if got is not None else {}:
            share[lab] = share.get(lab, 0.0) + 1.0 / len(fams)
    return {
        "alpha_upper_bound": float(ok.mean()) if ok.size else None,
        "scenarios_blocked": blocked,
        "shortfall_t_per_yr": why,
        "alone_shortfall_t_per_yr": alone,
        "blocking_share": dict(sorted(share.items())),
        "explained": min(len(blocked), explain),
    }


__all__ = ["alpha_ceiling", "scenario_feasible", "shortfalls"]

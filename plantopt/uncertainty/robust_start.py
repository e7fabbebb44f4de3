"""Starts of the exact chance-constrained form: candidate first stages valued exactly.

For a fixed first stage y the exact chance-constrained SAA decomposes apart from the count
row (equal weights 1/N): per scenario V_hard_s(y) (targets hard; -inf when no second stage
meets them) and V_free_s(y) (targets free), and the best scenarios to let miss are the
ones that must plus the largest gains V_free - V_hard, at most k = floor((1 - alpha) N)
(:func:`discards`). So every candidate y gives its exact SAA value F(y) and a feasible
point of the exact form: y, each scenario's second stage from its hard or free solve, and
z_s = 1 for the scenarios let miss. :func:`valued_start` returns the best of the
candidates as HiGHS's first incumbent. The candidates used by ``robust``: the first stage
of the CVaR approximation (``cvar_start``'s plan) and of the form with the targets free in
every scenario (the plan the chance constraint pulls towards when it lets the most
profitable scenarios miss).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from plantopt.model.build import Families
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ef import Extensive, extensive_form
from plantopt.uncertainty.robust_solve import solve_ef


def discards(hard: np.ndarray, free: np.ndarray, alpha: float) -> dict[str, Any] | None:
    """The scenarios allowed to miss for a fixed first stage and the exact SAA value; None
    if the plan cannot honour alpha (more than k scenarios cannot meet their targets, or a
    scenario has no second stage at all)."""
    n = hard.size
    k = math.floor((1.0 - alpha) * n + 1e-9)
    forced = ~np.isfinite(hard)
    if forced.sum() > k or not np.isfinite(free).all():
        return None
    gain = np.where(forced, np.inf, free - hard)
    order = np.argsort(-gain, kind="stable")[:k]
    drop = np.zeros(n, dtype=bool)
    drop[order[gain[order] > 1e-9]] = True
    return {
        "value": float(np.where(drop, free, hard).mean()),
        "allowed_to_miss": [int(s) for s in np.flatnonzero(drop)],
        "must_miss": [int(s) for s in np.flatnonzero(forced)],
        "p_met_at_least": float(1.0 - drop.mean()),
    }


def tight_big_m(fams: Families, stage: str, options: SolveOptions) -> np.ndarray:
    """A valid big-M per target row of the scenario, usually far below the box one:

        M_t = max(0, max_x (L_t - a_t x))  over the scenario's LP relaxation, every target
                                            free and the first stage free

    (every x of the extensive form restricted to the scenario lies in that region, so
    z_s = 1 still frees the row), with a relative margin of 1e-6; the box M where the LP
    does not solve. One LP per target row, re-solved from the last basis."""
    import highspy
    import scipy.sparse as sp

    from plantopt.model.emit_matrix import row_blocks
    from plantopt.model.families.scenarios import big_m
    from plantopt.solver.highs import _new_highs, _pass
    from plantopt.uncertainty.robust_ef import _mapped

    ef = extensive_form([fams], "npv", stage, alpha=0.0)
    mm = replace(ef.mm, integrality=np.zeros_like(ef.mm.integrality))
    mm.col_lower[ef.z.ravel()] = 1.0
    n = mm.a_csc.shape[1]
    parts = [(f, _mapped(f, m, ef.colmap[0], n)) for f, m in row_blocks(fams)]
    parts = [(f, a) for f, a in parts if f.name == "target_ratio"]
    if not parts:
        return np.zeros(0)
    a = sp.vstack([x for _, x in parts], format="csr")
    low = np.concatenate([np.asarray(f.lower, float) for f, _ in parts])
    out = big_m(a, low, mm.col_lower, mm.col_upper)
    h = _new_highs(replace(options, mip_rel_gap=None))
    _pass(h, mm, np.zeros(n), 0.0)
    cols = np.arange(n, dtype=np.int32)
    for t in np.flatnonzero(out > 0):
        h.changeColsCost(n, cols, -a[[t]].toarray().ravel())  # max -a_t x
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            worst = low[t] + float(h.getInfo().objective_function_value)
            out[t] = min(out[t], max(0.0, worst) * (1.0 + 1e-6) + 1e-6)
    return out


def value_first_stage(
    fams: list[Any],
    objective: str,
    stage: str,
    alpha: float,
    first: np.ndarray,
    options: SolveOptions,
) -> tuple[dict[str, Any] | None, list[np.ndarray | None]]:
    """F(first) by :func:`discards` and each scenario's second stage there (from its free
    solve where it is let miss, else from its hard solve; None where it has none)."""
    hard, free, xs_hard, xs_free = [], [], [], []
    for f in fams:
        h = solve_ef(extensive_form([f], objective, stage, fixed_first=first), options)
        r = solve_ef(extensive_form([f], objective, stage, alpha=0.0, fixed_first=first), options)
        hard.append(h.objective)
        free.append(r.objective)
        xs_hard.append(h.x(0) if h.ok else None)
        xs_free.append(r.x(0) if r.ok else None)
    chosen = discards(np.array(hard), np.array(free), alpha)
    if chosen is None:
        return None, []
    drop = set(chosen["allowed_to_miss"])
    return chosen, [xs_free[s] if s in drop else xs_hard[s] for s in range(len(fams))]


def valued_start(
    exact: Extensive,
    objective: str,
    stage: str,
    alpha: float,
    candidates: list[np.ndarray],
    options: SolveOptions,
) -> tuple[np.ndarray, dict[str, Any]] | None:
    """The best candidate first stage (by its exact SAA value) as a full start of the exact
    form (joint or per-target indicators: z = 1 on every target of a scenario let miss)."""
    best: tuple[np.ndarray, dict[str, Any]] | None = None
    for first in candidates:
        chosen, xs = value_first_stage(exact.families, objective, stage, alpha, first, options)
        if chosen is None or (best is not None and chosen["value"] <= best[1]["value"]):
            continue
        start = np.zeros(exact.mm.a_csc.shape[1])
        z = exact.z.reshape(len(exact.families), -1)
        for s, x in enumerate(xs):
            assert x is not None
            start[exact.colmap[s]] = x
            start[z[s]] = 1.0 if s in chosen["allowed_to_miss"] else 0.0
        best = (start, chosen)
    return best


__all__ = ["discards", "tight_big_m", "valued_start", "value_first_stage"]

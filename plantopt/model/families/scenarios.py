"""Scenario families of the extensive form (sample-average approximation, issue 19).

The extensive form stacks the row families of S scenarios (each over its own copy of the
second-stage columns, all sharing the first-stage columns, see
:mod:`plantopt.uncertainty.robust_ef`). With a chance constraint on the enforced targets the
scenario's ``target_ratio`` rows are replaced by the same rows with an indicator column
z in {0, 1} (z = 1: the scenario may miss its targets):

    chance_target[s, t]:  target_num[s, t] - R_t target_den[s, t] + M[s, t] z[s] >= 0
                          (joint: one z[s] per scenario; per target: z[s, t])
    chance_count:         sum_s p_s z[s] <= 1 - alpha          (joint)
    chance_count[t]:      sum_s p_s z[s, t] <= 1 - alpha_t     (per target)

The big-M is the tightest the column bounds allow: M[s, t] = max(0, L - min_{l <= x <= u}
a x) = R_t sum_f b_{t,f} available_{s,f} for a target row (its numerator coefficients are
>= 0 on flows >= 0, its denominator enters with -R_t b_{t,f} on accept[f] <= available_{s,f}).
No other bound is needed: z[s] = 1 makes the row hold for every x in the box, z[s] = 0 is
the original row. The probabilities p_s are the scenario weights (1/S in the SAA).

**CVaR approximation of the chance constraint** (``chance="cvar"``; Nemirovski and Shapiro
2006, "Convex approximations of chance constrained programs"): with the shortfall of target
t in scenario s scaled by its big-M, g[s, t] = -(target_num - R_t target_den)[s, t] / M[s, t]
(<= 0: met), the joint shortfall G_s = max_t g[s, t] is held to CVaR_alpha(G) <= 0 by the
Rockafellar-Uryasev linearisation with tau free and u_s >= 0:

    cvar_target[s, t]:  (target_num - R_t target_den)[s, t] / M[s, t] + u_s + tau >= L / M
                        (L = 0, the target row's lower bound)
                        (u_s >= g[s, t] - tau)
    cvar_budget:        tau + 1/(1 - alpha) sum_s p_s u_s <= 0
                        (per target: tau_t, u[s, t] and one budget row per target)

It implies P(G <= 0) >= alpha: if tau = 0 every u_s = 0 and every G_s <= 0; if tau < 0, a
scenario with G_s > 0 has u_s > -tau, so P(G > 0) (-tau) < sum_s p_s u_s <= (1 - alpha) (-tau).
It is conservative (it also bounds how far the missed scenarios miss) and has no binary.

**CVaR of the objective** (``cvar_beta``, Rockafellar and Uryasev 2000): for the scenario
objectives V_s = c^s C_s x (NPV or profit, a gain), the lower-tail
CVaR_beta(V) = max_eta eta - 1/(1 - beta) sum_s p_s max(0, eta - V_s), linearised with eta
free and v_s >= 0:

    cvar_objective[s]:  v_s - eta + c^s C_s x >= 0            (v_s >= eta - V_s)
    objective:          max (1 - lambda) sum_s p_s V_s + lambda (eta - 1/(1 - beta) sum_s p_s v_s)

(lambda = 1: maximise CVaR alone). At the optimum eta is the beta-quantile (VaR) of V.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from plantopt.instance.errors import PlantoptError
from plantopt.model.family import INF, Family, family


def row_minimum(a: sp.csr_array, col_lower: np.ndarray, col_upper: np.ndarray) -> np.ndarray:
    """min over the box l <= x <= u of every row of A: sum_j min(a_ij l_j, a_ij u_j)."""
    coo = a.tocoo()
    lo, hi = col_lower[coo.col], col_upper[coo.col]
    with np.errstate(invalid="ignore"):
        term = np.where(coo.data > 0, coo.data * lo, coo.data * hi)
    out = np.zeros(a.shape[0])
    np.add.at(out, coo.row, term)
    return out


def big_m(
    a: sp.csr_array, lower: np.ndarray, col_lower: np.ndarray, col_upper: np.ndarray
) -> np.ndarray:
    """M_i = max(0, lower_i - min_box a_i x): the smallest M for which z = 1 frees row i."""
    low = row_minimum(a, col_lower, col_upper)
    if not np.isfinite(low).all():
        raise PlantoptError(
            "chance constraint: a target row is unbounded below over the column bounds, "
            "so no big-M exists (a covered feed without a finite available_t_per_yr?)"
        )
    return np.maximum(lower - low, 0.0)


def chance_target(
    target_rows: Family,
    a: sp.csr_array,
    z_col: np.ndarray,
    m: np.ndarray,
    scenario: int,
) -> Family:
    """The scenario's target_ratio rows ``a`` (over the extensive columns) + M z >= lower."""
    coo = a.tocoo()
    rows = np.concatenate([coo.row, np.arange(a.shape[0])])
    cols = np.concatenate([coo.col, z_col])
    vals = np.concatenate([coo.data, m])
    assert target_rows.lower is not None and target_rows.upper is not None
    return family(
        "chance_target",
        [(scenario, t) for t in target_rows.index],
        rows,
        cols,
        vals,
        target_rows.lower,
        target_rows.upper,
        scope="global",
        block="model",
        doc="target ratio of the scenario unless its indicator lets it miss",
    )


def chance_count(z_cols: np.ndarray, weights: np.ndarray, alpha: np.ndarray) -> Family:
    """sum_s p_s z[s, t] <= 1 - alpha_t; z_cols (S,) joint or (S, T) per target."""
    z = z_cols.reshape(z_cols.shape[0], -1)
    n_t = z.shape[1]
    rows = np.repeat(np.arange(n_t)[None, :], z.shape[0], axis=0).ravel()
    vals = np.repeat(weights[:, None], n_t, axis=1).ravel()
    return family(
        "chance_count",
        list(range(n_t)),
        rows,
        z.ravel(),
        vals,
        -INF,
        1.0 - np.broadcast_to(alpha, (n_t,)) + 1e-9,
        scope="global",
        block="model",
        doc="probability of missing the targets at most 1 - alpha",
    )


def _tag(
    name: str,
    index: list[Any],
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    lower: Any,
    upper: Any,
    doc: str,
) -> Family:
    return family(
        name, index, rows, cols, vals, lower, upper, scope="global", block="model", doc=doc
    )


def cvar_target(
    target_rows: Family,
    a: sp.csr_array,
    m: np.ndarray,
    u_col: np.ndarray,
    tau_col: np.ndarray,
    scenario: int,
) -> Family:
    """a_i x / M_i + u + tau >= L_i / M_i per target row i (u, tau: one column, or one per
    row; L_i the row's lower bound, 0 for target_ratio).

    Rows with M_i = 0 hold at every x of the box (nothing can miss them) and keep scale 1."""
    coo = a.tocoo()
    scale = np.where(m > 0, m, 1.0)
    idx = np.arange(a.shape[0])
    assert target_rows.lower is not None
    u = np.broadcast_to(u_col, idx.shape)
    tau = np.broadcast_to(tau_col, idx.shape)
    return _tag(
        "cvar_target",
        [(scenario, t) for t in target_rows.index],
        np.concatenate([coo.row, idx, idx]),
        np.concatenate([coo.col, u, tau]),
        np.concatenate([coo.data / scale[coo.row], np.ones(idx.size), np.ones(idx.size)]),
        target_rows.lower / scale,
        INF,
        "scaled target surplus plus the shortfall excess over tau, at least zero",
    )


def cvar_budget(
    u_cols: np.ndarray, tau_cols: np.ndarray, weights: np.ndarray, alpha: float
) -> Family:
    """tau_t + 1/(1 - alpha) sum_s p_s u[s, t] <= 0; u_cols (S,) joint or (S, T)."""
    if not 0.0 <= alpha < 1.0:
        raise PlantoptError(f"the CVaR approximation needs alpha < 1, not {alpha}")
    u = u_cols.reshape(u_cols.shape[0], -1)
    n_s, n_t = u.shape
    tau = np.asarray(tau_cols).reshape(n_t)
    rows = np.concatenate([np.tile(np.arange(n_t), n_s), np.arange(n_t)])
    cols = np.concatenate([u.ravel(), tau])
    w = np.repeat(weights / (1.0 - alpha), n_t)
    return _tag(
        "cvar_budget",
        list(range(n_t)),
        rows,
        cols,
        np.concatenate([w, np.ones(n_t)]),
        -INF,
        0.0,
        "CVaR_alpha of the scaled target shortfall at most zero",
    )


def cvar_objective(
    values: sp.csr_array, v_cols: np.ndarray, eta_col: int, scenarios: list[int]
) -> Family:
    """v_s - eta + V_s(x) >= 0 with V_s = row s of ``values`` (over the extensive columns)."""
    coo = values.tocoo()
    n_s = values.shape[0]
    idx = np.arange(n_s)
    return _tag(
        "cvar_objective",
        list(scenarios),
        np.concatenate([coo.row, idx, idx]),
        np.concatenate([coo.col, v_cols, np.full(n_s, eta_col)]),
        np.concatenate([coo.data, np.ones(n_s), -np.ones(n_s)]),
        0.0,
        INF,
        "excess of eta over the scenario objective",
    )


__all__ = [
    "big_m",
    "chance_count",
    "chance_target",
    "cvar_budget",
    "cvar_objective",
    "cvar_target",
    "row_minimum",
]

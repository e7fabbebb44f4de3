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
"""

from __future__ import annotations

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


__all__ = ["big_m", "chance_count", "chance_target", "row_minimum"]

"""Beta-PERT draws by an inverse-CDF table (one uniform per draw instead of two gammas).

PERT(lo, mode, hi) with lambda = 4 is lo + (hi - lo) * Beta(1 + 4 r, 5 - 4 r) with
r = (mode - lo) / (hi - lo) in [0, 1]: a one-parameter family of shapes. The table holds the
exact quantiles Q(r_i, u_j) = I^-1_{1 + 4 r_i, 5 - 4 r_i}(u_j) (``scipy.special.betaincinv``)
on a grid of ``N_R`` shapes r_i = i / (N_R - 1) and ``N_U`` probabilities u_j = j / (N_U - 1),
and a draw is the bilinear interpolation

    fr = r (N_R - 1),  i = min(floor(fr), N_R - 2),  tr = fr - i
    fu = u (N_U - 1),  j = min(floor(fu), N_U - 2),  tu = fu - j
    q0 = Q[i, j] + tu (Q[i, j+1] - Q[i, j]),  q1 = Q[i+1, j] + tu (Q[i+1, j+1] - Q[i+1, j])
    x  = lo + (hi - lo) (q0 + tr (q1 - q0))

of one counter-based uniform u. Error bound: on a grid shape the interpolant is monotone
between exact quantiles, so its CDF differs from the exact one by at most one cell,
1 / (N_U - 1) = 4.9e-4 (Kolmogorov distance); between shapes the mixture of the two
neighbouring rows is measured (``tests/test_pert_table.py``, 2e5 random (r, u)): Kolmogorov
distance <= 2.6e-4, quantile error <= 4e-5 of (hi - lo) at the 99th percentile (the largest
errors sit in the outer cells of the tails, where the exact quantile is steep).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

N_R = 65  # shapes r = (mode - lo) / (hi - lo)
N_U = 2049  # probabilities
#: stated bound on the Kolmogorov distance between a tabulated and the exact PERT draw
KOLMOGOROV_BOUND = 1.0 / (N_U - 1)


#: the table as shipped with plantopt (written by :func:`write_pert_quantile_table`)
TABLE_FILE = "pert_quantiles.npy"


@lru_cache(maxsize=1)
def pert_quantile_table() -> np.ndarray:
    """(N_R, N_U) exact Beta-PERT quantiles, first column 0 and last 1 (read-only).

    Read from the copy shipped in ``plantopt/data/tables`` (1 MiB; computing it costs
    0.5-1.3 s CPU with scipy's import, most of a default ``plantopt evaluate``), so every
    install draws with the same bits whatever its scipy; computed when the file is missing
    or is not an (N_R, N_U) float64 table. ``tests/test_pert_table.py`` checks the shipped
    copy against scipy."""
    table = _shipped_table()
    if table is None:
        table = compute_pert_quantile_table()
    table.setflags(write=False)
    return table


def _shipped_table() -> np.ndarray | None:
    from importlib import resources

    path = resources.files("plantopt") / "data" / "tables" / TABLE_FILE
    try:
        with path.open("rb") as fh:
            table = np.load(fh, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if table.shape != (N_R, N_U) or table.dtype != np.float64:
        return None
    return np.ascontiguousarray(table)


def compute_pert_quantile_table() -> np.ndarray:
    """Q(r_i, u_j) = I^-1_{1 + 4 r_i, 5 - 4 r_i}(u_j) by ``scipy.special.betaincinv``, the
    first column set to 0 and the last to 1, clipped to [0, 1]."""
    from scipy.special import betaincinv

    r = np.linspace(0.0, 1.0, N_R)[:, None]
    u = np.linspace(0.0, 1.0, N_U)[None, :]
    q = betaincinv(1.0 + 4.0 * r, 5.0 - 4.0 * r, u)
    q[:, 0], q[:, -1] = 0.0, 1.0
    return np.ascontiguousarray(np.clip(q, 0.0, 1.0))


def write_pert_quantile_table(path: str) -> None:
    """Write :func:`compute_pert_quantile_table` to ``path`` (.npy), to refresh the shipped
    copy: ``python -c "from plantopt.uncertainty.pert_table import *;
    write_pert_quantile_table('plantopt/data/tables/pert_quantiles.npy')"``."""
    np.save(path, compute_pert_quantile_table(), allow_pickle=False)


def pert_table_numpy(
    table: np.ndarray, u: np.ndarray, lo: np.ndarray, mode: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Tabulated PERT draws (the module formula), element-wise over broadcast arrays.

    Callers pass only entries with hi > lo. The operations are those of the numba kernel
    in the same order (no fused multiply-add), so both give bit-identical draws.
    """
    n_r, n_u = table.shape
    width = hi - lo
    r = (mode - lo) / width
    fr = r * (n_r - 1)
    i = np.minimum(fr.astype(np.int64), n_r - 2)
    tr = fr - i
    fu = u * (n_u - 1)
    j = np.minimum(fu.astype(np.int64), n_u - 2)
    tu = fu - j
    a, b = table[i, j], table[i, j + 1]
    c, d = table[i + 1, j], table[i + 1, j + 1]
    q0 = a + tu * (b - a)
    q1 = c + tu * (d - c)
    return lo + width * (q0 + tr * (q1 - q0))

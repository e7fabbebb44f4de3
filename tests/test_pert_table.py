"""Tabulated Beta-PERT draws: the stated error bound, and the distribution is unchanged.

The table replaces the two-gamma draw (``pert-exact``) for speed; these tests check that the
tabulated quantiles stay within the bound stated in :mod:`plantopt.uncertainty.pert_table`,
and that the draws the Monte Carlo actually uses (counter-based uniforms through the table)
are indistinguishable from the exact sampler by a two-sample Kolmogorov-Smirnov test.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import betainc, betaincinv

from plantopt.uncertainty.kernels_mc_twin import draw_numpy
from plantopt.uncertainty.mc_arrays import DIST_PERT, DIST_PERT_EXACT
from plantopt.uncertainty.pert_table import (
    KOLMOGOROV_BOUND,
    pert_quantile_table,
    pert_table_numpy,
)


def test_table_error_within_the_stated_bound() -> None:
    rng = np.random.default_rng(0)
    r, u = rng.random(200_000), rng.random(200_000)
    q = pert_table_numpy(pert_quantile_table(), u, np.zeros_like(r), r, np.ones_like(r))
    exact = betaincinv(1 + 4 * r, 5 - 4 * r, u)
    kolmogorov = np.abs(betainc(1 + 4 * r, 5 - 4 * r, q) - u).max()
    assert kolmogorov <= 2.6e-4 <= KOLMOGOROV_BOUND
    assert np.quantile(np.abs(q - exact), 0.99) <= 4e-5
    assert q.min() >= 0.0 and q.max() <= 1.0


def test_shipped_table_is_the_computed_one() -> None:
    """The copy shipped in plantopt/data/tables is what the code computes (bit for bit with
    the scipy it was written with; within 1e-15 on another scipy), and it is what the
    Monte Carlo reads."""
    from plantopt.uncertainty.pert_table import _shipped_table, compute_pert_quantile_table

    shipped = _shipped_table()
    assert shipped is not None, "plantopt/data/tables/pert_quantiles.npy is missing"
    np.testing.assert_allclose(shipped, compute_pert_quantile_table(), rtol=0.0, atol=1e-15)
    assert np.array_equal(pert_quantile_table(), shipped)


def test_table_rows_are_exact_quantiles_and_monotone() -> None:
    t = pert_quantile_table()
    assert (np.diff(t, axis=1) >= 0).all()
    assert t[:, 0].max() == 0.0 and t[:, -1].min() == 1.0
    r = np.linspace(0, 1, t.shape[0])[:, None]
    u = np.linspace(0, 1, t.shape[1])[None, :]
    assert np.allclose(t, betaincinv(1 + 4 * r, 5 - 4 * r, u), atol=1e-15)


@pytest.mark.parametrize(
    "lo,mode,hi", [(0.0, 0.5, 1.0), (0.10, 0.12, 0.20), (0.9, 0.99, 1.0), (2.0, 2.0, 3.0)]
)
def test_tabulated_draws_pass_ks_against_the_exact_sampler(
    lo: float, mode: float, hi: float
) -> None:
    n = 20_000
    samples = np.arange(n)
    args = (np.array([lo]), np.array([mode]), np.array([hi]))
    table = draw_numpy(11, samples, np.array([3]), *args, DIST_PERT)[:, 0]
    exact = draw_numpy(12, samples, np.array([3]), *args, DIST_PERT_EXACT)[:, 0]
    assert stats.ks_2samp(table, exact).pvalue > 0.01
    # and each against the exact Beta-PERT CDF
    a, b = 1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo)
    ref = stats.beta(a, b, loc=lo, scale=hi - lo)
    assert stats.kstest(table, ref.cdf).pvalue > 0.01
    assert stats.kstest(exact, ref.cdf).pvalue > 0.01


def test_tabulated_draws_are_mode_where_there_is_no_spread() -> None:
    out = draw_numpy(
        1,
        np.arange(5),
        np.arange(2),
        np.array([0.2, 0.1]),
        np.array([0.2, 0.15]),
        np.array([0.2, 0.3]),
        DIST_PERT,
    )
    assert (out[:, 0] == 0.2).all()
    assert ((out[:, 1] > 0.1) & (out[:, 1] < 0.3)).all()

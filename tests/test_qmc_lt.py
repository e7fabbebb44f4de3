"""Sobol' with a linear transformation (``sampling="sobol-lt"``, plantopt.uncertainty.qmc_lt).

The rotation is orthogonal with the requested directions as its first columns; rotated
points keep the exact distribution of the inputs (each uniform stays uniform: Kolmogorov-
Smirnov per input; independent inputs stay uncorrelated; correlated price scenarios keep
their correlation); the kernel equals its NumPy twin and gives the same numbers for any
chunk size, thread count and batch split; on a solved plan the first Sobol' coordinate
carries profit's main direction.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtri

import plantopt
from plantopt.uncertainty import SamplingOptions, build_spec, plan_from_result, run_raw
from plantopt.uncertainty.correlation import default_composition_correlation
from plantopt.uncertainty.kernels_mc import evaluate, seed_key
from plantopt.uncertainty.kernels_mc_twin import _sample_prices_numpy
from plantopt.uncertainty.montecarlo import derive_metrics
from plantopt.uncertainty.qmc import (
    QMC_SOBOL,
    _reflect_cols_numpy,
    householder,
    qmc_columns,
    qmc_tables,
    rotate_uniforms,
    sobol_uniforms,
)
from plantopt.uncertainty.spec import SpecError
from tests.test_kernels import assert_twin_and_any_split, random_arrays
from tests.test_montecarlo import priced_tiny


def _matrix(v: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """R = H_0 ... H_(k-1) as a dense matrix (its columns: R applied to the unit vectors)."""
    eye = np.eye(v.shape[1])
    _reflect_cols_numpy(eye, v, tau)  # column i of the result is R e_i
    return eye


def test_householder_is_orthogonal_and_leads_with_the_directions() -> None:
    rng = np.random.default_rng(1)
    g = rng.standard_normal((4, 30))
    g[2] = 2.0 * g[0] - g[1]  # dependent: adds no direction and is skipped
    v, tau = householder(g)
    assert v.shape == (3, 30)
    r = _matrix(v, tau)
    assert np.allclose(r @ r.T, np.eye(30), atol=1e-13)
    q, _ = np.linalg.qr(g[[0, 1, 3]].T)  # Gram-Schmidt order of the kept rows
    for j in range(3):
        assert abs(abs(r[:, j] @ q[:, j]) - 1.0) < 1e-12


def test_numba_and_numpy_reflections_agree_bit_for_bit() -> None:
    rng = np.random.default_rng(2)
    g = rng.standard_normal((3, 17))
    g[:, 5] = 0.0  # a dimension no direction touches
    v, tau = householder(g)
    z = rng.standard_normal((17, 50))  # (dimension, sample)
    a, b = z.copy(), z.copy()
    _reflect_cols_numpy(a, v, tau)
    from plantopt.uncertainty.qmc import _reflect_jit as fn

    assert fn is not None
    fn(b, v, tau)
    assert np.array_equal(a, b)
    assert np.array_equal(a[5], z[5])
    one = np.ascontiguousarray(z[:, 7:8])
    fn(one, v, tau)  # a sample's result depends on that sample alone
    assert np.array_equal(one[:, 0], b[:, 7])


def test_numba_and_numpy_rotations_agree() -> None:
    from plantopt.uncertainty.qmc import _rotate_cols_numpy, _rotate_jit

    rng = np.random.default_rng(5)
    v, tau = householder(rng.standard_normal((2, 11)))
    u = np.floor(rng.random((11, 64)) * 2**32) / 2**32
    a, b = u.copy(), u.copy()
    _rotate_cols_numpy(a, v, tau)
    assert _rotate_jit is not None
    _rotate_jit(b, v, tau)
    assert np.allclose(a, b, rtol=0, atol=1e-15)  # libm's erfc against scipy's


def test_sobol_points_are_scipys_by_random_access() -> None:
    from scipy.stats import qmc

    eng = qmc.Sobol(9, scramble=True, bits=32, rng=np.random.default_rng(seed_key(3)))
    ref = eng.random(4096)
    for s0, n in ((0, 4096), (0, 1), (1, 1), (5, 17), (1023, 1000), (2047, 2049)):
        assert np.array_equal(sobol_uniforms(seed_key(3), 9, s0, n), ref[s0 : s0 + n])


def test_rotated_points_keep_the_inputs_distribution() -> None:
    n, dim = 4096, 12
    rng = np.random.default_rng(3)
    v, tau = householder(rng.standard_normal((3, dim)))
    # iid uniforms in: iid uniforms out (an orthogonal map of iid N(0, 1) is iid N(0, 1))
    u = rotate_uniforms(np.floor(rng.random((n, dim)) * 2**32) / 2**32, v, tau)
    for j in range(dim):
        assert stats.kstest(u[:, j], "uniform").pvalue > 1e-3
    c = np.corrcoef(ndtri(u), rowvar=False)
    assert np.abs(c - np.eye(dim)).max() < 5.0 / np.sqrt(n)
    # Sobol' points in: every coordinate is still uniform (Kolmogorov distance tiny)
    s = rotate_uniforms(sobol_uniforms(seed_key(1), dim, 0, n), v, tau)
    assert ((s > 0) & (s < 1)).all()
    for j in range(dim):
        assert stats.kstest(s[:, j], "uniform").statistic < 1.36 / np.sqrt(n)


def _lt(seed: int, **kw: object):
    a = random_arrays(seed, **kw)  # type: ignore[arg-type]
    a = dataclasses.replace(a, qmc=QMC_SOBOL)
    dim = int(qmc_columns(a).max()) + 1
    v, tau = householder(np.random.default_rng(seed).standard_normal((2, dim)))
    return dataclasses.replace(a, qmc_v=v, qmc_tau=tau)


@pytest.mark.parametrize("scenarios", [False, True])
def test_lt_kernel_equals_twin_and_any_split(scenarios: bool) -> None:
    n = 96
    a = _lt(5, scenarios=scenarios)
    key = seed_key(9)
    whole = assert_twin_and_any_split(a, key, n)
    sob = evaluate(dataclasses.replace(a, qmc_v=np.zeros((0, 0)), qmc_tau=np.zeros(0)), key, 0, n)
    assert not np.array_equal(whole.revenue_eur, sob.revenue_eur)


def test_lt_keeps_correlated_price_scenarios() -> None:
    """With price scenarios the one uniform picks a row: still uniform, so the joint table
    (and its correlation) is what the random sampler draws from."""
    a = _lt(4, scenarios=True)
    n = 2048
    qu, qcol = qmc_tables(a, seed_key(2), 0, n)
    g = _sample_prices_numpy(a, seed_key(2), np.arange(n), (qu, qcol, 0))
    plain = _sample_prices_numpy(a, seed_key(2), np.arange(200_000), None)
    for j in range(g.shape[1]):
        assert stats.ks_2samp(g[:, j], plain[:, j]).pvalue > 1e-3
    varies = plain.std(axis=0) > 0
    if varies.sum() > 1:
        c_lt = np.corrcoef(g[:, varies], rowvar=False)
        c_plain = np.corrcoef(plain[:, varies], rowvar=False)
        assert np.abs(c_lt - c_plain).max() < 0.1


@pytest.fixture(scope="module")
def tiny_plan():
    inst = priced_tiny()
    return plan_from_result(plantopt.solve(inst, objective="profit"), inst)


def test_sobol_lt_on_a_plan_puts_profit_first(tiny_plan) -> None:
    opts = SamplingOptions(comp_spread=0.1, tc_spread=0.05, price_sigma=0.3, sampling="sobol-lt")
    spec = build_spec(tiny_plan, opts)
    assert spec.arrays.qmc_v.shape[0] >= 1
    n, key = 1024, seed_key(0)
    df = derive_metrics(tiny_plan, spec, run_raw(spec, n, 0))
    dim = spec.arrays.qmc_v.shape[1]
    z1 = ndtri(sobol_uniforms(key, dim, 0, n)[:, 0] + 2.0**-33)
    profit = df["profit_eur_per_yr"].to_numpy()
    assert abs(np.corrcoef(z1, profit)[0, 1]) > 0.8
    plain = build_spec(tiny_plan, dataclasses.replace(opts, sampling="random"))
    ref = derive_metrics(tiny_plan, plain, run_raw(plain, 20_000, 1))["profit_eur_per_yr"]
    assert stats.ks_2samp(profit, ref.to_numpy()).pvalue > 1e-3


def test_sobol_lt_needs_one_uniform_per_draw() -> None:
    with pytest.raises(SpecError, match="pert-exact"):
        SamplingOptions(sampling="sobol-lt", distribution="pert-exact")
    with pytest.raises(SpecError, match="correlated compositions"):
        SamplingOptions(
            sampling="sobol-lt", composition_correlation=default_composition_correlation()
        )


def test_lt_draws_keep_each_inputs_distribution() -> None:
    """The kernel's draws themselves (the twin's, the same numbers): every drawn composition
    and transfer coefficient against its exact Beta-PERT, every price factor's log against
    its normal (Kolmogorov-Smirnov, n = 4096; the PERT table's own error is <= 4.9e-4)."""
    from plantopt.uncertainty.kernels_mc import draw_numpy

    a = _lt(6)
    n, key = 4096, seed_key(7)
    qu, qcol = qmc_tables(a, key, 0, n)
    samples = np.arange(n)
    tc0, _, _ = a.entry_offsets()
    crit = 1.63 / np.sqrt(n) + 4.9e-4  # 1 % level, plus the table's bound
    checked = 0
    for entries, lo, mode, hi in (
        (np.arange(a.comp_nom.size), a.comp_lo.ravel(), a.comp_nom.ravel(), a.comp_hi.ravel()),
        (tc0 + np.arange(a.tc_nom.size), a.tc_lo.ravel(), a.tc_nom.ravel(), a.tc_hi.ravel()),
    ):
        drawn = (hi > lo) & (qcol[entries] >= 0)
        x = draw_numpy(key, samples, entries, lo, mode, hi, a.dist, a.pert_table, 0, (qu, qcol, 0))
        for j in np.flatnonzero(drawn):
            w = hi[j] - lo[j]
            beta = stats.beta(1 + 4 * (mode[j] - lo[j]) / w, 1 + 4 * (hi[j] - mode[j]) / w)
            assert stats.kstest((x[:, j] - lo[j]) / w, beta.cdf).statistic < crit
            checked += 1
    g = _sample_prices_numpy(a, key, samples, (qu, qcol, 0))
    for m in np.flatnonzero(a.price_sigma > 0):
        z = np.log(g[:, m]) / a.price_sigma[m]
        assert stats.kstest(z, "norm").statistic < 1.63 / np.sqrt(n)
        checked += 1
    assert checked >= 5

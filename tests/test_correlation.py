"""Correlated metal prices (issue 19): exact marginals, the stated rank correlation, and the
same reproducibility as independent draws (the kernel is unchanged)."""

from __future__ import annotations

import numpy as np
import pytest

from plantopt.instance.loader import load_instance
from plantopt.routetree.tree import build_route_tree
from plantopt.uncertainty.correlation import (
    correlated_normals,
    correlation_matrix,
    default_price_correlation,
    price_factor_table,
)
from plantopt.uncertainty.kernels_mc import _sample_inputs_numpy, seed_key
from plantopt.uncertainty.montecarlo import run_raw
from plantopt.uncertainty.normal import ndtri_numpy
from plantopt.uncertainty.robust_scenarios import full_plan
from plantopt.uncertainty.spec import SamplingOptions, SpecError, build_spec


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])


def test_marginals_exact_and_rank_correlation_as_asked() -> None:
    c = np.array([[1.0, 0.8, 0.5], [0.8, 1.0, 0.5], [0.5, 0.5, 1.0]])
    z = correlated_normals(c, 1024)
    q = ndtri_numpy((np.arange(1024) + 0.5) / 1024)
    for j in range(3):
        np.testing.assert_array_equal(np.sort(z[:, j]), q)  # stratified N(0, 1), exactly
    for i, j in ((0, 1), (0, 2), (1, 2)):
        assert spearman(z[:, i], z[:, j]) == pytest.approx(c[i, j], abs=0.03)
    np.testing.assert_array_equal(z, correlated_normals(c, 1024))  # deterministic


def test_factor_table_lognormal_with_sigma() -> None:
    table = default_price_correlation()
    mats = ("Au", "Ag", "Cu", "other")
    sigma = np.array([0.3, 0.3, 0.2, 0.0])
    factor, cum = price_factor_table(table, mats, sigma, 1024)
    assert cum[-1] == 1.0 and np.allclose(np.diff(cum), 1 / 1024)
    np.testing.assert_allclose(np.log(factor[:, :3]).std(axis=0), sigma[:3], rtol=0.01)
    assert (factor[:, 3] == 1.0).all()
    assert spearman(factor[:, 0], factor[:, 1]) == pytest.approx(0.8, abs=0.03)
    assert abs(spearman(factor[:, 0], factor[:, 2])) < 0.06  # not in the table: independent
    assert table["source"].str.len().min() > 10  # every pair says where it comes from


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    inst = load_instance("instances/nl-2027")
    return full_plan(inst, build_route_tree(inst))


def test_evaluate_sampler_draws_correlated_prices(plan) -> None:  # type: ignore[no-untyped-def]
    opts = SamplingOptions(price_sigma=0.3, price_correlation=default_price_correlation())
    a = build_spec(plan, opts).arrays
    assert a.price_mode == 1 and a.scen_factor.shape[0] == 1024
    _, _, g = _sample_inputs_numpy(a, seed_key(3), np.arange(4000))
    mats = plan.tree.materials
    au, ag, ni, co = (mats.index(m) for m in ("Au", "Ag", "Ni", "Co"))
    assert spearman(g[:, au], g[:, ag]) == pytest.approx(0.8, abs=0.05)
    assert spearman(g[:, ni], g[:, co]) == pytest.approx(0.5, abs=0.05)
    # independent by default: the log-normal mode, draws as before
    assert build_spec(plan, SamplingOptions(price_sigma=0.3)).arrays.price_mode == 0
    with pytest.raises(SpecError):
        SamplingOptions(price_correlation=default_price_correlation(), price_scenarios=a)  # type: ignore[arg-type]


def test_correlated_runs_bit_identical_across_chunkings(plan) -> None:  # type: ignore[no-untyped-def]
    opts = SamplingOptions(
        comp_spread=0.05, price_sigma=0.3, price_correlation=default_price_correlation()
    )
    spec = build_spec(plan, opts)
    a = run_raw(spec, 600, 7, chunk=16)
    b = run_raw(spec, 600, 7, chunk=64)
    np.testing.assert_array_equal(a.revenue_eur, b.revenue_eur)
    twin = run_raw(spec, 600, 7, use_numba=False)
    np.testing.assert_allclose(twin.revenue_eur, a.revenue_eur, rtol=1e-12)


def test_default_pairs_are_dated_or_say_they_are_assumptions() -> None:
    """Every default pair names a dated source (a year) or says plainly it is an
    assumption; the precious-metal block (Au, Ag, Pd, Pt) is a valid correlation matrix as
    published (no eigenvalue clipping needed), and its rank correlations are realised."""
    import re

    table = default_price_correlation()
    for src in table["source"]:
        assert src.startswith("assumption") or re.search(r"\b(19|20)\d\d\b", src), src
    assumed = set(table.loc[table["source"].str.startswith("assumption"), "material_a"])
    assert assumed == {"Ni", "Nd"}  # Ni-Co and Nd-Pr: no dated coefficient found
    mats = ("Au", "Ag", "Pd", "Pt")
    c = correlation_matrix(table, mats)
    assert np.linalg.eigvalsh(c).min() > 0.1
    z = correlated_normals(c, 1024)
    assert spearman(z[:, 0], z[:, 2]) == pytest.approx(0.37, abs=0.05)  # Michis 2023
    assert spearman(z[:, 2], z[:, 3]) == pytest.approx(0.62, abs=0.05)

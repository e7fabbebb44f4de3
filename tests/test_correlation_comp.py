"""Correlated compositions within a feed (issue 19): one-factor Gaussian copula per (feed,
material group), in the numba kernel and its NumPy twin, compositions still valid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from plantopt.instance.errors import PlantoptError
from plantopt.uncertainty.correlation import (
    COMPOSITION_GROUPS,
    composition_loadings,
    default_composition_correlation,
)
from plantopt.uncertainty.spec import SamplingOptions, SpecError


def test_loadings_from_the_table() -> None:
    table = pd.DataFrame(
        [("nmc", "cathode", 0.9), ("board", "precious", 0.5)],
        columns=["feed_class", "group", "loading"],
    )
    mats = ("Ni", "Co", "Au", "Cu", "other")
    load, group = composition_loadings(table, ("nmc", "board", "x"), mats)
    assert group.tolist() == [0, 0, 1, -1, -1]
    want = np.zeros((3, 5))
    want[0, :2], want[1, 2] = 0.9, 0.5
    np.testing.assert_allclose(load, want)
    bad = table.assign(group=["cathode", "metals"])
    with pytest.raises(PlantoptError, match="row 3, column 'group': 'metals'"):
        composition_loadings(bad, ("nmc",), mats)
    with pytest.raises(PlantoptError, match="row 2, column 'loading'"):
        composition_loadings(table.assign(loading=[1.5, 0.5]), ("nmc",), mats)
    assert [g for g, _ in COMPOSITION_GROUPS] == ["cathode", "precious", "magnet"]
    assert set(default_composition_correlation()["group"]) <= {"cathode", "precious", "magnet"}


def test_sobol_and_pert_exact_are_refused() -> None:
    table = default_composition_correlation()
    with pytest.raises(SpecError, match="correlated compositions"):
        SamplingOptions(composition_correlation=table, sampling="sobol")
    with pytest.raises(SpecError, match="correlated compositions"):
        SamplingOptions(composition_correlation=table, distribution="pert-exact")


def _spec(correlated: bool, dist: str = "pert") -> tuple[Any, Any]:
    from plantopt.instance.loader import load_instance
    from plantopt.routetree.tree import build_route_tree
    from plantopt.uncertainty.robust_scenarios import full_plan
    from plantopt.uncertainty.spec import build_spec

    inst = load_instance("instances/nl-2027")
    tree = build_route_tree(inst)
    opts = SamplingOptions(
        comp_spread=0.1,
        tc_spread=0.05,
        distribution=dist,
        composition_correlation=default_composition_correlation() if correlated else None,
    )
    return build_spec(full_plan(inst, tree), opts), tree


def _rank_corr(x: np.ndarray, y: np.ndarray) -> float:
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])


@pytest.mark.parametrize("dist", ["pert", "triangular"])
def test_a_feed_s_cathode_metals_move_together_and_stay_valid(dist: str) -> None:
    from plantopt.uncertainty.kernels_mc import _sample_inputs_numpy, seed_key

    samples = np.arange(4000, dtype=np.int64)
    out = {}
    for corr in (False, True):
        spec, tree = _spec(corr, dist)
        comp = _sample_inputs_numpy(spec.arrays, seed_key(3), samples)[0]
        out[corr] = comp
        # valid: every feed sums to its nominal total, every fraction within [0, 1]
        np.testing.assert_allclose(
            comp.sum(axis=2), np.broadcast_to(tree.comp.sum(axis=1), comp.shape[:2]), rtol=1e-12
        )
        assert (comp >= 0).all() and (comp <= 1).all()
    f = list(tree.feeds).index("ev_nmc811")
    ni, co, cu = (list(tree.materials).index(m) for m in ("Ni", "Co", "Cu"))
    # normal-score correlation 0.81 -> rank correlation (6/pi) asin(0.81/2) = 0.796
    assert _rank_corr(out[True][:, f, ni], out[True][:, f, co]) == pytest.approx(0.796, abs=0.05)
    assert abs(_rank_corr(out[False][:, f, ni], out[False][:, f, co])) < 0.05
    # Cu is in no group: it stays independent of Ni
    assert abs(_rank_corr(out[True][:, f, ni], out[True][:, f, cu])) < 0.05
    # the marginals are unchanged (same range and shape): means agree within sampling error
    sd = out[False][:, f, ni].std() / np.sqrt(samples.size)
    assert abs(out[True][:, f, ni].mean() - out[False][:, f, ni].mean()) < 5 * sd


def test_kernel_and_twin_agree_with_correlated_compositions() -> None:
    pytest.importorskip("numba")
    from plantopt.uncertainty.kernels_mc import evaluate, evaluate_numpy, seed_key

    spec, _ = _spec(True)
    a = spec.arrays
    assert a.comp_load.shape[0] > 0 and (a.comp_load > 0).any()
    k = seed_key(5)
    fast = evaluate(a, k, 10, 200, chunk=16)
    twin = evaluate_numpy(a, k, 10, 200)
    for x, y in zip(fast.as_tuple(), twin.as_tuple()):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-9)
    plain = evaluate(_spec(False)[0].arrays, k, 10, 200, chunk=16)
    assert not np.allclose(plain.input_t, fast.input_t)  # the draws did change

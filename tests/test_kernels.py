"""Numba kernels against their NumPy twins, thread-count and chunking invariance, the RNG.

Random inputs are random route trees with random compositions, transfer-coefficient groups,
prices, ranges and targets (``random_arrays``); hypothesis drives the seeds.
"""

from __future__ import annotations

from dataclasses import replace

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plantopt.routetree import kernels
from plantopt.uncertainty import kernels_mc
from plantopt.uncertainty.kernels_mc import (
    MCArrays,
    evaluate,
    evaluate_numpy,
    seed_key,
    uniforms_numpy,
)
from plantopt.uncertainty.pert_table import pert_quantile_table

pytestmark = pytest.mark.skipif(not kernels_mc.HAVE_NUMBA, reason="numba disabled")


def random_arrays(
    seed: int,
    n_targets: int = 3,
    scenarios: bool = False,
    dist: int = kernels_mc.DIST_PERT,
    other_zero: bool = False,
    money: bool = True,
) -> MCArrays:
    """A random but well-formed kernel input: tc rows grouped in (unit, class) pairs whose
    nominal rows sum to 1 per material, compositions summing to 1 with 'other' last; with
    ``money`` every product has a re-use value and repurposing cost (EUR/t), about half of
    them with a range (drawn from their own generator: the other arrays do not change)."""
    rng = np.random.default_rng(seed)
    n_f, n_m, n_u, n_p = int(rng.integers(1, 4)), int(rng.integers(2, 7)), 3, 3
    comp = rng.dirichlet(np.ones(n_m), size=n_f)
    comp[rng.random((n_f, n_m)) < 0.2] = 0.0
    comp[:, -1] = 0.0
    comp[:, -1] = 1.0 - comp.sum(axis=1)  # 'other' takes the remainder
    if other_zero:  # 'other' structurally absent: the named materials sum to 1
        comp[:, :-1] += 1e-3 * (comp[:, :-1] == 0)
        comp[:, :-1] /= comp[:, :-1].sum(axis=1, keepdims=True)
        comp[:, -1] = 0.0
    lo = comp * rng.uniform(0.5, 1.0, comp.shape)
    hi = np.minimum(comp * rng.uniform(1.0, 1.5, comp.shape), 1.0)
    lo[:, -1] = hi[:, -1] = comp[:, -1]
    pair_sizes = rng.integers(1, 4, size=int(rng.integers(1, 5)))
    pair_ptr = np.concatenate([[0], np.cumsum(pair_sizes)]).astype(np.int64)
    n_k = int(pair_ptr[-1])
    tc = np.zeros((n_k, n_m))
    for q in range(len(pair_sizes)):
        tc[pair_ptr[q] : pair_ptr[q + 1]] = rng.dirichlet(np.ones(pair_sizes[q]), size=n_m).T
    tc_lo = tc * rng.uniform(0.7, 1.0, tc.shape)
    tc_hi = np.minimum(tc * rng.uniform(1.0, 1.3, tc.shape), 1.0)
    # tree: entry nodes per feed, then children that apply a random row to a unit parent
    parent, feed, row, kind, target = [], [], [], [], []
    for f in range(n_f):
        parent.append(-1)
        feed.append(f)
        row.append(-1)
        kind.append(0)
        target.append(int(rng.integers(n_u)))
    for _ in range(int(rng.integers(3, 25))):
        units = [i for i, k in enumerate(kind) if k == 0]
        p = int(rng.choice(units))
        parent.append(p)
        feed.append(feed[p])
        row.append(int(rng.integers(n_k)))
        k = int(rng.integers(4))
        kind.append(k)
        target.append(int(rng.integers(n_u if k == 0 else n_p)))
    n_a = len(parent)
    tptr = np.zeros(n_a + 1, dtype=np.int64)
    tidx, tw = [], []
    for a in range(n_a):
        for t in range(n_targets):
            if rng.random() < 0.4:
                tidx.append(t)
                tw.append(1.0)
        tptr[a + 1] = len(tidx)
    factors = rng.lognormal(0.0, 0.3, size=(4, n_m))
    cum = np.cumsum(rng.dirichlet(np.ones(4)))
    cum[-1] = 1.0
    spread = (hi > lo)[:, :-1].any(axis=1).astype(np.int8)
    widths = tc_hi > tc_lo
    pair_spread = np.array(
        [widths[pair_ptr[q] : pair_ptr[q + 1]].any(axis=0) for q in range(len(pair_sizes))],
        dtype=np.int8,
    )
    coef = np.zeros((n_a, n_m))  # nominal coefficients give each node's material support
    for i in range(n_a):
        coef[i] = comp[feed[i]] if parent[i] < 0 else coef[parent[i]] * tc[row[i]]
    support = coef > 0
    arrays = MCArrays(
        comp_nom=comp,
        comp_lo=lo,
        comp_hi=hi,
        feed_total=comp.sum(axis=1),
        feed_spread=spread,
        other=n_m - 1,
        tc_nom=tc,
        tc_lo=tc_lo,
        tc_hi=tc_hi,
        pair_ptr=pair_ptr,
        pair_spread=pair_spread,
        dist=dist,
        pert_table=pert_quantile_table(),
        lhs_n=0,
        value=rng.uniform(0, 1e4, (n_p, n_m)),
        rec=(rng.random((n_p, n_m)) < 0.5) * 1.0,
        price_sigma=rng.uniform(0, 0.5, n_m),
        price_mode=1 if scenarios else 0,
        scen_factor=factors,
        scen_cum=cum,
        accept=rng.uniform(0, 1000, n_f),
        node_parent=np.array(parent, dtype=np.int64),
        node_feed=np.array(feed, dtype=np.int64),
        node_row=np.array(row, dtype=np.int64),
        node_kind=np.array(kind, dtype=np.int64),
        node_target=np.array(target, dtype=np.int64),
        node_flow=rng.uniform(0, 100, n_a),
        node_route_cost=rng.uniform(0, 50, n_a) * (rng.random(n_a) < 0.5),
        n_units=n_u,
        node_sptr=np.concatenate([[0], np.cumsum(support.sum(axis=1))]).astype(np.int64),
        node_smat=np.nonzero(support)[1].astype(np.int64),
        t_mat=rng.integers(-1, n_m, size=n_targets).astype(np.int64),
        t_cover=(rng.random((n_targets, n_f)) < 0.7) * 1.0,
        node_tptr=tptr,
        node_tidx=np.array(tidx, dtype=np.int64),
        node_tw=np.array(tw, dtype=float),
    )
    if not money:
        return arrays
    mrng = np.random.default_rng(seed + 1_000_003)
    nom = mrng.uniform(0, 5000, (n_p, 2))
    ranged = mrng.random((n_p, 2)) < 0.5
    ranged[0, 0] = True  # at least one drawn entry
    lo = np.where(ranged, nom * mrng.uniform(0.3, 1.0, nom.shape), nom)
    hi = np.where(ranged, nom * mrng.uniform(1.0, 2.0, nom.shape), nom)
    return replace(arrays, money_nom=nom, money_lo=lo, money_hi=hi)


def assert_outputs_close(
    x: kernels_mc.MCOutput, y: kernels_mc.MCOutput, rtol: float = 1e-12
) -> None:
    for a, b in zip(x.as_tuple(), y.as_tuple()):
        scale = np.maximum(np.abs(b), 1e-300)
        err = np.abs(a - b) / scale
        # absolute floor for sums that cancel to ~0 (e.g. mass-balance residuals)
        assert ((err <= rtol) | (np.abs(a - b) <= 1e-12)).all(), float(err.max())


def assert_twin_and_any_split(
    a: kernels_mc.MCArrays, key: np.ndarray, n: int
) -> kernels_mc.MCOutput:
    """Samples 0..n-1 (n = 96): the kernel equals its NumPy twin, and gives the same bits
    with one thread and another chunk size, and in three batches of 32; returns them."""
    whole = evaluate(a, key, 0, n, chunk=16)
    assert_outputs_close(whole, evaluate_numpy(a, key, 0, n))
    threads = numba.config.NUMBA_NUM_THREADS
    try:
        numba.set_num_threads(1)
        one = evaluate(a, key, 0, n, chunk=7)
    finally:
        numba.set_num_threads(threads)
    parts = [evaluate(a, key, s0, 32, chunk=5) for s0 in (0, 32, 64)]
    for x, y in zip(whole.as_tuple(), one.as_tuple()):
        assert np.array_equal(x, y)
    for i, x in enumerate(whole.as_tuple()):
        assert np.array_equal(x, np.concatenate([p.as_tuple()[i] for p in parts]))
    return whole


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scenarios=st.booleans(),
    master=st.integers(0, 2**40),
    dist=st.sampled_from([kernels_mc.DIST_PERT, kernels_mc.DIST_TRIANGULAR]),
    other_zero=st.booleans(),
)
def test_kernel_equals_numpy_twin(
    seed: int, scenarios: bool, master: int, dist: int, other_zero: bool
) -> None:
    a = random_arrays(seed, scenarios=scenarios, dist=dist, other_zero=other_zero)
    key = seed_key(master)
    assert_outputs_close(evaluate(a, key, 3, 40, chunk=8), evaluate_numpy(a, key, 3, 40))


def test_identical_for_one_and_two_threads_and_any_chunking() -> None:
    a = random_arrays(7)
    key = seed_key(11)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = evaluate(a, key, 0, 500, chunk=16)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = evaluate(a, key, 0, 500, chunk=16)
        other_chunks = evaluate(a, key, 0, 500, chunk=5)
    finally:
        numba.set_num_threads(before)
    split = [evaluate(a, key, 0, 200), evaluate(a, key, 200, 300)]
    for x, y, z, s0, s1 in zip(
        one.as_tuple(),
        two.as_tuple(),
        other_chunks.as_tuple(),
        split[0].as_tuple(),
        split[1].as_tuple(),
    ):
        assert np.array_equal(x, y)  # bit-identical, not merely close
        assert np.array_equal(x, z)
        assert np.array_equal(x, np.concatenate([s0, s1]))


@pytest.mark.parametrize("other_zero", [False, True])
def test_sampled_compositions_keep_the_feed_total(other_zero: bool) -> None:
    a = random_arrays(12, other_zero=other_zero)
    comp, _, _ = kernels_mc._sample_inputs_numpy(a, seed_key(3), np.arange(2000))
    np.testing.assert_allclose(
        comp.sum(axis=2), np.broadcast_to(a.feed_total, comp.shape[:2]), rtol=1e-12
    )
    assert (comp >= 0).all()
    assert (comp[:, a.comp_nom == 0] == 0).all()  # structural zeros stay zero ('other' too)
    assert comp.std(axis=0).max() > 0


def test_zero_spread_gives_nominal_every_sample() -> None:
    a = random_arrays(3)
    flat = MCArrays(
        **{
            **a.__dict__,
            "comp_lo": a.comp_nom,
            "comp_hi": a.comp_nom,
            "tc_lo": a.tc_nom,
            "tc_hi": a.tc_nom,
            "feed_spread": np.zeros_like(a.feed_spread),
            "pair_spread": np.zeros_like(a.pair_spread),
            "price_sigma": np.zeros_like(a.price_sigma),
            "money_lo": a.money_nom,
            "money_hi": a.money_nom,
        }
    )
    assert (a.money_hi > a.money_lo).any()  # the unflattened arrays draw re-use money
    out = evaluate(flat, seed_key(1), 0, 64)
    for arr in out.as_tuple():
        assert (arr == arr[:1]).all()
    np.testing.assert_array_equal(out.input_t[0], flat.accept @ flat.comp_nom)


def test_uniforms_are_uniform_and_decorrelated() -> None:
    u = uniforms_numpy(seed_key(5), np.arange(20_000), np.arange(4))
    assert u.min() >= 0.0 and u.max() < 1.0
    # mean 1/2 and variance 1/12 within ~5 standard errors; neighbours uncorrelated
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 5 * 0.0745 / np.sqrt(u.size)
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 5 / np.sqrt(u.shape[0])
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 5 / np.sqrt(u.shape[0])
    other = uniforms_numpy(seed_key(6), np.arange(20_000), np.arange(4))
    assert not np.array_equal(u, other)


def test_pert_mean_variance_and_bounds() -> None:
    n = 50_000
    lo, mode, hi = 0.1, 0.2, 0.6
    x = kernels_mc.draw_numpy(
        seed_key(9),
        np.arange(n),
        np.array([3]),
        np.array([lo]),
        np.array([mode]),
        np.array([hi]),
        kernels_mc.DIST_PERT,
    )[:, 0]
    assert x.min() >= lo and x.max() <= hi
    # PERT: alpha = 1 + 4 (mode - lo)/(hi - lo) = 1.8, beta = 4.2; mean (lo + 4 mode + hi)/6
    al, be = 1.8, 4.2
    mean = (lo + 4 * mode + hi) / 6
    var = (hi - lo) ** 2 * al * be / ((al + be) ** 2 * (al + be + 1))
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / n)
    assert abs(x.var() - var) < 0.05 * var
    # the compiled draws equal the twin's on a random tree
    a = random_arrays(4, dist=kernels_mc.DIST_PERT)
    k, t = evaluate(a, seed_key(9), 0, 200), evaluate_numpy(a, seed_key(9), 0, 200)
    assert_outputs_close(k, t)


def test_triangular_mean_and_bounds() -> None:
    lo, mode, hi = 0.2, 0.3, 0.7
    x = kernels_mc.draw_numpy(
        seed_key(2),
        np.arange(100_000),
        np.array([0]),
        np.array([lo]),
        np.array([mode]),
        np.array([hi]),
        kernels_mc.DIST_TRIANGULAR,
    )[:, 0]
    assert x.min() >= lo and x.max() <= hi
    mean = (lo + mode + hi) / 3
    sd = np.sqrt((lo**2 + mode**2 + hi**2 - lo * mode - lo * hi - mode * hi) / 18)
    assert abs(x.mean() - mean) < 5 * sd / np.sqrt(x.size)
    # the mode is the nominal value: the CDF at the mode is (mode - lo) / (hi - lo)
    assert abs((x < mode).mean() - (mode - lo) / (hi - lo)) < 0.01


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_route_tree_coefficient_kernel_equals_twin(seed: int) -> None:
    a = random_arrays(seed)
    tcrow = np.where(a.node_row < 0, -1, a.node_row)
    twin = kernels.node_coefficients_numpy(a.comp_nom, a.tc_nom, a.node_feed, a.node_parent, tcrow)
    kernel = kernels._jit()  # the numba kernel that node_coefficients uses on large trees
    assert kernel is not None
    fast = np.empty_like(twin)
    tc = a.tc_nom if len(a.tc_nom) else np.zeros((1, a.comp_nom.shape[1]))
    kernel(
        a.comp_nom,
        np.ascontiguousarray(tc),
        a.node_feed.astype(np.int64),
        a.node_parent.astype(np.int64),
        tcrow.astype(np.int64),
        fast,
    )
    np.testing.assert_array_equal(fast, twin)
    # and the dispatcher gives the same numbers whichever path it takes
    np.testing.assert_array_equal(
        kernels.node_coefficients(a.comp_nom, a.tc_nom, a.node_feed, a.node_parent, tcrow), twin
    )

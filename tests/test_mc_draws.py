"""The kernel's block draw pass (kernels_mc_draws) against the twin's draws and the exact
Beta-PERT sampler, and the kernel's invariance across blocks, chunks and threads."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from scipy import stats

from plantopt.uncertainty import kernels_mc
from plantopt.uncertainty.kernels_mc import seed_key
from plantopt.uncertainty.kernels_mc_draws import (
    ITEM_DRAW,
    ITEM_PRICE,
    DrawItems,
    _table_coords,
    draw_block,
    draw_items,
)
from plantopt.uncertainty.kernels_mc_twin import _sample_prices_numpy, draw_numpy
from plantopt.uncertainty.pert_table import pert_quantile_table
from tests.test_kernels import random_arrays

pytestmark = pytest.mark.skipif(not kernels_mc.HAVE_NUMBA, reason="numba disabled")
NO_QMC = (np.zeros((0, 0)), np.zeros(0, dtype=np.int64))


def _block(items: DrawItems, key: int, s0: int, n: int, dist: int) -> np.ndarray:
    buf = np.empty((items.kind.shape[0], n))
    draw_block(np.uint64(key), s0, 0, n, items.as_tuple(), dist, pert_quantile_table(), 0,
               *NO_QMC, buf)  # fmt: skip
    return buf


@pytest.mark.parametrize(
    "dist", [kernels_mc.DIST_PERT, kernels_mc.DIST_TRIANGULAR, kernels_mc.DIST_PERT_EXACT]
)
@pytest.mark.parametrize("seed", [1, 5, 9])
def test_draw_pass_gives_the_twins_draws_bit_for_bit(dist: int, seed: int) -> None:
    a = random_arrays(seed, dist=dist)
    items = draw_items(a)
    key, s0, n = seed_key(seed), 1000, 300
    buf = _block(items, key, s0, n, dist)
    samples = np.arange(s0, s0 + n)
    plain = items.kind == ITEM_DRAW
    assert plain.sum() > 0
    twin = draw_numpy(
        key,
        samples,
        items.entry[plain],
        items.lo[plain],
        items.mode[plain],
        items.hi[plain],
        dist,
        pert_quantile_table(),
    )
    if dist == kernels_mc.DIST_PERT_EXACT:  # libm and NumPy logarithms: last bits
        np.testing.assert_allclose(buf[plain].T, twin, rtol=1e-12)
    else:  # one uniform, hoisted table row: the same numbers
        assert np.array_equal(buf[plain].T, twin)
    g = _sample_prices_numpy(a, key, samples, None)
    for m, it in enumerate(items.price_slot[:-1]):
        if it >= 0:
            assert items.kind[it] == ITEM_PRICE
            np.testing.assert_allclose(buf[it], g[:, m], rtol=1e-14)


@pytest.mark.parametrize(
    "lo,mode,hi", [(0.0, 0.5, 1.0), (0.10, 0.12, 0.20), (0.9, 0.99, 1.0), (3.0, 3.9, 4.0)]
)
def test_kernel_pert_draws_pass_ks_against_the_exact_sampler(
    lo: float, mode: float, hi: float
) -> None:
    n = 20_000
    one = np.array([1.0])
    lo_, mode_, hi_ = lo * one, mode * one, hi * one
    width, trow, tw = _table_coords(pert_quantile_table(), lo_, mode_, hi_, one > 0)
    z = np.zeros(1, dtype=np.int64)
    slots = (np.zeros((0, 0), dtype=np.int64),) * 3 + (np.zeros(1, dtype=np.int64),)
    item = DrawItems(z, z + 3, z - 1, 0 * one, lo_, mode_, hi_, width, trow, tw, *slots)
    table = _block(item, 11, 0, n, kernels_mc.DIST_PERT)[0]
    exact = _block(item, 12, 0, n, kernels_mc.DIST_PERT_EXACT)[0]
    assert stats.ks_2samp(table, exact).pvalue > 0.01
    a, b = 1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo)
    ref = stats.beta(a, b, loc=lo, scale=hi - lo)
    assert stats.kstest(table, ref.cdf).pvalue > 0.01
    assert stats.kstest(exact, ref.cdf).pvalue > 0.01


def test_results_identical_across_blocks_chunks_and_threads() -> None:
    a = random_arrays(21)
    key = seed_key(4)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        ref = kernels_mc.evaluate(a, key, 5, 301, chunk=64)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        runs = [kernels_mc.evaluate(a, key, 5, 301, chunk=c) for c in (1, 15, 16, 17, 37, 301)]
    finally:
        numba.set_num_threads(before)
    split = [kernels_mc.evaluate(a, key, 5, 7), kernels_mc.evaluate(a, key, 12, 294)]
    for out in [*runs]:
        for x, y in zip(ref.as_tuple(), out.as_tuple()):
            assert np.array_equal(x, y)
    for x, y0, y1 in zip(ref.as_tuple(), split[0].as_tuple(), split[1].as_tuple()):
        assert np.array_equal(x, np.concatenate([y0, y1]))

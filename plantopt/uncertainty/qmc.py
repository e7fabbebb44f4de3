"""Scrambled Sobol' uniforms for the Monte Carlo kernels (quasi-Monte Carlo sampling).

With ``MCArrays.qmc == QMC_SOBOL`` every random entry ``e`` that is drawn with one uniform
(a composition or transfer coefficient with hi > lo, a log-normal price factor with
sigma > 0, the price-scenario pick) gets its own Sobol' dimension ``col[e]``; the uniform of
entry ``e`` in sample ``s`` is

    u[s, e] = x_s[col[e]]      x_s: point s of the scrambled Sobol' sequence of dimension D

(scipy.stats.qmc.Sobol, linear matrix scramble plus digital shift, the scramble drawn from
``numpy.random.default_rng(key)``). Point ``s`` depends only on (key, D, s): a batch of
samples ``s0 .. s0 + n - 1`` is computed by random access in Gray-code order (exact
integers, :func:`sobol_uniforms`), so any split of the samples over batches, chunks and
threads gives bit-identical uniforms. With ``MCArrays.qmc_v`` set (``sampling="sobol-lt"``,
:mod:`plantopt.uncertainty.qmc_lt`) the points are rotated in normal scores first
(:func:`rotate_uniforms`). Price factors use the inverse normal CDF of their uniform (as
Latin hypercube). Dimensions are ordered prices first, then the scenario pick, compositions,
transfer coefficients and the re-use money per product (the first Sobol' dimensions are the
most uniform). Scrambled Sobol' estimates are unbiased; their error falls faster than
1/sqrt(n) for smooth metrics, and best at n a power of two.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable

import numpy as np

from plantopt.uncertainty.mc_arrays import MCArrays
from plantopt.uncertainty.normal import ndtri, ndtri_numpy

QMC_NONE, QMC_SOBOL = 0, 1
SOBOL_BITS = 32  # resolution of the uniforms (2**-32) and at most 2**32 points


def qmc_columns(a: MCArrays) -> np.ndarray:
    """Sobol' dimension of each random entry (E,), -1 for entries never drawn."""
    f_n, m_n = a.comp_nom.shape
    tc0, pr0, _ = a.entry_offsets()
    col = np.full(a.n_entries(), -1, dtype=np.int64)
    comp = (a.comp_hi > a.comp_lo) & (a.feed_spread[:, None] > 0)
    if a.other >= 0:  # 'other' is not drawn: it absorbs the change
        comp[:, a.other] = False
    pair_of_row = np.repeat(np.arange(len(a.pair_ptr) - 1), np.diff(a.pair_ptr))
    tc = (a.tc_hi > a.tc_lo) & (a.pair_spread[pair_of_row] > 0)
    if a.price_mode == 0:
        price = pr0 + np.flatnonzero(a.price_sigma > 0)
    else:
        price = np.array([pr0 + m_n], dtype=np.int64)
    money = a.money_entry0() + np.flatnonzero((a.money_hi > a.money_lo).ravel())
    used = np.concatenate(
        [price, np.flatnonzero(comp.ravel()), tc0 + np.flatnonzero(tc.ravel()), money]
    ).astype(np.int64)
    col[used] = np.arange(used.shape[0])
    return col


@functools.lru_cache(maxsize=8)
def _scrambled(key: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Scrambled direction numbers (dim, 32) and digital shift (dim,) of scipy's keyed
    scrambled Sobol' engine (made once per (key, dim): the scramble costs some 30 ms)."""
    from scipy.stats import qmc

    eng = qmc.Sobol(dim, scramble=True, bits=SOBOL_BITS, rng=np.random.default_rng(key))
    sv, shift = eng._sv.copy(), eng._shift.copy()
    sv.flags.writeable = shift.flags.writeable = False
    return sv, shift


def sobol_uniforms(key: int, dim: int, sample0: int, n_samples: int) -> np.ndarray:
    """Points ``sample0 .. sample0 + n_samples - 1`` (n, dim) of the keyed scrambled Sobol',
    the points of scipy's engine (``qmc.Sobol(dim, scramble=True, bits=32, rng=key)``) by
    random access in Gray-code order: point s is shift ^ XOR_b [bit b of s ^ (s >> 1)] v_b
    times 2**-32, and point s + 1 is point s ^ v_c, c the lowest zero bit of s. So a batch
    costs O(n dim) wherever it starts (fast-forwarding the engine costs O(sample0 dim))."""
    if dim == 0:
        return np.zeros((n_samples, 0))
    if sample0 + n_samples > 2**SOBOL_BITS:
        raise ValueError(f"Sobol' sampling covers at most 2**{SOBOL_BITS} samples")
    sv, shift = _scrambled(int(key), int(dim))
    gray = sample0 ^ (sample0 >> 1)
    first = shift.copy()
    for b in range(SOBOL_BITS):
        if (gray >> b) & 1:
            first ^= sv[:, b]
    steps = np.empty((n_samples, dim), dtype=sv.dtype)
    steps[0] = first
    if n_samples > 1:
        t = np.arange(sample0, sample0 + n_samples - 1, dtype=np.int64)
        low0 = _trailing_ones(t)
        steps[1:] = sv.T[low0]
        np.bitwise_xor.accumulate(steps, axis=0, out=steps)
    return steps * (1.0 / 2**SOBOL_BITS)


def _trailing_ones(t: np.ndarray) -> np.ndarray:
    """Number of trailing 1 bits of each t >= 0 (the lowest zero bit's position)."""
    out = np.zeros(t.shape, dtype=np.int64)
    x = t.copy()
    while True:
        odd = (x & 1) == 1
        if not odd.any():
            return out
        out += odd
        x = np.where(odd, x >> 1, 0)


def qmc_tables(
    a: MCArrays, key: int, sample0: int, n_samples: int, uniforms: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's QMC inputs: uniforms (n, D) and columns (E,); empty when not QMC.
    ``uniforms``: use these points (n, D) as they are instead of the run's."""
    if a.qmc == QMC_NONE:
        return np.zeros((0, 0)), np.zeros(0, dtype=np.int64)
    col = qmc_columns(a)
    if uniforms is not None:
        return np.ascontiguousarray(uniforms, dtype=np.float64), col
    dim = int(col.max(initial=-1)) + 1
    u = sobol_uniforms(key, dim, sample0, n_samples)
    if a.qmc_v.shape[0]:
        u = rotate_uniforms(u, a.qmc_v, a.qmc_tau)
    return u, col


# ------------------------------------------------------- linear transformation (qmc_lt)

HALF_CELL = 2.0 ** -(SOBOL_BITS + 1)  # Sobol' coordinates are k 2**-32: use cell midpoints
INV_SQRT2 = 1.0 / math.sqrt(2.0)
U_MAX = 1.0 - 2.0**-53  # largest double below 1 (the counter-based uniforms' largest value)


def householder(directions: np.ndarray, rtol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Householder vectors V (k, D) and factors tau (k,) of R = H_0 H_1 ... H_(k-1),
    H_j = I - tau_j v_j v_j^T (v_j zero before index j), such that column j of R is, up to
    its sign, the unit part of the j-th kept row of ``directions`` (m, D) orthogonal to the
    earlier rows (Gram-Schmidt order). A row whose orthogonal part is below ``rtol`` of its
    norm is skipped (it adds no direction). R is orthogonal: R R^T = I."""
    a = np.array(directions, dtype=np.float64).T.copy()  # (D, m)
    d = a.shape[0]
    vs: list[np.ndarray] = []
    taus: list[float] = []
    for c in range(a.shape[1]):
        j = len(vs)
        full = float(np.sqrt((a[:, c] ** 2).sum()))
        x = a[j:, c]
        norm = float(np.sqrt((x**2).sum()))
        if j >= d or full == 0.0 or norm <= rtol * full:
            continue
        alpha = -norm if x[0] >= 0 else norm
        v = np.zeros(d)
        v[j:] = x
        v[j] -= alpha
        tau = 2.0 / float((v[j:] ** 2).sum())
        a[j:, c:] -= tau * np.outer(v[j:], v[j:] @ a[j:, c:])
        vs.append(v)
        taus.append(tau)
    if not vs:
        return np.zeros((0, d)), np.zeros(0)
    return np.array(vs), np.array(taus)


def _reflect_cols(zt, v, tau):  # pragma: no cover - compiled (the twin: _reflect_cols_numpy)
    """zt[:, s] <- H_0 H_1 ... H_(k-1) zt[:, s] for every sample s (column; the last
    reflection first); each dot product summed in index order over the nonzero entries of
    v_j, so a sample's result depends on that sample alone (the inner loops run over the
    samples: they vectorise without reassociation)."""
    d, n = zt.shape
    dot = np.empty(n)
    for j in range(v.shape[0] - 1, -1, -1):
        dot[:] = 0.0
        for i in range(d):
            vi = v[j, i]
            if vi != 0.0:
                for s in range(n):
                    dot[s] += vi * zt[i, s]
        for s in range(n):
            dot[s] *= tau[j]
        for i in range(d):
            vi = v[j, i]
            if vi != 0.0:
                for s in range(n):
                    zt[i, s] -= dot[s] * vi


def _reflect_cols_numpy(zt: np.ndarray, v: np.ndarray, tau: np.ndarray) -> None:
    """:func:`_reflect_cols` with NumPy (the same operations in the same order)."""
    for j in range(v.shape[0] - 1, -1, -1):
        dot = np.zeros(zt.shape[1])
        nz = np.flatnonzero(v[j])
        for i in nz:
            dot += v[j, i] * zt[i]
        dot *= tau[j]
        for i in nz:
            zt[i] -= dot * v[j, i]


def _rotate_cols(ut, v, tau):  # pragma: no cover - compiled
    """In place: ut[:, s] <- Phi(R Phi^-1(ut[:, s] + 2**-33)) for every sample s (the
    inverse CDF by AS241, Phi by erfc, both per element)."""
    d, n = ut.shape
    for i in range(d):
        for s in range(n):
            ut[i, s] = _ndtri_jit(ut[i, s] + HALF_CELL)
    _reflect_jit(ut, v, tau)
    for i in range(d):
        for s in range(n):
            ut[i, s] = min(0.5 * math.erfc(-ut[i, s] * INV_SQRT2), U_MAX)


def _rotate_cols_numpy(ut: np.ndarray, v: np.ndarray, tau: np.ndarray) -> None:
    """:func:`_rotate_cols` with NumPy (the same formulas, vectorised)."""
    from scipy.special import erfc

    ut[...] = ndtri_numpy(ut + HALF_CELL)
    _reflect_cols_numpy(ut, v, tau)
    ut[...] = np.minimum(0.5 * erfc(-ut * INV_SQRT2), U_MAX)


def rotate_uniforms(u: np.ndarray, v: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Uniforms of the rotated points: Phi(R Phi^-1(u + 2**-33)) sample by sample (R from
    :func:`householder`). R is orthogonal, so if a point's normal scores are iid N(0, 1) so
    are the rotated ones: every point keeps the exact joint distribution of the inputs
    (uniform on the unit cube), only the point set's uniformity is moved to the chosen
    directions. Dimensions where every v_j is zero are left alone (R is the identity there)."""
    dims = np.flatnonzero(v.any(axis=0))
    ut = np.ascontiguousarray(u[:, dims].T)
    vd = np.ascontiguousarray(v[:, dims])
    if _rotate_jit is not None:
        _rotate_jit(ut, vd, np.ascontiguousarray(tau))
    else:  # pragma: no cover
        _rotate_cols_numpy(ut, vd, tau)
    out = u.copy()
    out[:, dims] = ut.T
    return out


_reflect_jit: Callable[..., None] | None = None
_rotate_jit: Callable[..., None] | None = None
if os.environ.get("PLANTOPT_DISABLE_NUMBA", "") == "":
    try:  # numba is imported with the kernels anyway (this module is one of their inputs)
        from numba import njit

        _ndtri_jit = njit(cache=True)(ndtri)
        _reflect_jit = njit(cache=True, nogil=True)(_reflect_cols)
        _rotate_jit = njit(cache=True, nogil=True)(_rotate_cols)
    except ImportError:  # pragma: no cover
        pass

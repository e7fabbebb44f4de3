"""Draw pass of the Monte Carlo kernel: every random input of a block of samples at once.

The kernel (:mod:`plantopt.uncertainty.kernels_mc`) splits a chunk of samples into blocks of
``BLOCK`` samples. For each block it first fills ``buf[item, lane]`` with the draws of every
random *item* of the plan (an uncertain composition, transfer coefficient or re-use money
entry, a log-normal price factor, the price-scenario pick) for the block's samples, item by
item (the item's constants stay in registers and the samples' draws are independent, so the
loads of the inverse-CDF table overlap), and then walks the route tree for all the block's
samples at once (:mod:`plantopt.uncertainty.kernels_mc_walk`), reading the draws from ``buf``.
The draws are the ones of :func:`draw_numpy` and the NumPy twin, bit for bit: each depends
only on (key, sample, entry). For the tabulated PERT the shape's table row and weight (``i``,
``tr`` in :mod:`plantopt.uncertainty.pert_table`) depend only on the entry and are computed
once per call here, with the same floating-point operations as ``pert_table_numpy``; a draw
is then the interpolation in ``u`` alone:

    fu = u (N_U - 1),  j = min(floor(fu), N_U - 2),  tu = fu - j
    q0 = Q[i, j] + tu (Q[i, j+1] - Q[i, j]),  q1 = Q[i+1, j] + tu (Q[i+1, j+1] - Q[i+1, j])
    x  = lo + (hi - lo) (q0 + tr (q1 - q0))

Item kinds: ``ITEM_DRAW`` (the run's distribution on lo/mode/hi), ``ITEM_CORR`` (correlated
composition: u = Phi(load z_f + sqrt(1 - load^2) z_e), then the distribution's inverse CDF),
``ITEM_PRICE`` (exp(sigma z), z by Box-Muller, or by the inverse normal CDF of one uniform
under Latin hypercube and Sobol' sampling), ``ITEM_UNIFORM`` (the scenario pick's uniform).
The draw functions are compiled without fastmath (no contraction), as the twin computes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from plantopt.uncertainty.mc_arrays import (
    COMP_GROUPS,
    GAMMA_TRIES,
    GOLDEN,
    INV_2_53,
    LHS_ROUNDS,
    MIX1,
    MIX2,
    SUB,
    TWO_PI,
    MCArrays,
)
from plantopt.uncertainty.normal import ndtri

ITEM_DRAW, ITEM_CORR, ITEM_PRICE, ITEM_UNIFORM = 0, 1, 2, 3
BLOCK = 16  # samples per draw pass (buf is items x BLOCK per thread)
INV_SQRT2 = 1.0 / math.sqrt(2.0)


@dataclass(frozen=True)
class DrawItems:
    """The random items of a plan and where the walk finds their draws (-1: not drawn)."""

    kind: np.ndarray  # (I,) int64 ITEM_*
    entry: np.ndarray  # (I,) int64 random entry (its uniforms are entry * SUB + sub)
    fentry: np.ndarray  # (I,) int64 factor entry of a correlated item, else -1
    load: np.ndarray  # (I,) factor loading of a correlated item
    lo: np.ndarray  # (I,) low end; sigma of a price item
    mode: np.ndarray
    hi: np.ndarray
    width: np.ndarray  # (I,) hi - lo
    trow: np.ndarray  # (I,) int64 PERT table row i of the item's shape
    tw: np.ndarray  # (I,) weight tr of row i + 1
    comp_slot: np.ndarray  # (F, M) int64 item of composition (f, m)
    tc_slot: np.ndarray  # (K, M) int64 item of transfer coefficient (k, m)
    money_slot: np.ndarray  # (P, 2) int64 item of re-use money (p, j)
    price_slot: np.ndarray  # (M + 1,) int64 item of price factor m; [M]: the scenario pick

    def as_tuple(self) -> tuple:
        return (
            self.kind,
            self.entry,
            self.fentry,
            self.load,
            self.lo,
            self.mode,
            self.hi,
            self.width,
            self.trow,
            self.tw,
            self.comp_slot,
            self.tc_slot,
            self.money_slot,
            self.price_slot,
        )


def _comp_items(a: MCArrays, corr: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drawn compositions (f, m), row-major, and whether each is correlated."""
    drawn = (a.comp_hi > a.comp_lo) & (a.feed_spread[:, None] != 0)
    if a.other >= 0:
        drawn[:, a.other] = False
    ff, mm = np.nonzero(drawn)
    is_corr = (a.comp_load[ff, mm] != 0.0) if corr else np.zeros(ff.shape[0], dtype=bool)
    return ff, mm, is_corr


def draw_items(a: MCArrays) -> DrawItems:
    """The items the kernel draws per sample (exactly the entries it used to draw one by one:
    compositions of feeds with spread, transfer coefficients of renormalised groups, re-use
    money with a range, prices) with their constants and the walk's slot maps."""
    f_n, m_n = a.comp_nom.shape
    tc0, pr0, _ = a.entry_offsets()
    corr = a.comp_load.shape[0] > 0
    ff, mm, is_corr = _comp_items(a, corr)
    pair_of_row = np.repeat(np.arange(len(a.pair_ptr) - 1), np.diff(a.pair_ptr))
    kk, km = np.nonzero((a.tc_hi > a.tc_lo) & (a.pair_spread[pair_of_row] != 0))
    pp, pj = np.nonzero(a.money_hi > a.money_lo)
    if a.price_mode == 0:
        pm_ = np.flatnonzero(a.price_sigma > 0)
        p_kind, p_entry, p_sigma = ITEM_PRICE, pr0 + pm_, a.price_sigma[pm_]
    else:
        pm_ = np.array([m_n])
        p_kind, p_entry, p_sigma = ITEM_UNIFORM, np.array([pr0 + m_n]), np.zeros(1)
    n_c, n_k, n_p = ff.shape[0], kk.shape[0], pp.shape[0]
    kind = np.concatenate(
        [
            np.where(is_corr, ITEM_CORR, ITEM_DRAW),
            np.full(n_k + n_p, ITEM_DRAW),
            np.full(pm_.shape[0], p_kind),
        ]
    ).astype(np.int64)
    entry = np.concatenate(
        [ff * m_n + mm, tc0 + kk * m_n + km, a.money_entry0() + 2 * pp + pj, p_entry]
    ).astype(np.int64)
    fentry = np.full(kind.shape[0], -1, dtype=np.int64)
    load = np.zeros(kind.shape[0])
    if corr and n_c:
        fentry[:n_c] = np.where(is_corr, a.factor_entry0() + ff * COMP_GROUPS, -1)
        fentry[:n_c] += np.where(is_corr, a.comp_group[mm], 0)
        load[:n_c] = a.comp_load[ff, mm]
    lo = np.concatenate([a.comp_lo[ff, mm], a.tc_lo[kk, km], a.money_lo[pp, pj], p_sigma])
    mode = np.concatenate([a.comp_nom[ff, mm], a.tc_nom[kk, km], a.money_nom[pp, pj], p_sigma])
    hi = np.concatenate([a.comp_hi[ff, mm], a.tc_hi[kk, km], a.money_hi[pp, pj], p_sigma])
    width, trow, tw = _table_coords(a.pert_table, lo, mode, hi, kind == ITEM_DRAW)
    slots = _slots(a, (ff, mm), (kk, km), (pp, pj), pm_)
    return DrawItems(kind, entry, fentry, load, lo, mode, hi, width, trow, tw, *slots)


def _table_coords(
    table: np.ndarray, lo: np.ndarray, mode: np.ndarray, hi: np.ndarray, use: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """hi - lo, and the PERT table row i and weight tr of each item's shape (the operations
    of pert_table_numpy: r = (mode - lo) / width, fr = r (N_R - 1), i = min(floor(fr),
    N_R - 2), tr = fr - i); 0 for items that are not plain draws."""
    n_r = table.shape[0]
    width = hi - lo
    safe = np.where(use & (width > 0), width, 1.0)
    fr = np.where(use, (mode - lo) / safe, 0.0) * (n_r - 1)
    trow = np.minimum(fr.astype(np.int64), n_r - 2)
    return width, trow, fr - trow


def _slots(
    a: MCArrays,
    comp: tuple[np.ndarray, np.ndarray],
    tc: tuple[np.ndarray, np.ndarray],
    money: tuple[np.ndarray, np.ndarray],
    price: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Item index of each composition, tc, money entry and price (-1 where not drawn)."""
    m_n = a.comp_nom.shape[1]
    comp_slot = np.full(a.comp_nom.shape, -1, dtype=np.int64)
    tc_slot = np.full(a.tc_nom.shape, -1, dtype=np.int64)
    money_slot = np.full(a.money_nom.shape, -1, dtype=np.int64)
    price_slot = np.full(m_n + 1, -1, dtype=np.int64)
    i0 = 0
    for slot, (r, c) in ((comp_slot, comp), (tc_slot, tc), (money_slot, money)):
        slot[r, c] = i0 + np.arange(r.shape[0])
        i0 += r.shape[0]
    price_slot[price] = i0 + np.arange(price.shape[0])
    return comp_slot, tc_slot, money_slot, price_slot


# ----------------------------------------------------------------------------- numba


def _uniform(key, s, e):  # pragma: no cover - compiled
    pos = (np.uint64(s) << np.uint64(32)) | np.uint64(e)
    z = key + pos * np.uint64(GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * INV_2_53


def _mix64(z):  # pragma: no cover - compiled
    z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
    return z ^ (z >> np.uint64(31))


def _lhs_stratum(key, c, s, n):  # pragma: no cover - compiled
    """Stratum of sample s < n in column c: a keyed permutation of [0, n) (lhs_numpy)."""
    bits = 1
    while (1 << bits) < n:
        bits += 1
    mask = np.uint64((1 << bits) - 1)
    shift = np.uint64((bits + 1) // 2)
    x = np.uint64(s)
    while True:
        for r in range(LHS_ROUNDS):
            k = _mix64(np.uint64(key) ^ (np.uint64(c) * np.uint64(GOLDEN) + np.uint64(r)))
            x = (x + k) & mask
            x = (x * (k | np.uint64(1))) & mask
            x = x ^ (x >> shift)
        if x < np.uint64(n):
            return x


def _strat(key, s, c, lhs_n, qu, qcol, row):  # pragma: no cover - compiled
    """Uniform of counter c: Sobol' (qu[row] of entry c // SUB), plain, or Latin hypercube."""
    if qu.shape[0] > 0:
        return qu[row, qcol[c // SUB]]
    u = _uniform(key, s, c)
    if lhs_n <= 0:
        return u
    return (float(_lhs_stratum(key, c, s, lhs_n)) + u) / lhs_n


def _triangular(u, lo, mode, hi):  # pragma: no cover - compiled
    width = hi - lo
    left = mode - lo
    a = lo + math.sqrt(u * width * left)  # both branches, then a select: no misprediction
    b = hi - math.sqrt((1.0 - u) * width * (hi - mode))
    return a if u * width < left else b


def _gamma(key, s, e, which, alpha):  # pragma: no cover - compiled
    d = alpha - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    for j in range(GAMMA_TRIES):
        base = e * SUB + (which * GAMMA_TRIES + j) * 3
        u1 = _uniform(key, s, base)
        u2 = _uniform(key, s, base + 1)
        u3 = _uniform(key, s, base + 2)
        z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(TWO_PI * u2)
        t = 1.0 + c * z
        v = t * t * t
        if v > 0:
            w = 1.0 - u3
            z2 = z * z
            # squeeze (no logarithm) first; it accepts a subset of the exact region
            if w < 1.0 - 0.0331 * z2 * z2 or math.log(w) < 0.5 * z2 + d - d * v + d * math.log(v):
                return d * v
    return d


def _pert_lookup(table, u, lo, mode, hi):  # pragma: no cover - compiled
    """Tabulated PERT draw; the formula and operation order of pert_table_numpy."""
    n_r = table.shape[0]
    width = hi - lo
    r = (mode - lo) / width
    fr = r * (n_r - 1)
    i = min(int(fr), n_r - 2)
    return _pert_row(table, i, fr - i, u, lo, width)


def _pert_row(table, i, tr, u, lo, width):  # pragma: no cover - compiled
    """Tabulated PERT draw with the shape's row i and weight tr given (= _pert_lookup)."""
    n_u = table.shape[1]
    fu = u * (n_u - 1)
    j = min(int(fu), n_u - 2)
    tu = fu - j
    a = table[i, j]
    b = table[i, j + 1]
    c = table[i + 1, j]
    d = table[i + 1, j + 1]
    q0 = a + tu * (b - a)
    q1 = c + tu * (d - c)
    return lo + width * (q0 + tr * (q1 - q0))


def _draw_block(
    key, s0, row0, nb, items, dist, table, lhs_n, qu, qcol, buf
):  # pragma: no cover - compiled
    """buf[it, 0:nb] = the draws of every item for samples s0 .. s0 + nb - 1 (rows row0 ..),
    item by item: a plain item's constants stay in registers over the block's samples."""
    kinds, entries, fentries, loads = items[0], items[1], items[2], items[3]
    los, modes, his, widths, trows, tws = items[4], items[5], items[6], items[7], items[8], items[9]
    plain = qu.shape[0] == 0 and lhs_n <= 0  # one counter-based uniform per draw
    for it in range(kinds.shape[0]):
        kind, entry, c = kinds[it], entries[it], entries[it] * SUB
        lo, mode, hi, width = los[it], modes[it], his[it], widths[it]
        out = buf[it]
        if kind == 0 and dist == 1:  # tabulated PERT: the shape's row and weight given
            i, tr = trows[it], tws[it]
            if plain:  # the uniforms first: an integer loop that vectorises
                for b in range(nb):
                    out[b] = _uniform(key, s0 + b, c)
            else:
                for b in range(nb):
                    out[b] = _strat(key, s0 + b, c, lhs_n, qu, qcol, row0 + b)
            for b in range(nb):
                out[b] = _pert_row(table, i, tr, out[b], lo, width)
        elif kind == 0 and dist == 0:
            for b in range(nb):
                u = _strat(key, s0 + b, c, lhs_n, qu, qcol, row0 + b)
                out[b] = _triangular(u, lo, mode, hi)
        elif kind == 0:  # PERT as G0 / (G0 + G1) of two gammas
            w = hi - lo
            a0 = 1.0 + 4.0 * (mode - lo) / w
            a1 = 1.0 + 4.0 * (hi - mode) / w
            for b in range(nb):
                g0 = _gamma(key, s0 + b, entry, 0, a0)
                g1 = _gamma(key, s0 + b, entry, 1, a1)
                out[b] = lo + w * (g0 / (g0 + g1))
        elif kind == 1:
            _draw_corr_jit(
                key,
                s0,
                row0,
                nb,
                c,
                fentries[it] * SUB,
                loads[it],
                lo,
                mode,
                hi,
                dist,
                table,
                lhs_n,
                qu,
                qcol,
                out,
            )
        elif kind == 2:
            for b in range(nb):
                if not plain:  # one uniform per normal: inverse CDF
                    z = _ndtri(max(_strat(key, s0 + b, c, lhs_n, qu, qcol, row0 + b), 1e-300))
                else:  # Box-Muller
                    u1 = _uniform(key, s0 + b, c)
                    u2 = _uniform(key, s0 + b, c + 1)
                    z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(TWO_PI * u2)
                out[b] = math.exp(lo * z)
        else:
            for b in range(nb):
                out[b] = _strat(key, s0 + b, c, lhs_n, qu, qcol, row0 + b)


def _draw_corr(
    key, s0, row0, nb, c, cf, load, lo, mode, hi, dist, table, lhs_n, qu, qcol, out
):  # pragma: no cover - compiled
    """Correlated composition draws of counters c (entry) and cf (its factor) for a block."""
    for b in range(nb):
        ue = max(_strat(key, s0 + b, c, lhs_n, qu, qcol, row0 + b), 1e-300)
        uf = max(_strat(key, s0 + b, cf, lhs_n, qu, qcol, row0 + b), 1e-300)
        z = load * _ndtri(uf) + math.sqrt(1.0 - load * load) * _ndtri(ue)
        u = 0.5 * math.erfc(-z * INV_SQRT2)
        if dist == 0:
            out[b] = _triangular(u, lo, mode, hi)
        else:
            out[b] = _pert_lookup(table, u, lo, mode, hi)


draw_block: Callable[..., None] | None
try:
    from numba import njit

    _uniform = njit(inline="always", cache=True)(_uniform)
    _triangular = njit(inline="always", cache=True)(_triangular)
    _pert_lookup = njit(inline="always", cache=True)(_pert_lookup)
    _pert_row = njit(inline="always", cache=True)(_pert_row)
    _mix64 = njit(inline="always", cache=True)(_mix64)
    _lhs_stratum = njit(cache=True)(_lhs_stratum)
    _strat = njit(inline="always", cache=True)(_strat)
    _ndtri = njit(cache=True)(ndtri)
    _gamma = njit(inline="always", cache=True)(_gamma)
    # no fastmath in the draws: bit-identical to the twin
    _draw_corr_jit = njit(cache=True, nogil=True)(_draw_corr)
    draw_block = njit(cache=True, nogil=True)(_draw_block)
except ImportError:  # pragma: no cover
    draw_block = None

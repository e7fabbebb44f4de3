"""NumPy twin of the Monte Carlo kernel (:mod:`plantopt.uncertainty.kernels_mc`): the test oracle.

The same counter-based draws and the same per-sample arithmetic as the numba kernel, but
vectorised over samples with whole arrays (it holds every draw in memory). Used as the oracle
in tests and as the fallback where numba is unavailable. See
:mod:`plantopt.uncertainty.kernels_mc` for
the math.
"""

from __future__ import annotations

import numpy as np

from plantopt.uncertainty.mc_arrays import (
    COMP_GROUPS,
    DIST_PERT,
    DIST_TRIANGULAR,
    GAMMA_TRIES,
    GOLDEN,
    INV_2_53,
    LHS_ROUNDS,
    MIX1,
    MIX2,
    SUB,
    TWO_PI,
    MCArrays,
    MCOutput,
)
from plantopt.uncertainty.normal import ndtri_numpy
from plantopt.uncertainty.pert_table import pert_quantile_table, pert_table_numpy
from plantopt.uncertainty.qmc import qmc_tables


def uniforms_numpy(key: int, samples: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """Uniforms in [0, 1) of shape (len(samples), len(entries)), counter-based."""
    s = samples.astype(np.uint64)[:, None]
    e = entries.astype(np.uint64)[None, :]
    with np.errstate(over="ignore"):
        pos = (s << np.uint64(32)) | e
        z = np.uint64(key) + pos * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * INV_2_53


def _mix64_numpy(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
    return z ^ (z >> np.uint64(31))


def lhs_strata_numpy(key: int, cols: np.ndarray, samples: np.ndarray, n: int) -> np.ndarray:
    """Latin-hypercube stratum (S, C) of each sample in each column: a permutation of [0, n).

    Per column c a keyed bijection of the integers below 2**bits (bits: the smallest with
    2**bits >= n) of LHS_ROUNDS rounds x -> x + k_r, x -> x * (k_r | 1), x -> x ^ (x >> h)
    (mod 2**bits, k_r = mix64(key ^ (c * GOLDEN + r)), h = ceil(bits / 2)), applied
    repeatedly until the value falls below n (cycle walking): a permutation of [0, n) that
    depends only on (key, c, n), so any split of the samples gives the same strata.
    """
    bits = max(1, int(n - 1).bit_length())
    mask, shift = np.uint64((1 << bits) - 1), np.uint64((bits + 1) // 2)
    x = np.broadcast_to(
        samples.astype(np.uint64)[:, None], (samples.shape[0], cols.shape[0])
    ).copy()
    with np.errstate(over="ignore"):
        keys = [
            _mix64_numpy(
                np.uint64(key) ^ (cols.astype(np.uint64) * np.uint64(GOLDEN) + np.uint64(r))
            )
            for r in range(LHS_ROUNDS)
        ]
        todo = np.ones(x.shape, dtype=bool)
        while todo.any():
            y = x.copy()
            for k in keys:
                y = (y + k[None, :]) & mask
                y = (y * (k[None, :] | np.uint64(1))) & mask
                y = y ^ (y >> shift)
            x = np.where(todo, y, x)
            todo &= x >= np.uint64(n)
    return x


#: Sobol' uniforms of a batch: (uniforms (n, D) of samples sample0.., column per entry, sample0)
QMC = tuple[np.ndarray, np.ndarray, int]


def strat_uniforms_numpy(
    key: int, samples: np.ndarray, cols: np.ndarray, lhs_n: int, qmc: QMC | None = None
) -> np.ndarray:
    """Uniforms of counters ``cols``: Sobol' (``qmc``), plain (lhs_n <= 0), or Latin hypercube
    (stratum + u) / lhs_n."""
    if qmc is not None:
        qu, qcol, sample0 = qmc
        dims = qcol[cols // SUB]  # -1: an entry the kernel never draws (feed not accepted,
        # 'other'); the twin draws it and discards it: any value will do
        out = qu[(samples - sample0)[:, None], np.maximum(dims, 0)[None, :]]
        return np.where(dims[None, :] >= 0, out, 0.5)
    u = uniforms_numpy(key, samples, cols)
    if lhs_n <= 0:
        return u
    return (lhs_strata_numpy(key, cols, samples, lhs_n).astype(np.float64) + u) / lhs_n


def triangular_numpy(u: np.ndarray, lo: np.ndarray, mode: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Inverse CDF of triangular(lo, mode, hi); returns ``mode`` where hi == lo."""
    width = hi - lo
    left = mode - lo
    safe = np.where(width > 0, width, 1.0)
    a = lo + np.sqrt(u * width * left)
    b = hi - np.sqrt((1.0 - u) * width * (hi - mode))
    x = np.where(u * safe < left, a, b)
    return np.where(width > 0, x, mode)


def gamma_numpy(
    key: int, samples: np.ndarray, entries: np.ndarray, which: int, alpha: np.ndarray
) -> np.ndarray:
    """Gamma(alpha, 1) for alpha >= 1, Marsaglia-Tsang; first accepted of GAMMA_TRIES tries.

    Try j of variate ``which`` (0 or 1) uses the uniforms ``entry * SUB + (which *
    GAMMA_TRIES + j) * 3 + (0, 1, 2)``: a Box-Muller normal z and an acceptance uniform.
    """
    d = alpha - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    out = np.broadcast_to(d, (samples.shape[0], entries.shape[0])).copy()  # fallback
    done = np.zeros(out.shape, dtype=bool)
    for j in range(GAMMA_TRIES):
        base = entries * SUB + (which * GAMMA_TRIES + j) * 3
        u1 = uniforms_numpy(key, samples, base)
        u2 = uniforms_numpy(key, samples, base + 1)
        u3 = uniforms_numpy(key, samples, base + 2)
        z = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(TWO_PI * u2)
        t = 1.0 + c * z
        v = t * t * t
        pos = v > 0
        vs = np.where(pos, v, 1.0)
        w = 1.0 - u3
        z2 = z * z
        ok = pos & (
            (w < 1.0 - 0.0331 * z2 * z2) | (np.log(w) < 0.5 * z2 + d - d * vs + d * np.log(vs))
        )
        take = ok & ~done
        out[take] = (d * vs)[take]
        done |= ok
        if done.all():
            break
    return out


def draw_numpy(
    key: int,
    samples: np.ndarray,
    entries: np.ndarray,
    lo: np.ndarray,
    mode: np.ndarray,
    hi: np.ndarray,
    dist: int,
    table: np.ndarray | None = None,
    lhs_n: int = 0,
    qmc: QMC | None = None,
) -> np.ndarray:
    """Draws (S, E) for entries with bounds (E,); ``mode`` where hi == lo.

    Triangular: inverse CDF of the uniform ``entry * SUB``. PERT (lambda 4): lo + (hi - lo) *
    Beta(1 + 4 (mode - lo) / (hi - lo), 1 + 4 (hi - mode) / (hi - lo)), by the inverse-CDF
    ``table`` (:mod:`plantopt.uncertainty.pert_table`) of the same uniform; PERT exact: the
    beta as G0 / (G0 + G1) of two gamma variates. ``lhs_n > 0``: the uniform of each entry
    is Latin-hypercube stratified over samples 0..lhs_n-1 (not for PERT exact); ``qmc``: the
    uniforms are the entries' Sobol' coordinates (:mod:`plantopt.uncertainty.qmc`).
    """
    out = np.repeat(mode[None, :], samples.shape[0], axis=0)
    idx = np.flatnonzero(hi > lo)  # draw only the uncertain entries
    if idx.size == 0:
        return out
    e, lo, mode, hi = entries[idx], lo[idx], mode[idx], hi[idx]
    if dist == DIST_TRIANGULAR:
        out[:, idx] = triangular_numpy(
            strat_uniforms_numpy(key, samples, e * SUB, lhs_n, qmc), lo, mode, hi
        )
        return out
    if dist == DIST_PERT:
        table = pert_quantile_table() if table is None else table
        out[:, idx] = pert_table_numpy(
            table, strat_uniforms_numpy(key, samples, e * SUB, lhs_n, qmc), lo, mode, hi
        )
        return out
    width = hi - lo
    g0 = gamma_numpy(key, samples, e, 0, 1.0 + 4.0 * (mode - lo) / width)
    g1 = gamma_numpy(key, samples, e, 1, 1.0 + 4.0 * (hi - mode) / width)
    out[:, idx] = lo + width * (g0 / (g0 + g1))
    return out


def _sample_inputs_numpy(
    a: MCArrays, key: int, samples: np.ndarray, qmc: QMC | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sampled comp (S, F, M), tc (S, K, M) and price factors (S, M)."""
    return (
        _sample_comp_numpy(a, key, samples, qmc),
        _sample_tc_numpy(a, key, samples, qmc),
        _sample_prices_numpy(a, key, samples, qmc),
    )


def _correlated_comp_numpy(a: MCArrays, key: int, samples: np.ndarray, comp: np.ndarray) -> None:
    """Redraw the correlated entries in place: u = Phi(l z_f + sqrt(1 - l^2) z_e) with z the
    normal scores of the entry's and its factor's uniforms (the kernel's _draw_corr)."""
    from scipy.special import erfc

    f_n, m_n = a.comp_nom.shape
    ff, mm = np.nonzero((a.comp_load != 0.0) & (a.comp_hi > a.comp_lo))
    if ff.size == 0:
        return
    load = a.comp_load[ff, mm]
    e = ff * m_n + mm
    ef = a.factor_entry0() + ff * COMP_GROUPS + a.comp_group[mm]
    ue = np.maximum(strat_uniforms_numpy(key, samples, e * SUB, a.lhs_n), 1e-300)
    uf = np.maximum(strat_uniforms_numpy(key, samples, ef * SUB, a.lhs_n), 1e-300)
    z = load * ndtri_numpy(uf) + np.sqrt(1.0 - load * load) * ndtri_numpy(ue)
    u = 0.5 * erfc(-z / np.sqrt(2.0))
    lo, mode, hi = a.comp_lo[ff, mm], a.comp_nom[ff, mm], a.comp_hi[ff, mm]
    if a.dist == DIST_TRIANGULAR:
        comp[:, ff, mm] = triangular_numpy(u, lo, mode, hi)
    else:
        comp[:, ff, mm] = pert_table_numpy(a.pert_table, u, lo, mode, hi)


def _sample_comp_numpy(a: MCArrays, key: int, samples: np.ndarray, qmc: QMC | None) -> np.ndarray:
    """Compositions (S, F, M): drawn per entry, then each drawn feed back to its total mass
    (``other`` absorbs the change where it can, else the drawn materials are rescaled)."""
    n_s = samples.shape[0]
    f_n, m_n = a.comp_nom.shape
    comp = draw_numpy(
        key,
        samples,
        np.arange(f_n * m_n),
        a.comp_lo.ravel(),
        a.comp_nom.ravel(),
        a.comp_hi.ravel(),
        a.dist,
        a.pert_table,
        a.lhs_n,
        qmc,
    ).reshape(n_s, f_n, m_n)
    if a.comp_load.shape[0] > 0:
        _correlated_comp_numpy(a, key, samples, comp)
    spread = a.feed_spread[None, :] > 0
    nonother = np.ones(m_n, dtype=bool)
    if a.other >= 0:
        nonother[a.other] = False
    rest = comp[:, :, nonother].sum(axis=2)
    if a.other >= 0:
        absorb = a.comp_nom[:, a.other] > 0  # (F,): 'other' takes the change
        delta = (comp - a.comp_nom)[:, :, nonother].sum(axis=2)
        oth = a.comp_nom[:, a.other] - delta
        rescale = spread & ((oth < 0) | ~absorb)
        comp[:, :, a.other] = np.where(
            spread & absorb & (oth >= 0),
            oth,
            np.where(spread & absorb, 0.0, a.comp_nom[:, a.other]),
        )
    else:
        rescale = spread
    rescale = rescale & (rest > 0)
    scale = np.where(rescale, a.feed_total / np.where(rest > 0, rest, 1.0), 1.0)
    comp[:, :, nonother] *= scale[:, :, None]

    return comp


def _sample_tc_numpy(a: MCArrays, key: int, samples: np.ndarray, qmc: QMC | None) -> np.ndarray:
    """Transfer coefficients (S, K, M): drawn per entry, each drawn split group renormalised
    to sum to one per material."""
    n_s = samples.shape[0]
    m_n = a.comp_nom.shape[1]
    k_n = a.tc_nom.shape[0]
    tc0, _, _ = a.entry_offsets()
    pair_of_row = np.repeat(np.arange(len(a.pair_ptr) - 1), np.diff(a.pair_ptr))
    renorm = (a.pair_spread > 0)[pair_of_row]  # (K, M): groups that are drawn
    tc = draw_numpy(
        key,
        samples,
        tc0 + np.arange(k_n * m_n),
        np.where(renorm, a.tc_lo, a.tc_nom).ravel(),
        a.tc_nom.ravel(),
        np.where(renorm, a.tc_hi, a.tc_nom).ravel(),
        a.dist,
        a.pert_table,
        a.lhs_n,
        qmc,
    ).reshape(n_s, k_n, m_n)
    if k_n:
        sums = np.add.reduceat(tc, a.pair_ptr[:-1], axis=1)  # (S, Q, M)
        den = sums[:, pair_of_row, :]
        tc = np.where(renorm & (den > 0), tc / np.where(den > 0, den, 1.0), a.tc_nom)

    return tc


def _sample_prices_numpy(a: MCArrays, key: int, samples: np.ndarray, qmc: QMC | None) -> np.ndarray:
    """Price factors (S, M): lognormal exp(sigma z) per material, or a drawn price scenario."""
    m_n = a.comp_nom.shape[1]
    _, pr0, _ = a.entry_offsets()
    if a.price_mode == 0:
        cols = (pr0 + np.arange(m_n)) * SUB
        if a.lhs_n > 0 or qmc is not None:  # one uniform per normal: inverse CDF
            u = strat_uniforms_numpy(key, samples, cols[a.price_sigma > 0], a.lhs_n, qmc)
            z = np.zeros((samples.shape[0], m_n))
            z[:, a.price_sigma > 0] = ndtri_numpy(np.maximum(u, 1e-300))
        else:  # Box-Muller
            u1 = uniforms_numpy(key, samples, cols)
            u2 = uniforms_numpy(key, samples, cols + 1)
            z = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(TWO_PI * u2)
        g = np.where(a.price_sigma > 0, np.exp(a.price_sigma * z), 1.0)
    else:
        pick = np.array([(pr0 + m_n) * SUB])
        u = strat_uniforms_numpy(key, samples, pick, a.lhs_n, qmc)[:, 0]
        idx = np.minimum(np.searchsorted(a.scen_cum, u, side="right"), len(a.scen_cum) - 1)
        g = a.scen_factor[idx]
    return g


def _sample_money_numpy(a: MCArrays, key: int, samples: np.ndarray, qmc: QMC | None) -> np.ndarray:
    """Re-use value and repurposing cost per product (S, P, 2), EUR per t of product mass:
    entry (p, j) = money_entry0 + 2 p + j drawn on (lo, nom, hi) where hi > lo."""
    p_n = a.money_nom.shape[0]
    return draw_numpy(
        key,
        samples,
        a.money_entry0() + np.arange(2 * p_n),
        a.money_lo.ravel(),
        a.money_nom.ravel(),
        a.money_hi.ravel(),
        a.dist,
        a.pert_table,
        a.lhs_n,
        qmc,
    ).reshape(samples.shape[0], p_n, 2)


def _money_numpy(
    a: MCArrays,
    key: int,
    samples: np.ndarray,
    qmc: QMC | None,
    prod_mass: np.ndarray,
    p_of: np.ndarray,
    out: MCOutput,
) -> None:
    """reuse and repurposing per sample: product node mass (S, A_p) times the sampled v_p,
    r_p of each node's product."""
    pm = _sample_money_numpy(a, key, samples, qmc)  # (S, P, 2)
    if pm.shape[1] == 0:
        out.reuse_eur[:] = 0.0
        out.repurposing_eur[:] = 0.0
        return
    out.reuse_eur[:] = (prod_mass * pm[:, p_of, 0]).sum(axis=1)
    out.repurposing_eur[:] = (prod_mass * pm[:, p_of, 1]).sum(axis=1)


def evaluate_numpy(
    a: MCArrays, key: int, sample0: int, n_samples: int, uniforms: np.ndarray | None = None
) -> MCOutput:
    """NumPy twin of :func:`evaluate`: vectorised over samples, level by level over nodes.

    Memory is O(samples x active nodes x materials): call it on modest batches.
    """
    samples = np.arange(sample0, sample0 + n_samples, dtype=np.int64)
    qmc = None
    if a.qmc:
        qu, qcol = qmc_tables(a, key, sample0, n_samples, uniforms)
        qmc = (qu, qcol, sample0)
    comp, tc, g = _sample_inputs_numpy(a, key, samples, qmc)
    n_a = a.node_parent.shape[0]
    m_n = a.n_materials
    coef = np.empty((n_samples, n_a, m_n))
    depth = np.zeros(n_a, dtype=np.int64)
    for i in range(n_a):
        p = a.node_parent[i]
        depth[i] = 0 if p < 0 else depth[p] + 1
    top = np.flatnonzero(depth == 0)
    coef[:, top] = comp[:, a.node_feed[top]]
    for d in range(1, int(depth.max(initial=0)) + 1):
        idx = np.flatnonzero(depth == d)
        coef[:, idx] = coef[:, a.node_parent[idx]] * tc[:, a.node_row[idx]]
    mass_flow = coef * a.node_flow[None, :, None]  # real t/yr per (sample, node, material)
    node_mass = mass_flow.sum(axis=2)

    out = MCOutput.empty(n_samples, a)
    out.input_t[:] = np.einsum("f,sfm->sm", a.accept, comp)
    prod = np.flatnonzero(a.node_kind == 1)
    p_of = a.node_target[prod]
    out.recovered_t[:] = (mass_flow[:, prod] * a.rec[p_of]).sum(axis=1)
    out.revenue_eur[:] = ((mass_flow[:, prod] * a.value[p_of]).sum(axis=1) * g).sum(axis=1)
    sinks = np.flatnonzero(a.node_kind > 0)
    sink_t = mass_flow[:, sinks].sum(axis=1)
    resid = np.abs(out.input_t - sink_t)
    rel = np.divide(resid, out.input_t, out=np.zeros_like(resid), where=out.input_t > 0)
    out.mb_error[:] = rel.max(axis=1, initial=0.0)
    units = np.flatnonzero(a.node_kind == 0)
    thr = np.zeros((n_samples, a.n_units))
    np.add.at(thr.T, a.node_target[units], node_mass[:, units].T)
    out.throughput_t[:] = thr
    out.route_eur[:] = node_mass @ a.node_route_cost
    _money_numpy(a, key, samples, qmc, node_mass[:, prod], p_of, out)
    for t in range(a.n_targets):
        w = np.zeros(n_a)
        for i in range(n_a):
            for j in range(a.node_tptr[i], a.node_tptr[i + 1]):
                if a.node_tidx[j] == t:
                    w[i] += a.node_tw[j]
        k = a.t_mat[t]
        x = coef.sum(axis=2) if k < 0 else coef[:, :, k]
        out.tnum[:, t] = (x * (w * a.node_flow)).sum(axis=1)
        y = comp.sum(axis=2) if k < 0 else comp[:, :, k]
        out.tden[:, t] = y @ (a.t_cover[t] * a.accept)
    return out

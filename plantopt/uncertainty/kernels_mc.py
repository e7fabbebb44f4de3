"""Monte Carlo kernel: evaluate a fixed plan under sampled compositions, yields and prices.

One sample ``s`` is evaluated by streaming the plan's active route-tree nodes (parents first):

    comp_s[f, m]   sampled composition (PERT or triangular on low/nominal/high per entry;
                   a positive 'other' absorbs the change, else the drawn fractions are
                   renormalised to the feed's nominal total)
    tc_s[k, m]     sampled transfer coefficient (same draws), then renormalised over
                   the outputs of its (unit, feed class) so that it sums to 1 per material
    g_s[m]         price factor: exp(sigma_m * z) with z standard normal (Box-Muller), or the
                   factors of one scenario drawn with the scenario weights
    coef[a, :]     = comp_s[feed(a), :]                    for an entry node
                   = coef[parent(a), :] * tc_s[row(a), :]  otherwise
    flow[a]        fixed feed-equivalent t/yr of the plan (the routing does not change)

and accumulated, without storing anything per (sample, node), into (loops over materials run
over each node's structural support: the materials with nominal coef > 0; nominal zeros stay
zero under sampling)

    input[s, m]      = sum_f accept[f] comp_s[f, m]
    recovered[s, m]  = sum_{product nodes a} flow[a] coef[a, m] rec[p(a), m]
    throughput[s, u] = sum_{unit nodes a at u} flow[a] sum_m coef[a, m]
    revenue[s]       = sum_{product nodes a} flow[a] sum_m coef[a, m] value[p(a), m] g_s[m]
    route[s]         = sum_a route_cost[a] flow[a] sum_m coef[a, m]
    reuse[s]         = sum_{product nodes a} flow[a] sum_m coef[a, m] v_s[p(a)]
    repurposing[s]   = sum_{product nodes a} flow[a] sum_m coef[a, m] r_s[p(a)]
                       (v_s, r_s: re-use value and repurposing cost per t of product mass,
                       drawn per product on their (low, nominal, high) like a composition)
    mb_error[s]      = max_m |input[s, m] - sum_{sink nodes a} flow[a] coef[a, m]|
                       / max(input[s, m], 1e-300)        (0 where nothing enters)
    tnum[s, t]       = sum_a w[t, a] flow[a] x[a]   (x = coef[a, k_t], or the node's mass
                                                   sum_m coef[a, m] when k_t = -1)
    tden[s, t]       = sum_f t_cover[t, f] accept[f] y[f]   (y = comp_s[f, k_t] or sum_m)

Random numbers come from a counter-based generator (SplitMix64 with random access): the
uniform for entry ``e`` of sample ``s`` is ``mix64(key + (s * 2**32 + e) * GOLDEN) / 2**64``
(top 53 bits). Every draw depends only on (seed, sample, entry), so any split of the samples
over chunks and threads gives bit-identical numbers, and the NumPy twin
(:func:`evaluate_numpy`) computes the same draws vectorised over samples. The numba kernel runs
``prange`` over fixed chunks of samples with per-thread scratch allocated once per call (no
allocation per sample). The per-sample function is compiled with fastmath reassociation and
contraction (sums vectorise): results are bit-identical for any thread count, chunk size and
batch split on one machine; on a CPU with another vector width the last bits of sums may
differ. Kernel and twin agree to 1e-12 relative.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import numpy as np

from plantopt.uncertainty.kernels_mc_twin import (  # noqa: F401  (re-exported)
    _sample_inputs_numpy,
    draw_numpy,
    evaluate_numpy,
    gamma_numpy,
    triangular_numpy,
    uniforms_numpy,
)
from plantopt.uncertainty.mc_arrays import (  # noqa: F401  (re-exported)
    COMP_GROUPS,
    DIST_PERT,
    DIST_PERT_EXACT,
    DIST_TRIANGULAR,
    GAMMA_TRIES,
    GOLDEN,
    INV_2_53,
    LHS_ROUNDS,
    MAX_ENTRIES,
    MAX_SAMPLES,
    MIX1,
    MIX2,
    SUB,
    TWO_PI,
    MCArrays,
    MCOutput,
    seed_key,
)
from plantopt.uncertainty.normal import ndtri
from plantopt.uncertainty.qmc import qmc_tables

INV_SQRT2 = 1.0 / math.sqrt(2.0)

try:
    import numba
    from numba import njit, prange

    HAVE_NUMBA = os.environ.get("PLANTOPT_DISABLE_NUMBA", "") == ""
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

# ----------------------------------------------------------------------------- numba kernel


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
    n_u = table.shape[1]
    width = hi - lo
    r = (mode - lo) / width
    fr = r * (n_r - 1)
    i = min(int(fr), n_r - 2)
    tr = fr - i
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


def _draw(key, s, e, lo, mode, hi, dist, table, lhs_n, qu, qcol, row):  # pragma: no cover
    """One draw of entry e (callers only ask when hi > lo); see :func:`draw_numpy`."""
    if dist == 0:
        return _triangular(_strat(key, s, e * SUB, lhs_n, qu, qcol, row), lo, mode, hi)
    if dist == 1:
        return _pert_lookup(table, _strat(key, s, e * SUB, lhs_n, qu, qcol, row), lo, mode, hi)
    width = hi - lo
    g0 = _gamma(key, s, e, 0, 1.0 + 4.0 * (mode - lo) / width)
    g1 = _gamma(key, s, e, 1, 1.0 + 4.0 * (hi - mode) / width)
    return lo + width * (g0 / (g0 + g1))


def _draw_corr(
    key, s, e, ef, load, lo, mode, hi, dist, table, lhs_n, qu, qcol, row
):  # pragma: no cover
    """Correlated draw of entry e: u = Phi(load z_f + sqrt(1 - load^2) z_e) of the normal
    scores of its own uniform and of factor entry ef, then the inverse CDF of ``dist``
    (triangular or tabulated PERT; see correlation.py)."""
    ue = max(_strat(key, s, e * SUB, lhs_n, qu, qcol, row), 1e-300)
    uf = max(_strat(key, s, ef * SUB, lhs_n, qu, qcol, row), 1e-300)
    z = load * _ndtri(uf) + math.sqrt(1.0 - load * load) * _ndtri(ue)
    u = 0.5 * math.erfc(-z * INV_SQRT2)
    if dist == 0:
        return _triangular(u, lo, mode, hi)
    return _pert_lookup(table, u, lo, mode, hi)


def _one_sample(
    s,
    key,
    comp_nom,
    comp_lo,
    comp_hi,
    feed_total,
    feed_spread,
    other,
    tc_nom,
    tc_lo,
    tc_hi,
    pair_ptr,
    pair_spread,
    dist,
    table,
    lhs_n,
    value,
    rec,
    price_sigma,
    price_mode,
    scen_factor,
    scen_cum,
    accept,
    node_parent,
    node_feed,
    node_row,
    node_kind,
    node_target,
    node_flow,
    node_route_cost,
    node_sptr,
    node_smat,
    t_mat,
    t_cover,
    node_tptr,
    node_tidx,
    node_tw,
    comp_load,
    comp_group,
    money_nom,
    money_lo,
    money_hi,
    qu,
    qcol,
    comp,
    tc,
    g,
    coef,
    sink,
    pm,
    out_in,
    out_rec,
    out_thr,
    out_scal,
    out_tnum,
    out_tden,
    row,
):  # pragma: no cover - compiled
    f_n, m_n = comp_nom.shape
    k_n = tc_nom.shape[0]
    tc0 = f_n * m_n
    pr0 = tc0 + k_n * m_n
    fac0 = pr0 + m_n + 1 + f_n  # composition factors (after prices and feed tonnages)
    mon0 = fac0 + f_n * COMP_GROUPS  # re-use money per product (after the factors)
    corr = comp_load.shape[0] > 0
    # compositions (scratch rows of feeds without spread already hold the nominal values)
    for f in range(f_n):
        if feed_spread[f] == 0:
            continue
        delta = 0.0
        rest = 0.0
        for m in range(m_n):
            if m == other:
                continue
            if comp_hi[f, m] > comp_lo[f, m] and corr and comp_load[f, m] != 0.0:
                x = _draw_corr_jit(
                    key,
                    s,
                    f * m_n + m,
                    fac0 + f * COMP_GROUPS + comp_group[m],
                    comp_load[f, m],
                    comp_lo[f, m],
                    comp_nom[f, m],
                    comp_hi[f, m],
                    dist,
                    table,
                    lhs_n,
                    qu,
                    qcol,
                    row,
                )
            elif comp_hi[f, m] > comp_lo[f, m]:
                x = _draw_jit(
                    key,
                    s,
                    f * m_n + m,
                    comp_lo[f, m],
                    comp_nom[f, m],
                    comp_hi[f, m],
                    dist,
                    table,
                    lhs_n,
                    qu,
                    qcol,
                    row,
                )
            else:
                x = comp_nom[f, m]
            comp[f, m] = x
            delta += x - comp_nom[f, m]
            rest += x
        rescale = True  # no (or a structurally zero) 'other': renormalise to the total
        if other >= 0 and comp_nom[f, other] > 0:  # 'other' absorbs the change
            oth = comp_nom[f, other] - delta
            rescale = oth < 0
            comp[f, other] = 0.0 if rescale else oth
        if rescale and rest > 0:
            scale = feed_total[f] / rest
            for m in range(m_n):
                if m != other:
                    comp[f, m] *= scale
    # transfer coefficients, renormalised per (unit, class, material)
    for q in range(pair_ptr.shape[0] - 1):
        r0 = pair_ptr[q]
        r1 = pair_ptr[q + 1]
        for m in range(m_n):
            if pair_spread[q, m] == 0:  # scratch already holds the nominal values
                continue
            total = 0.0
            for k in range(r0, r1):
                if tc_hi[k, m] > tc_lo[k, m]:
                    x = _draw_jit(
                        key,
                        s,
                        tc0 + k * m_n + m,
                        tc_lo[k, m],
                        tc_nom[k, m],
                        tc_hi[k, m],
                        dist,
                        table,
                        lhs_n,
                        qu,
                        qcol,
                        row,
                    )
                else:
                    x = tc_nom[k, m]
                tc[k, m] = x
                total += x
            if total > 0:
                for k in range(r0, r1):
                    tc[k, m] = tc[k, m] / total
            else:
                for k in range(r0, r1):
                    tc[k, m] = tc_nom[k, m]
    # price factors
    if price_mode == 0:
        for m in range(m_n):
            if price_sigma[m] > 0:
                if lhs_n > 0 or qu.shape[0] > 0:  # one uniform per normal: inverse CDF
                    z = _ndtri(max(_strat(key, s, (pr0 + m) * SUB, lhs_n, qu, qcol, row), 1e-300))
                else:  # Box-Muller
                    u1 = _uniform(key, s, (pr0 + m) * SUB)
                    u2 = _uniform(key, s, (pr0 + m) * SUB + 1)
                    z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(TWO_PI * u2)
                g[m] = math.exp(price_sigma[m] * z)
            else:
                g[m] = 1.0
    else:
        u = _strat(key, s, (pr0 + m_n) * SUB, lhs_n, qu, qcol, row)
        c = 0
        while c < scen_cum.shape[0] - 1 and u >= scen_cum[c]:
            c += 1
        for m in range(m_n):
            g[m] = scen_factor[c, m]
    # re-use money per product: value and repurposing cost, EUR per t of product mass
    pm_n = money_nom.shape[0]
    for pi in range(pm_n):
        for j in range(2):
            if money_hi[pi, j] > money_lo[pi, j]:
                pm[pi, j] = _draw_jit(
                    key,
                    s,
                    mon0 + 2 * pi + j,
                    money_lo[pi, j],
                    money_nom[pi, j],
                    money_hi[pi, j],
                    dist,
                    table,
                    lhs_n,
                    qu,
                    qcol,
                    row,
                )
            else:
                pm[pi, j] = money_nom[pi, j]
    # metrics
    n_t = t_mat.shape[0]
    for m in range(m_n):
        x = 0.0
        for f in range(f_n):
            x += accept[f] * comp[f, m]
        out_in[row, m] = x
        out_rec[row, m] = 0.0
        sink[m] = 0.0
    for u_ in range(out_thr.shape[1]):
        out_thr[row, u_] = 0.0
    for t in range(n_t):
        out_tnum[row, t] = 0.0
        d = 0.0
        k = t_mat[t]
        for f in range(f_n):
            if t_cover[t, f] != 0.0:
                if k >= 0:
                    y = comp[f, k]
                else:
                    y = 0.0
                    for m in range(m_n):
                        y += comp[f, m]
                d += t_cover[t, f] * accept[f] * y
        out_tden[row, t] = d
    revenue = 0.0
    route = 0.0
    reuse = 0.0
    repurp = 0.0
    for a in range(node_parent.shape[0]):
        p = node_parent[a]
        fl = node_flow[a]
        mass = 0.0
        j0 = node_sptr[a]
        j1 = node_sptr[a + 1]
        if p < 0:
            f = node_feed[a]
            for j in range(j0, j1):
                m = node_smat[j]
                coef[a, m] = comp[f, m]
                mass += coef[a, m]
        else:
            k = node_row[a]
            for j in range(j0, j1):  # the child's support lies in the parent's
                m = node_smat[j]
                coef[a, m] = coef[p, m] * tc[k, m]
                mass += coef[a, m]
        route += node_route_cost[a] * (mass * fl)
        for j in range(node_tptr[a], node_tptr[a + 1]):
            t = node_tidx[j]
            k = t_mat[t]
            y = mass if k < 0 else coef[a, k]
            out_tnum[row, t] += node_tw[j] * fl * y
        kind = node_kind[a]
        if kind == 0:
            out_thr[row, node_target[a]] += mass * fl
        else:
            if kind == 1:
                pi = node_target[a]
                for j in range(j0, j1):
                    m = node_smat[j]
                    q = coef[a, m] * fl
                    out_rec[row, m] += q * rec[pi, m]
                    revenue += q * value[pi, m] * g[m]
                if pm_n > 0:
                    reuse += mass * fl * pm[pi, 0]
                    repurp += mass * fl * pm[pi, 1]
            for j in range(j0, j1):
                m = node_smat[j]
                sink[m] += coef[a, m] * fl
    err = 0.0
    for m in range(m_n):
        x = out_in[row, m]
        if x > 0:
            r = abs(x - sink[m]) / x
            if r > err:
                err = r
    out_scal[row, 0] = revenue
    out_scal[row, 1] = route
    out_scal[row, 2] = err
    out_scal[row, 3] = reuse
    out_scal[row, 4] = repurp


def _evaluate_chunks(
    key,
    sample0,
    n_samples,
    chunk,
    comp_nom,
    comp_lo,
    comp_hi,
    feed_total,
    feed_spread,
    other,
    tc_nom,
    tc_lo,
    tc_hi,
    pair_ptr,
    pair_spread,
    dist,
    table,
    lhs_n,
    value,
    rec,
    price_sigma,
    price_mode,
    scen_factor,
    scen_cum,
    accept,
    node_parent,
    node_feed,
    node_row,
    node_kind,
    node_target,
    node_flow,
    node_route_cost,
    node_sptr,
    node_smat,
    t_mat,
    t_cover,
    node_tptr,
    node_tidx,
    node_tw,
    comp_load,
    comp_group,
    money_nom,
    money_lo,
    money_hi,
    qu,
    qcol,
    s_init,
    s_comp,
    s_tc,
    s_g,
    s_coef,
    s_sink,
    s_pm,
    out_in,
    out_rec,
    out_thr,
    out_scal,
    out_tnum,
    out_tden,
):  # pragma: no cover - compiled
    n_chunks = (n_samples + chunk - 1) // chunk
    for c in prange(n_chunks):
        tid = numba.get_thread_id()
        if s_init[tid] == 0:  # nominal values once per thread; samples overwrite the rest
            s_comp[tid][:, :] = comp_nom
            s_tc[tid][:, :] = tc_nom
            s_init[tid] = 1
        i1 = min((c + 1) * chunk, n_samples)
        for i in range(c * chunk, i1):
            _one_sample_jit(
                sample0 + i,
                key,
                comp_nom,
                comp_lo,
                comp_hi,
                feed_total,
                feed_spread,
                other,
                tc_nom,
                tc_lo,
                tc_hi,
                pair_ptr,
                pair_spread,
                dist,
                table,
                lhs_n,
                value,
                rec,
                price_sigma,
                price_mode,
                scen_factor,
                scen_cum,
                accept,
                node_parent,
                node_feed,
                node_row,
                node_kind,
                node_target,
                node_flow,
                node_route_cost,
                node_sptr,
                node_smat,
                t_mat,
                t_cover,
                node_tptr,
                node_tidx,
                node_tw,
                comp_load,
                comp_group,
                money_nom,
                money_lo,
                money_hi,
                qu,
                qcol,
                s_comp[tid],
                s_tc[tid],
                s_g[tid],
                s_coef[tid],
                s_sink[tid],
                s_pm[tid],
                out_in,
                out_rec,
                out_thr,
                out_scal,
                out_tnum,
                out_tden,
                i,
            )


_evaluate_jit: Callable[..., None] | None
if HAVE_NUMBA:
    _uniform = njit(inline="always", cache=True)(_uniform)
    _triangular = njit(inline="always", cache=True)(_triangular)
    _pert_lookup = njit(inline="always", cache=True)(_pert_lookup)
    _mix64 = njit(inline="always", cache=True)(_mix64)
    _lhs_stratum = njit(cache=True)(_lhs_stratum)
    _strat = njit(inline="always", cache=True)(_strat)
    _ndtri = njit(cache=True)(ndtri)
    _gamma = njit(inline="always", cache=True)(_gamma)
    _draw_jit = njit(cache=True, nogil=True)(_draw)  # own function: no fastmath in draws
    _draw_corr_jit = njit(cache=True, nogil=True)(_draw_corr)
    _one_sample_jit = njit(cache=True, nogil=True, fastmath={"reassoc", "nsz", "contract"})(
        _one_sample
    )
    _evaluate_jit = njit(parallel=True, cache=True, nogil=True)(_evaluate_chunks)
else:  # pragma: no cover
    _evaluate_jit = None

DEFAULT_CHUNK = 64


def _check_call(a: MCArrays, sample0: int, n_samples: int) -> None:
    """The sample range, the counter layout and the sampling mode fit the kernel."""
    if not (0 <= sample0 and sample0 + n_samples <= MAX_SAMPLES):
        raise ValueError(f"sample indices must lie in [0, {MAX_SAMPLES})")
    if a.n_entries() >= MAX_ENTRIES:
        raise ValueError("too many random entries per sample for the counter layout")
    if a.qmc and (a.lhs_n != 0 or a.dist == DIST_PERT_EXACT):
        raise ValueError("Sobol' sampling needs one uniform per draw and no Latin hypercube")
    if a.lhs_n < 0 or (a.lhs_n > 0 and sample0 + n_samples > a.lhs_n):
        raise ValueError(
            "a Latin-hypercube run covers samples 0..lhs_n-1: set lhs_n to the "
            "run's sample count (montecarlo.run_raw does)"
        )


def evaluate(
    a: MCArrays,
    key: int,
    sample0: int,
    n_samples: int,
    chunk: int = DEFAULT_CHUNK,
    use_numba: bool | None = None,
) -> MCOutput:
    """Evaluate samples ``sample0 .. sample0 + n_samples - 1`` (numba, else the NumPy twin).

    Results depend only on (key, sample index), never on ``chunk`` or the thread count.
    """
    _check_call(a, sample0, n_samples)
    if use_numba is None:
        use_numba = True
    if not use_numba or _evaluate_jit is None:  # numba when available, else the twin
        return evaluate_numpy(a, key, sample0, n_samples)
    out = MCOutput.empty(n_samples, a)
    scal = np.empty((n_samples, 5))
    # numba.config sets its options through globals() at import, out of mypy's sight
    n_thr: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    f_n, m_n = a.comp_nom.shape
    k_n = a.tc_nom.shape[0]
    scratch = (
        np.zeros(n_thr, dtype=np.int64),
        np.empty((n_thr, f_n, m_n)),
        np.empty((n_thr, k_n, m_n)),
        np.empty((n_thr, m_n)),
        np.zeros((n_thr, a.node_parent.shape[0], m_n)),
        np.empty((n_thr, m_n)),
        np.empty((n_thr, a.money_nom.shape[0], 2)),
    )
    _evaluate_jit(
        np.uint64(key),
        sample0,
        n_samples,
        int(chunk),
        *a.as_tuple(),
        *qmc_tables(a, key, sample0, n_samples),
        *scratch,
        out.input_t,
        out.recovered_t,
        out.throughput_t,
        scal,
        out.tnum,
        out.tden,
    )
    out.revenue_eur[:] = scal[:, 0]
    out.route_eur[:] = scal[:, 1]
    out.mb_error[:] = scal[:, 2]
    out.reuse_eur[:] = scal[:, 3]
    out.repurposing_eur[:] = scal[:, 4]
    return out


__all__ = [
    "MCArrays",
    "MCOutput",
    "evaluate",
    "evaluate_numpy",
    "seed_key",
    "draw_numpy",
    "gamma_numpy",
    "triangular_numpy",
    "uniforms_numpy",
    "_sample_inputs_numpy",
]

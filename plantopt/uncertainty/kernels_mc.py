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
allocation per sample). A chunk is cut into blocks of ``BLOCK`` samples: the draw pass
(:mod:`plantopt.uncertainty.kernels_mc_draws`) fills every random input of the block's
samples item by item, then one call walks the block's samples (a call per sample passed some
fifty arrays and cost more than the walk itself). The walk is compiled with fastmath
reassociation and contraction (sums vectorise), the draws without: results are bit-identical
for any thread count, chunk size and batch split on one machine; on a CPU with another vector
width the last bits of sums may differ. Kernel and twin agree to 1e-12 relative.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from plantopt.uncertainty.kernels_mc_draws import BLOCK, draw_block, draw_items
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
from plantopt.uncertainty.qmc import qmc_tables

try:
    import numba
    from numba import njit, prange

    HAVE_NUMBA = os.environ.get("PLANTOPT_DISABLE_NUMBA", "") == ""
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

# ----------------------------------------------------------------------------- numba kernel


def _walk_block(
    nb,
    row0,
    buf,
    comp_slot,
    tc_slot,
    money_slot,
    price_slot,
    comp_nom,
    feed_total,
    feed_spread,
    other,
    tc_nom,
    pair_ptr,
    pair_spread,
    value,
    rec,
    price_mode,
    scen_factor,
    scen_cum,
    accept,
    acc_f,
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
    money_nom,
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
):  # pragma: no cover - compiled
    """The samples in lanes 0..nb-1 of the block (output rows row0 ..): each one's inputs
    from buf[:, b], then the tree walk and the metrics (the module docstring's sums)."""
    f_n, m_n = comp_nom.shape
    for b in range(nb):
        row = row0 + b
        # compositions (scratch rows of feeds without spread already hold the nominal values)
        for f in range(f_n):
            if feed_spread[f] == 0:
                continue
            delta = 0.0
            rest = 0.0
            for m in range(m_n):
                if m == other:
                    continue
                sl = comp_slot[f, m]
                x = buf[sl, b] if sl >= 0 else comp_nom[f, m]
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
                    sl = tc_slot[k, m]
                    x = buf[sl, b] if sl >= 0 else tc_nom[k, m]
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
                sl = price_slot[m]
                g[m] = buf[sl, b] if sl >= 0 else 1.0
        else:
            u = buf[price_slot[m_n], b]
            c = 0
            while c < scen_cum.shape[0] - 1 and u >= scen_cum[c]:
                c += 1
            for m in range(m_n):
                g[m] = scen_factor[c, m]
        # re-use money per product: value and repurposing cost, EUR per t of product mass
        pm_n = money_nom.shape[0]
        for pi in range(pm_n):
            for j in range(2):
                sl = money_slot[pi, j]
                pm[pi, j] = buf[sl, b] if sl >= 0 else money_nom[pi, j]
        # metrics (feeds not accepted add nothing: only the accepted ones are summed)
        n_t = t_mat.shape[0]
        for m in range(m_n):
            x = 0.0
            for jf in range(acc_f.shape[0]):
                f = acc_f[jf]
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
            for jf in range(acc_f.shape[0]):
                f = acc_f[jf]
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
    key, sample0, n_samples, chunk, a, items, qu, qcol, acc_f, s_init, scratch, s_buf, outs
):  # pragma: no cover - compiled
    """prange over chunks of samples; per block of BLOCK samples the draw pass fills the
    thread's buf, then the walk reads it (per-thread scratch, nothing allocated per sample)."""
    n_chunks = (n_samples + chunk - 1) // chunk
    dist, table, lhs_n = a[11], a[12], a[13]
    for c in prange(n_chunks):
        tid = numba.get_thread_id()
        if s_init[tid] == 0:  # nominal values once per thread; samples overwrite the rest
            scratch[0][tid][:, :] = a[0]
            scratch[1][tid][:, :] = a[6]
            s_init[tid] = 1
        th = (
            scratch[0][tid],
            scratch[1][tid],
            scratch[2][tid],
            scratch[3][tid],
            scratch[4][tid],
            scratch[5][tid],
        )
        i1 = min((c + 1) * chunk, n_samples)
        for b0 in range(c * chunk, i1, BLOCK):
            nb = min(BLOCK, i1 - b0)
            draw_block(key, sample0 + b0, b0, nb, items, dist, table, lhs_n, qu, qcol, s_buf[tid])
            _walk_block_jit(
                nb,
                b0,
                s_buf[tid],
                items[10],
                items[11],
                items[12],
                items[13],
                a[0],
                a[3],
                a[4],
                a[5],
                a[6],
                a[9],
                a[10],
                a[14],
                a[15],
                a[17],
                a[18],
                a[19],
                a[20],
                acc_f,
                a[21],
                a[22],
                a[23],
                a[24],
                a[25],
                a[26],
                a[27],
                a[28],
                a[29],
                a[30],
                a[31],
                a[32],
                a[33],
                a[34],
                a[37],
                th[0],
                th[1],
                th[2],
                th[3],
                th[4],
                th[5],
                outs[0],
                outs[1],
                outs[2],
                outs[3],
                outs[4],
                outs[5],
            )


_evaluate_jit: Callable[..., None] | None
if HAVE_NUMBA:
    # fastmath reassociation and contraction in the walk (sums vectorise); not in the draws
    _walk_block_jit = njit(cache=True, nogil=True, fastmath={"reassoc", "nsz", "contract"})(
        _walk_block
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
    items = draw_items(a)
    scratch = (
        np.empty((n_thr, f_n, m_n)),
        np.empty((n_thr, a.tc_nom.shape[0], m_n)),
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
        a.as_tuple(),
        items.as_tuple(),
        *qmc_tables(a, key, sample0, n_samples),
        np.flatnonzero(a.accept != 0).astype(np.int64),
        np.zeros(n_thr, dtype=np.int64),
        scratch,
        np.empty((n_thr, items.kind.shape[0], BLOCK)),
        (out.input_t, out.recovered_t, out.throughput_t, scal, out.tnum, out.tden),
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

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
samples item by item, then the walk (:mod:`plantopt.uncertainty.kernels_mc_walk`) computes
the sums above for all the block's samples at once, the sample as the last, contiguous axis
of every quantity (one call per block: a call per sample passed some fifty arrays and cost
more than the walk itself). The walk is compiled with fastmath
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
from plantopt.uncertainty.kernels_mc_walk import WalkPlan, walk_lanes, walk_plan
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


def _evaluate_chunks(
    key, sample0, n_samples, chunk, a, items, qu, qcol, w, scratch, s_buf, outs
):  # pragma: no cover - compiled
    """prange over chunks of samples; per block of BLOCK samples the draw pass fills the
    thread's buf, then the walk computes the block's metrics (per-thread scratch, nothing
    allocated per sample)."""
    n_chunks = (n_samples + chunk - 1) // chunk
    dist, table, lhs_n = a[11], a[12], a[13]
    for c in prange(n_chunks):
        tid = numba.get_thread_id()
        sc = (
            scratch[0][tid],
            scratch[1][tid],
            scratch[2][tid],
            scratch[3][tid],
            scratch[4][tid],
            scratch[5][tid],
            scratch[6][tid],
            scratch[7][tid],
            scratch[8][tid],
            scratch[9][tid],
            scratch[10][tid],
            scratch[11][tid],
            scratch[12][tid],
            scratch[13][tid],
            scratch[14][tid],
        )
        i1 = min((c + 1) * chunk, n_samples)
        for b0 in range(c * chunk, i1, BLOCK):
            nb = min(BLOCK, i1 - b0)
            draw_block(key, sample0 + b0, b0, nb, items, dist, table, lhs_n, qu, qcol, s_buf[tid])
            walk_lanes(nb, b0, s_buf[tid], items[10:14], a, w, sc, outs)


_evaluate_jit: Callable[..., None] | None
if HAVE_NUMBA:
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


def _scratch(a: MCArrays, w: WalkPlan, n_thr: int) -> tuple[np.ndarray, ...]:
    """Per-thread scratch of the lane-vectorised walk (kernels_mc_walk, lane last)."""
    m_n, b = a.n_materials, BLOCK
    shapes = [
        (w.use_f.shape[0], m_n, b),  # C
        (w.grp_ptr.shape[0] - 1, b),  # TOT
        (a.node_smat.shape[0], b),  # CF
        (a.node_parent.shape[0], b),  # MS
        *[(m_n, b)] * 4,  # G, IN, SK, REC
        (a.n_units, b),  # THR
        (a.n_targets, b),  # TN
        (a.n_targets, b),  # TD
        (5, b),  # SCAL
        *[(b,)] * 3,  # D, R, S
    ]
    return tuple(np.zeros((n_thr, *shape)) for shape in shapes)


def evaluate(
    a: MCArrays,
    key: int,
    sample0: int,
    n_samples: int,
    chunk: int = DEFAULT_CHUNK,
    use_numba: bool | None = None,
    uniforms: np.ndarray | None = None,
) -> MCOutput:
    """Evaluate samples ``sample0 .. sample0 + n_samples - 1`` (numba, else the NumPy twin).

    Results depend only on (key, sample index), never on ``chunk`` or the thread count.
    ``uniforms`` (n_samples, D), only with QMC sampling: the points to use instead of the
    run's Sobol' points (one column per Sobol' dimension, ``qmc.qmc_columns``).
    """
    _check_call(a, sample0, n_samples)
    if use_numba is None:
        use_numba = True
    if not use_numba or _evaluate_jit is None:  # numba when available, else the twin
        return evaluate_numpy(a, key, sample0, n_samples, uniforms)
    out = MCOutput.empty(n_samples, a)
    scal = np.empty((n_samples, 5))
    # numba.config sets its options through globals() at import, out of mypy's sight
    n_thr: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    items = draw_items(a)
    w = walk_plan(a, items.tc_slot)
    _evaluate_jit(
        np.uint64(key),
        sample0,
        n_samples,
        int(chunk),
        a.as_tuple(),
        items.as_tuple(),
        *qmc_tables(a, key, sample0, n_samples, uniforms),
        w.as_tuple(),
        _scratch(a, w, n_thr),
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

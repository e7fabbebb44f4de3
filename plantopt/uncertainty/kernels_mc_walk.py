"""Tree walk of the Monte Carlo kernel, vectorised over the samples of a block.

The draw pass (:mod:`plantopt.uncertainty.kernels_mc_draws`) leaves the draws of a block's
samples in ``buf[item, lane]``. The walk computes the module sums of
:mod:`plantopt.uncertainty.kernels_mc` for all lanes at once: every quantity carries the lane
as its last, contiguous axis, so each step of the walk is one vector operation over the
block's samples. It keeps only what the metrics read:

    C[jf, m, b]   sampled composition of the used feeds (accepted, or entry of a node)
    TOT[g, b]     sum over the rows of the renormalised (unit, class) pair g of material m
                  (only the pairs and materials some node's support reads)
    CF[j, b]      coefficient of support entry j (node a, material m):
                  C[feed(a), m] at an entry node, CF[parent entry, b] * tc(k, m) below, with
                  tc(k, m) = x(k, m) / TOT[g] (nominal where TOT <= 0 or not renormalised)
    MS[a, b]      node mass sum_m CF

(the same formulas as the per-sample kernel, in the same order per lane).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from plantopt.uncertainty.mc_arrays import MCArrays


@dataclass(frozen=True)
class WalkPlan:
    """Index arrays of the lane-vectorised walk (see the module docstring)."""

    use_f: np.ndarray  # (nF,) feeds whose composition the walk reads
    node_jf: np.ndarray  # (A,) index into use_f of an entry node's feed, -1 below
    j_parent: np.ndarray  # (J,) parent's support entry of the same material, -1 at entries
    j_grp: np.ndarray  # (J,) renormalised group of (row, material), -1 nominal
    j_slot: np.ndarray  # (J,) draw item of tc (row, material), -1 nominal
    j_nom: np.ndarray  # (J,) nominal tc (row, material)
    grp_ptr: np.ndarray  # (G+1,) rows of group g: grp_ptr[g]:grp_ptr[g+1]
    grp_slot: np.ndarray  # item of each row's tc, -1 nominal
    grp_nom: np.ndarray  # nominal tc of each row
    t_j: np.ndarray  # per target-CSR entry: support entry of k_t, -1 node mass, -2 zero

    def as_tuple(self) -> tuple:
        return (
            self.use_f,
            self.node_jf,
            self.j_parent,
            self.j_grp,
            self.j_slot,
            self.j_nom,
            self.grp_ptr,
            self.grp_slot,
            self.grp_nom,
            self.t_j,
        )


def _support_index(a: MCArrays) -> dict[tuple[int, int], int]:
    """(node, material) -> support entry."""
    out = {}
    for n in range(a.node_parent.shape[0]):
        for j in range(int(a.node_sptr[n]), int(a.node_sptr[n + 1])):
            out[(n, int(a.node_smat[j]))] = j
    return out


def walk_plan(a: MCArrays, tc_slot: np.ndarray) -> WalkPlan:
    """The walk's index arrays for a plan (``tc_slot``: DrawItems.tc_slot)."""
    n_a = a.node_parent.shape[0]
    entry = a.node_parent < 0
    use_f = np.unique(np.concatenate([np.flatnonzero(a.accept != 0), a.node_feed[entry]]))
    node_jf = np.full(n_a, -1, dtype=np.int64)
    node_jf[entry] = np.searchsorted(use_f, a.node_feed[entry])
    sup = _support_index(a)
    n_j = int(a.node_sptr[-1])
    j_parent = np.full(n_j, -1, dtype=np.int64)
    j_grp = np.full(n_j, -1, dtype=np.int64)
    j_slot = np.full(n_j, -1, dtype=np.int64)
    j_nom = np.zeros(n_j)
    pair_of_row = np.repeat(np.arange(len(a.pair_ptr) - 1), np.diff(a.pair_ptr))
    groups: dict[tuple[int, int], int] = {}
    grp_rows: list[tuple[int, int]] = []
    for (n, m), j in sup.items():
        p = int(a.node_parent[n])
        if p < 0:
            continue
        j_parent[j] = sup[(p, m)]  # the child's support lies in the parent's
        k = int(a.node_row[n])
        j_slot[j], j_nom[j] = tc_slot[k, m], a.tc_nom[k, m]
        q = int(pair_of_row[k])
        if a.pair_spread[q, m] == 0:
            continue
        if (q, m) not in groups:
            groups[(q, m)] = len(groups)
            grp_rows += [(r, m) for r in range(int(a.pair_ptr[q]), int(a.pair_ptr[q + 1]))]
        j_grp[j] = groups[(q, m)]
    sizes = [int(a.pair_ptr[q + 1] - a.pair_ptr[q]) for q, _ in groups]
    grp_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    rr = np.array([r for r, _ in grp_rows], dtype=np.int64)
    mm = np.array([m for _, m in grp_rows], dtype=np.int64)
    t_j = np.full(int(a.node_tptr[-1]), -1, dtype=np.int64)
    for n in range(n_a):
        for jt in range(int(a.node_tptr[n]), int(a.node_tptr[n + 1])):
            k = int(a.t_mat[a.node_tidx[jt]])
            if k >= 0:
                t_j[jt] = sup.get((n, k), -2)
    return WalkPlan(
        use_f.astype(np.int64),
        node_jf,
        j_parent,
        j_grp,
        j_slot,
        j_nom,
        grp_ptr,
        tc_slot[rr, mm].astype(np.int64) if rr.size else np.zeros(0, dtype=np.int64),
        a.tc_nom[rr, mm] if rr.size else np.zeros(0),
        t_j,
    )


# ----------------------------------------------------------------------------- numba


def _comp_lanes(nb, buf, comp_slot, a, use_f, C, D, R, S):  # pragma: no cover - compiled
    """C[jf, :, 0:nb]: the used feeds' sampled compositions ('other' absorbs the change
    where it can, else the drawn materials are rescaled to the feed's total)."""
    comp_nom, feed_total, feed_spread, other = a[0], a[3], a[4], a[5]
    m_n = comp_nom.shape[1]
    for jf in range(use_f.shape[0]):
        f = use_f[jf]
        if feed_spread[f] == 0:
            for m in range(m_n):
                for b in range(nb):
                    C[jf, m, b] = comp_nom[f, m]
            continue
        for b in range(nb):
            D[b] = 0.0
            R[b] = 0.0
        for m in range(m_n):
            if m == other:
                continue
            sl = comp_slot[f, m]
            nom = comp_nom[f, m]
            for b in range(nb):
                x = buf[sl, b] if sl >= 0 else nom
                C[jf, m, b] = x
                D[b] += x - nom
                R[b] += x
        absorb = other >= 0 and comp_nom[f, other] > 0
        for b in range(nb):
            rescale = True
            if absorb:
                oth = comp_nom[f, other] - D[b]
                rescale = oth < 0
                C[jf, other, b] = 0.0 if rescale else oth
            elif other >= 0:
                C[jf, other, b] = comp_nom[f, other]
            S[b] = feed_total[f] / R[b] if rescale and R[b] > 0 else 1.0
        for m in range(m_n):
            if m != other:
                for b in range(nb):
                    C[jf, m, b] *= S[b]


def _walk_lanes(nb, row0, buf, slots, a, w, sc, outs):  # pragma: no cover - compiled
    """The metrics of the nb samples of a block (output rows row0 ..), all lanes at once."""
    comp_slot, money_slot, price_slot = slots[0], slots[2], slots[3]
    value, rec, price_mode, scen_factor, scen_cum, accept = a[14], a[15], a[17], a[18], a[19], a[20]
    node_parent, node_kind, node_target, node_flow, node_route_cost = (
        a[21],
        a[24],
        a[25],
        a[26],
        a[27],
    )
    node_sptr, node_smat, t_mat, t_cover, node_tptr, node_tidx, node_tw = (
        a[28],
        a[29],
        a[30],
        a[31],
        a[32],
        a[33],
        a[34],
    )
    money_nom = a[37]
    use_f, node_jf, j_parent, j_grp, j_slot, j_nom, grp_ptr, grp_slot, grp_nom, t_j = w
    C, TOT, CF, MS, G, IN, SK, REC, THR, TN, TD, SCAL, D, R, S = sc
    out_in, out_rec, out_thr, out_scal, out_tnum, out_tden = outs
    m_n = a[0].shape[1]
    _comp_lanes(nb, buf, comp_slot, a, use_f, C, D, R, S)
    # renormalisation sums of the groups the walk reads
    for g in range(grp_ptr.shape[0] - 1):
        for b in range(nb):
            TOT[g, b] = 0.0
        for r in range(grp_ptr[g], grp_ptr[g + 1]):
            sl = grp_slot[r]
            nom = grp_nom[r]
            for b in range(nb):
                TOT[g, b] += buf[sl, b] if sl >= 0 else nom
    # price factors
    if price_mode == 0:
        for m in range(m_n):
            sl = price_slot[m]
            for b in range(nb):
                G[m, b] = buf[sl, b] if sl >= 0 else 1.0
    else:
        for b in range(nb):
            u = buf[price_slot[m_n], b]
            c = 0
            while c < scen_cum.shape[0] - 1 and u >= scen_cum[c]:
                c += 1
            for m in range(m_n):
                G[m, b] = scen_factor[c, m]
    # inputs and target denominators
    for m in range(m_n):
        for b in range(nb):
            IN[m, b] = 0.0
            SK[m, b] = 0.0
            REC[m, b] = 0.0
        for jf in range(use_f.shape[0]):
            acc = accept[use_f[jf]]
            for b in range(nb):
                IN[m, b] += acc * C[jf, m, b]
    for t in range(t_mat.shape[0]):
        k = t_mat[t]
        for b in range(nb):
            TN[t, b] = 0.0
            TD[t, b] = 0.0
        for jf in range(use_f.shape[0]):
            f = use_f[jf]
            wt = t_cover[t, f] * accept[f]
            if t_cover[t, f] == 0.0:
                continue
            for b in range(nb):
                if k >= 0:
                    y = C[jf, k, b]
                else:
                    y = 0.0
                    for m in range(m_n):
                        y += C[jf, m, b]
                TD[t, b] += wt * y
    for u_ in range(THR.shape[0]):
        for b in range(nb):
            THR[u_, b] = 0.0
    for i in range(SCAL.shape[0]):
        for b in range(nb):
            SCAL[i, b] = 0.0
    _nodes(
        nb,
        buf,
        money_slot,
        money_nom,
        value,
        rec,
        node_parent,
        node_kind,
        node_target,
        node_flow,
        node_route_cost,
        node_sptr,
        node_smat,
        node_tptr,
        node_tidx,
        node_tw,
        node_jf,
        j_parent,
        j_grp,
        j_slot,
        j_nom,
        t_j,
        C,
        TOT,
        CF,
        MS,
        G,
        SK,
        REC,
        THR,
        TN,
        SCAL,
    )
    for b in range(nb):
        row = row0 + b
        err = 0.0
        for m in range(m_n):
            x = IN[m, b]
            out_in[row, m] = x
            out_rec[row, m] = REC[m, b]
            if x > 0:
                r = abs(x - SK[m, b]) / x
                if r > err:
                    err = r
        for u_ in range(THR.shape[0]):
            out_thr[row, u_] = THR[u_, b]
        for t in range(t_mat.shape[0]):
            out_tnum[row, t] = TN[t, b]
            out_tden[row, t] = TD[t, b]
        out_scal[row, 0] = SCAL[0, b]
        out_scal[row, 1] = SCAL[1, b]
        out_scal[row, 2] = err
        out_scal[row, 3] = SCAL[3, b]
        out_scal[row, 4] = SCAL[4, b]


def _nodes(
    nb,
    buf,
    money_slot,
    money_nom,
    value,
    rec,
    node_parent,
    node_kind,
    node_target,
    node_flow,
    node_route_cost,
    node_sptr,
    node_smat,
    node_tptr,
    node_tidx,
    node_tw,
    node_jf,
    j_parent,
    j_grp,
    j_slot,
    j_nom,
    t_j,
    C,
    TOT,
    CF,
    MS,
    G,
    SK,
    REC,
    THR,
    TN,
    SCAL,
):  # pragma: no cover - compiled
    """The walk over the active nodes (parents first), all lanes at once."""
    for a in range(node_parent.shape[0]):
        fl = node_flow[a]
        j0 = node_sptr[a]
        j1 = node_sptr[a + 1]
        for b in range(nb):
            MS[a, b] = 0.0
        if node_parent[a] < 0:
            jf = node_jf[a]
            for j in range(j0, j1):
                m = node_smat[j]
                for b in range(nb):
                    CF[j, b] = C[jf, m, b]
                    MS[a, b] += CF[j, b]
        else:
            for j in range(j0, j1):
                jp, g, sl, nom = j_parent[j], j_grp[j], j_slot[j], j_nom[j]
                for b in range(nb):
                    x = buf[sl, b] if sl >= 0 else nom
                    if g >= 0:
                        tot = TOT[g, b]
                        x = x / tot if tot > 0 else nom
                    CF[j, b] = CF[jp, b] * x
                    MS[a, b] += CF[j, b]
        rc = node_route_cost[a]
        for b in range(nb):
            SCAL[1, b] += rc * (MS[a, b] * fl)
        for jt in range(node_tptr[a], node_tptr[a + 1]):
            t, jj, wt = node_tidx[jt], t_j[jt], node_tw[jt]
            if jj == -2:
                continue
            for b in range(nb):
                y = MS[a, b] if jj < 0 else CF[jj, b]
                TN[t, b] += wt * fl * y
        kind = node_kind[a]
        if kind == 0:
            u_ = node_target[a]
            for b in range(nb):
                THR[u_, b] += MS[a, b] * fl
            continue
        if kind == 1:
            pi = node_target[a]
            for j in range(j0, j1):
                m = node_smat[j]
                rv, vv = rec[pi, m], value[pi, m]
                for b in range(nb):
                    q = CF[j, b] * fl
                    REC[m, b] += q * rv
                    SCAL[0, b] += q * vv * G[m, b]
            if money_nom.shape[0] > 0:
                s0, s1 = money_slot[pi, 0], money_slot[pi, 1]
                n0, n1 = money_nom[pi, 0], money_nom[pi, 1]
                for b in range(nb):
                    mf = MS[a, b] * fl
                    SCAL[3, b] += mf * (buf[s0, b] if s0 >= 0 else n0)
                    SCAL[4, b] += mf * (buf[s1, b] if s1 >= 0 else n1)
        for j in range(j0, j1):
            m = node_smat[j]
            for b in range(nb):
                SK[m, b] += CF[j, b] * fl


walk_lanes: Callable[..., None] | None
try:
    from numba import njit

    _fm = {"reassoc", "nsz", "contract"}  # sums vectorise; the draws are not in here
    _comp_lanes = njit(cache=True, nogil=True, fastmath=_fm)(_comp_lanes)
    _nodes = njit(cache=True, nogil=True, fastmath=_fm)(_nodes)
    walk_lanes = njit(cache=True, nogil=True, fastmath=_fm)(_walk_lanes)
except ImportError:  # pragma: no cover
    walk_lanes = None

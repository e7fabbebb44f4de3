"""Node coefficients of the route tree, kept sparse: CSR by node over the materials.

``coef[n, m]`` (t of material m per feed-equivalent t at node n) is zero for most pairs: a
stream carries only the materials its path lets through (18.6 % of the pairs are non-zero on
the generated XL tree, 482,760 nodes x 33 materials). :class:`NodeCoef` stores only the
non-zero entries, node-major with materials ascending within a node:

    coef[n, mat[e]] = val[e]   for e in ptr[n] .. ptr[n+1]-1,   0 elsewhere.

The values are the same float64 products as the dense recursion
(:func:`node_coefficients_sparse`: ``coef[n, m] = coef[parent(n), m] * tc[k(n), m]``, an
exact zero dropped), so every reader gets the dense array's numbers entry for entry. Row
reductions that must match the dense ones bit for bit (``node_mass``: NumPy's pairwise sum
over the 33 materials of a row) are done on dense blocks of :data:`BLOCK` rows
(:meth:`NodeCoef.rows`), never on the whole (N, M) array.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: Rows per dense block of the blockwise readers (~8.5 MiB at 33 materials).
BLOCK = 1 << 15
#: Rows per block of :meth:`NodeCoef.row_sums` (~1 MiB at 33 materials: stays in cache).
SUM_BLOCK = 1 << 12


def csr_take(ptr: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each key, the CSR range ptr[key]..ptr[key+1]: (position of the key, flat index)."""
    keys = np.asarray(keys, dtype=np.int64)
    counts = ptr[keys + 1] - ptr[keys]
    pos = np.repeat(np.arange(len(keys)), counts)
    starts = np.repeat(ptr[keys] - np.cumsum(counts) + counts, counts)
    return pos, starts + np.arange(int(counts.sum()))


@dataclass(frozen=True)
class NodeCoef:
    """coef[n, m] as CSR by node: ``ptr`` (N+1,) int64, ``mat`` (nnz,) material index (int8
    up to 127 materials, :func:`material_dtype`), ``val`` (nnz,) float64 (non-zero),
    materials ascending within a node."""

    ptr: np.ndarray
    mat: np.ndarray
    val: np.ndarray
    n_materials: int

    @property
    def n_nodes(self) -> int:
        return int(self.ptr.shape[0] - 1)

    @property
    def nnz(self) -> int:
        return int(self.val.shape[0])

    @property
    def nbytes(self) -> int:
        return int(self.ptr.nbytes + self.mat.nbytes + self.val.nbytes)

    def entries(self, nodes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Non-zero entries of ``nodes`` (every node when None): (position in ``nodes`` —
        the node id when None —, material, value), node-major as ``nodes`` are given,
        materials ascending within a node."""
        if nodes is None:
            pos = np.repeat(np.arange(self.n_nodes), np.diff(self.ptr))
            return pos, self.mat, self.val
        pos, flat = csr_take(self.ptr, nodes)
        return pos, self.mat[flat], self.val[flat]

    def rows(self, nodes: np.ndarray) -> np.ndarray:
        """Dense coef[nodes, :] (len(nodes) x M, zeros filled in): for small node sets and
        blocks; large sets go through :meth:`row_blocks`."""
        pos, mat, val = self.entries(nodes)
        return self._scatter(len(nodes), pos, mat, val)

    def _scatter(self, n: int, pos: np.ndarray, mat: np.ndarray, val: np.ndarray) -> np.ndarray:
        out = np.zeros((n, self.n_materials))
        out.reshape(-1)[pos * self.n_materials + mat] = val  # one flat fancy assignment
        return out

    def _range_rows(self, a: int, b: int) -> np.ndarray:
        """Dense coef[a:b, :] (the entries of a node range are contiguous)."""
        lo, hi = int(self.ptr[a]), int(self.ptr[b])
        pos = np.repeat(np.arange(b - a), np.diff(self.ptr[a : b + 1]))
        return self._scatter(b - a, pos, self.mat[lo:hi], self.val[lo:hi])

    def row_blocks(self, nodes: np.ndarray | None = None) -> Iterator[tuple[slice, np.ndarray]]:
        """(slice of ``nodes``, dense rows of those nodes) in blocks of :data:`BLOCK` nodes
        (``nodes`` None: every node)."""
        n = self.n_nodes if nodes is None else len(nodes)
        for a in range(0, n, BLOCK):
            sl = slice(a, min(a + BLOCK, n))
            if nodes is None:
                yield sl, self._range_rows(sl.start, sl.stop)
            else:
                yield sl, self.rows(np.asarray(nodes)[sl])

    def column(self, m: int, nodes: np.ndarray | None = None) -> np.ndarray:
        """coef[nodes, m] (every node when None) as a dense vector, zeros filled in (many
        nodes: from the whole column, one pass over the material indices)."""
        if nodes is None or len(nodes) > self.n_nodes // 16:
            e = np.flatnonzero(self.mat == m)
            out = np.zeros(self.n_nodes)
            out[np.searchsorted(self.ptr, e, side="right") - 1] = self.val[e]
            return out if nodes is None else out[nodes]
        pos, mat, val = self.entries(nodes)
        hit = mat == m
        out = np.zeros(len(nodes))
        out[pos[hit]] = val[hit]
        return out

    def row_sums(self) -> np.ndarray:
        """sum_m coef[n, m] of every node, bit for bit the dense ``coef.sum(axis=1)`` (the
        same pairwise sum over a dense row), in blocks of :data:`SUM_BLOCK` rows scattered
        into one reused buffer (cache-sized; zeroed again by the same scatter, so no fresh
        pages per block)."""
        n, m = self.n_nodes, self.n_materials
        out = np.empty(n)
        buf = np.zeros(min(SUM_BLOCK, n) * m)
        for a in range(0, n, SUM_BLOCK):
            b = min(a + SUM_BLOCK, n)
            lo, hi = int(self.ptr[a]), int(self.ptr[b])
            flat = np.repeat(np.arange(0, (b - a) * m, m), np.diff(self.ptr[a : b + 1]))
            flat += self.mat[lo:hi]
            buf[flat] = self.val[lo:hi]
            np.sum(buf[: (b - a) * m].reshape(b - a, m), axis=1, out=out[a:b])
            buf[flat] = 0.0
        return out

    def dense(self) -> np.ndarray:
        """The whole (N, M) array (tests and small trees only: 122 MiB on the XL tree)."""
        out = np.zeros((self.n_nodes, self.n_materials))
        pos, mat, val = self.entries()
        out[pos, mat] = val
        return out


def node_coefficients_sparse(
    comp: np.ndarray,
    tc: np.ndarray,
    node_feed: np.ndarray,
    node_parent: np.ndarray,
    node_tcrow: np.ndarray,
    nnz_hint: int | None = None,
) -> NodeCoef:
    """The node coefficients of the recursion

        coef[n, :] = comp[feed[n], :]                      (entry node, parent -1)
        coef[n, :] = coef[parent[n], :] * tc[tcrow[n], :]  otherwise

    computed on the non-zero entries only, one depth level at a time (a node's parent is one
    level up), in blocks of :data:`BLOCK` nodes; each child entry is its parent's entry times
    one transfer coefficient (the dense kernel's product), kept when it is not exactly zero.
    The entries are written into one buffer of ``nnz_hint`` entries (the route tree counts
    them while it enumerates; grown when short, trimmed when long), so the peak is the result
    plus one block's temporaries.
    """
    from plantopt.routetree.kernels import node_depths

    n_nodes = len(node_parent)
    depth = node_depths(node_parent)
    cap = max(int(nnz_hint if nnz_hint is not None else 4 * n_nodes), 1)
    out = _Buffer(cap, material_dtype(comp.shape[1]))
    counts = np.zeros(n_nodes, dtype=np.int64)
    level = np.flatnonzero(depth == 0)
    rows = comp[node_feed[level]]
    e_pos, e_mat = np.nonzero(rows)
    counts[level] = np.bincount(e_pos, minlength=len(level))
    out.append(e_mat, rows[e_pos, e_mat])
    del rows, e_pos, e_mat
    order = [level]
    prev_start = 0  # first entry of the previous level in the buffer
    loc = np.zeros(n_nodes, dtype=np.int64)  # position of each node within its level
    for d in range(1, int(depth.max(initial=0)) + 1):
        loc[level] = np.arange(len(level))
        p_ptr = np.zeros(len(level) + 1, dtype=np.int64)
        p_ptr[1:] = prev_start + np.cumsum(counts[level])
        p_ptr[0] = prev_start
        prev_start = out.n
        level = np.flatnonzero(depth == d)
        for a in range(0, len(level), BLOCK):
            idx = level[a : a + BLOCK]
            pos, flat = csr_take(p_ptr, loc[node_parent[idx]])
            mat = out.mat[flat]
            val = out.val[flat] * tc[node_tcrow[idx][pos], mat]
            keep = val != 0.0
            counts[idx] = np.bincount(pos[keep], minlength=len(idx))
            out.append(mat[keep], val[keep])
        order.append(level)
    return _node_major(out, counts, np.concatenate(order), comp.shape[1])


def material_dtype(n_materials: int) -> type:
    """The smallest signed integer type that holds the material indices (int8 up to 127
    materials: 1 byte per entry instead of 4)."""
    for dt in (np.int8, np.int16):
        if n_materials <= np.iinfo(dt).max:
            return dt
    return np.int32


class _Buffer:
    """Entries (material, value) appended in blocks into preallocated arrays."""

    def __init__(self, capacity: int, mat_dtype: type = np.int32) -> None:
        self.mat: np.ndarray = np.empty(capacity, dtype=mat_dtype)
        self.val: np.ndarray = np.empty(capacity)
        self.n = 0

    def append(self, mat: np.ndarray, val: np.ndarray) -> None:
        end = self.n + len(val)
        if end > len(self.val):  # short hint: grow by half (a copy)
            cap = max(end, len(self.val) * 3 // 2)
            self.mat = np.concatenate([self.mat[: self.n], np.empty(cap - self.n, self.mat.dtype)])
            self.val = np.concatenate([self.val[: self.n], np.empty(cap - self.n)])
        self.mat[self.n : end] = mat
        self.val[self.n : end] = val
        self.n = end

    def trimmed(self) -> tuple[np.ndarray, np.ndarray]:
        if self.n == len(self.val):
            return self.mat, self.val
        return self.mat[: self.n].copy(), self.val[: self.n].copy()


def _node_major(out: _Buffer, counts: np.ndarray, order: np.ndarray, n_mat: int) -> NodeCoef:
    """The CSR by node of the entries written level by level in the node order ``order``
    (already node-major when the levels number the nodes in order, as the route tree's do;
    else sorted by node, stably)."""
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(counts)
    mat, val = out.trimmed()
    if not np.array_equal(order, np.arange(len(counts))):
        perm = np.argsort(np.repeat(order, counts[order]), kind="stable")
        mat, val = mat[perm], val[perm]
    return NodeCoef(ptr, mat, val, n_mat)


__all__ = ["BLOCK", "NodeCoef", "csr_take", "node_coefficients_sparse"]

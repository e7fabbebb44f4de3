"""Dense route-tree node coefficients (numba), with a plain NumPy twin: the oracle of the
sparse coefficients the route tree keeps (``coef.node_coefficients_sparse``, the same numbers).

The composition of node n per tonne of its feed is

    coef[n, :] = comp[feed[n], :]                       if parent[n] == -1 (entry node)
    coef[n, :] = coef[parent[n], :] * tc[tcrow[n], :]   otherwise,

evaluated in node order (parents come before children). The numba kernel does one pass over
the nodes; the NumPy twin processes whole depth levels at once. Both give identical numbers
(the same products in the same order).

:func:`node_coefficients` uses the NumPy twin below :data:`NUMBA_MIN_NODES` nodes. numba is
imported only above it: importing it and loading the cached machine code costs ~1-1.5 s and
~110 MiB in every new process, more than the twin needs for such trees (generated XL, 301,860
nodes: whole route-tree build 1.2 s with the twin against 2.7 s with numba's import, cold
process, 2 cores; ``benchmarks/bench_kernels.py`` has the warm figures, where the kernel is
6-14x faster).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

#: Trees with fewer nodes use the NumPy twin (see the module docstring).
NUMBA_MIN_NODES = 1_000_000

#: Nodes per block of a depth level in the NumPy twin (~8 MiB of temporaries at 33 materials).
LEVEL_BLOCK = 1 << 15


def node_depths(node_parent: np.ndarray) -> np.ndarray:
    """Depth of every node (0 for entry nodes), by vectorised pointer passes.

    Each pass sets depth[n] = depth[parent[n]] + 1; it converges after (max depth + 1) passes,
    which is small for route trees (one pass per processing step).
    """
    n_nodes = node_parent.shape[0]
    depth = np.zeros(n_nodes, dtype=np.int64)
    has_parent = node_parent >= 0
    parent = np.where(has_parent, node_parent, 0)
    while n_nodes:
        new = np.where(has_parent, depth[parent] + 1, 0)
        if np.array_equal(new, depth):
            break
        depth = new
    return depth


def node_coefficients_numpy(
    comp: np.ndarray,
    tc: np.ndarray,
    node_feed: np.ndarray,
    node_parent: np.ndarray,
    node_tcrow: np.ndarray,
) -> np.ndarray:
    """NumPy twin of :func:`node_coefficients`: level by level, vectorised, each level in
    blocks of :data:`LEVEL_BLOCK` nodes (the gathered parent rows and transfer rows are
    temporaries of a block, not of a whole level: a level of the XL tree is ~40 % of it)."""
    n_nodes = node_parent.shape[0]
    coef = np.empty((n_nodes, comp.shape[1]))
    if n_nodes == 0:
        return coef
    depth = node_depths(node_parent)
    entry = depth == 0
    coef[entry] = comp[node_feed[entry]]
    for d in range(1, int(depth.max()) + 1):
        level = np.flatnonzero(depth == d)
        for a in range(0, len(level), LEVEL_BLOCK):
            idx = level[a : a + LEVEL_BLOCK]
            block = coef[node_parent[idx]]
            block *= tc[node_tcrow[idx]]
            coef[idx] = block
    return coef


def _node_coefficients_loop(
    comp: np.ndarray,
    tc: np.ndarray,
    node_feed: np.ndarray,
    node_parent: np.ndarray,
    node_tcrow: np.ndarray,
    coef: np.ndarray,
) -> None:
    n_nodes, n_mat = coef.shape
    for n in range(n_nodes):
        p = node_parent[n]
        if p < 0:
            f = node_feed[n]
            for m in range(n_mat):
                coef[n, m] = comp[f, m]
        else:
            k = node_tcrow[n]
            for m in range(n_mat):
                coef[n, m] = coef[p, m] * tc[k, m]


#: the compiled kernel, once numba is imported (None without numba)
_JIT: list[Callable[..., None] | None] = []


def _jit() -> Callable[..., None] | None:
    """The numba kernel, compiled (or loaded from the cache) on first use; None when numba
    is missing or disabled (PLANTOPT_DISABLE_NUMBA)."""
    if not _JIT:
        try:  # numba is a dependency, but keep a working fallback
            from numba import njit
        except ImportError:  # pragma: no cover
            _JIT.append(None)
        else:
            _JIT.append(
                None
                if os.environ.get("PLANTOPT_DISABLE_NUMBA", "")
                else njit(cache=True, nogil=True)(_node_coefficients_loop)
            )
    return _JIT[0]


def node_coefficients(
    comp: np.ndarray,
    tc: np.ndarray,
    node_feed: np.ndarray,
    node_parent: np.ndarray,
    node_tcrow: np.ndarray,
) -> np.ndarray:
    """Composition of every route-tree node per tonne of its feed, shape (nodes, materials).

    Uses the numba kernel for trees of at least :data:`NUMBA_MIN_NODES` nodes (when numba is
    available), else the NumPy twin.
    """
    if node_parent.shape[0] < NUMBA_MIN_NODES or (kernel := _jit()) is None:
        return node_coefficients_numpy(comp, tc, node_feed, node_parent, node_tcrow)
    coef = np.empty((node_parent.shape[0], comp.shape[1]))
    tc_c = np.ascontiguousarray(tc, dtype=np.float64)
    if tc_c.shape[0] == 0:
        tc_c = np.zeros((1, comp.shape[1]))
    kernel(
        np.ascontiguousarray(comp, dtype=np.float64),
        tc_c,
        node_feed.astype(np.int64),
        node_parent.astype(np.int64),
        node_tcrow.astype(np.int64),
        coef,
    )
    return coef

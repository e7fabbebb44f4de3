"""Per-node sums over the product nodes' coefficient entries, in cache-sized blocks.

The entries (i, m, c) of the product nodes' coefficients are node-major (``pos``
ascending, :class:`plantopt.routetree.tree.ProductEntries`). A sum over each node's
entries, s_i = sum_{e : pos[e] = i} t_e, is made block by block: blocks of about
ENTRY_BLOCK entries that never split a node's entries, each summed by one bincount into the
nodes it covers. A node's terms are still added one by one in entry order, so s is one
bincount over all entries bit for bit, without entry-sized temporaries (on this path they
cost more in fresh pages than in arithmetic).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

ENTRY_BLOCK = 8192  # entries per block (64 KiB float64 buffers)


def node_blocks(pos: np.ndarray, size: int = ENTRY_BLOCK) -> Iterator[tuple[int, int]]:
    """[a, b) entry ranges of about ``size`` entries, each starting at a node's first
    entry (``pos`` ascending)."""
    cuts = np.searchsorted(pos, pos[size::size])  # the first entry of the node at a cut
    bounds = np.unique(np.r_[0, cuts, len(pos)]).tolist()
    return zip(bounds[:-1], bounds[1:])


def node_sums(pos: np.ndarray, n_nodes: int, terms: Callable[[int, int], np.ndarray]) -> np.ndarray:
    """s_i = sum of ``terms(a, b)`` over the entries of node i (``terms(a, b)``: the terms
    of entries a..b-1), in entry order."""
    out = np.zeros(n_nodes)
    for a, b in node_blocks(pos):
        lo, hi = int(pos[a]), int(pos[b - 1]) + 1
        out[lo:hi] = np.bincount(pos[a:b] - lo, weights=terms(a, b), minlength=hi - lo)
    return out


__all__ = ["ENTRY_BLOCK", "node_blocks", "node_sums"]

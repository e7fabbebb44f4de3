"""Feed and routing families.

feed_balance[f]:   sum_{entry nodes n of f} flow[n] - accept[f] = 0
output_balance[g]: sum_{c in C(g)} flow[c] - flow[parent(g)] = 0
    for every unit node and output g with children C(g): each output carries all the
    feed-equivalent tonnes that entered the unit, with its own composition.
"""

from __future__ import annotations

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import Family, IntLabels, family, stack


def _group_of_child(ctx: PeriodContext) -> tuple[np.ndarray, np.ndarray]:
    """(group, child node) of every child of every conservation group of the tree."""
    tree = ctx.data.tree
    lengths = np.diff(tree.group_ptr)
    return np.repeat(np.arange(tree.n_groups), lengths), tree.group_children


def feed_balance(ctx: PeriodContext) -> Family:
    d, lay, tree = ctx.data, ctx.layout, ctx.data.tree
    F = len(d.feeds)
    group, child = _group_of_child(ctx)
    root = tree.group_parent[group] < 0  # children of a feed's root group: its entry nodes
    feed = tree.group_feed[group[root]].astype(np.int64)
    row, col, val = stack(
        (feed, lay.flow0 + child[root], np.ones(int(root.sum()))),
        (np.arange(F), np.arange(F), -np.ones(F)),
    )
    return family(
        "feed_balance",
        d.feeds,
        row,
        col,
        val,
        0.0,
        0.0,
        doc="entry flows of a feed sum to the tonnage accepted",
    )


def output_balance(ctx: PeriodContext) -> Family:
    lay, tree = ctx.layout, ctx.data.tree
    lengths = np.diff(tree.group_ptr)
    groups = np.flatnonzero((tree.group_parent >= 0) & (lengths > 0))
    G = len(groups)
    # the children of those groups (a group's children are a run of group_children), then
    # each group's parent; written straight into the family's int32 / float arrays
    child = tree.group_children[np.repeat(tree.group_parent >= 0, lengths)]
    n = len(child) + G
    if lay.flow0 + tree.n_nodes > np.iinfo(np.int32).max:
        raise ValueError("a row or column index does not fit in int32")
    row, col, val = np.empty(n, np.int32), np.empty(n, np.int32), np.empty(n)
    row[: len(child)] = np.repeat(np.arange(G, dtype=np.int32), lengths[groups])
    np.add(child, lay.flow0, out=col[: len(child)], casting="unsafe")
    val[: len(child)] = 1.0
    row[len(child) :] = np.arange(G, dtype=np.int32)
    np.add(tree.group_parent[groups], lay.flow0, out=col[len(child) :], casting="unsafe")
    val[len(child) :] = -1.0
    return family(
        "output_balance",
        IntLabels(groups),
        row,
        col,
        val,
        0.0,
        0.0,
        doc="each unit output routes all feed-equivalent tonnes that entered the unit",
    )

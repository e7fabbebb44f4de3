"""Feed and routing families.

    feed_balance[f]:   sum_{entry nodes n of f} flow[n] - accept[f] = 0
    output_balance[g]: sum_{c in C(g)} flow[c] - flow[parent(g)] = 0
        for every unit node and output g with children C(g): each output carries all the
        feed-equivalent tonnes that entered the unit, with its own composition.
"""

from __future__ import annotations

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import Family, csr_rows, family, stack


def feed_balance(ctx: PeriodContext) -> Family:
    d, lay = ctx.data, ctx.layout
    F = len(d.feeds)
    r, nodes = csr_rows([d.feed_root_nodes[f] for f in d.feeds])
    row, col, val = stack((r, lay.flow0 + nodes, np.ones(len(nodes))),
                          (np.arange(F), np.arange(F), -np.ones(F)))
    return family("feed_balance", d.feeds, row, col, val, 0.0, 0.0,
                  doc="entry flows of a feed sum to the tonnage accepted")


def output_balance(ctx: PeriodContext) -> Family:
    d, lay = ctx.data, ctx.layout
    G = len(d.groups)
    r, kids = csr_rows([d.group_children[g] for g in d.groups])
    parents = np.fromiter((d.group_parent[g] for g in d.groups), np.int64, G)
    row, col, val = stack((r, lay.flow0 + kids, np.ones(len(kids))),
                          (np.arange(G), lay.flow0 + parents, -np.ones(G)))
    return family("output_balance", d.groups, row, col, val, 0.0, 0.0,
                  doc="each unit output routes all feed-equivalent tonnes that entered the unit")

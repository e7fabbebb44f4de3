"""Experiment (issue 17, session 7): valid inequalities of the facility-location kind for the
tie-break stage, measured by ``bench_tiebreak.py --all`` (variants ``links-node`` and
``links-feed``). Not part of the model: they tighten the LP bound of the profit stage but
slow both stages down (models/formulation.md §6, "Alternatives measured"), so the model does
not use them. Written as row families (model/family.py) so the benchmark adds them to
``model.build.PERIOD_ROWS`` and every emitter sees them.

With B_u = run[u] for a unit with a minimum load, else sum_j build[u, j] (units without
existing capacity; units with existing capacity and no minimum load get no row), mu_n the
real t per feed-equivalent t of node n, A_f the upper bound of accept[f] (collection steps
included) and Cmax_u the largest capacity of u:

* ``node_link[n]`` (unit nodes n at u, feed f):  mu_n y_n - min(mu_n A_f, Cmax_u) B_u <= 0
  (y_n <= x_f <= A_f because every output of a unit carries all the feed-equivalent tonnes
  that entered it: flow only splits on the way down the tree);
* ``feed_link[f, u]``:  sum_{n at u of f} mu_n y_n - min(A_f M_{f,u}, Cmax_u) B_u <= 0, with
  M_{f,u} the most real t of u's throughput per t of f, by the recursion over the tree
  V(n) = mu_n e_{u(n)} + sum_{outputs g of n} max_{c in C_g} V(c) (elementwise, so an upper
  bound: each unit's best routing on its own), M_{f,u} = max over f's entry nodes.

Valid: with B_u = 0 the unit has no capacity (or does not run), so its throughput, and
each mu_n y_n >= 0 in it, is 0; with B_u >= 1 (an integer; modules count, a continuous
option's segments need build = 1) the left-hand side is at most the bound. Rows whose bound
reaches Cmax_u are implied by capacity_limit / run_upper and are not written. Elastic
diagnosis: the rows relax with their unit's ``capacity`` slack, which keeps them implied by
the relaxed capacity rows. Network instances get no rows.
"""

from __future__ import annotations

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import INF, Family, IntLabels, Relax, family

IMPLIED_FRACTION = 1.0 - 1e-9  # bounds at or above this x Cmax_u: the row is implied


def _available(ctx: PeriodContext) -> np.ndarray:
    """A_f: accept's upper bound (available tonnage plus collection steps) per feed."""
    d, reg = ctx.data, ctx.regulation
    extra = [reg.extra_collectable(f) if reg is not None else 0.0 for f in d.feeds]
    return np.array([d.feed_ub[f] + e for f, e in zip(d.feeds, extra)], dtype=float)


def _link_columns(ctx: PeriodContext, u: str) -> list[int] | None:
    """Columns of B_u (run[u], or every build[u, j]), or None when u gets no row."""
    d, lay = ctx.data, ctx.layout
    if u in ctx.run_units:
        return [lay.run0 + ctx.run_units.index(u)]
    if d.unit_existing[u] <= 0:
        return [lay.build0 + lay.o_index[(u, j)] for j in d.unit_options[u]]
    return None


def _rows(
    ctx: PeriodContext, name: str, groups: list[tuple[object, str, np.ndarray, float]]
) -> Family:
    """One row per (label, unit, unit-node entries, bound): sum mu_n y_n - bound B_u <= 0."""
    terms = ctx.data.unit_node_terms
    assert terms is not None
    labels, units, rows, cols, vals = [], [], [], [], []
    for label, u, entries, bound in groups:
        b_cols = _link_columns(ctx, u)
        if b_cols is None or not bound < IMPLIED_FRACTION * ctx.data.unit_max_capacity[u]:
            continue
        r = len(labels)
        labels.append(label)
        units.append(u)
        rows.append(np.full(len(entries) + len(b_cols), r))
        cols.append(np.concatenate([ctx.layout.flow0 + terms.node[entries], b_cols]))
        vals.append(np.concatenate([terms.coef[entries], np.full(len(b_cols), -bound)]))
    cmax = np.array([ctx.data.unit_max_capacity[u] for u in units], dtype=float)
    cat = lambda a, t: np.concatenate(a) if a else np.zeros(0, dtype=t)  # noqa: E731
    index = IntLabels(labels) if name == "node_link" else labels
    return family(
        name,
        index,
        cat(rows, np.int64),
        cat(cols, np.int64),
        cat(vals, float),
        -INF,
        0.0,
        doc="no flow into a unit unless it is built (or runs); experiment",
        relax=Relax("capacity", tuple(units), cmax, np.maximum(cmax, 1.0), "t/yr"),
    )


def _entries(ctx: PeriodContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit index into tree.units, feed, positive-mass flag) of every unit-node entry."""
    d = ctx.data
    terms = d.unit_node_terms
    assert terms is not None and terms.ptr is not None
    return terms.group_of_entry(), d.tree.node_feed[terms.node].astype(np.int64), terms.coef > 0


def node_link(ctx: PeriodContext) -> Family:
    """node_link[n] of the module docstring."""
    d = ctx.data
    if d.network is not None:
        return _rows(ctx, "node_link", [])
    terms = d.unit_node_terms
    assert terms is not None
    unit, feed, pos = _entries(ctx)
    avail = _available(ctx)
    groups = []
    for e in np.flatnonzero(pos):
        u = d.tree.units[unit[e]]
        bound = min(terms.coef[e] * avail[feed[e]], d.unit_max_capacity[u])
        groups.append((int(terms.node[e]), u, np.array([e]), bound))
    return _rows(ctx, "node_link", groups)


def reach_per_feed(ctx: PeriodContext) -> np.ndarray:
    """(F, U) M_{f,u} of the module docstring (U = units of the route tree)."""
    d, tree = ctx.data, ctx.data.tree
    terms = d.unit_node_terms
    assert terms is not None
    V = np.zeros((tree.n_nodes, len(tree.units)))
    V[terms.node, terms.group_of_entry()] = terms.coef
    depth = np.zeros(tree.n_nodes, dtype=np.int64)
    for n in np.flatnonzero(tree.node_parent >= 0):  # parents come first (tree order)
        depth[n] = depth[tree.node_parent[n]] + 1
    gpar, ptr = tree.group_parent, tree.group_ptr
    gdepth = np.where(gpar >= 0, depth[np.maximum(gpar, 0)], -1)
    M = np.zeros((len(d.feeds), len(tree.units)))
    for level in range(int(depth.max()), -2, -1):
        gs = np.flatnonzero((gdepth == level) & (np.diff(ptr) > 0))
        if not len(gs):
            continue
        counts = ptr[gs + 1] - ptr[gs]
        starts = np.repeat(ptr[gs] - np.cumsum(counts) + counts, counts)
        kids = tree.group_children[starts + np.arange(int(counts.sum()))]
        best = np.maximum.reduceat(V[kids], np.concatenate([[0], np.cumsum(counts)[:-1]]), axis=0)
        if level >= 0:
            np.add.at(V, gpar[gs], best)
        else:  # the feeds' root groups
            np.maximum.at(M, tree.group_feed[gs].astype(np.int64), best)
    return M


def feed_link(ctx: PeriodContext) -> Family:
    """feed_link[f, u] of the module docstring."""
    d = ctx.data
    if d.network is not None:
        return _rows(ctx, "feed_link", [])
    M = reach_per_feed(ctx)
    unit, feed, pos = _entries(ctx)
    avail = _available(ctx)
    groups = []
    for k, u in enumerate(d.tree.units):
        sel = np.flatnonzero((unit == k) & pos)
        for f in np.unique(feed[sel]):
            bound = min(avail[f] * M[f, k], d.unit_max_capacity[u])
            groups.append(((d.feeds[f], u), u, sel[feed[sel] == f], bound))
    return _rows(ctx, "feed_link", groups)


ROWS = {"links-node": node_link, "links-feed": feed_link}

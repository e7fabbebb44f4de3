"""Network families (issue 15): the route tree placed at sites, shipments, hauls, site builds.

Sites s, site lanes l = (a, b, mode), hauls h = (f, r, s, mode); sf = site_flow, sb =
site_build, z = site_run; mu_n the real mass per feed-equivalent tonne at node n; mu_g that
of group g's stream (its children share one composition). Columns exist only with sites.

    site_split[n]:            flow[n] - sum_s sf[n, s] = 0
    site_output_balance[g,s]: sum_{c in C(g)} sf[c, s] - sf[parent(g), s]
                              + sum_{l from s} ship[g, l] - sum_{l to s} ship[g, l] = 0
    site_entry[f, s]:         sum_{n in E(f)} sf[n, s] - sum_{h = (f, ., s, .)} haul[h] = 0
                              (feeds with region_supply rows)
    region_supply[f, r]:      sum_{h = (f, r, ., .)} haul[h] - share_{f,r} sum_{k of f}
                              collect[k] <= supply_{f, r}   (share = supply_fr / sum_r)
    site_build_link[u, j]:    build[u, j] - sum_s sb[s, u, j] = 0          (per build decision)
    site_one_option[s, u]:    sum_j sb[s, u, j] <= 1  (per build decision; not for a modular
                              unit: sb is its one option's module count in [0, max_modules])
    site_capacity_limit[s,u]: sum_{n at u} mu_n sf[n, s] - sum_j K_uj sb[s, u, j] <= X_su
    site_run_upper[s, u]:     sum_{n at u} mu_n sf[n, s] - Cmax_su z[s, u] <= 0
    site_min_load[s, u]:      sum mu_n sf[n, s] - ml_su sum_j K_uj sb[s,u,j] - Cmax_su z[s,u]
                              >= ml_su X_su - Cmax_su
                              (ml_su: site_units.min_load_frac, else the unit's ml_u)
    site_run_if_built[s, u]:  z[s, u] - sum_j sb[s, u, j] <= 0        (X_su = 0)
    site_resource[s, r]:      sum_{u, j} a^r_uj sb[s, u, j] <= A^r_s  (r = land, staff)
    site_throughput[s, u] =   sum_{n at u} mu_n sf[n, s]              (expression, t/yr)

With these rows the aggregate flow[n], build[u, j] and every family written over them
(revenue, recovery, the regulation targets, the budget) are the sums over the sites; the
aggregate output_balance and capacity_limit rows are the sums of the site rows (redundant),
and the aggregate one_option and run rows are not made (model/build.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import INF, Family, Relax, family, stack
from plantopt.model.layout import Layout
from plantopt.model.network import NetworkData

Key = Callable[[object, int], object]  # Timing.key: the row label of a decision in period t


def _net(ctx: PeriodContext) -> NetworkData:
    net = ctx.data.network
    assert net is not None
    return net


def _group_children(ctx: PeriodContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(groups with a parent and children, group of every child entry, child node)."""
    tree = ctx.data.tree
    lengths = np.diff(tree.group_ptr)
    group = np.repeat(np.arange(tree.n_groups), lengths)
    groups = np.flatnonzero((tree.group_parent >= 0) & (lengths > 0))
    return groups, group, tree.group_children


def site_split(ctx: PeriodContext) -> Family:
    lay = ctx.layout
    N, S = lay.n_nodes, len(lay.sites)
    nodes = np.arange(N)
    rn = np.repeat(nodes, S)
    rs = np.tile(np.arange(S), N)
    row, col, val = stack(
        (nodes, lay.flow0 + nodes, np.ones(N)),
        (rn, lay.site_flow_col(rn, rs), -np.ones(N * S)),
    )
    return family(
        "site_split", list(range(N)), row, col, val, 0.0, 0.0,
        doc="a node's flow is the sum of its flows at the sites",
    )  # fmt: skip


def site_output_balance(ctx: PeriodContext) -> Family:
    lay, tree = ctx.layout, ctx.data.tree
    S = len(lay.sites)
    sidx = {s: i for i, s in enumerate(lay.sites)}
    groups, group, child = _group_children(ctx)
    rank = np.full(tree.n_groups, -1, dtype=np.int64)
    rank[groups] = np.arange(len(groups))
    keep = rank[group] >= 0
    cg, cc = rank[group[keep]], child[keep]
    s_all = np.arange(S)
    parts = [
        (np.repeat(cg, S) * S + np.tile(s_all, len(cg)),
         lay.site_flow_col(np.repeat(cc, S), np.tile(s_all, len(cc))), np.ones(len(cc) * S)),
        (np.repeat(np.arange(len(groups)), S) * S + np.tile(s_all, len(groups)),
         lay.site_flow_col(np.repeat(tree.group_parent[groups], S), np.tile(s_all, len(groups))),
         -np.ones(len(groups) * S)),
    ]  # fmt: skip
    if lay.ships:
        g = np.array([k[0] for k in lay.ships], dtype=np.int64)
        a = np.array([sidx[k[1]] for k in lay.ships], dtype=np.int64)
        b = np.array([sidx[k[2]] for k in lay.ships], dtype=np.int64)
        cols = lay.ship0 + np.arange(len(lay.ships))
        parts.append((rank[g] * S + a, cols, np.ones(len(g))))
        parts.append((rank[g] * S + b, cols, -np.ones(len(g))))
    row, col, val = stack(*parts)
    index = [(int(g), s) for g in groups for s in lay.sites]
    return family(
        "site_output_balance", index, row, col, val, 0.0, 0.0,
        doc="each unit output at a site routes its tonnes there or ships them to another site",
    )  # fmt: skip


def _entry_nodes(ctx: PeriodContext) -> dict[int, np.ndarray]:
    tree = ctx.data.tree
    lengths = np.diff(tree.group_ptr)
    out = {}
    for g in np.flatnonzero(tree.group_parent < 0):
        a, b = tree.group_ptr[g], tree.group_ptr[g] + lengths[g]
        out[int(tree.group_feed[g])] = tree.group_children[a:b]
    return out


def site_entry(ctx: PeriodContext) -> Family:
    lay, net = ctx.layout, _net(ctx)
    feeds = [f for f in ctx.data.feeds if any(k[0] == f for k in net.region_supply)]
    f_index = {f: i for i, f in enumerate(ctx.data.feeds)}
    entry = _entry_nodes(ctx)
    S = len(lay.sites)
    sidx = {s: i for i, s in enumerate(lay.sites)}
    rank = {f: i for i, f in enumerate(feeds)}
    rows, cols, vals = [], [], []
    for f in feeds:
        nodes = entry.get(f_index[f], np.zeros(0, dtype=np.int64))
        for s in range(S):
            rows.append(np.full(len(nodes), rank[f] * S + s))
            cols.append(lay.site_flow_col(nodes, np.full(len(nodes), s)))
            vals.append(np.ones(len(nodes)))
    h = [(i, k) for i, k in enumerate(lay.hauls) if k[0] in rank]
    rows.append(np.array([rank[k[0]] * S + sidx[k[2]] for _, k in h], dtype=np.int64))
    cols.append(lay.haul0 + np.array([i for i, _ in h], dtype=np.int64))
    vals.append(-np.ones(len(h)))
    return family(
        "site_entry", [(f, s) for f in feeds for s in lay.sites],
        np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), 0.0, 0.0,
        doc="a feed enters a site with the tonnes hauled there from its regions",
    )  # fmt: skip


def region_supply(ctx: PeriodContext) -> Family:
    """sum_h haul[f, r, ., .] - share_fr sum_{steps k of f} collect[k] <= q_fr (share_fr =
    q_fr / sum_r q_fr: what a collection step adds comes from the regions pro rata)."""
    lay, net = ctx.layout, _net(ctx)
    pairs = [k for k, t in net.region_supply.items() if t > 0] + [(h[0], h[1]) for h in lay.hauls]
    keys = list(dict.fromkeys(pairs))
    rank = {k: i for i, k in enumerate(keys)}
    row = np.array([rank[(h[0], h[1])] for h in lay.hauls], dtype=np.int64)
    cap = np.array([net.region_supply.get(k, 0.0) for k in keys], dtype=float)
    parts = [(row, lay.haul0 + np.arange(len(lay.hauls)), np.ones(len(row)))]
    steps = ctx.regulation.steps if ctx.regulation is not None else ()
    total: dict[str, float] = {}
    for (f, _), q in net.region_supply.items():
        total[f] = total.get(f, 0.0) + q
    for i, st in enumerate(steps):
        mine = [r for r, (f, _) in enumerate(keys) if f == st.feed_id and total.get(f, 0) > 0]
        share = np.array([cap[r] / total[st.feed_id] for r in mine], dtype=float)
        parts.append((np.array(mine, np.int64), np.full(len(mine), lay.collect0 + i), -share))
    return family(
        "region_supply", keys, *stack(*parts), -INF, cap,
        doc="tonnes hauled from a region within what it collects (and its share of the "
        "collection steps)",
    )  # fmt: skip


def _site_build_index(lay: Layout) -> dict[tuple[str, str], list[int]]:
    """(site, unit) -> site_build columns (local)."""
    out: dict[tuple[str, str], list[int]] = {}
    for i, (s, u, _) in enumerate(lay.site_builds):
        out.setdefault((s, u), []).append(lay.site_build0 + i)
    return out


def site_build_link(ctx: PeriodContext, glob: Layout, key: Key) -> Family:
    """Per build decision tau (global columns of block tau): build[u, j, tau] - sum_s
    sb[s, u, j, tau] = 0."""
    lay = ctx.layout
    n_opt, n_sb = len(lay.options), len(lay.site_builds)
    sb_row = np.array([lay.o_index[(u, j)] for _, u, j in lay.site_builds], dtype=np.int64)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    index: list[object] = []
    for tau in range(glob.n_periods):
        b = tau * glob.block
        parts.append((tau * n_opt + np.arange(n_opt), b + lay.build0 + np.arange(n_opt),
                      np.ones(n_opt)))  # fmt: skip
        parts.append((tau * n_opt + sb_row, b + lay.site_build0 + np.arange(n_sb), -np.ones(n_sb)))
        index += [key(k, tau) for k in lay.options]
    return family(
        "site_build_link", index, *stack(*parts), 0.0, 0.0, scope="global", block="model",
        doc="an option is built as often as it is built at the sites (per build decision)",
    )  # fmt: skip


def _modular_unit(ctx: PeriodContext, u: str) -> bool:
    d = ctx.data
    return any(d.options[(u, j)].max_modules > 1 for j in d.unit_options[u])


def site_one_option(ctx: PeriodContext, glob: Layout, key: Key) -> Family:
    """Per build decision tau: sum_j sb[s, u, j, tau] <= 1 (not for a modular unit)."""
    idx = [
        (k, c)
        for k, c in _site_build_index(ctx.layout).items()
        if len(c) > 1 and not _modular_unit(ctx, k[1])
    ]
    rows: list[int] = []
    cols: list[int] = []
    index: list[object] = []
    for tau in range(glob.n_periods):
        for k, c in idx:
            rows += [len(index)] * len(c)
            cols += [tau * glob.block + x for x in c]
            index.append(key(k, tau))
    return family(
        "site_one_option", index, np.array(rows, np.int64), np.array(cols, np.int64),
        np.ones(len(cols)), -INF, 1.0, scope="global", block="model",
        doc="at most one capacity option per unit and site (per build decision)",
    )  # fmt: skip


def network_global_rows(ctx: PeriodContext, glob: Layout, key: Key) -> list[Family]:
    """site_build_link and site_one_option over the global layout (none without sites)."""
    if ctx.data.network is None:
        return []
    return [site_build_link(ctx, glob, key), site_one_option(ctx, glob, key)]


def _site_throughput_terms(
    ctx: PeriodContext, keys: list[tuple[str, str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, site_flow column, mu_n) of every node at unit u for each (s, u) of ``keys``."""
    lay, d = ctx.layout, ctx.data
    sidx = {s: i for i, s in enumerate(lay.sites)}
    rows, cols, vals = [], [], []
    for r, (s, u) in enumerate(keys):
        nodes = np.asarray(d.unit_nodes[u], dtype=np.int64)
        rows.append(np.full(len(nodes), r))
        cols.append(lay.site_flow_col(nodes, np.full(len(nodes), sidx[s])))
        vals.append(ctx.mass[nodes])
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def _site_capacity_terms(
    ctx: PeriodContext, keys: list[tuple[str, str]], scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lay, d = ctx.layout, ctx.data
    index = _site_build_index(lay)
    rows, cols, vals = [], [], []
    for r, k in enumerate(keys):
        for c in index.get(k, []):
            _, u, j = lay.site_builds[c - lay.site_build0]
            rows.append(r)
            cols.append(c)
            vals.append(d.options[(u, j)].capacity_t_per_yr * scale[r])
    return np.array(rows, np.int64), np.array(cols, np.int64), np.array(vals, float)


def site_capacity_keys(ctx: PeriodContext) -> list[tuple[str, str]]:
    return [(s, u) for u in ctx.used_units for s in ctx.layout.sites]


def site_max_capacity(ctx: PeriodContext, s: str, u: str) -> float:
    """Cmax_sut = X_su + [u may be built at s] (largest capacity the builds in service in
    the period can add: max_j K_uj max_modules_uj per build period; model/data.py)."""
    return _net(ctx).site_cmax[(s, u)]


def site_capacity_limit(ctx: PeriodContext) -> Family:
    net, keys = _net(ctx), site_capacity_keys(ctx)
    existing = np.array([net.existing.get(k, 0.0) for k in keys], dtype=float)
    cmax = np.array([site_max_capacity(ctx, s, u) for s, u in keys], dtype=float)
    tr, tc, tv = _site_throughput_terms(ctx, keys)
    cr, cc, cv = _site_capacity_terms(ctx, keys, np.ones(len(keys)))
    return family(
        "site_capacity_limit", keys, *stack((tr, tc, tv), (cr, cc, -cv)), -INF, existing,
        doc="throughput of a unit at a site within its capacity there",
        relax=Relax("capacity", tuple(f"{u}@{s}" for s, u in keys), cmax,
                    np.maximum(cmax, 1.0), "t/yr"),
    )  # fmt: skip


def _run_parts(ctx: PeriodContext) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray]:
    keys = list(ctx.layout.site_runs)
    cmax = np.array([site_max_capacity(ctx, s, u) for s, u in keys], dtype=float)
    runs = ctx.layout.site_run0 + np.arange(len(keys))
    return keys, cmax, runs


def site_run_upper(ctx: PeriodContext) -> Family:
    keys, cmax, runs = _run_parts(ctx)
    tr, tc, tv = _site_throughput_terms(ctx, keys)
    return family(
        "site_run_upper", keys, *stack((tr, tc, tv), (np.arange(len(keys)), runs, -cmax)),
        -INF, 0.0, doc="no throughput at a site unless the unit runs there",
    )  # fmt: skip


def site_min_load(ctx: PeriodContext) -> Family:
    net, d = _net(ctx), ctx.data
    keys, cmax, runs = _run_parts(ctx)
    ml = np.array([net.min_load.get((s, u), d.unit_min_load[u]) for s, u in keys], dtype=float)
    existing = np.array([net.existing.get(k, 0.0) for k in keys], dtype=float)
    tr, tc, tv = _site_throughput_terms(ctx, keys)
    cr, cc, cv = _site_capacity_terms(ctx, keys, ml)
    return family(
        "site_min_load", keys,
        *stack((tr, tc, tv), (cr, cc, -cv), (np.arange(len(keys)), runs, -cmax)),
        ml * existing - cmax, INF, doc="a unit running at a site is loaded to its minimum",
    )  # fmt: skip


def site_run_if_built(ctx: PeriodContext) -> Family:
    net = _net(ctx)
    lay = ctx.layout
    keys = [k for k in lay.site_runs if net.existing.get(k, 0.0) <= 0]
    run_col = {k: lay.site_run0 + i for i, k in enumerate(lay.site_runs)}
    index = _site_build_index(lay)
    rows = [np.arange(len(keys))]
    cols = [np.array([run_col[k] for k in keys], dtype=np.int64)]
    vals = [np.ones(len(keys))]
    for r, k in enumerate(keys):
        c = index.get(k, [])
        rows.append(np.full(len(c), r))
        cols.append(np.array(c, dtype=np.int64))
        vals.append(-np.ones(len(c)))
    return family(
        "site_run_if_built", keys, np.concatenate(rows), np.concatenate(cols),
        np.concatenate(vals), -INF, 0.0, doc="only a unit built at a site runs there",
    )  # fmt: skip


def site_resource(ctx: PeriodContext) -> Family:
    net, lay, d = _net(ctx), ctx.layout, ctx.data
    idx: list[tuple[str, str]] = []
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    cap: list[float] = []
    for what, avail, attr in (("land", net.land, "land_m2"), ("staff", net.staff, "staff_fte")):
        for s in lay.sites:
            limit = avail[s]
            terms = [
                (lay.site_build0 + i, getattr(d.options[(u, j)], attr))
                for i, (s2, u, j) in enumerate(lay.site_builds)
                if s2 == s and getattr(d.options[(u, j)], attr) != 0
            ]
            if limit is None or not terms:
                continue
            rows += [len(idx)] * len(terms)
            cols += [c for c, _ in terms]
            vals += [v for _, v in terms]
            idx.append((s, what))
            cap.append(limit)
    return family(
        "site_resource", idx, rows, cols, vals, -INF, np.array(cap, dtype=float),
        doc="land and staff of the options built at a site within what the site has",
    )  # fmt: skip


def site_throughput(ctx: PeriodContext) -> Family:
    keys = [(s, u) for u in ctx.data.units for s in ctx.layout.sites]
    return family(
        "site_throughput", keys, *_site_throughput_terms(ctx, keys),
        doc="real tonnes entering the unit at the site, t/yr",
    )  # fmt: skip


NETWORK_ROWS = (
    site_split,
    site_output_balance,
    site_entry,
    region_supply,
    site_capacity_limit,
    site_run_upper,
    site_min_load,
    site_run_if_built,
    site_resource,
)


def network_rows(ctx: PeriodContext) -> list[Family]:
    """The network row families (none without sites)."""
    if ctx.data.network is None:
        return []
    return [f(ctx) for f in NETWORK_ROWS]


__all__ = [
    "NETWORK_ROWS",
    "network_global_rows",
    "network_rows",
    "site_max_capacity",
    "site_throughput",
]

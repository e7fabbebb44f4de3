"""Network columns, their size guard and their money terms (issue 15).

Columns (labels of :class:`plantopt.model.layout.Layout`):

    ship[g, a, b, mode]   groups g with a parent and at least one unit child, site lanes
                          offered to g's feed (lead time within max_lead_time_days)
    haul[f, r, s, mode]   (feed, region) with supply > 0, lanes from r to every site
    site_build[s, u, j]   every option of every unit the site allows (site_units allow_build)
    site_run[s, u]        units with a minimum load, at sites where they can have capacity

    size = N S + |ship| + |haul| + |site_build|  <=  manifest max_network_columns
    |ship| <= G_u L, |haul| <= sum_f R_f S M, |site_build| <= O S
    (N nodes, S sites, G_u groups feeding a unit, L site lanes, R_f regions of feed f,
    M modes, O options)

Money, added to the ledger items (EUR/yr; factors f = the site's capex or opex factor):

    route_costs   += sum_{ship} mu_g c_l(adr_g, f(g)) ship + sum_{haul} c_h haul
                     + sum_{product/disposal nodes n with deliveries rows, s} mu_n d_{n,s} sf[n, s]
                     (d_{n,s} = min over the stream's locations and modes of the lane cost
                     from s; 0 at a location that is s; no lane: sf[n, s] <= 0)
    variable_opex += sum_{unit nodes n, s} (f^opex_s - 1) opex_u mu_n sf[n, s]
    fixed_opex    += sum_{s,u,j} (f^opex_s - 1) fixed_uj sb[s, u, j]
    annual_capex  += sum_{s,u,j} (f^capex_s - 1) capex_net_uj CRF sb[s, u, j]
    capex_total and the npv likewise (model/build.py): (f^capex_s - 1) capex_net (x PV) sb

With site_build_link (build[u, j] = sum_s sb[s, u, j]) the aggregate terms plus these make
exactly sum_s f_s (coefficient) sb[s, u, j].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from plantopt.model.network import NetworkData, NetworkTooLarge
from plantopt.routetree.tree import KIND_DISPOSAL, KIND_PRODUCT, KIND_UNIT

if TYPE_CHECKING:
    from plantopt.model.data import ModelData
    from plantopt.model.families.context import PeriodContext
    from plantopt.model.layout import Layout


def group_streams(data: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """(groups that may be shipped, mu_g of each): a parent and at least one unit child."""
    tree = data.tree
    lengths = np.diff(tree.group_ptr)
    first = tree.group_children[np.minimum(tree.group_ptr[:-1], len(tree.group_children) - 1)]
    group = np.repeat(np.arange(tree.n_groups), lengths)
    unit_child = np.zeros(tree.n_groups, dtype=bool)
    np.logical_or.at(unit_child, group, tree.node_kind[tree.group_children] == KIND_UNIT)
    ok = (tree.group_parent >= 0) & (lengths > 0) & unit_child
    groups = np.flatnonzero(ok)
    return groups, tree.node_mass()[first[groups]]


def network_columns(data: ModelData, run: list[str]) -> dict[str, Any]:
    """Keyword arguments of :class:`Layout` for the network columns; raises
    :class:`NetworkTooLarge` above the manifest's max_network_columns."""
    net = data.network
    assert net is not None
    tree = data.tree
    groups, _ = group_streams(data)
    ships = []
    for g in groups.tolist():
        feed = tree.feeds[int(tree.group_feed[g])]
        adr = bool(net.adr[int(tree.group_parent[g])])
        ships += [
            (g, ln.origin, ln.to, ln.mode)
            for ln in net.site_lanes
            if net.lane_cost(ln, adr, feed) is not None
        ]
    hauls = [
        (f, r, ln.to, ln.mode)
        for (f, r), t in net.region_supply.items()
        if t > 0
        for ln in net.region_lanes.get(r, ())
        if net.lane_cost(ln, net.feed_adr.get(f, False), f) is not None
    ]
    builds = [
        (s, u, j) for s in net.sites for (u, j) in data.options if net.allow_build.get((s, u), True)
    ]
    runs = [(s, u) for u in run for s in net.sites if _cmax(data, net, s, u) > 0]
    _guard(net, tree.n_nodes * len(net.sites), len(ships), len(hauls), len(builds))
    return {
        "sites": net.sites,
        "ships": tuple(ships),
        "hauls": tuple(hauls),
        "site_builds": tuple(builds),
        "site_runs": tuple(runs),
    }


def _cmax(data: ModelData, net: NetworkData, s: str, u: str) -> float:
    """The largest capacity of u at s in any period."""
    del net
    return max(p.network.site_cmax[(s, u)] for p in data.per_period if p.network is not None)


def _guard(net: NetworkData, flows: int, ships: int, hauls: int, builds: int) -> None:
    total = flows + ships + hauls + builds
    if total > net.max_columns:
        raise NetworkTooLarge(
            f"the network model would have {total:,} columns (site_flow {flows:,}, ship "
            f"{ships:,}, haul {hauls:,}, site_build {builds:,}), more than max_network_columns "
            f"= {net.max_columns:,}; use fewer sites or lanes (max_transport_km), or raise the "
            "limit in instance.yaml"
        )


def _lane_lookup(net: NetworkData) -> dict[tuple[str, str, str], object]:
    out: dict[tuple[str, str, str], object] = {}
    for ln in net.site_lanes:
        out[(ln.origin, ln.to, ln.mode)] = ln
    for lanes in net.region_lanes.values():
        for ln in lanes:
            out[(ln.origin, ln.to, ln.mode)] = ln
    return out


def ship_coefficients(data: ModelData, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(EUR, t CO2) per feed-equivalent tonne of every ship column."""
    net = data.network
    assert net is not None
    tree, mass = data.tree, data.tree.node_mass()
    lanes = _lane_lookup(net)
    first = tree.group_children[tree.group_ptr[:-1].clip(max=len(tree.group_children) - 1)]
    cost, co2 = np.zeros(len(lay.ships)), np.zeros(len(lay.ships))
    for i, (g, a, b, mode) in enumerate(lay.ships):
        ln = lanes[(a, b, mode)]
        mu = float(mass[first[g]])
        feed = tree.feeds[int(tree.group_feed[g])]
        c = net.lane_cost(ln, bool(net.adr[int(tree.group_parent[g])]), feed)  # type: ignore[arg-type]
        cost[i] = mu * float(c or 0.0)
        co2[i] = mu * net.lane_co2(ln)  # type: ignore[arg-type]
    return cost, co2


def haul_coefficients(data: ModelData, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(EUR, t CO2) per tonne of every haul column."""
    net = data.network
    assert net is not None
    lanes = _lane_lookup(net)
    cost, co2 = np.zeros(len(lay.hauls)), np.zeros(len(lay.hauls))
    for i, (f, r, s, mode) in enumerate(lay.hauls):
        ln = lanes[(r, s, mode)]
        cost[i] = float(net.lane_cost(ln, net.feed_adr.get(f, False), f) or 0.0)  # type: ignore[arg-type]
        co2[i] = net.lane_co2(ln)  # type: ignore[arg-type]
    return cost, co2


def delivery_terms(data: ModelData, lay: Layout) -> tuple[list[tuple], list[int]]:
    """([(local site_flow column, mu_n, EUR per real t, t CO2 per real t, lane)], columns
    with no lane offered) of the product and disposal nodes whose stream has deliveries.csv
    rows, at every site: the cheapest lane from the site to one of the stream's locations
    (lane None and 0 cost at a location that is the site)."""
    net = data.network
    assert net is not None
    tree = data.tree
    terms: list[tuple] = []
    forbidden: list[int] = []
    if not net.deliveries:
        return terms, forbidden
    mass = tree.node_mass()
    for n in np.flatnonzero(np.isin(tree.node_kind, (KIND_PRODUCT, KIND_DISPOSAL))).tolist():
        kind, target = int(tree.node_kind[n]), int(tree.node_target[n])
        key = (kind, (tree.products if kind == KIND_PRODUCT else tree.sinks)[target])
        if key not in net.deliveries:
            continue
        parent = int(tree.node_parent[n])
        feed = tree.feeds[int(tree.node_feed[n])]
        adr = bool(net.adr[parent]) if parent >= 0 else net.feed_adr.get(feed, False)
        for si, s in enumerate(lay.sites):
            col = lay.site_flow0 + n * len(lay.sites) + si
            d = net.delivery(key, s, adr, feed)
            if d is None:
                forbidden.append(col)
            else:
                terms.append((col, float(mass[n]), d[0], d[1], d[2]))
    return terms, forbidden


def delivery_coefficients(
    data: ModelData, lay: Layout
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(local site_flow columns, EUR and t CO2 per feed-equivalent tonne, columns with no lane
    offered) of the delivered product and disposal nodes: mu_n x the cheapest lane's cost."""
    terms, forbidden = delivery_terms(data, lay)
    terms = [t for t in terms if t[2] or t[3]]
    return (
        np.array([t[0] for t in terms], np.int64),
        np.array([t[1] * t[2] for t in terms], float),
        np.array([t[1] * t[3] for t in terms], float),
        np.array(forbidden, np.int64),
    )


def network_money(ctx: PeriodContext) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(local columns, EUR/yr per unit) added to ledger items of a network instance."""
    d, lay = ctx.data, ctx.layout
    net = d.network
    if net is None:
        return {}
    ship_cost, _ = ship_coefficients(d, lay)
    haul_cost, _ = haul_coefficients(d, lay)
    ship_cols = lay.ship0 + np.arange(len(lay.ships))
    dcols, dcost, _, _ = delivery_coefficients(d, lay)
    route = (
        np.concatenate([ship_cols, lay.haul0 + np.arange(len(lay.hauls)), dcols]),
        np.concatenate([ship_cost, haul_cost, dcost]),
    )
    tree = d.tree
    unit_nodes = np.flatnonzero(tree.node_kind == KIND_UNIT)
    opex = np.array([d.unit_opex[u] for u in tree.units], dtype=float)
    per = opex[tree.node_target[unit_nodes]] * ctx.mass[unit_nodes] if len(opex) else np.zeros(0)
    vc, vv = [], []
    for si, s in enumerate(lay.sites):
        extra = net.opex_factor[s] - 1.0
        if extra != 0.0:
            vc.append(lay.site_flow_col(unit_nodes, np.full(len(unit_nodes), si)))
            vv.append(extra * per)
    sb = lay.site_build0 + np.arange(len(lay.site_builds))
    opts = [d.options[(u, j)] for _, u, j in lay.site_builds]
    fo = np.array([net.opex_factor[s] - 1.0 for s, _, _ in lay.site_builds], dtype=float)
    fc = np.array([net.capex_factor[s] - 1.0 for s, _, _ in lay.site_builds], dtype=float)
    return {
        "route_costs": route,
        "variable_opex": (
            np.concatenate(vc) if vc else np.zeros(0, np.int64),
            np.concatenate(vv) if vv else np.zeros(0),
        ),
        "fixed_opex": (sb, fo * np.array([o.fixed_opex_eur_per_yr for o in opts], dtype=float)),
        "annual_capex": (
            sb,
            fc * np.array([o.annualised_capex_eur_per_yr for o in opts], dtype=float),
        ),
    }


def _site_capex(data: ModelData, lay: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(global columns, period, (f^capex_s - 1) capex_net) of every site_build decision column
    of every period whose site factor is not 1."""
    net = data.network
    if net is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    val = np.array(
        [
            (net.capex_factor[s] - 1.0) * data.options[(u, j)].capex_net_eur
            for s, u, j in lay.site_builds
        ],
        dtype=float,
    )
    keep = np.flatnonzero(val != 0)
    T = lay.n_periods
    cols = np.concatenate([t * lay.block + lay.site_build0 + keep for t in range(T)])
    return cols.astype(np.int64), np.repeat(np.arange(T), len(keep)), np.tile(val[keep], T)


def site_capex_terms(data: ModelData, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(global columns, (f^capex_s - 1) capex_net) of every site_build decision column:
    what capex_total adds; the npv subtracts the same times the build's PV factor."""
    cols, _, val = _site_capex(data, lay)
    return cols, val


def site_capex_pv(data: ModelData, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(global columns, (f^capex_s - 1) capex_net PV_{u,j,tau}) of the site_build decision
    columns (npv)."""
    cols, tau, val = _site_capex(data, lay)
    timing = data.timing
    if not len(cols) or timing is None:
        return cols, val
    keys = [lay.site_builds[(c % lay.block) - lay.site_build0] for c in cols]
    pv = np.array(
        [timing.capex_pv_factor[(u, j, int(t))] for (_, u, j), t in zip(keys, tau)], dtype=float
    )
    return cols, val * pv


__all__ = [
    "delivery_coefficients",
    "delivery_terms",
    "group_streams",
    "haul_coefficients",
    "network_columns",
    "network_money",
    "ship_coefficients",
    "site_capex_pv",
    "site_capex_terms",
]


def network_bounds(
    glob: Layout, data: ModelData, lower: np.ndarray, upper: np.ndarray, b: int
) -> None:
    """Column bounds of a network period block starting at ``b``: build[u, j] <= max_modules
    x the sites that allow u; site_build[s, u, j] <= max_modules (1 unless modular);
    site_run binary."""
    del lower
    count: dict[tuple[str, str], int] = {}
    for _, u, j in glob.site_builds:
        count[(u, j)] = count.get((u, j), 0) + data.options[(u, j)].max_modules
    upper[b + glob.build0 : b + glob.run0] = [count.get(k, 0) for k in glob.options]
    upper[b + glob.site_build0 : b + glob.site_run0] = [
        data.options[(u, j)].max_modules for _, u, j in glob.site_builds
    ]
    upper[b + glob.site_run0 : b + glob.block] = 1.0
    forbidden = delivery_coefficients(data, glob.local())[3]
    upper[b + forbidden] = 0.0  # a product or disposal stream with no lane from the site

"""Result tables of a network instance (issue 15): per site, per unit and site, per lane,
the emissions, and the mass balance per site and material.

All read from the period's local solution ``x_local`` through the layout (site_flow, ship,
haul, site_build columns) and the families' coefficients; nothing is re-derived by hand.

    site_mass_balance[s, m]: feed_in + shipped_in = products + disposal + losses + shipped_out
        feed_in     = sum_{entry nodes n} coef[n, m] sf[n, s]
        shipped_*   = sum_{ship into / out of s} coef[g, m] ship     (coef of g's stream)
        products... = sum_{leaf nodes n of that kind} coef[n, m] sf[n, s]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from plantopt.model.families.network_terms import (
    delivery_terms,
    haul_coefficients,
    ship_coefficients,
)
from plantopt.routetree.tree import KIND_DISPOSAL, KIND_LOSS, KIND_PRODUCT

if TYPE_CHECKING:
    from plantopt.model.build import Period
    from plantopt.model.data import ModelData
    from plantopt.model.layout import Layout

EPS = 1e-9


def _site_flow(lay: Layout, x: np.ndarray) -> np.ndarray:
    """(N, S) feed-equivalent t/yr at each node and site."""
    return x[lay.site_flow0 : lay.ship0].reshape(lay.n_nodes, len(lay.sites))


def _stream_coef(data: ModelData) -> np.ndarray:
    """(G, M) composition of each group's stream (that of its first child)."""
    tree = data.tree
    first = tree.group_children[tree.group_ptr[:-1].clip(max=len(tree.group_children) - 1)]
    return tree.node_coef.rows(first)


def lanes_table(data: ModelData, lay: Layout, x: np.ndarray) -> pd.DataFrame:
    """One row per used haul, ship lane and delivery lane (products and disposal to their
    deliveries.csv locations, kind "deliver"): real t/yr, t.km, EUR/yr, t CO2/yr."""
    net = data.network
    assert net is not None
    lanes = {(ln.origin, ln.to, ln.mode): ln for ln in net.site_lanes}
    for group in net.region_lanes.values():
        lanes.update({(ln.origin, ln.to, ln.mode): ln for ln in group})
    mass = data.tree.node_mass()
    first = data.tree.group_children[
        data.tree.group_ptr[:-1].clip(max=len(data.tree.group_children) - 1)
    ]
    ship_x = x[lay.ship0 : lay.haul0]
    haul_x = x[lay.haul0 : lay.site_build0]
    s_cost, s_co2 = ship_coefficients(data, lay)
    h_cost, h_co2 = haul_coefficients(data, lay)
    rows: dict[tuple[str, str, str, str, str], list[float]] = {}
    for sk, v, c, e in zip(lay.ships, ship_x, s_cost, s_co2):
        if v > EPS:
            acc = rows.setdefault(("ship", "", sk[1], sk[2], sk[3]), [0.0, 0.0, 0.0])
            acc[0] += float(mass[first[sk[0]]] * v)
            acc[1] += float(c * v)
            acc[2] += float(e * v)
    for k, v, c, e in zip(lay.hauls, haul_x, h_cost, h_co2):
        if v > EPS:
            acc = rows.setdefault(("haul", k[0], k[1], k[2], k[3]), [0.0, 0.0, 0.0])
            acc[0] += float(v)
            acc[1] += float(c * v)
            acc[2] += float(e * v)
    for col, mu, c, e, ln in delivery_terms(data, lay)[0]:
        v = float(x[col]) * mu  # real t/yr of a product or disposal stream delivered
        if ln is not None and v > EPS:
            lanes[(ln.origin, ln.to, ln.mode)] = ln
            acc = rows.setdefault(("deliver", "", ln.origin, ln.to, ln.mode), [0.0, 0.0, 0.0])
            acc[0], acc[1], acc[2] = acc[0] + v, acc[1] + c * v, acc[2] + e * v
    out = []
    for (kind, feed, a, b, mode), (t, cost, co2) in rows.items():
        ln = lanes[(a, b, mode)]
        (la, oa), (lb, ob) = net.coords[a], net.coords[b]
        out.append((kind, feed, a, b, mode, ln.km, ln.border, t, t * ln.km, cost, co2,
                    la, oa, lb, ob))  # fmt: skip
    cols = ["kind", "feed_id", "from_id", "to_id", "mode", "distance_km", "crosses_border",
            "t_per_yr", "tkm_per_yr", "cost_eur_per_yr", "co2_t_per_yr",
            "from_lat_deg", "from_lon_deg", "to_lat_deg", "to_lon_deg"]  # fmt: skip
    return pd.DataFrame(out, columns=cols)


def site_units_table(data: ModelData, lay: Layout, x: np.ndarray) -> pd.DataFrame:
    """Per (site, unit) with capacity or throughput: existing, built option, capacity,
    throughput, utilisation and whether it runs."""
    net = data.network
    assert net is not None
    sf = _site_flow(lay, x)
    mass = data.tree.node_mass()
    built: dict[tuple[str, str], list[str]] = {}
    cap_added: dict[tuple[str, str], float] = {}
    for (s, u, j), v in zip(lay.site_builds, x[lay.site_build0 : lay.site_run0]):
        if v > 0.5:  # a modular option: v modules
            n = round(float(v))
            built.setdefault((s, u), []).append(j if n == 1 else f"{j}x{n}")
            cap_added[(s, u)] = (
                cap_added.get((s, u), 0.0) + n * data.options[(u, j)].capacity_t_per_yr
            )
    rows = []
    for si, s in enumerate(lay.sites):
        for u in data.units:
            nodes = np.asarray(data.unit_nodes[u], dtype=np.int64)
            thr = float(mass[nodes] @ sf[nodes, si]) if len(nodes) else 0.0
            cap = net.existing.get((s, u), 0.0) + cap_added.get((s, u), 0.0)
            if cap <= 0 and thr <= EPS:
                continue
            rows.append((s, u, net.existing.get((s, u), 0.0), "+".join(built.get((s, u), [])),
                         cap, thr, thr / cap if cap > 0 else 0.0))  # fmt: skip
    cols = ["site_id", "unit_id", "existing_capacity_t_per_yr", "built_option",
            "capacity_t_per_yr", "throughput_t_per_yr", "utilisation_frac"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def sites_table(data: ModelData, lay: Layout, x: np.ndarray, units: pd.DataFrame) -> pd.DataFrame:
    """Per site: throughput, capex (with the site's factor), land and staff used against
    what the site has, electricity, grid CO2 and water."""
    net, fp = data.network, data.footprint
    assert net is not None and fp is not None
    rows = []
    sb = x[lay.site_build0 : lay.site_run0]
    for s in lay.sites:
        picks = [((u, j), round(float(v))) for (s2, u, j), v in zip(lay.site_builds, sb)
                 if s2 == s and v > 0.5]  # fmt: skip
        opts = [data.options[k] for k, n in picks for _ in range(n)]  # n modules
        mine = units[units["site_id"] == s]
        thr = dict(zip(mine["unit_id"], mine["throughput_t_per_yr"]))
        mwh = sum(fp.electricity_mwh_per_t.get(u, 0.0) * t for u, t in thr.items())
        water = sum(fp.water_m3_per_t.get(u, 0.0) * t for u, t in thr.items())
        rows.append((
            s, net.site_country[s], *net.coords[s], float(sum(thr.values())),
            net.capex_factor[s] * sum(o.capex_eur for o in opts),
            sum(o.land_m2 for o in opts), net.land[s], sum(o.staff_fte for o in opts), net.staff[s],
            mwh, mwh * net.grid_co2[s], water,
        ))  # fmt: skip
    cols = ["site_id", "country", "lat_deg", "lon_deg", "throughput_t_per_yr", "capex_eur",
            "land_used_m2",
            "land_available_m2", "staff_used_fte", "staff_available_fte",
            "electricity_mwh_per_yr", "grid_co2_t_per_yr", "water_m3_per_yr"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def site_mass_balance_table(data: ModelData, lay: Layout, x: np.ndarray) -> pd.DataFrame:
    """Per site and material: what enters (feeds hauled in, streams shipped in) and what
    leaves (products, disposal, losses, streams shipped out); ``imbalance_t_per_yr`` = in -
    out, zero up to solver tolerance."""
    tree = data.tree
    sf = _site_flow(lay, x)
    entry = np.flatnonzero(tree.node_parent < 0)
    sidx = {s: i for i, s in enumerate(lay.sites)}
    coef_g = _stream_coef(data)
    S, M = len(lay.sites), len(tree.materials)
    ship_in, ship_out = np.zeros((S, M)), np.zeros((S, M))
    for (g, a, b, _), v in zip(lay.ships, x[lay.ship0 : lay.haul0]):
        if v != 0:
            ship_out[sidx[a]] += coef_g[g] * v
            ship_in[sidx[b]] += coef_g[g] * v
    feed_in = sf[entry].T @ tree.node_coef.rows(entry)
    leaves = {
        k: np.flatnonzero(tree.node_kind == k) for k in (KIND_PRODUCT, KIND_DISPOSAL, KIND_LOSS)
    }
    prod, disp, loss = (sf[n].T @ tree.node_coef.rows(n) for n in leaves.values())
    frames = []
    for si, s in enumerate(lay.sites):
        frames.append(pd.DataFrame({
            "site_id": s, "material": list(tree.materials), "feed_in_t_per_yr": feed_in[si],
            "shipped_in_t_per_yr": ship_in[si], "products_t_per_yr": prod[si],
            "disposal_t_per_yr": disp[si], "losses_t_per_yr": loss[si],
            "shipped_out_t_per_yr": ship_out[si],
            "imbalance_t_per_yr": feed_in[si] + ship_in[si] - prod[si] - disp[si] - loss[si]
            - ship_out[si],
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def site_material_flows_table(data: ModelData, lay: Layout, x: np.ndarray) -> pd.DataFrame:
    """``material_flows`` per site: real t/yr of each material on each edge at each site
    (the same rows as ``material_flows``, from ``site_flow[n, s]`` instead of ``flow[n]``,
    with a ``site_id`` column), plus one row per shipment of a stream between two sites
    (``source_kind`` and ``target_kind`` ``site``: ``source_id`` the origin, ``target_id``
    the destination, ``output_id`` the output the stream left its unit by; ``site_id`` the
    origin). Summed over sites the edge rows are ``material_flows``.

    What a site s finishes of a feed f (its net input) is then, per material m,
    entry edges at s + shipments into s - shipments out of s
    = products + disposal + losses at s (the site's mass balance).
    """
    from plantopt.results.tables import FLOW_EPS, material_flow_table, output_names

    tree = data.tree
    sf = _site_flow(lay, x)
    frames = []
    for si, s in enumerate(lay.sites):
        y = np.where(sf[:, si] < FLOW_EPS, 0.0, sf[:, si])
        used = np.flatnonzero(y > 0)
        mf = material_flow_table(tree, used, tree.node_coef.rows(used) * y[used, None])
        mf.insert(0, "site_id", s)
        frames.append(mf)
    first = tree.group_children[tree.group_ptr[:-1].clip(max=len(tree.group_children) - 1)]
    coef_g = _stream_coef(data)
    feeds, outs = np.asarray(tree.feeds, dtype=object), output_names(tree, first)
    rows = []
    for (g, a, b, _), v in zip(lay.ships, x[lay.ship0 : lay.haul0]):
        if v < FLOW_EPS:
            continue
        for m in np.flatnonzero(coef_g[g] * v > 0):
            rows.append((a, feeds[tree.node_feed[first[g]]], "site", a, outs[g], "site", b,
                         tree.materials[m], float(coef_g[g, m] * v)))  # fmt: skip
    cols = ["site_id", *frames[0].columns[1:]] if frames else ["site_id"]
    ships = pd.DataFrame(rows, columns=cols)
    keys = [c for c in cols if c != "mass_t_per_yr"]
    ships = ships.groupby(keys, as_index=False, sort=False)["mass_t_per_yr"].sum()
    return pd.concat([*frames, ships], ignore_index=True)


def node_transport_table(data: ModelData, lay: Layout, x: np.ndarray) -> pd.DataFrame:
    """Transport paid per real tonne entering a route-tree node (what a plan evaluation
    re-prices per sample): hauls on the entry nodes of their feed, shipments on the children
    of the shipped stream, deliveries (deliveries.csv) on the product or disposal node.

        haul:  rate[n] = sum_h c_h w_h / sum_{n' in E_f} mu_n' y_n'       (n in E_f)
        ship:  rate[c] = sum_l c_{g,l} v_{g,l} / (mu_g sum_{c' in C_g} y_c')   (c in C_g)

    so sum_n rate[n] mu_n y_n is the plan's transport cost (EUR/yr)."""
    tree = data.tree
    y = x[lay.site_flow0 : lay.ship0].reshape(lay.n_nodes, len(lay.sites)).sum(axis=1)
    real = tree.node_mass() * np.where(y > EPS, y, 0.0)  # real t/yr into each node
    cost = np.zeros(tree.n_nodes)
    s_cost, _ = ship_coefficients(data, lay)
    for (g, _, _, _), v, c in zip(lay.ships, x[lay.ship0 : lay.haul0], s_cost):
        if v > EPS:
            kids = tree.group_children[tree.group_ptr[g] : tree.group_ptr[g + 1]]
            share = real[kids] / max(float(real[kids].sum()), EPS)
            cost[kids] += float(c * v) * share
    h_cost, _ = haul_coefficients(data, lay)
    f_index = {f: i for i, f in enumerate(tree.feeds)}
    entry = tree.node_parent < 0
    for k, v, c in zip(lay.hauls, x[lay.haul0 : lay.site_build0], h_cost):
        if v > EPS:
            nodes = np.flatnonzero(entry & (tree.node_feed == f_index[k[0]]))
            share = real[nodes] / max(float(real[nodes].sum()), EPS)
            cost[nodes] += float(c * v) * share
    for col, mu, c, _, _ in delivery_terms(data, lay)[0]:
        if c > 0 and x[col] > EPS:
            cost[(col - lay.site_flow0) // len(lay.sites)] += c * mu * float(x[col])
    used = np.flatnonzero(cost > 0)
    return pd.DataFrame({
        "node": used, "path": tree.paths(used),
        "transport_eur_per_t": cost[used] / real[used], "transport_eur_per_yr": cost[used],
    })  # fmt: skip


def emissions_table(period: Period, x: np.ndarray) -> pd.DataFrame:
    """Direct, transport, grid, avoided and net CO2 (t/yr) and water (m3/yr)."""
    ex = period.expressions
    rows = [("direct_co2", float(ex["co2_emissions"].value(x)[0]), "t/yr")]
    for name, unit in (("transport_co2", "t/yr"), ("grid_co2", "t/yr"), ("avoided_co2", "t/yr"),
                       ("net_co2", "t/yr"), ("water_use", "m3/yr")):  # fmt: skip
        if name in ex:
            rows.append((name, float(ex[name].value(x)[0]), unit))
    return pd.DataFrame(rows, columns=["item", "value", "unit"])


def period_network_tables(period: Period, x_local: np.ndarray) -> dict[str, pd.DataFrame]:
    """sites, site_units, lanes, site_mass_balance, site_material_flows, node_transport
    (sites) and emissions (footprint)."""
    data, lay = period.context.data, period.context.layout
    out: dict[str, pd.DataFrame] = {}
    if data.footprint is not None:
        out["emissions"] = emissions_table(period, x_local)
    if data.network is None:
        return out
    units = site_units_table(data, lay, x_local)
    out.update({
        "sites": sites_table(data, lay, x_local, units),
        "site_units": units,
        "lanes": lanes_table(data, lay, x_local),
        "site_mass_balance": site_mass_balance_table(data, lay, x_local),
        "site_material_flows": site_material_flows_table(data, lay, x_local),
        "node_transport": node_transport_table(data, lay, x_local),
    })  # fmt: skip
    return out


def site_factored_built_units(
    built: pd.DataFrame, data: ModelData, lay: Layout, x: np.ndarray
) -> pd.DataFrame:
    """built_units with each option's capex, annualised capex and fixed opex summed over the
    sites it is built at, times the site's capex or opex factor (what the model charges),
    so the business case prices the same plan as the objective."""
    net = data.network
    if net is None or not len(built):
        return built
    sb = x[lay.site_build0 : lay.site_run0]
    at: dict[tuple[str, str], list[str]] = {}
    for (s, u, j), v in zip(lay.site_builds, sb):
        if v > 0.5:  # once per module of a modular option
            at.setdefault((u, j), []).extend([s] * round(float(v)))
    out = built.copy()
    for i, (u, j) in enumerate(zip(built["unit_id"], built["option_id"])):
        o, sites = data.options[(u, j)], at.get((u, j), [])
        out.loc[out.index[i], "capex_eur"] = sum(net.capex_factor[s] for s in sites) * o.capex_eur
        out.loc[out.index[i], "annualised_capex_eur_per_yr"] = (
            sum(net.capex_factor[s] for s in sites) * o.annualised_capex_eur_per_yr
        )
        out.loc[out.index[i], "fixed_opex_eur_per_yr"] = (
            sum(net.opex_factor[s] for s in sites) * o.fixed_opex_eur_per_yr
        )
    return out


def decision_capex_factors(
    data: ModelData, glob: Layout, x: np.ndarray
) -> list[dict[tuple[str, str], float]] | None:
    """Per build period tau: the mean site capex factor of each option's builds decided in
    tau, sum_s f_s sb[s, u, j, tau] / sum_s sb[s, u, j, tau] (the business case prices each
    decision as the npv does); None without sites."""
    net = data.network
    if net is None:
        return None
    out = []
    for t in range(glob.n_periods):
        sb = x[t * glob.block + glob.site_build0 : t * glob.block + glob.site_run0]
        num: dict[tuple[str, str], float] = {}
        den: dict[tuple[str, str], float] = {}
        for (s, u, j), v in zip(glob.site_builds, sb):
            if v > 0.5:
                num[(u, j)] = num.get((u, j), 0.0) + net.capex_factor[s] * round(float(v))
                den[(u, j)] = den.get((u, j), 0.0) + round(float(v))
        out.append({k: num[k] / den[k] for k in num})
    return out


def network_sizes(lay: Layout, data: ModelData) -> dict[str, int]:
    """What ``plantopt describe`` prints of a network model (empty without sites)."""
    net = data.network
    if net is None:
        return {}
    return {
        "sites": len(lay.sites),
        "collection regions": len(net.region_lanes),
        "site lanes": len(net.site_lanes),
        "site_flow columns": lay.n_nodes * len(lay.sites),
        "ship columns": len(lay.ships),
        "haul columns": len(lay.hauls),
        "site_build columns": len(lay.site_builds),
        "site_run columns": len(lay.site_runs),
        "network columns (guarded)": lay.n_nodes * len(lay.sites) + len(lay.ships)
        + len(lay.hauls) + len(lay.site_builds),
        "max_network_columns": net.max_columns,
    }  # fmt: skip


__all__ = [
    "decision_capex_factors",
    "network_sizes",
    "period_network_tables",
    "site_factored_built_units",
]

"""Emissions beyond the plant (issue 15): transport, grid electricity, avoided primary
production and water, and the net-CO2 cap (the epsilon of the CO2 axis of pareto).

Made only when the instance has sites, footprint tables, a grid factor or a net CO2 cap
(:func:`plantopt.model.network.build_footprint`); t/yr unless stated.

    transport_co2 = sum_{ship} mu_g e_l ship + sum_{haul} e_h haul    (e = km co2_kg_tkm/1000)
                    + sum_{delivered nodes n, s} mu_n e_{n,s} sf[n, s] (the cheapest lane's e)
    grid_co2      = sum_{unit nodes n} E_u mu_n g flow[n]            (one site, g manifest)
                  = sum_{unit nodes n, s} E_u mu_n g_s sf[n, s]      (sites, g_s per site)
    avoided_co2   = sum_m k_m recovered[m]                           (k_m material_credits)
    water_m3      = sum_{unit nodes n} W_u mu_n flow[n]               (m3/yr)
    net_co2       = co2_emissions + transport_co2 + grid_co2 - avoided_co2
    net_co2_cap:    net_co2 <= manifest net_co2_cap_t_per_yr          (when set)
"""

from __future__ import annotations

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.families.levers import co2_per_flow
from plantopt.model.families.network import site_throughput
from plantopt.model.families.network_terms import (
    delivery_coefficients,
    haul_coefficients,
    ship_coefficients,
)
from plantopt.model.family import INF, Family, Relax, family
from plantopt.routetree.tree import KIND_UNIT

Triplets = tuple[np.ndarray, np.ndarray]  # (local column, coefficient) of a one-row sum


def _unit_terms(ctx: PeriodContext, per_unit: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(unit node n, per_unit[u(n)] mu_n) of every unit node."""
    tree = ctx.data.tree
    nodes = np.flatnonzero(tree.node_kind == KIND_UNIT)
    k = np.array([per_unit.get(u, 0.0) for u in tree.units], dtype=float)
    return nodes, (k[tree.node_target[nodes]] * ctx.mass[nodes] if len(k) else np.zeros(0))


def transport_terms(ctx: PeriodContext) -> Triplets:
    d, lay = ctx.data, ctx.layout
    if d.network is None:
        return np.zeros(0, np.int64), np.zeros(0)
    _, ship = ship_coefficients(d, lay)
    _, haul = haul_coefficients(d, lay)
    dcols, _, dco2, _ = delivery_coefficients(d, lay)
    cols = np.concatenate(
        [lay.ship0 + np.arange(len(ship)), lay.haul0 + np.arange(len(haul)), dcols]
    )
    return cols, np.concatenate([ship, haul, dco2])


def grid_terms(ctx: PeriodContext) -> Triplets:
    d, lay = ctx.data, ctx.layout
    assert d.footprint is not None
    nodes, per = _unit_terms(ctx, d.footprint.electricity_mwh_per_t)
    if d.network is None:
        return lay.flow0 + nodes, per * d.footprint.grid_co2_t_per_mwh
    cols, vals = [], []
    for si, s in enumerate(lay.sites):
        cols.append(lay.site_flow_col(nodes, np.full(len(nodes), si)))
        vals.append(per * d.network.grid_co2[s])
    return np.concatenate(cols), np.concatenate(vals)


def avoided_terms(ctx: PeriodContext) -> Triplets:
    d = ctx.data
    assert d.footprint is not None
    terms = d.recovered_terms
    k = np.array([d.footprint.avoided_co2_t_per_t.get(m, 0.0) for m in d.tree.materials])
    return ctx.layout.flow0 + terms.node, k[terms.group_of_entry()] * terms.coef


def water_terms(ctx: PeriodContext) -> Triplets:
    assert ctx.data.footprint is not None
    nodes, per = _unit_terms(ctx, ctx.data.footprint.water_m3_per_t)
    return ctx.layout.flow0 + nodes, per


def net_terms(ctx: PeriodContext) -> Triplets:
    n, direct = co2_per_flow(ctx)
    parts = [
        (ctx.layout.flow0 + n, direct),
        transport_terms(ctx),
        grid_terms(ctx),
    ]
    ac, av = avoided_terms(ctx)
    parts.append((ac, -av))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _one_row(name: str, terms: Triplets, doc: str) -> Family:
    col, val = terms
    keep = val != 0
    return family(name, [None], np.zeros(int(keep.sum()), np.int32), col[keep], val[keep], doc=doc)


def emission_expressions(ctx: PeriodContext) -> list[Family]:
    if ctx.data.footprint is None:
        return []
    return [
        _one_row("transport_co2", transport_terms(ctx), "transport CO2, t/yr"),
        _one_row("grid_co2", grid_terms(ctx), "CO2 of grid electricity, t/yr"),
        _one_row("avoided_co2", avoided_terms(ctx), "CO2 of primary production avoided, t/yr"),
        _one_row("water_use", water_terms(ctx), "water used, m3/yr"),
        _one_row("net_co2", net_terms(ctx), "direct + transport + grid - avoided CO2, t/yr"),
    ]


def network_expressions(ctx: PeriodContext) -> list[Family]:
    """site_throughput (sites) and the emission expressions (footprint); none otherwise."""
    out = [site_throughput(ctx)] if ctx.data.network is not None else []
    return out + emission_expressions(ctx)


def net_co2_cap(ctx: PeriodContext) -> Family:
    fp = ctx.data.footprint
    assert fp is not None
    cap = fp.net_co2_cap_t_per_yr
    col, val = net_terms(ctx)
    keep = val != 0
    on = cap is not None
    c = float(cap) if cap is not None else 0.0
    return family(
        "net_co2_cap", ["total"] if on else [],
        np.zeros(int(keep.sum())) if on else [], col[keep] if on else [],
        val[keep] if on else [], -INF, c,
        doc="net CO2 (direct + transport + grid - avoided) within the cap",
        relax=Relax("floor", ("net_co2_cap",) * on, np.full(int(on), c),
                    np.full(int(on), max(abs(c), 1.0)), "t/yr"),
    )  # fmt: skip


def emission_rows(ctx: PeriodContext) -> list[Family]:
    if ctx.data.footprint is None or ctx.data.footprint.net_co2_cap_t_per_yr is None:
        return []
    return [net_co2_cap(ctx)]


__all__ = ["emission_expressions", "emission_rows", "net_co2_cap", "network_expressions"]

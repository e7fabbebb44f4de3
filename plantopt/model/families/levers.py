"""Policy-lever families: direct CO2, its cap, land and staff limits.

Capex subsidies and the loan guarantee act on the coefficients (annualised capex =
capex (1 - s_u) CRF(r_b, L), r_b the blended rate) and eco-modulated producer fees on the gate
fees (both in :mod:`plantopt.model.data`); the CO2 price is a ledger item.

    co2_emissions = sum_{unit nodes n} co2_{u(n)} mass_n flow[n]           (t/yr)
    co2_cap:          co2_emissions <= cap        (when a cap is set and something emits)
    resource_limit[r]: sum_{u,j} amount_r[u,j] build[u,j] <= available_r
                       r = land (land_m2), staff (staff_fte), staff:<skill level>
"""

from __future__ import annotations

import numpy as np

from plantopt.model.families.context import PeriodContext
from plantopt.model.family import INF, Family, family


def co2_per_flow(ctx: PeriodContext) -> tuple[np.ndarray, np.ndarray]:
    """Unit nodes with direct CO2 and their t CO2 per feed-equivalent t: co2_u mass_n
    (made once per period: the CO2 expression, its cap, the CO2 cost and the network's
    emissions read the same read-only arrays)."""
    out: tuple[np.ndarray, np.ndarray] = ctx.memo("co2_per_flow", lambda: _co2_per_flow(ctx))
    return out


def _co2_per_flow(ctx: PeriodContext) -> tuple[np.ndarray, np.ndarray]:
    tree = ctx.data.tree
    nodes = np.flatnonzero(tree.node_kind == 0)
    co2 = np.array([ctx.data.unit_co2.get(u, 0.0) for u in tree.units], dtype=float)
    per = co2[tree.node_target[nodes]] * ctx.mass[nodes] if len(co2) else np.zeros(0)
    keep = per != 0
    nodes, per = nodes[keep], per[keep]
    nodes.flags.writeable = per.flags.writeable = False
    return nodes, per


def co2_emissions(ctx: PeriodContext) -> Family:
    n, per = co2_per_flow(ctx)
    return family(
        "co2_emissions",
        [None],
        np.zeros(len(n), np.int32),
        ctx.layout.flow0 + n,
        per,
        doc="direct process CO2, t/yr",
    )


def co2_cap(ctx: PeriodContext) -> Family:
    n, per = co2_per_flow(ctx)
    cap = ctx.data.co2_cap_t_per_yr
    index = ["total"] if cap is not None and len(n) else []
    keep = len(index) > 0
    return family(
        "co2_cap",
        index,
        np.zeros(len(n) if keep else 0, np.int32),
        (ctx.layout.flow0 + n) if keep else [],
        per if keep else [],
        -INF,
        cap if keep else 0.0,
        doc="direct process CO2 within the cap",
    )


def resource_limit(ctx: PeriodContext) -> Family:
    limits = [lim for lim in ctx.data.resource_limits if lim.amount]
    o = ctx.layout.o_index
    rows, cols, vals = [], [], []
    for i, lim in enumerate(limits):
        rows += [i] * len(lim.amount)
        cols += [ctx.layout.build0 + o[k] for k in lim.amount]
        vals += list(lim.amount.values())
    return family(
        "resource_limit",
        [lim.name for lim in limits],
        rows,
        cols,
        vals,
        -INF,
        [lim.available for lim in limits],
        doc="land or staff of built options within what is available",
    )

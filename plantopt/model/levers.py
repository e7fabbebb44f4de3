"""Policy-lever block (issue 5): CO2 price and cap, land and staff limits.

Capex subsidies and the loan guarantee act on the coefficients (``ModelData.options``:
annualised capex = capex (1 - s_u) CRF(r_b, L), r_b the blended rate) and eco-modulated
producer fees on the gate fees; this block adds what needs components of its own:

    co2_emissions      = sum_u co2_u throughput[u]                       (t/yr)
    co2_cost           = co2_price co2_emissions                         (EUR/yr, in profit)
    co2_cap[c]:          co2_emissions <= co2_cap                        (when a cap is set)
    resource_limit[r]:   sum_{u,j} amount_r[u,j] build[u,j] <= available_r
                         r = land (land_m2), staff (staff_fte), staff:<skill level>
"""

from __future__ import annotations

import pyomo.environ as pyo

from plantopt.model.data import ModelData


def add_levers(model: pyo.ConcreteModel, data: ModelData) -> None:
    """Add the lever components; call after :func:`add_economics` (it amends ``profit``)."""
    co2 = data.unit_co2
    model.co2_emissions = pyo.Expression(expr=pyo.quicksum(
        co2[u] * model.throughput[u] for u in data.units
        if co2.get(u, 0.0) != 0 and data.unit_nodes[u]), doc="direct process CO2, t/yr")
    price = data.co2_price_eur_per_t
    model.co2_cost = pyo.Expression(expr=price * model.co2_emissions if price else 0.0,
                                    doc="EUR/yr, CO2 price times emissions")
    if price:
        model.profit.set_value(model.profit.expr - model.co2_cost)
    # rows without terms are trivially met (caps and limits are >= 0) and not created
    emits = any(co2.get(u, 0.0) != 0 and data.unit_nodes[u] for u in data.units)
    caps = {"total": data.co2_cap_t_per_yr} \
        if data.co2_cap_t_per_yr is not None and emits else {}
    model.CO2_CAPS = pyo.Set(initialize=list(caps), ordered=True)
    model.co2_cap = pyo.Constraint(
        model.CO2_CAPS, rule=lambda m, c: m.co2_emissions <= caps[c],
        doc="direct process CO2 within the cap")
    limits = {r.name: r for r in data.resource_limits if r.amount}
    model.RESOURCES = pyo.Set(initialize=list(limits), ordered=True)
    model.resource_limit = pyo.Constraint(
        model.RESOURCES, rule=lambda m, r: pyo.quicksum(
            a * m.build[k] for k, a in limits[r].amount.items()) <= limits[r].available,
        doc="land or staff of built options within what is available")

"""Economics block (annual, EUR/yr): revenue, costs, profit, budget and offtake limits.

    revenue        = sum_{product nodes n} (sum_m coef[n,m] price[p,m] payable[p,m]) flow[n]
    gate_fees      = sum_f gate_fee_f accept[f]               (negative fee = purchase;
                     gate_fee_f includes the eco-modulation adjustment of f's class)
    variable_opex  = sum_u opex_u throughput[u]
    fixed_opex     = sum_{u,j} fixed_{u,j} build[u,j]
    annual_capex   = sum_{u,j} capex_{u,j} (1 - s_u) CRF(r_b, L_{u,j}) build[u,j]
                     (s_u capex subsidy share, r_b blended rate: see levers.py)
    route_costs    = sum_n cost_n mass_n flow[n]              (disposal fees, transport)
    profit         = revenue + gate_fees - variable_opex - fixed_opex - annual_capex
                     - route_costs
    (capex_total and the budget are in :mod:`.investment`; build[u,j] = option in service)
    sum_{n at product p} mass_n flow[n] <= max_offtake_p
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.environ as pyo

from plantopt.model.data import ModelData


def add_economics(model: pyo.ConcreteModel, data: ModelData,
                  after_profit: Callable[[], None] | None = None) -> None:
    """Add the economics to ``model`` (the model, or a period's block); ``after_profit``
    (capex_total and the budget) runs right after ``profit`` is declared."""
    opts = data.options
    model.revenue = pyo.Expression(expr=pyo.quicksum(
        r * model.flow[n] for n, r in data.node_revenue.items()), doc="EUR/yr")
    model.gate_fees = pyo.Expression(expr=pyo.quicksum(
        data.gate_fee[f] * model.accept[f] for f in data.feeds if data.gate_fee[f] != 0),
        doc="EUR/yr, positive when paid to the plant")
    model.variable_opex = pyo.Expression(expr=pyo.quicksum(
        data.unit_opex[u] * model.throughput[u] for u in data.units
        if data.unit_opex[u] != 0 and data.unit_nodes[u]), doc="EUR/yr")
    model.fixed_opex = pyo.Expression(expr=pyo.quicksum(
        opts[k].fixed_opex_eur_per_yr * model.build[k] for k in opts
        if opts[k].fixed_opex_eur_per_yr != 0), doc="EUR/yr")
    model.annual_capex = pyo.Expression(expr=pyo.quicksum(
        opts[k].annualised_capex_eur_per_yr * model.build[k] for k in opts
        if opts[k].capex_eur != 0), doc="EUR/yr, capital recovery factor times capex")
    model.route_costs = pyo.Expression(expr=pyo.quicksum(
        c * model.flow[n] for n, c in data.node_route_cost.items()), doc="EUR/yr")
    model.profit = pyo.Expression(
        expr=model.revenue + model.gate_fees - model.variable_opex - model.fixed_opex
        - model.annual_capex - model.route_costs, doc="EUR/yr")
    if after_profit is not None:
        after_profit()
    mass = data.node_mass
    limited = [p for p in data.products if p in data.product_offtake and data.product_nodes[p]]
    model.offtake = pyo.Constraint(
        limited, rule=lambda m, p: pyo.quicksum(mass[n] * m.flow[n]
                                                for n in data.product_nodes[p])
        <= data.product_offtake[p], doc="product mass within what buyers take")

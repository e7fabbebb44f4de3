"""Regulation block: EU targets as linear rows, and recycled-content offtake contracts.

For every target t in force and enforced (see :mod:`plantopt.regulation.terms` for N_t, D_t):

    target_num[t] = sum_{(n, a) in N_t} a flow[n]          (t/yr that count)
    target_den[t] = sum_{(f, b) in D_t} b accept[f]        (t/yr entering)
    target_ratio[t]:  target_num[t] - R_t target_den[t] >= 0

which is ``num / den >= R_t`` whenever covered feed is accepted, and trivially true when none
is (0 >= 0). Targets whose covered feeds contain nothing the denominator counts get no row.

Offtake contracts c (variables ``take[c]`` in [min_c, max_c], t/yr of contained material):

    contract_supply[p, k]:  sum_{c on (p, k)} take[c] <= sum_{n at p} coef[n, k] flow[n]
    offtake_premium = sum_c premium_c take[c]              (EUR/yr, added to ``profit``)

A positive minimum is take-or-pay: the plan must deliver it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from plantopt.model.data import ModelData

if TYPE_CHECKING:
    from plantopt.model.regulation_terms import RegulationData


def add_regulation(model: pyo.ConcreteModel, data: ModelData,
                   targets: RegulationData) -> None:
    """Add target rows and contracts; ``targets`` is kept on ``model.plantopt_regulation``."""
    model.plantopt_regulation = targets
    enforced = {t.target_id: t for t in targets.enforced}
    model.TARGETS = pyo.Set(initialize=list(enforced), ordered=True)
    model.target_num = pyo.Expression(
        model.TARGETS, rule=lambda m, t: pyo.quicksum(a * m.flow[n]
                                                      for n, a in enforced[t].num),
        doc="t/yr of output that counts for the target")
    model.target_den = pyo.Expression(
        model.TARGETS, rule=lambda m, t: pyo.quicksum(b * m.accept[f]
                                                      for f, b in enforced[t].den),
        doc="t/yr entering that the target is measured against")
    model.target_ratio = pyo.Constraint(
        model.TARGETS,
        rule=lambda m, t: m.target_num[t] - enforced[t].required_frac * m.target_den[t] >= 0,
        doc="regulatory ratio at least its required value")

    contracts = {c.contract_id: c for c in targets.contracts}
    model.CONTRACTS = pyo.Set(initialize=list(contracts), ordered=True)
    model.take = pyo.Var(
        model.CONTRACTS, domain=pyo.NonNegativeReals,
        bounds=lambda m, c: (contracts[c].min_t_per_yr, contracts[c].max_t_per_yr),
        doc="contained material delivered under the contract, t/yr")
    pairs: dict[tuple[str, str], list[str]] = {}
    for c in contracts.values():
        pairs.setdefault((c.product_id, c.material), []).append(c.contract_id)
    supply = {key: contracts[ids[0]].supply for key, ids in pairs.items()}
    model.CONTRACT_PAIRS = pyo.Set(initialize=list(pairs), dimen=2, ordered=True)
    model.contract_supply = pyo.Constraint(
        model.CONTRACT_PAIRS,
        rule=lambda m, p, k: pyo.quicksum(m.take[c] for c in pairs[(p, k)])
        <= pyo.quicksum(a * m.flow[n] for n, a in supply[(p, k)]),
        doc="contracts take no more than the material contained in the product")
    model.offtake_premium = pyo.Expression(expr=pyo.quicksum(
        contracts[c].premium_eur_per_t * model.take[c] for c in contracts
        if contracts[c].premium_eur_per_t != 0), doc="EUR/yr")
    if contracts:
        model.profit.set_value(model.profit.expr + model.offtake_premium)

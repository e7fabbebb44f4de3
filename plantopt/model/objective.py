"""Objective block: recovered critical material, weighted recovery, floors and objectives.

    recovered[m]      = sum_{(n, a) in R_m} a flow[n]   (t/yr of m in products where m counts
                        as recovered; a = coef[n, m])
    weighted_recovery = sum_m w_m recovered[m]
    objective recovery: max weighted_recovery   s.t. profit >= profit_floor (if set)
    objective profit:   max profit              s.t. weighted_recovery >= recovery_floor
    objective npv:      max npv, the net present value over horizon H at the blended rate r_b:
    npv = AF(r_b, H) (profit + annual_capex) - sum_{u,j} capex_net_{u,j} K(r_b, L_{u,j}, H) build
    (AF = sum_{t=1..H} (1 + r_b)^-t; K: capex in year 0, replacements every L years, minus
    straight-line salvage at H — see data.capex_pv_factor; K = 1 when L = H, and then
    npv = AF profit exactly)
Both floors apply whenever they are set in the manifest. All objectives are declared; those
not chosen are deactivated, so users can switch with :func:`set_objective`.
"""

from __future__ import annotations

import pyomo.environ as pyo

from .data import ModelData

OBJECTIVES = ("recovery", "profit", "npv")


def add_objective(model: pyo.ConcreteModel, data: ModelData, objective: str) -> None:
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES}")
    model.MATERIALS = pyo.Set(initialize=list(data.tree.materials), ordered=True)
    terms = data.recovered_terms
    model.recovered = pyo.Expression(
        model.MATERIALS,
        rule=lambda m, k: pyo.quicksum(a * m.flow[n] for n, a in terms[k]),
        doc="material recovered in products, t/yr")
    w = data.recovery_weight
    model.weighted_recovery = pyo.Expression(expr=pyo.quicksum(
        w[k] * model.recovered[k] for k in data.tree.materials if w[k] != 0 and terms[k]),
        doc="weighted critical-material recovery, t/yr")
    floor = data.manifest.get("profit_floor_eur_per_yr")
    if floor is not None:
        model.profit_floor = pyo.Constraint(expr=model.profit >= float(floor))
    rfloor = data.manifest.get("recovery_floor_t_per_yr")
    if rfloor is not None:
        model.recovery_floor = pyo.Constraint(expr=model.weighted_recovery >= float(rfloor))
    opts = data.options
    model.npv = pyo.Expression(
        expr=data.annuity_factor * (model.profit + model.annual_capex) - pyo.quicksum(
            opts[k].npv_capex_eur * model.build[k] for k in opts if opts[k].npv_capex_eur != 0),
        doc="EUR, net present value over the horizon")
    model.obj_recovery = pyo.Objective(expr=model.weighted_recovery, sense=pyo.maximize)
    model.obj_profit = pyo.Objective(expr=model.profit, sense=pyo.maximize)
    model.obj_npv = pyo.Objective(expr=model.npv, sense=pyo.maximize)
    set_objective(model, objective)


def set_objective(model: pyo.ConcreteModel, objective: str) -> None:
    """Activate the objective named ``recovery``, ``profit`` or ``npv``; deactivate the rest."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES}")
    for name in OBJECTIVES:
        getattr(model, f"obj_{name}").activate() if name == objective else \
            getattr(model, f"obj_{name}").deactivate()

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
With periods t (see periods.py; one period is the case above: DF_0 = AF, PV = K, w_0 = 1):
    profit            = sum_t w_t period[t].profit              (w_t = d_t / H: horizon mean)
    weighted_recovery = sum_t w_t period[t].weighted_recovery
    npv = sum_t DF_t (period[t].profit + period[t].annual_capex)
          - sum_{u,j,tau} capex_net_{u,j} PV_{u,j,tau} build[u, j, tau]
Both floors apply whenever they are set in the manifest. All objectives are declared; those
not chosen are deactivated, so users can switch with :func:`set_objective`.
"""

from __future__ import annotations

import pyomo.environ as pyo

from plantopt.model.data import ModelData
from plantopt.model.matrix_form import OBJECTIVES  # noqa: F401  (re-exported)


def add_recovery(model: pyo.ConcreteModel, data: ModelData) -> None:
    """recovered[m] and weighted_recovery on ``model`` (the model, or a period's block)."""
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


def add_objective(model: pyo.ConcreteModel, data: ModelData, objective: str,
                  blocks: list | None = None) -> None:
    """Floors, ``npv`` and the three objectives over the period ``blocks`` ([model]: one)."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES}")
    blocks = blocks or [model]
    timing = data.timing
    assert timing is not None
    periods = timing.periods
    if timing.multi:
        model.profit = pyo.Expression(expr=pyo.quicksum(
            p.weight * b.profit for p, b in zip(periods, blocks)),
            doc="EUR/yr, horizon mean of the periods' profit")
        model.weighted_recovery = pyo.Expression(expr=pyo.quicksum(
            p.weight * b.weighted_recovery for p, b in zip(periods, blocks)),
            doc="t/yr, horizon mean of the periods' weighted recovery")
    floor = data.manifest.get("profit_floor_eur_per_yr")
    if floor is not None:
        model.profit_floor = pyo.Constraint(expr=model.profit >= float(floor))
    rfloor = data.manifest.get("recovery_floor_t_per_yr")
    if rfloor is not None:
        model.recovery_floor = pyo.Constraint(expr=model.weighted_recovery >= float(rfloor))
    opts = data.options
    pv = {(k, t): opts[k].capex_net_eur * timing.capex_pv_factor[(*k, t)]
          for t in range(len(periods)) for k in opts}
    model.npv = pyo.Expression(
        expr=pyo.quicksum(p.operating_pv * (b.profit + b.annual_capex)
                          for p, b in zip(periods, blocks)) - pyo.quicksum(
            c * model.build[timing.key(k, t)] for (k, t), c in pv.items() if c != 0),
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

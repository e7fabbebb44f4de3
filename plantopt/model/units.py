"""Unit block: capacity choice, throughput limits and minimum load.

Variables: ``run[u]`` binary for units with a minimum load; ``build[u, j]`` (option j of u
in service; the decision variables and ``one_option`` are in :mod:`.investment`).

    throughput[u] = sum_{n at u} mass_n * flow[n]                         (real t/yr)
    capacity[u]   = existing_u + sum_j cap_{u,j} * build[u, j]
    throughput[u] <= capacity[u]
and, for units with min_load_u > 0 (Cmax_u = existing_u + max_j cap_{u,j}):
    throughput[u] <= Cmax_u * run[u]
    throughput[u] >= min_load_u * capacity[u] - Cmax_u * (1 - run[u])
    run[u] <= [existing_u > 0] + sum_j build[u, j]
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.environ as pyo

from plantopt.model.data import ModelData


def add_units(model: pyo.ConcreteModel, data: ModelData,
              before_limits: Callable[[], None] | None = None) -> None:
    """Add the unit components to ``model`` (the model, or a period's block);
    ``before_limits`` (the investment rows) runs before the capacity rows are declared."""
    model.UNITS = pyo.Set(initialize=data.units, ordered=True)
    mass = data.node_mass
    model.throughput = pyo.Expression(
        model.UNITS,
        rule=lambda m, u: pyo.quicksum(mass[n] * m.flow[n] for n in data.unit_nodes[u]),
        doc="real tonnes entering the unit, t/yr")
    model.capacity = pyo.Expression(
        model.UNITS,
        rule=lambda m, u: data.unit_existing[u] + pyo.quicksum(
            data.options[(u, j)].capacity_t_per_yr * m.build[u, j]
            for j in data.unit_options[u]),
        doc="installed capacity, t/yr")
    if before_limits is not None:
        before_limits()
    used = [u for u in data.units if data.unit_nodes[u]]
    model.capacity_limit = pyo.Constraint(
        used, rule=lambda m, u: m.throughput[u] <= m.capacity[u],
        doc="throughput within installed capacity")
    min_load = [u for u in used if data.unit_min_load[u] > 0 and data.unit_max_capacity[u] > 0]
    model.MIN_LOAD_UNITS = pyo.Set(initialize=min_load, ordered=True)
    model.run = pyo.Var(model.MIN_LOAD_UNITS, domain=pyo.Binary, doc="unit runs")
    cmax = data.unit_max_capacity
    model.run_upper = pyo.Constraint(
        model.MIN_LOAD_UNITS, rule=lambda m, u: m.throughput[u] <= cmax[u] * m.run[u],
        doc="no throughput unless running")
    model.min_load = pyo.Constraint(
        model.MIN_LOAD_UNITS,
        rule=lambda m, u: m.throughput[u] >= data.unit_min_load[u] * m.capacity[u]
        - cmax[u] * (1 - m.run[u]),
        doc="a running unit is loaded to at least its minimum")
    model.run_if_built = pyo.Constraint(
        [u for u in min_load if data.unit_existing[u] <= 0],
        rule=lambda m, u: m.run[u] <= pyo.quicksum(m.build[u, j]
                                                   for j in data.unit_options[u]),
        doc="only a built unit runs")

"""Investment block: build decisions over the planning periods, one option per period, budget.

With one period (no periods.csv) the components are indexed as in the single-period model:

    build[u, j]        binary: capacity option j of unit u built
    one_option[u]:     sum_j build[u, j] <= 1
    capex_total      = sum_{u,j} capex_{u,j} (1 - s_u) build[u, j]          (EUR)
    budget:            capex_total <= budget

With periods t = 0..T-1 (see :mod:`plantopt.model.periods`) the period id is appended to
every index, and the operating blocks live in ``period[t]`` (a Pyomo block per period
holding the same routing, feed, unit, economics, lever, regulation and recovery components
as the single-period model), each reading the options in service in its period:

    build[u, j, tau]   binary: option j of unit u built in period tau (capex paid then)
    one_option[u, tau]: sum_j build[u, j, tau] <= 1          (at most one addition a period)
    period[t].build[u, j] = sum_{tau in A(u, j, t)} build[u, j, tau]   (options in service)
    capex_total      = sum_{u,j,tau} capex_{u,j} (1 - s_u) build[u, j, tau]   (nominal EUR)
    budget:            capex_total <= budget                   (over the whole horizon)

so capacity[u] in period t = existing_u + sum_j cap_{u,j} period[t].build[u, j]: capacity
added in a later period expands what is there.
"""

from __future__ import annotations

import pyomo.environ as pyo

from plantopt.model.data import ModelData


def add_build(model: pyo.ConcreteModel, data: ModelData) -> None:
    """OPTIONS, PERIODS (several periods) and the build decisions."""
    timing = data.timing
    assert timing is not None
    model.OPTIONS = pyo.Set(initialize=list(data.options), dimen=2, ordered=True)
    if timing.multi:
        model.PERIODS = pyo.Set(initialize=[p.period_id for p in timing.periods],
                                ordered=True)
        model.build = pyo.Var(model.OPTIONS * model.PERIODS, domain=pyo.Binary,
                              doc="capacity option built in the period")
    else:
        model.build = pyo.Var(model.OPTIONS, domain=pyo.Binary, doc="capacity option built")


def add_one_option(model: pyo.ConcreteModel, data: ModelData) -> None:
    """one_option: at most one option of a unit built (per period)."""
    timing = data.timing
    assert timing is not None
    T = len(timing.periods)
    units = [u for u in data.units if data.unit_options[u]]
    rows = [timing.key(u, t) for t in range(T) for u in units]
    model.one_option = pyo.Constraint(
        rows, rule=lambda m, *i: pyo.quicksum(
            m.build[(i[0], j, *i[1:])] for j in data.unit_options[i[0]]) <= 1,
        doc="at most one capacity option per unit (added per period)")


def add_budget(model: pyo.ConcreteModel, data: ModelData) -> None:
    """capex_total over every build decision, and the budget row."""
    timing = data.timing
    assert timing is not None
    opts = data.options
    keys = [(k, t) for t in range(len(timing.periods)) for k in opts]
    model.capex_total = pyo.Expression(expr=pyo.quicksum(
        opts[k].capex_net_eur * model.build[timing.key(k, t)] for k, t in keys
        if opts[k].capex_net_eur != 0), doc="EUR, net of capex subsidies")
    if data.budget_eur is not None and opts:
        model.budget = pyo.Constraint(expr=model.capex_total <= data.budget_eur,
                                      doc="total capex within budget")


def add_period_blocks(model: pyo.ConcreteModel, data: ModelData) -> list:
    """The blocks that hold the operating components: [model] with one period, else one
    ``period[t]`` block per period with its ``build`` expression (options in service)."""
    timing = data.timing
    assert timing is not None
    if not timing.multi:
        return [model]
    model.period = pyo.Block(model.PERIODS)
    blocks = []
    for t, p in enumerate(timing.periods):
        blk = model.period[p.period_id]
        blk.build = pyo.Expression(
            model.OPTIONS, rule=lambda b, u, j, t=t: pyo.quicksum(
                model.build[u, j, timing.periods[tau].period_id]
                for tau in timing.active[(u, j, t)]),
            doc="options in service in the period")
        blocks.append(blk)
    return blocks


__all__ = ["add_budget", "add_build", "add_one_option", "add_period_blocks"]

"""Result tables of a solution: the flow tables of all periods at once, then each period's
network, economics, compliance and business tables, then the business case of the plan.

A single-period instance is the one-period case: its tables are period 0's, without a
``period`` column. With several periods the solution arrays of all periods form one
(periods x columns) array and the flow tables (feed intake, flows, throughput, products,
losses, recovery, mass balance, material flows) are made once for all periods with a
``period`` column (:func:`plantopt.results.stacked.stacked_tables`); each period's other
tables read its rows of them, and are stacked with a ``period`` column; the builds, capex
schedule, cash flows and periods tables are added.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from plantopt.business.case import business_results, cost_table, revenue_by_period
from plantopt.business.multiperiod import multiperiod_case
from plantopt.instance.instance import Instance
from plantopt.model.build import Families
from plantopt.model.periods import period_instance
from plantopt.regulation.compliance import Edges, collection_table, period_edges
from plantopt.regulation.report import regulation_results
from plantopt.results.network import (
    decision_capex_factors,
    period_network_tables,
    site_factored_built_units,
)
from plantopt.results.solution import Solution
from plantopt.results.stacked import (
    PeriodInput,
    StackedTables,
    stack_periods,
    stacked_tables,
)
from plantopt.results.tables import economics_table

Parts = tuple[dict[str, pd.DataFrame], dict[str, Any], dict[str, Any]]


def _instance_of(instance: Instance, fams: Families, t: int) -> Instance:
    """The instance as period t sees it: itself with one period, else its period view."""
    return instance if not fams.multi else period_instance(instance, fams.data.periods[t])


def flow_tables(instance: Instance, fams: Families, solution: Solution) -> StackedTables:
    """The flow tables of every period, from the (periods x columns) accept and flow arrays,
    each period read on its view of the instance (:func:`period_instance`)."""
    inputs = []
    for t, (per, sol) in enumerate(zip(fams.periods, solution.periods)):
        inst_t = _instance_of(instance, fams, t)
        inputs.append(PeriodInput(inst_t, per.context.data, sol.in_service, sol.run, sol.segment))
    accept = np.stack([s.accept for s in solution.periods])
    flow = np.stack([s.flow for s in solution.periods])
    ids = [p.period_id for p in fams.data.periods] if fams.multi else None
    return stacked_tables(ids, inputs, accept, flow)


def period_tables(
    instance: Instance,
    fams: Families,
    solution: Solution,
    t: int,
    flows: dict[str, pd.DataFrame],
    edges: Edges | None = None,
) -> Parts:
    """Tables of period t (``flows``: its flow tables; ``edges``: its material-flow edges
    for the compliance figures, when made already), its compliance summary and its
    business-case metrics (those of a single period; with several periods only the
    revenue and cost tables, the plan's case is :func:`multiperiod_case`)."""
    per, sol = fams.periods[t], solution.periods[t]
    d = per.context.data
    inst_t = _instance_of(instance, fams, t)
    tables = dict(flows)
    network = period_network_tables(per, sol.x_local)  # sites.csv / footprint (issue 15)
    tables.update(network)
    built = site_factored_built_units(tables["built_units"], d, per.context.layout, sol.x_local)
    tables["built_units"] = built
    tables["economics"] = economics_table(per.ledger, sol.x_local, float(built["capex_eur"].sum()))
    assert per.context.regulation is not None
    reg = per.context.regulation
    reg_tables, reg_summary = regulation_results(inst_t, reg, tables, sol.take, edges)
    tables.update(reg_tables)
    if per.context.regulation.steps:
        tables["collection"] = collection_table(per.context.regulation, sol.collect)
    if fams.multi:  # revenue_by_product: made for all periods at once, revenue_by_period
        tables["cost_by_category"] = cost_table(tables["economics"])
        return tables, reg_summary, {}
    case_tables, case_summary = business_results(d, tables)
    tables.update(case_tables)
    return tables, reg_summary, case_summary


def result_tables(instance: Instance, fams: Families, solution: Solution) -> Parts:
    """(tables, compliance summary, business-case summary) of the whole solution."""
    flows = flow_tables(instance, fams, solution)
    views = [flows.period(t) for t in range(len(fams.periods))]
    edges = _edges(instance, fams, flows, views)
    parts = [
        period_tables(instance, fams, solution, t, v, e)
        for t, (v, e) in enumerate(zip(views, edges))
    ]
    if not fams.multi:
        return parts[0]
    data = fams.data
    decisions = [s.decided for s in solution.periods]
    segments = [s.segment_decided for s in solution.periods]
    per_tables = [p[0] for p in parts]
    factors = decision_capex_factors(data, fams.layout, solution.x)  # sites: capex factors
    case_tables, case_summary = multiperiod_case(data, decisions, per_tables, segments, factors)
    ids = [p.period_id for p in data.periods]
    tables = {}
    names = list(per_tables[0])
    names.insert(names.index("cost_by_category"), "revenue_by_product")
    for name in names:
        if name == "revenue_by_product":
            tables[name] = revenue_by_period(ids, per_tables, flows.tables["products"])
            continue
        frames = [tab[name] for tab in per_tables]
        if name in flows.tables and all(f is v[name] for f, v in zip(frames, views)):
            tables[name] = flows.tables[name]  # made once for all periods
        else:
            tables[name] = stack_periods(ids, frames)
    tables.update(case_tables)
    summary = {"periods": [{"period": p.period_id, **s[1]} for p, s in zip(data.periods, parts)]}
    return tables, summary, case_summary


def _edges(
    instance: Instance, fams: Families, flows: StackedTables, views: list[dict[str, pd.DataFrame]]
) -> list[Edges | None]:
    """Each period's compliance edges, made once from the stacked material flows (None:
    each period makes its own: one period, or views that do not share the tables)."""
    if not fams.multi:
        return [None]
    insts = [period_instance(instance, p) for p in fams.data.periods]
    years = [p.context.regulation.target_year for p in fams.periods if p.context.regulation]
    if len(years) != len(insts):
        return [None] * len(insts)
    fi = [v["feed_intake"] for v in views]
    mf = flows.tables["material_flows"]
    out = period_edges(insts, years, mf, flows.bounds["material_flows"], fi)
    if out is None:
        return [None] * len(insts)
    return list[Edges | None](out)


__all__ = ["flow_tables", "period_tables", "result_tables", "stack_periods"]

"""Result tables of a solution: each period's tables by the same code, then the business case.

A single-period instance is the one-period case: its tables are period 0's, without a
``period`` column. With several periods the per-period tables are stacked with a ``period``
column and the builds, capex schedule, cash flows and periods tables are added.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from plantopt.business.case import business_results
from plantopt.business.multiperiod import multiperiod_case
from plantopt.instance.instance import Instance
from plantopt.model.build import Families
from plantopt.model.periods import period_instance
from plantopt.regulation.compliance import collection_table
from plantopt.regulation.report import regulation_results
from plantopt.results.network import (
    decision_capex_factors,
    period_network_tables,
    site_factored_built_units,
)
from plantopt.results.solution import Solution
from plantopt.results.tables import economics_table, extract_tables


def period_tables(
    instance: Instance, fams: Families, solution: Solution, t: int
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], dict[str, Any]]:
    """Tables of period t, its compliance summary and its business-case metrics."""
    per, sol = fams.periods[t], solution.periods[t]
    d = per.context.data
    inst_t = instance if not fams.multi else period_instance(instance, fams.data.periods[t])
    tables = extract_tables(inst_t, d, sol.accept, sol.flow, sol.in_service, sol.run, sol.segment)
    network = period_network_tables(per, sol.x_local)  # sites.csv / footprint (issue 15)
    tables.update(network)
    built = site_factored_built_units(tables["built_units"], d, per.context.layout, sol.x_local)
    tables["built_units"] = built
    tables["economics"] = economics_table(per.ledger, sol.x_local, float(built["capex_eur"].sum()))
    assert per.context.regulation is not None
    reg_tables, reg_summary = regulation_results(inst_t, per.context.regulation, tables, sol.take)
    tables.update(reg_tables)
    if per.context.regulation.steps:
        tables["collection"] = collection_table(per.context.regulation, sol.collect)
    case_tables, case_summary = business_results(d, tables)
    tables.update(case_tables)
    return tables, reg_summary, case_summary


def result_tables(
    instance: Instance, fams: Families, solution: Solution
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], dict[str, Any]]:
    """(tables, compliance summary, business-case summary) of the whole solution."""
    parts = [period_tables(instance, fams, solution, t) for t in range(len(fams.periods))]
    if not fams.multi:
        return parts[0]
    data = fams.data
    decisions = [s.decided for s in solution.periods]
    segments = [s.segment_decided for s in solution.periods]
    per_tables = [p[0] for p in parts]
    factors = decision_capex_factors(data, fams.layout, solution.x)  # sites: capex factors
    case_tables, case_summary = multiperiod_case(data, decisions, per_tables, segments, factors)
    keep = [n for n in per_tables[0] if n not in ("cash_flows", "capex_schedule", "business_case")]
    ids = [p.period_id for p in data.periods]
    tables = {name: stack_periods(ids, [tab[name] for tab in per_tables]) for name in keep}
    tables.update(case_tables)
    summary = {"periods": [{"period": p.period_id, **s[1]} for p, s in zip(data.periods, parts)]}
    return tables, summary, case_summary


def stack_periods(period_ids: list[Any], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The per-period frames stacked in order, with a first column ``period``.

    Frames with the same columns of the same types (the usual case: one table's periods)
    are stacked column by column (:func:`_stacked_columns`); any other set goes through
    ``pd.concat``, which decides the types. Both give the same frame."""
    period = pd.Series(period_ids).repeat([len(f) for f in frames]).reset_index(drop=True)
    columns = _stacked_columns(frames)
    if columns is None:
        stacked = pd.concat(frames, ignore_index=True)
        stacked.insert(0, "period", period)
        return stacked
    return pd.DataFrame({"period": period, **columns})


def _stacked_columns(frames: list[pd.DataFrame]) -> dict[str, Any] | None:
    """Each column's arrays of every frame concatenated (numpy or one extension type), or
    None when the frames differ in columns or types, hold a generic ``object`` column, or
    this pandas has no block manager to read columns without a Series each."""
    first = frames[0]
    names = list(first.columns)
    dtypes = list(first.dtypes)
    if len(set(names)) != len(names) or any(
        isinstance(d, np.dtype) and d.kind == "O" for d in dtypes
    ):
        return None
    for f in frames[1:]:
        if list(f.columns) != names or list(f.dtypes) != dtypes:
            return None
    try:
        per_column = [[f._mgr.iget_values(i) for f in frames] for i in range(len(names))]
    except AttributeError:
        return None
    out: dict[str, Any] = {}
    for name, arrays in zip(names, per_column):
        if isinstance(arrays[0], np.ndarray):
            out[name] = np.concatenate(arrays)
        else:
            out[name] = type(arrays[0])._concat_same_type(arrays)
    return out


__all__ = ["period_tables", "result_tables", "stack_periods"]

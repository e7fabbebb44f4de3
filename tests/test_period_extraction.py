"""The multi-period extraction (all periods at once, plantopt/results/stacked.py) against
a per-period reference kept here on purpose: the extraction as it was before the period
axis, every period's tables made by the single-period code and stacked with pd.concat.
Every table must be equal exactly (values, column order, types), the summaries too, and
mass balance must hold per material in every period."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from plantopt.api import _run
from plantopt.api.problem import Clock, prepare
from plantopt.api.tables import result_tables
from plantopt.business.case import business_results
from plantopt.business.multiperiod import multiperiod_case
from plantopt.instance.generate import generate
from plantopt.instance.generate_periods import with_periods
from plantopt.model.periods import period_instance
from plantopt.regulation.compliance import collection_table
from plantopt.regulation.report import regulation_results
from plantopt.results.network import (
    decision_capex_factors,
    period_network_tables,
    site_factored_built_units,
)
from plantopt.results.solution import Solution, read_solution
from plantopt.results.stacked import extract_tables
from plantopt.results.tables import economics_table
from plantopt.solver.types import SolveOptions
from tests.conftest import composition_matrix


def _reference_period(instance: Any, fams: Any, solution: Solution, t: int) -> tuple:
    """Period t's tables by the single-period code, alone (the reference)."""
    per, sol = fams.periods[t], solution.periods[t]
    d = per.context.data
    inst_t = instance if not fams.multi else period_instance(instance, fams.data.periods[t])
    tables = extract_tables(inst_t, d, sol.accept, sol.flow, sol.in_service, sol.run, sol.segment)
    tables.update(period_network_tables(per, sol.x_local))
    built = site_factored_built_units(tables["built_units"], d, per.context.layout, sol.x_local)
    tables["built_units"] = built
    tables["economics"] = economics_table(per.ledger, sol.x_local, float(built["capex_eur"].sum()))
    reg_tables, reg_summary = regulation_results(inst_t, per.context.regulation, tables, sol.take)
    tables.update(reg_tables)
    if per.context.regulation.steps:
        tables["collection"] = collection_table(per.context.regulation, sol.collect)
    case_tables, case_summary = business_results(d, tables)
    tables.update(case_tables)
    return tables, reg_summary, case_summary


def _stack_by_concat(ids: list[Any], frames: list[pd.DataFrame]) -> pd.DataFrame:
    period = pd.Series(ids).repeat([len(f) for f in frames]).reset_index(drop=True)
    stacked = pd.concat(frames, ignore_index=True)
    stacked.insert(0, "period", period)
    return stacked


def reference_tables(instance: Any, fams: Any, solution: Solution) -> tuple:
    """The whole extraction one period at a time, stacked with pd.concat."""
    parts = [_reference_period(instance, fams, solution, t) for t in range(len(fams.periods))]
    if not fams.multi:
        return parts[0]
    data = fams.data
    per_tables = [p[0] for p in parts]
    factors = decision_capex_factors(data, fams.layout, solution.x)
    case_tables, case_summary = multiperiod_case(
        data,
        [s.decided for s in solution.periods],
        per_tables,
        [s.segment_decided for s in solution.periods],
        factors,
    )
    keep = [n for n in per_tables[0] if n not in ("cash_flows", "capex_schedule", "business_case")]
    ids = [p.period_id for p in data.periods]
    tables = {n: _stack_by_concat(ids, [tab[n] for tab in per_tables]) for n in keep}
    tables.update(case_tables)
    summary = {"periods": [{"period": p.period_id, **s[1]} for p, s in zip(data.periods, parts)]}
    return tables, summary, case_summary


def solved(instance: Any, objective: str) -> tuple[Any, Solution]:
    opts = SolveOptions(threads=1, tie_break=False)
    problem = prepare(instance, objective, opts, Clock(deadline=None))
    mm = problem.handoff(problem.objectives(False), opts)
    raw = _run(problem, mm, opts)
    x = problem.solution_x(mm, raw)
    assert x is not None, raw.message
    return problem, read_solution(problem.fams, x)


def generated(seed: int, periods: int) -> Any:
    base = generate("S", seed).with_manifest(horizon_yr=1)
    years = list(range(2027, 2027 + periods))
    return with_periods(base, years, [1] * periods, feed_growth=0.05, price_growth=0.01)


def assert_same(got: tuple, want: tuple) -> None:
    tables, reg, case = got
    ref_tables, ref_reg, ref_case = want
    assert list(tables) == list(ref_tables)
    for name, ref in ref_tables.items():
        assert_frame_equal(tables[name], ref, check_exact=True, obj=name)
        assert list(tables[name].dtypes) == list(ref.dtypes), name
        assert tables[name].columns.dtype == ref.columns.dtype, name
    assert repr(reg) == repr(ref_reg)
    assert repr(case) == repr(ref_case)


def assert_period_mass_balance(instance: Any, tables: dict[str, pd.DataFrame]) -> None:
    """Per period and material: accepted x composition = products + disposal + losses."""
    comp = composition_matrix(instance)
    out = pd.concat([tables["products"], tables["losses"]])
    periods = list(dict.fromkeys(tables["feed_intake"]["period"]))
    assert len(periods) > 1
    for p in periods:
        fi = tables["feed_intake"][tables["feed_intake"]["period"] == p]
        intake = fi.set_index("feed_id")["accepted_t_per_yr"]
        inflow = comp.loc[intake.index].mul(intake, axis=0).sum(axis=0)
        outflow = out[out["period"] == p].groupby("material")["mass_t_per_yr"].sum()
        outflow = outflow.reindex(inflow.index, fill_value=0.0)
        scale = max(float(inflow.abs().sum()), 1.0)
        assert np.abs(inflow - outflow).max() <= 1e-6 * scale, (p, (inflow - outflow).to_dict())
        mb = tables["mass_balance"][tables["mass_balance"]["period"] == p]
        assert mb["relative_error"].max() <= 1e-6, p


def without_flows(solution: Solution, t: int) -> Solution:
    """The solution with nothing accepted and no flow in period t (a plan that idles then)."""
    per = list(solution.periods)
    per[t] = replace(per[t], accept=np.zeros_like(per[t].accept), flow=np.zeros_like(per[t].flow))
    return replace(solution, periods=tuple(per))


@pytest.mark.parametrize(
    "idle",
    [
        None,  # every period has flows: the tables are made with a period axis
        2,  # a period without rows: those tables are made per period and stacked
    ],
)
def test_period_axis_equals_per_period_extraction(idle: int | None) -> None:
    instance = generated(5, 6)
    problem, solution = solved(instance, "recovery")
    assert problem.fams.multi
    if idle is not None:
        solution = without_flows(solution, idle)
    got = result_tables(problem.instance, problem.fams, solution)
    assert_same(got, reference_tables(problem.instance, problem.fams, solution))
    accepted = got[0]["feed_intake"].groupby("period", sort=False)["accepted_t_per_yr"].sum()
    assert (accepted > 0).sum() >= 2  # more than one period carries flows
    assert_period_mass_balance(problem.instance, got[0])


def test_period_axis_on_the_shipped_multi_period_instance() -> None:
    from plantopt.instance.loader import load_instance

    instance = load_instance("instances/nl-2027-2040")
    problem, solution = solved(instance, "npv")
    got = result_tables(problem.instance, problem.fams, solution)
    assert_same(got, reference_tables(problem.instance, problem.fams, solution))
    assert_period_mass_balance(problem.instance, got[0])


def test_one_period_is_the_single_period_case() -> None:
    instance = generate("S", 1)
    problem, solution = solved(instance, "profit")
    assert not problem.fams.multi
    got = result_tables(problem.instance, problem.fams, solution)
    assert "period" not in got[0]["material_flows"].columns
    assert_same(got, reference_tables(problem.instance, problem.fams, solution))

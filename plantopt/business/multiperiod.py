"""Results of a multi-period solve: per-period tables, build timing and cash flows.

Every period's tables are computed by the single-period code on the period's view of the
instance (:func:`plantopt.model.periods.period_instance`) with the options in service in
that period: the flow tables for all periods at once
(:func:`plantopt.results.stacked.stacked_tables`), then ``economics_table``,
``regulation_results`` and the revenue and cost tables per period; all stacked with a
leading ``period`` column. The business case of the
plan (years y = 0..H from the first period's start; end-of-year cash flows, as in
:mod:`plantopt.business.case`):

    capex_y    = - capex_{u,j} at o_tau for every build (u, j, tau) (a continuous option:
                 the capex of that build's size on its curve) (spread over the
                 construction years before o_tau by the spend profile, escalated), and again
                 at S + m L (m >= 1, S = o_tau + lead) while < E (replacements inside the
                 service window, see periods.py)
    subsidy_y  = + s_u capex_{u,j} for the same outlays
    salvage_E  = + capex_net_{u,j} (n L - W) / L     (straight-line remaining value at the end
                 E of the service window; n outlays, W = E - S years in service)
    ocf_y      = operating cash flow of period t in its years o_t+1..o_t+d_t (its ledger
                 items, escalated), working capital and tax as in business/cashflow.py
    NPV        = sum_y net_y (1 + r_b)^-y  — exactly the model's ``npv`` for the plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from plantopt.business.case import case_table, flow_metrics
from plantopt.business.cashflow import Build, cash_flow_table, operating_items
from plantopt.business.cashflow import capex_schedule as _schedule
from plantopt.model.data import CapacityOption, ModelData
from plantopt.model.periods import Period, Timing
from plantopt.results.tables import BuiltSize, built_sizes


def in_service(
    timing: Timing, decisions: list[dict[tuple[str, str], float]], t: int
) -> dict[tuple[str, str], float]:
    """build value of each option in period t: sum of its builds in service then."""
    keys = decisions[0].keys() if decisions else []
    return {k: float(sum(decisions[tau][k] for tau in timing.active[(*k, t)])) for k in keys}


Segments = list[dict[tuple[str, str, int], float]]
Factors = list[dict[tuple[str, str], float]]  # per build period: (u, j) -> site capex factor


def _built_options(
    data: ModelData,
    decisions: list[dict[tuple[str, str], float]],
    segments: Segments | None = None,
    factors: Factors | None = None,
) -> Iterator[tuple[int, str, str, CapacityOption, BuiltSize]]:
    """(period index, unit, option, option data, what the build adds) of every build decision
    taken; ``segments[tau]``: the segment columns decided in tau (a continuous option's size
    on its curve, :func:`plantopt.results.tables.built_sizes`); ``factors[tau]``: the mean
    site capex factor of each option's builds decided in tau (network instances), applied
    to its capex."""
    for tau, dec in enumerate(decisions):
        sized = built_sizes(data, dec, segments[tau] if segments else {})
        for (u, j), v in dec.items():
            if v > 0.5:
                b, f = sized[(u, j)], factors[tau].get((u, j), 1.0) if factors else 1.0
                yield tau, u, j, data.options[(u, j)], replace(b, capex_eur=b.capex_eur * f)


def builds_table(
    data: ModelData,
    decisions: list[dict[tuple[str, str], float]],
    segments: Segments | None = None,
    factors: Factors | None = None,
) -> pd.DataFrame:
    """One row per build decision: unit, option, period built, service window, count (modules),
    capacity and capex (a continuous option at the size of that build)."""
    timing = data.timing
    assert timing is not None
    P = timing.periods
    rows = []
    for tau, u, j, o, b in _built_options(data, decisions, segments, factors):
        win = timing.service[(u, j, tau)]
        net = b.capex_eur * (1.0 - o.subsidy_frac)
        rows.append(
            {
                "unit_id": u,
                "option_id": j,
                "period_built": P[tau].period_id,
                "year_built": P[tau].start_year,
                "first_period": None if win is None else P[win[0]].period_id,
                "last_period": None if win is None else P[win[1]].period_id,
                "count": float(b.count),
                "capacity_t_per_yr": b.capacity_t_per_yr,
                "capex_eur": b.capex_eur,
                "subsidy_eur": b.capex_eur * o.subsidy_frac,
                "net_capex_eur": net,
                "capex_pv_eur": net * timing.capex_pv_factor[(u, j, tau)],
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "unit_id",
            "option_id",
            "period_built",
            "year_built",
            "first_period",
            "last_period",
            "count",
            "capacity_t_per_yr",
            "capex_eur",
            "subsidy_eur",
            "net_capex_eur",
            "capex_pv_eur",
        ],
    )


def plan_builds(
    data: ModelData,
    decisions: list[dict[tuple[str, str], float]],
    segments: Segments | None = None,
    factors: Factors | None = None,
) -> list[Build]:
    """Every build decision taken, with its gross capex (count x the option's; a continuous
    option's at the size of that build)."""
    return [
        Build(u, j, tau, b.capex_eur)
        for tau, u, j, _, b in _built_options(data, decisions, segments, factors)
    ]


def capex_schedule(
    data: ModelData,
    decisions: list[dict[tuple[str, str], float]],
    segments: Segments | None = None,
) -> pd.DataFrame:
    """Every outlay (investment, replacement) and salvage of the built options, by year."""
    return _schedule(data, plan_builds(data, decisions, segments))


def cash_flows(
    data: ModelData,
    decisions: list[dict[tuple[str, str], float]],
    items_by_period: list[dict[str, float]],
    segments: Segments | None = None,
) -> pd.DataFrame:
    """Cash flows for years 0..E (:func:`plantopt.business.cashflow.cash_flow_table`)."""
    return cash_flow_table(data, plan_builds(data, decisions, segments), items_by_period)


def period_row(p: Period, tab: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """One row of the ``periods`` table from a period's tables (sums as ``Series.sum``:
    NaN skipped, numpy's sum of the rest)."""
    econ = tab["economics"]
    items = dict(zip(econ["item"].tolist(), econ["eur_per_yr"].tolist()))
    profit = float(items["profit"])
    rec = tab["recovery"]
    recovered = rec["recovered_t_per_yr"].to_numpy(float)
    weight = rec["recovery_weight"].to_numpy(float)
    critical = rec["eu_critical"].to_numpy(bool)
    comp = tab.get("compliance")
    return {
        "period": p.period_id,
        "start_year": p.start_year,
        "duration_yr": p.duration_yr,
        "weight": p.weight,
        "operating_pv_factor": p.operating_pv,
        "accepted_t_per_yr": float(np.nansum(tab["feed_intake"]["accepted_t_per_yr"].to_numpy())),
        "profit_eur_per_yr": profit,
        "operating_cash_flow_eur_per_yr": profit - float(items["annualised_capex"]),
        "weighted_recovery_t_per_yr": float(np.nansum(recovered * weight)),
        "critical_recovered_t_per_yr": float(np.nansum(recovered[critical])),
        "capacity_in_service_t_per_yr": float(tab["built_units"]["capacity_t_per_yr"].sum()),
        "targets_in_force": 0 if comp is None else int(len(comp)),
    }


def multiperiod_case(
    data: ModelData,
    decisions: list[dict[tuple[str, str], float]],
    period_tables: list[dict[str, pd.DataFrame]],
    segments: Segments | None = None,
    factors: Factors | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Tables ``builds``, ``capex_schedule``, ``cash_flows``, ``periods``, ``business_case``
    and the summary metrics from the per-period tables (economics with CO2 and premiums);
    ``segments[tau]``: the continuous options' segment columns decided in period tau;
    ``factors[tau]``: the site capex factors of the decisions (network instances)."""
    timing = data.timing
    assert timing is not None
    periods = pd.DataFrame([period_row(p, tab) for p, tab in zip(timing.periods, period_tables)])
    builds = plan_builds(data, decisions, segments, factors)
    schedule = _schedule(data, builds)
    flows = cash_flow_table(data, builds, [operating_items(t["economics"]) for t in period_tables])
    built = builds_table(data, decisions, segments, factors)
    w = periods["weight"].to_numpy()
    metrics = flow_metrics(data, flows, schedule)
    basis = str(metrics.pop("discount_rate_basis"))
    metrics.update(
        {
            "periods": len(timing.periods),
            "capex_gross_eur": float(built["capex_eur"].sum()),
            "capex_subsidy_eur": float(built["subsidy_eur"].sum()),
            "capex_net_eur": float(built["net_capex_eur"].sum()),
            "profit_eur_per_yr": float(w @ periods["profit_eur_per_yr"].to_numpy()),
            "operating_cash_flow_eur_per_yr": float(
                w @ periods["operating_cash_flow_eur_per_yr"].to_numpy()
            ),
            "accepted_t_per_yr": float(w @ periods["accepted_t_per_yr"].to_numpy()),
        }
    )
    return {
        "builds": built,
        "capex_schedule": schedule,
        "cash_flows": flows,
        "periods": periods,
        "business_case": case_table(metrics, basis),
    }, {**metrics, "discount_rate_basis": basis}


__all__ = ["builds_table", "capex_schedule", "cash_flows", "in_service", "multiperiod_case"]

"""Results of a multi-period solve: per-period tables, build timing and cash flows.

Every period's tables are computed by the single-period code (``extract_tables``,
``economics_table``, ``regulation_results``, ``business_results``) on the period's view of
the instance (:func:`plantopt.model.periods.period_instance`) with the options in service
in that period, and stacked with a leading ``period`` column. The business case of the
plan (years y = 0..H from the first period's start; end-of-year cash flows, as in
:mod:`plantopt.business.case`):

    capex_y    = - capex_{u,j} at o_tau for every build (u, j, tau), and again at
                 S + m L (m >= 1, S = o_tau + lead) while < E (replacements inside the
                 service window, see periods.py)
    subsidy_y  = + s_u capex_{u,j} for the same outlays
    salvage_E  = + capex_net_{u,j} (n L - W) / L     (straight-line remaining value at the end
                 E of the service window; n outlays, W = E - S years in service)
    ocf_y      = operating cash flow of period t in its years o_t+1..o_t+d_t
                 (period profit incl. CO2 cost and premiums + annualised capex)
    NPV        = sum_y net_y (1 + r_b)^-y  — exactly the model's ``npv`` for the plan.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from plantopt.business.case import CASH_FLOW_COLUMNS, _payback, irr
from plantopt.model.data import CapacityOption, ModelData
from plantopt.model.periods import Timing


def in_service(
    timing: Timing, decisions: list[dict[tuple[str, str], float]], t: int
) -> dict[tuple[str, str], float]:
    """build value of each option in period t: sum of its builds in service then."""
    keys = decisions[0].keys() if decisions else []
    return {k: float(sum(decisions[tau][k] for tau in timing.active[(*k, t)])) for k in keys}


def _built_options(
    data: ModelData, decisions: list[dict[tuple[str, str], float]]
) -> Iterator[tuple[int, str, str, CapacityOption]]:
    """(period index, unit, option, option data) of every build decision taken."""
    for tau, dec in enumerate(decisions):
        for (u, j), v in dec.items():
            if v > 0.5:
                yield tau, u, j, data.options[(u, j)]


def builds_table(data: ModelData, decisions: list[dict[tuple[str, str], float]]) -> pd.DataFrame:
    """One row per build decision: unit, option, period built, service window, capex."""
    timing = data.timing
    assert timing is not None
    P = timing.periods
    rows = []
    for tau, u, j, o in _built_options(data, decisions):
        win = timing.service[(u, j, tau)]
        rows.append(
            {
                "unit_id": u,
                "option_id": j,
                "period_built": P[tau].period_id,
                "year_built": P[tau].start_year,
                "first_period": None if win is None else P[win[0]].period_id,
                "last_period": None if win is None else P[win[1]].period_id,
                "capacity_t_per_yr": o.capacity_t_per_yr,
                "capex_eur": o.capex_eur,
                "subsidy_eur": o.capex_eur * o.subsidy_frac,
                "net_capex_eur": o.capex_net_eur,
                "capex_pv_eur": o.capex_net_eur * timing.capex_pv_factor[(u, j, tau)],
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
            "capacity_t_per_yr",
            "capex_eur",
            "subsidy_eur",
            "net_capex_eur",
            "capex_pv_eur",
        ],
    )


def capex_schedule(data: ModelData, decisions: list[dict[tuple[str, str], float]]) -> pd.DataFrame:
    """Every outlay (investment, replacement) and salvage of the built options, by year."""
    timing = data.timing
    assert timing is not None
    P = timing.periods
    rows = []
    for tau, u, j, o in _built_options(data, decisions):
        lead = timing.lead_yr.get((u, j), 0.0)
        win = timing.service[(u, j, tau)]

        def add(
            year: float,
            kind: str,
            gross: float,
            sub: float,
            net: float,
            u: str = u,
            j: str = j,
            tau: int = tau,
        ) -> None:
            rows.append(
                {
                    "unit_id": u,
                    "option_id": j,
                    "period_built": P[tau].period_id,
                    "year": year,
                    "kind": kind,
                    "capex_eur": gross,
                    "subsidy_eur": sub,
                    "net_capex_eur": net,
                }
            )

        add(
            float(P[tau].offset_yr),
            "investment",
            o.capex_eur,
            o.capex_eur * o.subsidy_frac,
            o.capex_net_eur,
        )
        if win is None:
            continue
        start = P[tau].offset_yr + lead
        end = P[win[1]].offset_yr + P[win[1]].duration_yr
        n = int(math.ceil((end - start) / o.lifetime_yr - 1e-12))
        for m in range(1, n):
            add(
                start + m * o.lifetime_yr,
                "replacement",
                o.capex_eur,
                o.capex_eur * o.subsidy_frac,
                o.capex_net_eur,
            )
        salvage = (max(n, 1) * o.lifetime_yr - (end - start)) / o.lifetime_yr
        if salvage > 1e-12:
            add(float(end), "salvage", 0.0, 0.0, -o.capex_net_eur * salvage)
    return pd.DataFrame(
        rows,
        columns=[
            "unit_id",
            "option_id",
            "period_built",
            "year",
            "kind",
            "capex_eur",
            "subsidy_eur",
            "net_capex_eur",
        ],
    )


def cash_flows(data: ModelData, schedule: pd.DataFrame, ocf_by_period: list[float]) -> pd.DataFrame:
    """Cash flows for years 0..H (non-integer outlays valued exactly, booked to ceil(year))."""
    timing = data.timing
    assert timing is not None
    H, rate = timing.horizon_yr, data.discount_rate
    years = np.arange(H + 1)
    capex, subsidy, salvage, ocf = (np.zeros(H + 1) for _ in range(4))
    for r in schedule.itertuples(index=False):
        y = int(math.ceil(r.year - 1e-9))
        shift = (1.0 + rate) ** (y - r.year)
        if r.kind == "salvage":
            salvage[y] += -r.net_capex_eur * shift
        else:
            capex[y] -= r.capex_eur * shift
            subsidy[y] += r.subsidy_eur * shift
    for p, cf in zip(timing.periods, ocf_by_period):
        ocf[p.offset_yr + 1 : p.offset_yr + p.duration_yr + 1] = cf
    net = capex + subsidy + salvage + ocf
    df = (1.0 + rate) ** (-years.astype(float))
    first = timing.periods[0].start_year
    out = pd.DataFrame(
        {
            "year": years,
            "capex_eur": capex,
            "subsidy_eur": subsidy,
            "salvage_eur": salvage,
            "operating_cash_flow_eur": ocf,
            "net_cash_flow_eur": net,
            "discount_factor": df,
            "discounted_eur": net * df,
            "cumulative_eur": np.cumsum(net),
            "cumulative_discounted_eur": np.cumsum(net * df),
        },
        columns=CASH_FLOW_COLUMNS,
    )
    if first is not None:
        out.insert(1, "calendar_year", years + first)
    return out


def multiperiod_case(
    data: ModelData,
    decisions: list[dict[tuple[str, str], float]],
    period_tables: list[dict[str, pd.DataFrame]],
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Tables ``builds``, ``capex_schedule``, ``cash_flows``, ``periods``, ``business_case``
    and the summary metrics from the per-period tables (economics with CO2 and premiums)."""
    timing = data.timing
    assert timing is not None
    rows, ocf = [], []
    for p, tab in zip(timing.periods, period_tables):
        items = tab["economics"].set_index("item")["eur_per_yr"]
        profit = float(items["profit"])
        ocf.append(profit - float(items["annualised_capex"]))
        rec = tab["recovery"]
        comp = tab.get("compliance")
        rows.append(
            {
                "period": p.period_id,
                "start_year": p.start_year,
                "duration_yr": p.duration_yr,
                "weight": p.weight,
                "operating_pv_factor": p.operating_pv,
                "accepted_t_per_yr": float(tab["feed_intake"]["accepted_t_per_yr"].sum()),
                "profit_eur_per_yr": profit,
                "operating_cash_flow_eur_per_yr": ocf[-1],
                "weighted_recovery_t_per_yr": float(
                    (rec["recovered_t_per_yr"] * rec["recovery_weight"]).sum()
                ),
                "critical_recovered_t_per_yr": float(
                    rec.loc[rec["eu_critical"], "recovered_t_per_yr"].sum()
                ),
                "capacity_in_service_t_per_yr": float(
                    tab["built_units"]["capacity_t_per_yr"].sum()
                ),
                "targets_in_force": 0 if comp is None else int(len(comp)),
            }
        )
    periods = pd.DataFrame(rows)
    schedule = capex_schedule(data, decisions)
    flows = cash_flows(data, schedule, ocf)
    builds = builds_table(data, decisions)
    w = periods["weight"].to_numpy()
    metrics = {
        "npv_eur": float(flows["discounted_eur"].sum()),
        "irr": irr(flows["net_cash_flow_eur"].to_numpy()),
        "payback_year": _payback(flows["cumulative_eur"].to_numpy()),
        "discounted_payback_year": _payback(flows["cumulative_discounted_eur"].to_numpy()),
        "horizon_yr": timing.horizon_yr,
        "discount_rate": data.discount_rate,
        "periods": len(timing.periods),
        "capex_gross_eur": float(builds["capex_eur"].sum()),
        "capex_subsidy_eur": float(builds["subsidy_eur"].sum()),
        "capex_net_eur": float(builds["net_capex_eur"].sum()),
        "profit_eur_per_yr": float(w @ periods["profit_eur_per_yr"].to_numpy()),
        "operating_cash_flow_eur_per_yr": float(
            w @ periods["operating_cash_flow_eur_per_yr"].to_numpy()
        ),
        "accepted_t_per_yr": float(w @ periods["accepted_t_per_yr"].to_numpy()),
    }
    case = pd.DataFrame(
        {
            "metric": list(metrics),
            "value": [np.nan if v is None else float(v) for v in metrics.values()],
        }
    )
    return {
        "builds": builds,
        "capex_schedule": schedule,
        "cash_flows": flows,
        "periods": periods,
        "business_case": case,
    }, metrics


__all__ = ["builds_table", "capex_schedule", "cash_flows", "in_service", "multiperiod_case"]

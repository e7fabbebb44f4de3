"""Business-case metrics from a solved plan: cash-flow table, NPV, IRR, payback, per tonne.

The plan of a (single-period) solve is operated for H = ``horizon_yr`` years. Cash flows,
EUR, at the end of year t (year 0 = investment):

    capex_t    = - sum_{built (u,j)} capex_{u,j}     for t = k L_{u,j} < H, k = 0, 1, ...
                 (bought in year 0, replaced every L years while the horizon lasts)
    subsidy_t  = + s_u capex_{u,j} for the same outlays (capex subsidy lever)
    salvage_H  = + capex_net_{u,j} (ceil(H/L) L - H) / L   (straight-line remaining value of
                 the last replacement at the end of the horizon)
    ocf_t      = operating cash flow, t = 1..H: revenue + gate fees + offtake premiums
                 - variable opex - fixed opex - disposal/route costs - CO2 cost
                 (= annual profit + annualised capex)
    net_t      = capex_t + subsidy_t + salvage_t + ocf_t
    NPV        = sum_{t=0..H} net_t (1 + r_b)^-t    (r_b: blended rate with loan guarantee)

This NPV is exactly the model's ``npv`` expression for the same plan. IRR is the rate at
which NPV = 0 (None when the cash flows do not change sign); the payback year is the first
year whose cumulative net cash flow is >= 0. No taxes, inflation or working capital.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from plantopt.model.data import ModelData

CASH_FLOW_COLUMNS = [
    "year",
    "capex_eur",
    "subsidy_eur",
    "salvage_eur",
    "operating_cash_flow_eur",
    "net_cash_flow_eur",
    "discount_factor",
    "discounted_eur",
    "cumulative_eur",
    "cumulative_discounted_eur",
]


def capex_schedule(data: ModelData, built: pd.DataFrame) -> pd.DataFrame:
    """One row per outlay of each built option: year, gross capex, subsidy, net capex."""
    rows = []
    H = data.horizon_yr
    for r in built.itertuples(index=False):
        o = data.options[(r.unit_id, r.option_id)]
        k = 0
        while k * o.lifetime_yr < H - 1e-9:
            year = k * o.lifetime_yr
            rows.append(
                {
                    "unit_id": r.unit_id,
                    "option_id": r.option_id,
                    "year": year,
                    "kind": "investment" if k == 0 else "replacement",
                    "capex_eur": o.capex_eur,
                    "subsidy_eur": o.capex_eur * o.subsidy_frac,
                    "net_capex_eur": o.capex_net_eur,
                }
            )
            k += 1
        salvage = (k * o.lifetime_yr - H) / o.lifetime_yr
        if salvage > 1e-12:
            rows.append(
                {
                    "unit_id": r.unit_id,
                    "option_id": r.option_id,
                    "year": float(H),
                    "kind": "salvage",
                    "capex_eur": 0.0,
                    "subsidy_eur": 0.0,
                    "net_capex_eur": -o.capex_net_eur * salvage,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "unit_id",
            "option_id",
            "year",
            "kind",
            "capex_eur",
            "subsidy_eur",
            "net_capex_eur",
        ],
    )


def _discount(rate: float, years: np.ndarray) -> np.ndarray:
    return (1.0 + rate) ** (-years)


def cash_flow_table(data: ModelData, schedule: pd.DataFrame, ocf_eur_per_yr: float) -> pd.DataFrame:
    """Cash flows for years 0..H (replacements in non-integer years are discounted exactly
    in NPV via the schedule and booked to the year they fall in, rounded up)."""
    H = data.horizon_yr
    years = np.arange(H + 1)
    capex = np.zeros(H + 1)
    subsidy = np.zeros(H + 1)
    salvage = np.zeros(H + 1)
    # discount each outlay at its exact time, then book it to year ceil(t) at that value
    for r in schedule.itertuples(index=False):
        t = int(math.ceil(r.year - 1e-9))
        shift = (1.0 + data.discount_rate) ** (t - r.year)  # value at t of an outlay at r.year
        if r.kind == "salvage":
            salvage[t] += -r.net_capex_eur * shift
        else:
            capex[t] -= r.capex_eur * shift
            subsidy[t] += r.subsidy_eur * shift
    ocf = np.where(years >= 1, ocf_eur_per_yr, 0.0)
    net = capex + subsidy + salvage + ocf
    df = _discount(data.discount_rate, years.astype(float))
    return pd.DataFrame(
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


def npv_of(cash_flows: np.ndarray, rate: float) -> float:
    """sum_t cf_t (1 + rate)^-t over t = 0, 1, ..."""
    return float(np.sum(np.asarray(cash_flows) * _discount(rate, np.arange(len(cash_flows)))))


def irr(cash_flows: np.ndarray) -> float | None:
    """The rate in (-0.99, 10) at which the NPV is 0, by bisection; None without a root.

    With one sign change (investment, then returns) the root is unique.
    """
    cf = np.asarray(cash_flows, dtype=float)
    lo, hi = -0.99, 10.0
    f_lo, f_hi = npv_of(cf, lo), npv_of(cf, hi)
    if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or f_lo * f_hi > 0 or not cf.any():
        return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = npv_of(cf, mid)
        if f_mid == 0 or hi - lo < 1e-12:
            return mid
        if f_lo * f_mid < 0:
            hi = mid
        else:
            lo, f_lo = mid, f_mid
    return 0.5 * (lo + hi)


def _payback(cumulative: np.ndarray) -> int | None:
    """First year whose cumulative cash flow is >= 0 after an investment (0: none needed)."""
    ok = np.flatnonzero(cumulative >= -1e-6)
    if not len(ok):
        return None
    if cumulative[0] >= -1e-6:
        return 0
    # the first year from which it stays non-negative
    neg = np.flatnonzero(cumulative < -1e-6)
    first = int(neg[-1]) + 1
    return first if first < len(cumulative) else None


def business_results(
    data: ModelData, tables: dict[str, pd.DataFrame]
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Tables ``cash_flows``, ``capex_schedule``, ``revenue_by_product``,
    ``cost_by_category``, ``business_case`` and a summary dict, from the result tables (the
    economics table is the money ledger priced at the solution; it is read, not changed)."""
    econ = tables["economics"]
    co2_t = float(tables["unit_throughput"]["co2_t_per_yr"].sum())
    co2_cost = data.co2_price_eur_per_t * co2_t
    items = econ.set_index("item")["eur_per_yr"]
    profit = float(items["profit"])
    ocf = profit - float(items["annualised_capex"])  # annualised capex is booked negative
    schedule = capex_schedule(data, tables["built_units"])
    flows = cash_flow_table(data, schedule, ocf)
    npv = float(flows["discounted_eur"].sum())
    accepted = float(tables["feed_intake"]["accepted_t_per_yr"].sum())
    costs = econ[(econ["eur_per_yr"] < 0) & (econ["unit"] == "EUR/yr") & (econ["item"] != "profit")]
    cost_by_category = pd.DataFrame(
        {"category": costs["item"].to_numpy(), "eur_per_yr": -costs["eur_per_yr"].to_numpy()}
    )
    total_cost = float(cost_by_category["eur_per_yr"].sum())
    revenue = (
        tables["products"]
        .groupby("product_id", as_index=False, sort=False)["revenue_eur_per_yr"]
        .sum()
    )
    if "offtake_contracts" in tables and len(tables["offtake_contracts"]):
        oc = tables["offtake_contracts"]
        revenue = pd.concat(
            [
                revenue,
                pd.DataFrame(
                    {
                        "product_id": [f"premium:{c}" for c in oc["contract_id"]],
                        "revenue_eur_per_yr": oc["premium_eur_per_yr"].to_numpy(),
                    }
                ),
            ],
            ignore_index=True,
        )
    rate_irr = irr(flows["net_cash_flow_eur"].to_numpy())
    gross = float(schedule.loc[schedule["year"] == 0, "capex_eur"].sum())
    subsidy = float(schedule.loc[schedule["year"] == 0, "subsidy_eur"].sum())
    metrics = {
        "npv_eur": npv,
        "irr": rate_irr,
        "payback_year": _payback(flows["cumulative_eur"].to_numpy()),
        "discounted_payback_year": _payback(flows["cumulative_discounted_eur"].to_numpy()),
        "horizon_yr": data.horizon_yr,
        "discount_rate": data.discount_rate,
        "capex_gross_eur": gross,
        "capex_subsidy_eur": subsidy,
        "capex_net_eur": gross - subsidy,
        "operating_cash_flow_eur_per_yr": ocf,
        "profit_eur_per_yr": profit,
        "accepted_t_per_yr": accepted,
        "cost_eur_per_t": total_cost / accepted if accepted > 0 else None,
        "margin_eur_per_t": profit / accepted if accepted > 0 else None,
        "co2_t_per_yr": co2_t,
        "co2_cost_eur_per_yr": co2_cost,
    }
    units = {
        "npv_eur": "EUR",
        "irr": "1/yr",
        "payback_year": "yr",
        "discounted_payback_year": "yr",
        "horizon_yr": "yr",
        "discount_rate": "1/yr",
        "cost_eur_per_t": "EUR/t",
        "margin_eur_per_t": "EUR/t",
        "accepted_t_per_yr": "t/yr",
        "co2_t_per_yr": "t/yr",
    }
    case = pd.DataFrame(
        {
            "metric": list(metrics),
            "value": [np.nan if v is None else float(v) for v in metrics.values()],
            "unit": [units.get(k, "EUR/yr" if k.endswith("_per_yr") else "EUR") for k in metrics],
        }
    )
    out = {
        "cash_flows": flows,
        "capex_schedule": schedule,
        "revenue_by_product": revenue,
        "cost_by_category": cost_by_category,
        "business_case": case,
    }
    return out, metrics


__all__ = [
    "CASH_FLOW_COLUMNS",
    "business_results",
    "capex_schedule",
    "cash_flow_table",
    "irr",
    "npv_of",
]

"""Business-case metrics from a solved plan: cash-flow table, NPV, IRR, payback, per tonne.

The plan of a (single-period) solve is operated for H = ``horizon_yr`` years after a
construction period of C = ``construction_yr`` years (0 by default). Cash flows, EUR, at the
end of year y = 0..C+H (:mod:`plantopt.business.cashflow`, formulas in
docs/business-case.md):

    capex_y    = - capex_{u,j} (1 + g_c)^y for the spend-profile shares f_k of the
                 investment (y = k, k < C; y = 0 when C = 0) and the replacements every
                 L_{u,j} years while the horizon lasts
    subsidy_y  = + s_u of the same outlays (capex subsidy lever)
    salvage_E  = + straight-line remaining value of the last outlay at E = C + H
    revenue_y, operating_cost_y: the ledger items of the economics table escalated at
                 g_r and g_o, in the operating years C+1..C+H (ocf_y = their sum)
    wc_y       = - change of working capital (days of revenue and of cost), released at E
    tax_y      = - tau (ocf_y - dep_y + salvage_y), straight-line tax depreciation dep_y
    net_y      = capex_y + subsidy_y + salvage_y + ocf_y + wc_y + tax_y
    NPV        = sum_y net_y (1 + r_b)^-y    (r_b: blended rate, real or nominal as the
                 manifest's discount_rate_basis says; stated in the business_case table)

This NPV is exactly the model's ``npv`` expression for the same plan. IRR is the rate at
which NPV = 0 (None when the cash flows do not change sign); the payback year is the first
year from which the cumulative net cash flow stays >= 0. With the default finance terms
(no construction period, escalation, tax or working capital) the table is the plain one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from plantopt.business.cashflow import (
    CASH_FLOW_COLUMNS,
    Build,
    capex_schedule,
    cash_flow_table,
    operating_items,
    payback,
)
from plantopt.model.data import ModelData


def npv_of(cash_flows: np.ndarray, rate: float, minus_t: np.ndarray | None = None) -> float:
    """sum_t cf_t (1 + rate)^-t over t = 0, 1, ... (``minus_t``: -t, when the caller has it)."""
    cf = np.asarray(cash_flows, dtype=float)
    if minus_t is None:
        minus_t = -np.arange(len(cf), dtype=float)
    return float(np.sum(cf * (1.0 + rate) ** minus_t))


def irr(cash_flows: np.ndarray) -> float | None:
    """The rate in (-0.99, 10) at which the NPV is 0, by bisection; None without a root.

    With one sign change (investment, then returns) the root is unique.
    """
    cf = np.asarray(cash_flows, dtype=float)
    minus_t = -np.arange(len(cf), dtype=float)
    lo, hi = -0.99, 10.0
    f_lo, f_hi = npv_of(cf, lo, minus_t), npv_of(cf, hi, minus_t)
    if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or f_lo * f_hi > 0 or not cf.any():
        return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = npv_of(cf, mid, minus_t)
        if f_mid == 0 or hi - lo < 1e-12:
            return mid
        if f_lo * f_mid < 0:
            hi = mid
        else:
            lo, f_lo = mid, f_mid
    return 0.5 * (lo + hi)


def _payback(cumulative: np.ndarray) -> int | None:
    return payback(cumulative)


def plan_builds(built: pd.DataFrame) -> list[Build]:
    """The builds of a single-period plan (built_units rows, with their gross capex)."""
    cols = (built[c].tolist() for c in ("unit_id", "option_id", "capex_eur"))
    return [Build(u, j, 0, float(c)) for u, j, c in zip(*cols)]


def _items(econ: pd.DataFrame) -> dict[str, float]:
    """EUR/yr (EUR for capex_total) of each item of an economics table, by item."""
    return dict(zip(econ["item"].tolist(), econ["eur_per_yr"].tolist()))


def revenue_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Revenue by product, and offtake premiums per contract as ``premium:<contract>``."""
    revenue = (
        tables["products"]
        .groupby("product_id", as_index=False, sort=False)["revenue_eur_per_yr"]
        .sum()
    )
    oc = tables.get("offtake_contracts")
    if oc is None or not len(oc):
        return revenue
    premiums = pd.DataFrame(
        {
            "product_id": [f"premium:{c}" for c in oc["contract_id"]],
            "revenue_eur_per_yr": oc["premium_eur_per_yr"].to_numpy(),
        }
    )
    return pd.concat([revenue, premiums], ignore_index=True)


def revenue_by_period(
    period_ids: list[Any], period_tables: list[dict[str, pd.DataFrame]], products: pd.DataFrame
) -> pd.DataFrame:
    """:func:`revenue_table` of every period, stacked with a ``period`` column
    (:func:`~plantopt.results.stacked.stack_periods`). ``products``: the stacked products
    table. When every period has products and no offtake contract, one group sum over
    (period, product) of the stacked table: the same groups, each summed over the same
    values in the same order, in the same order (period, then first appearance)."""
    from plantopt.results.stacked import stack_periods

    def plain(tab: dict[str, pd.DataFrame]) -> bool:
        oc = tab.get("offtake_contracts")
        return len(tab["products"]) > 0 and (oc is None or not len(oc))

    if all(plain(tab) for tab in period_tables):
        return products.groupby(["period", "product_id"], as_index=False, sort=False)[
            "revenue_eur_per_yr"
        ].sum()
    return stack_periods(period_ids, [revenue_table(tab) for tab in period_tables])


def cost_table(econ: pd.DataFrame) -> pd.DataFrame:
    """The annual cost items of the economics table as positive EUR/yr."""
    item, eur = econ["item"].to_numpy(), econ["eur_per_yr"].to_numpy()
    costs = (eur < 0) & (econ["unit"].to_numpy() == "EUR/yr") & (item != "profit")
    return pd.DataFrame({"category": item[costs], "eur_per_yr": -eur[costs]})


METRIC_UNITS = {
    "npv_eur": "EUR",
    "irr": "1/yr",
    "payback_year": "yr",
    "discounted_payback_year": "yr",
    "horizon_yr": "yr",
    "construction_yr": "yr",
    "periods": "-",
    "tax_rate": "-",
    "cost_eur_per_t": "EUR/t",
    "margin_eur_per_t": "EUR/t",
    "accepted_t_per_yr": "t/yr",
    "co2_t_per_yr": "t/yr",
}


def case_table(metrics: dict[str, Any], basis: str) -> pd.DataFrame:
    """One row per metric: value and unit; the discount rate's unit states its basis."""
    units = {**METRIC_UNITS, "discount_rate": f"1/yr ({basis})"}
    return pd.DataFrame(
        {
            "metric": list(metrics),
            "value": [np.nan if v is None else float(v) for v in metrics.values()],
            "unit": [units.get(k, "EUR/yr" if k.endswith("_per_yr") else "EUR") for k in metrics],
        }
    )


def flow_metrics(data: ModelData, flows: pd.DataFrame, schedule: pd.DataFrame) -> dict[str, Any]:
    """NPV, IRR, paybacks, horizon and finance terms, initial capex of a cash-flow table."""
    timing = data.timing
    assert timing is not None
    fin = timing.finance
    invest = schedule["kind"].to_numpy() == "investment"
    # np.nansum: the sum Series.sum gives (NaN skipped, numpy's sum of the rest in order)
    gross = float(np.nansum(schedule["capex_eur"].to_numpy(float)[invest]))
    subsidy = float(np.nansum(schedule["subsidy_eur"].to_numpy(float)[invest]))
    return {
        "npv_eur": float(flows["discounted_eur"].sum()),
        "irr": irr(flows["net_cash_flow_eur"].to_numpy()),
        "payback_year": payback(flows["cumulative_eur"].to_numpy()),
        "discounted_payback_year": payback(flows["cumulative_discounted_eur"].to_numpy()),
        "horizon_yr": timing.horizon_yr,
        "construction_yr": fin.construction_yr,
        "discount_rate": data.discount_rate,
        "discount_rate_basis": fin.basis,
        "tax_rate": fin.tax_rate,
        "capex_gross_eur": gross,
        "capex_subsidy_eur": subsidy,
        "capex_net_eur": gross - subsidy,
    }


def business_results(
    data: ModelData, tables: dict[str, pd.DataFrame]
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Tables ``cash_flows``, ``capex_schedule``, ``revenue_by_product``,
    ``cost_by_category``, ``business_case`` and a summary dict, from the result tables (the
    economics table is the money ledger priced at the solution; it is read, not changed)."""
    econ = tables["economics"]
    items = _items(econ)
    profit = float(items["profit"])
    builds = plan_builds(tables["built_units"])
    schedule = capex_schedule(data, builds)
    flows = cash_flow_table(data, builds, [operating_items(econ)])
    accepted = float(tables["feed_intake"]["accepted_t_per_yr"].sum())
    period = period_business_tables(tables)
    costs = period["cost_by_category"]
    co2_t = float(tables["unit_throughput"]["co2_t_per_yr"].sum())
    metrics = {
        **flow_metrics(data, flows, schedule),
        "operating_cash_flow_eur_per_yr": profit - float(items["annualised_capex"]),
        "profit_eur_per_yr": profit,
        "accepted_t_per_yr": accepted,
        "cost_eur_per_t": float(costs["eur_per_yr"].sum()) / accepted if accepted > 0 else None,
        "margin_eur_per_t": profit / accepted if accepted > 0 else None,
        "co2_t_per_yr": co2_t,
        "co2_cost_eur_per_yr": data.co2_price_eur_per_t * co2_t,
    }
    basis = str(metrics.pop("discount_rate_basis"))
    out = {
        "cash_flows": flows,
        "capex_schedule": schedule,
        **period,
        "business_case": case_table(metrics, basis),
    }
    return out, {**metrics, "discount_rate_basis": basis}


def period_business_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Tables ``revenue_by_product`` and ``cost_by_category`` of one period's result tables
    (what a period of a multi-period plan adds; the plan's cash flows and case are made
    once for the plan, :mod:`plantopt.business.multiperiod`)."""
    return {
        "revenue_by_product": revenue_table(tables),
        "cost_by_category": cost_table(tables["economics"]),
    }


__all__ = [
    "CASH_FLOW_COLUMNS",
    "Build",
    "case_table",
    "flow_metrics",
    "business_results",
    "period_business_tables",
    "revenue_by_period",
    "capex_schedule",
    "cash_flow_table",
    "irr",
    "npv_of",
]

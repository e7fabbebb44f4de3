"""The cash-flow table of a plan, single- or multi-period, from the same finance terms and
per-build outlay flows as the model's ``npv`` (:mod:`plantopt.model.finance`).

Years y = 0..E (end of year; E = C + H with a construction period of C years). With
G_b the gross capex of build b (count times the option's capex, or a continuous option's
capex at its size; base-year money), s_b its
subsidy share, and the per-EUR flows capex_b, salvage_b, dep_b of
:func:`plantopt.model.finance.outlay_flows`:

    capex_y    = - sum_b G_b capex_b[y]           subsidy_y = + sum_b s_b G_b capex_b[y]
    salvage_y  = + sum_b (1 - s_b) G_b salvage_b[y]
    dep_y      =   sum_b (1 - s_b) G_b dep_b[y]   (tax depreciation, not a cash flow)
    revenue_y  =   sum_{revenue-class items} v_{item,t(y)} (1 + g_r)^y   (operating years)
    cost_y     = - sum_{cost-class items} v_{item,t(y)} (1 + g_o)^y
    ocf_y      = revenue_y + cost_y
    wc_y       = - (WC_y - WC_{y-1}),  WC_y = a_r revenue_y - a_c cost_y, WC released at E
    tax_y      = - tau (ocf_y - dep_y + salvage_y)
    net_y      = capex_y + subsidy_y + salvage_y + ocf_y + wc_y + tax_y
    NPV        = sum_y net_y (1 + r)^-y    — the model's npv for the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from plantopt.model.data import ModelData
from plantopt.model.finance import REVENUE_ITEMS
from plantopt.model.ledger import ITEMS, SIGN, TABLE_LABEL

CASH_FLOW_COLUMNS = [
    "year",
    "capex_eur",
    "subsidy_eur",
    "salvage_eur",
    "revenue_eur",
    "operating_cost_eur",
    "operating_cash_flow_eur",
    "working_capital_eur",
    "depreciation_eur",
    "tax_eur",
    "net_cash_flow_eur",
    "discount_factor",
    "discounted_eur",
    "cumulative_eur",
    "cumulative_discounted_eur",
]
SCHEDULE_COLUMNS = [
    "unit_id",
    "option_id",
    "period_built",
    "year",
    "kind",
    "capex_eur",
    "subsidy_eur",
    "net_capex_eur",
]


@dataclass(frozen=True)
class Build:
    """Builds of option (unit_id, option_id) decided in period ``tau`` costing ``capex_eur``
    in all (gross, base-year money: count x the option's capex, or a continuous option's
    capex at its size)."""

    unit_id: str
    option_id: str
    tau: int
    capex_eur: float


def operating_items(economics: pd.DataFrame) -> dict[str, float]:
    """EUR/yr of every operating ledger item (positive amounts, by ledger name) from an
    economics table (signed, costs negative); the annualised capex is not operating."""
    by_label = dict(zip(economics["item"].tolist(), economics["eur_per_yr"].tolist()))
    out = {}
    for name, sign, _ in ITEMS:
        label = TABLE_LABEL.get(name, name)
        if name != "annual_capex" and label in by_label:
            out[name] = sign * float(by_label[label])
    return out


def capex_schedule(data: ModelData, builds: list[Build]) -> pd.DataFrame:
    """Every outlay (investment shares, replacements, escalated) and salvage of the builds."""
    timing = data.timing
    assert timing is not None and timing.flows is not None
    rows = []
    for b in builds:
        o = data.options[(b.unit_id, b.option_id)]
        gross = b.capex_eur
        for year, kind, amount in timing.flows[(b.unit_id, b.option_id, b.tau)].rows:
            is_salvage = kind == "salvage"
            g = 0.0 if is_salvage else gross * amount
            net = -gross * (1 - o.subsidy_frac) * amount if is_salvage else g * (1 - o.subsidy_frac)
            rows.append(
                (
                    b.unit_id,
                    b.option_id,
                    timing.periods[b.tau].period_id,
                    float(year),
                    kind,
                    g,
                    g * o.subsidy_frac,
                    net,
                )
            )
    return pd.DataFrame(rows, columns=SCHEDULE_COLUMNS)


def _capital(data: ModelData, builds: list[Build], n: int) -> dict[str, np.ndarray]:
    """capex, subsidy, salvage and depreciation by year of the builds."""
    timing = data.timing
    assert timing is not None and timing.flows is not None
    out = {k: np.zeros(n) for k in ("capex", "subsidy", "salvage", "dep")}
    for b in builds:
        o = data.options[(b.unit_id, b.option_id)]
        f = timing.flows[(b.unit_id, b.option_id, b.tau)]
        gross, net = b.capex_eur, b.capex_eur * (1.0 - o.subsidy_frac)
        out["capex"] -= gross * f.capex
        out["subsidy"] += gross * o.subsidy_frac * f.capex
        out["salvage"] += net * f.salvage
        out["dep"] += net * f.dep
    return out


def _operating(data: ModelData, items: list[dict[str, float]], n: int) -> dict[str, np.ndarray]:
    """revenue (>= 0 side), operating cost (negative) and the working-capital cash flow."""
    timing = data.timing
    assert timing is not None
    fin = timing.finance
    rev, cost, wc = np.zeros(n), np.zeros(n), np.zeros(n)
    years = np.arange(n, dtype=float)
    for p, vals in zip(timing.periods, items):
        sel = slice(p.first_yr, p.last_yr + 1)
        for name, v in vals.items():
            flow = SIGN[name] * v * (1.0 + fin.growth(name)) ** years[sel]
            (rev if name in REVENUE_ITEMS else cost)[sel] += flow
            wc[sel] += fin.wc_share(name) * SIGN[name] * flow  # a v (1 + g)^y
    change = -np.diff(np.concatenate([[0.0], wc]))
    change[-1] += wc[-1]  # released at the end of the horizon
    return {"revenue": rev, "cost": cost, "wc": change}


def cash_flow_table(
    data: ModelData, builds: list[Build], items: list[dict[str, float]]
) -> pd.DataFrame:
    """The table of the module docstring for years 0..E; ``items``: per period, the EUR/yr
    of every operating ledger item (:func:`operating_items`)."""
    timing = data.timing
    assert timing is not None
    fin = timing.finance
    n = timing.end_yr + 1
    cap = _capital(data, builds, n)
    op = _operating(data, items, n)
    ocf = op["revenue"] + op["cost"]
    tax = -fin.tax_rate * (ocf - cap["dep"] + cap["salvage"])
    net = cap["capex"] + cap["subsidy"] + cap["salvage"] + ocf + op["wc"] + tax
    years = np.arange(n)
    df = fin.df(years)
    out = pd.DataFrame(
        {
            "year": years,
            "capex_eur": cap["capex"],
            "subsidy_eur": cap["subsidy"],
            "salvage_eur": cap["salvage"],
            "revenue_eur": op["revenue"],
            "operating_cost_eur": op["cost"],
            "operating_cash_flow_eur": ocf,
            "working_capital_eur": op["wc"],
            "depreciation_eur": cap["dep"],
            "tax_eur": tax,
            "net_cash_flow_eur": net,
            "discount_factor": df,
            "discounted_eur": net * df,
            "cumulative_eur": np.cumsum(net),
            "cumulative_discounted_eur": np.cumsum(net * df),
        },
        columns=CASH_FLOW_COLUMNS,
    )
    first = timing.periods[0].start_year
    if timing.multi and first is not None:
        out.insert(1, "calendar_year", years - timing.finance.construction_yr + first)
    return out


def payback(cumulative: np.ndarray) -> int | None:
    """First year from which the cumulative cash flow stays >= 0 (0: none needed)."""
    if not np.flatnonzero(cumulative >= -1e-6).size:
        return None
    if cumulative[0] >= -1e-6:
        return 0
    first = int(np.flatnonzero(cumulative < -1e-6)[-1]) + 1
    return first if first < len(cumulative) else None


__all__ = [
    "Build",
    "CASH_FLOW_COLUMNS",
    "SCHEDULE_COLUMNS",
    "capex_schedule",
    "cash_flow_table",
    "operating_items",
    "payback",
]

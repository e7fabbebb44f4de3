"""Terminal output of the business case of a result (rich tables)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "1/yr":
        return f"{100 * value:.2f} %"
    if unit == "yr":
        return f"{value:g}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def print_business_case(console: Console, summary: dict[str, Any]) -> None:
    """Print NPV, IRR, payback and per-tonne figures from ``summary["business_case"]``."""
    case = summary.get("business_case")
    if not case:
        return
    tab = Table(title=f"Business case ({case['horizon_yr']} yr at "
                f"{100 * case['discount_rate']:.2f} %)", title_justify="left",
                show_edge=False, pad_edge=False)
    tab.add_column("metric", justify="left")
    tab.add_column("value", justify="right")
    rows = [("NPV (EUR)", case["npv_eur"], "EUR"), ("IRR", case["irr"], "1/yr"),
            ("payback year", case["payback_year"], "yr"),
            ("discounted payback year", case["discounted_payback_year"], "yr"),
            ("capex gross (EUR)", case["capex_gross_eur"], "EUR"),
            ("capex subsidy (EUR)", case["capex_subsidy_eur"], "EUR"),
            ("operating cash flow (EUR/yr)", case["operating_cash_flow_eur_per_yr"], "EUR"),
            ("cost per tonne treated (EUR/t)", case.get("cost_eur_per_t"), "EUR/t"),
            ("margin per tonne (EUR/t)", case.get("margin_eur_per_t"), "EUR/t"),
            ("CO2 (t/yr)", case.get("co2_t_per_yr"), "t")]
    for label, value, unit in rows:
        if value is None and label.startswith(("cost per", "margin per", "CO2")) \
                and "periods" in case:
            continue  # per-period figures: see the periods table
        tab.add_row(label, _fmt(value, unit))
    console.print(tab)


def print_periods(console: Console, tables: dict[str, Any]) -> None:
    """Multi-period solve: per-period summary, build decisions and targets per period."""
    per = tables["periods"]
    tab = Table(title="Periods", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("period", "years", "accepted t/yr", "profit EUR/yr", "weighted recovery t/yr",
                "capacity in service t/yr"):
        tab.add_column(col, justify="left" if col == "period" else "right")
    for r in per.itertuples(index=False):
        tab.add_row(str(r.period), f"{r.start_year}+{r.duration_yr}",
                    f"{r.accepted_t_per_yr:,.1f}", f"{r.profit_eur_per_yr:,.0f}",
                    f"{r.weighted_recovery_t_per_yr:,.2f}",
                    f"{r.capacity_in_service_t_per_yr:,.0f}")
    console.print(tab)
    b = tables["builds"]
    tab = Table(title="Builds", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("unit", "option", "built", "in service", "net capex EUR"):
        tab.add_column(col, justify="right" if col == "net capex EUR" else "left")
    for r in b.itertuples(index=False):
        window = "never" if r.first_period is None else f"{r.first_period}-{r.last_period}"
        tab.add_row(r.unit_id, r.option_id, str(r.period_built), window,
                    f"{r.net_capex_eur:,.0f}")
    console.print(tab)
    comp = tables.get("compliance")
    if comp is not None and len(comp):
        for period, rows in comp.groupby("period", sort=False):
            bad = rows[rows["status"].isin(["violated", "binding"])]
            console.print(f"targets {period}: {len(rows)} in force, "
                          f"{int((rows['status'] == 'violated').sum())} violated, "
                          f"binding: {', '.join(bad['target_id']) or 'none'}")

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
            ("cost per tonne treated (EUR/t)", case["cost_eur_per_t"], "EUR/t"),
            ("margin per tonne (EUR/t)", case["margin_eur_per_t"], "EUR/t"),
            ("CO2 (t/yr)", case["co2_t_per_yr"], "t")]
    for label, value, unit in rows:
        tab.add_row(label, _fmt(value, unit))
    console.print(tab)

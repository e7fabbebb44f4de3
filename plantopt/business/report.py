"""Terminal output of the business case of a result (rich tables)."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from plantopt.results.plain_table import PlainTable


def _fmt(value: Any, unit: str, currency: str = "EUR") -> str:
    from plantopt.results.numfmt import fmt_amount, fmt_money, fmt_rate

    if value is None:
        return "-"
    if unit == "1/yr":
        return fmt_rate(value)
    if unit == "yr":
        return f"year {value:g}"
    if unit in ("EUR", "EUR/yr", "EUR/t"):
        per = unit[3:]
        return (
            fmt_money(value, currency, per)
            if abs(value) >= 1e4
            else f"{value:,.0f} {currency}{per}"
        )
    return f"{fmt_amount(value)} {unit}"


def print_business_case(
    console: Console, summary: dict[str, Any], currency: str | None = None
) -> None:
    """Print NPV, IRR, payback and per-tonne figures from ``summary["business_case"]``
    (money in ``currency``, the instance manifest's; default EUR)."""
    case = summary.get("business_case")
    if not case:
        return
    cur = currency or summary.get("currency") or "EUR"
    tab = PlainTable(
        title=(
            f"Business case ({case['horizon_yr']} yr at {100 * case['discount_rate']:.1f} % "
            f"{case.get('discount_rate_basis', 'real')})"
        ),
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    tab.add_column("metric", justify="left")
    tab.add_column("value", justify="right")
    rows = [
        ("NPV", case["npv_eur"], "EUR"),
        ("IRR", case["irr"], "1/yr"),
        ("payback", case["payback_year"], "yr"),
        ("discounted payback", case["discounted_payback_year"], "yr"),
        ("capex gross", case["capex_gross_eur"], "EUR"),
        ("capex subsidy", case["capex_subsidy_eur"], "EUR"),
        ("operating cash flow", case["operating_cash_flow_eur_per_yr"], "EUR/yr"),
        ("cost per tonne treated", case.get("cost_eur_per_t"), "EUR/t"),
        ("margin per tonne", case.get("margin_eur_per_t"), "EUR/t"),
        ("CO2", case.get("co2_t_per_yr"), "t/yr"),
    ]
    for label, value, unit in rows:
        if (
            value is None
            and label.startswith(("cost per", "margin per", "CO2"))
            and "periods" in case
        ):
            continue  # per-period figures: see the periods table
        tab.add_row(label, _fmt(value, unit, cur))
    console.print(tab)


def print_periods(console: Console, tables: dict[str, Any], currency: str = "EUR") -> None:
    """Multi-period solve: per-period summary, build decisions and targets per period
    (money in ``currency``, the instance manifest's)."""
    per = tables["periods"]
    tab = PlainTable(title="Periods", title_justify="left", show_edge=False, pad_edge=False)
    for col in (
        "period",
        "yrs",
        "accepted t/yr",
        f"profit {currency}/yr",
        "recovery t/yr",
        "in service t/yr",
    ):
        tab.add_column(col, justify="left" if col == "period" else "right")
    for r in per.itertuples(index=False):
        tab.add_row(
            str(r.period),
            f"{r.duration_yr}",
            f"{r.accepted_t_per_yr:,.1f}",
            f"{r.profit_eur_per_yr:,.0f}",
            f"{r.weighted_recovery_t_per_yr:,.2f}",
            f"{r.capacity_in_service_t_per_yr:,.0f}",
        )
    console.print(tab)
    console.print(
        "yrs: years in the period; recovery: weighted critical-material recovery; "
        "in service: capacity of the units in service",
        soft_wrap=True,
    )
    b = tables["builds"]
    tab = PlainTable(title="Builds", title_justify="left", show_edge=False, pad_edge=False)
    capex_col = f"net capex {currency}"
    for col in ("unit", "option", "built", "in service", capex_col):
        tab.add_column(col, justify="right" if col == capex_col else "left")
    for r in b.itertuples(index=False):
        window = "never" if r.first_period is None else f"{r.first_period}-{r.last_period}"
        tab.add_row(r.unit_id, r.option_id, str(r.period_built), window, f"{r.net_capex_eur:,.0f}")
    console.print(tab)
    comp = tables.get("compliance")
    if comp is not None and len(comp):
        for period, rows in comp.groupby("period", sort=False):
            bad = rows[rows["status"].isin(["violated", "binding"])]
            console.print(
                f"targets {period}: {len(rows)} in force, "
                f"{int((rows['status'] == 'violated').sum())} violated, "
                f"binding: {', '.join(bad['target_id']) or 'none'}"
            )

"""Readable terminal output of a plan and of instance problems (rich tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from plantopt.instance.errors import Problem

if TYPE_CHECKING:
    from plantopt.results.tables import Result


def _t(title: str, *cols: str) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for i, c in enumerate(cols):
        table.add_column(c, justify="left" if i == 0 else "right")
    return table


def _n(x: float, digits: int = 1) -> str:
    text = f"{x:,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def print_problems(console: Console, problems: list[Problem], source: str) -> None:
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if errors:
        console.print(f"[bold red]{len(errors)} error(s)[/] in {source}:")
        for p in errors:
            console.print(f"  [red]error[/]   {p}", highlight=False, soft_wrap=True)
    for p in warnings:
        console.print(f"  [yellow]warning[/] {p}", highlight=False, soft_wrap=True)


def print_plan(console: Console, res: Result) -> None:
    s = res.summary
    gap = f", gap {res.gap:.2e}" if res.gap is not None else ""
    console.print(
        f"[bold]{s['instance']['name']}[/]  objective [bold]{res.objective_name}[/]"
        f"  status [bold]{res.status.value}[/]{gap}  "
        f"({res.timings_s.get('total', 0.0):.2f} s)"
    )
    if not res.has_solution:
        console.print(f"no solution: {res.message}")
        return
    t = res.tables
    multi = "period" in t["feed_intake"].columns  # multi-period plans label every row

    def table(title: str, *cols: str) -> Table:
        return _t(title, *((("period",) if multi else ()) + cols))

    def row(tab: Table, r: Any, *cells: str) -> None:  # r: an itertuples() row
        tab.add_row(*(((str(r.period),) if multi else ()) + cells))

    tab = table(
        "Feed accepted", "feed", "class", "accepted t/yr", "available t/yr", "gate fee EUR/yr"
    )
    for r in t["feed_intake"].itertuples():
        row(
            tab,
            r,
            r.feed_id,
            r.feed_class,
            _n(r.accepted_t_per_yr),
            _n(r.available_t_per_yr),
            _n(r.gate_fee_eur_per_yr, 0),
        )
    console.print(tab)
    tab = table("Units", "unit", "stage", "built", "capacity t/yr", "throughput t/yr", "load")
    for r in t["unit_throughput"].itertuples():
        if r.capacity_t_per_yr <= 0 and r.throughput_t_per_yr <= 0:
            continue
        built = r.built_option or ("existing" if r.existing_capacity_t_per_yr > 0 else "")
        row(
            tab,
            r,
            r.unit_id,
            r.stage,
            built,
            _n(r.capacity_t_per_yr),
            _n(r.throughput_t_per_yr),
            f"{100 * r.utilisation_frac:.0f} %",
        )
    console.print(tab)
    pr = t["products"]
    if len(pr):
        keys = (["period"] if multi else []) + ["product_id"]
        g = pr.groupby(keys, sort=False)[["mass_t_per_yr", "revenue_eur_per_yr"]].sum()
        tab = table("Products (contained tracked material)", "product", "t/yr", "revenue EUR/yr")
        for r in g.reset_index().itertuples():
            row(tab, r, str(r.product_id), _n(r.mass_t_per_yr, 2), _n(r.revenue_eur_per_yr, 0))
        console.print(tab)
    rec = t["recovery"]
    crit = rec[rec["eu_critical"] & (rec["input_t_per_yr"] > 0)]
    tab = table(
        "Critical materials", "material", "strategic", "in t/yr", "recovered t/yr", "recovery"
    )
    for r in crit.itertuples():
        row(
            tab,
            r,
            r.material,
            "yes" if r.eu_strategic else "",
            _n(r.input_t_per_yr, 2),
            _n(r.recovered_t_per_yr, 2),
            f"{100 * r.recovery_frac:.1f} %",
        )
    console.print(tab)
    econ = t["economics"]
    multi_econ = multi and "period" in econ.columns
    cur = (res.instance.manifest.currency if res.instance is not None else None) or "EUR"
    tab = _t("Economics", *((("period",) if multi_econ else ()) + ("item", f"{cur}/yr")))
    for r in econ.itertuples():
        label = r.item.replace("_", " ") + (f" ({cur}, not per year)" if r.unit == "EUR" else "")
        tab.add_row(*(((str(r.period),) if multi_econ else ()) + (label, _n(r.eur_per_yr, 0))))
    console.print(tab)
    mb = t["mass_balance"]
    worst = (
        float(mb["absolute_error_t_per_yr"].max())
        if "absolute_error_t_per_yr" in mb and len(mb)
        else 0.0
    )
    console.print(
        f"mass balance: max error {worst:.1e} t/yr, relative "
        f"{s['mass_balance_max_relative_error']:.1e} (of the material's input, "
        "at least 1e-6 of the total intake) over all materials"
    )


def print_warnings(console: Console, summary: dict) -> None:
    """The plan's warnings (:mod:`plantopt.results.warnings`), each on its own line."""
    for w in summary.get("plan_warnings") or []:
        console.print(f"[bold yellow]warning[/]: {w}", soft_wrap=True)

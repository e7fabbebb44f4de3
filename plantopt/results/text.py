"""Readable terminal output of a plan and of instance problems (rich tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console

from plantopt.instance.errors import Problem
from plantopt.results.plain_table import PlainTable

if TYPE_CHECKING:
    from plantopt.results.tables import Result


def _t(title: str, *cols: str) -> PlainTable:
    table = PlainTable(title=title, title_justify="left", show_edge=False, pad_edge=False)
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


def _tables(res: Result) -> tuple[dict[str, Any], bool, str]:
    t = res.tables
    multi = "period" in t["feed_intake"].columns  # multi-period plans label every row
    cur = (res.instance.manifest.currency if res.instance is not None else None) or "EUR"
    return t, multi, cur


class _Tab:
    """Tables of one plan: a leading period column when the plan has several periods."""

    def __init__(self, multi: bool) -> None:
        self.multi = multi

    def table(self, title: str, *cols: str) -> PlainTable:
        return _t(title, *((("period",) if self.multi else ()) + cols))

    def row(self, tab: PlainTable, r: Any, *cells: str) -> None:  # r: an itertuples() row
        tab.add_row(*(((str(r.period),) if self.multi else ()) + cells))


def _print_feeds(console: Console, res: Result) -> None:
    t, multi, cur = _tables(res)
    w = _Tab(multi)
    tab = w.table(
        f"Feed accepted (t/yr; gate fees {cur}/yr)",
        "feed",
        "class",
        "accepted",
        "available",
        "fees",
    )
    for r in t["feed_intake"].itertuples():
        w.row(
            tab,
            r,
            r.feed_id,
            r.feed_class,
            _n(r.accepted_t_per_yr),
            _n(r.available_t_per_yr),
            _n(r.gate_fee_eur_per_yr, 0),
        )
    console.print(tab)


def _print_units(console: Console, res: Result) -> None:
    """Units with capacity or throughput; a multi-period plan leaves the stage out (it
    is the same in every period) so that the table fits 80 columns."""
    t, multi, _ = _tables(res)
    w = _Tab(multi)
    stage = () if multi else ("stage",)
    tab = w.table("Units (t/yr)", "unit", *stage, "built", "capacity", "throughput", "load")
    for r in t["unit_throughput"].itertuples():
        if r.capacity_t_per_yr <= 0 and r.throughput_t_per_yr <= 0:
            continue
        built = r.built_option or ("existing" if r.existing_capacity_t_per_yr > 0 else "")
        cells = (r.unit_id, *(() if multi else (r.stage,)), built)
        w.row(
            tab,
            r,
            *cells,
            _n(r.capacity_t_per_yr),
            _n(r.throughput_t_per_yr),
            f"{100 * r.utilisation_frac:.0f} %",
        )
    console.print(tab)


def _print_products(console: Console, res: Result) -> None:
    t, multi, cur = _tables(res)
    w = _Tab(multi)
    pr = t["products"]
    if not len(pr):
        return
    keys = (["period"] if multi else []) + ["product_id"]
    g = pr.groupby(keys, sort=False)[["mass_t_per_yr", "revenue_eur_per_yr"]].sum()
    tab = w.table("Products (contained tracked material)", "product", "t/yr", f"revenue {cur}/yr")
    for r in g.reset_index().itertuples():
        w.row(tab, r, str(r.product_id), _n(r.mass_t_per_yr, 2), _n(r.revenue_eur_per_yr, 0))
    console.print(tab)


def _print_materials(console: Console, res: Result) -> None:
    t, multi, _ = _tables(res)
    w = _Tab(multi)
    rec = t["recovery"]
    crit = rec[rec["eu_critical"] & (rec["input_t_per_yr"] > 0)]
    tab = w.table("Critical materials (t/yr)", "material", "strategic", "in", "recovered", "share")
    for r in crit.itertuples():
        w.row(
            tab,
            r,
            r.material,
            "yes" if r.eu_strategic else "",
            _n(r.input_t_per_yr, 2),
            _n(r.recovered_t_per_yr, 2),
            f"{100 * r.recovery_frac:.1f} %",
        )
    console.print(tab)


def _print_economics(console: Console, res: Result) -> None:
    t, multi, cur = _tables(res)
    econ = t["economics"]
    multi_econ = multi and "period" in econ.columns
    tab = _t("Economics", *((("period",) if multi_econ else ()) + ("item", f"{cur}/yr")))
    for r in econ.itertuples():
        label = r.item.replace("_", " ") + (f" ({cur}, not per year)" if r.unit == "EUR" else "")
        tab.add_row(*(((str(r.period),) if multi_econ else ()) + (label, _n(r.eur_per_yr, 0))))
    console.print(tab)


def print_plan(console: Console, res: Result) -> None:
    """The plan on the terminal: status, feeds, units, products, critical materials,
    economics and the mass balance; every table fits 80 columns."""
    from plantopt.results.numfmt import case_rate_basis

    s = res.summary
    gap = f", gap {100 * res.gap:.2f} %" if res.gap is not None else ""
    basis = case_rate_basis(s.get("business_case")) if res.objective_name == "npv" else ""
    console.print(
        f"[bold]{s['instance']['name']}[/]  objective [bold]{res.objective_name}[/]"
        + (f" at {basis}" if basis else "")
        + f"  status [bold]{res.status.value}[/]{gap}  "
        f"({res.timings_s.get('total', 0.0):.2f} s)"
    )
    if not res.has_solution:
        console.print(f"no solution: {res.message}")
        return
    _print_tie_break(console, s)
    for part in (_print_feeds, _print_units, _print_products, _print_materials, _print_economics):
        part(console, res)
    mb = res.tables["mass_balance"]
    worst = (
        float(mb["absolute_error_t_per_yr"].max())
        if "absolute_error_t_per_yr" in mb and len(mb)
        else 0.0
    )
    console.print(
        f"mass balance: largest error {_small_mass(worst)} "
        f"({_parts(s['mass_balance_max_relative_error'])} of the material's input, or of a "
        "millionth of the total intake when that is larger) over all materials"
    )


def _print_tie_break(console: Console, s: dict) -> None:
    """One line on the tie-break stage: proven, or stopped with the secondary gap."""
    tb = s.get("tie_break")
    if not tb or s.get("secondary_objective") is None:
        return
    other = tb.get("secondary") or "the secondary objective"
    if tb.get("status") == "optimal":
        console.print(f"tie-break: best {other} among {s['objective_name']}-optimal plans (proven)")
        return
    gap = tb.get("secondary_gap")
    gap_text = f"gap {100 * gap:,.1f} %" if gap is not None else "no bound yet"
    why = str(tb.get("status", "")).removeprefix("not proven optimal: ")
    console.print(
        f"tie-break: {other} not proven optimal among {s['objective_name']}-optimal plans "
        f"({why}; {gap_text}); a larger --tie-break-budget or inf runs it further",
        soft_wrap=True,
    )


def _small_mass(t_per_yr: float) -> str:
    """A mass error for people: ``1.4 g/yr``, ``3.2 kg/yr`` or ``1.250 t/yr``."""
    if t_per_yr < 1e-3:
        return f"{t_per_yr * 1e6:.1f} g/yr"
    if t_per_yr < 1.0:
        return f"{t_per_yr * 1e3:.1f} kg/yr"
    return f"{t_per_yr:,.3f} t/yr"


def _parts(frac: float) -> str:
    """A small share for people: ``3.8 ppb``, ``2.1 ppm`` or ``0.15 %``."""
    if frac < 1e-6:
        return f"{frac * 1e9:.1f} ppb"
    if frac < 1e-4:
        return f"{frac * 1e6:.1f} ppm"
    return f"{frac * 100:.2f} %"


def print_warnings(console: Console, summary: dict) -> None:
    """The plan's warnings (:mod:`plantopt.results.warnings`), each on its own line."""
    for w in summary.get("plan_warnings") or []:
        console.print(f"[bold yellow]warning[/]: {w}", soft_wrap=True)

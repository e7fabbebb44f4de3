"""``plantopt compare A B``: what differs between two plans (B relative to A)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def _fmt_headline(kind: str, value: Any, currency: str) -> str:
    from plantopt.results.numfmt import fmt_amount, fmt_money, fmt_rate

    if value is None or value != value:
        return "-"
    if kind in ("money", "money_yr"):
        return fmt_money(value, currency, "/yr" if kind == "money_yr" else "")
    if kind == "rate":
        return fmt_rate(value)
    if kind == "t_yr":
        return f"{fmt_amount(value)} t/yr"
    if kind == "year":
        return f"{value:g}"
    return fmt_amount(value)


def _status_cell(achieved: Any, status: Any) -> str:
    from plantopt.results.numfmt import fmt_share

    if not isinstance(status, str) or not status:
        return "not in force"
    return status if achieved != achieved else f"{fmt_share(achieved)} {status}"


def _table(title: str, *cols: str) -> Any:
    """A borderless table: the first column left-aligned, the others right-aligned."""
    from rich.table import Table

    tab = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for i, c in enumerate(cols):
        tab.add_column(c, justify="left" if i == 0 else "right", overflow="fold")
    return tab


def print_comparison(console: Any, cmp: Any, limit: int = 15) -> None:
    """The comparison as tables that fit 80 columns (long route lists are cut at ``limit``)."""
    console.print(f"A = {cmp.a_name}\nB = {cmp.b_name}", soft_wrap=True)
    tab = _table("Headline", "metric", "A", "B", "B - A")
    tab.add_row("status", *cmp.status, "")
    for r in cmp.headline.itertuples():
        tab.add_row(
            r.metric, *(_fmt_headline(r.kind, v, cmp.currency) for v in (r.a, r.b, r.delta))
        )
    console.print(tab)
    sections = [
        ("Units built (changed)", cmp.units, ["unit_id", "option_id"], "capacity_t_per_yr", "t/yr"),
        ("Feeds accepted (changed)", cmp.feeds, ["feed_id"], "accepted_t_per_yr", "t/yr"),
        (
            "Routes (changed flows between units)",
            cmp.routes,
            ["source", "target"],
            "mass_t_per_yr",
            "t/yr",
        ),
    ]
    for title, df, keys, col, unit in sections:
        _print_section(console, title, df, keys, col, unit, limit)
    _print_compliance(console, cmp.compliance)


def _print_section(
    console: Any, title: str, df: Any, keys: list[str], col: str, unit: str, limit: int
) -> None:
    """The rows of one changed-plan table, largest change first, at most ``limit``."""
    from plantopt.results.numfmt import fmt_amount

    if not len(df):
        console.print(f"{title}: none")
        return
    df = df.reindex(df[f"{col}_delta"].abs().sort_values(ascending=False).index)
    if "period" in df.columns:
        keys = ["period", *keys]
    sep = " > " if "source" in keys else " / "
    tab = _table(title, sep.join(keys), f"A {unit}", f"B {unit}", "B - A")
    for r in df.head(limit).itertuples():
        tab.add_row(
            sep.join(str(getattr(r, k)) for k in keys),
            *(fmt_amount(getattr(r, f"{col}_{s}")) for s in ("a", "b", "delta")),
        )
    console.print(tab)
    if len(df) > limit:
        console.print(
            f"({len(df) - limit} more rows in compare_{title.split()[0].lower()}.parquet)"
        )


def _print_compliance(console: Any, comp: Any) -> None:
    """Target status of A and B; a changed status is starred."""
    if not len(comp):
        return
    tab = _table("Compliance", "target", "A", "B")
    for r in comp.itertuples():
        cells = [
            _status_cell(getattr(r, f"achieved_frac_{s}"), getattr(r, f"status_{s}"))
            for s in ("a", "b")
        ]
        label = f"{r.period} {r.target}" if "period" in comp.columns else r.target
        tab.add_row(("* " if r.status_changed else "") + str(label), *cells)
    console.print(tab)
    console.print("(* status differs)")


def register(app: typer.Typer) -> None:
    @app.command()
    def compare(
        a: Annotated[
            Path, typer.Argument(help="Result folder A (the reference).", show_default=False)
        ],
        b: Annotated[Path, typer.Argument(help="Result folder B.", show_default=False)],
        out: Annotated[
            Path | None,
            typer.Option(help="Folder to write the comparison tables to (Parquet + summary.json)."),
        ] = None,
        rows: Annotated[int, typer.Option(help="Rows shown per table.", min=1)] = 15,
    ) -> None:
        """What differs between two plans: units and sizes, feeds, flows by route, NPV/IRR,
        compliance (any result folders: solve, breakeven, Pareto points, batch jobs)."""
        from rich.console import Console

        from plantopt.results.tables import write_result_dir
        from plantopt.studies.compare import compare as run_compare

        console = Console(highlight=False)
        cmp = run_compare(a, b)
        print_comparison(console, cmp, rows)
        if cmp.same_plan:
            console.print(
                "the two plans build the same units, accept the same feeds and route the same flows"
            )
        if out is not None:
            write_result_dir(
                out,
                cmp.tables(),
                {
                    "compare": {
                        "a": cmp.a_name,
                        "b": cmp.b_name,
                        "status": list(cmp.status),
                        "same_plan": cmp.same_plan,
                    }
                },
            )
            console.print(f"comparison written to {out}/")

"""``plantopt pareto``: epsilon-constraint front between NPV (or profit) and recovery."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from plantopt.atomic import FORCE_HELP
from plantopt.cli import _options as O

PathArg = Annotated[
    Path | None,
    typer.Argument(
        help="Instance folder (default: the packaged nl-2027 instance).", show_default=False
    ),
]
Points = Annotated[
    int,
    typer.Option(min=2, max=200, help="Recovery floors to sweep (distinct points are kept)."),
]
Economic = Annotated[str, typer.Option(help="npv or profit.")]
Progress = Annotated[bool, typer.Option(help="Show a progress bar.")]
Out = Annotated[
    Path | None, typer.Option(help="Result folder (default: results/<instance>-pareto).")
]
Force = Annotated[bool, typer.Option(help=FORCE_HELP)]


def register(app: typer.Typer) -> None:
    options = O.shared_options("solver", "setup", "levers", exclude=("recovery_floor",))
    app.command()(options(pareto))


def pareto(
    path: PathArg = None,
    points: Points = 7,
    economic: Economic = "npv",
    progress: Progress = True,
    out: Out = None,
    force: Force = False,
    co2_caps: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated caps on net CO2 (t/yr): the front is repeated under each, "
            "CO2 as a third axis (docs/network.md)."
        ),
    ] = None,
    **shared: Any,
) -> None:
    """Pareto front of NPV (or profit) vs weighted critical-material recovery.

    Writes pareto.parquet (points with the plan changes between them), plans.parquet,
    summary.json, pareto.png and one result folder per point (points/<k>/, which
    evaluate, report and compare take), atomically.
    """
    from rich.console import Console

    from plantopt.atomic import check_output_folder, default_output_dir
    from plantopt.cli._progress import solve_progress
    from plantopt.instance.loader import load_instance
    from plantopt.results.tables import write_result_dir
    from plantopt.studies.pareto import ECONOMIC, pareto_front, plot_front

    args = {**locals(), **shared}
    console = Console(highlight=False)
    if economic not in ECONOMIC:
        Console(stderr=True).print(f"error: --economic must be npv or profit, not {economic!r}")
        raise typer.Exit(2)
    caps = _caps(co2_caps)
    opts = O.solve_options(args)
    inst = O.prepare_instance(load_instance(path), args)
    target = out or default_output_dir(inst.name, "pareto")
    check_output_folder(target, force)
    try:
        total = (points + 1) * max(1, len(caps or []))
        with solve_progress(console, "Pareto front", total=total, enabled=progress) as tick:
            front = pareto_front(inst, points, economic, opts, progress=tick, co2_caps=caps)
    except ValueError as exc:
        Console(stderr=True).print(f"error: {exc}")
        raise typer.Exit(3) from None
    basis = str(front.summary.get("npv_rate_basis") or "") if economic == "npv" else ""
    console.print(_front_table(inst, front.points, economic, basis))
    write_result_dir(
        target,
        {"pareto": front.points, "plans": front.plans},
        front.summary,
        extra={"pareto.png": plot_front(front)},
        force=force,
        children=front.point_folders(),
    )
    console.print(f"results written to {target}/")


def _caps(text: str | None) -> list[float] | None:
    """The --co2-caps numbers (exit 2 naming the option when one is not a number)."""
    if not text:
        return None
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        from rich.console import Console

        Console(stderr=True).print(
            f"error: --co2-caps must be numbers separated by commas, not {text!r}"
        )
        raise typer.Exit(2) from None


def _front_table(inst: Any, p: Any, economic: str, basis: str = "") -> Any:
    """The front as a terminal table: point, recovery, economic value, capex, plan changes."""
    from rich.table import Table

    from plantopt.results.numfmt import fmt_amount

    col = "npv_eur" if economic == "npv" else "profit_eur_per_yr"
    tab = Table(
        title=f"{inst.name}: Pareto front ({economic}{f' at {basis}' if basis else ''} "
        "vs weighted recovery)",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    cur = inst.manifest.currency or "EUR"
    co2 = "net_co2_t_per_yr" in p.columns
    heads = ["point", "recovery t/yr", f"{economic} {cur}", f"capex {cur}"]
    for c in heads + (["net CO2 t/yr"] if co2 else []) + ["plan changes"]:
        tab.add_column(c, justify="left" if c == "plan changes" else "right")
    for r in p.itertuples():
        cells = [
            str(r.point),
            f"{r.weighted_recovery_t_per_yr:,.1f}",
            fmt_amount(getattr(r, col)),
            fmt_amount(r.capex_eur),
        ]
        if co2:
            v = r.net_co2_t_per_yr
            cells.append("-" if v is None or v != v else f"{v:,.1f}")
        tab.add_row(*cells, r.changes or "-")
    return tab

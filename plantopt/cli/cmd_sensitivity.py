"""``plantopt sensitivity``: tornado of the objective over the uncertain input groups."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from plantopt.studies.sensitivity import Tornado


def register(app: typer.Typer) -> None:
    @app.command()
    def sensitivity(
        path: Annotated[
            Path | None,
            typer.Argument(
                help="Instance folder (default: the packaged nl-2027 instance).", show_default=False
            ),
        ] = None,
        objective: Annotated[
            str, typer.Option(help="Objective whose swing is ranked: npv, profit or recovery.")
        ] = "npv",
        kinds: Annotated[
            str,
            typer.Option(
                help="Comma-separated input group kinds: tonnage, price, capex, tc, gate_fee."
            ),
        ] = "tonnage,price,capex,tc,gate_fee",
        workers: Annotated[
            int | None, typer.Option(min=1, help="Worker processes (default: the cores available).")
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option(help="Result folder (default: results/<instance>-sensitivity)."),
        ] = None,
        top: Annotated[int, typer.Option(min=1, help="Rows printed.")] = 20,
    ) -> None:
        """Re-solve with each uncertain input group at its low and its high value (the
        low/high columns of the instance), rank the groups by the swing of the objective and
        say whether the plan (units built, feeds accepted) changes.

        Writes sensitivity.parquet, tornado.png, the base solve's tables and the batch store
        runs/ into the result folder; `plantopt report` on it adds a tornado section.
        """
        from rich.console import Console

        from plantopt.instance.loader import load_instance, packaged_instance_path
        from plantopt.model.matrix_form import OBJECTIVES
        from plantopt.studies.sensitivity import run_sensitivity
        from plantopt.studies.sensitivity_groups import KINDS

        err = Console(stderr=True)
        chosen = tuple(k.strip() for k in kinds.split(",") if k.strip())
        bad = [k for k in chosen if k not in KINDS]
        if objective not in OBJECTIVES or bad or not chosen:
            err.print(
                f"error: --objective must be one of {', '.join(OBJECTIVES)} and --kinds "
                f"some of {', '.join(KINDS)} (got {objective!r}, {kinds!r})"
            )
            raise typer.Exit(2)
        folder = path or packaged_instance_path()
        inst = load_instance(folder)  # bad input: InstanceError -> exit 2 in plantopt.cli
        target = out or Path("results") / f"{inst.name}-sensitivity"
        res = run_sensitivity(folder, target, objective, chosen, workers)
        _print(Console(highlight=False), res, inst.name, top)
        Console(highlight=False).print(
            f"{len(res.table)} input groups, {res.n_jobs} solves in "
            f"{res.wall_s:.1f} s; results written to {target}/"
        )


def _print(console: Console, res: Tornado, name: str, top: int) -> None:
    """The ranked groups (fits 80 columns), then each group's range and plan changes."""
    from rich.table import Table

    from plantopt.results.numfmt import fmt_amount

    def num(v: object) -> str:  # 9,000 or 12.3 M (no wider than 8 characters)
        if v is None or v != v:
            return "-"
        x = float(v)  # type: ignore[arg-type]
        return f"{x:,.0f}" if abs(x) < 1e6 else fmt_amount(x)

    tab = Table(
        title=f"{name}: tornado of {res.objective_name}"
        + (f" at {res.npv_rate_basis}" if res.npv_rate_basis else "")
        + f" (base {num(res.base_objective)})",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    for c in ("rank", "input group", "at low", "at high", "swing", "plan"):
        tab.add_column(c, justify="left" if c in ("input group", "plan") else "right")

    shown = res.table.head(top)
    for r in shown.itertuples():
        tab.add_row(
            str(r.rank),
            r.group_id,
            num(r.objective_low),
            num(r.objective_high),
            num(r.swing),
            "changes" if r.plan_changes else "same",
        )
    console.print(tab)
    for r in shown.itertuples():
        changes = "; ".join(
            x
            for x in (
                r.plan_change_low and f"low: {r.plan_change_low}",
                r.plan_change_high and f"high: {r.plan_change_high}",
            )
            if x
        )
        console.print(
            f"  {r.group_id}: {r.low_value} .. {r.high_value}"
            + (f"; {changes}" if changes else ""),
            soft_wrap=True,
            markup=False,
        )

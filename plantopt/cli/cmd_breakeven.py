"""``plantopt breakeven``: the smallest lever value at which the NPV reaches a hurdle."""

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
LeverName = Annotated[str, typer.Option(help="capex-subsidy, gate-fee or price:<product_id>.")]
Hurdle = Annotated[float, typer.Option(help="NPV to reach, EUR.")]
Tolerance = Annotated[
    float | None,
    typer.Option(
        help="Bisection tolerance in lever units (default: 0.001 share, 0.1 EUR/t, "
        "0.001 price factor)."
    ),
]
SubsidyOn = Annotated[
    list[str] | None,
    typer.Option(
        help="With --lever capex-subsidy: subsidise only this unit or stage "
        "(repeatable; default: every unit)."
    ),
]
Objective = Annotated[
    str,
    typer.Option(
        help="What each solve maximises: npv (the optimal NPV), or recovery / profit "
        "(the NPV of the plan that objective picks)."
    ),
]
RecoveryFloor = Annotated[
    float | None,
    typer.Option(
        help="Require this weighted recovery, t/yr (what closes a case that must "
        "recover this much?).",
        min=0.0,
    ),
]
Progress = Annotated[bool, typer.Option(help="Show a progress bar.")]
Out = Annotated[
    Path | None,
    typer.Option(help="Result folder (default: results/<instance>-breakeven-<lever>)."),
]
Force = Annotated[bool, typer.Option(help=FORCE_HELP)]


def register(app: typer.Typer) -> None:
    app.command()(O.shared_options("solver", "setup", "levers")(breakeven))


def breakeven(
    path: PathArg = None,
    lever: LeverName = "capex-subsidy",
    hurdle: Hurdle = 0.0,
    tolerance: Tolerance = None,
    subsidy_on: SubsidyOn = None,
    objective: Objective = "npv",
    recovery_floor: RecoveryFloor = None,
    progress: Progress = True,
    out: Out = None,
    force: Force = False,
    **shared: Any,
) -> None:
    """Break-even lever value (NPV >= hurdle) by bisection, with the plan at that value.

    Takes every solve option, lever, requirement and floor of plantopt solve. Writes
    the plan's result tables, the instance solved at the break-even value (instance/),
    breakeven.parquet (every solve of the search) and summary.json (key "breakeven"),
    atomically.
    """
    from rich.console import Console

    from plantopt.atomic import check_output_folder, default_output_dir
    from plantopt.cli._progress import solve_progress
    from plantopt.instance.loader import load_instance
    from plantopt.studies.breakeven import breakeven as run_breakeven

    args = {**locals(), **shared}
    console = Console(highlight=False)
    opts = O.solve_options(args)
    inst = O.prepare_instance(load_instance(path), args)
    target = out or default_output_dir(inst.name, f"breakeven-{lever}")
    check_output_folder(target, force)
    with solve_progress(console, "break-even search", enabled=progress) as tick:
        b = run_breakeven(
            inst,
            lever,
            hurdle,
            tolerance,
            opts,
            objective=objective,
            subsidy_on=tuple(subsidy_on or ()),
            progress=lambda n, lo, hi: tick(f"{n} solves; bracket [{lo:.4g}, {hi:.4g}]"),
        )
    _print_outcome(console, inst.name, lever, hurdle, b)
    _write(console, inst, b, target, force)


def _write(console: Any, inst: Any, b: Any, target: Path, force: bool) -> None:
    """Print the plan at the break-even value; write its tables and the search."""
    from plantopt.business.report import print_business_case
    from plantopt.results.tables import write_result_dir
    from plantopt.results.text import print_plan, print_warnings

    res = b.result
    if res.has_solution:
        print_plan(console, res)
        print_business_case(console, res.summary, inst.manifest.currency)
        print_warnings(console, res.summary)
    tables = dict(res.tables)
    tables["breakeven"] = b.iterations
    write_result_dir(
        target,
        tables,
        {**res.summary, "breakeven": b.summary},
        force=force,
        instance=res.instance,
    )
    console.print(f"results written to {target}/")


def _print_outcome(console: Any, name: str, lever: str, hurdle: float, b: Any) -> None:
    from plantopt.results.numfmt import fmt_money

    s = b.summary
    where = f" on {', '.join(s['subsidy_on'])}" if s.get("subsidy_on") else ""
    at = f" at {s['npv_rate_basis']}" if s.get("npv_rate_basis") else ""
    goal = f"NPV{at} >= {fmt_money(hurdle, s.get('currency', 'EUR'))}"
    if b.status == "found":
        console.print(
            f"[bold]{name}[/]: {goal} from {lever}{where} = [bold]{b.value:.4g}[/] "
            f"{s['lever_unit']} (not at {s['below']:.4g}; tolerance "
            f"{b.tolerance:g}, {s['solves']} solves)"
        )
    elif b.status == "closes_without_lever":
        console.print(f"[bold]{name}[/]: {goal} already without the lever ({lever} = {b.value:g})")
    else:
        console.print(
            f"[bold]{name}[/]: NPV stays below the hurdle up to {lever}{where} = "
            f"{b.iterations['value'].max():g} {s['lever_unit']}"
        )

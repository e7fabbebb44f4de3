"""``plantopt breakeven``: the smallest lever value at which the optimal NPV reaches a hurdle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plantopt.atomic import FORCE_HELP


def register(app: typer.Typer) -> None:
    @app.command()
    def breakeven(
        path: Annotated[Path | None, typer.Argument(
            help="Instance folder (default: the packaged nl-2027 instance).",
            show_default=False)] = None,
        lever: Annotated[str, typer.Option(
            help="capex-subsidy, gate-fee or price:<product_id>.")] = "capex-subsidy",
        hurdle: Annotated[float, typer.Option(help="NPV to reach, EUR.")] = 0.0,
        tolerance: Annotated[float | None, typer.Option(
            help="Bisection tolerance in lever units (default: 0.001 share, 0.1 EUR/t, "
            "0.001 price factor).")] = None,
        recovery_floor: Annotated[float | None, typer.Option(
            help="Require this weighted recovery, t/yr (what closes a case that must "
            "recover this much?).", min=0.0)] = None,
        time_limit: Annotated[float | None, typer.Option(
            help="Seconds per solve.", min=0.0)] = None,
        out: Annotated[Path | None, typer.Option(
            help="Result folder (default: results/<instance>-breakeven-<lever>).")] = None,
        force: Annotated[bool, typer.Option(help=FORCE_HELP)] = False,
    ) -> None:
        """Break-even lever value (NPV >= hurdle) by bisection, with the plan at that value.

        Writes the plan's result tables, breakeven.parquet (every solve of the search) and
        summary.json (key "breakeven"), atomically.
        """
        from rich.console import Console

        from plantopt.atomic import check_output_folder, default_output_dir
        from plantopt.business.report import print_business_case
        from plantopt.instance.loader import load_instance
        from plantopt.results.tables import write_result_dir
        from plantopt.results.text import print_plan
        from plantopt.solver.types import SolveOptions
        from plantopt.studies.breakeven import breakeven as run_breakeven

        console = Console(highlight=False)
        inst = load_instance(path)
        target = out or default_output_dir(inst.name, f"breakeven-{lever}")
        check_output_folder(target, force)
        if recovery_floor is not None:
            inst = inst.with_manifest(recovery_floor_t_per_yr=recovery_floor)
        b = run_breakeven(inst, lever, hurdle, tolerance, SolveOptions(time_limit_s=time_limit))
        s = b.summary
        if b.status == "found":
            console.print(f"[bold]{inst.name}[/]: NPV >= {hurdle:,.0f} EUR from {lever} = "
                          f"[bold]{b.value:.6g}[/] {s['lever_unit']} (not at {s['below']:.6g}; "
                          f"tolerance {b.tolerance:g}, {s['solves']} solves)")
        elif b.status == "closes_without_lever":
            console.print(f"[bold]{inst.name}[/]: NPV >= {hurdle:,.0f} EUR already without "
                          f"the lever ({lever} = {b.value:g})")
        else:
            console.print(f"[bold]{inst.name}[/]: NPV stays below {hurdle:,.0f} EUR up to "
                          f"{lever} = {b.iterations['value'].max():g} {s['lever_unit']}")
        res = b.result
        if res.has_solution:
            print_plan(console, res)
            print_business_case(console, res.summary)
        tables = dict(res.tables)
        tables["breakeven"] = b.iterations
        write_result_dir(target, tables, {**res.summary, "breakeven": s}, force=force,
                         instance=res.instance)
        console.print(f"results written to {target}/")

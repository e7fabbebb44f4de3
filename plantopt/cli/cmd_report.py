"""``plantopt report``: a self-contained HTML report (with static figures) of a result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        result_dir: Annotated[
            Path,
            typer.Argument(
                help="Result folder (plantopt solve --out, or STORE/jobs/<scenario_id>).",
                show_default=False,
            ),
        ],
        out: Annotated[
            Path | None, typer.Option(help="HTML file to write (default: RESULT_DIR/report.html).")
        ] = None,
        static: Annotated[
            bool, typer.Option(help="Also export the figures as PNG and SVG (<out>_figures/).")
        ] = True,
        monte_carlo: Annotated[
            Path | None,
            typer.Option(
                help="Output folder of plantopt evaluate (default: RESULT_DIR-evaluate if it "
                "exists)."
            ),
        ] = None,
        pareto: Annotated[
            Path | None,
            typer.Option(
                help="Output folder of plantopt pareto (default: <instance>-pareto next to "
                "RESULT_DIR if it exists)."
            ),
        ] = None,
    ) -> None:
        """Sankey of material flows, recovery, compliance, economics: one offline HTML file."""
        from rich.console import Console

        from plantopt.report import make_report

        console = Console(highlight=False)
        path, figures = make_report(
            result_dir, out, static=static, monte_carlo_dir=monte_carlo, pareto_dir=pareto
        )
        console.print(f"report written to {path}")
        if figures:
            console.print(f"{len(figures)} static figure file(s) in {figures[0].parent}/")

"""``plantopt batch`` and ``plantopt collect``: many solves into one results store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

Inputs = Annotated[
    list[str],
    typer.Argument(
        help="Instance folders, glob patterns, or scenario files (.yaml).", show_default=False
    ),
]
StoreOut = Annotated[
    Path,
    typer.Option(help="Results store folder (created; a rerun resumes and skips finished jobs)."),
]
Workers = Annotated[
    int | None,
    typer.Option(help="Local worker processes (default: the number of cores).", min=1),
]
JobTimeLimit = Annotated[
    float | None,
    typer.Option(
        help="Hard wall-clock limit per job in seconds; the worker process is killed.", min=0.0
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address (tcp://HOST:PORT) to run the jobs on."),
]
Progress = Annotated[bool, typer.Option(help="Show a progress bar.")]
Dataset = Annotated[
    str | None,
    typer.Option(
        metavar="TABLE,...",
        help="Keep only each job's summary row and these result tables (e.g. "
        "recovery,economics; '' for the summary only) in one partitioned Parquet "
        "dataset STORE/dataset instead of a folder per job.",
    ),
]
Store = Annotated[Path, typer.Argument(help="Results store of plantopt batch.", show_default=False)]
CollectOut = Annotated[
    Path | None,
    typer.Option(help="Output file stem (writes .parquet and .csv; default STORE/collect)."),
]
Rows = Annotated[int, typer.Option(help="Scenarios shown on the terminal.", min=0)]


def register(app: typer.Typer) -> None:
    app.command()(batch)
    app.command()(collect)


def batch(
    inputs: Inputs,
    out: StoreOut,
    workers: Workers = None,
    job_time_limit: JobTimeLimit = None,
    scheduler: Scheduler = None,
    progress: Progress = True,
    dataset: Dataset = None,
) -> None:
    """Solve every job of INPUTS (one HiGHS thread each) into a results store.

    Scenario files set levers (docs/levers.md), manifest fields, table cells and solve
    options per job (docs/batch.md). Exit code 0 when the batch ran to its end: every job
    then has a record with its status (solved, infeasible, bad_input, job_timeout, ...) in
    STORE/manifest.csv; 130 when interrupted (Ctrl-C): finished jobs are kept and a rerun
    resumes.
    """
    from rich.console import Console

    from plantopt.batch import print_summary, run_batch

    console = Console(stderr=True, highlight=False)
    report = run_batch(
        list(inputs),
        out,
        workers=workers,
        job_time_limit_s=job_time_limit,
        scheduler=scheduler,
        console=console,
        progress=progress,
        dataset_tables=None
        if dataset is None
        else tuple(t.strip() for t in dataset.split(",") if t.strip()),
    )
    print_summary(console, report)
    if report.interrupted:
        raise typer.Exit(130)


def collect(store: Store, out: CollectOut = None, rows: Rows = 20) -> None:
    """One tidy table of key metrics across the scenarios of a store (Parquet + CSV)."""
    from rich.console import Console

    from plantopt.batch import collect as collect_table
    from plantopt.batch.store import atomic_write_table

    console = Console(highlight=False)
    df = collect_table(store)
    stem = out or store / "collect"
    for suffix in (".parquet", ".csv"):
        atomic_write_table(df, stem.with_name(stem.name + suffix))
    counts = df["status"].value_counts().to_dict() if len(df) else {}
    _print_collect(console, df, rows)
    console.print(
        f"{len(df)} scenario(s) {counts}; {len(df.columns)} columns written to "
        f"{stem}.parquet and {stem}.csv"
    )


def _print_collect(console: Any, df: Any, rows: int) -> None:
    """The first ``rows`` scenarios: status, NPV, IRR, payback, targets, units built."""
    from rich.table import Table

    from plantopt.results.numfmt import fmt_amount, fmt_rate

    if not rows or not len(df):
        return
    tab = Table(
        show_edge=False,
        pad_edge=False,
        title_justify="left",
        title=f"Scenarios (first {min(rows, len(df))} of {len(df)})",
    )
    tab.add_column("scenario", overflow="fold")
    for col in ("status", "NPV", "IRR", "payback", "targets"):
        tab.add_column(col, justify="right", no_wrap=True)
    tab.add_column("units built", overflow="fold")

    def get(r: Any, key: str) -> Any:
        value = r.get(key)
        return None if value is None or value != value else value

    for _, r in df.head(rows).iterrows():
        met = get(r, "all_targets_met")
        targets = "-" if met is None else ("all met" if met else "NOT met")
        payback = get(r, "payback_year")
        tab.add_row(
            str(r["scenario_id"]),
            str(r["status"]),
            fmt_amount(get(r, "npv_eur")),
            fmt_rate(get(r, "irr")),
            "-" if payback is None else f"{payback:g} yr",
            targets,
            str(get(r, "units_built") or ""),
        )
    console.print(tab)

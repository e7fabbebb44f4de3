"""Batch orchestration: expand inputs, skip finished jobs, run, show progress, summarise."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from plantopt.batch.runner import run_dask, run_local
from plantopt.batch.scenarios import Job, expand_inputs
from plantopt.batch.store import Store


@dataclass
class BatchReport:
    """What a batch run did: jobs total, skipped (finished earlier), run (ended in this
    run), statuses; ``interrupted`` after Ctrl-C."""

    store: Path
    n_jobs: int
    n_skipped: int
    n_run: int
    wall_s: float
    status_counts: dict[str, int] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    interrupted: bool = False

    @property
    def n_failed(self) -> int:
        ok = {"optimal", "feasible"}
        return sum(n for s, n in self.status_counts.items() if s not in ok)


def default_workers() -> int:
    """Cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run_batch(
    inputs: list[str] | list[Job],
    out: str | Path,
    workers: int | None = None,
    job_time_limit_s: float | None = None,
    scheduler: str | None = None,
    console: Console | None = None,
    progress: bool = True,
    dataset_tables: tuple[str, ...] | None = None,
) -> BatchReport:
    """Run every job of ``inputs`` not yet finished in the store ``out``.

    ``dataset_tables``: keep only each job's summary row and these result tables, in one
    partitioned Parquet dataset of the store (``STORE/dataset``), instead of a result folder
    per job (see :mod:`plantopt.batch.store`).

    ``inputs`` are command-line inputs (folders, globs, scenario files) or prepared jobs.
    Finished jobs (a final status, result folder present) are skipped, so a rerun resumes.
    Returns the counts and the rebuilt tidy table (also written to ``results.parquet``).
    """
    console = console or Console(stderr=True)
    jobs = _jobs_of(inputs)
    store = Store(out, dataset_tables).create()
    done = store.finished_ids()
    todo = [j for j in jobs if j.job_id not in done]
    t0 = time.perf_counter()
    counts: Counter[str] = Counter()
    interrupted = False
    with _progress_bar(console, progress) as bar:
        task = bar.add_task("jobs", total=len(todo), note="")

        def on_record(rec: dict[str, Any]) -> None:
            counts[str(rec.get("status"))] += 1
            note = " ".join(f"{s}:{n}" for s, n in sorted(counts.items()))
            bar.update(task, advance=1, note=note)

        try:
            if scheduler:
                run_dask(todo, store, scheduler, job_time_limit_s, on_record)
            else:
                run_local(todo, store, workers or default_workers(), job_time_limit_s, on_record)
        except KeyboardInterrupt:  # finished jobs are on disk; a rerun resumes
            interrupted = True
    table = store.write_tables()
    return BatchReport(
        store=store.root,
        n_jobs=len(jobs),
        n_skipped=len(jobs) - len(todo),
        n_run=sum(counts.values()),
        wall_s=time.perf_counter() - t0,
        status_counts=dict(counts),
        table=table,
        interrupted=interrupted,
    )


def _jobs_of(inputs: list[str] | list[Job]) -> list[Job]:
    """Prepared jobs as they are; otherwise the command-line inputs expanded into jobs."""
    prepared = [i for i in inputs if isinstance(i, Job)]
    if len(prepared) == len(inputs):
        return prepared
    return expand_inputs([str(i) for i in inputs])


def _progress_bar(console: Console, progress: bool) -> Progress:
    return Progress(
        TextColumn("[bold]batch[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not progress,
        transient=False,
    )


def print_summary(console: Console, report: BatchReport) -> None:
    """The end-of-run summary: counts by status, failures with their errors, timings."""
    from rich.table import Table

    console.print(
        f"{report.n_jobs} job(s): {report.n_run} run, {report.n_skipped} already "
        f"finished (skipped); wall time {report.wall_s:.1f} s"
    )
    if report.interrupted:
        console.print(
            "[yellow]interrupted[/]: finished jobs are saved; run the same command again to resume"
        )
    tab = Table(title="status of every job in the store", title_justify="left")
    tab.add_column("status")
    tab.add_column("jobs", justify="right")
    df = report.table
    if len(df):
        for status, n in df["status"].value_counts().sort_index().items():
            tab.add_row(str(status), str(n))
        console.print(tab)
        bad = df[~df["status"].isin(["optimal", "feasible"])]
        for _, row in bad.head(20).iterrows():
            first = str(row.get("error") or "").splitlines()[:3]
            console.print(
                f"[yellow]{escape(str(row['scenario_id']))}[/]: {row['status']}"
                + (f": {escape(' / '.join(first))}" if first else "")
            )
        if len(bad) > 20:
            console.print(f"... and {len(bad) - 20} more (see manifest.csv)")
        if "job_wall_s" in df and df["job_wall_s"].notna().any():
            console.print(
                f"job wall time: median {df['job_wall_s'].median():.2f} s, "
                f"max {df['job_wall_s'].max():.2f} s; peak memory per job: max "
                f"{df['peak_rss_mib'].max():.0f} MiB"
            )
    console.print(
        f"results: {report.store}/results.parquet, per-job folders in {report.store}/jobs/"
    )

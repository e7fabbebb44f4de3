"""Batch runs: scenario files, a local process pool or a Dask cluster, a results store.

    from plantopt.batch import run_batch, collect
    report = run_batch(["scenarios/prices.yaml"], "runs/prices", workers=2)
    df = collect("runs/prices")     # one tidy row per scenario

See ``docs/batch.md`` for the scenario file format and the store layout.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from plantopt.batch.fields import Override, ScenarioError, apply_overrides
from plantopt.batch.run import BatchReport, default_workers, print_summary, run_batch
from plantopt.batch.scenarios import Job, expand_inputs, jobs_from_scenario_file
from plantopt.batch.store import Store


def collect(store: str | Path) -> pd.DataFrame:
    """The tidy table of a store (one row per job), rebuilt from the job records."""
    root = Path(store)
    if not (root / "manifest").is_dir():
        raise FileNotFoundError(f"{root} is not a batch store (no manifest/ folder)")
    return Store(root).write_tables()


__all__ = ["BatchReport", "Job", "Override", "ScenarioError", "Store", "apply_overrides",
           "collect", "default_workers", "expand_inputs", "jobs_from_scenario_file",
           "print_summary", "run_batch"]

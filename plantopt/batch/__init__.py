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


def collect(store: str | Path, readable: bool = True) -> pd.DataFrame:
    """The tidy table of a store (one row per job), rebuilt from the job records.

    Metrics per job: status, objective, NPV, IRR, payback year, gross capex, annual profit,
    recovery, ``all_targets_met`` (no target violated and none met only by refusing every
    feed it covers), ``units_built`` (``unit:option[@period]; ...``), timings and memory.
    With ``readable`` the parameter columns are named in words (``gate fee (EUR/t), feeds
    feed_class=ev_nmc``) instead of by their field (``p:feeds[feed_class=ev_nmc].
    gate_fee_eur_per_t``, as in ``STORE/results.parquet``).
    """
    from plantopt.batch.fields import readable_param

    root = Path(store)
    if not (root / "manifest").is_dir():
        raise FileNotFoundError(f"{root} is not a batch store (no manifest/ folder)")
    df = Store(root).write_tables()
    if not readable:
        return df
    names: dict[str, str] = {}
    for col in df.columns:  # a parameter named like a metric (objective) says so
        name = readable_param(col)
        names[col] = f"{name} (parameter)" if name != col and name in df.columns else name
    return df.rename(columns=names)


__all__ = [
    "BatchReport",
    "Job",
    "Override",
    "ScenarioError",
    "Store",
    "apply_overrides",
    "collect",
    "default_workers",
    "expand_inputs",
    "jobs_from_scenario_file",
    "print_summary",
    "run_batch",
]

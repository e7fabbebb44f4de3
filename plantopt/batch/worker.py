"""Run one job: load, apply overrides, solve with one HiGHS thread, summarise.

:func:`execute_job` never raises for a job's own failure: bad input becomes status
``bad_input`` with the validation message, any other exception ``internal_error`` with its
text. The outcome carries the result tables so that it can be written wherever the store is
(by a local worker directly, or by the Dask client).

Per-job peak memory is the worker process's peak resident set size during the job: on Linux
the peak (VmHWM) is reset through ``/proc/self/clear_refs`` before the job and read from
``/proc/self/status`` after it; elsewhere ``resource.getrusage`` gives the process's peak
so far (an upper bound).

Test-only hooks (environment): ``PLANTOPT_TEST_JOB_SLEEP_S`` sleeps that long in every job;
``PLANTOPT_TEST_HANG_JOB`` (an fnmatch pattern of job ids) makes matching jobs sleep for an
hour, to exercise the hard per-job wall-clock limit; ``PLANTOPT_TEST_DIE_AFTER_SAVE`` (a
pattern) kills a local worker right after it saved a matching job, before it reports it.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import resource
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from plantopt.batch.scenarios import Job
from plantopt.instance.targets import NOT_APPLICABLE

#: Modules a job needs, imported by each worker process after it starts and before it takes
#: a job (:func:`warm_up`): the first job of a fresh worker otherwise paid these lazy imports
#: (over 1 s under load), which could exceed a short job time limit. Imported in the worker,
#: not in the forkserver, so that no library starts threads in a process that forks.
WORKER_PRELOAD = (
    "plantopt.batch.store",
    "plantopt.batch.fields",
    "plantopt.routetree.tree",
    "plantopt.instance.checks",
    "plantopt.instance.checks_levers",
    "plantopt.instance.checks_periods",
    "plantopt.instance.checks_regulation",
    "plantopt.solver.highs",
    "plantopt.results.tables",
    "pyarrow.parquet",
)


#: First threshold of the cyclic garbage collector in a worker (Python's default is 700):
#: a job allocates and frees many containers (pandas frames, dicts), and at 700 the
#: collector ran ~6 times per generated S job; with every import frozen (:func:`warm_up`)
#: and this threshold it runs about once per 30 jobs. Measured 2026-12-02 (30 S jobs in one
#: process): collector time 13-15 ms per job at the defaults, 0.6 ms frozen with 20,000.
GC_THRESHOLD0 = 20_000


def warm_up() -> None:
    """Import :data:`WORKER_PRELOAD` (names that do not exist are skipped), turn on the
    per-process table cache (:mod:`plantopt.instance.table_cache`: the folders of a batch
    mostly hold the same files, read and checked once per worker), then freeze the objects
    alive (modules, classes, caches) out of the garbage collector's reach and raise its
    first threshold (:data:`GC_THRESHOLD0`).

    Frozen objects are never scanned again (``gc.freeze``): a full collection in a worker
    otherwise walked every imported module's objects (~150 ms, once per ~15 jobs). Objects
    a job creates are collected as before (cycles later, refcounts at once).
    """
    import gc
    import importlib

    for name in WORKER_PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from plantopt.instance import table_cache

    table_cache.enable()
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD0, gen1, gen2)


#: Scenario fields that change solve options only, not the instance.
NON_INSTANCE_FIELDS = frozenset({"objective", "time_limit", "gap", "seed", "tie_break"})

#: Batch statuses beyond the solver's (optimal, feasible, infeasible, unbounded,
#: time_limit_no_solution, error).
BAD_INPUT, INTERNAL_ERROR, JOB_TIMEOUT, CRASHED = (
    "bad_input",
    "internal_error",
    "job_timeout",
    "crashed",
)
#: Statuses a rerun does not repeat (the outcome would be the same).
FINAL_STATUSES = frozenset(
    {"optimal", "feasible", "infeasible", "unbounded", "time_limit_no_solution", "error", BAD_INPUT}
)


@dataclass
class Outcome:
    """What a job produced: its manifest record, and tables + summary when solved."""

    record: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict[str, Any] | None = None
    instance: Any = None  # the instance solved (base + overrides), written with the result


def _reset_peak_rss() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def peak_rss_mib() -> float:
    """Peak resident set size of this process since the last reset, MiB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / (1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0)


TEST_HOOK_VARS = (
    "PLANTOPT_TEST_HANG_JOB",
    "PLANTOPT_TEST_JOB_SLEEP_S",
    "PLANTOPT_TEST_DIE_AFTER_SAVE",
)


def hooks_from_env() -> dict[str, str]:
    """The test-only hook variables set in this (the batch's parent) process.

    Read in the parent and passed with each job, because a pool's worker processes may have
    been started before a test set them.
    """
    return {k: os.environ[k] for k in TEST_HOOK_VARS if os.environ.get(k)}


def _cpu_s() -> float:
    """User + system CPU seconds of this process so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _test_hooks(job_id: str, hooks: dict[str, str]) -> None:
    hang = hooks.get("PLANTOPT_TEST_HANG_JOB")
    if hang and fnmatch.fnmatch(job_id, hang):
        time.sleep(3600)
    delay = float(hooks.get("PLANTOPT_TEST_JOB_SLEEP_S", "0") or 0)
    if delay > 0:
        time.sleep(delay)


def dies_after_save(job_id: str, hooks: dict[str, str]) -> bool:
    """Test hook: whether a local worker is to die right after saving this job."""
    pattern = hooks.get("PLANTOPT_TEST_DIE_AFTER_SAVE")
    return bool(pattern) and fnmatch.fnmatch(job_id, pattern or "")


def base_record(job: Job) -> dict[str, Any]:
    return {
        "scenario_id": job.job_id,
        "instance_path": job.instance_path,
        "params": job.params,
        "job": job.to_json(),
        "status": None,
        "error": "",
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def summary_metrics(tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> dict[str, Any]:
    """Key metrics of a solved job: objective, profit, capex, recovery per material."""
    out: dict[str, Any] = {
        k: summary.get(k)
        for k in (
            "objective_name",
            "objective",
            "bound",
            "gap",
            "profit_eur_per_yr",
            "capex_eur",
            "critical_recovered_t_per_yr",
            "weighted_recovery_t_per_yr",
            "mass_balance_max_relative_error",
        )
    }
    out.update(case_metrics(tables, summary))
    rec = tables.get("recovery")
    if rec is not None and len(rec):
        mats = rec["material"].tolist()
        out["recovery_frac"] = dict(zip(mats, map(float, rec["recovery_frac"].tolist())))
        out["recovered_t_per_yr"] = dict(zip(mats, map(float, rec["recovered_t_per_yr"].tolist())))
    return out


def case_metrics(tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> dict[str, Any]:
    """NPV, IRR, payback, gross capex, units built, and whether every target in force is met.

    ``all_targets_met`` is true when no target is violated in any period and none is met
    only because every feed it covers is refused (``targets_met_by_refusing_feeds`` counts
    those); None when no target is in force.
    """
    case = summary.get("business_case") or {}
    out: dict[str, Any] = {
        k: case.get(k) for k in ("npv_eur", "irr", "payback_year", "capex_gross_eur")
    }
    built = tables.get("built_units")
    if built is not None:
        periods = built["period"].tolist() if "period" in built.columns else None
        keys = [
            f"{u}:{j}" + ("" if periods is None else f"@{periods[i]}")
            for i, (u, j) in enumerate(zip(built["unit_id"].tolist(), built["option_id"].tolist()))
        ]
        out["units_built"] = "; ".join(keys)
    comp = tables.get("compliance")
    if comp is not None and len(comp):
        status = [s for s in comp["status"].tolist() if s != "no covered feed in instance"]
        refused, violated = status.count(NOT_APPLICABLE), status.count("violated")
        out["targets_violated"] = violated
        out["targets_met_by_refusing_feeds"] = refused
        out["all_targets_met"] = bool(violated == 0 and refused == 0) if status else None
    return out


def _folder_stamp(path: str) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of a folder's files (cache key)."""
    try:
        return tuple(
            sorted(
                (e.name, e.stat().st_size, e.stat().st_mtime_ns)
                for e in os.scandir(path)
                if e.is_file()
            )
        )
    except OSError:
        return ()


@functools.lru_cache(maxsize=8)
def _load_base(path: str, stamp: tuple, validate: bool) -> Any:
    """The base instance, read once per worker process while its files are unchanged.

    Without validation when the job overrides instance fields: the overridden instance is
    rebuilt and fully checked by :func:`plantopt.instance_from_tables` anyway.
    """
    from plantopt.instance.loader import load_instance

    return load_instance(path, validate=validate)


def execute_job(
    job: Job, solver_time_limit_s: float | None = None, hooks: dict[str, str] | None = None
) -> Outcome:
    """Solve one job with HiGHS threads = 1; ``solver_time_limit_s`` is a default limit."""
    from plantopt.api import solve
    from plantopt.batch.fields import apply_overrides
    from plantopt.instance.errors import InstanceError, PlantoptError
    from plantopt.instance.string_storage import use_python_strings

    use_python_strings()  # a worker is plantopt's own process
    record = base_record(job)
    _reset_peak_rss()
    t0 = time.time()
    record["started_at"] = t0
    cpu0 = _cpu_s()
    tables: dict[str, pd.DataFrame] = {}
    summary = solved = None
    try:
        _test_hooks(job.job_id, hooks or {})
        inst = _load_base(
            job.instance_path,
            _folder_stamp(job.instance_path),
            validate=not any(o.field not in NON_INSTANCE_FIELDS for o in job.overrides),
        )
        inst, kwargs = apply_overrides(inst, job.overrides)
        objective = kwargs.pop("objective", None)
        kwargs.setdefault("time_limit_s", solver_time_limit_s)
        res = solve(inst, objective=objective, threads=1, **kwargs)
        tables, summary, solved = res.tables, res.summary, res.instance
        record["status"] = res.status.value
        record["message"] = res.message
        record["timings_s"] = dict(res.timings_s)
        record.update(summary_metrics(tables, summary))
    except InstanceError as exc:
        record["status"], record["error"] = BAD_INPUT, str(exc)
    except (PlantoptError, FileNotFoundError) as exc:
        record["status"], record["error"] = BAD_INPUT, f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a bug: record it, keep the batch going
        record["status"], record["error"] = INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"
    record["finished_at"] = time.time()
    record["wall_s"] = record["finished_at"] - t0
    record["cpu_s"] = _cpu_s() - cpu0
    record["peak_rss_mib"] = peak_rss_mib()
    return Outcome(record, tables, summary, solved)

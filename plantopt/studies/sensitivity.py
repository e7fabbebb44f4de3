"""Tornado sensitivity: re-solve with each uncertain input group at its low and high value.

For every input group g (:mod:`plantopt.studies.sensitivity_groups`) the instance is solved
with g at its low end and at its high end, all else nominal, on the batch worker pool
(:func:`plantopt.batch.run_batch`; one HiGHS thread per job, results in ``<out>/runs``).
With objective values z_lo(g), z_hi(g) and the base z_0, the swing of g is

    swing(g) = |z_hi(g) - z_lo(g)|,

groups are ranked by swing (largest first; a side without a solution ranks the group first
and its swing is empty). The plan of a solve is the set of built (unit, option) pairs and the
set of accepted feeds (accepted > ``ACCEPT_TOL_T`` t/yr); ``plan_changes`` says whether the
low or the high plan differs from the base plan, and how.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from plantopt.batch.fields import Override
from plantopt.batch.scenarios import Job, safe_id
from plantopt.instance.errors import PlantoptError
from plantopt.instance.instance import Instance
from plantopt.studies.sensitivity_groups import KINDS, InputGroup, input_groups

ACCEPT_TOL_T = 1e-3
SOLVED = ("optimal", "feasible")
#: Solve options of every tornado job: no lexicographic tie-break re-solve (the objective
#: value is what is ranked), the default relative MIP gap.
JOB_OPTIONS = (("tie_break", False),)


@dataclass
class Tornado:
    """The ranked table, the base objective and what was run (``out``: the study's folder,
    which ``plantopt report`` reads)."""

    table: pd.DataFrame
    objective_name: str
    base_objective: float | None
    n_jobs: int
    wall_s: float
    runs: Path
    currency: str = "EUR"
    npv_rate_basis: str = ""  # "8.0 % real": the discount rate and basis of the NPVs

    @property
    def out(self) -> Path:
        return self.runs.parent

    def figure(self) -> Any:
        """The tornado as a matplotlib figure (the one in ``tornado.png``)."""
        from plantopt.studies.tornado_plot import tornado_figure

        return tornado_figure(
            self.table, self.objective_name, self.base_objective, self.currency, self.npv_rate_basis
        )


def _jobs(path: str, groups: list[InputGroup], objective: str) -> list[Job]:
    common = (
        Override("objective", "set", objective),
        *(Override(k, "set", v) for k, v in JOB_OPTIONS),
    )
    jobs = [Job("base", path, common)]
    for n, g in enumerate(groups):
        for side, ovs in (("low", g.low), ("high", g.high)):
            jobs.append(Job(safe_id(f"g{n:03d}-{g.kind}-{g.target}-{side}"), path, common + ovs))
    return jobs


def _plan(job_dir: Path) -> tuple[frozenset[str], frozenset[str]] | None:
    try:
        built = pd.read_parquet(job_dir / "built_units.parquet")
        intake = pd.read_parquet(job_dir / "feed_intake.parquet")
    except (FileNotFoundError, OSError):
        return None
    units = frozenset(f"{u}:{o}" for u, o in zip(built["unit_id"], built["option_id"]))
    feeds = frozenset(intake.loc[intake["accepted_t_per_yr"] > ACCEPT_TOL_T, "feed_id"])
    return units, feeds


def _diff(
    plan: tuple[frozenset[str], frozenset[str]] | None,
    base: tuple[frozenset[str], frozenset[str]] | None,
) -> str:
    if plan is None or base is None:
        return "no solution"
    parts = []
    for what, new, old in (("units", plan[0], base[0]), ("feeds", plan[1], base[1])):
        parts += [f"+{what[:-1]} {x}" for x in sorted(new - old)]
        parts += [f"-{what[:-1]} {x}" for x in sorted(old - new)]
    return "; ".join(parts)


def _side(
    records: dict[str, dict[str, Any]], runs: Path, job_id: str, base_plan: Any
) -> tuple[float | None, str, str]:
    rec = records.get(job_id, {})
    status = str(rec.get("status"))
    obj = rec.get("objective") if status in SOLVED else None
    diff = (
        _diff(_plan(runs / "jobs" / job_id), base_plan)
        if status in SOLVED
        else f"no solution ({status})"
    )
    return (None if obj is None else float(obj)), status, diff


def tornado_table(groups: list[InputGroup], jobs: list[Job], runs: Path) -> pd.DataFrame:
    """One row per group: objective at low/high, swing, plan changes; ranked by swing."""
    from plantopt.batch.store import Store

    records = Store(runs).read_records()
    base_plan = _plan(runs / "jobs" / "base")
    base_obj = records.get("base", {}).get("objective")
    rows = []
    for n, g in enumerate(groups):
        lo = _side(records, runs, jobs[1 + 2 * n].job_id, base_plan)
        hi = _side(records, runs, jobs[2 + 2 * n].job_id, base_plan)
        swing = (
            round(abs(hi[0] - lo[0]), 2) if lo[0] is not None and hi[0] is not None else None
        )  # cents: solver noise below that is no swing
        rows.append(
            {
                "group_id": g.group_id,
                "kind": g.kind,
                "target": g.target,
                "low_value": g.low_label,
                "high_value": g.high_label,
                "objective_base": base_obj,
                "objective_low": lo[0],
                "objective_high": hi[0],
                "swing": swing,
                "status_low": lo[1],
                "status_high": hi[1],
                "plan_changes": bool(lo[2] or hi[2]),
                "plan_change_low": lo[2],
                "plan_change_high": hi[2],
            }
        )
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    unsolved = df["swing"].isna()
    df = pd.concat(
        [df[unsolved], df[~unsolved].sort_values("swing", ascending=False, kind="stable")]
    )
    df.insert(0, "rank", range(1, len(df) + 1))
    return df.reset_index(drop=True)


def run_sensitivity(
    path: str | Path,
    out: str | Path,
    objective: str = "npv",
    kinds: tuple[str, ...] = KINDS,
    workers: int | None = None,
    progress: bool = True,
) -> Tornado:
    """Solve base + low/high of every group on the worker pool; write the table and PNG.

    ``out`` receives ``sensitivity.parquet``, ``tornado.png``, the base solve's result tables
    and ``summary.json`` (so ``plantopt report <out>`` works) and the batch store ``runs/``.
    """
    from plantopt.batch import run_batch
    from plantopt.instance.loader import load_instance

    t0 = time.perf_counter()
    inst = load_instance(str(path))
    groups = input_groups(inst.tables, kinds)
    if not groups:
        raise PlantoptError(
            f"{inst.path}: no uncertain input group of kind {', '.join(kinds)}: expected "
            "low/high values in feeds.csv (available_t_per_yr_low/_high, "
            "gate_fee_eur_per_t_low/_high), product_prices.csv (price_eur_per_t_low/_high), "
            "capacity_options.csv (capex_eur_low/_high) or transfer_coefficients.csv "
            "(tc_frac_low/_high) that differ from the nominal values"
        )
    out = Path(out)
    runs = out / "runs"
    if runs.exists():  # a new study: stale jobs of another instance must not be reused
        shutil.rmtree(runs)
    assert inst.path is not None  # loaded from a folder
    jobs = _jobs(str(Path(inst.path).resolve()), groups, objective)
    run_batch(jobs, runs, workers=workers, progress=progress)
    table = tornado_table(groups, jobs, runs)
    base = runs / "jobs" / "base"
    if base.is_dir():
        for f in base.iterdir():
            if f.is_file() and f.name != "job.json":
                shutil.copy2(f, out / f.name)
    base_obj = table["objective_base"].iloc[0] if len(table) else None
    currency = inst.manifest.currency or "EUR"
    basis = _rate_basis(out / "summary.json") if objective == "npv" else ""
    write_outputs(out, table, objective, base_obj, currency, basis)
    return Tornado(
        table, objective, base_obj, len(jobs), time.perf_counter() - t0, runs, currency, basis
    )


def _rate_basis(summary_json: Path) -> str:
    """'8.0 % real' from the base solve's business case ("" without one)."""
    from plantopt.results.numfmt import case_rate_basis

    try:
        return case_rate_basis(json.loads(summary_json.read_text()).get("business_case"))
    except (OSError, ValueError):
        return ""


def sensitivity(
    instance: Instance | str | Path | None = None,
    out: str | Path | None = None,
    objective: str = "npv",
    kinds: tuple[str, ...] | list[str] = KINDS,
    workers: int | None = None,
    progress: bool = False,
) -> Tornado:
    """Tornado sensitivity from Python, as ``plantopt sensitivity``.

    ``instance``: an :class:`~plantopt.instance.instance.Instance` (e.g. with levers or
    requirements applied by :func:`plantopt.business.setup.with_setup`; it is written to
    ``out/instance`` and the study runs on that copy), an instance folder, or None for the
    packaged default. Each uncertain input group g (the low/high columns of the instance)
    is solved at its low and at its high end, all else nominal; ``table`` ranks the groups
    by swing(g) = |z_hi(g) - z_lo(g)| of ``objective`` (npv, profit or recovery) and says
    whether the plan changes. ``out`` (default: a new temporary folder) receives
    ``sensitivity.parquet``, ``tornado.png``, the base solve's tables and the batch store
    ``runs/``. ``progress`` shows the batch's progress bar.
    """
    import tempfile

    from plantopt.instance.loader import packaged_instance_path
    from plantopt.model.matrix_form import OBJECTIVES

    kinds = tuple(kinds)
    bad = [k for k in kinds if k not in KINDS]
    if objective not in OBJECTIVES or bad or not kinds:
        raise ValueError(
            f"objective must be one of {', '.join(OBJECTIVES)} and kinds some of "
            f"{', '.join(KINDS)} (got {objective!r}, {kinds!r})"
        )
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="plantopt-tornado-"))
    if isinstance(instance, Instance):
        from plantopt.instance.writer import write_instance

        path: str | Path = write_instance(instance, folder / "instance", float_format=None)
    else:
        path = instance if instance is not None else packaged_instance_path()
    return run_sensitivity(path, folder, objective, kinds, workers, progress)


def write_outputs(
    out: Path,
    table: pd.DataFrame,
    objective: str,
    base_objective: float | None,
    currency: str = "EUR",
    npv_rate_basis: str = "",
) -> None:
    """``sensitivity.parquet``, ``sensitivity.json`` (settings) and ``tornado.png`` (money in
    ``currency``, the manifest's; an NPV at ``npv_rate_basis``, e.g. '8.0 % real')."""
    from plantopt.batch.store import atomic_write_table
    from plantopt.studies.tornado_plot import plot_tornado

    out.mkdir(parents=True, exist_ok=True)
    atomic_write_table(table, out / "sensitivity.parquet")
    (out / "sensitivity.json").write_text(
        json.dumps(
            {
                "objective_name": objective,
                "objective_base": base_objective,
                "n_groups": int(len(table)),
                "currency": currency,
                "npv_rate_basis": npv_rate_basis,
            },
            indent=2,
        )
    )
    (out / "tornado.png").write_bytes(
        plot_tornado(table, objective, base_objective, currency, npv_rate_basis)
    )

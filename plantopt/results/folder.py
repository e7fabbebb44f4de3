"""A result folder holds exactly what was solved, so that any command can take any result.

Layout (written atomically by :func:`plantopt.results.write_result_dir`)::

    summary.json        status, objective, timings, instance name/path/content hash, ...
    <table>.parquet     one file per result table (0..n index)
    instance/           the instance that was solved (levers, floors, requirements applied):
                        instance.yaml + one CSV per table, floats in their shortest exact
                        form, so that it loads with the content hash recorded in the summary
    job.json            (batch jobs) the base instance path and the overrides of the job;
                        instance/ is then the base with the overrides applied

:func:`solved_instance` finds the instance of a folder, in this order: an explicit path, the
folder's ``instance/`` copy, the path recorded in ``summary.json`` (result folders written
before the copy existed). Whatever is found must have the recorded content hash.
:meth:`plantopt.results.tables.Result.load` reads a folder back into a result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from plantopt.instance.errors import PlantoptError
from plantopt.instance.instance import Instance

SOLVED_INSTANCE_DIR = "instance"

#: Id columns of each result table (``period`` is prepended when a table has it).
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "feed_intake": ("feed_id",),
    "unit_throughput": ("unit_id",),
    "built_units": ("unit_id", "option_id"),
    "products": ("product_id", "material"),
    "losses": ("kind", "sink_id", "material"),
    "recovery": ("material",),
    "mass_balance": ("material",),
    "economics": ("item",),
    "flows": ("node",),
    "revenue_by_product": ("product_id",),
    "cost_by_category": ("category",),
    "offtake_contracts": ("contract_id",),
    "compliance": ("target_id",),
    "collection": ("feed_id", "step_id"),
    "periods": ("period",),
}


class ResultFolderError(PlantoptError):
    """A result folder cannot be read (missing files, instance not found or changed)."""


def indexed_by_ids(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` indexed by its id columns (unnamed index; the columns are kept).

    Tables without known ids, or whose ids are not unique, keep their 0..n index.
    """
    keys = [c for c in ID_COLUMNS.get(name, ()) if c in df.columns]
    if not keys:
        return df
    if "period" in df.columns and "period" not in keys:
        keys = ["period", *keys]
    if len(keys) == 1:
        index = pd.Index(df[keys[0]].to_numpy(), name=None)
    else:
        index = pd.MultiIndex.from_frame(df[keys], names=[None] * len(keys))
    if not index.is_unique:
        return df
    out = df.copy()
    out.index = index
    return out


def write_solved_instance(instance: Instance, folder: Path) -> Path:
    """Write ``instance`` so that it loads back with the same content hash."""
    from plantopt.instance.writer import write_instance

    return write_instance(instance, folder, float_format=None)


def read_summary(folder: str | Path) -> dict[str, Any]:
    folder = Path(folder)
    path = folder / "summary.json"
    if not path.is_file():
        raise ResultFolderError(
            f"{folder}: no summary.json (expected a result folder of plantopt solve, "
            "breakeven, a Pareto point (PARETO_DIR/points/<k>) or a batch job "
            "(STORE/jobs/<scenario_id>))"
        )
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ResultFolderError(f"{path}: not valid JSON ({exc})") from None


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every ``*.parquet`` table of a result folder by name."""
    return {p.stem: pd.read_parquet(p) for p in sorted(Path(folder).glob("*.parquet"))}


def _recorded_path(folder: Path, summary: dict[str, Any]) -> Path | None:
    recorded = (summary.get("instance") or {}).get("path") or ""
    if not recorded:
        return None
    return next((p for p in (Path(recorded), folder.parent / recorded) if p.is_dir()), None)


def solved_instance(
    folder: str | Path,
    summary: dict[str, Any] | None = None,
    instance_path: str | Path | None = None,
    check_hash: bool = True,
) -> Instance:
    """The instance a result folder was solved on (see the module docstring for the order).

    Raises :class:`ResultFolderError` when none is found or its content hash differs from
    the one in ``summary.json``.
    """
    from plantopt.instance.loader import load_instance

    folder = Path(folder)
    summary = read_summary(folder) if summary is None else summary
    inst: Instance | None = None
    where = ""
    if instance_path is not None:
        inst, where = load_instance(instance_path), str(instance_path)
    elif (folder / SOLVED_INSTANCE_DIR / "instance.yaml").is_file():
        where = str(folder / SOLVED_INSTANCE_DIR)
        inst = load_instance(folder / SOLVED_INSTANCE_DIR)
    elif (path := _recorded_path(folder, summary)) is not None:
        inst, where = load_instance(path), str(path)
    if inst is None:
        raise ResultFolderError(
            f"{folder}: no instance/ copy and the recorded instance folder "
            f"{(summary.get('instance') or {}).get('path')!r} is not found (from the working "
            "directory or the result's parent); pass --instance"
        )
    recorded = summary.get("instance") or {}
    expected, scheme = recorded.get("hash"), recorded.get("hash_scheme")
    if check_hash and expected:
        try:
            same = inst.hash_matches(expected, scheme)
        except (TypeError, ValueError) as exc:
            raise ResultFolderError(
                f"{folder}: summary.json: instance.hash_scheme: {exc}"
            ) from None
        if not same:
            now = inst.content_hash(1 if scheme is None else int(scheme))
            raise ResultFolderError(
                f"{folder}: the instance at {where} has changed since the result was solved "
                f"(content hash {now[:12]}..., result has {expected[:12]}...); "
                "re-solve, or pass --instance with the instance used"
            )
    return inst


__all__ = [
    "ID_COLUMNS",
    "SOLVED_INSTANCE_DIR",
    "ResultFolderError",
    "indexed_by_ids",
    "read_summary",
    "read_tables",
    "solved_instance",
    "write_solved_instance",
]

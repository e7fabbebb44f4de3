"""The EU targets table: loading (checked cell by cell), and the targets in force in a year.

The table ``plantopt/data/targets/eu_targets.csv`` holds one row per legal target and
deadline, with its legal reference. A target is identified by (kind, reg_class, material);
several rows of one target differ by ``year`` (the deadline's year).

Targets in force in year Y: for every target, the row with the largest ``year <= Y`` (the
latest deadline already reached wins; a figure without a later row stays in force, e.g. the
nickel-cadmium 80 % of 2025). The year comes from ``--target-year`` (CLI) or the manifest
field ``target_year``; with neither, no targets are in force. ``apply_targets: false`` (CLI
``--no-targets``) keeps the targets for the compliance report but does not enforce them.

Kinds and their ratios (all linear in the model's flows, see :mod:`plantopt.regulation.terms`):

* ``recycling_efficiency`` (Annex XII Part B): mass of output fractions that count as
  recycled / mass of waste batteries of that type entering;
* ``material_recovery`` (Annex XII Part C): element k in product fractions where k counts as
  recovered / element k in the waste batteries entering (all battery types, ``battery:*``);
* ``collection_rate`` (Battery Regulation Art. 59 portable, Art. 69 LMT): tonnes collected
  (accepted) of the feeds with ``collection_class`` <class> (selector ``collection:<class>``)
  / tonnes placed on the market;
* ``weee_recovery`` (Directive 2012/19/EU Annex V): recycled + energy-recovered mass / mass of
  the category entering; ``weee_recycling``: recycled mass / mass of the category entering.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from plantopt.instance.csv_cells import read_csv_cells
from plantopt.instance.errors import InstanceError, ProblemList
from plantopt.instance.loader import coerce_table
from plantopt.instance.schema import Column, Table

KINDS = (
    "recycling_efficiency",
    "material_recovery",
    "weee_recovery",
    "weee_recycling",
    "collection_rate",
)

#: Battery categories of Delegated Regulation (EU) 2025/606 (documentation per category):
#: reg_class -> readable name. Part C (``battery:*``) is computed and reported per category.
BATTERY_CATEGORIES = {
    "battery:lead_acid": "lead-acid",
    "battery:lithium": "lithium-based",
    "battery:nickel_cadmium": "nickel-cadmium",
    "battery:other": "other",
}

#: Last target year in which carbon, phosphorus, sulphur and the like may be left out of the
#: Part B recycling efficiency (Delegated Regulation (EU) 2025/606).
PARTB_EXCLUSION_LAST_YEAR = 2029

#: Status of a target whose covered feeds exist but none is accepted: the plan would meet it
#: only by refusing them, which is not compliance (manifest ``treat_all_collected`` forbids it).
NOT_APPLICABLE = "not applicable — no covered feed accepted"

TARGETS_TABLE = Table(
    "targets",
    "eu_targets.csv",
    "Regulatory targets with their legal reference, one row per target and deadline.",
    (
        Column("target_id", "str", "Row id.", required=True),
        Column("version", "str", "Version of the table the row belongs to.", required=True),
        Column("kind", "str", "Kind of ratio.", required=True, choices=KINDS),
        Column(
            "reg_class",
            "str",
            "Feeds covered: a reg_class of feeds.csv, or a prefix wildcard such as battery:*.",
            required=True,
        ),
        Column("material", "str", "Element (material_recovery only).", default=""),
        Column(
            "year",
            "int",
            "Year of the deadline; in force for target years >= year.",
            unit="yr",
            required=True,
            lo=2000.0,
            hi=2100.0,
        ),
        Column("deadline", "str", "Date by which the target must be met.", default=""),
        Column(
            "required_frac",
            "float",
            "Least value of the ratio.",
            unit="t/t",
            required=True,
            lo=0.0,
            hi=1.0,
        ),
        Column("label", "str", "Readable name of the target.", required=True),
        Column("legal_reference", "str", "Legal act, annex and part.", required=True),
    ),
    key=("target_id",),
)


class TargetRow(NamedTuple):
    """One row of a targets table as plain Python values, fields in the column order."""

    target_id: str
    version: str
    kind: str
    reg_class: str
    material: str
    year: int
    deadline: str
    required_frac: float
    label: str
    legal_reference: str


assert TargetRow._fields == tuple(TARGETS_TABLE.column_names)


def default_targets_path() -> Path:
    """The targets table shipped with plantopt (``plantopt/data/targets``, next to this
    package: what ``importlib.resources.files("plantopt")`` gives for the installed
    package, without loading its machinery)."""
    return Path(__file__).parent.parent / "data" / "targets" / "eu_targets.csv"


def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check a targets table (default: the shipped EU table).

    Raises :class:`InstanceError` naming file, row and column of every bad cell, and of rows
    whose ``material`` does not fit the ``kind``.
    """
    path = Path(path) if path is not None else default_targets_path()
    problems = ProblemList()
    if not path.is_file():
        problems.error(str(path), "targets table is missing", expected=TARGETS_TABLE.description)
        raise InstanceError(list(problems), str(path))
    raw: Any = read_csv_cells(path)  # a well-formed file: the same cells without pandas
    if raw is None:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        raw.columns = [str(c).strip() for c in raw.columns]
    df = coerce_table(raw, TARGETS_TABLE, problems)
    for i, kind, material in zip(df.index, df["kind"], df["material"]):
        needs = kind == "material_recovery"
        if needs != bool(material):
            problems.error(
                path.name,
                "material must be set for material_recovery rows and only for them",
                row=int(i) + 2,
                column="material",
                found=material,
                expected="an element symbol" if needs else "an empty cell",
            )
    problems.raise_if_errors(str(path))
    return df


def target_key(row: pd.Series) -> tuple[str, str, str]:
    """Identity of a target across deadlines: (kind, reg_class, material)."""
    return (str(row["kind"]), str(row["reg_class"]), str(row["material"]))


def targets_in_force(table: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Rows in force in ``year``: per target the latest row with ``year <= target year``.

    ``year=None`` gives an empty table (no targets). Row order follows the table.
    """
    if year is None or table.empty:
        return table.iloc[0:0].copy()
    return table.iloc[_in_force_positions(target_rows(table), int(year))].reset_index(drop=True)


def target_rows(table: pd.DataFrame) -> tuple[TargetRow, ...]:
    """The rows of a targets table as :data:`TargetRow` tuples of Python values (what
    ``itertuples(index=False)`` gives, without a pandas access per row)."""
    columns = [table[c].tolist() for c in TARGETS_TABLE.column_names]
    return tuple(TargetRow._make(r) for r in zip(*columns))


def _in_force_positions(rows: tuple[TargetRow, ...], year: int) -> list[int]:
    """Positions of the rows in force in ``year``, ascending: per target key the latest row
    with ``year <= target year`` (the last such row in table order among equal years)."""
    eligible = [
        (int(r.year), (str(r.kind), str(r.reg_class), str(r.material)), i)
        for i, r in enumerate(rows)
        if int(r.year) <= year
    ]
    latest: dict[tuple[str, str, str], int] = {}
    for _, key, i in sorted(eligible, key=lambda r: r[0]):  # stable: the last row of a year wins
        latest[key] = i
    return sorted(latest.values())


def rows_in_force(rows: tuple[TargetRow, ...], year: int | None) -> tuple[TargetRow, ...]:
    """:func:`targets_in_force` over the rows of :func:`target_rows`: the same rows, in
    the same order, as tuples."""
    if year is None:
        return ()
    return tuple(rows[i] for i in _in_force_positions(rows, int(year)))


def covers(selector: str, reg_class: str) -> bool:
    """Whether a target's ``reg_class`` selector covers a feed's ``reg_class``.

    ``battery:*`` covers every ``battery:...`` class; otherwise the classes must be equal.
    """
    if not reg_class:
        return False
    if selector.endswith("*"):
        return reg_class.startswith(selector[:-1])
    return selector == reg_class


__all__ = [
    "BATTERY_CATEGORIES",
    "KINDS",
    "NOT_APPLICABLE",
    "PARTB_EXCLUSION_LAST_YEAR",
    "TARGETS_TABLE",
    "covers",
    "default_targets_path",
    "load_targets",
    "rows_in_force",
    "TargetRow",
    "target_key",
    "target_rows",
    "targets_in_force",
]

"""Scenario fields: what an override may change, and applying overrides to an instance.

A field names one of four things:

* a solve option, as on the command line: ``objective``, ``time_limit`` (s), ``gap``
  (relative MIP gap), ``seed``, ``tie_break`` (true/false: the lexicographic second
  solve), and ``target_year`` once the instance format or
  :func:`plantopt.solve` knows it;
* a policy lever: any name of :data:`plantopt.instance.lever_registry.LEVERS`
  (``co2_price: 90``, ``capex_subsidy_for: "hydromet=0.4, shredder=0.2"``,
  ``procurement: "P:Co=5@200"``), applied as ``plantopt solve --co2-price 90`` would;
* a manifest field: any name of :data:`plantopt.instance.schema.MANIFEST` (``budget_eur``,
  ``discount_rate``, ...), optionally written ``manifest.<name>``;
* table cells: ``<table>.<column>`` (every row) or ``<table>[<col>=<value>,...].<column>``
  (the rows whose key columns equal the given text), e.g.
  ``product_prices.price_eur_per_t`` or ``feeds[feed_id=ev_nmc811].available_t_per_yr``.

An override either sets the value (``op="set"``) or multiplies numeric cells by a factor
(``op="scale"``: new = factor * old). The overridden instance is rebuilt with
:func:`plantopt.instance_from_tables`, so every value is checked exactly as if it had been
read from the CSV files, and a bad value is reported like one in a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Any

from plantopt.instance.errors import InstanceError, PlantoptError, Problem
from plantopt.instance.instance import Instance
from plantopt.instance.lever_registry import LEVERS
from plantopt.instance.manifest import Manifest
from plantopt.instance.schema import MANIFEST, TABLES

#: Solve options a scenario may set, mapped to :class:`plantopt.SolveOptions` fields.
SOLVE_OPTIONS = {
    "time_limit": "time_limit_s",
    "gap": "mip_rel_gap",
    "seed": "random_seed",
    "tie_break": "tie_break",
}
_MANIFEST_NAMES = {c.name for c in MANIFEST}
_CELL = re.compile(r"^(?P<table>\w+)(?:\[(?P<filter>[^\]]*)\])?\.(?P<column>\w+)$")


class ScenarioError(PlantoptError):
    """A scenario file or field is malformed."""


@dataclass(frozen=True)
class Override:
    """Set a field to ``value`` or scale its numeric cells by ``value``."""

    field: str
    op: str  # "set" or "scale"
    value: Any

    @property
    def param_name(self) -> str:
        """Column name of this override in the results table."""
        return f"p:{self.field}" + (":scale" if self.op == "scale" else "")


@dataclass(frozen=True)
class FieldRef:
    kind: str  # "option", "lever", "manifest" or "cell"
    name: str  # option / lever / manifest name, or column for cells
    table: str = ""
    where: tuple[tuple[str, str], ...] = ()


def parse_field(field: str) -> FieldRef:
    """Resolve a field name; raise :class:`ScenarioError` naming what is accepted."""
    name = field.strip()
    if name in ("objective", "target_year") or name in SOLVE_OPTIONS:
        return FieldRef("option", name)
    if name in LEVERS:
        return FieldRef("lever", name)
    if name.startswith("manifest."):
        name = name[len("manifest.") :]
        if name not in _MANIFEST_NAMES:
            raise ScenarioError(
                f"unknown manifest field {name!r} in {field!r}; expected one "
                f"of {', '.join(sorted(_MANIFEST_NAMES))}"
            )
        return FieldRef("manifest", name)
    if name in _MANIFEST_NAMES:
        return FieldRef("manifest", name)
    m = _CELL.match(name)
    if m is None:
        raise ScenarioError(
            f"cannot read field {field!r}: expected a solve option "
            f"({', '.join(['objective', 'target_year', *SOLVE_OPTIONS])}), a lever "
            f"({', '.join(LEVERS)}), a manifest field, "
            "or <table>.<column> / <table>[<col>=<value>,...].<column>"
        )
    table = m["table"]
    if table not in TABLES:
        raise ScenarioError(
            f"unknown table {table!r} in field {field!r}; expected one of {', '.join(TABLES)}"
        )
    cols = TABLES[table].column_names
    if m["column"] not in cols:
        raise ScenarioError(
            f"table {table!r} has no column {m['column']!r} (field "
            f"{field!r}); columns: {', '.join(cols)}"
        )
    where: list[tuple[str, str]] = []
    for part in filter(None, (p.strip() for p in (m["filter"] or "").split(","))):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in cols:
            raise ScenarioError(
                f"bad row filter {part!r} in field {field!r}: expected "
                f"<column>=<value> with a column of {table}"
            )
        where.append((key.strip(), value.strip()))
    return FieldRef("cell", m["column"], table, tuple(where))


def readable_param(column: str, currency: str = "EUR") -> str:
    """A parameter column of the results table in words (unchanged if not a parameter):

    ``p:feeds[feed_class=ev_pack_nmc].gate_fee_eur_per_t`` -> ``gate fee (EUR/t), feeds
    feed_class=ev_pack_nmc``; ``p:product_prices.price_eur_per_t:scale`` -> ``price (EUR/t),
    product_prices (scale factor)``; ``p:time_limit`` -> ``time limit (s)``.
    """
    from plantopt.results.numfmt import column_label

    if not column.startswith("p:"):
        return column
    field, scale = column[2:], ""
    if field.endswith(":scale"):
        field, scale = field[: -len(":scale")], " (scale factor)"
    if field in SOLVE_OPTIONS or field in ("objective", "target_year"):
        label = {
            "time_limit": "time limit (s)",
            "gap": "MIP gap",
            "seed": "solver seed",
            "target_year": "target year",
        }.get(field, field)
        return label + scale
    field = field.removeprefix("manifest.")
    m = _CELL.match(field)
    if m is None:
        return column_label(field, currency) + scale
    where = ", ".join(p.strip() for p in (m["filter"] or "").split(",") if p.strip())
    return (
        f"{column_label(m['column'], currency)}, {m['table']}"
        + (f" {where}" if where else "")
        + scale
    )


def check_override(ov: Override) -> None:
    """Static checks (field exists, op fits the field) before any job runs."""
    ref = parse_field(ov.field)
    if ov.op not in ("set", "scale"):
        raise ScenarioError(f"unknown operation {ov.op!r} for {ov.field!r}")
    if ref.kind == "lever":
        _check_lever(ov)
        if LEVERS[ref.name].how == "manifest":  # a scale of a manifest lever scales its field
            ref = FieldRef("manifest", LEVERS[ref.name].field)
        elif ov.op == "scale":
            raise ScenarioError(f"{ov.field!r} is a table lever; it can be set, not scaled")
    if ov.op == "scale":
        if ref.kind == "option":
            raise ScenarioError(f"{ov.field!r} is a solve option; it can be set, not scaled")
        if not isinstance(ov.value, (int, float)) or isinstance(ov.value, bool):
            raise ScenarioError(f"scale factor for {ov.field!r} must be a number, not {ov.value!r}")
        col = (
            TABLES[ref.table].column(ref.name)
            if ref.kind == "cell"
            else next(c for c in MANIFEST if c.name == ref.name)
        )
        if col.dtype not in ("float", "int"):
            raise ScenarioError(f"{ov.field!r} is not numeric ({col.dtype}); it cannot be scaled")


def _check_option(name: str, value: Any) -> None:
    from plantopt.model.matrix_form import OBJECTIVES

    if name == "objective":
        ok, expected = value in OBJECTIVES, "one of " + ", ".join(OBJECTIVES)
    elif name == "seed":
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "an integer"
    elif name == "tie_break":
        ok, expected = isinstance(value, bool), "true or false"
    elif name in SOLVE_OPTIONS:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        expected = "a number >= 0"
    else:
        return
    if not ok:
        raise InstanceError(
            [
                Problem(
                    "scenario",
                    "bad solve option value",
                    column=name,
                    found=repr(value),
                    expected=expected,
                )
            ],
            "scenario",
        )


def _check_lever(ov: Override) -> None:
    """A lever's value reads as its shape (number, true/false, NAME=VALUE pairs,
    contracts)."""
    from plantopt.business.levers import lever_value

    lever = LEVERS[ov.field.strip()]
    if ov.op == "scale":
        return
    if lever.shape == "number" and (
        not isinstance(ov.value, (int, float)) or isinstance(ov.value, bool)
    ):
        raise ScenarioError(f"lever {lever.name!r} takes {lever.expected()}, not {ov.value!r}")
    try:
        value = lever_value(lever, ov.value)
        if lever.shape == "flag" and not isinstance(value, bool):
            raise PlantoptError(f"not true or false: {ov.value!r}")
    except PlantoptError as exc:
        raise ScenarioError(f"lever {lever.name!r}: {exc}; expected {lever.expected()}") from None


@dataclass
class _Edit:
    """What the overrides of one job change, gathered before one rebuild."""

    manifest: Manifest
    tables: dict[str, Any]
    levers: dict[str, Any]
    solve_kwargs: dict[str, Any]
    touched: bool = False
    changed_tables: set[str] = dataclass_field(default_factory=set)


def _apply_option(edit: _Edit, ref: FieldRef, ov: Override) -> None:
    _check_option(ref.name, ov.value)
    if ref.name == "objective":
        edit.solve_kwargs["objective"] = ov.value
    elif ref.name == "target_year":
        edit.manifest = edit.manifest.replace(target_year=ov.value)
        edit.touched = True
    else:
        edit.solve_kwargs[SOLVE_OPTIONS[ref.name]] = ov.value


def _apply_manifest(edit: _Edit, ref: FieldRef, ov: Override) -> None:
    old = getattr(edit.manifest, ref.name)
    new = ov.value if ov.op == "set" else (None if old is None else old * ov.value)
    edit.manifest = edit.manifest.replace(**{ref.name: new})
    edit.touched = True


def _apply_lever(edit: _Edit, ref: FieldRef, ov: Override) -> None:
    from plantopt.business.levers import lever_value

    lever = LEVERS[ref.name]
    if ov.op == "scale":  # check_override allows it for manifest levers only
        _apply_manifest(edit, FieldRef("manifest", lever.field), ov)
    else:
        edit.levers[ref.name] = lever_value(lever, ov.value)


def _apply_cell(edit: _Edit, ref: FieldRef, ov: Override) -> None:
    df = edit.tables[ref.table].copy()
    mask = df.index == df.index
    for key, value in ref.where:
        mask &= df[key].astype(str) == value
    if not mask.any():
        raise InstanceError(
            [
                Problem(
                    TABLES[ref.table].file,
                    f"scenario field {ov.field!r} selects no row",
                    column=ref.where[0][0] if ref.where else ref.name,
                    expected="a filter matching at least one row",
                )
            ],
            "scenario",
        )
    if ov.op == "scale":
        df[ref.name] = df[ref.name].astype(float)
        df.loc[mask, ref.name] = df.loc[mask, ref.name] * float(ov.value)
    else:
        df[ref.name] = df[ref.name].astype(object)
        df.loc[mask, ref.name] = ov.value
    edit.tables[ref.table] = df
    edit.changed_tables.add(ref.table)
    edit.touched = True


_APPLY = {
    "option": _apply_option,
    "manifest": _apply_manifest,
    "lever": _apply_lever,
    "cell": _apply_cell,
}


def apply_overrides(
    instance: Instance, overrides: tuple[Override, ...]
) -> tuple[Instance, dict[str, Any]]:
    """The instance with the overrides applied, and keyword arguments for ``solve``.

    Manifest fields and cells are set first and the instance rebuilt (and checked) once: the
    tables an override changed are checked cell by cell again, the others are taken as
    typed, and every cross-table check runs on the result; lever values are then applied
    by :func:`plantopt.business.levers.apply_levers`. Raises :class:`InstanceError`
    (reported as ``bad_input``) when a row filter selects nothing or an overridden value
    breaks the schema, a lever's bounds or a cross-table check.
    """
    from plantopt.business.levers import LeverOverrides, apply_levers, check_values
    from plantopt.instance.loader import instance_from_tables

    edit = _Edit(instance.manifest, dict(instance.tables), {}, {})
    for ov in overrides:
        ref = parse_field(ov.field)
        _APPLY[ref.kind](edit, ref, ov)
    new = instance
    if edit.touched:  # the tables no override changed are typed and checked already
        unchanged = {n: t for n, t in instance.tables.items() if n not in edit.changed_tables}
        new = replace(
            instance_from_tables(edit.manifest, edit.tables, checked=unchanged),
            path=instance.path,
        )
    if edit.levers:
        levers = LeverOverrides(**edit.levers)
        check_values(levers, "scenario")
        new = apply_levers(new, levers)
    return new, edit.solve_kwargs

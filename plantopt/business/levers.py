"""Lever overrides: a copy of an instance with policy levers set (CLI, break-even, Pareto).

Every lever is declared once in :data:`plantopt.instance.lever_registry.LEVERS` (its name,
the instance field or table it sets and how); :class:`LeverOverrides` takes exactly those
names and :func:`apply_levers` applies each by its ``how``. An override replaces the field in
a copy of the instance, never the input. The levers are listed in ``docs/levers.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd

from plantopt.instance.errors import PlantoptError
from plantopt.instance.instance import Instance
from plantopt.instance.lever_registry import LEVERS, Lever
from plantopt.instance.schema import TABLES

Tables = dict[str, pd.DataFrame]


def _is_unset(value: Any) -> bool:
    return value is None or (isinstance(value, (dict, list, tuple)) and not value)


class LeverOverrides:
    """Lever values to set, by lever name; ``None`` / empty leaves the instance's own value.

    ``LeverOverrides(co2_price=90, capex_subsidy_for={"hydromet": 0.4})``; every keyword is
    a name of :data:`~plantopt.instance.lever_registry.LEVERS`. Unset levers read as None
    (numbers) or empty (pairs, contracts).
    """

    __slots__ = ("_values",)

    def __init__(self, **values: Any) -> None:
        unknown = sorted(set(values) - set(LEVERS))
        if unknown:
            raise TypeError(
                f"unknown lever(s) {', '.join(unknown)}; expected one of {', '.join(LEVERS)}"
            )
        self._values = {k: v for k, v in values.items() if not _is_unset(v)}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in LEVERS:
            raise AttributeError(name)
        shape = LEVERS[name].shape
        empty: Any = None if shape in ("number", "flag") else ({} if shape == "pairs" else [])
        return self._values.get(name, empty)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LeverOverrides) and self._values == other._values

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"LeverOverrides({inner})"

    def items(self) -> list[tuple[str, Any]]:
        """The levers that are set, as (name, value), in registry order."""
        return [(k, self._values[k]) for k in LEVERS if k in self._values]

    def replace(self, **values: Any) -> LeverOverrides:
        """A copy with some levers set (or unset with None)."""
        return LeverOverrides(**{**self._values, **values})

    def is_empty(self) -> bool:
        return not self._values


def parse_pairs(items: list[str] | None, option: str) -> dict[str, float]:
    """``["a=0.3", "b=-5"]`` -> {"a": 0.3, "b": -5.0}; bad items raise a clear error."""
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            if not sep or not key.strip():
                raise ValueError
            out[key.strip()] = float(value)
        except ValueError:
            raise PlantoptError(f"{option} {item!r}: expected NAME=NUMBER") from None
    return out


def parse_procurement(items: list[str] | None) -> list[tuple[str, str, float, float]]:
    """``PRODUCT:MATERIAL=MAX_T[@PREMIUM_EUR_PER_T]`` -> (product, material, max, premium)."""
    out = []
    for item in items or []:
        try:
            head, _, tail = item.partition("=")
            product, material = head.split(":")
            amount, _, premium = tail.partition("@")
            out.append(
                (
                    product.strip(),
                    material.strip(),
                    float(amount),
                    float(premium) if premium else 0.0,
                )
            )
        except ValueError:
            raise PlantoptError(
                f"--procurement {item!r}: expected "
                "PRODUCT:MATERIAL=MAX_T_PER_YR[@PREMIUM_EUR_PER_T]"
            ) from None
    return out


def check_values(levers: LeverOverrides, source: str = "levers") -> None:
    """Every lever value within its bounds, else :class:`InstanceError` naming ``source``
    (the command line, a scenario file), the lever and what was expected."""
    from plantopt.instance.errors import ProblemList

    problems = ProblemList()
    for name, value in levers.items():
        lever = LEVERS[name]
        if lever.shape == "flag":
            if not isinstance(value, bool):
                problems.error(
                    source,
                    f"lever value is not true or false (sets {lever.sets.replace('`', '')})",
                    column=lever.flag if lever.cli else lever.name,
                    found=value,
                    expected=lever.expected(),
                )
            continue
        lo, hi = lever.bounds
        numbers = [value] if lever.shape == "number" else []
        if lever.shape == "pairs":
            numbers = list(value.values())
        for x in numbers:
            bad = not isinstance(x, (int, float)) or isinstance(x, bool)
            bad = bad or (lo is not None and x < lo) or (hi is not None and x > hi)
            if bad:
                problems.error(
                    source,
                    f"lever value out of range (sets {lever.sets.replace('`', '')})",
                    column=lever.flag if lever.cli else lever.name,
                    found=x,
                    expected=lever.expected(),
                )
    problems.raise_if_errors(source)


def apply_levers(instance: Instance, levers: LeverOverrides, validate: bool = True) -> Instance:
    """A copy of ``instance`` with the levers set, each by its registry ``how``.

    With ``validate`` the values are checked against their bounds and the copy like a file
    (bounds, references); bad values raise :class:`~plantopt.instance.errors.InstanceError`.
    Break-even and Pareto loops pass ``validate=False`` after checking their first copy.
    """
    if levers.is_empty():
        return instance
    if validate:
        check_values(levers)
    changes: dict[str, Any] = {}
    tables = dict(instance.tables)
    for name, value in levers.items():
        lever = LEVERS[name]
        if lever.how == "manifest":
            changes[lever.field] = value
        else:
            tables[lever.table] = APPLY[lever.how](tables, lever, value)
    manifest = instance.manifest.replace(**changes)
    if validate:
        from plantopt.instance.loader import instance_from_tables

        checked = instance_from_tables(manifest, tables)
        return replace(checked, path=instance.path, name=instance.name)
    return replace(instance, manifest=manifest, tables=tables)


def _check_names(tables: Tables, lever: Lever, names: Any) -> None:
    """Pairs naming units or stages: each name is a unit_id or a stage of units.csv."""
    if (lever.key, "units or stages") not in lever.refs:
        return
    units = tables["units"]
    for name in names:
        if name not in set(units["unit_id"]) | set(units["stage"]):
            raise PlantoptError(
                f"{lever.flag} {name}: no unit or stage of that name; units: "
                f"{', '.join(units['unit_id'])}; stages: "
                f"{', '.join(sorted(set(units['stage'])))}"
            )


def _upsert(tables: Tables, lever: Lever, values: dict[str, float]) -> pd.DataFrame:
    """One row per name (key = name, column = value), replacing the name's old rows."""
    _check_names(tables, lever, values)
    df = tables[lever.table]
    df = df[~df[lever.key].isin(list(values))]
    new = pd.DataFrame(
        [{lever.key: k, lever.column: v, "source": "lever override"} for k, v in values.items()],
        columns=TABLES[lever.table].column_names,
    )
    return pd.concat([df, new], ignore_index=True) if len(df) else new


def _set_rows(tables: Tables, lever: Lever, values: dict[str, float]) -> pd.DataFrame:
    """Set ``column`` on every row whose ``key`` is named; a name without rows is an error."""
    df = tables[lever.table].copy()
    for name, value in values.items():
        sel = df[lever.key] == name
        if not sel.any():
            known = ", ".join(sorted(set(df[lever.key]))) or "none"
            raise PlantoptError(
                f"{lever.flag} {name}: no row of {TABLES[lever.table].file} has {lever.key} "
                f"{name!r} (known: {known})"
            )
        df.loc[sel, lever.column] = value
    return df


def _shift(tables: Tables, lever: Lever, value: float) -> pd.DataFrame:
    """``column`` + value on every row."""
    df = tables[lever.table].copy()
    df[lever.column] = df[lever.column] + value
    return df


def _scale(tables: Tables, lever: Lever, factors: dict[str, float]) -> pd.DataFrame:
    """``column`` times the name's factor on the rows whose ``key`` is the name."""
    df = tables[lever.table].copy()
    what = lever.key.removesuffix("_id")
    for name, factor in factors.items():
        sel = df[lever.key] == name
        if not sel.any():
            raise PlantoptError(
                f"{lever.name} lever: no {what} {name!r} in {lever.table}; "
                f"{what}s: {', '.join(sorted(set(df[lever.key])))}"
            )
        df.loc[sel, lever.column] = df.loc[sel, lever.column] * factor
    return df


def _contracts(tables: Tables, lever: Lever, items: list[Any]) -> pd.DataFrame:
    """One offtake contract row per (product, material, max t/yr, premium EUR/t)."""
    rows = [
        {
            "contract_id": f"procurement:{p}:{m}",
            "product_id": p,
            "material": m,
            "max_t_per_yr": amount,
            "min_t_per_yr": 0.0,
            "premium_eur_per_t": premium,
            "source": "public procurement lever (--procurement)",
        }
        for p, m, amount, premium in items
    ]
    old = tables[lever.table]
    old = old[~old["contract_id"].isin([r["contract_id"] for r in rows])]
    return pd.concat([old, pd.DataFrame(rows)], ignore_index=True)


#: how each kind of lever is applied: (tables, lever, value) -> the lever's new table
APPLY: dict[str, Callable[[Tables, Lever, Any], pd.DataFrame]] = {
    "upsert": _upsert,
    "set_rows": _set_rows,
    "shift": _shift,
    "scale": _scale,
    "contracts": _contracts,
}


def lever_value(lever: Lever, raw: Any) -> Any:
    """A lever's value from the command line or a scenario file: a number; true or false
    (flags; also the text true/false/yes/no); NAME=NUMBER strings, one comma-separated
    string or a mapping (pairs); PRODUCT:MATERIAL=MAX[@PREMIUM] strings or 4-tuples
    (contracts). Malformed text raises :class:`PlantoptError`."""
    if raw is None or lever.shape == "number":
        return raw
    if lever.shape == "flag":
        return _flag(lever, raw)
    if lever.shape == "pairs" and isinstance(raw, dict):
        return {str(k): v for k, v in raw.items()}
    items = _split(raw) if isinstance(raw, str) else list(raw)
    if lever.shape == "pairs":
        return parse_pairs(items, lever.flag)
    if all(isinstance(i, str) for i in items):
        return parse_procurement(items)
    return [tuple(i) for i in items]


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _flag(lever: Lever, raw: Any) -> Any:
    """True or False from a bool or its text; any other value is returned for
    :func:`check_values` to reject (a number is not taken as a flag)."""
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise PlantoptError(f"{lever.flag} {raw!r}: expected {lever.expected()}")
    return raw


def _split(text: str) -> list[str]:
    """``"a=0.3, b=0.2"`` -> ["a=0.3", "b=0.2"] (a scenario file's one-string form)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def levers_from(args: dict[str, Any]) -> LeverOverrides:
    """:class:`LeverOverrides` from the lever values among ``args`` (raw, by lever name)."""
    return LeverOverrides(
        **{name: lever_value(LEVERS[name], args.get(name)) for name in LEVERS if name in args}
    )


__all__ = [
    "APPLY",
    "LeverOverrides",
    "apply_levers",
    "check_values",
    "lever_value",
    "levers_from",
    "parse_pairs",
    "parse_procurement",
]

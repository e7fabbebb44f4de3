"""Checks of the capacity choices (issue 16: modules, continuous sizes, capex_curves.csv),
run by :func:`plantopt.instance.checks.collect_problems`."""

from __future__ import annotations

import functools
import math
from collections import Counter, namedtuple
from typing import Any

import pandas as pd

from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance

FILE = "capacity_options.csv"


def _set(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _curve_rows(instance: Instance, problems: ProblemList) -> dict[tuple[str, str], int]:
    """Points per (unit, option) of capex_curves.csv; rows naming no option are errors."""
    pts = instance.tables.get("capex_curves")
    counts: dict[tuple[str, str], int] = {}
    if pts is None or not len(pts):
        return counts
    co = instance["capacity_options"]
    known = set(zip(co["unit_id"], co["option_id"]))
    for i, key in enumerate(zip(pts["unit_id"], pts["option_id"])):
        if key not in known:
            problems.error(
                "capex_curves.csv",
                "unknown capacity option",
                row=i + 2,
                column="option_id",
                found=f"{key[0]}/{key[1]}",
                expected="a (unit_id, option_id) of capacity_options.csv",
            )
        counts[key] = counts.get(key, 0) + 1
    _curve_ranges(pts, problems)
    return counts


def _curve_ranges(pts: Any, problems: ProblemList) -> None:
    """capex_eur_low <= capex_eur <= capex_eur_high on every point (empty: equal)."""
    nom = pts["capex_eur"].astype(float)
    for side in ("capex_eur_low", "capex_eur_high"):
        if side not in pts:
            continue
        end = pts[side].astype(float).fillna(nom)
        bad = (end > nom) if side == "capex_eur_low" else (end < nom)
        for i in [int(j) for j, b in enumerate(bad.to_numpy()) if b]:
            problems.error(
                "capex_curves.csv",
                "range does not contain the nominal value",
                row=i + 2,
                column=side,
                found=f"{end.iloc[i]:g} around {nom.iloc[i]:g}",
                expected="capex_eur_low <= capex_eur <= capex_eur_high",
            )


def _check_row(problems: ProblemList, r: Any, line: int, points: int, n_options: int) -> None:
    continuous = points > 0 or _set(r.size_max_t_per_yr)
    if r.max_modules > 1 and (continuous or n_options > 1):
        problems.error(
            FILE,
            "a modular option must be its unit's only option and not continuous",
            row=line,
            column="max_modules",
            found=r.max_modules,
            expected="1, or no other option of this unit and no size_max_t_per_yr",
        )
    if not continuous:
        return
    if points:
        if points < 2:
            problems.error(
                "capex_curves.csv",
                f"the curve of {r.unit_id}/{r.option_id} has one point",
                expected="at least 2 (size, capex) points",
            )
        for col in ("size_min_t_per_yr", "size_max_t_per_yr", "scale_exponent"):
            if _set(getattr(r, col)):
                problems.error(
                    FILE,
                    "the option has capex_curves.csv points, which give its sizes and capex",
                    row=line,
                    column=col,
                    found=getattr(r, col),
                    expected="empty",
                )
        return
    lo = r.size_min_t_per_yr if _set(r.size_min_t_per_yr) else r.capacity_t_per_yr
    if not lo < r.size_max_t_per_yr:
        problems.error(
            FILE,
            "the largest size is not above the smallest",
            row=line,
            column="size_max_t_per_yr",
            found=r.size_max_t_per_yr,
            expected=f"> {lo:g} (size_min_t_per_yr, else capacity_t_per_yr)",
        )
    if not _set(r.scale_exponent):
        problems.error(
            FILE,
            "a continuous option without capex_curves.csv points needs a scale exponent",
            row=line,
            column="scale_exponent",
            expected="a number in (0, 1.5], e.g. 0.6 (the six-tenths rule)",
        )


@functools.lru_cache(maxsize=8)
def _row_type(columns: tuple[Any, ...]) -> Any:
    """The row type ``DataFrame.itertuples(index=False)`` makes for these columns, made once
    (itertuples makes a namedtuple class on every call)."""
    return namedtuple("Pandas", map(str, columns), rename=True)


def _rows(df: Any) -> Any:
    """``df.itertuples(index=False)``: the same rows of the same Python values."""
    row = _row_type(tuple(df.columns))
    return map(row._make, zip(*(df.iloc[:, k].tolist() for k in range(df.shape[1]))))


def check_capacity_choices(instance: Instance, problems: ProblemList) -> None:
    """Modules, continuous sizes and capex curves are consistent (module docstring of
    :mod:`plantopt.instance.schema_capacity`)."""
    points = _curve_rows(instance, problems)
    co = instance["capacity_options"]
    ids = co["unit_id"].tolist()
    n_options = dict(Counter(u for u in ids if not pd.isna(u)))  # as value_counts()
    for i, r in enumerate(_rows(co)):
        _check_row(
            problems,
            r,
            i + 2,
            points.get((r.unit_id, r.option_id), 0),
            int(n_options[r.unit_id]),
        )

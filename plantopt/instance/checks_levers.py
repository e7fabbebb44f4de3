"""Cross-table checks of the lever inputs, made from the lever registry and run by
:func:`plantopt.instance.checks.collect_problems`.

For every lever of :data:`plantopt.instance.lever_registry.LEVERS`: a manifest field it
``needs`` is set when its own is > 0; the rows of its table reference known feeds, units or
stages (``refs``); a ``one_value`` lever's column takes one value per key.
"""

from __future__ import annotations

from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance
from plantopt.instance.lever_registry import FEEDS, LEVERS, UNITS_OR_STAGES, Lever
from plantopt.instance.schema import MANIFEST, TABLES

#: tables that are no lever's but name units or stages the same way
_OTHER_REFS = (("lead_times", "applies_to"),)


def check_levers(instance: Instance, problems: ProblemList) -> None:
    """The registry's checks of every lever, then of the other tables naming units."""
    for lever in LEVERS.values():
        _check_needs(instance, lever, problems)
        for column, what in lever.refs:
            _check_refs(instance, lever.table, column, what, problems)
        if lever.one_value:
            _check_one_value(instance, lever, problems)
    for table, column in _OTHER_REFS:
        _check_refs(instance, table, column, UNITS_OR_STAGES, problems)


def _check_needs(instance: Instance, lever: Lever, problems: ProblemList) -> None:
    """guarantee_frac > 0 needs guarantee_rate, and the like."""
    if not lever.needs:
        return
    m = instance.manifest
    if (getattr(m, lever.field) or 0) > 0 and getattr(m, lever.needs) is None:
        problems.error(
            "instance.yaml",
            f"{lever.field} is set without {lever.needs}",
            column=lever.needs,
            expected=next(c for c in MANIFEST if c.name == lever.needs).description,
        )


def _check_refs(
    instance: Instance, table: str, column: str, what: str, problems: ProblemList
) -> None:
    """Every ``column`` cell of ``table`` names a feed (``what=FEEDS``) or a unit / stage."""
    df = instance.tables.get(table)
    if df is None or not len(df):
        return
    if what == FEEDS:
        known = set(instance["feeds"]["feed_id"])
        message, expected = "unknown feed", "a feed_id of feeds.csv"
    else:
        units = instance["units"]
        known = set(units["unit_id"]) | set(units["stage"])
        message, expected = "applies to no unit or stage", "a unit_id or stage of units.csv"
    for i, name in enumerate(df[column]):
        if name not in known:
            problems.error(
                TABLES[table].file, message, row=i + 2, column=column, found=name, expected=expected
            )


def _check_one_value(instance: Instance, lever: Lever, problems: ProblemList) -> None:
    """The lever sets ``column`` by ``key``: every row of one key has the same value."""
    df = instance.tables.get(lever.table)
    if df is None or not len(df):
        return
    seen: dict[str, float] = {}
    what = lever.key.replace("_", " ")
    for i, (key, value) in enumerate(zip(df[lever.key], df[lever.column])):
        if key in seen and seen[key] != value:
            problems.error(
                TABLES[lever.table].file,
                f"a {what} has two {lever.one_value}",
                row=i + 2,
                column=lever.column,
                found=value,
                expected=f"{seen[key]:g} as on the {what.split()[-1]}'s first row",
            )
        seen.setdefault(key, value)

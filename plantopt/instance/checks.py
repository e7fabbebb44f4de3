"""Cross-table checks of a typed instance.

Cell-level checks (types, bounds, required values, duplicate keys) happen in
:mod:`plantopt.instance.loader`. Here: unknown ids in every reference, compositions summing above 1,
transfer coefficients not summing to 1, outputs with nowhere to go, cycles in the routing,
feeds that can reach no unit, materials a unit has no transfer coefficient for, contracted
minimums above availability, and (as warnings) units that can never receive anything.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, SupportsInt

import numpy as np
import pandas as pd

from plantopt.instance.check_memo import run_check
from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance
from plantopt.instance.rows import records
from plantopt.instance.schema import TABLES, WILDCARD


def _row(df: pd.DataFrame, i: SupportsInt) -> int:
    """1-based spreadsheet row of DataFrame index ``i`` (header is row 1)."""
    return int(i) + 2


def group_sums(
    df: pd.DataFrame, keys: tuple[str, ...], col: str
) -> list[tuple[tuple[Any, ...], Any, float]]:
    """(key, index of its first row, sum of ``col``) per group of rows with equal ``keys``, in
    order of first appearance: what ``df.groupby(list(keys), sort=False)`` gives with
    ``float(group[col].sum())`` (rows with a missing key left out; the same float sum of the
    group's values in row order, NaN counted as 0), without a pandas group per key."""
    members: dict[tuple[Any, ...], list[int]] = {}
    for pos, key in enumerate(zip(*(df[k].tolist() for k in keys))):
        if any(v is None or v != v for v in key):
            continue
        members.setdefault(key, []).append(pos)
    values = df[col].to_numpy(dtype=float)
    return [(key, df.index[pos[0]], float(np.nansum(values[pos]))) for key, pos in members.items()]


def _check_refs(
    problems: ProblemList,
    df: pd.DataFrame,
    table: str,
    column: str,
    valid: set[str],
    what: str,
    allow_wildcard: bool = False,
) -> None:
    file = TABLES[table].file
    for i, value in zip(df.index, df[column].tolist()):
        if value is None or (allow_wildcard and value == WILDCARD):
            continue
        if value not in valid:
            problems.error(
                file,
                f"unknown {what}",
                row=_row(df, i),
                column=column,
                found=value,
                expected=f"a {what} defined in "
                f"{_defining_file(what)}" + (" or '*'" if allow_wildcard else ""),
            )


def _defining_file(what: str) -> str:
    return {
        "feed_id": "feeds.csv",
        "material": "materials.csv",
        "unit_id": "units.csv",
        "product_id": "products.csv",
        "feed_class": "feeds.csv",
    }.get(what, "the instance")


def _check_ranges(problems: ProblemList, df: pd.DataFrame, file: str, col: str) -> None:
    """``{col}_low <= {col} <= {col}_high`` on every row (an empty bound means equal)."""
    nominal = df[col].to_numpy(dtype=float)
    lo = df[f"{col}_low"].fillna(df[col]).to_numpy(dtype=float)
    hi = df[f"{col}_high"].fillna(df[col]).to_numpy(dtype=float)
    for pos in np.flatnonzero(~((lo <= nominal) & (nominal <= hi))):
        problems.error(
            file,
            "range does not contain the nominal value",
            row=_row(df, df.index[pos]),
            column=f"{col}_low",
            found=f"{lo[pos]:g} .. {hi[pos]:g} around {nominal[pos]:g}",
            expected=f"{col}_low <= {col} <= {col}_high",
        )


def _check_composition(instance: Instance, problems: ProblemList, tol: float) -> None:
    comp = instance["composition"]
    feeds = instance["feeds"]
    has_other = "other" in set(instance["materials"]["material"])
    file = TABLES["composition"].file
    for (feed_id,), first, total in group_sums(comp, ("feed_id",), "mass_frac"):
        if total > 1.0 + tol:
            problems.error(
                file,
                f"mass fractions of feed '{feed_id}' sum above 1",
                row=_row(comp, first),
                column="mass_frac",
                found=f"{total:.6g}",
                expected=f"a sum <= 1 (tolerance {tol:g})",
            )
        elif total < 1.0 - tol and not has_other:
            problems.error(
                file,
                f"mass fractions of feed '{feed_id}' sum to {total:.6g}; "
                "the remainder needs material 'other'",
                row=_row(comp, first),
                column="mass_frac",
                expected="a row 'other' in materials.csv, or fractions summing to 1",
            )
    _check_ranges(problems, comp, file, "mass_frac")
    with_comp = set(comp["feed_id"])
    for i, feed_id in zip(feeds.index, feeds["feed_id"].tolist()):
        if feed_id not in with_comp:
            problems.error(
                TABLES["feeds"].file,
                "feed has no composition rows",
                row=_row(feeds, i),
                column="feed_id",
                found=feed_id,
                expected="rows for this feed in composition.csv",
            )


def _check_transfer_coefficients(instance: Instance, problems: ProblemList, tol: float) -> None:
    tc = instance["transfer_coefficients"]
    file = TABLES["transfer_coefficients"].file
    for (unit, cls, mat), first, total in group_sums(
        tc, ("unit_id", "feed_class", "material"), "tc_frac"
    ):
        if abs(total - 1.0) > tol:
            problems.error(
                file,
                f"transfer coefficients of unit '{unit}', feed class "
                f"'{cls}', material '{mat}' sum to {total:.6g} over the outputs",
                row=_row(tc, first),
                column="tc_frac",
                found=f"{total:.6g}",
                expected=f"a sum of 1 (tolerance {tol:g}); book losses to an output",
            )
    _check_ranges(problems, tc, file, "tc_frac")


def _find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """Return one cycle of unit ids in the unit-to-unit routing graph, or None.

    Iterative depth-first search (an explicit stack of (node, next-edge position)), so a
    long chain of units cannot exhaust Python's recursion limit. ``state`` is 1 while a node
    is on the current path and 2 once all its successors are done.
    """
    state: dict[str, int] = {}
    for start in sorted(edges):
        if start in state:
            continue
        path: list[str] = [start]
        todo: list[int] = [0]
        state[start] = 1
        while path:
            node, pos = path[-1], todo[-1]
            succ = edges.get(node, ())
            if pos == len(succ):
                state[node] = 2
                path.pop()
                todo.pop()
                continue
            todo[-1] = pos + 1
            nxt = succ[pos]
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                todo.append(0)
    return None


def _check_routing_rows(instance: Instance, problems: ProblemList) -> None:
    """Each routing row: an output its unit has, a known target unit or product, and not back
    into its own unit."""
    units = set(instance["units"]["unit_id"])
    products = set(instance["products"]["product_id"])
    routing = instance["routing"]
    tc = instance["transfer_coefficients"]
    file = TABLES["routing"].file
    outputs = set(zip(tc["unit_id"], tc["output_id"]))
    for i, r in zip(routing.index, records(routing)):
        if r["unit_id"] in units and (r["unit_id"], r["output_id"]) not in outputs:
            problems.error(
                file,
                f"unit '{r['unit_id']}' has no output '{r['output_id']}'",
                row=_row(routing, i),
                column="output_id",
                found=r["output_id"],
                expected="an output_id of this unit in transfer_coefficients.csv",
            )
        if r["to_kind"] == "unit" and r["to_id"] not in units:
            problems.error(
                file,
                "unknown unit_id",
                row=_row(routing, i),
                column="to_id",
                found=r["to_id"],
                expected="a unit_id defined in units.csv",
            )
        if r["to_kind"] == "product" and r["to_id"] not in products:
            problems.error(
                file,
                "unknown product_id",
                row=_row(routing, i),
                column="to_id",
                found=r["to_id"],
                expected="a product_id defined in products.csv",
            )
        if r["to_kind"] == "unit" and r["to_id"] == r["unit_id"]:
            problems.error(
                file,
                "output routed back into its own unit",
                row=_row(routing, i),
                column="to_id",
                found=r["to_id"],
                expected="another unit",
            )


def _check_unrouted_outputs(instance: Instance, problems: ProblemList) -> None:
    """Every output of a known unit in transfer_coefficients.csv has a routing row."""
    units = set(instance["units"]["unit_id"])
    routing = instance["routing"]
    tc = instance["transfer_coefficients"]
    routed = set(zip(routing["unit_id"], routing["output_id"]))
    tc_file = TABLES["transfer_coefficients"].file
    seen: set[tuple[str, str]] = set()
    for i, r in zip(tc.index, records(tc[["unit_id", "output_id"]])):
        key = (r["unit_id"], r["output_id"])
        if key not in routed and key not in seen and r["unit_id"] in units:
            seen.add(key)
            problems.error(
                tc_file,
                f"output '{r['output_id']}' of unit '{r['unit_id']}' has nowhere to go",
                row=_row(tc, i),
                column="output_id",
                found=r["output_id"],
                expected="a row for this unit and output in "
                "routing.csv (to a unit, product, disposal or loss)",
            )


def _check_routing_cycle(instance: Instance, problems: ProblemList) -> None:
    """The unit-to-unit routing graph has no cycle (reported at its first edge)."""
    routing = instance["routing"]
    file = TABLES["routing"].file
    edges: dict[str, list[str]] = defaultdict(list)
    for u, kind, to in zip(routing["unit_id"], routing["to_kind"], routing["to_id"]):
        if kind == "unit" and to != u:
            edges[u].append(to)
    cycle = _find_cycle(edges)
    if cycle:
        a, b = cycle[0], cycle[1]
        mask = (routing["unit_id"] == a) & (routing["to_id"] == b)
        problems.error(
            file,
            "routing has a cycle: " + " -> ".join(cycle),
            row=_row(routing, routing.index[mask][0]),
            column="to_id",
            found=b,
            expected="routing without cycles (each feed is tracked along paths)",
        )


def _check_routing(instance: Instance, problems: ProblemList) -> None:
    """Routing rows, outputs with nowhere to go, cycles."""
    _check_routing_rows(instance, problems)
    _check_unrouted_outputs(instance, problems)
    _check_routing_cycle(instance, problems)


def _reachable_units(instance: Instance) -> dict[str, set[str]]:
    """Units reachable per feed class along the routing graph."""
    entry: dict[str, set[str]] = defaultdict(set)
    for cls, unit in zip(instance["feed_entry"]["feed_class"], instance["feed_entry"]["unit_id"]):
        entry[cls].add(unit)
    routing = instance["routing"]
    nxt: dict[str, set[str]] = defaultdict(set)
    for u, kind, to in zip(routing["unit_id"], routing["to_kind"], routing["to_id"]):
        if kind == "unit":
            nxt[u].add(to)
    out: dict[str, set[str]] = {}
    for cls in set(instance["feeds"]["feed_class"]):
        seen: set[str] = set()
        todo = list(entry.get(cls, ()))
        while todo:
            u = todo.pop()
            if u in seen:
                continue
            seen.add(u)
            todo.extend(nxt.get(u, ()))
        out[cls] = seen
    return out


def _check_reach(instance: Instance, problems: ProblemList) -> None:
    """Feeds reaching no unit, units never reached (warnings), missing coefficients."""
    reach = _reachable_units(instance)
    _check_feeds_and_units_reached(instance, problems, reach)
    _check_reached_coefficients(instance, problems, reach)


def _check_feeds_and_units_reached(
    instance: Instance, problems: ProblemList, reach: dict[str, set[str]]
) -> None:
    """Every feed reaches a unit (error); every unit is reached by some feed (warning)."""
    feeds = instance["feeds"]
    for i, r in zip(feeds.index, records(feeds)):
        if not reach.get(r["feed_class"]):
            problems.error(
                TABLES["feeds"].file,
                f"feed '{r['feed_id']}' can reach no unit",
                row=_row(feeds, i),
                column="feed_class",
                found=r["feed_class"],
                expected="a feed class with an entry unit in feed_entry.csv",
            )
    reached = set().union(*reach.values()) if reach else set()
    units = instance["units"]
    for i, u in zip(units.index, units["unit_id"].tolist()):
        if u not in reached:
            problems.warning(
                TABLES["units"].file,
                f"unit '{u}' can never receive anything",
                row=_row(units, i),
                column="unit_id",
                found=u,
                expected="a feed_entry.csv or routing.csv row leading to it",
            )


def _check_reached_coefficients(
    instance: Instance, problems: ProblemList, reach: dict[str, set[str]]
) -> None:
    """Every material present in a feed of a class has coefficients at each unit the class
    can reach (an exact row or a '*' row for the class or the material)."""
    feeds = instance["feeds"]
    tc = instance["transfer_coefficients"]
    keys = set(zip(tc["unit_id"], tc["feed_class"], tc["material"]))
    comp = instance["composition"]
    comp = comp[comp["mass_frac"] > 0]
    class_of = dict(zip(feeds["feed_id"], feeds["feed_class"]))
    mats_by_class: dict[str, set[str]] = defaultdict(set)
    for f, m in zip(comp["feed_id"], comp["material"]):
        if f in class_of:
            mats_by_class[class_of[f]].add(m)
    tc_units = set(tc["unit_id"])
    for cls in sorted(reach):
        for u in sorted(reach[cls]):
            if u not in tc_units:
                problems.error(
                    TABLES["transfer_coefficients"].file,
                    f"unit '{u}' has no transfer coefficients",
                    column="unit_id",
                    found=u,
                    expected="rows splitting each material over the unit's outputs",
                )
                continue
            for m in sorted(mats_by_class[cls]):
                if not any(
                    k in keys
                    for k in (
                        (u, cls, m),
                        (u, cls, WILDCARD),
                        (u, WILDCARD, m),
                        (u, WILDCARD, WILDCARD),
                    )
                ):
                    problems.error(
                        TABLES["transfer_coefficients"].file,
                        f"no transfer coefficients for material '{m}' at unit "
                        f"'{u}' (feed class '{cls}' reaches it)",
                        column="material",
                        found=m,
                        expected=f"rows for unit '{u}' with material '{m}' or '*'",
                    )


def _check_feed_limits(instance: Instance, problems: ProblemList) -> None:
    """Contracted minimum <= available, per feed (needs no references: always checked)."""
    feeds = instance["feeds"]
    for i, r in zip(feeds.index, records(feeds)):
        if r["contracted_min_t_per_yr"] > r["available_t_per_yr"]:
            problems.error(
                TABLES["feeds"].file,
                "contracted minimum above availability",
                row=_row(feeds, i),
                column="contracted_min_t_per_yr",
                found=r["contracted_min_t_per_yr"],
                expected=f"<= available_t_per_yr ({r['available_t_per_yr']:g})",
            )


def _check_capacity(instance: Instance, problems: ProblemList) -> None:
    units = instance["units"]
    with_options = set(instance["capacity_options"]["unit_id"])
    site_units = instance.tables.get("site_units")  # network instances: existing per site
    if site_units is not None and len(site_units):
        with_options |= set(site_units["unit_id"][site_units["existing_capacity_t_per_yr"] > 0])
    for i, r in zip(units.index, records(units)):
        if r["existing_capacity_t_per_yr"] <= 0 and r["unit_id"] not in with_options:
            problems.warning(
                TABLES["units"].file,
                f"unit '{r['unit_id']}' has no capacity: nothing can pass through it",
                row=_row(units, i),
                column="existing_capacity_t_per_yr",
                found=0,
                expected="existing capacity or rows in capacity_options.csv",
            )


# (table, column, the id it names, whether '*' is allowed)
_REFERENCES = (
    ("composition", "feed_id", "feed_id", False),
    ("composition", "material", "material", False),
    ("capacity_options", "unit_id", "unit_id", False),
    ("transfer_coefficients", "unit_id", "unit_id", False),
    ("transfer_coefficients", "material", "material", True),
    ("transfer_coefficients", "feed_class", "feed_class", True),
    ("routing", "unit_id", "unit_id", False),
    ("feed_entry", "unit_id", "unit_id", False),
    ("feed_entry", "feed_class", "feed_class", False),
    ("product_prices", "product_id", "product_id", False),
    ("product_prices", "material", "material", False),
)


#: the table and column defining each kind of id
_DEFINED = {
    "material": ("materials", "material"),
    "feed_id": ("feeds", "feed_id"),
    "unit_id": ("units", "unit_id"),
    "product_id": ("products", "product_id"),
    "feed_class": ("feeds", "feed_class"),
}


def _check_reference(
    instance: Instance, problems: ProblemList, table: str, column: str, what: str, wildcard: bool
) -> None:
    """Every id in ``table.column`` is defined in its defining table (one of ``_REFERENCES``)."""
    source, id_column = _DEFINED[what]
    valid = set(instance[source][id_column])
    _check_refs(problems, instance[table], table, column, valid, what, allow_wildcard=wildcard)


def _check_all_refs(instance: Instance, problems: ProblemList) -> None:
    """Every id column of ``_REFERENCES`` names an id defined in its defining table (each
    reference a check of its own, so that the memo reruns only those whose tables changed)."""
    for ref in _REFERENCES:
        run_check(_check_reference, instance, problems, *ref)


def collect_problems(instance: Instance) -> ProblemList:
    """Run every cross-table check and return all problems (errors and warnings).

    With the per-process table cache on (batch workers), a check whose inputs are the same
    as in an earlier run reuses that run's problems (:mod:`plantopt.instance.check_memo`).
    """
    from plantopt.instance.checks_capacity import check_capacity_choices
    from plantopt.instance.checks_finance import check_finance
    from plantopt.instance.checks_levers import check_levers
    from plantopt.instance.checks_network import check_network
    from plantopt.instance.checks_periods import check_periods
    from plantopt.instance.checks_regulation import check_regulation
    from plantopt.instance.requirements import check_requirements

    problems = ProblemList()
    _check_all_refs(instance, problems)
    tol = float(instance.manifest.tc_sum_tolerance or 1e-6)
    run_check(_check_composition, instance, problems, tol)
    run_check(_check_transfer_coefficients, instance, problems, tol)
    run_check(_check_routing, instance, problems)
    if not problems.has_errors:  # reachability needs consistent references
        run_check(_check_reach, instance, problems)
    for later in (
        _check_feed_limits,
        _check_capacity,
        check_regulation,
        check_levers,
        check_capacity_choices,
        check_finance,
        check_periods,
        check_network,
        check_requirements,
    ):
        run_check(later, instance, problems)
    return problems


def check(instance: Instance) -> Instance:
    """Validate ``instance``; raise :class:`InstanceError` on errors, keep warnings."""
    from dataclasses import replace

    problems = collect_problems(instance)
    source = str(instance.path) if instance.path is not None else instance.name
    problems.raise_if_errors(source)
    return replace(instance, warnings=tuple(problems))

"""Checks of the network tables (issue 15, :mod:`plantopt.instance.schema_network`), run by
:func:`plantopt.instance.checks.collect_problems`.

References name known sites, regions, units, feeds, materials and modes; region supply of a
feed sums to its availability; existing capacity lives per site; what the network model does
not support yet (continuous options and their capex curves) is an
error naming the table, not a silent wrong answer.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance

_DEPENDENT = (
    "site_units",
    "regions",
    "region_supply",
    "transport_modes",
    "distances",
    "deliveries",
)


def _rows(instance: Instance, name: str) -> pd.DataFrame:
    df = instance.tables.get(name)
    return df if df is not None else pd.DataFrame()


def has_sites(instance: Instance) -> bool:
    """Whether the instance is a network instance (``sites.csv`` with at least one row)."""
    return len(_rows(instance, "sites")) > 0


def _refs(
    problems: ProblemList, df: pd.DataFrame, file: str, column: str, valid: set[str], what: str
) -> None:
    for i, value in zip(df.index, df[column].tolist()):
        if value not in valid:
            problems.error(
                file,
                f"unknown {what}",
                row=int(i) + 2,
                column=column,
                found=value,
                expected=f"a {what} of {_WHERE[what]}",
            )


_WHERE = {
    "site_id": "sites.csv",
    "region_id": "regions.csv",
    "unit_id": "units.csv",
    "feed_id": "feeds.csv",
    "material": "materials.csv",
    "mode": "transport_modes.csv",
    "region_id or site_id": "regions.csv or sites.csv",
    "site_id or delivery location": "sites.csv or deliveries.csv location_id",
    "product_id": "products.csv",
    "disposal label": "routing.csv to_id of a disposal row",
}


def check_network(instance: Instance, problems: ProblemList) -> None:
    """Every check of the network tables (and of the footprint tables, which need no sites)."""
    _check_footprints(instance, problems)
    if not has_sites(instance):
        for name in _DEPENDENT:
            if len(_rows(instance, name)):
                problems.warning(
                    f"{name}.csv",
                    "not used without sites.csv",
                    expected="sites.csv with at least one site, or no such table",
                )
        return
    sites = set(_rows(instance, "sites")["site_id"])
    regions = (
        set(_rows(instance, "regions")["region_id"]) if len(_rows(instance, "regions")) else set()
    )
    _check_ids(instance, problems, sites, regions)
    _check_site_units(instance, problems, sites)
    _check_supply(instance, problems, regions)
    _check_lanes(instance, problems, sites | delivery_locations(instance), regions)
    _check_deliveries(instance, problems, sites)
    _check_unsupported(instance, problems)


def _check_footprints(instance: Instance, problems: ProblemList) -> None:
    credits = _rows(instance, "material_credits")
    if len(credits):
        mats = set(instance["materials"]["material"])
        _refs(problems, credits, "material_credits.csv", "material", mats, "material")
    foot = _rows(instance, "unit_footprint")
    if len(foot):
        units = set(instance["units"]["unit_id"])
        _refs(problems, foot, "unit_footprint.csv", "unit_id", units, "unit_id")


def _check_ids(
    instance: Instance, problems: ProblemList, sites: set[str], regions: set[str]
) -> None:
    df = _rows(instance, "sites")
    for i, s in zip(df.index, df["site_id"].tolist()):
        if s in regions:
            problems.error(
                "sites.csv",
                "a site id is also a region id",
                row=int(i) + 2,
                column="site_id",
                found=s,
                expected="ids unique over sites.csv and regions.csv",
            )


def _check_site_units(instance: Instance, problems: ProblemList, sites: set[str]) -> None:
    units = instance["units"]
    for i, cap in zip(units.index, units["existing_capacity_t_per_yr"].tolist()):
        if float(cap) > 0:
            problems.error(
                "units.csv",
                "existing capacity must be given per site in a network instance",
                row=int(i) + 2,
                column="existing_capacity_t_per_yr",
                found=f"{float(cap):g}",
                expected="0, and the capacity in site_units.csv",
            )
    su = _rows(instance, "site_units")
    if len(su):
        _refs(problems, su, "site_units.csv", "site_id", sites, "site_id")
        _refs(problems, su, "site_units.csv", "unit_id", set(units["unit_id"]), "unit_id")
        _check_site_min_load(su, units, problems)


def _check_site_min_load(su: pd.DataFrame, units: pd.DataFrame, problems: ProblemList) -> None:
    """A site may lower a unit's minimum load (a toll share of another firm's plant), not
    raise it: the run switches exist only for units with a minimum load."""
    unit_ml = dict(zip(units["unit_id"], units["min_load_frac"].astype(float)))
    for i, u, ml in zip(su.index, su["unit_id"], su["min_load_frac"]):
        if pd.notna(ml) and u in unit_ml and float(ml) > unit_ml[u] + 1e-12:
            problems.error(
                "site_units.csv",
                "a site may only lower the unit's minimum load",
                row=int(i) + 2,
                column="min_load_frac",
                found=f"{float(ml):g}",
                expected=f"at most {unit_ml[u]:g} (units.csv min_load_frac of {u})",
            )


def _check_supply(instance: Instance, problems: ProblemList, regions: set[str]) -> None:
    rs = _rows(instance, "region_supply")
    if not len(rs):
        return
    feeds = instance["feeds"]
    _refs(problems, rs, "region_supply.csv", "region_id", regions, "region_id")
    _refs(problems, rs, "region_supply.csv", "feed_id", set(feeds["feed_id"]), "feed_id")
    total = rs.groupby("feed_id")["available_t_per_yr"].sum()
    for i, f, avail in zip(feeds.index, feeds["feed_id"], feeds["available_t_per_yr"]):
        if f not in total.index:
            continue
        got = float(total[f])
        if not math.isclose(got, float(avail), rel_tol=1e-6, abs_tol=1e-6):
            problems.error(
                "region_supply.csv",
                f"the regions' tonnes of feed {f} do not add up to its availability",
                column="available_t_per_yr",
                found=f"{got:g}",
                expected=f"{float(avail):g} t/yr (feeds.csv row {int(i) + 2}, available_t_per_yr)",
            )


def _check_lanes(
    instance: Instance, problems: ProblemList, sites: set[str], regions: set[str]
) -> None:
    modes_df = _rows(instance, "transport_modes")
    modes = set(modes_df["mode"]) if len(modes_df) else set()
    if not modes:
        problems.warning(
            "transport_modes.csv",
            "a network instance without transport modes: transport costs nothing",
            expected="rows for road (and rail, barge) with cost and CO2 per t.km",
        )
    dist = _rows(instance, "distances")
    if not len(dist):
        return
    _refs(problems, dist, "distances.csv", "from_id", sites | regions, "region_id or site_id")
    _refs(problems, dist, "distances.csv", "to_id", sites, "site_id or delivery location")
    if modes:
        _refs(problems, dist, "distances.csv", "mode", modes, "mode")
    same = dist["from_id"].to_numpy() == dist["to_id"].to_numpy()
    for pos in np.flatnonzero(same):
        problems.error(
            "distances.csv",
            "a lane from a site to itself",
            row=int(dist.index[pos]) + 2,
            column="to_id",
            found=dist["to_id"].iloc[pos],
            expected="another site",
        )


def delivery_locations(instance: Instance) -> set[str]:
    """Location ids of deliveries.csv (sites or places of their own)."""
    df = _rows(instance, "deliveries")
    return set(df["location_id"]) if len(df) else set()


def _check_deliveries(instance: Instance, problems: ProblemList, sites: set[str]) -> None:
    """to_id names a product or disposal label; a location that is not a site has a country
    and coordinates; one location keeps one place."""
    df = _rows(instance, "deliveries")
    if not len(df):
        return
    routing = instance["routing"]
    valid = {
        "product": set(instance["products"]["product_id"]),
        "disposal": set(routing.loc[routing["to_kind"] == "disposal", "to_id"]),
    }
    what = {"product": "product_id", "disposal": "disposal label"}
    places: dict[str, tuple[object, ...]] = {}
    for i, r in df.iterrows():
        row = int(i) + 2
        if r["to_id"] not in valid[r["to_kind"]]:
            w = what[r["to_kind"]]
            problems.error("deliveries.csv", f"unknown {w}", row=row, column="to_id",
                           found=r["to_id"], expected=f"a {w} of {_WHERE[w]}")  # fmt: skip
        if r["location_id"] in sites:
            continue
        for col in ("country", "lat_deg", "lon_deg"):
            v = r[col]
            if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
                problems.error("deliveries.csv", "a location that is not a site needs a place",
                               row=row, column=col, found="empty",
                               expected="country, lat_deg and lon_deg (or a site_id)")  # fmt: skip
        place = (r["country"], r["lat_deg"], r["lon_deg"])
        if places.setdefault(r["location_id"], place) != place:
            problems.error("deliveries.csv", "one location at two places", row=row,
                           column="location_id", found=r["location_id"],
                           expected="one country, lat_deg and lon_deg on all its rows")  # fmt: skip


def _nonempty(instance: Instance, name: str) -> bool:
    return len(_rows(instance, name)) > 0


def _check_unsupported(instance: Instance, problems: ProblemList) -> None:
    why = "not supported together with sites.csv (network instances) yet"
    for name in ("capex_curves",):
        if _nonempty(instance, name):
            problems.error(f"{name}.csv", why, expected="no rows in a network instance")
    co = instance["capacity_options"]
    for i, r in co.iterrows():
        size_max = r.get("size_max_t_per_yr")
        continuous = size_max is not None and not (
            isinstance(size_max, float) and math.isnan(size_max)
        )
        if continuous:
            problems.error(
                "capacity_options.csv",
                "continuous options are " + why,
                row=int(i) + 2,
                column="size_max_t_per_yr",
                found=size_max,
                expected="size_max_t_per_yr empty (a discrete or modular option)",
            )


__all__ = ["check_network", "has_sites"]

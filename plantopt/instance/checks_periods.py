"""Cross-table checks of the planning-period tables (periods.csv, feed_periods.csv,
price_periods.csv), run by :func:`plantopt.instance.checks.collect_problems`."""

from __future__ import annotations

import math
from typing import Any

from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance
from plantopt.instance.rows import records


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def check_periods(instance: Instance, problems: ProblemList) -> None:
    """Periods are contiguous in start order; lead times come with two periods or more;
    feed_periods and price_periods name known
    periods, feeds and (product, material) price rows; a per-period contracted minimum is at
    most the period's availability."""
    ids = _check_contiguous(instance, problems)
    _check_lead_times_need_periods(instance, problems, ids)
    _check_period_ids(instance, problems, ids)
    _check_feed_periods(instance, problems)
    _check_price_periods(instance, problems)


def _check_contiguous(instance: Instance, problems: ProblemList) -> set[str]:
    """Each period starts where the previous one (in start order) ends; returns the ids."""
    periods = instance.tables.get("periods")
    if periods is None or not len(periods):
        return set()
    order = sorted(range(len(periods)), key=lambda i: int(periods["start_year"].iloc[i]))
    for a, b in zip(order, order[1:]):
        end = int(periods["start_year"].iloc[a]) + int(periods["duration_yr"].iloc[a])
        start = int(periods["start_year"].iloc[b])
        if start != end:
            problems.error(
                "periods.csv",
                "periods are not contiguous",
                row=b + 2,
                column="start_year",
                found=start,
                expected=f"{end} (the previous period's start + duration)",
            )
    return set(periods["period_id"].astype(str))


def _check_lead_times_need_periods(
    instance: Instance, problems: ProblemList, ids: set[str]
) -> None:
    """lead_times.csv delays service by whole periods: with one period (no periods.csv, or
    one row) every built unit serves the whole horizon and the lead times are not used."""
    leads = instance.tables.get("lead_times")
    if leads is None or not len(leads) or len(ids) > 1:
        return
    problems.warning(
        "lead_times.csv",
        "lead times are not used with one planning period (a one-period plan is a steady "
        "state in which every built unit serves)",
        row=2,
        column="lead_time_yr",
        expected="periods.csv with two periods or more, or no lead_times.csv",
    )


def _check_period_ids(instance: Instance, problems: ProblemList, ids: set[str]) -> None:
    """feed_periods.csv and price_periods.csv name periods of periods.csv."""
    for file, table in (
        ("feed_periods.csv", "feed_periods"),
        ("price_periods.csv", "price_periods"),
    ):
        df = instance.tables.get(table)
        if df is None or not len(df):
            continue
        for i, p in enumerate(df["period_id"].astype(str)):
            if p not in ids:
                problems.error(
                    file,
                    "unknown period",
                    row=i + 2,
                    column="period_id",
                    found=p,
                    expected="a period_id of periods.csv",
                )


def _check_feed_periods(instance: Instance, problems: ProblemList) -> None:
    """feed_periods.csv names known feeds; its contracted minimum (else the feed's) is at most
    its availability (else the feed's)."""
    fp = instance.tables.get("feed_periods")
    if fp is None or not len(fp):
        return
    feeds = instance["feeds"].set_index("feed_id")
    for i, r in enumerate(records(fp)):
        if r["feed_id"] not in feeds.index:
            problems.error(
                "feed_periods.csv",
                "unknown feed",
                row=i + 2,
                column="feed_id",
                found=r["feed_id"],
                expected="a feed_id of feeds.csv",
            )
            continue
        avail: Any = r.get("available_t_per_yr")
        avail = feeds.at[r["feed_id"], "available_t_per_yr"] if _missing(avail) else avail
        low: Any = r.get("contracted_min_t_per_yr")
        low = feeds.at[r["feed_id"], "contracted_min_t_per_yr"] if _missing(low) else low
        if float(low) > float(avail):
            problems.error(
                "feed_periods.csv",
                "contracted minimum above availability",
                row=i + 2,
                column="contracted_min_t_per_yr",
                found=low,
                expected=f"<= available_t_per_yr ({float(avail):g})",
            )


def _check_price_periods(instance: Instance, problems: ProblemList) -> None:
    """price_periods.csv names (product_id, material) rows of product_prices.csv."""
    pp = instance.tables.get("price_periods")
    if pp is None or not len(pp):
        return
    known = set(
        zip(instance["product_prices"]["product_id"], instance["product_prices"]["material"])
    )
    for i, (p, m) in enumerate(zip(pp["product_id"], pp["material"])):
        if (p, m) not in known:
            problems.error(
                "price_periods.csv",
                "no such price row",
                row=i + 2,
                column="material",
                found=f"{p}/{m}",
                expected="a (product_id, material) of product_prices.csv",
            )

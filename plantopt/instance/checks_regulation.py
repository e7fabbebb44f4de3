"""Cross-table checks of the regulation inputs (called by :func:`plantopt.validate`).

* feeds.reg_class: empty, ``battery:lithium|lead_acid|nickel_cadmium|other`` or
  ``weee:1`` .. ``weee:6`` (anything else is covered by no target: an error);
* routing.counts_recovered only on disposal rows (warning otherwise: it is ignored);
* offtake_contracts: known product and material, the material must count as recovered in a
  product that counts as recycled (a contract buys recycled content), min <= max;
* downstream_recovery (calculation points, Delegated Regulation (EU) 2025/606): rows only
  for intermediate products and known materials, with a source (warning otherwise); an
  intermediate product without rows counts nothing (warning);
* products: re-use value and repurposing cost ranges contain their nominal value;
* feeds.collection_class and collection_steps.csv: known class and feed, marginal costs
  non-decreasing along a feed's steps (a supply curve), placed on the market at least the
  available tonnage (warning).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance
from plantopt.instance.rows import records
from plantopt.instance.schema import TABLES

REG_CLASSES = (
    "battery:lithium",
    "battery:lead_acid",
    "battery:nickel_cadmium",
    "battery:other",
    *(f"weee:{i}" for i in range(1, 7)),
)


def check_regulation(instance: Instance, problems: ProblemList) -> None:
    """Append every regulation-input problem of ``instance`` to ``problems``."""
    _check_reg_classes(instance, problems)
    _check_energy_recovery_flags(instance, problems)
    _check_calc_points(instance, problems)
    _check_collection(instance, problems)
    _check_reuse(instance, problems)
    _check_contracts(instance, problems)


def _check_reuse(instance: Instance, problems: ProblemList) -> None:
    """Re-use and second-life columns of products.csv fit together."""
    file = TABLES["products"].file
    feeds = set(instance["feeds"]["feed_id"])
    for i, r in zip(instance["products"].index, records(instance["products"])):
        row = int(i) + 2
        pairs = (("value_eur_per_item", "item_mass_t"), ("kwh_per_t", "value_eur_per_kwh"))
        for a, b in pairs:
            if pd.notna(r[a]) and pd.isna(r[b]):
                problems.error(
                    file, f"{a} needs {b}", row=row, column=b, found="", expected="a number"
                )
        _check_money_ranges(problems, file, row, r)
        ret = str(r["returns_as_feed"] or "")
        if not ret:
            continue
        if r["reuse_kind"] != "second_life":
            problems.error(
                file,
                "only second-life packs return as a feed",
                row=row,
                column="returns_as_feed",
                found=f"{ret} (reuse_kind {r['reuse_kind']})",
                expected="reuse_kind second_life, or an empty cell",
            )
        if ret not in feeds:
            problems.error(
                file,
                "unknown feed in returns_as_feed",
                row=row,
                column="returns_as_feed",
                found=ret,
                expected="a feed_id of feeds.csv",
            )
        if pd.isna(r["second_life_yr"]):
            problems.error(
                file,
                "second_life_yr is needed with returns_as_feed",
                row=row,
                column="second_life_yr",
                found="",
                expected="years of second life (>= 0)",
            )


MONEY_RANGES = (
    "value_eur_per_t",
    "value_eur_per_item",
    "value_eur_per_kwh",
    "repurposing_cost_eur_per_t",
)


def _check_money_ranges(problems: ProblemList, file: str, row: int, r: Mapping[str, Any]) -> None:
    """``{col}_low <= {col} <= {col}_high`` for the re-use money columns (an empty bound
    means equal; a bound needs its nominal value)."""
    for col in MONEY_RANGES:
        lo, hi = r.get(f"{col}_low"), r.get(f"{col}_high")
        if (lo is None or pd.isna(lo)) and (hi is None or pd.isna(hi)):
            continue
        nom = r.get(col)
        if nom is None or pd.isna(nom):
            problems.error(
                file,
                f"a range of {col} needs its nominal value",
                row=row,
                column=col,
                found="",
                expected="a number",
            )
            continue
        a = float(nom) if lo is None or pd.isna(lo) else float(lo)
        b = float(nom) if hi is None or pd.isna(hi) else float(hi)
        if not a <= float(nom) <= b:
            problems.error(
                file,
                "range does not contain the nominal value",
                row=row,
                column=f"{col}_low",
                found=f"{a:g} .. {b:g} around {float(nom):g}",
                expected=f"{col}_low <= {col} <= {col}_high",
            )


COLLECTION_CLASSES = ("portable", "lmt", "sli", "ev", "industrial")


def _check_collection(instance: Instance, problems: ProblemList) -> None:
    """feeds.collection_class is known; placed on the market is at least what is available;
    collection steps name a feed and their marginal costs do not fall along a feed."""
    feeds = instance["feeds"]
    ffile = TABLES["feeds"].file
    for i, r in zip(feeds.index, records(feeds)):
        cls = str(r["collection_class"] or "")
        if cls and cls not in COLLECTION_CLASSES:
            problems.error(
                ffile,
                "unknown collection class",
                row=int(i) + 2,
                column="collection_class",
                found=cls,
                expected="empty or one of " + ", ".join(COLLECTION_CLASSES),
            )
        pom = r["placed_on_market_t_per_yr"]
        if pom is not None and pd.notna(pom) and float(pom) < float(r["available_t_per_yr"]):
            problems.warning(
                ffile,
                "more collected than placed on the market (collection rate above 100 %)",
                row=int(i) + 2,
                column="placed_on_market_t_per_yr",
                found=pom,
                expected=f">= available_t_per_yr ({r['available_t_per_yr']})",
            )
    steps = instance["collection_steps"]
    sfile = TABLES["collection_steps"].file
    known = set(feeds["feed_id"])
    last: dict[str, float] = {}
    for i, r in zip(steps.index, records(steps)):
        f, cost = r["feed_id"], float(r["cost_eur_per_t"])
        if f not in known:
            problems.error(
                sfile,
                "unknown feed_id",
                row=int(i) + 2,
                column="feed_id",
                found=f,
                expected="a feed_id of feeds.csv",
            )
        elif f in last and cost < last[f]:
            problems.error(
                sfile,
                "marginal collection cost falls along the feed's steps (not a supply curve)",
                row=int(i) + 2,
                column="cost_eur_per_t",
                found=cost,
                expected=f">= {last[f]} (the feed's previous step)",
            )
        last[f] = max(cost, last.get(f, cost))


def _check_reg_classes(instance: Instance, problems: ProblemList) -> None:
    feeds = instance["feeds"]
    for i, rc in feeds["reg_class"].fillna("").items():
        if rc and rc not in REG_CLASSES:
            problems.error(
                TABLES["feeds"].file,
                "unknown regulatory class",
                row=int(i) + 2,
                column="reg_class",
                found=rc,
                expected="empty or one of " + ", ".join(REG_CLASSES),
            )


def _check_energy_recovery_flags(instance: Instance, problems: ProblemList) -> None:
    routing = instance["routing"]
    for i, r in zip(routing.index, records(routing)):
        if bool(r["counts_recovered"]) and r["to_kind"] != "disposal":
            problems.warning(
                TABLES["routing"].file,
                "counts_recovered is honoured on disposal rows only; ignored here",
                row=int(i) + 2,
                column="counts_recovered",
                found=r["to_kind"],
                expected="to_kind disposal (energy recovery)",
            )


def _check_calc_points(instance: Instance, problems: ProblemList) -> None:
    """downstream_recovery rows name an intermediate product and a known material, with a
    source; an intermediate product without any row counts nothing (a warning)."""
    file = TABLES["downstream_recovery"].file
    prods = instance["products"].set_index("product_id")
    inter = set(prods.index[prods["calc_point"] == "intermediate"])
    materials = set(instance["materials"]["material"])
    dr = instance["downstream_recovery"]
    for i, r in zip(dr.index, records(dr)):
        row = int(i) + 2
        if r["product_id"] not in inter:
            known = r["product_id"] in prods.index
            problems.error(
                file,
                "downstream recovery of a final product" if known else "unknown product_id",
                row=row,
                column="product_id",
                found=r["product_id"],
                expected="a product of products.csv with calc_point intermediate",
            )
        if r["material"] not in materials:
            problems.error(
                file,
                "unknown material",
                row=row,
                column="material",
                found=r["material"],
                expected="a material of materials.csv",
            )
        if not str(r["source"]).strip():
            problems.warning(
                file,
                "downstream recovery without a source",
                row=row,
                column="source",
                found="",
                expected="the buyer's process and its public source, or 'assumption: <why>'",
            )
    for p in sorted(inter - set(dr["product_id"])):
        problems.warning(
            TABLES["products"].file,
            "intermediate product without downstream_recovery rows: none of its "
            "materials counts for the battery targets",
            row=int(list(prods.index).index(p)) + 2,
            column="calc_point",
            found=p,
            expected="rows in downstream_recovery.csv, or calc_point final",
        )


def _check_contracts(instance: Instance, problems: ProblemList) -> None:
    contracts = instance["offtake_contracts"]
    if contracts.empty:
        return
    file = TABLES["offtake_contracts"].file
    products = instance["products"].set_index("product_id")
    pp = instance["product_prices"]
    recovered = set(
        zip(
            pp.loc[pp["recovered"].astype(bool), "product_id"],
            pp.loc[pp["recovered"].astype(bool), "material"],
        )
    )
    materials = set(instance["materials"]["material"])
    for i, r in zip(contracts.index, records(contracts)):
        _check_contract(r, int(i) + 2, file, products, recovered, materials, problems)


def _check_contract(
    r: Mapping[str, Any],
    row: int,
    file: str,
    products: pd.DataFrame,
    recovered: set[tuple[str, str]],
    materials: set[str],
    problems: ProblemList,
) -> None:
    if r["product_id"] not in products.index:
        problems.error(
            file,
            "unknown product_id",
            row=row,
            column="product_id",
            found=r["product_id"],
            expected="a product_id of products.csv",
        )
        return
    if r["material"] not in materials:
        problems.error(
            file,
            "unknown material",
            row=row,
            column="material",
            found=r["material"],
            expected="a material of materials.csv",
        )
        return
    if (
        not bool(products.at[r["product_id"], "counts_recycled"])
        or (r["product_id"], r["material"]) not in recovered
    ):
        problems.error(
            file,
            "the contract buys recycled content, but this material does "
            "not count as recovered in a recycled product",
            row=row,
            column="material",
            found=f"{r['material']} in {r['product_id']}",
            expected="a product with counts_recycled and a product_prices row "
            "with recovered = true for this material",
        )
    if float(r["min_t_per_yr"]) > float(r["max_t_per_yr"]):
        problems.error(
            file,
            "minimum above maximum",
            row=row,
            column="min_t_per_yr",
            found=r["min_t_per_yr"],
            expected=f"<= {r['max_t_per_yr']}",
        )


__all__ = ["REG_CLASSES", "check_regulation"]

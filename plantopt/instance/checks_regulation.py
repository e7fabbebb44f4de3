"""Cross-table checks of the regulation inputs (called by :func:`plantopt.validate`).

* feeds.reg_class: empty, ``battery:lithium|lead_acid|nickel_cadmium|other`` or
  ``weee:1`` .. ``weee:6`` (anything else is covered by no target: an error);
* routing.counts_recovered only on disposal rows (warning otherwise: it is ignored);
* offtake_contracts: known product and material, the material must count as recovered in a
  product that counts as recycled (a contract buys recycled content), min <= max;
* downstream_recovery (calculation points, Delegated Regulation (EU) 2025/606): rows only
  for intermediate products and known materials, with a source (warning otherwise); an
  intermediate product without rows counts nothing (warning).
"""

from __future__ import annotations

import pandas as pd

from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance
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
    _check_contracts(instance, problems)


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
    for i, r in routing.iterrows():
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
    for i, r in dr.iterrows():
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
    for i, r in contracts.iterrows():
        _check_contract(r, int(i) + 2, file, products, recovered, materials, problems)


def _check_contract(
    r: pd.Series,
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

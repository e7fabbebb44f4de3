"""Collection steps, calculation points and Part B substances of the Dutch instances.

The reuse and second-life routes (units grade_pack and grade_eee, products second_life_pack
and reuse_it) are rows of the reference tables (process_units, unit_transfer_coefficients,
unit_routing, feed_entry, products), each with its source.

Called by :func:`plantopt.data.build_instances.build_instance` on the tables it assembled
(every figure carries its source or ``assumption: <why>`` in the rows it writes):

* calculation points (Delegated Regulation (EU) 2025/606): the products in
  ``reference/downstream_recovery.csv`` become ``intermediate`` with the buyer's recovery;
* Part B substances: graphite and electrolyte may be left out until 2029;
* collection: the portable and e-bike Li-ion feeds get their collection class, the amount
  placed on the market and three collection steps up to the 2027, 2030 and 2031 targets.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REF = Path(__file__).resolve().parent / "reference"

#: portable battery bring-back schemes, EUR per tonne collected (International Review of
#: Waste Management Policy, Irish Department of the Environment, 2009, table 25-4):
#: collection points 50-150, logistics 250-550, sorting 150-250, PR and communication
#: 50-1,700. The steps' marginal costs rise from the low end to the high end with PR.
COLLECTION_COST_SRC = (
    "International Review of Waste Management Policy (Irish Dept. of the Environment, "
    "2009), table 25-4: portable battery bring-back schemes, EUR/t collected: collection "
    "points 50-150, logistics 250-550, sorting 150-250, PR 50-1,700"
)
STEP_COSTS = (
    (450.0, "low end of points + logistics + sorting"),
    (950.0, "high end of points + logistics + sorting"),
    (2650.0, "high end plus the high end of PR and communication"),
)
#: feed -> (collection class, anchor of the amount placed on the market, share of it, rates
#: the three steps reach)
COLLECTION = {
    "portable_liion": ("portable", "nl_portable_pom", "portable_liion_share", (0.50, 0.63, 0.73)),
    "ebike_liion": ("lmt", "nl_ebike_pom", None, (0.35, 0.51, 0.61)),
}


def _ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype=str, keep_default_na=False)


def calculation_points(tables: dict[str, pd.DataFrame]) -> None:
    """Intermediate products and their downstream recovery (2025/606 calculation points)."""
    dr = _ref("downstream_recovery.csv")
    products = tables["products"].copy()
    dr = dr[dr["product_id"].isin(set(products["product_id"]))]
    products["calc_point"] = [
        "intermediate" if p in set(dr["product_id"]) else "final" for p in products["product_id"]
    ]
    tables["products"] = products
    tables["downstream_recovery"] = dr.reset_index(drop=True)


def collection_steps(tables: dict[str, pd.DataFrame]) -> None:
    """Collection class, amount placed on the market and the supply curve of two feeds."""
    anchors = _ref("nl_anchors.csv").set_index("anchor_id")
    feeds = tables["feeds"].copy()
    feeds["collection_class"] = ""
    feeds["placed_on_market_t_per_yr"] = float("nan")
    feeds = feeds.astype({"collection_class": object, "source": object})
    steps = []
    for fid, (cls, pom_id, share_id, rates) in COLLECTION.items():
        if fid not in set(feeds["feed_id"]):
            continue
        share = float(anchors.at[share_id, "value"]) if share_id else 1.0
        pom = float(anchors.at[pom_id, "value"]) * share
        i = feeds.index[feeds["feed_id"] == fid][0]
        feeds.at[i, "collection_class"] = cls
        feeds.at[i, "placed_on_market_t_per_yr"] = round(pom, 1)
        feeds.at[i, "source"] = (
            f"{feeds.at[i, 'source']} | placed on the market: {pom_id} "
            f"({anchors.at[pom_id, 'source']})"
            + (
                f" x {share_id} (assumption: the Li-ion share of the amount placed on the market "
                f"equals its share of the collected mass)"
                if share_id
                else ""
            )
        )
        level = float(feeds.at[i, "available_t_per_yr"])
        for (cost, why), rate in zip(STEP_COSTS, rates):
            step = f"to_{round(100 * rate)}pct"
            size = round(pom * rate - level, 1)
            if size <= 0:
                continue
            steps.append(
                {
                    "feed_id": fid,
                    "step_id": step,
                    "t_per_yr": size,
                    "cost_eur_per_t": cost,
                    "source": f"up to {rate:.0%} of the amount placed on the market; marginal "
                    f"cost: {why}; {COLLECTION_COST_SRC}",
                }
            )
            level += size
    tables["feeds"] = feeds
    tables["collection_steps"] = pd.DataFrame(steps)


#: materials a recycler may leave out of Part B until 2029 (Delegated Regulation (EU)
#: 2025/606: carbon, phosphorus, sulphur and the like): graphite (carbon) and the
#: electrolyte pseudo-material (carbonate solvents and LiPF6: carbon and phosphorus)
PARTB_EXCLUDABLE = ("graphite", "electrolyte")


def add_circularity(tables: dict[str, pd.DataFrame]) -> None:
    """All of the above, in place on the tables of one instance."""
    mats = tables["materials"].copy()
    mats["partb_excludable"] = (
        mats["material"].isin(PARTB_EXCLUDABLE).map({True: "true", False: "false"})
    )
    tables["materials"] = mats
    calculation_points(tables)
    collection_steps(tables)


__all__ = ["add_circularity", "calculation_points", "collection_steps"]

"""Compliance and offtake-contract tables, recomputed from the RESULT TABLES.

Nothing here reads model expressions: every ratio is rebuilt from ``feed_intake`` (tonnes
accepted), ``material_flows`` (real t/yr of each material on each edge, per feed) and the
instance's flags, so the report checks the model rather than repeating it.

* recycling_efficiency / weee_recycling: numerator = mass on edges into products with
  ``counts_recycled`` from covered feeds; denominator = tonnes of covered feeds accepted.
* weee_recovery: numerator adds products with ``counts_recovered`` and disposal edges whose
  routing row has ``counts_recovered`` (energy recovery).
* material_recovery of k: numerator = k on edges into products where k counts as recovered
  (product_prices.recovered), covered feeds; denominator = k on the feeds' entry edges
  (= accepted tonnes times the feed's k content).

Status per target: ``met``, ``binding`` (met with margin <= BINDING_TOL), ``violated``,
``no covered feed accepted`` (trivially met: nothing to measure; a feed accepted at less
than ACCEPTED_TOL_T t/yr is not accepted), ``covered feeds contain no <element>`` (none of
the covered feeds has it, accepted or not), ``accepted covered feeds contain no <element>``
(only covered feeds without it are accepted), ``no covered feed in instance``. ``binding``
is the slack definition: the ratio sits at its required value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.model.regulation_terms import RegulationData

BINDING_TOL = 1e-4  # fraction (0.01 pt): margins at most this are reported as binding
VIOLATION_TOL = 1e-6  # fraction: margins below minus this are violations
ACCEPTED_TOL_T = 1e-9  # t/yr: feeds accepted (and denominators) below this count as zero

COMPLIANCE_COLUMNS = [
    "target_id",
    "target",
    "kind",
    "material",
    "year",
    "deadline",
    "required_frac",
    "achieved_frac",
    "margin_frac",
    "numerator_t_per_yr",
    "denominator_t_per_yr",
    "status",
    "binding",
    "enforced",
    "covered_feeds",
    "accepted_covered_feeds",
    "legal_reference",
]


def _counting_edges(instance: Instance, mf: pd.DataFrame, kind: str) -> pd.Series:
    """Boolean mask over ``material_flows`` rows whose mass counts for a mass-ratio kind."""
    prods = instance["products"].set_index("product_id")
    recycled = set(prods.index[prods["counts_recycled"].astype(bool)])
    into_product = mf["target_kind"] == "product"
    mask = into_product & mf["target_id"].isin(recycled)
    if kind == "weee_recovery":
        recovered = recycled | set(prods.index[prods["counts_recovered"].astype(bool)])
        mask = into_product & mf["target_id"].isin(recovered)
        routing = instance["routing"]
        flagged = routing[
            (routing["to_kind"] == "disposal") & routing["counts_recovered"].astype(bool)
        ]
        keys = set(zip(flagged["unit_id"], flagged["output_id"], flagged["to_id"]))
        if keys:
            edge = list(zip(mf["source_id"], mf["output_id"], mf["target_id"]))
            energy = (mf["target_kind"] == "disposal") & pd.Series(
                [e in keys for e in edge], index=mf.index
            )
            mask = mask | energy
    return mask


def _recovered_edges(instance: Instance, mf: pd.DataFrame, material: str) -> pd.Series:
    pp = instance["product_prices"]
    rec = set(pp.loc[(pp["material"] == material) & pp["recovered"].astype(bool), "product_id"])
    return (
        (mf["target_kind"] == "product") & mf["target_id"].isin(rec) & (mf["material"] == material)
    )


def compliance_table(
    instance: Instance, reg: RegulationData, tables: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """One row per target in force: achieved vs required, margin, binding, covered feeds."""
    intake = tables["feed_intake"].set_index("feed_id")["accepted_t_per_yr"].astype(float)
    mf = tables["material_flows"]
    rows = []
    for t in reg.targets:
        feeds = list(t.feeds)
        # a feed accepted at solver noise (|x| < ACCEPTED_TOL_T) is not accepted
        accepted = [f for f in feeds if intake.get(f, 0.0) > ACCEPTED_TOL_T]
        on_feeds = mf["feed_id"].isin(feeds)
        if t.kind == "material_recovery":
            num = float(
                mf.loc[on_feeds & _recovered_edges(instance, mf, t.material), "mass_t_per_yr"].sum()
            )
            den = float(
                mf.loc[
                    on_feeds & (mf["source_kind"] == "feed") & (mf["material"] == t.material),
                    "mass_t_per_yr",
                ].sum()
            )
        else:
            num = float(
                mf.loc[on_feeds & _counting_edges(instance, mf, t.kind), "mass_t_per_yr"].sum()
            )
            den = float(intake.reindex(feeds).fillna(0.0).sum())
        if not feeds:
            achieved, status = np.nan, "no covered feed in instance"
        elif den <= ACCEPTED_TOL_T:
            achieved = np.nan
            status = _nothing_to_measure(instance, t.material, feeds, accepted)
        else:
            achieved = num / den
            margin = achieved - t.required_frac
            status = (
                "violated"
                if margin < -VIOLATION_TOL
                else "binding"
                if margin <= BINDING_TOL
                else "met"
            )
        margin = achieved - t.required_frac if np.isfinite(achieved) else np.nan
        rows.append(
            {
                "target_id": t.target_id,
                "target": t.title,
                "kind": t.kind,
                "material": t.material,
                "year": t.year,
                "deadline": t.deadline,
                "required_frac": t.required_frac,
                "achieved_frac": achieved,
                "margin_frac": margin,
                "numerator_t_per_yr": num,
                "denominator_t_per_yr": den,
                "status": status,
                "binding": status == "binding",
                "enforced": bool(reg.enforce and t.constrainable),
                "covered_feeds": ",".join(feeds),
                "accepted_covered_feeds": ",".join(accepted),
                "legal_reference": t.legal_reference,
            }
        )
    return pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS)


def _nothing_to_measure(
    instance: Instance, material: str | None, feeds: list[str], accepted: list[str]
) -> str:
    """Status of a target whose denominator is zero, saying why.

    ``covered feeds contain no <k>``: no covered feed of the instance has k in its
    composition (accepted or not); ``no covered feed accepted``: some do, but the plan accepts
    none of the covered feeds; ``accepted covered feeds contain no <k>``: the plan accepts
    covered feeds, only not those with k.
    """
    if material:
        comp = instance["composition"]
        has = comp[(comp["material"] == material) & (comp["mass_frac"] > 0)]["feed_id"]
        with_k = set(has) & set(feeds)
        if not with_k:
            return f"covered feeds contain no {material}"
        if accepted:
            return f"accepted covered feeds contain no {material}"
    return "no covered feed accepted"


CONTRACT_COLUMNS = [
    "contract_id",
    "product_id",
    "material",
    "min_t_per_yr",
    "max_t_per_yr",
    "taken_t_per_yr",
    "contained_in_product_t_per_yr",
    "premium_eur_per_t",
    "premium_eur_per_yr",
]


def contract_table(
    reg: RegulationData, take: dict[str, float], tables: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Per offtake contract: quantity taken, what the product contains, premium earned."""
    prod = tables["products"].groupby(["product_id", "material"])["mass_t_per_yr"].sum()
    rows = []
    for c in reg.contracts:
        taken = max(0.0, float(take.get(c.contract_id, 0.0)))
        rows.append(
            {
                "contract_id": c.contract_id,
                "product_id": c.product_id,
                "material": c.material,
                "min_t_per_yr": c.min_t_per_yr,
                "max_t_per_yr": c.max_t_per_yr,
                "taken_t_per_yr": taken,
                "contained_in_product_t_per_yr": float(prod.get((c.product_id, c.material), 0.0)),
                "premium_eur_per_t": c.premium_eur_per_t,
                "premium_eur_per_yr": taken * c.premium_eur_per_t,
            }
        )
    return pd.DataFrame(rows, columns=CONTRACT_COLUMNS)


def compliance_summary(comp: pd.DataFrame, reg: RegulationData) -> dict:
    """Compact summary for ``summary.json``."""
    return {
        "target_year": reg.target_year,
        "targets_enforced": reg.enforce,
        "targets_table_version": reg.table_version,
        "targets": [
            {
                k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in r.items()
                if k in ("target_id", "target", "required_frac", "achieved_frac", "status")
            }
            for r in comp.to_dict("records")
        ],
        "binding": [r for r in comp.loc[comp["binding"], "target_id"]],
        "violated": [r for r in comp.loc[comp["status"] == "violated", "target_id"]],
    }


__all__ = [
    "BINDING_TOL",
    "COMPLIANCE_COLUMNS",
    "compliance_summary",
    "compliance_table",
    "contract_table",
]

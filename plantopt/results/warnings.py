"""Warnings a reader of a plan must see next to its headline numbers.

* **targets met by refusing their feeds**: a target whose covered feeds are all refused
  reads 0 >= 0 (nothing to measure, status ``not applicable — no covered feed accepted``);
  a plan that refuses every battery feed must not read as "complies with 2031";
* **collection climbed at a cost the objective does not weigh**
  (:func:`unweighed_collection`): with the recovery objective every collection step that
  adds recovery is climbed, whatever its marginal cost (the cost enters profit and npv, not
  recovery); the warning gives the tonnes and the cost, and how to bound them;
* **the solve hit a limit**: status ``feasible`` (time limit, no proof of optimality) or a
  final relative gap above the one asked for;
* **the Monte Carlo median is far from the plan** (:func:`monte_carlo_warnings`): the
  median profit differs from the plan's by more than ``MC_FAR_REL`` of the larger of the two
  (lopsided input ranges: the plan's nominal value is not a typical outcome).

Each function reads only result tables and the summary, so it applies to a result in memory,
to any result folder, and to every period of a multi-period plan.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.targets import NOT_APPLICABLE

#: Median far from the plan: |P50 - plan| > MC_FAR_REL * max(|P50|, |plan|).
MC_FAR_REL = 0.5
REFUSED = NOT_APPLICABLE


def refused_feed_targets(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Targets (with period, when several) whose covered feeds the plan all refuses."""
    comp = tables.get("compliance")
    if comp is None or not len(comp):
        return []
    refused = [i for i, s in enumerate(comp["status"].tolist()) if s == REFUSED]
    target = comp["target"].tolist()
    if "period" in comp.columns:
        period = comp["period"].tolist()
        return [f"{target[i]} ({period[i]})" for i in refused]
    return [target[i] for i in refused]


def _refused_tonnes(tables: dict[str, pd.DataFrame]) -> float:
    """t/yr on offer of the covered feeds of the refused-feed targets (horizon sum)."""
    comp, intake = tables.get("compliance"), tables.get("feed_intake")
    if comp is None or intake is None:
        return 0.0
    feeds = {
        f
        for status, text in zip(comp["status"].tolist(), comp["covered_feeds"].tolist())
        if status == REFUSED
        for f in str(text).split(",")
        if f
    }
    if "period" in intake.columns:  # the largest period's offer
        sel = intake[intake["feed_id"].isin(feeds)]
        return float(sel.groupby("period")["available_t_per_yr"].sum().max()) if len(sel) else 0.0
    on_offer = np.fromiter((f in feeds for f in intake["feed_id"].tolist()), bool, len(intake))
    # the sum Series.sum gives: NaN skipped, the rest in row order (numpy's pairwise sum)
    return float(np.nansum(intake["available_t_per_yr"].to_numpy(float)[on_offer]))


#: objectives that do not weigh money (the collection steps' cost is not in them)
UNPRICED_OBJECTIVES = ("recovery",)


def unweighed_collection(summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> list[str]:
    """A warning when an objective without money (recovery) collects on costed steps.

    collected = sum of ``collection.collected_t_per_yr``, cost = sum of
    ``collection.cost_eur_per_yr`` (over the periods of a multi-period plan: per year of
    each period, added); no warning when nothing is collected or it costs nothing.
    """
    coll = tables.get("collection")
    if summary.get("objective_name") not in UNPRICED_OBJECTIVES or coll is None or not len(coll):
        return []
    collected = coll["collected_t_per_yr"].to_numpy(float) > 1e-6
    if not collected.any() or np.nansum(coll["cost_eur_per_yr"].to_numpy(float)[collected]) <= 0:
        return []  # as below, without a frame per solve (the usual case)
    used = coll[collected]
    cost = float(used["cost_eur_per_yr"].sum())
    if not len(used) or cost <= 0:
        return []
    full = int((used["collected_t_per_yr"] >= used["size_t_per_yr"] * (1 - 1e-6)).sum())
    return [
        f"the {summary['objective_name']} objective does not weigh the collection cost: the "
        f"plan collects {float(used['collected_t_per_yr'].sum()):,.0f} t/yr more on "
        f"{len(used)} collection step(s) ({full} in full) at {cost:,.0f} EUR/yr, up to "
        f"{float(used['cost_eur_per_t'].max()):,.0f} EUR/t; the profit includes that cost. "
        "Bound it with --profit-floor, or solve for profit or npv"
    ]


def plan_warnings(summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> list[str]:
    """Plain-words warnings of a solved (or unsolved) plan; empty when there is none."""
    out: list[str] = []
    refused = refused_feed_targets(tables)
    if refused:
        shown = ", ".join(refused[:6]) + (
            f" and {len(refused) - 6} more" if len(refused) > 6 else ""
        )
        out.append(
            f"{len(refused)} target(s) are not applicable because the plan refuses every "
            f"feed they cover ({_refused_tonnes(tables):,.0f} t/yr on offer): {shown}. "
            "The plan does not show that these targets can be met (the manifest's "
            "treat_all_collected or --treat-all-collected makes the plan accept the covered "
            "feeds; a target out of reach then makes the solve infeasible and its diagnosis "
            "says how far the routes get: docs/regulation.md, 'Refusing covered feeds is not "
            "compliance')."
        )
    out.extend(unweighed_collection(summary, tables))
    status = summary.get("status")
    gap, asked = summary.get("gap"), (summary.get("options") or {}).get("mip_rel_gap")
    if status == "feasible":
        gap_text = f" (gap {100 * gap:.2f} %)" if gap is not None and math.isfinite(gap) else ""
        out.append(
            "the solve stopped at a limit before proving optimality"
            + gap_text
            + "; a better plan may exist: raise --time-limit or --gap"
        )
    elif gap is not None and asked is not None and math.isfinite(gap) and gap > 1.01 * asked:
        out.append(
            f"the solve ended with gap {100 * gap:.2f} %, above the {100 * asked:.2f} % asked for"
        )
    return out


def monte_carlo_warnings(
    quantiles: pd.DataFrame, nominal: dict[str, float], metric: str = "profit_eur_per_yr"
) -> list[str]:
    """A warning when the median of ``metric`` is far from the plan's value."""
    q = quantiles.set_index("metric") if "metric" in quantiles.columns else quantiles
    if metric not in q.index or metric not in nominal:
        return []
    p50, plan = float(q.at[metric, "p50"]), float(nominal[metric])
    scale = max(abs(p50), abs(plan))
    if not (math.isfinite(p50) and math.isfinite(plan)) or scale <= 0:
        return []
    if abs(p50 - plan) <= MC_FAR_REL * scale:
        return []
    ratio = f"{p50 / plan:.1f}x" if plan != 0 else "not comparable to"
    return [
        f"the Monte Carlo median of {metric} ({p50:,.0f}) is {ratio} the plan's "
        f"({plan:,.0f}): the input ranges are lopsided, so the plan's nominal value is "
        "not a typical outcome; check the low/high ranges (e.g. of precious-metal "
        "contents and prices)"
    ]


__all__ = [
    "MC_FAR_REL",
    "monte_carlo_warnings",
    "plan_warnings",
    "refused_feed_targets",
    "unweighed_collection",
]

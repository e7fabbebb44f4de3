"""What differs between two plans: headline figures, units and sizes, feeds, flows by route,
compliance.

Each table has the value in plan A, in plan B and ``delta = B - A`` (for numbers), one row
per key; rows equal in both plans are dropped from ``units``, ``feeds`` and ``routes`` (the
headline and compliance tables keep every row). Keys carry ``period`` for multi-period
plans, so a plan of 2027-2040 compares period by period. Input is anything
:meth:`plantopt.results.tables.Result.load` reads: results of solve, breakeven, a Pareto
point, a batch job (or a sensitivity run that writes a result folder).

    headline    objective, NPV, IRR, payback, profit, capex, accepted t/yr, weighted and
                critical recovery (the solve status of each plan is ``status``)
    units       unit, option: count, capacity t/yr, capex (built in either plan)
    feeds       feed: accepted t/yr
    routes      edge source -> target of the flowsheet (feed, unit, product:<id>,
                disposal:<id>, loss:<id>): real t/yr, summed over feeds and materials
    paths       every route-tree path (feed > unit > output > ...) ending in a product or
                sink: feed-equivalent t/yr
    compliance  target: achieved share and status in each plan
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: relative difference below which two numbers count as equal
REL_EQ = 1e-6

HEADLINE = (
    ("objective", "objective", ("objective",)),
    ("NPV", "money", ("business_case", "npv_eur")),
    ("IRR", "rate", ("business_case", "irr")),
    ("payback year", "year", ("business_case", "payback_year")),
    ("profit per year", "money_yr", ("profit_eur_per_yr",)),
    ("capex (gross)", "money", ("business_case", "capex_gross_eur")),
    ("accepted", "t_yr", ("business_case", "accepted_t_per_yr")),
    ("weighted recovery", "t_yr", ("weighted_recovery_t_per_yr",)),
    ("critical materials recovered", "t_yr", ("critical_recovered_t_per_yr",)),
)


@dataclass
class Comparison:
    """Tables of the differences between plan A and plan B (see the module docstring)."""

    a_name: str
    b_name: str
    headline: pd.DataFrame
    units: pd.DataFrame
    feeds: pd.DataFrame
    routes: pd.DataFrame
    compliance: pd.DataFrame
    paths: pd.DataFrame
    currency: str = "EUR"
    status: tuple[str, str] = ("", "")

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "compare_headline": self.headline,
            "compare_units": self.units,
            "compare_feeds": self.feeds,
            "compare_routes": self.routes,
            "compare_compliance": self.compliance,
            "compare_paths": self.paths,
        }

    @property
    def same_plan(self) -> bool:
        """Same units, options, feeds and routes (to REL_EQ)."""
        return not (len(self.units) or len(self.feeds) or len(self.routes) or len(self.paths))


def _get(summary: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = summary
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _headline(a: Any, b: Any) -> pd.DataFrame:
    """One row per headline metric (numbers; missing values NaN)."""
    rows = []
    for label, kind, path in HEADLINE:
        va, vb = (_get(r.summary, path) for r in (a, b))
        va, vb = (float(v) if isinstance(v, (int, float)) else np.nan for v in (va, vb))
        rows.append({"metric": label, "kind": kind, "a": va, "b": vb, "delta": vb - va})
    return pd.DataFrame(rows, columns=["metric", "kind", "a", "b", "delta"])


def _side_by_side(
    ta: pd.DataFrame | None,
    tb: pd.DataFrame | None,
    keys: list[str],
    values: list[str],
    drop_equal: bool = True,
) -> pd.DataFrame:
    """Outer join of A and B on ``keys`` with ``<value>_a``, ``<value>_b``, ``<value>_delta``."""
    empty = pd.DataFrame(columns=keys + values)
    ta, tb = (empty if t is None else t for t in (ta, tb))
    if "period" in ta.columns or "period" in tb.columns:
        keys = ["period", *keys]
    ga = ta.groupby(keys, as_index=True)[values].sum() if len(ta) else None
    gb = tb.groupby(keys, as_index=True)[values].sum() if len(tb) else None
    present = [g.index for g in (ga, gb) if g is not None]
    if not present:
        return pd.DataFrame(
            columns=keys + [f"{v}_{s}" for v in values for s in ("a", "b", "delta")]
        )
    index = present[0] if len(present) == 1 else present[0].union(present[1])
    out = pd.DataFrame(index=index)
    changed = np.zeros(len(index), dtype=bool)
    for v in values:
        va = (ga[v].reindex(index) if ga is not None else pd.Series(np.nan, index)).fillna(0.0)
        vb = (gb[v].reindex(index) if gb is not None else pd.Series(np.nan, index)).fillna(0.0)
        out[f"{v}_a"], out[f"{v}_b"], out[f"{v}_delta"] = va, vb, vb - va
        scale = np.maximum(np.maximum(va.abs(), vb.abs()), 1e-9)
        changed |= ((vb - va).abs() > REL_EQ * scale).to_numpy() & (
            (vb - va).abs() > 1e-9
        ).to_numpy()
    out = out.reset_index()
    return out[changed].reset_index(drop=True) if drop_equal else out


def _routes(ta: pd.DataFrame | None, tb: pd.DataFrame | None) -> pd.DataFrame:
    """Real t/yr on each edge between feeds, units, products and sinks (``material_flows``
    summed over feeds and materials): the plan's routes at the level of the flowsheet."""

    def edges(t: pd.DataFrame | None) -> pd.DataFrame | None:
        if t is None:
            return None
        t = t.assign(
            source=np.where(
                t["source_kind"] == "feed",
                "feed:" + t["source_id"].astype(str),
                t["source_id"].astype(str),
            ),
            target=t["target_kind"].astype(str) + ":" + t["target_id"].astype(str),
        )
        t.loc[t["target_kind"] == "unit", "target"] = t["target_id"]
        return t

    return _side_by_side(edges(ta), edges(tb), ["source", "target"], ["mass_t_per_yr"])


def _paths(ta: pd.DataFrame | None, tb: pd.DataFrame | None) -> pd.DataFrame:
    """Feed-equivalent t/yr on every route-tree path that ends in a product or sink."""

    def leaves(t: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if t is None else t[t["kind"] != "unit"]

    return _side_by_side(leaves(ta), leaves(tb), ["path"], ["flow_feed_equiv_t_per_yr"])


def _compliance(ta: pd.DataFrame | None, tb: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["target_id", "target", "required_frac", "achieved_frac", "status"]
    keys = ["target_id", "target", "required_frac"]
    parts = []
    for t, side in ((ta, "a"), (tb, "b")):
        if t is None:
            continue
        c = t[(["period"] if "period" in t.columns else []) + cols]
        c = c[c["status"] != "no covered feed in instance"]
        parts.append(
            c.rename(columns={"achieved_frac": f"achieved_frac_{side}", "status": f"status_{side}"})
        )
    if not parts:
        return pd.DataFrame(
            columns=keys + ["achieved_frac_a", "achieved_frac_b", "status_a", "status_b"]
        )
    on = (["period"] if "period" in parts[0].columns else []) + keys
    out = parts[0] if len(parts) == 1 else parts[0].merge(parts[1], on=on, how="outer")
    for side in ("a", "b"):
        for col in (f"achieved_frac_{side}", f"status_{side}"):
            if col not in out.columns:
                out[col] = np.nan if col.startswith("achieved") else ""
    out["achieved_frac_delta"] = out["achieved_frac_b"] - out["achieved_frac_a"]
    out["status_changed"] = out["status_a"].fillna("") != out["status_b"].fillna("")
    return out.reset_index(drop=True)


def compare_results(a: Any, b: Any, a_name: str = "A", b_name: str = "B") -> Comparison:
    """Compare two :class:`~plantopt.results.tables.Result` objects (B relative to A)."""
    ta, tb = a.tables, b.tables
    units = _side_by_side(
        ta.get("built_units"),
        tb.get("built_units"),
        ["unit_id", "option_id"],
        ["count", "capacity_t_per_yr", "capex_eur"],
    )
    feeds = _side_by_side(
        ta.get("feed_intake"), tb.get("feed_intake"), ["feed_id"], ["accepted_t_per_yr"]
    )
    inst = a.instance or b.instance
    currency = (inst.manifest.currency if inst is not None else None) or "EUR"
    return Comparison(
        a_name,
        b_name,
        _headline(a, b),
        units,
        feeds,
        _routes(ta.get("material_flows"), tb.get("material_flows")),
        _compliance(ta.get("compliance"), tb.get("compliance")),
        _paths(ta.get("flows"), tb.get("flows")),
        currency,
        (str(a.summary.get("status")), str(b.summary.get("status"))),
    )


def compare(a_dir: Any, b_dir: Any) -> Comparison:
    """Compare the result folders ``a_dir`` and ``b_dir`` (B relative to A)."""
    from pathlib import Path

    from plantopt.results.tables import Result

    return compare_results(
        Result.load(a_dir), Result.load(b_dir), str(Path(a_dir)), str(Path(b_dir))
    )


__all__ = ["Comparison", "compare", "compare_results"]

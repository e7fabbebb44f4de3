"""Compliance per site of a network (issue 15), from the ``site_material_flows`` table.

The targets are enforced once for the operator's network (the law asks for the recycling
process, which may run over several facilities: ``docs/network.md``); this table says where
the figures come from. For each site s and target t it applies the regulation layer's own
ratio (:func:`plantopt.regulation.compliance.target_row`, the numerators and denominators
of ``compliance``) to what s **finishes**:

* numerator: the counted product edges at s (the same w[p, k], x_k and counting rules);
* denominator: the net input of the covered feeds at s, per material m
  ``entry edges at s + shipments into s - shipments out of s``
  (= products + disposal + losses at s), less what leaves the waste stage at s.

So a spoke that dismantles and ships everything on has a denominator of only what it
landfills itself, and summed over the sites the numerators and denominators are the
operator's (``compliance``): the operator's ratio is the denominator-weighted mean of the
sites' ratios. Rows with ``scope`` ``chain`` add up the sites a covered feed's streams are
shipped between (the connected sites of the target's shipments, when there are at least
two): each is one recycling process run over several facilities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.model.regulation_terms import RegulationData, TargetTerms
from plantopt.regulation.compliance import (
    BINDING_TOL,
    VIOLATION_TOL,
    Edges,
    Weights,
    target_row,
)

SITE_COMPLIANCE_COLUMNS = [
    "scope",
    "site_id",
    "target_id",
    "target",
    "kind",
    "material",
    "required_frac",
    "achieved_frac",
    "margin_frac",
    "numerator_t_per_yr",
    "denominator_t_per_yr",
    "status",
    "operator_achieved_frac",
    "enforced",
    "accepted_covered_feeds",
]
NET_EPS_T = 1e-9  # t/yr: net inputs below this (solver noise) count as zero


def _site_tables(smf: pd.DataFrame, sites: list[str]) -> dict[str, dict[str, pd.DataFrame]]:
    """Per site: ``material_flows`` with the entry edges replaced by the net input of each
    (feed, material), and ``feed_intake`` = the net input per feed (t/yr)."""
    ship = (smf["source_kind"] == "site") & (smf["target_kind"] == "site")
    entry = smf["source_kind"] == "feed"
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for s in sites:
        parts = [
            smf[entry & (smf["site_id"] == s)].assign(sign=1.0),
            smf[ship & (smf["target_id"] == s)].assign(sign=1.0),
            smf[ship & (smf["source_id"] == s)].assign(sign=-1.0),
        ]
        inflow = pd.concat(parts).assign(t=lambda d: d["sign"] * d["mass_t_per_yr"])
        net = inflow.groupby(["feed_id", "material"], as_index=False, sort=False)["t"].sum()
        net = net[net["t"] > NET_EPS_T]
        entries = pd.DataFrame({
            "feed_id": net["feed_id"], "source_kind": "feed", "source_id": net["feed_id"],
            "output_id": "", "target_kind": "site", "target_id": s,
            "material": net["material"], "mass_t_per_yr": net["t"],
        })  # fmt: skip
        inner = smf[(smf["site_id"] == s) & ~entry & ~ship].drop(columns="site_id")
        intake = net.groupby("feed_id", as_index=False)["t"].sum()
        out[s] = {
            "material_flows": pd.concat([entries, inner], ignore_index=True),
            "feed_intake": intake.rename(columns={"t": "accepted_t_per_yr"}),
        }
    return out


def _chains(smf: pd.DataFrame, t: TargetTerms) -> list[list[str]]:
    """Groups of at least two sites joined by shipments of t's covered feeds' streams."""
    ship = smf[(smf["source_kind"] == "site") & smf["feed_id"].isin(list(t.feeds))]
    parent: dict[str, str] = {}

    def root(a: str) -> str:
        while parent.setdefault(a, a) != a:
            a = parent[a]
        return a

    for a, b in zip(ship["source_id"], ship["target_id"]):
        parent[root(str(a))] = root(str(b))
    groups: dict[str, list[str]] = {}
    for s in parent:
        groups.setdefault(root(s), []).append(s)
    return [sorted(g) for g in groups.values() if len(g) >= 2]


def _summed_row(rows: list[dict]) -> tuple[float, float, float]:
    """(numerator, denominator, ratio) of several sites' rows added up."""
    num = float(sum(r["numerator_t_per_yr"] for r in rows))
    den = float(sum(r["denominator_t_per_yr"] for r in rows))
    return num, den, num / den if den > NET_EPS_T else np.nan


def site_compliance_table(
    instance: Instance,
    reg: RegulationData,
    tables: dict[str, pd.DataFrame],
    operator: pd.DataFrame,
) -> pd.DataFrame:
    """One row per (site, target) with something to measure at the site, then one per
    chain of connected sites; ``operator_achieved_frac`` is the enforced network figure of
    ``compliance`` (``operator``)."""
    smf = tables["site_material_flows"]
    sites = list(tables["sites"]["site_id"]) if "sites" in tables else sorted(set(smf["site_id"]))
    weights = Weights(instance, reg.target_year)
    per_site = _site_tables(smf, sites)
    edges = {s: Edges(instance, per_site[s], weights) for s in sites}
    op = operator.set_index("target_id")["achieved_frac"].to_dict()
    rows = []
    for t in reg.targets:
        by_site = {s: target_row(instance, reg, t, edges[s]) for s in sites}
        for s, r in by_site.items():
            if np.isfinite(r["achieved_frac"]):
                rows.append(_out("site", s, r, op))
        for chain in _chains(smf, t):
            r = dict(by_site[chain[0]])
            num, den, ratio = _summed_row([by_site[s] for s in chain])
            if not np.isfinite(ratio):
                continue
            margin = ratio - t.required_frac
            r.update(numerator_t_per_yr=num, denominator_t_per_yr=den, achieved_frac=ratio,
                     margin_frac=margin, status=_word(margin))  # fmt: skip
            rows.append(_out("chain", "+".join(chain), r, op))
    return pd.DataFrame(rows, columns=SITE_COMPLIANCE_COLUMNS)


def _word(margin: float) -> str:
    return "violated" if margin < -VIOLATION_TOL else "binding" if margin <= BINDING_TOL else "met"


def _out(scope: str, site: str, r: dict, operator: dict) -> dict:
    """A row of the table: a site's (or chain's) figures, never enforced on their own."""
    return {
        "scope": scope,
        "site_id": site,
        **{k: r[k] for k in SITE_COMPLIANCE_COLUMNS[2:12]},
        "operator_achieved_frac": operator.get(r["target_id"], np.nan),
        "enforced": False,
        "accepted_covered_feeds": r["accepted_covered_feeds"],
    }


__all__ = ["SITE_COMPLIANCE_COLUMNS", "site_compliance_table"]

"""Scenarios of the sample-average approximation, drawn by the Monte Carlo sampler of ``evaluate``.

Scenario s of ``robust --seed S`` is sample s of ``evaluate --seed S``: the same counter-based
draws (:mod:`plantopt.uncertainty.kernels_mc`, through its NumPy twin ``_sample_inputs_numpy``)
of the compositions comp_s[f, m], the transfer coefficients tc_s[k, m] (renormalised per unit,
feed class and material) and the price factors g_s[m], for every node of the route tree (the
spec is built for a plan in which every node carries flow). Feed tonnage is drawn on top, with
counters past the kernel's last entry (so the kernel's draws do not change):

    avail_s[f] = PERT/triangular(available_t_per_yr_low, available_t_per_yr, ..._high)
                 (the relative comp spread when the feed has no range; min(avail_s, contracted
                 minimum) is kept at the contracted minimum, which is a take-or-pay promise)

A scenario is then an instance and a route tree that differ from the nominal ones only in
numbers: tree coef_s[n] = comp_s[f(n)] prod tc_s along the path (the route tree kernel),
product prices price[p, m] g_s[m], feeds available avail_s[f]. Structural zeros stay zero, so
every scenario has the nominal route tree's nodes and the same column layout.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.routetree.tree import RouteTree, build_route_tree
from plantopt.uncertainty.kernels_mc import _sample_inputs_numpy, draw_numpy, seed_key
from plantopt.uncertainty.plan import Plan
from plantopt.uncertainty.spec import SamplingOptions, Spec, build_spec


@dataclass(frozen=True)
class Scenario:
    """One scenario: its instance and route tree (same nodes as the nominal tree)."""

    index: int
    instance: Instance
    tree: RouteTree
    price_factor: np.ndarray  # (M,)
    available_t_per_yr: np.ndarray  # (F,)


def full_plan(instance: Instance, tree: RouteTree) -> Plan:
    """A stand-in plan in which every feed and node carries 1 t/yr (spec of the whole tree)."""
    n_f, n_u = len(tree.feeds), len(tree.units)
    return Plan(
        instance=instance,
        tree=tree,
        accept_t_per_yr=np.ones(n_f),
        flow_feed_equiv_t_per_yr=np.ones(tree.n_nodes),
        split_frac=np.full(tree.n_nodes, np.nan),
        capacity_t_per_yr=np.zeros(n_u),
        fixed_cost_eur_per_yr=0.0,
        gate_fees_eur_per_yr=0.0,
        conservation_error=0.0,
        source="scenarios",
    )


def _tonnage_bounds(instance: Instance, tree: RouteTree, spread: float) -> tuple[np.ndarray, ...]:
    feeds = instance["feeds"].set_index("feed_id")
    nom = np.array([float(feeds.at[f, "available_t_per_yr"]) for f in tree.feeds])
    lo, hi = nom * (1.0 - spread), nom * (1.0 + spread)
    for col, out in (("available_t_per_yr_low", lo), ("available_t_per_yr_high", hi)):
        if col in feeds.columns:
            v = np.array([feeds.at[f, col] for f in tree.feeds], dtype=float)
            out[:] = np.where(np.isfinite(v), v, out)
    return np.maximum(np.minimum(lo, nom), 0.0), nom, np.maximum(hi, nom)


def _scenario_tables(
    instance: Instance, tree: RouteTree, g: np.ndarray, avail: np.ndarray
) -> dict[str, pd.DataFrame]:
    tables = dict(instance.tables)
    pp = instance["product_prices"].copy()
    m_index = {m: i for i, m in enumerate(tree.materials)}
    pp["price_eur_per_t"] = pp["price_eur_per_t"].astype(float) * np.array(
        [g[m_index[m]] for m in pp["material"]]
    )
    tables["product_prices"] = pp
    feeds = instance["feeds"].copy()
    by_feed = dict(zip(tree.feeds, avail))
    new = feeds["feed_id"].map(by_feed).astype(float)
    floor = feeds["contracted_min_t_per_yr"].astype(float)
    feeds["available_t_per_yr"] = np.maximum(new, floor)
    tables["feeds"] = feeds
    return tables


def draw_scenarios(
    instance: Instance,
    n: int,
    seed: int,
    opts: SamplingOptions,
    tree: RouteTree | None = None,
    first: int = 0,
) -> list[Scenario]:
    """Scenarios ``first .. first + n - 1`` of ``seed`` (sample indices of ``evaluate``)."""
    tree = tree or build_route_tree(instance)
    spec = build_spec(full_plan(instance, tree), opts)
    a = spec.arrays
    if a.lhs_n < 0:
        a = replace(a, lhs_n=first + n)
    samples = np.arange(first, first + n, dtype=np.int64)
    comp, tc_ext, g = _sample_inputs_numpy(a, seed_key(seed), samples)
    lo, nom, hi = _tonnage_bounds(instance, tree, opts.comp_spread)
    entries = a.entry_offsets()[2] + np.arange(len(tree.feeds))
    avail = draw_numpy(seed_key(seed), samples, entries, lo, nom, hi, a.dist, a.pert_table, a.lhs_n)
    ext = _tree_rows_to_spec(tree, spec)
    out = []
    for i, s in enumerate(samples):
        tc = np.array(tree.tc, dtype=float)
        rows = np.flatnonzero(ext >= 0)
        tc[rows] = tc_ext[i][ext[rows]]
        tree_s = tree.with_inputs(np.ascontiguousarray(comp[i]), tc)
        tables = _scenario_tables(instance, tree, g[i], avail[i])
        inst_s = replace(instance, tables=tables)
        out.append(Scenario(int(s), inst_s, tree_s, g[i].copy(), avail[i].copy()))
    return out


def _tree_rows_to_spec(tree: RouteTree, spec: Spec) -> np.ndarray:
    """Spec (extended) tc row of each tree tc row, -1 where the spec has none."""
    out = np.full(tree.tc.shape[0], -1, dtype=np.int64)
    for k, e in spec.tree_tc_rows.items():
        out[k] = e
    return out


__all__ = ["Scenario", "draw_scenarios", "full_plan"]

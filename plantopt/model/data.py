"""Pre-grouped, sparse model data built once from an instance and its route tree.

Every model block reads coefficients from here: plain dicts and lists over sparse index sets,
computed with vectorised NumPy from the route-tree arrays. No block scans all flows per row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..instance import Instance
from ..routetree import KIND_DISPOSAL, KIND_LOSS, KIND_PRODUCT, KIND_UNIT, RouteTree


def capital_recovery_factor(rate: float, lifetime_yr: float) -> float:
    """Annuity factor turning capex into an equal annual payment.

    CRF(r, L) = r (1 + r)^L / ((1 + r)^L - 1), and 1 / L when r = 0.
    """
    if rate <= 0:
        return 1.0 / lifetime_yr
    g = (1.0 + rate) ** lifetime_yr
    return rate * g / (g - 1.0)


@dataclass(frozen=True)
class CapacityOption:
    unit: str
    option: str
    capacity_t_per_yr: float
    capex_eur: float
    fixed_opex_eur_per_yr: float
    lifetime_yr: float
    annualised_capex_eur_per_yr: float


@dataclass(frozen=True)
class ModelData:
    """Everything the Pyomo blocks need, keyed by the model's sparse index sets.

    Node coefficients are per feed-equivalent tonne of ``flow[n]``:
    ``node_mass[n]`` real t, ``node_revenue[n]`` EUR, ``node_route_cost[n]`` EUR.
    """

    tree: RouteTree
    manifest: dict[str, Any]
    feeds: list[str]
    feed_lb: dict[str, float]
    feed_ub: dict[str, float]
    gate_fee: dict[str, float]
    feed_root_nodes: dict[str, list[int]]
    groups: list[int]  # non-root groups
    group_parent: dict[int, int]
    group_children: dict[int, list[int]]
    units: list[str]
    unit_nodes: dict[str, list[int]]
    unit_opex: dict[str, float]
    unit_min_load: dict[str, float]
    unit_existing: dict[str, float]
    unit_max_capacity: dict[str, float]
    options: dict[tuple[str, str], CapacityOption]
    unit_options: dict[str, list[str]]
    products: list[str]
    product_nodes: dict[str, list[int]]
    product_offtake: dict[str, float]
    node_mass: dict[int, float]
    node_revenue: dict[int, float]  # EUR per feed-equivalent t (product nodes only)
    node_route_cost: dict[int, float]  # EUR per feed-equivalent t (branches with a cost)
    recovery_weight: dict[str, float]
    recovered_terms: dict[str, list[tuple[int, float]]]  # material -> [(node, t per t)]
    budget_eur: float | None


def build_model_data(instance: Instance, tree: RouteTree) -> ModelData:
    """Group the route tree and the instance tables into the blocks' sparse coefficients."""
    rate = float(instance.manifest.get("discount_rate") or 0.0)
    feeds_df = instance["feeds"]
    feeds = list(tree.feeds)
    mass = tree.node_mass()
    kind, target = tree.node_kind, tree.node_target

    feed_root_nodes: dict[str, list[int]] = {f: [] for f in feeds}
    group_parent: dict[int, int] = {}
    group_children: dict[int, list[int]] = {}
    groups: list[int] = []
    for g in range(tree.n_groups):
        children = tree.group_children[tree.group_ptr[g]:tree.group_ptr[g + 1]].tolist()
        parent = int(tree.group_parent[g])
        if parent < 0:
            feed_root_nodes[feeds[int(tree.group_feed[g])]].extend(children)
        elif children:
            groups.append(g)
            group_parent[g] = parent
            group_children[g] = children

    units = list(tree.units)
    unit_nodes: dict[str, list[int]] = {u: [] for u in units}
    for n in np.flatnonzero(kind == KIND_UNIT).tolist():
        unit_nodes[units[int(target[n])]].append(n)
    products = list(tree.products)
    product_nodes: dict[str, list[int]] = {p: [] for p in products}
    for n in np.flatnonzero(kind == KIND_PRODUCT).tolist():
        product_nodes[products[int(target[n])]].append(n)

    # per-node revenue and recovered mass: (product, material) matrices times coef
    m_index = {m: i for i, m in enumerate(tree.materials)}
    p_index = {p: i for i, p in enumerate(products)}
    value = np.zeros((len(products), len(tree.materials)))  # EUR per t contained
    recov = np.zeros((len(products), len(tree.materials)), dtype=bool)
    pp = instance["product_prices"]
    for p, m, price, pay, rec in zip(pp["product_id"], pp["material"], pp["price_eur_per_t"],
                                     pp["payable_frac"], pp["recovered"]):
        value[p_index[p], m_index[m]] = float(price) * float(pay)
        recov[p_index[p], m_index[m]] = bool(rec)
    prod_nodes = np.flatnonzero(kind == KIND_PRODUCT)
    prod_of = target[prod_nodes]
    revenue = (tree.coef[prod_nodes] * value[prod_of]).sum(axis=1)
    node_revenue = {int(n): float(r) for n, r in zip(prod_nodes, revenue) if r != 0.0}

    weights = dict(zip(instance["materials"]["material"],
                       instance["materials"]["recovery_weight"].astype(float)))
    recovered_terms: dict[str, list[tuple[int, float]]] = {m: [] for m in tree.materials}
    rec_coef = tree.coef[prod_nodes] * recov[prod_of]
    rows, cols = np.nonzero(rec_coef > 0)
    for r, c in zip(rows.tolist(), cols.tolist()):
        recovered_terms[tree.materials[c]].append((int(prod_nodes[r]), float(rec_coef[r, c])))

    route_cost = tree.node_route_cost * mass
    node_route_cost = {int(n): float(route_cost[n]) for n in np.flatnonzero(route_cost != 0)}

    options: dict[tuple[str, str], CapacityOption] = {}
    unit_options: dict[str, list[str]] = {u: [] for u in units}
    for r in instance["capacity_options"].itertuples(index=False):
        opt = CapacityOption(
            r.unit_id, r.option_id, float(r.capacity_t_per_yr), float(r.capex_eur),
            float(r.fixed_opex_eur_per_yr), float(r.lifetime_yr),
            float(r.capex_eur) * capital_recovery_factor(rate, float(r.lifetime_yr)))
        options[(r.unit_id, r.option_id)] = opt
        unit_options[r.unit_id].append(r.option_id)
    udf = instance["units"]
    unit_existing = dict(zip(udf["unit_id"], udf["existing_capacity_t_per_yr"].astype(float)))
    unit_max_capacity = {
        u: unit_existing[u] + max((options[(u, j)].capacity_t_per_yr
                                   for j in unit_options[u]), default=0.0)
        for u in units}
    offtake = {p: float(x) for p, x in zip(instance["products"]["product_id"],
                                           instance["products"]["max_offtake_t_per_yr"])
               if x is not None and not math.isnan(float(x))}
    budget = instance.manifest.get("budget_eur")
    return ModelData(
        tree=tree, manifest=dict(instance.manifest), feeds=feeds,
        feed_lb=dict(zip(feeds_df["feed_id"], feeds_df["contracted_min_t_per_yr"].astype(float))),
        feed_ub=dict(zip(feeds_df["feed_id"], feeds_df["available_t_per_yr"].astype(float))),
        gate_fee=dict(zip(feeds_df["feed_id"], feeds_df["gate_fee_eur_per_t"].astype(float))),
        feed_root_nodes=feed_root_nodes, groups=groups, group_parent=group_parent,
        group_children=group_children, units=units, unit_nodes=unit_nodes,
        unit_opex=dict(zip(udf["unit_id"], udf["opex_eur_per_t"].astype(float))),
        unit_min_load=dict(zip(udf["unit_id"], udf["min_load_frac"].astype(float))),
        unit_existing=unit_existing, unit_max_capacity=unit_max_capacity, options=options,
        unit_options=unit_options, products=products, product_nodes=product_nodes,
        product_offtake=offtake, node_mass={n: float(x) for n, x in enumerate(mass)},
        node_revenue=node_revenue, node_route_cost=node_route_cost,
        recovery_weight={m: float(weights.get(m, 0.0)) for m in tree.materials},
        recovered_terms=recovered_terms,
        budget_eur=None if budget is None else float(budget),
    )


__all__ = ["ModelData", "CapacityOption", "build_model_data", "capital_recovery_factor",
           "KIND_DISPOSAL", "KIND_LOSS"]

"""Targets evaluated per sample: ratios of sampled mass that counts over sampled mass entering.

    ratio_t = sum_n node_weight_t[n] flow[n] x_s[n] / sum_f feed_weight_t[f] accept[f] y_s[f]

* material recovery of k (Battery Regulation Annex XII Part C): node_weight = w[p, k] (1,
  or the downstream recovery of an intermediate product) on product nodes of covered feeds;
  x = coef_s[n, k], y = comp_s[f, k];
* mass ratios (recycling efficiency, WEEE recovery/recycling): node_weight = the regulation
  term's share of the node's nominal mass that counts (1 for whole fractions); x = node mass
  sum_m coef_s[n, m], y = feed mass sum_m comp_s[f, m]. Out-of-waste nodes subtracted from
  a denominator (second life) and excluded substances are not resampled.

Targets come from the regulation layer (:mod:`plantopt.regulation`, the targets in force for
the instance's ``target_year``) and/or are given by the user (``--target Li=0.5``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plantopt.instance.errors import PlantoptError
from plantopt.routetree.tree import KIND_PRODUCT
from plantopt.uncertainty.plan import Plan


@dataclass(frozen=True)
class Target:
    label: str
    required_frac: float
    node_weight: np.ndarray  # (N,) over all route-tree nodes
    material: str | None  # element counted, None for total mass
    feed_weight: np.ndarray  # (F,)


def material_recovery_target(
    plan: Plan, material: str, required_frac: float, feeds: list[str] | None = None
) -> Target:
    """Recovered ``material`` (product_prices.recovered) over ``material`` entering."""
    tree = plan.tree
    if material not in tree.materials:
        raise PlantoptError(
            f"target material {material!r} is not in materials.csv "
            f"(materials: {', '.join(tree.materials)})"
        )
    if not 0.0 <= required_frac <= 1.0:
        raise PlantoptError(
            f"target for {material}: the required fraction must be in [0, 1], not {required_frac!r}"
        )
    pp = plan.instance["product_prices"]
    recovered = {
        p
        for p, k, r in zip(pp["product_id"], pp["material"], pp["recovered"])
        if k == material and bool(r)
    }
    feed_weight = (
        np.ones(len(tree.feeds))
        if feeds is None
        else np.array([1.0 if f in feeds else 0.0 for f in tree.feeds])
    )
    prod = tree.node_kind == KIND_PRODUCT
    counts = np.array(
        [
            bool(prod[n]) and tree.products[int(tree.node_target[n])] in recovered
            for n in range(tree.n_nodes)
        ]
    )
    node_weight = (counts & (feed_weight[tree.node_feed] > 0)).astype(float)
    scope = "" if feeds is None else f" ({', '.join(feeds)})"
    return Target(
        f"{material} recovery{scope} >= {required_frac:g}",
        float(required_frac),
        node_weight,
        material,
        feed_weight,
    )


def regulation_targets(plan: Plan, target_year: int | None = None) -> list[Target]:
    """The regulation layer's targets in force (manifest ``target_year`` unless given).

    Returns [] when the regulation layer is not installed or no year is set. Targets whose
    covered feeds contain nothing the denominator counts, or of which the plan accepts
    none, are skipped (nothing to measure).
    """
    try:
        from plantopt.model.data import build_model_data
        from plantopt.model.regulation_terms import build_regulation_data
    except ImportError:  # pragma: no cover - regulation layer absent
        return []
    instance = plan.instance
    if target_year is not None:
        instance = instance.with_manifest(target_year=int(target_year))
    data = build_model_data(instance, plan.tree)
    reg = build_regulation_data(instance, data)
    tree = plan.tree
    f_index = {f: i for i, f in enumerate(tree.feeds)}
    out: list[Target] = []
    for t in reg.targets:
        if not t.constrainable:
            continue
        node_weight = np.zeros(tree.n_nodes)
        # a_n over the nominal x[n] it multiplies: the calculation-point weight w[p, k]
        # (Delegated Regulation (EU) 2025/606) of the regulation terms, held under sampling
        mat_i = tree.materials.index(t.material) if t.kind == "material_recovery" else None
        mass = tree.node_mass() if mat_i is None else tree.node_coef.column(mat_i)
        for n, a in t.num:
            base = mass[n]
            node_weight[n] += a / base if base > 0 else 0.0
        feed_weight = np.zeros(len(tree.feeds))
        for f, b in t.den:  # b < 1 only for a Part B input fraction without excluded substances
            feed_weight[f_index[f]] = 1.0 if mat_i is not None else b
        if not (feed_weight * plan.accept_t_per_yr).any():
            continue  # no covered feed accepted: nothing to measure under any sample
        mat = t.material if t.kind == "material_recovery" else None
        out.append(
            Target(
                f"{t.title} >= {t.required_frac:g}", t.required_frac, node_weight, mat, feed_weight
            )
        )
    return out


__all__ = ["Target", "material_recovery_target", "regulation_targets"]

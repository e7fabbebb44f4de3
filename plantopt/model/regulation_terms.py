"""Linear terms of every regulatory ratio and offtake contract over the route tree.

Each route-tree node has a constant composition per feed-equivalent tonne (``coef[n, m]``),
so every ratio a target constrains is a ratio of two linear expressions:

    ratio_t = num_t / den_t,  num_t = sum_{(n, a) in N_t} a flow[n],
                              den_t = sum_{(f, b) in D_t} b accept[f]

and ``ratio_t >= R_t`` becomes the linear row ``num_t - R_t den_t >= 0`` (den_t >= 0).
For a target t covering the feeds F_t (reg_class match):

* recycling_efficiency, weee_recycling: N_t = product nodes of feeds in F_t whose product
  ``counts_recycled``, a = node mass (t per feed-equivalent t); D_t = {(f, 1)}.
* weee_recovery: as above plus product nodes with ``counts_recovered`` and disposal nodes
  whose routing row has ``counts_recovered`` (energy recovery); D_t = {(f, 1)}.
* material_recovery of element k: N_t = product nodes of feeds in F_t where k counts as
  recovered (product_prices.recovered), a = coef[n, k]; D_t = {(f, comp[f, k])}.

A contract c on (product p, material k) can take at most the k contained in p:
``sum_{c on (p, k)} take[c] <= sum_{n at p} coef[n, k] flow[n]``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.instance.targets import covers, load_targets, targets_in_force
from plantopt.model.data import ModelData
from plantopt.routetree.tree import KIND_DISPOSAL, KIND_PRODUCT


@dataclass(frozen=True)
class TargetTerms:
    """One target in force with its covered feeds and the terms of its ratio."""

    target_id: str
    kind: str
    reg_class: str
    material: str
    year: int
    deadline: str
    required_frac: float
    label: str
    legal_reference: str
    feeds: tuple[str, ...]  # covered feeds of the instance (any availability)
    num_node: np.ndarray  # N_t: route-tree nodes that count ...
    num_coef: np.ndarray  # ... with their t per feed-equivalent t
    den: tuple[tuple[str, float], ...]  # (feed, t per t accepted), zero coefficients dropped

    @property
    def num(self) -> tuple[tuple[int, float], ...]:
        """N_t as (node, coefficient) pairs (for reports; the model reads the arrays)."""
        return tuple(zip(self.num_node.tolist(), self.num_coef.tolist()))

    @property
    def title(self) -> str:
        """The user's name for the target: e.g. ``Li material recovery (2031)``."""
        return f"{self.label} ({self.year})"

    @property
    def constrainable(self) -> bool:
        """False when no covered feed contains what the denominator counts (trivially met)."""
        return bool(self.den)


@dataclass(frozen=True)
class ContractTerms:
    contract_id: str
    product_id: str
    material: str
    max_t_per_yr: float
    min_t_per_yr: float
    premium_eur_per_t: float
    source: str
    supply: tuple[tuple[int, float], ...]  # (product node, t of material per feed-eq t)


@dataclass(frozen=True)
class RegulationData:
    """Targets in force for the instance's target year and its offtake contracts."""

    target_year: int | None
    enforce: bool
    table_version: str
    targets: tuple[TargetTerms, ...]
    contracts: tuple[ContractTerms, ...] = field(default_factory=tuple)
    by_period: tuple[RegulationData, ...] = ()  # every period's, when there are several

    @property
    def per_period(self) -> tuple[RegulationData, ...]:
        """Targets in force per planning period (just this object with one period)."""
        return self.by_period or (self,)

    @property
    def enforced(self) -> list[TargetTerms]:
        """Targets that become constraints (enforced, with something to measure)."""
        return [t for t in self.targets if self.enforce and t.constrainable]


@functools.lru_cache(maxsize=8)
def _cached_targets(path: str | None) -> pd.DataFrame:
    return load_targets(path)


def target_year_of(instance: Instance) -> int | None:
    year = instance.manifest.target_year
    return None if year is None else int(year)


def _target_terms(
    r: Any, data: ModelData, reg_class: dict[str, str], nodes_of: dict[str, np.ndarray]
) -> TargetTerms:
    """N_t and D_t of one target row ``r`` of the targets in force.

    material recovery of k:  N = {(n, coef[n, k]) : n a recovered-product node of a covered
                             feed},  D = {(f, comp[f, k]) : f covered}
    recycling / recovery:    N = {(n, mass_n) : n a recycled (or recovered) product node of a
                             covered feed},  D = {(f, 1) : f covered}
    """
    tree = data.tree
    m_index = {m: i for i, m in enumerate(tree.materials)}
    f_index = {f: i for i, f in enumerate(tree.feeds)}
    covered = tuple(f for f in tree.feeds if covers(r.reg_class, reg_class.get(f, "")))
    covered_mask = np.zeros(len(tree.feeds), dtype=bool)
    covered_mask[[f_index[f] for f in covered]] = True
    num_node, num_coef = np.zeros(0, np.int64), np.zeros(0)
    den: list[tuple[str, float]] = []
    if r.kind == "material_recovery":
        k = r.material
        if k in m_index:
            nodes, coefs = data.recovered_terms.of(m_index[k])
            keep = covered_mask[tree.node_feed[nodes]]
            num_node, num_coef = nodes[keep], coefs[keep]
            den = [(f, float(tree.comp[f_index[f], m_index[k]])) for f in covered]
    else:
        mass = tree.node_mass()
        nodes = nodes_of["recovered" if r.kind == "weee_recovery" else "recycled"]
        keep = covered_mask[tree.node_feed[nodes]] & (mass[nodes] > 0)
        num_node, num_coef = nodes[keep], mass[nodes[keep]]
        den = [(f, 1.0) for f in covered]
    return TargetTerms(
        target_id=r.target_id,
        kind=r.kind,
        reg_class=r.reg_class,
        material=r.material,
        year=int(r.year),
        deadline=r.deadline,
        required_frac=float(r.required_frac),
        label=r.label,
        legal_reference=r.legal_reference,
        feeds=covered,
        num_node=np.asarray(num_node, np.int64),
        num_coef=np.asarray(num_coef, float),
        den=tuple((f, b) for f, b in den if b > 0),
    )


def build_regulation_data(
    instance: Instance, data: ModelData, targets_path: str | Path | None = None
) -> RegulationData:
    """Resolve the targets in force and the contract supply terms for ``instance``.

    The target year is the manifest's ``target_year`` (the CLI's ``--target-year`` sets it);
    None means no targets. ``apply_targets`` decides whether they are enforced. With several
    planning periods (``data.period_data``) each period gets the targets in force in its
    start year; the first period's data is returned with all of them in ``by_period``.
    """
    if data.period_data:
        from dataclasses import replace

        per = tuple(
            build_regulation_data(instance.with_manifest(target_year=p.start_year), d, targets_path)
            for p, d in zip(data.periods, data.period_data)
        )
        return replace(per[0], by_period=per)
    year = target_year_of(instance)
    enforce = instance.manifest.apply_targets
    enforce = True if enforce is None else bool(enforce)
    table = _cached_targets(None if targets_path is None else str(targets_path))
    in_force = targets_in_force(table, year)
    tree = data.tree
    kind, target = tree.node_kind, tree.node_target
    feeds = instance["feeds"]
    reg_class = dict(zip(feeds["feed_id"], feeds["reg_class"].fillna("")))
    prods = instance["products"].set_index("product_id")
    recycled_p = {p for p in tree.products if bool(prods.at[p, "counts_recycled"])}
    recovered_p = recycled_p | {p for p in tree.products if bool(prods.at[p, "counts_recovered"])}
    prod_nodes = np.flatnonzero(kind == KIND_PRODUCT)
    is_recycled = np.array([p in recycled_p for p in tree.products], dtype=bool)
    is_recovered = np.array([p in recovered_p for p in tree.products], dtype=bool)
    nodes_of = {
        "recycled": prod_nodes[is_recycled[target[prod_nodes]]].astype(np.int64),
        "recovered": np.concatenate(
            [prod_nodes[is_recovered[target[prod_nodes]]], energy_recovery_nodes(instance, data)]
        ).astype(np.int64),
    }
    out = [_target_terms(r, data, reg_class, nodes_of) for r in in_force.itertuples(index=False)]
    version = ",".join(sorted(set(table["version"]))) if len(table) else ""
    return RegulationData(
        target_year=year,
        enforce=enforce,
        table_version=version,
        targets=tuple(out),
        contracts=tuple(contract_terms(instance, data)),
    )


def energy_recovery_nodes(instance: Instance, data: ModelData) -> np.ndarray:
    """Disposal nodes reached through a routing row with ``counts_recovered``."""
    routing = instance["routing"]
    flagged = {
        (u, o, t)
        for u, o, k, t, c in zip(
            routing["unit_id"],
            routing["output_id"],
            routing["to_kind"],
            routing["to_id"],
            routing["counts_recovered"],
        )
        if k == "disposal" and bool(c)
    }
    tree = data.tree
    if not flagged:
        return np.zeros(0, dtype=np.int64)
    u_index = {u: i for i, u in enumerate(tree.units)}
    o_index = {o: i for i, o in enumerate(tree.outputs)}
    s_index = {x: i for i, x in enumerate(tree.sinks)}
    # code each (unit, output, sink) as one integer and look the disposal nodes up
    n_o, n_s = len(tree.outputs), len(tree.sinks)
    codes = np.array(
        [
            (u_index[u] * n_o + o_index[o]) * n_s + s_index[t]
            for u, o, t in flagged
            if u in u_index and o in o_index and t in s_index
        ],
        dtype=np.int64,
    )
    nodes = np.flatnonzero(tree.node_kind == KIND_DISPOSAL)
    parent_unit = tree.node_target[tree.node_parent[nodes]]
    node_codes = (parent_unit * n_o + tree.node_output[nodes]) * n_s + tree.node_target[nodes]
    return nodes[np.isin(node_codes, codes)].astype(np.int64)


def contract_terms(instance: Instance, data: ModelData) -> list[ContractTerms]:
    """Supply terms of every offtake contract (material k contained in product p)."""
    tree = data.tree
    m_index = {m: i for i, m in enumerate(tree.materials)}
    out = []
    for r in instance["offtake_contracts"].itertuples(index=False):
        k = m_index.get(r.material)
        nodes = data.product_nodes.get(r.product_id, [])
        supply = tuple(
            (n, float(tree.coef[n, k])) for n in nodes if k is not None and tree.coef[n, k] > 0
        )
        out.append(
            ContractTerms(
                r.contract_id,
                r.product_id,
                r.material,
                float(r.max_t_per_yr),
                float(r.min_t_per_yr),
                float(r.premium_eur_per_t),
                str(r.source),
                supply,
            )
        )
    return out


__all__ = [
    "ContractTerms",
    "RegulationData",
    "TargetTerms",
    "build_regulation_data",
    "contract_terms",
    "energy_recovery_nodes",
    "target_year_of",
]

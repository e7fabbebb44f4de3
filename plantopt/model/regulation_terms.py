"""Linear terms of every regulatory ratio and offtake contract over the route tree.

Each route-tree node has a constant composition per feed-equivalent tonne (``coef[n, m]``),
so every ratio a target constrains is a ratio of two linear expressions:

    ratio_t = num_t / den_t,  num_t = sum_{(n, a) in N_t} a flow[n],
                              den_t = sum_{(f, b) in D_t} b accept[f]

and ``ratio_t >= R_t`` becomes the linear row ``num_t - R_t den_t >= 0`` (den_t >= 0).

Calculation points (Delegated Regulation (EU) 2025/606): material k of product p counts with
the weight

    w[p, k] = 1 if p is final and product_prices marks k recovered in p, else 0;
    w[p, k] = r[p, k] if p is intermediate (downstream_recovery.csv; 0 without a row).

For a target t covering the feeds F_t (reg_class match; ``battery:*`` material recovery is
split into one target per battery category present, lead-acid, lithium-based,
nickel-cadmium, other, each over the feeds of its category):

* material_recovery of k (Part C): N_t = product nodes n of feeds in F_t,
  a = coef[n, k] w[p(n), k]; D_t = {(f, comp[f, k])}.
* recycling_efficiency (Part B): N_t = product nodes of feeds in F_t whose product
  ``counts_recycled``, a = sum_k coef[n, k] w[p(n), k] (1 - x_k); D_t = {(f, 1 - sum_k x_k
  comp[f, k])}, where x_k = 1 for the substances a recycler may leave out (materials with
  ``partb_excludable``) when the manifest's ``partb_exclude_substances`` is set and the target
  year is at most 2029, else 0: output and input fractions, not whole product mass.
* weee_recycling (Annex V "prepared for re-use and recycled"): N_t = product nodes of feeds
  in F_t whose product ``counts_recycled``, a = node mass; D_t = {(f, 1)}.
* weee_recovery: as above plus product nodes with ``counts_recovered`` and disposal nodes
  whose routing row has ``counts_recovered`` (energy recovery); D_t = {(f, 1)}.

Take-back (manifest ``treat_all_collected``): every feed with a reg_class is in
``RegulationData.take_back`` and must be accepted at its available tonnage.

A contract c on (product p, material k) can take at most the k contained in p:
``sum_{c on (p, k)} take[c] <= sum_{n at p} coef[n, k] flow[n]``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from plantopt.instance.instance import Instance
from plantopt.instance.targets import (
    BATTERY_CATEGORIES,
    TargetRow,
    covers,
    load_targets,
    rows_in_force,
    target_rows,
)
from plantopt.model.counting import (
    Counting,
    ProductNodes,
    counting,
    counting_weights,
    energy_recovery_nodes,
    excluded_materials,
)
from plantopt.model.data import ModelData
from plantopt.model.reuse_terms import ReuseTerms, reuse_terms


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
    # subtracted from the denominator: out-of-waste nodes (second life, re-use) and their
    # t per feed-equivalent t (Battery Regulation kinds only)
    den_node: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    den_node_coef: np.ndarray = field(default_factory=lambda: np.zeros(0))

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
class CollectionStep:
    """One step of a feed's collection supply curve: up to ``t_per_yr`` more tonnes
    collected at ``cost_eur_per_t`` (marginal cost, increasing along the feed's steps)."""

    feed_id: str
    step_id: str
    t_per_yr: float
    cost_eur_per_t: float

    @property
    def label(self) -> str:
        return f"{self.feed_id}:{self.step_id}"


@dataclass(frozen=True)
class CollectionTarget:
    """A collection-rate target (Battery Regulation Art. 59/69): tonnes collected (accepted)
    of the covered feeds at least ``required_frac`` times what is placed on the market."""

    target_id: str
    collection_class: str
    year: int
    deadline: str
    required_frac: float
    label: str
    legal_reference: str
    feeds: tuple[str, ...]  # covered feeds (collection_class match)
    placed_on_market_t_per_yr: float  # sum over the covered feeds

    @property
    def title(self) -> str:
        return f"{self.label} ({self.year})"


@dataclass(frozen=True)
class RegulationData:
    """Targets in force for the instance's target year and its offtake contracts."""

    target_year: int | None
    enforce: bool
    table_version: str
    targets: tuple[TargetTerms, ...]
    contracts: tuple[ContractTerms, ...] = field(default_factory=tuple)
    by_period: tuple[RegulationData, ...] = ()  # every period's, when there are several
    take_back: tuple[str, ...] = ()  # feeds accepted in full (treat_all_collected)
    steps: tuple[CollectionStep, ...] = ()  # collection supply curve of every feed
    reuse: ReuseTerms | None = None  # value of re-use / second-life products, returns
    collection: tuple[CollectionTarget, ...] = ()  # collection-rate targets in force
    enforce_collection: bool = False  # manifest enforce_collection_targets

    @property
    def enforced_collection(self) -> list[CollectionTarget]:
        """Collection targets that become constraints (something placed on the market)."""
        on = self.enforce and self.enforce_collection
        return [c for c in self.collection if on and c.placed_on_market_t_per_yr > 0]

    def extra_collectable(self, feed: str) -> float:
        """t/yr a feed's collection steps can add to its available tonnage (unbounded for a
        feed that second-life packs return as: the return row bounds it)."""
        if self.reuse is not None and any(r.feed_id == feed for r in self.reuse.returns):
            return float("inf")
        return sum(s.t_per_yr for s in self.steps if s.feed_id == feed)

    @property
    def per_period(self) -> tuple[RegulationData, ...]:
        """Targets in force per planning period (just this object with one period)."""
        return self.by_period or (self,)

    @property
    def enforced(self) -> list[TargetTerms]:
        """Targets that become constraints (enforced, with something to measure)."""
        return [t for t in self.targets if self.enforce and t.constrainable]


@functools.lru_cache(maxsize=8)
def _cached_targets(path: str | None) -> tuple[tuple[TargetRow, ...], str]:
    """The rows of a targets table (:func:`target_rows`) and its version string (the
    sorted distinct versions, comma-separated), read once per path and process."""
    rows = target_rows(load_targets(path))
    return rows, ",".join(sorted({str(r.version) for r in rows}))


def target_year_of(instance: Instance) -> int | None:
    year = instance.manifest.target_year
    return None if year is None else int(year)


def _split_by_category(r: Any, covered: tuple[str, ...], reg_class: dict[str, str]) -> list:
    """(target id, label, feeds) of each battery category of a ``battery:*`` material target
    (one entry, unchanged, for every other target or when no feed is covered)."""
    if r.kind != "material_recovery" or not str(r.reg_class).endswith("*") or not covered:
        return [(r.target_id, r.label, covered)]
    out = []
    for cls, name in BATTERY_CATEGORIES.items():
        feeds = tuple(f for f in covered if reg_class.get(f) == cls)
        if feeds:
            out.append((f"{r.target_id}:{cls.split(':')[1]}", f"{r.label}, {name}", feeds))
    return out


def _num_den(r: Any, data: ModelData, cnt: Counting, covered: tuple[str, ...]) -> tuple:
    """(N_t nodes, their coefficients, D_t, out-of-waste nodes, their coefficients) of one
    target over the feeds ``covered``: the nodes of the covered feeds with a coefficient
    > 0, ascending. The nodes with a coefficient > 0 are found once per material and kind
    over the non-zero entries (:meth:`ProductNodes.covered`, shared by the targets), each
    target keeps those of its feeds."""
    tree = data.tree
    m_index = {m: i for i, m in enumerate(tree.materials)}
    f_index = {f: i for i, f in enumerate(tree.feeds)}
    pv = cnt.products or ProductNodes(tree)
    mask = np.zeros(len(tree.feeds), dtype=bool)
    mask[[f_index[f] for f in covered]] = True
    none = np.zeros(0, np.int64), np.zeros(0)

    def where(flag_p: np.ndarray, ids: np.ndarray | None, values: np.ndarray) -> tuple:
        """(ids, values) of the product nodes whose product has the flag (ids None: the
        values of every product node, by position)."""
        if ids is None:
            on = flag_p[pv.p_of]
            return np.flatnonzero(on), values[on]
        on = flag_p[pv.p_of[ids]]
        return ids[on], values[on]

    out_p = cnt.out_of_waste_p
    out = bool(out_p.any())
    if r.kind == "material_recovery":
        if r.material not in m_index:
            return *none, [], *none
        k = m_index[r.material]
        w_k = cnt.weight[:, k]
        pos_k, coef_k = pv.material(k)  # 0 elsewhere: no node there is > 0
        num = pv.covered(f"num:{k}", lambda: (pos_k, coef_k * w_k[pv.p_of[pos_k]]), mask)
        den = [(f, float(tree.comp[f_index[f], k])) for f in covered]
        sub = pv.covered(f"out:{k}", lambda: where(out_p, pos_k, coef_k), mask) if out else none
    elif r.kind == "recycling_efficiency":
        keep = 1.0 - cnt.excluded
        num = pv.covered(
            "partb",
            lambda: where(cnt.recycled_p, None, pv.row_sums("partb", keep, cnt.weight)),
            mask,
        )
        den = [(f, float(1.0 - tree.comp[f_index[f]] @ cnt.excluded)) for f in covered]
        sub = (
            pv.covered(
                "partb_out", lambda: where(out_p, None, pv.row_sums("partb_out", keep)), mask
            )
            if out
            else none  # no out-of-waste product: nothing to subtract
        )
    else:
        which = "recovered" if r.kind == "weee_recovery" else "recycled"
        nodes = cnt.nodes_of[which]
        num = pv.covered(which, lambda: (nodes, tree.node_mass()[nodes]), mask, positions=False)
        den = [(f, 1.0) for f in covered]
        sub = none  # WEEE Annex V: re-use counts in the numerator, input unchanged
    return (num[0].astype(np.int64, copy=False), num[1], den, sub[0].astype(np.int64), sub[1])


def covered_feeds(
    feeds: tuple[str, ...], selector: str, reg_class: dict[str, str]
) -> tuple[str, ...]:
    """The feeds (in tree order) whose reg_class the target's ``selector`` covers (one
    :func:`covers` per distinct class, not per feed)."""
    classes = [reg_class.get(f, "") for f in feeds]
    hit = {c: covers(selector, c) for c in set(classes)}
    return tuple(f for f, c in zip(feeds, classes) if hit[c])


def _target_terms(
    r: Any, data: ModelData, reg_class: dict[str, str], cnt: Counting
) -> list[TargetTerms]:
    """N_t and D_t of one target row ``r`` of the targets in force (several for a
    ``battery:*`` material target: one per battery category)."""
    covered = covered_feeds(data.tree.feeds, r.reg_class, reg_class)
    out = []
    for target_id, label, feeds in _split_by_category(r, covered, reg_class):
        num_node, num_coef, den, den_node, den_node_coef = _num_den(r, data, cnt, feeds)
        out.append(
            TargetTerms(
                target_id=target_id,
                kind=r.kind,
                reg_class=r.reg_class,
                material=r.material,
                year=int(r.year),
                deadline=r.deadline,
                required_frac=float(r.required_frac),
                label=label,
                legal_reference=r.legal_reference,
                feeds=feeds,
                num_node=num_node,
                num_coef=num_coef,
                den=tuple((f, b) for f, b in den if b > 0),
                den_node=den_node,
                den_node_coef=den_node_coef,
            )
        )
    return out


def take_back_feeds(instance: Instance) -> tuple[str, ...]:
    """Feeds that must be accepted in full (manifest ``treat_all_collected``): every feed
    with a reg_class (a waste battery or WEEE the plant has been handed)."""
    if not instance.manifest.treat_all_collected:
        return ()
    feeds = instance["feeds"]
    return tuple(f for f, rc in zip(feeds["feed_id"], feeds["reg_class"].fillna("")) if rc)


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
    rows, version = _cached_targets(None if targets_path is None else str(targets_path))
    in_force = rows_in_force(rows, year)
    feeds = instance["feeds"]
    reg_class = dict(zip(feeds["feed_id"].tolist(), feeds["reg_class"].fillna("").tolist()))
    cnt = counting(instance, data, year)
    out = [
        t
        for r in in_force
        if r.kind != "collection_rate"
        for t in _target_terms(r, data, reg_class, cnt)
    ]
    data.tree.drop_product_entries()  # read by the model data and the counting only
    coll = [r for r in in_force if r.kind == "collection_rate"]
    return RegulationData(
        target_year=year,
        enforce=enforce,
        table_version=version,
        targets=tuple(out),
        contracts=tuple(contract_terms(instance, data)),
        take_back=take_back_feeds(instance),
        steps=collection_steps(instance),
        reuse=reuse_terms(instance, data.tree),
        collection=tuple(collection_targets(instance, coll)),
        enforce_collection=instance.manifest.enforce_collection_targets,
    )


def collection_steps(instance: Instance) -> tuple[CollectionStep, ...]:
    """The rows of collection_steps.csv, in file order (cheapest first within a feed)."""
    t = instance["collection_steps"]
    return tuple(
        CollectionStep(str(f), str(s), float(x), float(c))
        for f, s, x, c in zip(t["feed_id"], t["step_id"], t["t_per_yr"], t["cost_eur_per_t"])
    )


def collection_targets(instance: Instance, rows: Sequence[Any]) -> list[CollectionTarget]:
    """Collection-rate targets in force (``rows``: targets-table rows, e.g.
    :data:`TargetRow`): selector ``collection:<class>`` covers the feeds whose
    ``collection_class`` is <class>; placed on the market = sum of theirs."""
    if not len(rows):
        return []
    feeds = instance["feeds"]
    cls = np.array(feeds["collection_class"].fillna("").tolist(), dtype=object)
    pom = feeds["placed_on_market_t_per_yr"].fillna(0.0).to_numpy(float)
    feed_ids = np.array(feeds["feed_id"].tolist(), dtype=object)
    out = []
    for r in rows:
        want = str(r.reg_class).split(":", 1)[-1]
        mask = cls == want
        out.append(
            CollectionTarget(
                target_id=r.target_id,
                collection_class=want,
                year=int(r.year),
                deadline=r.deadline,
                required_frac=float(r.required_frac),
                label=r.label,
                legal_reference=r.legal_reference,
                feeds=tuple(feed_ids[mask].tolist()),
                placed_on_market_t_per_yr=float(pom[mask].sum()),
            )
        )
    return out


def contract_terms(instance: Instance, data: ModelData) -> list[ContractTerms]:
    """Supply terms of every offtake contract (material k contained in product p)."""
    tree = data.tree
    m_index = {m: i for i, m in enumerate(tree.materials)}
    out = []
    for r in instance["offtake_contracts"].itertuples(index=False):
        k = m_index.get(r.material)
        nodes = data.product_nodes.get(r.product_id, np.zeros(0, np.int64))
        col = tree.node_coef.column(k, nodes) if k is not None else np.zeros(0)
        hit = np.flatnonzero(col > 0)
        supply = tuple(zip(nodes[hit].tolist(), col[hit].tolist()))
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
    "CollectionStep",
    "CollectionTarget",
    "collection_steps",
    "collection_targets",
    "ContractTerms",
    "Counting",
    "counting_weights",
    "excluded_materials",
    "take_back_feeds",
    "RegulationData",
    "TargetTerms",
    "build_regulation_data",
    "contract_terms",
    "energy_recovery_nodes",
    "target_year_of",
]

"""Pre-grouped, sparse model data built once from an instance and its route tree.

Every model block reads coefficients from here: plain dicts and lists over sparse index sets,
computed with vectorised NumPy from the route-tree arrays. No block scans all flows per row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, SupportsFloat

import numpy as np
import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.instance.manifest import Manifest
from plantopt.instance.rows import column, floats
from plantopt.model.capacity import Curve, capex_curves
from plantopt.model.entry_blocks import node_sums
from plantopt.model.finance import annuity_factor, capex_pv_factor, capital_recovery_factor  # noqa: F401
from plantopt.model.network import (
    Footprint,
    NetworkData,
    build_footprint,
    build_network,
    site_capacity,
)
from plantopt.model.periods import (
    Period,
    Timing,
    build_timing,
    max_capacity,
    period_instance,
)
from plantopt.routetree.tree import KIND_DISPOSAL, KIND_LOSS, KIND_UNIT, ProductEntries, RouteTree

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class CapacityOption:
    unit: str
    option: str
    capacity_t_per_yr: float
    capex_eur: float
    fixed_opex_eur_per_yr: float
    lifetime_yr: float
    annualised_capex_eur_per_yr: float  # net capex x CRF(blended rate, lifetime)
    subsidy_frac: float = 0.0
    staff_fte: float = 0.0
    land_m2: float = 0.0
    npv_capex_eur: float = 0.0  # net capex x K(blended rate, lifetime, horizon)
    max_modules: int = 1  # > 1: build[u, j] is an integer count of identical modules
    max_size_t_per_yr: float | None = None  # continuous: the curve's largest size
    operators_per_shift: float = 0.0

    @property
    def max_capacity_t_per_yr(self) -> float:
        """Largest capacity one build decision adds: capacity x max_modules (continuous:
        the largest size)."""
        if self.max_size_t_per_yr is not None:
            return self.max_size_t_per_yr
        return self.capacity_t_per_yr * self.max_modules

    @property
    def capex_net_eur(self) -> float:
        """Capex the plant pays: capex x (1 - subsidy share)."""
        return self.capex_eur * (1.0 - self.subsidy_frac)


@dataclass(frozen=True)
class ResourceLimit:
    """sum_{(u, j)} amount[(u, j)] build[u, j] <= available (land, staff pools)."""

    name: str
    amount: dict[tuple[str, str], float]
    available: float


def blended_rate(manifest: Manifest) -> float:
    """Discount rate with a loan guarantee: r_b = (1 - g) r + g r_g (g = guarantee_frac)."""
    rate = float(manifest.discount_rate or 0.0)
    g = float(manifest.guarantee_frac or 0.0)
    r_g = manifest.guarantee_rate
    if g <= 0 or r_g is None:
        return rate
    return (1.0 - g) * rate + g * float(r_g)


@dataclass(frozen=True)
class NodeTerms:
    """Sparse (node, coefficient) pairs, in groups when ``ptr`` is given: group g holds the
    entries ptr[g]:ptr[g+1] (e.g. one group per material)."""

    node: np.ndarray  # int64
    coef: np.ndarray  # float64
    ptr: np.ndarray | None = None

    def of(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        assert self.ptr is not None
        a, b = int(self.ptr[g]), int(self.ptr[g + 1])
        return self.node[a:b], self.coef[a:b]

    def group_of_entry(self) -> np.ndarray:
        assert self.ptr is not None
        return np.repeat(np.arange(len(self.ptr) - 1), np.diff(self.ptr))


@dataclass(frozen=True)
class ModelData:
    """Everything the Pyomo blocks need, keyed by the model's sparse index sets.

    Node coefficients are per feed-equivalent tonne of ``flow[n]``:
    ``node_revenue`` EUR and ``node_route_cost`` EUR, as sparse :class:`NodeTerms`.
    """

    tree: RouteTree
    manifest: Manifest
    feeds: list[str]
    feed_lb: dict[str, float]
    feed_ub: dict[str, float]
    gate_fee: dict[str, float]
    units: list[str]
    unit_nodes: dict[str, np.ndarray]  # int64 node ids per unit, ascending
    unit_opex: dict[str, float]
    unit_min_load: dict[str, float]
    unit_existing: dict[str, float]
    unit_max_capacity: dict[str, float]
    options: dict[tuple[str, str], CapacityOption]
    unit_options: dict[str, list[str]]
    products: list[str]
    product_nodes: dict[str, np.ndarray]  # int64 node ids per product, ascending
    product_offtake: dict[str, float]
    node_revenue: NodeTerms  # EUR per feed-equivalent t (product nodes with a value)
    node_route_cost: NodeTerms  # EUR per feed-equivalent t (branches with a cost)
    recovery_weight: dict[str, float]
    recovered_terms: NodeTerms  # per material (tree order): (node, t of m per t of feed)
    budget_eur: float | None
    # policy levers (issue 5); defaults leave the model as it was
    unit_co2: dict[str, float] = field(default_factory=dict)  # t CO2 per t entering
    co2_price_eur_per_t: float = 0.0
    co2_cap_t_per_yr: float | None = None
    resource_limits: tuple[ResourceLimit, ...] = ()
    horizon_yr: int = 15
    discount_rate: float = 0.0  # blended rate used by the CRF and the npv objective
    # multi-period planning (periods.py): the timing of builds; with more than one period
    # the per-period coefficients (this object is period 0's, with period_data set)
    timing: Timing | None = None
    period_data: tuple[ModelData, ...] = ()
    unit_node_terms: NodeTerms | None = None  # unit nodes grouped by unit (tree order), mass
    curves: dict[tuple[str, str], Curve] = field(default_factory=dict)  # continuous options
    network: NetworkData | None = None  # sites.csv given (model/network.py); else None
    footprint: Footprint | None = None  # emission expressions wanted (model/network.py)

    @property
    def annuity_factor(self) -> float:
        return annuity_factor(self.discount_rate, self.horizon_yr)

    @property
    def per_period(self) -> tuple[ModelData, ...]:
        """The coefficients of every period (just this object with one period)."""
        return self.period_data or (self,)

    @property
    def periods(self) -> tuple[Period, ...]:
        assert self.timing is not None
        return self.timing.periods


def build_model_data(instance: Instance, tree: RouteTree) -> ModelData:
    """Group the route tree and the instance tables into the blocks' sparse coefficients.

    One :class:`ModelData` per planning period (periods.py); the first one is returned and
    carries all of them in ``period_data`` when there is more than one period.
    """
    rate = blended_rate(instance.manifest)
    co = instance["capacity_options"]
    lead = unit_lead_time(instance)
    timing = build_timing(
        instance,
        rate,
        {
            (u, j): (float(life), lead.get(u, 0.0))
            for u, j, life in zip(
                co["unit_id"].tolist(), co["option_id"].tolist(), co["lifetime_yr"].tolist()
            )
        },
    )
    if not timing.multi:
        return _period_data(instance, tree, rate, timing, 0, _shared(instance, tree, rate, timing))
    views = [period_instance(instance, p) for p in timing.periods]
    same = _shared(views[0], tree, rate, timing)
    out = [_period_data(views[0], tree, rate, timing, 0, same)]
    same = replace(same, recovered=out[0].recovered_terms)  # the recovered flags: alike
    out += [_period_data(v, tree, rate, timing, t, same) for t, v in enumerate(views) if t]
    return replace(out[0], period_data=tuple(out))


@dataclass(frozen=True)
class _Shared:
    """The coefficients every period has alike (the route tree, the option, unit, product
    and material tables and the manifest's limits: a period view changes feeds, prices and
    the target year only), made once and shared by the periods' :class:`ModelData`."""

    route_cost: NodeTerms
    curves: dict[tuple[str, str], Curve]
    options: dict[tuple[str, str], CapacityOption]
    unit_options: dict[str, list[str]]
    unit_terms: NodeTerms
    unit_nodes: dict[str, np.ndarray]
    product_nodes: dict[str, np.ndarray]
    offtake: dict[str, float]
    weights: dict[str, float]
    limits: tuple[ResourceLimit, ...]
    footprint: Footprint | None
    recovered: NodeTerms | None = None  # None: made with the first period's revenue


def _shared(instance: Instance, tree: RouteTree, rate: float, timing: Timing) -> _Shared:
    """:class:`_Shared` of an instance (or of any of its period views)."""
    curves = capex_curves(instance)
    options, unit_options = _capacity_options(
        instance, list(tree.units), rate, timing.horizon_yr, curves
    )
    offtake, weights = _offtake_and_weights(instance)
    return _Shared(
        _route_cost(tree),
        curves,
        options,
        unit_options,
        *_unit_nodes(tree),
        _product_nodes(tree),
        offtake,
        {m: float(weights.get(m, 0.0)) for m in tree.materials},
        resource_limits(instance, options),
        build_footprint(instance),
    )


def _nodes_by_target(
    nodes: np.ndarray, ptr: np.ndarray, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Route-tree nodes of one kind grouped by their target (unit or product), from the
    grouped-node array of that kind and its group pointer (views into it, ascending ids)."""
    at = ptr.tolist()
    return {x: nodes[at[i] : at[i + 1]] for i, x in enumerate(names)}


def small_ints(a: np.ndarray, n: int) -> np.ndarray:
    """Integers in [0, n) as int16 when they fit (NumPy's stable sort of 16-bit integers is
    a radix sort: the same order as on the int64 array, several times faster)."""
    return a.astype(np.int16) if n <= np.iinfo(np.int16).max else a


def _grouped(
    nodes: np.ndarray, target: np.ndarray, n_targets: int
) -> tuple[np.ndarray, np.ndarray]:
    """(``nodes`` grouped by ``target``, in their order within a group; the group pointer
    ptr[g] = #{i : target[i] < g}) — a stable sort by target."""
    order = np.argsort(small_ints(target, n_targets), kind="stable")
    ptr = np.zeros(n_targets + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(target, minlength=n_targets))  # counts: order-free
    return nodes[order].astype(np.int64, copy=False), ptr


def _unit_nodes(tree: RouteTree) -> tuple[NodeTerms, dict[str, np.ndarray]]:
    """Unit nodes grouped by unit (ascending node ids within a group) with their real mass
    per feed-equivalent tonne as the coefficient, and the nodes of each unit (views)."""
    found = np.flatnonzero(tree.node_kind == KIND_UNIT)
    nodes, ptr = _grouped(found, tree.node_target[found], len(tree.units))
    terms = NodeTerms(nodes, np.asarray(tree.node_mass()[nodes], dtype=float), ptr)
    return terms, _nodes_by_target(nodes, ptr, tree.units)


def _product_nodes(tree: RouteTree) -> dict[str, np.ndarray]:
    """The product nodes of each product (ascending ids), from the product entries' nodes
    and products (the product nodes in id order, as ``node_kind == KIND_PRODUCT`` gives)."""
    pe = tree.product_entries()
    return _nodes_by_target(*_grouped(pe.nodes, pe.product, len(tree.products)), tree.products)


def _positions(names: tuple[str, ...], column: pd.Series) -> np.ndarray:
    """Position in ``names`` of every cell of ``column`` (every cell is one of them: the
    instance's cross-table checks); a dict of the few names, not a pandas index."""
    index = {x: i for i, x in enumerate(names)}
    cells = column.tolist()
    at = np.array([index.get(x, -1) for x in cells], dtype=np.intp)
    if (at < 0).any():
        raise KeyError(str(cells[int(np.argmax(at < 0))]))
    return at


def _price_tables(instance: Instance, tree: RouteTree) -> tuple[np.ndarray, np.ndarray]:
    """(price x payable, recovered) per (product, material), flat: index p M + m (the
    product entries' ``code``); 0 and false where product_prices.csv has no row."""
    products, mats = tree.products, tree.materials
    value = np.zeros((len(products), len(mats)))  # EUR per t contained
    recov = np.zeros((len(products), len(mats)), dtype=bool)
    pp = instance["product_prices"]
    at = (_positions(products, pp["product_id"]), _positions(mats, pp["material"]))
    value[at] = pp["price_eur_per_t"].to_numpy(float) * pp["payable_frac"].to_numpy(float)
    recov[at] = pp["recovered"].to_numpy(bool)
    return value.reshape(-1), recov.reshape(-1)


def _product_terms(
    instance: Instance, tree: RouteTree, recovered: NodeTerms | None = None
) -> tuple[NodeTerms, NodeTerms]:
    """Revenue per feed-equivalent t of each product node, and the recovered terms:

    revenue_n = sum_m coef[n, m] price[p(n), m] payable[p(n), m]
    R_m = {(n, coef[n, m]) : n a product node whose product counts m as recovered}
    (``recovered`` given: R, as another period made it; only the revenue is made)
    """
    value_of, recov_of = _price_tables(instance, tree)
    # the non-zero coefficients of the product nodes, node-major, materials ascending: the
    # revenue sums in material order, as a loop over the material columns would
    pe = tree.product_entries()
    prod_nodes, pos, val = pe.nodes, pe.pos, pe.val
    hits: list[np.ndarray] = []
    want = recovered is None

    def terms(a: int, b: int) -> np.ndarray:  # revenue terms; the recovered entries aside
        code, v = pe.code[a:b], val[a:b]
        if want:
            hits.append(np.flatnonzero(recov_of[code] & (v > 0)) + a)
        return v * value_of[code]

    revenue = node_sums(pos, len(prod_nodes), terms)  # blocks: one bincount bit for bit
    if recovered is None:
        recovered = _by_material(hits, pe, len(tree.materials))
    keep = revenue != 0.0
    return NodeTerms(prod_nodes[keep].astype(np.int64, copy=False), revenue[keep]), recovered


def _by_material(hits: list[np.ndarray], pe: ProductEntries, n_mats: int) -> NodeTerms:
    """The product entries ``hits`` (pieces of ascending entry ids; emptied) as (node, coef)
    grouped by material: a stable sort (nodes ascending within a material). Node and
    coefficient are gathered in entry order (sequential reads), then put in material
    order one at a time (fewer entry-sized arrays alive at once: fewer fresh pages)."""
    hit = np.concatenate(hits) if hits else np.zeros(0, np.int64)
    hits.clear()
    m = pe.mat[hit]
    order = np.argsort(m, kind="stable")
    ptr = np.empty(n_mats + 1, dtype=np.int64)  # ptr[m] = #{entries of a material < m}
    ptr[:-1] = np.searchsorted(m[order], np.arange(n_mats, dtype=m.dtype))
    ptr[-1] = len(m)
    del m
    node = pe.nodes[pe.pos[hit]][order].astype(np.int64, copy=False)
    coef = pe.val[hit]
    del hit
    return NodeTerms(node, coef[order], ptr)


#: the capacity_options.csv columns every option row has (the loader's typed table)
_OPTION_COLUMNS = (
    "unit_id",
    "option_id",
    "capacity_t_per_yr",
    "capex_eur",
    "fixed_opex_eur_per_yr",
    "lifetime_yr",
    "staff_fte",
    "land_m2",
)


def _route_cost(tree: RouteTree) -> NodeTerms:
    """EUR per feed-equivalent t of every node with a route cost: c_n = cost_n mass_n, the
    non-zero ones (only nodes with cost_n != 0 can have one: mass is finite)."""
    cost = tree.node_route_cost
    nodes = np.flatnonzero(cost)
    c = cost[nodes] * tree.node_mass()[nodes]
    keep = c != 0
    return NodeTerms(nodes[keep].astype(np.int64, copy=False), c[keep])


def _capacity_options(
    instance: Instance,
    units: list[str],
    rate: float,
    horizon: int,
    curves: dict[tuple[str, str], Curve],
) -> tuple[dict[tuple[str, str], CapacityOption], dict[str, list[str]]]:
    """Every capacity option with its net, annualised and present-value capex (a continuous
    option: at the first point of its curve; the segments add the rest)."""
    subsidy = unit_subsidy(instance)
    options: dict[tuple[str, str], CapacityOption] = {}
    unit_options: dict[str, list[str]] = {u: [] for u in units}
    co = instance["capacity_options"]
    factors: dict[float, tuple[float, float]] = {}
    rows = zip(
        *(co[name].tolist() for name in _OPTION_COLUMNS),
        column(co, "fixed_opex_frac_of_capex", None),
        column(co, "max_modules", 1),
        column(co, "operators_per_shift", 0.0),
    )  # the cells itertuples would give, column by column
    for u, j, size_t, capex_eur, fixed_eur, life_yr, staff, land, frac, mods, ops in rows:
        s = subsidy.get(u, 0.0)
        c = curves.get((u, j))
        size, capex, fixed = (
            (float(size_t), float(capex_eur), float(fixed_eur))
            if c is None
            else (c.size_t_per_yr[0], c.capex_eur[0], c.fixed_opex_eur_per_yr[0])
        )
        if c is None and frac is not None and not math.isnan(float(frac)):
            fixed = float(frac) * capex  # fixed opex as a share of capex
        net = capex * (1.0 - s)
        life = float(life_yr)
        if life not in factors:  # (CRF, K) per lifetime: most options share a few
            factors[life] = (
                capital_recovery_factor(rate, life),
                capex_pv_factor(rate, life, horizon),
            )
        crf, k_pv = factors[life]
        options[(u, j)] = CapacityOption(
            u,
            j,
            float(size),
            float(capex),
            float(fixed),
            life,
            net * crf,
            subsidy_frac=s,
            staff_fte=float(staff),
            land_m2=float(land),
            npv_capex_eur=net * k_pv,
            max_modules=int(mods or 1),
            max_size_t_per_yr=None if c is None else float(c.size_t_per_yr[-1]),
            operators_per_shift=float(ops or 0.0),
        )
        unit_options[u].append(j)
    return options, unit_options


def _unit_max_capacity(
    udf: pd.DataFrame,
    options: dict[tuple[str, str], CapacityOption],
    unit_options: dict[str, list[str]],
    timing: Timing,
    t: int,
) -> tuple[dict[str, float], dict[str, float]]:
    """(existing capacity, Cmax_{u,t}) per unit; Cmax falls back to the single-period value
    existing + largest option when no capacity is in service in period t."""
    unit_existing = dict(zip(udf["unit_id"].tolist(), floats(udf, "existing_capacity_t_per_yr")))
    unit_max_capacity = {
        u: max_capacity(
            unit_existing[u],
            {j: options[(u, j)].max_capacity_t_per_yr for j in unit_options[u]},
            timing,
            u,
            t,
        )
        or unit_existing[u]
        + max((options[(u, j)].max_capacity_t_per_yr for j in unit_options[u]), default=0.0)
        for u in unit_options
    }
    return unit_existing, unit_max_capacity


def _offtake_and_weights(instance: Instance) -> tuple[dict[str, float], dict[str, float]]:
    """(max offtake t/yr per product that sets one, recovery weight per material)."""
    products, materials = instance["products"], instance["materials"]
    offtake = {
        p: float(x)
        for p, x in zip(products["product_id"].tolist(), products["max_offtake_t_per_yr"].tolist())
        if x is not None and not math.isnan(float(x))
    }
    weights = dict(zip(materials["material"].tolist(), floats(materials, "recovery_weight")))
    return offtake, weights


def _period_data(
    instance: Instance, tree: RouteTree, rate: float, timing: Timing, t: int, same: _Shared
) -> ModelData:
    """The coefficients of period t (``instance`` as seen in that period)."""
    feeds_df, udf = instance["feeds"], instance["units"]
    feed_ids, unit_ids = feeds_df["feed_id"].tolist(), udf["unit_id"].tolist()
    units, products = list(tree.units), list(tree.products)
    node_revenue, recovered_terms = _product_terms(instance, tree, same.recovered)
    options, unit_options = same.options, same.unit_options
    unit_existing, unit_max_capacity = _unit_max_capacity(udf, options, unit_options, timing, t)
    network = build_network(instance, tree)
    if network is not None:  # existing capacity per site (checks_network), Cmax per period
        unit_existing, unit_max_capacity, network = site_capacity(
            network, units, options, unit_options, lambda u, caps: _added(timing, t, u, caps)
        )
    budget = instance.manifest.budget_eur
    return ModelData(
        tree=tree,
        manifest=instance.manifest,
        feeds=list(tree.feeds),
        feed_lb=dict(zip(feed_ids, floats(feeds_df, "contracted_min_t_per_yr"))),
        feed_ub=dict(zip(feed_ids, floats(feeds_df, "available_t_per_yr"))),
        gate_fee=effective_gate_fees(instance),
        units=units,
        unit_nodes=same.unit_nodes,
        unit_node_terms=same.unit_terms,
        unit_opex=dict(zip(unit_ids, floats(udf, "opex_eur_per_t"))),
        unit_min_load=dict(zip(unit_ids, floats(udf, "min_load_frac"))),
        unit_existing=unit_existing,
        unit_max_capacity=unit_max_capacity,
        options=options,
        unit_options=unit_options,
        products=products,
        product_nodes=same.product_nodes,
        product_offtake=same.offtake,
        node_revenue=node_revenue,
        node_route_cost=same.route_cost,
        recovery_weight=same.weights,
        recovered_terms=recovered_terms,
        budget_eur=None if budget is None else float(budget),
        unit_co2=dict(zip(unit_ids, floats(udf, "co2_t_per_t"))),
        co2_price_eur_per_t=float(instance.manifest.co2_price_eur_per_t or 0.0),
        co2_cap_t_per_yr=_opt_float(instance.manifest.co2_cap_t_per_yr),
        resource_limits=same.limits,
        horizon_yr=timing.horizon_yr,
        discount_rate=rate,
        timing=timing,
        curves=same.curves,
        network=network,
        footprint=same.footprint,
    )


def _added(timing: Timing, t: int, u: str, caps: dict[str, float]) -> float:
    """Largest capacity the builds of u in service in period t can add (the largest option
    when none is in service, as the single-period Cmax)."""
    return max_capacity(0.0, caps, timing, u, t) or max(caps.values(), default=0.0)


def _opt_float(x: SupportsFloat | str | None) -> float | None:
    return None if x is None else float(x)


def units_of(instance: Instance, applies_to: str) -> list[str]:
    """Units named by ``applies_to``: the unit of that id, or every unit of that stage."""
    udf = instance["units"]
    ids = udf["unit_id"].tolist()
    if applies_to in ids:
        return [applies_to]
    return [u for u, st in zip(ids, udf["stage"].tolist()) if st == applies_to]


def unit_subsidy(instance: Instance) -> dict[str, float]:
    """Capex subsidy share per unit: its unit row of capex_subsidies, else its stage row,
    else the manifest's capex_subsidy_frac, else 0."""
    default = float(instance.manifest.capex_subsidy_frac or 0.0)
    ids = instance["units"]["unit_id"].tolist()
    out = {u: default for u in ids}
    rows = instance.tables.get("capex_subsidies")
    if rows is not None and len(rows):
        ordered = sorted(
            zip(rows["applies_to"].tolist(), floats(rows, "capex_subsidy_frac")),
            key=lambda r: r[0] in ids,
        )  # stage rows first, unit rows win
        for target, share in ordered:
            for u in units_of(instance, target):
                out[u] = share
    return out


def unit_lead_time(instance: Instance) -> dict[str, float]:
    """Lead time per unit (lead_times.csv): its unit row, else its stage row, else 0."""
    rows = instance.tables.get("lead_times")
    out: dict[str, float] = {}
    if rows is not None and len(rows):
        ids = set(instance["units"]["unit_id"].tolist())
        for target, lead in sorted(
            zip(rows["applies_to"].tolist(), floats(rows, "lead_time_yr")),
            key=lambda r: r[0] in ids,
        ):
            for u in units_of(instance, target):
                out[u] = lead
    return out


def effective_gate_fees(instance: Instance) -> dict[str, float]:
    """Gate fee per feed plus its eco-modulation adjustment (eco_modulation.csv)."""
    feeds = instance["feeds"]
    adj: dict[str, float] = {}
    eco = instance.tables.get("eco_modulation")
    if eco is not None and len(eco):
        adj = dict(zip(eco["feed_id"].tolist(), floats(eco, "gate_fee_adjustment_eur_per_t")))
    return {
        f: float(fee) + adj.get(f, 0.0)
        for f, fee in zip(feeds["feed_id"].tolist(), floats(feeds, "gate_fee_eur_per_t"))
    }


def resource_limits(
    instance: Instance, options: dict[tuple[str, str], CapacityOption]
) -> tuple[ResourceLimit, ...]:
    """Land (m2) and staff (FTE, in total and per skill pool) of built options vs available.

    A staff pool covers the units its rows apply to (unit ids or stages)."""
    out = []
    land = instance.manifest.land_available_m2
    if land is not None:
        out.append(
            ResourceLimit(
                "land", {k: o.land_m2 for k, o in options.items() if o.land_m2 != 0}, float(land)
            )
        )
    staff = instance.manifest.staff_available_fte
    if staff is not None:
        out.append(
            ResourceLimit(
                "staff",
                {k: o.staff_fte for k, o in options.items() if o.staff_fte != 0},
                float(staff),
            )
        )
    pools = instance.tables.get("staff_pools")
    if pools is not None and len(pools):
        members: dict[str, set[str]] = {}
        avail: dict[str, float] = {}
        for level, target, fte in zip(
            pools["skill_level"].tolist(),
            pools["applies_to"].tolist(),
            floats(pools, "available_fte"),
        ):
            members.setdefault(level, set()).update(units_of(instance, target))
            avail[level] = min(fte, avail.get(level, fte))  # equal by validation
        for level, units in members.items():
            out.append(
                ResourceLimit(
                    f"staff:{level}",
                    {
                        k: o.staff_fte
                        for k, o in options.items()
                        if o.staff_fte != 0 and k[0] in units
                    },
                    avail[level],
                )
            )
    return tuple(out)


__all__ = [
    "ModelData",
    "CapacityOption",
    "ResourceLimit",
    "build_model_data",
    "capital_recovery_factor",
    "annuity_factor",
    "capex_pv_factor",
    "blended_rate",
    "KIND_DISPOSAL",
    "KIND_LOSS",
]

"""All families of a model, in one order, with the substitution that maps periods to x.

:func:`build_families` is the one place that decides which families a model has:

    per period t (local layout, Pyomo block ``period[t]``, or the model with one period):
        output_balance, feed_balance, capacity_limit, run_upper, min_load, run_if_built,
        offtake, co2_cap, resource_limit, target_ratio, contract_supply, take_back,
        collection_supply, collection_target
        expressions: throughput, capacity, co2_emissions, target_num, target_den,
        recovered, weighted_recovery and the ledger items (profit = their signed sum)
    global (global layout, on the model):
        one_option (per period), segment_order (per build decision), require_build, budget,
        profit_floor, recovery_floor, second_life_return
        (and upper bound 0 on the build columns of forbidden units / options)
        expressions: capex_total, npv; with several periods profit and weighted_recovery
        (horizon means, weights w_t = d_t / H)

Objectives (all maximised): recovery = weighted_recovery, profit, npv, where

    npv = sum_t sum_items phi_{item,t} item_t - sum_{u,j,tau} capex_net_{u,j} PV_{u,j,tau}
          build[u, j, tau]
    (phi and PV from model/finance.py; phi_{item,t} = sign_item DF_t with plain finance)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

import numpy as np

from plantopt.instance.requirements import build_requirements
from plantopt.model.data import ModelData
from plantopt.model.families import (
    capacity,
    collection,
    flows,
    levers,
    products,
    recovery,
    regulation,
    reuse,
    units,
)
from plantopt.model.families.context import PeriodContext, used_and_run_units
from plantopt.model.families.emissions import emission_rows, network_expressions
from plantopt.model.families.network import network_global_rows, network_rows
from plantopt.model.families.network_terms import (
    network_bounds,
    network_columns,
    site_capex_pv,
    site_capex_terms,
)
from plantopt.model.family import INF, Family, Relax, family
from plantopt.model.layout import Layout
from plantopt.model.ledger import Ledger, ledger
from plantopt.model.sparse import OnesCsr

if TYPE_CHECKING:
    from plantopt.model.regulation_terms import RegulationData

PERIOD_ROWS: tuple[Callable[[PeriodContext], Family], ...] = (
    flows.output_balance,
    flows.feed_balance,
    units.capacity_limit,
    units.run_upper,
    units.min_load,
    units.run_if_built,
    capacity.crew_need,
    products.offtake,
    levers.co2_cap,
    levers.resource_limit,
    regulation.target_ratio,
    regulation.contract_supply,
    regulation.take_back,
    collection.collection_supply,
    collection.collection_target,
)
PERIOD_EXPRESSIONS: tuple[Callable[[PeriodContext], Family], ...] = (
    units.throughput,
    units.capacity,
    levers.co2_emissions,
    regulation.target_num,
    regulation.target_den,
    recovery.recovered,
    recovery.weighted_recovery,
)


@dataclass(frozen=True)
class Period:
    """One period's families and its substitution S_t (local columns x global columns),
    made on first use (a one-period matrix build never needs it)."""

    rows: list[Family]
    expressions: dict[str, Family]
    ledger: Ledger
    make_subst: Callable[[], OnesCsr] = field(repr=False, compare=False)
    context: PeriodContext

    @cached_property
    def subst(self) -> OnesCsr:
        """S_t (:func:`substitution`)."""
        return self.make_subst()


@dataclass(frozen=True)
class Families:
    data: ModelData
    layout: Layout  # global
    periods: list[Period]
    global_rows: list[Family]
    global_expressions: dict[str, Family]
    objectives: dict[str, np.ndarray]  # name -> cost vector over global columns
    col_lower: np.ndarray
    col_upper: np.ndarray
    regulation: RegulationData | None = None

    @property
    def multi(self) -> bool:
        return self.layout.n_periods > 1

    def period_vector(self, t: int, local: np.ndarray) -> np.ndarray:
        """A local-layout row vector of period t in global columns: v S_t (v itself with
        one period)."""
        if not self.multi:
            return local
        return np.asarray(local @ self.periods[t].subst).ravel()


def substitution(local: Layout, glob: Layout, data: ModelData, t: int) -> OnesCsr:
    """S_t: period t's block, and local build[k] -> sum_{tau in A(k, t)} build[k, tau]; the
    segments of a continuous option alike: segment[k, s] -> sum_{tau in A(k, t)}
    segment[k, s, tau] (each build's size on the curve); and site_build[s, k] ->
    sum_{tau in A(k, t)} site_build[s, k, tau] (network instances)."""
    timing = data.timing
    assert timing is not None
    n = local.n_cols
    cols = np.arange(n) + t * glob.block
    keep = np.ones(n, dtype=bool)
    keep[local.build0 : local.run0] = False
    keep[local.segment0 : local.segment_on0] = False
    keep[local.site_build0 : local.site_run0] = False
    rows_ = [np.flatnonzero(keep)]
    cols_ = [cols[keep]]
    block = glob.block
    for keys, row0, col0 in (
        (local.options, local.build0, glob.build0),
        ([(u, j) for u, j, _ in local.segments], local.segment0, glob.segment0),
        ([(u, j) for _, u, j in local.site_builds], local.site_build0, glob.site_build0),
    ):  # build[k] (segments and site builds alike) -> its decisions in service in t
        for i, (u, j) in enumerate(keys):
            taus = np.asarray(timing.active[(u, j, t)], dtype=np.int64)
            rows_.append(np.full(len(taus), row0 + i))
            cols_.append(taus * block + col0 + i)
    return OnesCsr.of_ones(np.concatenate(rows_), np.concatenate(cols_), (n, glob.n_cols))


def build_families(data: ModelData, regulation_data: RegulationData | None) -> Families:
    """Every column bound, row family, expression and objective of the model."""
    timing = data.timing
    assert timing is not None
    T = len(timing.periods)
    used, run = used_and_run_units(data)
    net_cols: dict[str, Any] = {}
    if data.network is not None:  # units run per site (site_run), not as a whole
        net_cols, run = network_columns(data, run), []
    contracts = (
        tuple(c.contract_id for c in regulation_data.contracts)
        if regulation_data is not None
        else ()
    )
    glob = Layout(
        tuple(data.feeds),
        data.tree.n_nodes,
        tuple(data.options),
        tuple(run),
        contracts,
        n_periods=T,
        steps=tuple(s.label for s in regulation_data.steps) if regulation_data is not None else (),
        segments=segment_columns(data),
        segment_binaries=segment_binary_columns(data),
        crew=("operators",) if data.manifest.shift_crews else (),
        **net_cols,
    )
    local = glob.local()
    regs = regulation_data.per_period if regulation_data is not None else (None,) * T
    mass = data.tree.node_mass()
    periods = []
    for t, (d, reg) in enumerate(zip(data.per_period, regs)):
        ctx = PeriodContext(d, local, reg, mass, used, run)
        periods.append(
            Period(
                [f(ctx) for f in PERIOD_ROWS] + network_rows(ctx) + emission_rows(ctx),
                {
                    e.name: e
                    for e in [f(ctx) for f in PERIOD_EXPRESSIONS] + network_expressions(ctx)
                },
                ledger(ctx),
                partial(substitution, local, glob, data, t),
                ctx,
            )
        )
    lower, upper = column_bounds(glob, data, regulation_data)
    fams = Families(data, glob, periods, [], {}, {}, lower, upper, regulation_data)
    objectives = objective_vectors(fams)
    gexpr = global_expressions(fams, objectives)
    fams.objectives.update(objectives)
    fams.global_expressions.update(gexpr)
    fams.global_rows.extend(global_rows(fams, objectives))
    return fams


def column_bounds(
    glob: Layout, data: ModelData, reg: RegulationData | None
) -> tuple[np.ndarray, np.ndarray]:
    lower = np.zeros(glob.n_cols)
    upper = np.full(glob.n_cols, INF)
    contracts = reg.contracts if reg is not None else ()
    steps = reg.steps if reg is not None else ()
    extra = {f: reg.extra_collectable(f) if reg is not None else 0.0 for f in data.feeds}
    for t, d in enumerate(data.per_period):
        b = t * glob.block
        lower[b : b + glob.n_feeds] = [d.feed_lb[f] for f in d.feeds]
        upper[b : b + glob.n_feeds] = [d.feed_ub[f] + extra[f] for f in d.feeds]
        upper[b + glob.build0 : b + glob.take0] = 1.0
        upper[b + glob.build0 : b + glob.run0] = [data.options[k].max_modules for k in glob.options]
        lower[b + glob.take0 : b + glob.collect0] = [c.min_t_per_yr for c in contracts]
        upper[b + glob.take0 : b + glob.collect0] = [c.max_t_per_yr for c in contracts]
        upper[b + glob.collect0 : b + glob.segment0] = [s.t_per_yr for s in steps]
        upper[b + glob.segment0 : b + glob.crew0] = 1.0
        if data.network is not None:  # build[u, j] counts the sites it is built at
            network_bounds(glob, data, lower, upper, b)
        # forbidden units and the other options of a required u=j: build[u, j, t] <= 0
        for k in build_requirements(data.manifest, data.unit_options).forbidden:
            upper[b + glob.build0 + glob.o_index[k]] = 0.0
    return lower, upper


def _vec(f: Family, n: int) -> np.ndarray:
    """sum of the family's triplets per column (in triplet order, as ``np.add.at``)."""
    return np.bincount(f.col, weights=f.val, minlength=n).astype(float, copy=False)


def objective_vectors(fams: Families) -> dict[str, np.ndarray]:
    """recovery, profit (horizon means with several periods) and npv over global columns."""
    data, glob = fams.data, fams.layout
    timing = data.timing
    assert timing is not None
    n_local = glob.local().n_cols
    out: dict[str, np.ndarray] = {}
    single = not fams.multi
    for t, per in enumerate(fams.periods):
        p = timing.periods[t]
        w = 1.0 if single else p.weight
        rec = _vec(per.expressions["weighted_recovery"], n_local)
        prof = per.ledger.profit(n_local)
        if not single:  # x 1.0 is x: one period skips two passes
            rec *= w
            prof *= w
        npv = per.ledger.npv(n_local, timing.finance, p, timing.end_yr)
        for name, v in (("recovery", rec), ("profit", prof), ("npv", npv)):
            v = fams.period_vector(t, v)  # a fresh array: added to in place
            if name in out:
                out[name] += v
            else:  # 0 + v, as the sum starting from zero (-0.0 becomes 0.0)
                v += 0.0
                out[name] = v
    out["npv"] -= capex_pv_vector(fams)
    return out


def capex_pv_vector(fams: Families) -> np.ndarray:
    """capex_net PV of every global column (build columns and continuous-option segments
    of every period: PV_{u,j,tau} of the build they belong to; 0 elsewhere): what the npv
    subtracts."""
    data, glob = fams.data, fams.layout
    out = np.zeros(glob.n_cols)
    out[_build_columns(glob)] = _capex_pv(data, glob)
    seg_cols, seg_capex = segment_capex(data, glob)
    timing = data.timing
    assert timing is not None
    pv = np.array(
        [
            timing.capex_pv_factor[(u, j, tau)]
            for tau in range(glob.n_periods)
            for u, j, _ in glob.segments
        ],
        dtype=float,
    )
    out[seg_cols] = seg_capex * pv
    site_cols, site_pv = site_capex_pv(data, glob)
    out[site_cols] += site_pv
    return out


def segment_columns(data: ModelData) -> tuple[tuple[str, str, int], ...]:
    """(u, j, k), k = 1..K, of every continuous option's curve."""
    return tuple((u, j, k) for (u, j), c in data.curves.items() for k in range(1, c.n_segments + 1))


def segment_binary_columns(data: ModelData) -> tuple[tuple[str, str, int], ...]:
    """(u, j, k), k = 1..K-1: segment k+1 of (u, j) may be used only when k is full."""
    return tuple((u, j, k) for (u, j), c in data.curves.items() for k in range(1, c.n_segments))


def segment_capex(data: ModelData, glob: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(column, net capex increment) of every segment column of every period (period-major)."""
    inc = np.array(
        [
            (data.curves[(u, j)].capex_eur[k] - data.curves[(u, j)].capex_eur[k - 1])
            * (1.0 - data.options[(u, j)].subsidy_frac)
            for u, j, k in glob.segments
        ],
        dtype=float,
    )
    cols = np.concatenate(
        [
            t * glob.block + glob.segment0 + np.arange(len(glob.segments))
            for t in range(glob.n_periods)
        ]
    )
    return cols.astype(np.int64), np.tile(inc, glob.n_periods)


def _build_columns(glob: Layout) -> np.ndarray:
    return np.concatenate(
        [t * glob.block + glob.build0 + np.arange(len(glob.options)) for t in range(glob.n_periods)]
    )


def _capex_net(data: ModelData, glob: Layout) -> np.ndarray:
    return np.array(
        [data.options[k].capex_net_eur for k in glob.options] * glob.n_periods, dtype=float
    )


def capex_pv(fams: Families) -> np.ndarray:
    """capex_net_k PV_{k,tau} of every build column, in build-column order (period-major)."""
    return _capex_pv(fams.data, fams.layout)


def _capex_pv(data: ModelData, glob: Layout) -> np.ndarray:
    timing = data.timing
    assert timing is not None
    return np.array(
        [
            data.options[k].capex_net_eur * timing.capex_pv_factor[(*k, t)]
            for t in range(glob.n_periods)
            for k in glob.options
        ],
        dtype=float,
    )


def global_expressions(fams: Families, objectives: dict[str, np.ndarray]) -> dict[str, Family]:
    """capex_total and npv; with several periods also profit and weighted_recovery."""
    glob = fams.layout
    seg_cols, seg_capex = segment_capex(fams.data, glob)
    site_cols, site_capex = site_capex_terms(fams.data, glob)
    cols = np.concatenate([_build_columns(glob), seg_cols, site_cols])
    capex = np.concatenate([_capex_net(fams.data, glob), seg_capex, site_capex])
    nz = np.flatnonzero(capex)
    out = {
        "capex_total": family(
            "capex_total",
            [None],
            np.zeros(len(nz), np.int32),
            cols[nz],
            capex[nz],
            doc="EUR, net of capex subsidies",
            scope="global",
        )
    }
    docs = {
        "npv": "EUR, net present value over the horizon",
        "profit": "EUR/yr, horizon mean of the periods' profit",
        "weighted_recovery": "t/yr, horizon mean of the periods' weighted recovery",
    }
    names = [("npv", "npv")] + (
        [("profit", "profit"), ("weighted_recovery", "recovery")] if fams.multi else []
    )
    for name, obj in names:
        v = objectives[obj]
        nz = np.flatnonzero(v)
        out[name] = family(
            name, [None], np.zeros(len(nz), np.int32), nz, v[nz], doc=docs[name], scope="global"
        )
    return out


def require_build(data: ModelData, glob: Layout) -> Family:
    """require_build[u]: sum_{j allowed, tau} build[u, j, tau] >= 1 for every required unit
    (manifest require_units; :mod:`plantopt.instance.requirements`)."""
    req = build_requirements(data.manifest, data.unit_options)
    idx: list[str] = []
    rows: list[int] = []
    cols: list[int] = []
    for u, allowed in req.required.items():
        for t in range(glob.n_periods):
            for j in allowed:
                rows.append(len(idx))
                cols.append(t * glob.block + glob.build0 + glob.o_index[(u, j)])
        idx.append(u)
    return family(
        "require_build",
        idx,
        rows,
        cols,
        np.ones(len(cols)),
        1.0,
        INF,
        scope="global",
        block="model",
        doc="a required unit is built",
    )


def _modular(data: ModelData, unit: str) -> bool:
    return any(data.options[(unit, j)].max_modules > 1 for j in data.unit_options[unit])


def one_option(data: ModelData, glob: Layout) -> Family:
    """sum_j build[t, u, j] <= 1 for every unit with capacity options and every period t
    (not for a modular option, max_modules > 1: it is its unit's only option)."""
    timing = data.timing
    assert timing is not None
    o = glob.o_index
    idx: list[object] = []
    rows: list[int] = []
    cols: list[int] = []
    for t in range(glob.n_periods):
        # network instances: one option per unit and site (families/network.py) instead
        units = [] if data.network is not None else data.units
        for u in (u for u in units if data.unit_options[u] and not _modular(data, u)):
            for j in data.unit_options[u]:
                rows.append(len(idx))
                cols.append(t * glob.block + glob.build0 + o[(u, j)])
            idx.append(timing.key(u, t))
    return family(
        "one_option",
        idx,
        rows,
        cols,
        np.ones(len(cols)),
        -INF,
        1.0,
        scope="global",
        block="model",
        doc="at most one capacity option per unit (added per period)",
    )


def budget_row(data: ModelData, fams: Families) -> Family:
    """capex_total . x <= budget_eur (one row, only when the manifest sets a budget and the
    capex expression has a term)."""
    capex = fams.global_expressions["capex_total"]
    budget = data.budget_eur
    b_idx = [None] if budget is not None and capex.val.size else []
    return family(
        "budget",
        b_idx,
        capex.row if b_idx else [],
        capex.col if b_idx else [],
        capex.val if b_idx else [],
        -INF,
        budget if b_idx else 0.0,
        scope="global",
        block="model",
        doc="total capex within budget",
        relax=Relax(
            "budget",
            ("budget",) * len(b_idx),
            np.full(len(b_idx), float(budget or 0.0)),
            np.full(len(b_idx), max(float(budget or 0.0), 1.0)),
            "EUR",
        ),
    )


def floor_row(data: ModelData, objectives: dict[str, np.ndarray], which: str) -> Family:
    """objective . x >= the manifest's floor, for ``which`` in profit_floor / recovery_floor;
    a floor on an all-zero expression is kept only if it is infeasible (0 < floor)."""
    obj, key, unit = {
        "profit_floor": ("profit", "profit_floor_eur_per_yr", "EUR/yr"),
        "recovery_floor": ("recovery", "recovery_floor_t_per_yr", "t/yr"),
    }[which]
    m = data.manifest
    floor = m.profit_floor_eur_per_yr if obj == "profit" else m.recovery_floor_t_per_yr
    v = objectives[obj]
    nz = np.flatnonzero(v)
    keep = floor is not None and (len(nz) > 0 or float(floor) > 0)
    f = float(floor) if keep and floor is not None else 0.0
    return family(
        which,
        [None] if keep else [],
        np.zeros(len(nz) if keep else 0),
        nz if keep else [],
        v[nz] if keep else [],
        f,
        INF,
        scope="global",
        block="model",
        doc=f"{obj} at least the manifest's {key}",
        relax=Relax(
            "floor",
            (which,) * keep,
            np.full(int(keep), f),
            np.full(int(keep), max(abs(f), 1.0)),
            unit,
        ),
    )


def global_rows(fams: Families, objectives: dict[str, np.ndarray]) -> list[Family]:
    """one_option (per period), segment_order (per build decision), require_build, budget,
    profit_floor, recovery_floor, second_life_return (multi-period, with second-life packs
    returning as a feed); with sites site_build_link and site_one_option (per decision)."""
    data, glob = fams.data, fams.layout
    timing = data.timing
    assert timing is not None
    return [
        one_option(data, glob),
        capacity.segment_order(fams.periods[0].context, glob, timing.key),
        require_build(data, glob),
        budget_row(data, fams),
        floor_row(data, objectives, "profit_floor"),
        floor_row(data, objectives, "recovery_floor"),
        reuse.second_life_return(fams),
    ] + network_global_rows(fams.periods[0].context, glob, timing.key)


__all__ = [
    "Families",
    "PERIOD_EXPRESSIONS",
    "PERIOD_ROWS",
    "Period",
    "build_families",
    "capex_pv_vector",
    "substitution",
]

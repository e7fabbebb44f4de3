"""Vectorised build of the same MILP as the Pyomo blocks, straight into sparse matrices.

Pyomo spends far longer building and compiling a large model than HiGHS needs to solve it.
This module assembles the identical model — same variables, same rows, same objectives as
:mod:`plantopt.model` (feeds, routing, units, economics, objective) — directly from the
grouped arrays in :class:`ModelData`, with NumPy and one ``scipy.sparse`` construction. Tests
prove it equal to the Pyomo model's standard-form compile (same matrix up to row and column
order, same objective values). The Pyomo model stays the public, extensible one.

Column layout: ``accept[f]`` (F), ``flow[n]`` (N), ``build[u, j]`` (O), ``run[u]`` (R),
``take[c]`` (C, offtake contracts of the regulation block).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from plantopt.model.data import ModelData
from plantopt.model.matrix_form import INF, MatrixModel

if TYPE_CHECKING:
    from plantopt.model.regulation_terms import RegulationData


@dataclass(frozen=True)
class ColumnMap:
    """Where each variable family starts in the column vector."""

    n_feeds: int
    n_nodes: int
    options: list[tuple[str, str]]
    run_units: list[str]
    contracts: list[str] = field(default_factory=list)
    n_periods: int = 1  # period t's columns are those of period 0 shifted by t * block

    @property
    def flow0(self) -> int:
        return self.n_feeds

    @property
    def build0(self) -> int:
        return self.n_feeds + self.n_nodes

    @property
    def run0(self) -> int:
        return self.build0 + len(self.options)

    @property
    def take0(self) -> int:
        return self.run0 + len(self.run_units)

    @property
    def block(self) -> int:
        """Columns of one period: accept, flow, build (decided in the period), run, take."""
        return self.take0 + len(self.contracts)

    @property
    def n_cols(self) -> int:
        return self.block * self.n_periods

    def split(self, x: np.ndarray, t: int = 0) -> tuple[np.ndarray, np.ndarray, dict, dict]:
        """(accept, flow, build by (u, j) decided in period t, run by u) of period t."""
        x = x[t * self.block:(t + 1) * self.block]
        build = {k: float(x[self.build0 + i]) for i, k in enumerate(self.options)}
        run = {u: float(x[self.run0 + i]) for i, u in enumerate(self.run_units)}
        return x[:self.n_feeds], x[self.flow0:self.build0], build, run


class _Rows:
    """Accumulates sparse rows as coordinate triplets plus bounds."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.n = 0

    def add(self, row: np.ndarray, col: np.ndarray, val: np.ndarray, lo: np.ndarray,
            hi: np.ndarray) -> None:
        """Add len(lo) rows; ``row`` holds local row indices 0..len(lo)-1."""
        self.r.append(np.asarray(row, dtype=np.int64) + self.n)
        self.c.append(np.asarray(col, dtype=np.int64))
        self.v.append(np.asarray(val, dtype=float))
        self.lo.append(np.asarray(lo, dtype=float))
        self.hi.append(np.asarray(hi, dtype=float))
        self.n += len(lo)


def _csr_rows(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Row ids and flattened members of a list of index lists."""
    lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    rows = np.repeat(np.arange(len(lists)), lengths)
    flat = np.fromiter((i for x in lists for i in x), dtype=np.int64, count=int(lengths.sum()))
    return rows, flat


def build_matrix(data: ModelData, objectives: list[str],
                 regulation: RegulationData | None = None) -> tuple[MatrixModel, ColumnMap]:
    """The MILP of ``data`` (and ``regulation``, if given) in matrix form.

    Every period's operating rows are built in the single-period column layout (``build``
    = options in service) and mapped to the global columns by a 0/1 substitution S_t:
    local build[k] -> sum_{tau in A(k, t)} build[k, tau]; other columns -> period t's block.
    With one period S is the identity. The named objectives become cost rows. Row order:
    per period feed_balance, output_balance, capacity_limit, run_upper, min_load,
    run_if_built, offtake, co2_cap, resource_limit, target_ratio, contract_supply; then
    one_option (per period), budget, profit_floor, recovery_floor.
    """
    timing = data.timing
    assert timing is not None
    T = len(timing.periods)
    F, N = len(data.feeds), data.tree.n_nodes
    options = list(data.options)
    n_opt = len(options)
    used = [u for u in data.units if data.unit_nodes[u]]
    min_load = [u for u in used if data.unit_min_load[u] > 0 and data.unit_max_capacity[u] > 0]
    contracts = list(regulation.contracts) if regulation is not None else []
    ids = [c.contract_id for c in contracts]
    local = ColumnMap(F, N, options, min_load, ids)
    cm = ColumnMap(F, N, options, min_load, ids, n_periods=T)
    regs = regulation.per_period if regulation is not None else (None,) * T
    costs = {o: np.zeros(cm.n_cols) for o in ("recovery", "profit", "npv")}
    o_index = {k: i for i, k in enumerate(options)}
    with_opts = [u for u in data.units if data.unit_options[u]]
    rr, cc = _csr_rows([[o_index[(u, j)] for j in data.unit_options[u]] for u in with_opts])
    build_cols = np.concatenate([t * cm.block + cm.build0 + np.arange(n_opt) for t in range(T)])
    capex = np.array([data.options[k].capex_net_eur for k in options] * T)
    segments: list[tuple[_Rows, sp.csr_array | None]] = []  # (rows, S_t) or global rows
    for t, (d, reg) in enumerate(zip(data.per_period, regs)):
        seg = (_Rows(), _Rows(), _Rows())
        _period_rows(seg, local, d, reg)
        s_t = _substitution(local, cm, timing, t)
        one = _Rows()  # one_option[u, t]: sum_j build[u, j, t] <= 1
        one.add(rr, t * cm.block + cm.build0 + cc, np.ones(len(cc)),
                np.full(len(with_opts), -INF), np.ones(len(with_opts)))
        segments += [(seg[0], s_t), (one, None), (seg[1], s_t)]
        if t == 0:
            budget = _Rows()
            nz = np.flatnonzero(capex)
            if data.budget_eur is not None and len(nz):  # budget: sum capex build <= B
                budget.add(np.zeros(len(nz)), build_cols[nz], capex[nz], [-INF],
                           [data.budget_eur])
            segments.append((budget, None))
        segments.append((seg[2], s_t))
        rec, prof, ann = _period_costs(d, local, reg)
        p = timing.periods[t]
        w = p.weight
        costs["recovery"] += (rec if T == 1 else w * rec) @ s_t
        costs["profit"] += (prof if T == 1 else w * prof) @ s_t
        costs["npv"] += (p.operating_pv * (prof + ann)) @ s_t
    # npv: minus the present value of capex of every build decision
    pv = np.array([data.options[k].capex_net_eur * timing.capex_pv_factor[(*k, t)]
                   for t in range(T) for k in options])
    costs["npv"][build_cols] -= pv
    rows = _Rows()
    floor = data.manifest.get("profit_floor_eur_per_yr")
    # floors; a floor on an all-zero expression is kept only if it is infeasible (0 < floor)
    nz = np.flatnonzero(costs["profit"])
    if floor is not None and (len(nz) or float(floor) > 0):
        rows.add(np.zeros(len(nz)), nz, costs["profit"][nz], [float(floor)], [INF])
    rfloor = data.manifest.get("recovery_floor_t_per_yr")
    nz = np.flatnonzero(costs["recovery"])
    if rfloor is not None and (len(nz) or float(rfloor) > 0):
        rows.add(np.zeros(len(nz)), nz, costs["recovery"][nz], [float(rfloor)], [INF])
    segments.append((rows, None))
    blocks, lo, hi = [], [], []
    for seg_rows, s_t in segments:
        if not seg_rows.n:
            continue
        m = sp.csr_array((np.concatenate(seg_rows.v), (np.concatenate(seg_rows.r),
                                                       np.concatenate(seg_rows.c))),
                         shape=(seg_rows.n, cm.n_cols if s_t is None else local.n_cols))
        blocks.append(m if s_t is None else m @ s_t)
        lo += seg_rows.lo
        hi += seg_rows.hi
    a = sp.vstack(blocks, format="csc") if blocks else sp.csc_array((0, cm.n_cols))
    a.sum_duplicates()
    col_lower = np.zeros(cm.n_cols)
    col_upper = np.full(cm.n_cols, INF)
    integrality = np.zeros(cm.n_cols, dtype=np.int32)
    for t, d in enumerate(data.per_period):
        b = t * cm.block
        col_lower[b:b + F] = [d.feed_lb[f] for f in d.feeds]
        col_upper[b:b + F] = [d.feed_ub[f] for f in d.feeds]
        col_upper[b + cm.build0:b + cm.take0] = 1.0
        col_lower[b + cm.take0:b + cm.block] = [c.min_t_per_yr for c in contracts]
        col_upper[b + cm.take0:b + cm.block] = [c.max_t_per_yr for c in contracts]
        integrality[b + cm.build0:b + cm.take0] = 1
    mm = MatrixModel(
        a_csc=a, row_lower=np.concatenate(lo), row_upper=np.concatenate(hi),
        col_lower=col_lower, col_upper=col_upper,
        costs=np.vstack([costs[o] for o in objectives]), offsets=np.zeros(len(objectives)),
        maximize=True, integrality=integrality, columns=[], objective_names=list(objectives))
    return mm, cm


def _substitution(local: ColumnMap, cm: ColumnMap, timing, t: int) -> sp.csr_array:
    """S_t (local columns x global columns): period t's block, and local build[k] ->
    sum_{tau in A(k, t)} build[k, tau]."""
    n = local.n_cols
    cols = np.arange(n) + t * cm.block
    rows_, cols_ = list(range(n)), cols.tolist()
    keep = np.ones(n, dtype=bool)
    keep[local.build0:local.run0] = False
    rows_ = np.flatnonzero(keep).tolist()
    cols_ = cols[keep].tolist()
    for i, (u, j) in enumerate(local.options):
        for tau in timing.active[(u, j, t)]:
            rows_.append(local.build0 + i)
            cols_.append(tau * cm.block + cm.build0 + i)
    return sp.csr_array((np.ones(len(rows_)), (rows_, cols_)), shape=(n, cm.n_cols))


def _period_rows(segments: tuple[_Rows, _Rows, _Rows], cm: ColumnMap, data: ModelData,
                 regulation: RegulationData | None) -> None:
    """One period's operating rows in the single-period layout (build = in service), in
    three segments (balances; capacity and load; offtake, levers, regulation) between
    which :func:`build_matrix` puts one_option and the budget (the single-period order)."""
    rows = segments[0]
    tree = data.tree
    F = len(data.feeds)
    options = cm.options
    o_index = {k: i for i, k in enumerate(options)}
    used = [u for u in data.units if data.unit_nodes[u]]
    min_load = cm.run_units
    r_index = {u: i for i, u in enumerate(min_load)}
    mass = tree.node_mass()

    # feed_balance[f]: sum_{entry n} flow[n] - accept[f] = 0
    rr, nodes = _csr_rows([data.feed_root_nodes[f] for f in data.feeds])
    rows.add(np.concatenate([rr, np.arange(F)]), np.concatenate([cm.flow0 + nodes,
                                                                np.arange(F)]),
             np.concatenate([np.ones(len(nodes)), -np.ones(F)]), np.zeros(F), np.zeros(F))
    # output_balance[g]: sum_{c in C(g)} flow[c] - flow[parent g] = 0
    G = len(data.groups)
    rr, kids = _csr_rows([data.group_children[g] for g in data.groups])
    parents = np.fromiter((data.group_parent[g] for g in data.groups), np.int64, G)
    rows.add(np.concatenate([rr, np.arange(G)]), cm.flow0 + np.concatenate([kids, parents]),
             np.concatenate([np.ones(len(kids)), -np.ones(G)]), np.zeros(G), np.zeros(G))

    def throughput_terms(units: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r, n = _csr_rows([data.unit_nodes[u] for u in units])
        return r, cm.flow0 + n, mass[n]

    def capacity_terms(units: list[str], scale: np.ndarray) -> tuple[np.ndarray, ...]:
        r, c = _csr_rows([[o_index[(u, j)] for j in data.unit_options[u]] for u in units])
        caps = np.array([data.options[options[i]].capacity_t_per_yr for i in c])
        return r, cm.build0 + c, caps * scale[r] if len(r) else caps

    rows = segments[1]
    # capacity_limit[u]: throughput[u] - sum_j cap build <= existing
    U = len(used)
    tr, tc_, tv = throughput_terms(used)
    cr, cc, cv = capacity_terms(used, np.ones(U))
    existing = np.array([data.unit_existing[u] for u in used])
    rows.add(np.concatenate([tr, cr]), np.concatenate([tc_, cc]), np.concatenate([tv, -cv]),
             np.full(U, -INF), existing)
    # run_upper[u]: throughput[u] - Cmax run[u] <= 0
    R = len(min_load)
    cmax = np.array([data.unit_max_capacity[u] for u in min_load])
    ml = np.array([data.unit_min_load[u] for u in min_load])
    tr, tc_, tv = throughput_terms(min_load)
    runs = cm.run0 + np.arange(R)
    rows.add(np.concatenate([tr, np.arange(R)]), np.concatenate([tc_, runs]),
             np.concatenate([tv, -cmax]), np.full(R, -INF), np.zeros(R))
    # min_load[u]: throughput - ml sum_j cap build - Cmax run >= ml existing - Cmax
    cr, cc, cv = capacity_terms(min_load, ml)
    ex = np.array([data.unit_existing[u] for u in min_load])
    rows.add(np.concatenate([tr, cr, np.arange(R)]), np.concatenate([tc_, cc, runs]),
             np.concatenate([tv, -cv, -cmax]), ml * ex - cmax, np.full(R, INF))
    # run_if_built[u]: run[u] - sum_j build[u, j] <= 0   (units without existing capacity)
    rib = [u for u in min_load if data.unit_existing[u] <= 0]
    br, bc = _csr_rows([[o_index[(u, j)] for j in data.unit_options[u]] for u in rib])
    rows.add(np.concatenate([np.arange(len(rib)), br]),
             np.concatenate([cm.run0 + np.array([r_index[u] for u in rib], dtype=np.int64),
                             cm.build0 + bc]),
             np.concatenate([np.ones(len(rib)), -np.ones(len(bc))]),
             np.full(len(rib), -INF), np.zeros(len(rib)))

    rows = segments[2]
    limited = [p for p in data.products if p in data.product_offtake and data.product_nodes[p]]
    pr, pn = _csr_rows([data.product_nodes[p] for p in limited])  # offtake[p]
    rows.add(pr, cm.flow0 + pn, mass[pn], np.full(len(limited), -INF),
             [data.product_offtake[p] for p in limited])

    _add_lever_rows(rows, cm, data, mass, o_index)
    if regulation is not None:
        _add_regulation_rows(rows, cm, data, regulation)


def _period_costs(data: ModelData, cm: ColumnMap, regulation: RegulationData | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weighted_recovery, profit, annual_capex) of one period in its local layout."""
    mass = data.tree.node_mass()
    profit = _profit_cost(data, cm, mass)
    contracts = regulation.contracts if regulation is not None else ()
    for i, c in enumerate(contracts):  # offtake premium is part of profit
        profit[cm.take0 + i] += c.premium_eur_per_t
    ann = np.zeros(cm.n_cols)
    ann[cm.build0:cm.run0] = [data.options[k].annualised_capex_eur_per_yr for k in cm.options]
    return _recovery_cost(data, cm), profit, ann


def _add_regulation_rows(rows: _Rows, cm: ColumnMap, data: ModelData,
                         regulation: RegulationData) -> None:
    """target_ratio[t]: sum a flow - R_t sum b accept >= 0;
    contract_supply[p, k]: sum_{c on (p, k)} take[c] - sum a flow <= 0."""
    f_index = {f: i for i, f in enumerate(data.feeds)}
    for t in regulation.enforced:
        n = np.fromiter((x[0] for x in t.num), np.int64, len(t.num))
        a = np.fromiter((x[1] for x in t.num), float, len(t.num))
        fi = np.fromiter((f_index[x[0]] for x in t.den), np.int64, len(t.den))
        b = np.fromiter((x[1] for x in t.den), float, len(t.den))
        rows.add(np.zeros(len(n) + len(fi)), np.concatenate([cm.flow0 + n, fi]),
                 np.concatenate([a, -t.required_frac * b]), [0.0], [INF])
    pairs: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(regulation.contracts):
        pairs.setdefault((c.product_id, c.material), []).append(i)
    for idx in pairs.values():
        supply = regulation.contracts[idx[0]].supply
        n = np.fromiter((x[0] for x in supply), np.int64, len(supply))
        a = np.fromiter((x[1] for x in supply), float, len(supply))
        rows.add(np.zeros(len(idx) + len(n)),
                 np.concatenate([cm.take0 + np.asarray(idx, dtype=np.int64), cm.flow0 + n]),
                 np.concatenate([np.ones(len(idx)), -a]), [-INF], [0.0])


def _co2_per_flow(data: ModelData, mass: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit nodes with direct CO2 and their t CO2 per feed-equivalent t: co2_u mass_n."""
    tree = data.tree
    nodes = np.flatnonzero(tree.node_kind == 0)
    co2 = np.array([data.unit_co2.get(u, 0.0) for u in tree.units])
    per = co2[tree.node_target[nodes]] * mass[nodes]
    keep = per != 0
    return nodes[keep], per[keep]


def _add_lever_rows(rows: _Rows, cm: ColumnMap, data: ModelData, mass: np.ndarray,
                    o_index: dict[tuple[str, str], int]) -> None:
    """co2_cap: sum co2_u mass_n flow[n] <= cap; resource_limit[r]: sum a build <= avail."""
    # rows without terms are trivially met (caps and limits are >= 0): none, as in Pyomo
    n, per = _co2_per_flow(data, mass)
    if data.co2_cap_t_per_yr is not None and len(n):
        rows.add(np.zeros(len(n)), cm.flow0 + n, per, [-INF], [data.co2_cap_t_per_yr])
    for lim in data.resource_limits:
        if not lim.amount:
            continue
        idx = np.array([o_index[k] for k in lim.amount], dtype=np.int64)
        rows.add(np.zeros(len(idx)), cm.build0 + idx,
                 np.fromiter(lim.amount.values(), float, len(idx)), [-INF], [lim.available])


def _recovery_cost(data: ModelData, cm: ColumnMap) -> np.ndarray:
    """weighted_recovery = sum_m w_m sum_{(n, a) in R_m} a flow[n]."""
    c = np.zeros(cm.n_cols)
    for m, terms in data.recovered_terms.items():
        w = data.recovery_weight[m]
        if w == 0 or not terms:
            continue
        n = np.fromiter((t[0] for t in terms), np.int64, len(terms))
        a = np.fromiter((t[1] for t in terms), float, len(terms))
        np.add.at(c, cm.flow0 + n, w * a)
    return c


def _profit_cost(data: ModelData, cm: ColumnMap, mass: np.ndarray) -> np.ndarray:
    """profit = revenue + gate fees - variable opex - fixed opex - annual capex - route costs."""
    c = np.zeros(cm.n_cols)
    c[:cm.n_feeds] = [data.gate_fee[f] for f in data.feeds]
    if data.node_revenue:
        n = np.fromiter(data.node_revenue.keys(), np.int64, len(data.node_revenue))
        c[cm.flow0 + n] += np.fromiter(data.node_revenue.values(), float, len(n))
    tree = data.tree
    unit_nodes = np.flatnonzero(tree.node_kind == 0)
    opex = np.array([data.unit_opex[u] for u in tree.units])
    c[cm.flow0 + unit_nodes] -= opex[tree.node_target[unit_nodes]] * mass[unit_nodes]
    if data.co2_price_eur_per_t:  # co2_cost = price sum co2_u throughput[u]
        n, per = _co2_per_flow(data, mass)
        c[cm.flow0 + n] -= data.co2_price_eur_per_t * per
    if data.node_route_cost:
        n = np.fromiter(data.node_route_cost.keys(), np.int64, len(data.node_route_cost))
        c[cm.flow0 + n] -= np.fromiter(data.node_route_cost.values(), float, len(n))
    for i, k in enumerate(cm.options):
        o = data.options[k]
        c[cm.build0 + i] -= o.fixed_opex_eur_per_yr + o.annualised_capex_eur_per_yr
    return c

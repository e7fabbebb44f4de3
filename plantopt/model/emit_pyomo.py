"""Pyomo emitter: the families as a ``ConcreteModel`` users extend and solve with any solver.

One indexed ``Var`` per column family (accept, flow, build, run, take), one indexed
``Constraint`` per row family and one ``Expression`` per expression family and ledger item,
with the component names of the formulation (``feed_balance``, ``capacity_limit``,
``profit``, ...). Rows are built from the same triplets as the matrix form, as
``LinearExpression`` objects. With several periods the operating components live on the
block ``period[p]`` and ``build`` is indexed (u, j, p) on the model; ``period[p].build[u, j]``
is the options in service.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.relational_expr import (
    EqualityExpression,
    InequalityExpression,
    RangedExpression,
)

from plantopt.model.build import Families, capex_pv_vector
from plantopt.model.family import Family
from plantopt.model.layout import COLUMN_DOCS
from plantopt.model.ledger import ITEMS, SIGN
from plantopt.model.matrix_form import OBJECTIVES

_SETS = {
    "accept": "FEEDS",
    "flow": "NODES",
    "build": "OPTIONS",
    "run": "MIN_LOAD_UNITS",
    "take": "CONTRACTS",
    "collect": "COLLECTION_STEPS",
    "segment": "SEGMENTS",
    "segment_on": "SEGMENT_BINARIES",
    "crew": "CREW",
    "site_flow": "SITE_NODES",
    "ship": "SHIPS",
    "haul": "HAULS",
    "site_build": "SITE_OPTIONS",
    "site_run": "SITE_RUN_UNITS",
}
_ROW_SETS = {
    "output_balance": "GROUPS",
    "co2_cap": "CO2_CAPS",
    "resource_limit": "RESOURCES",
    "target_ratio": "TARGETS",
    "contract_supply": "CONTRACT_PAIRS",
}
_EXPR_SETS = {
    "throughput": "UNITS",
    "capacity": "UNITS",
    "recovered": "MATERIALS",
    "target_num": "TARGETS",
    "target_den": "TARGETS",
}


def _key(label: Any) -> Any:
    return label


_DIMEN = {
    "OPTIONS": 2,
    "CONTRACT_PAIRS": 2,
    "SEGMENTS": 3,
    "SEGMENT_BINARIES": 3,
    "SITE_NODES": 2,
    "SHIPS": 4,
    "HAULS": 4,
    "SITE_OPTIONS": 3,
    "SITE_RUN_UNITS": 2,
}


def _set(block: Any, name: str, labels: Sequence[Any]) -> Any:
    if hasattr(block, name):
        return getattr(block, name)
    dimen = _DIMEN.get(name, 1)
    if name == "NODES":
        s = pyo.RangeSet(0, len(labels) - 1)
    else:
        s = pyo.Set(initialize=list(labels), dimen=dimen, ordered=True)
    setattr(block, name, s)
    return s


def _declare_columns(model: pyo.ConcreteModel, fams: Families) -> list[Any]:
    """The Vars, and the VarData of every global column (in column order)."""
    glob = fams.layout
    timing = fams.data.timing
    assert timing is not None
    cols: list[Any] = [None] * glob.n_cols
    if fams.multi:
        model.PERIODS = pyo.Set(initialize=[p.period_id for p in timing.periods], ordered=True)
        model.OPTIONS = pyo.Set(initialize=list(glob.options), dimen=2, ordered=True)
        model.build = pyo.Var(
            model.OPTIONS * model.PERIODS,
            domain=pyo.Binary,
            doc="capacity option built in the period",
        )
        model.period = pyo.Block(model.PERIODS)
    else:
        model.OPTIONS = pyo.Set(initialize=list(glob.options), dimen=2, ordered=True)
        model.build = pyo.Var(model.OPTIONS, domain=pyo.Binary, doc=COLUMN_DOCS["build"])
    for t, p in enumerate(timing.periods):
        blk = model.period[p.period_id] if fams.multi else model
        base = t * glob.block
        for name, start, labels, integer in glob.families():
            if name == "build":
                for i, k in enumerate(labels):
                    cols[base + start + i] = model.build[timing.key(k, t)]
                    ub = fams.col_upper[base + start + i]
                    if ub < 1:  # forbidden (require/forbid)
                        model.build[timing.key(k, t)].setub(0)
                    elif ub > 1:  # modules: an integer count
                        model.build[timing.key(k, t)].domain = pyo.NonNegativeIntegers
                        model.build[timing.key(k, t)].setub(float(ub))
                continue
            index = _set(blk, _SETS[name], labels)
            lo = fams.col_lower[base + start : base + start + len(labels)]
            hi = fams.col_upper[base + start : base + start + len(labels)]
            counts = integer and name != "crew" and bool(len(hi)) and float(hi.max()) > 1
            var = pyo.Var(  # counts: site_build of a modular option (module counts)
                index,
                domain=(pyo.NonNegativeIntegers if name == "crew" or counts else pyo.Binary)
                if integer
                else pyo.NonNegativeReals,
                doc=COLUMN_DOCS[name],
            )
            setattr(blk, name, var)
            data = list(var.values())  # in the index set's order, which is ``labels``
            assert len(data) == len(labels)
            cols[base + start : base + start + len(labels)] = data
            if not ((integer and not counts) or (not lo.any() and np.isinf(hi).all())):
                _set_bounds(data, lo, hi)
    return cols


def _set_bounds(data: list[Any], lo: np.ndarray, hi: np.ndarray) -> None:
    """Column bounds lo <= x <= hi on the VarData (an infinite upper bound as None)."""
    for v, a, b in zip(data, lo.tolist(), hi.tolist()):
        v.setlb(a)
        v.setub(None if math.isinf(b) else b)


class _Terms:
    """The monomials c * x_j of every family the model is emitted from, one Python object per
    distinct (c, j): a coefficient on a column that several rows or expressions share (the
    recovered, target and ledger expressions repeat the flow columns' coefficients: ~45 % of
    all nonzeros at generated L) is one ``MonomialTermExpression`` in all of them (Pyomo's
    expression nodes are immutable, so sharing them is sharing a subexpression).

    ``matrices``: each family's rows over ``cols`` (a scipy CSR matrix) by ``id(family)``;
    :meth:`linear` gives a family's rows. Explicit zeros are dropped (in place)."""

    def __init__(self, matrices: dict[int, Any], cols: list):
        mats = list(matrices.values())
        for m in mats:
            m.eliminate_zeros()
        self._at = dict(zip(matrices, zip(mats, _offsets(mats))))
        data = np.concatenate([m.data for m in mats]) if mats else np.zeros(0)
        col = np.concatenate([m.indices for m in mats]) if mats else np.zeros(0, np.int32)
        codes, coef, col_of = _distinct_pairs(data, col.astype(np.int64), len(cols))
        var = _objects(cols)[col_of].tolist()
        distinct = _objects(list(map(MonomialTermExpression, zip(coef.tolist(), var))))
        self._all: list[Any] = distinct[codes].tolist()

    @classmethod
    def of(cls, families: list[tuple[Family, int | None]], fams: Families, cols: list) -> _Terms:
        """The terms of (family, period) pairs over the model's global columns."""
        return cls({id(f): _global(f, fams, t) for f, t in families}, cols)

    def linear(self, f: Family, constant: np.ndarray | None) -> list[LinearExpression]:
        """One ``LinearExpression`` per row i of family f: sum_j A_ij x_j (+ constant[i])."""
        m, o = self._at[id(f)]
        ptr = (m.indptr + o).tolist()
        terms = self._all
        if constant is None or not constant.any():
            return [LinearExpression(terms[a:b]) for a, b in zip(ptr[:-1], ptr[1:])]
        const = constant.tolist()
        return [
            LinearExpression(([c] if c else []) + terms[a:b])
            for a, b, c in zip(ptr[:-1], ptr[1:], const)
        ]


def _distinct_pairs(
    coef: np.ndarray, col: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, distinct coef, distinct col): pair k is (coef[codes[k]], col[codes[k]]) of
    the distinct pairs, numbered in order of first appearance. Coefficients are told apart by
    value (one zero: the caller has dropped them); the pair key is code(coef) * n_cols + col,
    exact in int64 (< nnz * n_cols)."""
    import pandas as pd

    coef_code, coef_values = pd.factorize(coef, use_na_sentinel=False)
    codes, keys = pd.factorize(coef_code.astype(np.int64) * n_cols + col, use_na_sentinel=False)
    return codes, np.asarray(coef_values)[keys // n_cols], keys % n_cols


def _objects(items: list[Any]) -> np.ndarray:
    """A NumPy object array of ``items`` (to gather Python objects by index arrays)."""
    return np.fromiter(items, dtype=object, count=len(items))


def _offsets(mats: list[Any]) -> list[int]:
    """Where each matrix's nonzeros start in the concatenation of all of them."""
    return np.concatenate([[0], np.cumsum([m.nnz for m in mats])[:-1]]).astype(int).tolist()


def _global(f: Family, fams: Families, t: int | None) -> sp.csr_array:
    """The family's rows over the global columns: A S_t for a period family, where S_t maps
    the global columns to period t's local ones. With one period the local and global
    columns are the same and S_t is the identity, so A itself is used (:class:`_Terms` drops
    its zeros, as the product A S_t drops them)."""
    if f.scope == "global" or not fams.multi:
        return f.matrix(fams.layout.n_cols)
    assert t is not None
    return f.matrix(fams.layout.local().n_cols) @ fams.periods[t].subst


def _component_index(block: Any, f: Family, sets: dict[str, str]) -> Any:
    if f.index == [None]:
        return None
    name = sets.get(f.name)
    if name is not None:  # declared even when empty, as users and the docs expect
        return _set(block, name, f.index)
    return list(f.index)


def _add_expression(block: Any, f: Family, terms: _Terms) -> None:
    exprs = terms.linear(f, f.constant)
    index = _component_index(block, f, _EXPR_SETS)
    if index is None:
        setattr(block, f.name, pyo.Expression(expr=exprs[0], doc=f.doc))
        return
    component = pyo.Expression(index, doc=f.doc)
    setattr(block, f.name, component)  # constructed empty: no rule
    _fill(component, f.index, exprs)


def _relations(exprs: list[LinearExpression], f: Family) -> list[Any]:
    """``expr == lower`` where lower == upper, else ``lower <= expr``, ``expr <= upper`` or
    ``lower <= expr <= upper`` for the finite bounds: the relational expressions Pyomo's
    operators and ``inequality`` make, constructed directly."""
    assert f.lower is not None and f.upper is not None
    out: list[Any] = []
    for e, lo, hi in zip(exprs, f.lower.tolist(), f.upper.tolist()):
        if lo == hi:
            out.append(EqualityExpression((e, lo)))
        elif math.isinf(lo) and math.isinf(hi):  # a free row, as Pyomo takes it
            out.append((None, e, None))
        elif math.isinf(lo):
            out.append(InequalityExpression((e, hi), False))
        elif math.isinf(hi):
            out.append(InequalityExpression((lo, e), False))
        else:
            out.append(RangedExpression((lo, e, hi), (False, False)))
    return out


def _add_constraint(block: Any, f: Family, terms: _Terms) -> None:
    rels = _relations(terms.linear(f, None), f)
    index = _component_index(block, f, _ROW_SETS)
    if index is None:
        setattr(block, f.name, pyo.Constraint(expr=rels[0], doc=f.doc))
        return
    con = pyo.Constraint(index, doc=f.doc)
    setattr(block, f.name, con)  # constructed empty: no rule
    _fill(con, f.index, rels)


def _fill(component: Any, labels: Sequence[Any], values: list[Any]) -> None:
    """component[k] = values[i] for the i-th label k, in the order of the component's index
    set (the order a rule would fill it in). The members are made as a rule's are (Pyomo's
    ``_setitem_when_not_present``) without a call of a rule per member."""
    keys = list(component.index_set())
    if keys != list(labels):
        pos = {k: i for i, k in enumerate(labels)}
        values = [values[pos[k]] for k in keys]
    add = component._setitem_when_not_present
    for k, v in zip(keys, values):
        add(k, v)


_FLOORS = {"profit_floor": "profit", "recovery_floor": "weighted_recovery"}


def _add_global_expressions(
    model: pyo.ConcreteModel, fams: Families, cols: list, terms: _Terms
) -> None:
    """capex_total from its triplets; npv (and with several periods profit and
    weighted_recovery) composed from the period blocks' expressions, the same sums as
    :func:`plantopt.model.build.objective_vectors`:

        npv = sum_t sum_items phi_{item,t} item_t - sum_{k,tau} capex_net_k PV_{k,tau}
              build[k, tau]     (phi: Ledger.npv_factors)
        profit = sum_t w_t profit_t,  weighted_recovery = sum_t w_t weighted_recovery_t
    """
    timing = fams.data.timing
    assert timing is not None
    _add_expression(model, fams.global_expressions["capex_total"], terms)
    blocks = [model.period[p.period_id] for p in timing.periods] if fams.multi else [model]
    pv = capex_pv_vector(fams)
    model.npv = pyo.Expression(
        expr=sum(
            f * getattr(b, item)
            for p, b, per in zip(timing.periods, blocks, fams.periods)
            for item, f in per.ledger.npv_factors(timing.finance, p, timing.end_yr).items()
        )
        - LinearExpression(
            constant=0.0,
            linear_coefs=pv[pv != 0].tolist(),
            linear_vars=[v for v, c in zip(cols, pv) if c != 0],
        ),
        doc=fams.global_expressions["npv"].doc,
    )
    if fams.multi:
        for name in ("profit", "weighted_recovery"):
            setattr(
                model,
                name,
                pyo.Expression(
                    expr=sum(p.weight * getattr(b, name) for p, b in zip(timing.periods, blocks)),
                    doc=fams.global_expressions[name].doc,
                ),
            )


def emit_pyomo(fams: Families, objective: str, name: str = "plantopt") -> pyo.ConcreteModel:
    """The families as a Pyomo model with ``objective`` active (the others deactivated).

    The cyclic garbage collector is paused while the model is made (as Pyomo does when it
    constructs a block): the build allocates one expression object per nonzero and nothing
    it makes is garbage, so the collector's passes over the growing heap were half the time.
    """
    from pyomo.common.gc_manager import PauseGC

    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES}")
    with PauseGC():
        return _emit(fams, objective, name)


def _declared(f: Family) -> bool:
    """A global row family other than the floors is a component when it has rows; these
    two are declared even when empty, as users and the docs expect."""
    return f.name not in _FLOORS and (bool(f.n) or f.name in ("one_option", "segment_order"))


def _linear_families(fams: Families) -> list[tuple[Family, int | None]]:
    """(family, period) of every family emitted as linear expressions from its triplets."""
    out: list[tuple[Family, int | None]] = []
    for t, per in enumerate(fams.periods):
        for f in (*per.expressions.values(), *per.ledger.items.values(), *per.rows):
            out.append((f, t))
    out.append((fams.global_expressions["capex_total"], None))
    out += [(f, None) for f in fams.global_rows if _declared(f)]
    return out


def _emit(fams: Families, objective: str, name: str) -> pyo.ConcreteModel:
    """:func:`emit_pyomo` without the argument check."""
    model = pyo.ConcreteModel(name=name)
    cols = _declare_columns(model, fams)
    terms = _Terms.of(_linear_families(fams), fams, cols)
    timing = fams.data.timing
    assert timing is not None
    for t, (per, p) in enumerate(zip(fams.periods, timing.periods)):
        blk = model.period[p.period_id] if fams.multi else model
        if fams.multi:
            blk.build = pyo.Expression(
                model.OPTIONS,
                rule=lambda b, u, j, t=t: pyo.quicksum(
                    model.build[u, j, timing.periods[tau].period_id]
                    for tau in timing.active[(u, j, t)]
                ),
                doc="options in service in the period",
            )
        for f in (*per.expressions.values(), *per.ledger.items.values()):
            _add_expression(blk, f, terms)
        blk.profit = pyo.Expression(
            expr=sum(SIGN[n] * getattr(blk, n) for n, _, _ in ITEMS), doc="EUR/yr"
        )
        for f in per.rows:
            _add_constraint(blk, f, terms)
    _add_global_expressions(model, fams, cols, terms)
    for f in fams.global_rows:
        if f.name in _FLOORS:
            if f.n:
                expr = getattr(model, _FLOORS[f.name])
                assert f.lower is not None
                setattr(model, f.name, pyo.Constraint(expr=expr >= float(f.lower[0]), doc=f.doc))
        elif _declared(f):
            _add_constraint(model, f, terms)
    model.obj_recovery = pyo.Objective(expr=model.weighted_recovery, sense=pyo.maximize)
    model.obj_profit = pyo.Objective(expr=model.profit, sense=pyo.maximize)
    model.obj_npv = pyo.Objective(expr=model.npv, sense=pyo.maximize)
    set_objective(model, objective)
    model.plantopt_columns = cols  # VarData of every global column, in column order
    return model


def set_objective(model: pyo.ConcreteModel, objective: str) -> None:
    """Activate the objective named ``recovery``, ``profit`` or ``npv``; deactivate the rest."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES}")
    for name in OBJECTIVES:
        obj = getattr(model, f"obj_{name}")
        obj.activate() if name == objective else obj.deactivate()


def active_objective(model: pyo.ConcreteModel) -> str:
    """The name of the active plantopt objective of ``model``."""
    for name in OBJECTIVES:
        if getattr(model, f"obj_{name}").active:
            return name
    raise ValueError("the model has no active plantopt objective")


__all__ = ["active_objective", "emit_pyomo", "set_objective"]

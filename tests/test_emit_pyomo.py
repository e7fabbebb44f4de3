"""The Pyomo emitter's own pieces: relations and members made as Pyomo's operators and rules
make them (the emitter constructs them directly, without operator dispatch or a rule call
per member)."""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.relational_expr import tuple_to_relational_expr

import plantopt
from plantopt.model import build_model
from plantopt.model.emit_pyomo import _fill, _relations
from plantopt.model.family import Family
from tests.conftest import INSTANCES


def _exprs(model: pyo.ConcreteModel, n: int) -> list[LinearExpression]:
    return [
        LinearExpression([MonomialTermExpression((float(i + 1), model.x[i])), model.x[0]])
        for i in range(n)
    ]


def test_relations_equal_pyomos_operators() -> None:
    """Each bound pattern gives the class, arguments and text Pyomo's own `==` and
    `(lower, body, upper)` give, so writers and users see the same constraints."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(5))
    lower = np.array([2.0, -math.inf, 1.0, -1.0, -math.inf])
    upper = np.array([2.0, 4.0, math.inf, 3.0, math.inf])
    none = np.zeros(0, dtype=np.int64)
    fam = Family("rows", [0, 1, 2, 3, 4], none, none, np.zeros(0), lower=lower, upper=upper)
    exprs = _exprs(m, 5)
    got = _relations(exprs, fam)
    for e, lo, hi, rel in zip(exprs, lower.tolist(), upper.tolist(), got):
        if lo == hi:
            want = e == lo
        else:
            want = (None if math.isinf(lo) else lo, e, None if math.isinf(hi) else hi)
        if isinstance(want, tuple):
            if want[0] is None and want[2] is None:
                assert rel == want  # a free row is left to Pyomo, as before
                continue
            want = tuple_to_relational_expr(want)
        assert type(rel) is type(want)
        assert rel.args == want.args
        assert getattr(rel, "strict", None) == getattr(want, "strict", None)
        assert str(rel) == str(want)


@pytest.mark.parametrize("order", ["same", "shuffled"])
def test_fill_follows_the_index_set(order: str) -> None:
    """Members are made in the index set's order with the value of their own label, also
    when the labels come in another order than the set's."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(4))
    m.S = pyo.Set(initialize=["a", "b", "c", "d"], ordered=True)
    labels = ["a", "b", "c", "d"] if order == "same" else ["c", "a", "d", "b"]
    exprs = _exprs(m, 4)
    m.e = pyo.Expression(m.S)
    _fill(m.e, labels, exprs)
    m.c = pyo.Constraint(m.S)
    _fill(m.c, labels, [e == 1.0 for e in exprs])
    assert list(m.e.keys()) == ["a", "b", "c", "d"] == list(m.c.keys())
    for k, e in zip(labels, exprs):
        assert m.e[k].expr is e
        assert m.c[k].body is e and m.c[k].lb == 1.0 == m.c[k].ub


def test_one_period_rows_equal_the_family_triplets() -> None:
    """With one period each constraint of the Pyomo model has the family's coefficients
    (duplicates summed, zeros dropped) and its bounds: the rows are the triplets."""
    inst = plantopt.load_instance(INSTANCES / "tiny")
    model = build_model(inst, "recovery")
    fams = model.plantopt_families
    cols = model.plantopt_columns
    pos = {id(v): i for i, v in enumerate(cols)}
    for f in fams.periods[0].rows:
        if not f.n:
            continue
        dense = np.zeros((f.n, fams.layout.n_cols))
        np.add.at(dense, (f.row, f.col), f.val)
        con = getattr(model, f.name)
        for i, k in enumerate(f.index):
            c = con[k] if k is not None else con
            row = np.zeros(fams.layout.n_cols)
            for coef, var in zip(c.body.linear_coefs, c.body.linear_vars):
                row[pos[id(var)]] += coef
            np.testing.assert_array_equal(row, dense[i])
            assert (c.lb if c.lb is not None else -math.inf) == f.lower[i]
            assert (c.ub if c.ub is not None else math.inf) == f.upper[i]


def test_distinct_pairs_rebuild_every_pair() -> None:
    """Pair k is (coef[codes[k]], col[codes[k]]) of distinct pairs in first-seen order, with
    coefficients told apart by value down to the last bit."""
    from plantopt.model.emit_pyomo import _distinct_pairs

    rng = np.random.default_rng(7)
    base = rng.random(40)
    coef = np.concatenate([base, base[:10], np.nextafter(base[:5], 2.0), [1.0, 1.0]])
    col = np.concatenate([rng.integers(0, 9, 40), rng.integers(0, 9, 10), [3] * 5, [8, 8]])
    codes, distinct_coef, distinct_col = _distinct_pairs(coef, col.astype(np.int64), 9)
    np.testing.assert_array_equal(distinct_coef[codes], coef)
    np.testing.assert_array_equal(distinct_col[codes], col)
    want = list(dict.fromkeys(zip(coef.tolist(), col.tolist())))
    assert list(zip(distinct_coef.tolist(), distinct_col.tolist())) == want


def test_a_repeated_term_is_one_object() -> None:
    """On nl-2027 a coefficient on a column that several rows or expressions carry is one
    monomial object in all of them, and every row still has its own coefficients."""
    model = build_model(plantopt.load_instance(INSTANCES / "nl-2027"), "recovery")
    seen: dict[tuple[float, int], int] = {}
    shared = 0
    for c in model.component_data_objects(pyo.Constraint):
        for arg in c.body.args:
            if isinstance(arg, MonomialTermExpression):
                key = (arg.args[0], id(arg.args[1]))
                if key in seen:
                    assert seen[key] == id(arg)
                    shared += 1
                seen[key] = id(arg)
    assert shared > 0

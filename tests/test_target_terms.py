"""Every target's terms against the module docstring's formulas, read from the dense node
coefficients (no shared caches): N_t, its coefficients and the out-of-waste nodes O_t of
every target in force, entry for entry and bit for bit (model/regulation_terms.py).

    material_recovery of k: a_n = coef[n, k] w[p(n), k]             (n a product node)
    recycling_efficiency:   a_n = sum_k (coef[n, k] (1 - x_k)) w[p(n), k], in material order,
                            over the nodes whose product counts_recycled (not re-use)
    weee_recycling / weee_recovery: a_n = node mass over the counting's nodes
    O_t (Battery Regulation kinds): coef[n, k] (Part C) or sum_k coef[n, k] (1 - x_k)
                            (Part B) of the out-of-waste product nodes

each over the nodes of the target's covered feeds with a_n > 0, in node order (the given
order for the WEEE kinds). Both instances have out-of-waste products (O_t not empty);
nl-2027-2040 has three periods, nl-2027 one.
"""

from __future__ import annotations

import numpy as np
import pytest

import plantopt
from plantopt.model.counting import counting
from plantopt.model.data import build_model_data
from plantopt.model.regulation_terms import build_regulation_data
from plantopt.routetree.tree import KIND_PRODUCT
from tests.conftest import INSTANCES


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=np.float64).tobytes()


def _sequential(coef: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """sum_k coef[:, k] factor[:, k] over the materials in order, from 0 (the entries'
    order; a zero coefficient adds an exact zero)."""
    out = np.zeros(coef.shape[0])
    for k in range(coef.shape[1]):
        out += coef[:, k] * factor[:, k]
    return out


def _expected(target, tree, cnt, dense, year_excluded):  # noqa: ANN001, ANN202
    f_index = {f: i for i, f in enumerate(tree.feeds)}
    mask = np.zeros(len(tree.feeds), bool)
    mask[[f_index[f] for f in target.feeds]] = True
    prod = np.flatnonzero(tree.node_kind == KIND_PRODUCT)
    p_of = tree.node_target[prod]
    covered = mask[tree.node_feed[prod]]
    out_p = cnt.out_of_waste_p[p_of]
    none = (np.zeros(0, np.int64), np.zeros(0))

    def pick(on: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep = on & covered & (a > 0)
        return prod[keep], a[keep]

    if target.kind == "material_recovery":
        k = list(tree.materials).index(target.material)
        col = dense[prod, k]
        num = pick(np.ones(len(prod), bool), col * cnt.weight[p_of, k])
        sub = pick(out_p, col) if cnt.out_of_waste_p.any() else none
    elif target.kind == "recycling_efficiency":
        kept = dense[prod] * (1.0 - year_excluded)
        num = pick(cnt.recycled_p[p_of], _sequential(kept, cnt.weight[p_of]))
        ones = np.ones((len(prod), dense.shape[1]))
        sub = pick(out_p, _sequential(kept, ones)) if cnt.out_of_waste_p.any() else none
    else:
        which = "recovered" if target.kind == "weee_recovery" else "recycled"
        nodes = cnt.nodes_of[which]
        mass = dense[nodes].sum(axis=1)
        keep = mask[tree.node_feed[nodes]] & (mass > 0)
        num, sub = (nodes[keep], mass[keep]), none
    return num, sub


@pytest.mark.parametrize("name", ["nl-2027", "nl-2027-2040"])
def test_target_terms_follow_the_formulas(name: str) -> None:
    inst = plantopt.load_instance(INSTANCES / name)
    tree = plantopt.build_route_tree(inst)
    data = build_model_data(inst, tree)
    reg = build_regulation_data(inst, data)
    dense = tree.node_coef.dense()
    periods = reg.per_period
    datas = data.per_period
    assert len(periods) == (3 if name == "nl-2027-2040" else 1)
    seen_sub = False
    for r, d in zip(periods, datas):
        year_inst = inst.with_manifest(target_year=r.target_year)
        cnt = counting(year_inst, d, r.target_year)
        assert r.targets
        for t in r.targets:
            (num_n, num_a), (sub_n, sub_c) = _expected(t, tree, cnt, dense, cnt.excluded)
            assert np.array_equal(t.num_node, num_n), t.target_id
            assert t.num_node.dtype == np.int64 and t.den_node.dtype == np.int64
            assert _bits(t.num_coef) == _bits(num_a), t.target_id
            assert np.array_equal(t.den_node, sub_n), t.target_id
            assert _bits(t.den_node_coef) == _bits(sub_c), t.target_id
            seen_sub |= len(sub_n) > 0
    assert seen_sub  # out-of-waste products (second life, re-use) leave the waste stage


def test_target_terms_are_read_only() -> None:
    """Targets of one kind and material share what is kept for them (a target over every
    feed with such nodes reads the kept arrays themselves): nothing may change them."""
    inst = plantopt.load_instance(INSTANCES / "nl-2027")
    tree = plantopt.build_route_tree(inst)
    reg = build_regulation_data(inst, build_model_data(inst, tree))
    for t in reg.targets:
        for a in (t.num_node, t.num_coef):
            if len(a):
                with pytest.raises(ValueError):
                    a[0] = a[0]

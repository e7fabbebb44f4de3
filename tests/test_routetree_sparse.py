"""The route tree's sparse node coefficients (issue 11): the dense recursion's numbers entry for
entry, readers that match the dense array, and a solve path that never makes the dense array."""

from __future__ import annotations

import numpy as np
import pytest

import plantopt
from plantopt.instance.generate import generate
from plantopt.routetree.coef import NodeCoef, node_coefficients_sparse
from plantopt.routetree.kernels import node_coefficients_numpy
from tests.conftest import INSTANCES


def _cases() -> list[plantopt.Instance]:
    tiny = plantopt.load_instance(INSTANCES / "tiny")
    nl = plantopt.load_instance(INSTANCES / "nl-2027")
    return [tiny, nl, generate("M", 5, base=nl)]


def _dense(tree: plantopt.RouteTree) -> np.ndarray:
    return node_coefficients_numpy(
        tree.comp, tree.tc, tree.node_feed, tree.node_parent, tree.node_tcrow
    )


@pytest.mark.parametrize("inst", _cases(), ids=["tiny", "nl-2027", "nl-2027-M"])
def test_sparse_equals_the_dense_recursion_entry_for_entry(inst: plantopt.Instance) -> None:
    tree = plantopt.build_route_tree(inst)
    dense, c = _dense(tree), tree.node_coef
    assert np.array_equal(c.dense(), dense)  # same float64 products, no tolerance
    assert c.nnz == np.count_nonzero(dense)  # only non-zeros are stored
    assert np.all(c.val != 0.0)
    node = np.repeat(np.arange(c.n_nodes), np.diff(c.ptr))
    key = node * c.n_materials + c.mat
    assert np.all(np.diff(key) > 0)  # node-major, materials ascending, no duplicates
    # node mass: bit for bit the dense row sums (pairwise over a row's materials)
    assert np.array_equal(tree.node_mass(), dense.sum(axis=1))
    # readers
    rng = np.random.default_rng(0)
    nodes = rng.choice(tree.n_nodes, size=min(50, tree.n_nodes), replace=False)
    assert np.array_equal(c.rows(nodes), dense[nodes])
    for m in range(c.n_materials):
        assert np.array_equal(c.column(m), dense[:, m])
        assert np.array_equal(c.column(m, nodes), dense[nodes, m])
    pos, mat, val = c.entries(nodes)
    back = np.zeros((len(nodes), c.n_materials))
    back[pos, mat] = val
    assert np.array_equal(back, dense[nodes])


def test_row_blocks_cover_the_nodes_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = plantopt.build_route_tree(_cases()[1])
    monkeypatch.setattr("plantopt.routetree.coef.BLOCK", 7)  # several blocks on a small tree
    dense = _dense(tree)
    nodes = np.arange(tree.n_nodes)[::-3]
    got = np.zeros((len(nodes), dense.shape[1]))
    seen = []
    for sl, rows in tree.node_coef.row_blocks(nodes):
        got[sl] = rows
        seen.append((sl.start, sl.stop))
    assert len(seen) == -(-len(nodes) // 7) and seen[0][0] == 0 and seen[-1][1] == len(nodes)
    assert np.array_equal(got, dense[nodes])
    assert np.array_equal(tree.node_coef.row_sums(), dense.sum(axis=1))


@pytest.mark.parametrize("hint", ["none", "one", "short", "exact", "long"])
def test_the_size_hint_only_sizes_the_buffer(hint: str) -> None:
    """A short hint grows the buffer, a long one is trimmed: the same CSR either way."""
    tree = plantopt.build_route_tree(_cases()[2])
    ref = tree.node_coef
    n = {"none": None, "one": 1, "short": ref.nnz - 3, "exact": ref.nnz, "long": ref.nnz + 50}[hint]
    got = node_coefficients_sparse(
        tree.comp, tree.tc, tree.node_feed, tree.node_parent, tree.node_tcrow, nnz_hint=n
    )
    for a, b in ((ref.ptr, got.ptr), (ref.mat, got.mat), (ref.val, got.val)):
        assert np.array_equal(a, b)
    assert len(got.val) == got.nnz  # trimmed


def test_any_parent_first_numbering_gives_the_dense_numbers() -> None:
    """Nodes numbered depth-first (parents first, levels interleaved) instead of level by
    level: the entries are sorted back to node order."""
    tree = plantopt.build_route_tree(_cases()[1])
    parent = tree.node_parent
    children: list[list[int]] = [[] for _ in range(tree.n_nodes)]
    for n in range(tree.n_nodes):
        if parent[n] >= 0:
            children[parent[n]].append(n)
    order: list[int] = []
    stack = [n for n in range(tree.n_nodes) if parent[n] < 0][::-1]
    while stack:
        n = stack.pop()
        order.append(n)
        stack.extend(children[n][::-1])
    perm = np.array(order)
    assert not np.array_equal(perm, np.arange(tree.n_nodes))
    new_id = np.empty_like(perm)
    new_id[perm] = np.arange(len(perm))
    p_parent = np.where(parent[perm] >= 0, new_id[np.maximum(parent[perm], 0)], -1)
    args = (tree.comp, tree.tc, tree.node_feed[perm], p_parent, tree.node_tcrow[perm])
    got = node_coefficients_sparse(*args)
    assert np.array_equal(got.dense(), node_coefficients_numpy(*args))
    assert np.array_equal(got.dense(), _dense(tree)[perm])


def test_with_inputs_recomputes_the_coefficients() -> None:
    tree = plantopt.build_route_tree(_cases()[1])
    rng = np.random.default_rng(1)
    comp = tree.comp * rng.uniform(0.5, 1.5, tree.comp.shape)
    tc = tree.tc * rng.uniform(0.0, 1.0, tree.tc.shape)
    tc[0] = 0.0  # a transfer row that now carries nothing: its entries are dropped
    s = tree.with_inputs(comp, tc)
    dense = node_coefficients_numpy(comp, tc, tree.node_feed, tree.node_parent, tree.node_tcrow)
    assert np.array_equal(s.coef, dense)
    assert np.array_equal(s.node_mass(), dense.sum(axis=1))
    assert s.node_coef.nnz == np.count_nonzero(dense) < tree.node_coef.nnz
    assert np.array_equal(tree.coef, _dense(tree))  # the original is unchanged


def test_the_solve_path_never_makes_the_dense_array(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route tree -> model data -> regulation terms -> families -> HiGHS -> result tables
    read the sparse coefficients only (the dense array is 122 MiB on the generated XL)."""

    def refuse(self: NodeCoef) -> np.ndarray:
        raise AssertionError("the dense (nodes x materials) coefficient array was made")

    monkeypatch.setattr(NodeCoef, "dense", refuse)
    nl = plantopt.load_instance(INSTANCES / "nl-2027")
    res = plantopt.solve(generate("S", 2, base=nl), tie_break=False)
    assert res.status.value == "optimal"
    assert len(res.tables["material_flows"]) > 0

"""The vectorised route tree against a plain recursive enumeration (the oracle).

The oracle walks every path depth-first with dictionaries, computing each node's
composition as comp[f] times the product of the resolved transfer coefficients, and prunes an
output exactly when it carries none of the materials present. Both must produce the same
set of paths with the same coefficients, and the group structure must conserve flow.
"""

from __future__ import annotations

import numpy as np
import pytest

import plantopt
from plantopt.instance.errors import RouteTreeTooLarge
from plantopt.instance.generate import generate
from plantopt.routetree.tree import KIND_UNIT, _resolve_tc
from tests.conftest import INSTANCES


def oracle_paths(inst: plantopt.Instance) -> dict[str, np.ndarray]:
    mats = list(inst["materials"]["material"])
    comp = {}
    for f in inst["feeds"]["feed_id"]:
        rows = inst["composition"][inst["composition"]["feed_id"] == f]
        v = np.zeros(len(mats))
        for m, x in zip(rows["material"], rows["mass_frac"]):
            v[mats.index(m)] += x
        if "other" in mats:
            v[mats.index("other")] += max(0.0, 1.0 - v.sum())
        comp[f] = v
    outputs_of, vectors = _resolve_tc(inst, mats)
    r = inst["routing"]
    dests = {}
    for u, o, k, t in zip(r["unit_id"], r["output_id"], r["to_kind"], r["to_id"]):
        dests.setdefault((u, o), []).append((k, t))
    entry = {}
    for c, u in zip(inst["feed_entry"]["feed_class"], inst["feed_entry"]["unit_id"]):
        entry.setdefault(c, []).append(u)
    out: dict[str, np.ndarray] = {}

    def walk(label: str, unit: str, cls: str, vec: np.ndarray) -> None:
        out[label] = vec
        for o in outputs_of.get((unit, cls), []):
            child = vec * vectors[(unit, cls, o)]
            if not np.any((vec > 0) & (vectors[(unit, cls, o)] > 0)):
                continue
            for kind, target in dests.get((unit, o), []):
                lab = f"{label} > [{o}] {kind}:{target}"
                if kind == "unit":
                    walk(lab, target, cls, child)
                else:
                    out[lab] = child

    for f, cls in zip(inst["feeds"]["feed_id"], inst["feeds"]["feed_class"]):
        for u in entry.get(cls, []):
            walk(f"{f} > unit:{u}", u, cls, comp[f])
    return out


def _cases():
    tiny = plantopt.load_instance(INSTANCES / "tiny")
    nl = plantopt.load_instance(INSTANCES / "nl-2027")
    return [tiny, generate("M", 4, base=tiny), nl, generate("M", 5, base=nl)]


@pytest.mark.parametrize("inst", _cases(), ids=["tiny", "tiny-M", "nl-2027", "nl-2027-M"])
def test_tree_equals_recursive_oracle(inst: plantopt.Instance) -> None:
    tree = plantopt.build_route_tree(inst)
    expected = oracle_paths(inst)
    got = dict(zip(tree.paths(), tree.coef))
    assert len(got) == tree.n_nodes  # paths are unique
    assert set(got) == set(expected)
    for label, vec in expected.items():
        np.testing.assert_allclose(got[label], vec, rtol=0, atol=1e-15)


@pytest.mark.parametrize("inst", _cases()[:3], ids=["tiny", "tiny-M", "nl-2027"])
def test_groups_partition_children_and_parents_precede(inst: plantopt.Instance) -> None:
    tree = plantopt.build_route_tree(inst)
    children = tree.group_children
    # every node but none is the child of exactly one group
    assert np.array_equal(np.sort(children), np.arange(tree.n_nodes))
    for g in range(tree.n_groups):
        kids = children[tree.group_ptr[g] : tree.group_ptr[g + 1]]
        parent = tree.group_parent[g]
        if parent < 0:
            assert np.all(tree.node_parent[kids] == -1)
            assert np.all(tree.node_feed[kids] == tree.group_feed[g])
        else:
            assert tree.node_kind[parent] == KIND_UNIT
            assert np.all(tree.node_parent[kids] == parent)
            assert len(set(tree.node_output[kids].tolist())) == 1  # one output per group
    assert np.all(tree.node_parent < np.arange(tree.n_nodes))  # parents first
    # each unit output's coefficients are the parent's times the output's tc row
    has_parent = tree.node_parent >= 0
    n = np.flatnonzero(has_parent)
    np.testing.assert_allclose(
        tree.coef[n], tree.coef[tree.node_parent[n]] * tree.tc[tree.node_tcrow[n]], rtol=0, atol=0
    )
    # entry groups carry the feed composition
    roots = np.flatnonzero(tree.group_parent < 0)
    for g in roots:
        kids = children[tree.group_ptr[g] : tree.group_ptr[g + 1]]
        np.testing.assert_allclose(tree.coef[kids], tree.comp[tree.node_feed[kids]])
    # the outputs of a unit node split each material exactly (mass conservation): one child
    # per output group, summed over the node's groups, gives the node's composition back
    inner = np.flatnonzero(tree.group_parent >= 0)
    first_child = children[tree.group_ptr[inner]]
    back = np.zeros_like(tree.coef)
    np.add.at(back, tree.group_parent[inner], tree.coef[first_child])
    units = np.unique(tree.group_parent[inner])
    # exact up to how closely the data's coefficients sum to 1 (validated tolerance)
    tol = inst.manifest["tc_sum_tolerance"]
    np.testing.assert_allclose(back[units], tree.coef[units], rtol=tol, atol=1e-15)


def test_size_guard_names_the_limit() -> None:
    inst = plantopt.load_instance(INSTANCES / "nl-2027")
    with pytest.raises(RouteTreeTooLarge, match="exceeds 100 nodes"):
        plantopt.build_route_tree(inst, max_nodes=100)

"""The array resolution of transfer coefficients and the edge table against plain loops.

``_resolve_tc`` / ``_resolve_tc_arrays`` and ``_edges`` (plantopt.routetree.tree) resolve
every (unit, feed class, output) with array look-ups. The references below are the
straightforward loops (the code they replaced): for each (unit, class, material) the first
of the rows (class, material), (class, '*'), ('*', material), ('*', '*') that exists gives
the coefficient of each output (0 when it does not name the output), and the edges of a
(unit, class) are its outputs' destinations in routing order. Both must agree bit for bit
and in order, on the shipped instances, generated ones and a table built to hit every rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt.instance.generate import generate
from plantopt.instance.schema import WILDCARD
from plantopt.routetree.tree import _edges, _index, _resolve_tc, _resolve_tc_arrays
from tests.conftest import INSTANCES


def reference_resolve(
    inst: plantopt.Instance, materials: list[str]
) -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str, str], np.ndarray]]:
    tc = inst["transfer_coefficients"]
    m_index = {m: i for i, m in enumerate(materials)}
    rows: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    unit_outputs: dict[str, list[str]] = defaultdict(list)
    for u, cls, mat, out, frac in zip(
        tc["unit_id"], tc["feed_class"], tc["material"], tc["output_id"], tc["tc_frac"]
    ):
        rows[(u, cls, mat)][out] = float(frac)
        if out not in unit_outputs[u]:
            unit_outputs[u].append(out)
    classes = sorted(set(inst["feeds"]["feed_class"]))
    outputs_of: dict[tuple[str, str], list[str]] = {}
    vectors: dict[tuple[str, str, str], np.ndarray] = {}
    for u, outs in unit_outputs.items():
        for cls in classes:
            mat_rows: list[dict[str, float] | None] = []
            for m in materials:
                for key in ((u, cls, m), (u, cls, WILDCARD), (u, WILDCARD, m)):
                    if key in rows:
                        mat_rows.append(rows[key])
                        break
                else:
                    mat_rows.append(rows.get((u, WILDCARD, WILDCARD)))
            outputs_of[(u, cls)] = outs
            for out in outs:
                vec = np.zeros(len(materials))
                for m, r in zip(materials, mat_rows):
                    if r is not None:
                        vec[m_index[m]] = r.get(out, 0.0)
                vectors[(u, cls, out)] = vec
    return outputs_of, vectors


def reference_edges(inst: plantopt.Instance) -> tuple[np.ndarray, list[tuple]]:
    """(ptr, [(k, o, kind, target, cost)]) of the edge table, by plain loops."""
    ix = _index(inst)
    u_index = {u: i for i, u in enumerate(ix.units)}
    c_index = {c: i for i, c in enumerate(ix.classes)}
    kinds = {"unit": 0, "product": 1, "disposal": 2, "loss": 3}
    names = (
        u_index,
        {p: i for i, p in enumerate(ix.products)},
        {s: i for i, s in enumerate(ix.sinks)},
        {s: i for i, s in enumerate(ix.sinks)},
    )
    r = inst["routing"]
    dests: dict[tuple[str, str], list[tuple[int, int, float]]] = defaultdict(list)
    for u, o, kind, to, cost in zip(
        r["unit_id"], r["output_id"], r["to_kind"], r["to_id"], r["cost_eur_per_t"]
    ):
        dests[(u, o)].append((kinds[kind], names[kinds[kind]][to], float(cost)))
    outputs_of, vectors = reference_resolve(inst, ix.materials)
    k_index = {k: i for i, k in enumerate(vectors)}
    o_index = {o: i for i, o in enumerate(sorted({o for (_, _, o) in vectors}))}
    lists: list[list[tuple]] = [[] for _ in range(len(ix.units) * len(ix.classes))]
    for (u, cls), outs in outputs_of.items():
        for out in outs:
            for code, target, cost in dests.get((u, out), []):
                lists[u_index[u] * len(ix.classes) + c_index[cls]].append(
                    (k_index[(u, cls, out)], o_index[out], code, target, cost)
                )
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(e) for e in lists])
    return ptr, [e for es in lists for e in es]


def _with_tc(inst: plantopt.Instance, rows: list[tuple[str, str, str, str, float]]):
    tc = pd.DataFrame(rows, columns=["unit_id", "feed_class", "material", "output_id", "tc_frac"])
    return replace(inst, tables={**inst.tables, "transfer_coefficients": tc})


def _rules_case() -> plantopt.Instance:
    """Every rule: exact, class-wildcard, material-wildcard and double-wildcard rows; an
    output that the winning row does not name; a class without rows falling back; a later
    duplicate row replacing an earlier one; a row for a class no feed has; no row at all
    for a material (coefficient 0)."""
    tiny = plantopt.load_instance(INSTANCES / "tiny")
    feeds = tiny["feeds"]
    two = pd.concat([feeds, feeds.assign(feed_id="liion2", feed_class="aa_other")])
    inst = replace(tiny, tables={**tiny.tables, "feeds": two.reset_index(drop=True)})
    return _with_tc(
        inst,
        [
            ("u1", "li_ion", "Li", "a", 0.25),
            ("u1", "li_ion", "Li", "b", 0.75),
            ("u1", "li_ion", WILDCARD, "b", 0.5),  # Co and other of li_ion: only b
            ("u1", WILDCARD, "Co", "a", 0.9),
            ("u1", WILDCARD, "Co", "c", 0.1),  # output c first named here
            ("u1", WILDCARD, WILDCARD, "a", 1.0),
            ("u2", WILDCARD, "Li", "x", 0.3),
            ("u2", "li_ion", "Li", "x", 0.6),
            ("u2", "li_ion", "Li", "x", 0.7),  # duplicate: the later row wins
            ("u2", "unknown_class", "Co", "y", 0.2),  # no feed has this class
            ("u3", "aa_other", "other", "z", 1.0),  # Li, Co of u3: no row at all
        ],
    )


def _cases() -> list[tuple[str, plantopt.Instance]]:
    out = [
        (p.name, plantopt.load_instance(p))
        for p in sorted(INSTANCES.iterdir())
        if (p / "instance.yaml").is_file()
    ]
    tiny = plantopt.load_instance(INSTANCES / "tiny")
    out += [("gen-S-1", generate("S", 1)), ("gen-M-tiny", generate("M", 2, base=tiny))]
    return out


def _assert_same_resolution(inst: plantopt.Instance) -> None:
    mats = list(inst["materials"]["material"])
    ref_outputs, ref_vectors = reference_resolve(inst, mats)
    outputs_of, vectors = _resolve_tc(inst, mats)
    assert outputs_of == ref_outputs
    assert list(vectors) == list(ref_vectors)  # the same rows in the same order
    for key, vec in ref_vectors.items():
        assert vectors[key].dtype == vec.dtype
        assert vectors[key].tobytes() == vec.tobytes(), key  # bit for bit
    _, keys, arr = _resolve_tc_arrays(inst, mats)
    assert keys == list(ref_vectors)
    assert arr.shape == (len(keys), len(mats))


def test_resolution_rules_on_a_built_table() -> None:
    inst = _rules_case()
    _assert_same_resolution(inst)
    mats = list(inst["materials"]["material"])  # Li, Co, other
    outputs_of, v = _resolve_tc(inst, mats)
    assert outputs_of[("u1", "li_ion")] == ["a", "b", "c"]
    assert v[("u1", "li_ion", "a")].tolist() == [0.25, 0.0, 0.0]  # (li_ion, *) names b only
    assert v[("u1", "li_ion", "b")].tolist() == [0.75, 0.5, 0.5]
    assert v[("u1", "aa_other", "a")].tolist() == [1.0, 0.9, 1.0]  # (*, Co) then (*, *)
    assert v[("u1", "aa_other", "c")].tolist() == [0.0, 0.1, 0.0]
    assert v[("u2", "li_ion", "x")].tolist() == [0.7, 0.0, 0.0]  # the later duplicate
    assert v[("u2", "aa_other", "x")].tolist() == [0.3, 0.0, 0.0]
    assert v[("u2", "li_ion", "y")].tolist() == [0.0, 0.0, 0.0]  # unknown class unused
    assert v[("u3", "li_ion", "z")].tolist() == [0.0, 0.0, 0.0]
    assert v[("u3", "aa_other", "z")].tolist() == [0.0, 0.0, 1.0]


def test_resolution_of_an_empty_table() -> None:
    inst = _with_tc(plantopt.load_instance(INSTANCES / "tiny"), [])
    outputs_of, keys, arr = _resolve_tc_arrays(inst, ["Li", "Co", "other"])
    assert outputs_of == {} and keys == [] and arr.shape == (0, 3)


CASES = _cases()


@pytest.mark.parametrize("name,inst", CASES, ids=[n for n, _ in CASES])
def test_resolution_and_edges_equal_the_loops(name: str, inst: plantopt.Instance) -> None:
    _assert_same_resolution(inst)
    edges = _edges(inst, _index(inst))
    ptr, flat = reference_edges(inst)
    assert edges.ptr.tolist() == ptr.tolist()
    got = list(
        zip(
            edges.k.tolist(),
            edges.o.tolist(),
            edges.kind.tolist(),
            edges.target.tolist(),
            edges.cost.tolist(),
        )
    )
    assert got == flat
    assert edges.k.dtype == edges.o.dtype == edges.kind.dtype == edges.target.dtype == np.int64
    assert edges.cost.dtype == np.float64

"""The feed-tracking route tree: every path a feed can take, as flat arrays.

Mixing feeds and splitting the mix would make the model bilinear (the pooling problem).
plantopt instead tracks each feed separately. A **node** is one stream reached by one path
(feed -> unit -> output -> unit -> ... -> sink); its composition per tonne of the original
feed is a constant,

    coef[n, m] = comp[f(n), m] * prod_{(u, o) on the path to n} tc[u, class(f), m, o],

so the decision variable ``y[n]`` (feed-equivalent tonnes per year reaching node n) turns
every quantity of interest into a linear expression: real tonnes of material m at node n are
``coef[n, m] * y[n]``.

Conservation happens in **groups**: the root group of feed f holds the entry nodes of f and
sums to the accepted tonnage; the group of (unit node n, output o) holds the children that
output may go to and sums to ``y[n]`` — every output of a unit carries the full
feed-equivalent tonnage that entered it, each with its own composition.

Branches that carry no material (the output's transfer coefficients are zero for every
material present on the path) are pruned while enumerating, using a bitmask of the materials
present. The tree size is guarded by ``max_route_nodes``.

``coef`` is kept sparse, CSR by node (:class:`plantopt.routetree.coef.NodeCoef`,
``RouteTree.node_coef``): 18.6 % of the (node, material) pairs are non-zero on the generated
XL tree. ``RouteTree.coef`` makes the dense array on demand, for tests and small trees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.errors import RouteTreeTooLarge
from plantopt.instance.instance import Instance
from plantopt.instance.schema import WILDCARD
from plantopt.routetree.coef import NodeCoef, csr_take, node_coefficients_sparse

KIND_UNIT, KIND_PRODUCT, KIND_DISPOSAL, KIND_LOSS = 0, 1, 2, 3
KIND_NAMES = ("unit", "product", "disposal", "loss")
_KIND_CODE = {name: i for i, name in enumerate(KIND_NAMES)}


@dataclass(frozen=True)
class ProductEntries:
    """The non-zero entries (i, m, c) of the product nodes' coefficients, c = coef[nodes[i],
    m], node-major with materials ascending within a node (as ``NodeCoef.entries``):

        pos[e] = i,  mat[e] = m,  val[e] = c,  code[e] = product[i] * M + m

    so a (products x materials) table T is read per entry as ``T.ravel()[code]`` (the value
    T[p(n), m] of the entry's product and material, one flat gather)."""

    nodes: np.ndarray  # (P_n,) int64 product nodes, ascending
    product: np.ndarray  # (P_n,) product index of each node
    pos: np.ndarray  # (E,) int64 position in ``nodes`` (NumPy indexes and counts with
    #   int64 several times faster than with int32; kept only while the terms are made)
    mat: np.ndarray  # (E,) material index (NodeCoef's small integer type)
    val: np.ndarray  # (E,) float64, non-zero
    code: np.ndarray  # (E,) int64 product * M + material

    @staticmethod
    def of(tree: RouteTree) -> ProductEntries:
        nodes = np.flatnonzero(tree.node_kind == KIND_PRODUCT).astype(np.int64)
        product = tree.node_target[nodes]
        pos, mat, val = tree.node_coef.entries(nodes)
        code = product.astype(np.int64)[pos]
        code *= tree.node_coef.n_materials
        code += mat
        return ProductEntries(nodes, product, pos.astype(np.int64, copy=False), mat, val, code)

    def gather(self, table: np.ndarray) -> np.ndarray:
        """table[p(n), m] of every entry of a (products x materials) table."""
        return np.ascontiguousarray(table).reshape(-1)[self.code]


@dataclass(frozen=True)
class RouteTree:
    """Flat arrays describing the route tree of an instance.

    Index spaces: materials ``m`` (order of materials.csv), feeds ``f``, units ``u``,
    products ``p``, sinks ``s`` (disposal and loss labels), outputs ``o`` (output ids),
    transfer-coefficient rows ``k`` (one per resolved unit, feed class and output), nodes
    ``n`` (parents before children) and conservation groups ``g``.
    """

    materials: tuple[str, ...]
    feeds: tuple[str, ...]
    units: tuple[str, ...]
    products: tuple[str, ...]
    sinks: tuple[str, ...]
    outputs: tuple[str, ...]
    comp: np.ndarray  # (F, M) t of material per t of feed
    tc: np.ndarray  # (K, M) resolved transfer coefficients
    tc_key: tuple[tuple[str, str, str], ...]  # (unit, feed class, output) of each row k
    node_feed: np.ndarray  # (N,) int
    node_kind: np.ndarray  # (N,) int: 0 unit, 1 product, 2 disposal, 3 loss
    node_target: np.ndarray  # (N,) index into units, products or sinks by kind
    node_parent: np.ndarray  # (N,) parent node, -1 for entry nodes
    node_output: np.ndarray  # (N,) output index of the parent unit, -1 for entry nodes
    node_tcrow: np.ndarray  # (N,) row of ``tc`` applied on the way in, -1 for entry nodes
    node_route_cost: np.ndarray  # (N,) EUR per real tonne sent along the branch into n
    group_parent: np.ndarray  # (G,) parent node, -1 for a feed's root group
    group_feed: np.ndarray  # (G,) feed of the group
    group_ptr: np.ndarray  # (G+1,) CSR pointer into group_children
    group_children: np.ndarray  # child nodes of each group
    node_coef: NodeCoef  # coef[n, m] t of material at node per feed-equivalent t, CSR by node

    @property
    def n_nodes(self) -> int:
        return int(self.node_kind.shape[0])

    @property
    def n_groups(self) -> int:
        return int(self.group_parent.shape[0])

    @property
    def coef(self) -> np.ndarray:
        """The dense (N, M) coefficient array, made on first use and kept (read-only).

        For tests and small trees: the model, the result tables and the reports read the
        sparse :attr:`node_coef` (the dense array is 122 MiB on the generated XL tree).
        """
        dense = self.__dict__.get("_coef_dense")
        if dense is None:
            dense = self.node_coef.dense()
            dense.setflags(write=False)
            self.__dict__["_coef_dense"] = dense
        return dense

    def node_mass(self) -> np.ndarray:
        """Real tonnes per feed-equivalent tonne at each node: sum over materials of coef
        (computed once per tree, bit for bit the dense row sums; read-only)."""
        mass = self.__dict__.get("_node_mass")
        if mass is None:
            mass = self.node_coef.row_sums()
            mass.setflags(write=False)
            self.__dict__["_node_mass"] = mass
        return mass

    def product_entries(self) -> ProductEntries:
        """The non-zero coefficients of the product nodes, made once and kept until
        :meth:`drop_product_entries` (the revenue and recovered terms of the model data and
        the regulatory counting read the same entries)."""
        pe = self.__dict__.get("_product_entries")
        if pe is None:
            pe = ProductEntries.of(self)
            self.__dict__["_product_entries"] = pe
        return pe

    def drop_product_entries(self) -> None:
        """Forget the kept product entries (20 MiB on the generated XL tree: the regulation
        terms drop them once they are made, so they do not add to the peak of the rest of
        the build)."""
        self.__dict__.pop("_product_entries", None)

    def with_inputs(self, comp: np.ndarray, tc: np.ndarray) -> RouteTree:
        """The same tree (nodes, groups, routes) with other feed compositions and transfer
        coefficients (a sampled scenario): the node coefficients recomputed from them."""
        coef = node_coefficients_sparse(comp, tc, self.node_feed, self.node_parent, self.node_tcrow)
        return replace(self, comp=comp, tc=tc, node_coef=coef)

    def _label(self, n: int) -> str:
        kind = int(self.node_kind[n])
        target = int(self.node_target[n])
        name = (self.units, self.products, self.sinks, self.sinks)[kind][target]
        out = int(self.node_output[n])
        prefix = f"[{self.outputs[out]}] " if out >= 0 else ""
        return f"{prefix}{KIND_NAMES[kind]}:{name}"

    def paths(self, nodes: np.ndarray | list[int] | None = None) -> list[str]:
        """Readable path (feed first) of the given nodes, or of every node in node order."""
        order: Iterable[int] = range(self.n_nodes) if nodes is None else nodes
        cache: dict[int, str] = {}

        def label(n: int) -> str:
            chain = []  # n and its ancestors without a label yet, deepest first
            while n >= 0 and n not in cache:
                chain.append(n)
                n = int(self.node_parent[n])
            for m in reversed(chain):  # iterative: paths may be thousands of units deep
                parent = int(self.node_parent[m])
                head = cache[parent] if parent >= 0 else self.feeds[int(self.node_feed[m])]
                cache[m] = f"{head} > {self._label(m)}"
            return cache[chain[0]] if chain else cache[n]

        return [label(int(n)) for n in order]


_SINK_KINDS = frozenset({"disposal", "loss"})


def _col(table: pd.DataFrame, name: str) -> list[Any]:
    """A column's values as a list of Python objects (``str``, ``float``, NaN for a missing
    text), as iterating the column gives them, without boxing one element at a time."""
    return table[name].to_numpy(dtype=object).tolist()


def _resolve_tc(
    instance: Instance, materials: list[str]
) -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str, str], np.ndarray]]:
    """Resolve the transfer coefficients of every (unit, feed class, output).

    For each material the most specific rows win, in this order: (class, material),
    (class, '*'), ('*', material), ('*', '*'). Returns the outputs of each (unit, class) and
    the coefficient vector over materials of each (unit, class, output) (the rows of
    :func:`_resolve_tc_arrays`' array).
    """
    outputs_of, tc_key, tc_arr = _resolve_tc_arrays(instance, materials)
    return outputs_of, dict(zip(tc_key, tc_arr))


def _resolve_tc_arrays(
    instance: Instance, materials: list[str]
) -> tuple[dict[tuple[str, str], list[str]], list[tuple[str, str, str]], np.ndarray]:
    """(outputs of each (unit, class), keys (unit, class, output) of the resolved rows, their
    (K, M) coefficients): units and each unit's outputs in order of first appearance in the
    table, classes sorted, so row k of the array is the k-th key.

    The given rows are read once into a dict keyed by codes (u, c', m', q) (the last of
    duplicate rows wins), with '*' coded as class C and material M; which (u, c', m') are
    given decides each (u, c, m)'s level (:func:`_tc_levels`) and the rows' values are
    looked up at that level (:func:`_tc_values`): 0 where the level's row does not name the
    output, or no level is given.
    """
    tc = instance["transfer_coefficients"]
    classes = sorted(set(_col(instance["feeds"], "feed_class")))
    m_code = {m: i for i, m in enumerate(materials)}
    c_code = {c: i for i, c in enumerate(classes)}
    m_code[WILDCARD], c_code[WILDCARD] = len(materials), len(classes)
    unit_outputs: dict[str, list[str]] = {}
    u_code: dict[str, int] = {}
    out_pos: dict[tuple[str, str], int] = {}
    given: dict[tuple[int, int, int, int], float] = {}
    for u, cls, mat, out, frac in zip(
        *(_col(tc, c) for c in ("unit_id", "feed_class", "material", "output_id", "tc_frac"))
    ):
        if u not in u_code:
            u_code[u], unit_outputs[u] = len(u_code), []
        q = out_pos.get((u, out))
        if q is None:
            q = out_pos[(u, out)] = len(unit_outputs[u])
            unit_outputs[u].append(out)
        c, m = c_code.get(cls), m_code.get(mat)
        if c is not None and m is not None:
            given[(u_code[u], c, m, q)] = float(frac)
    tc_key = [(u, cls, out) for u, outs in unit_outputs.items() for cls in classes for out in outs]
    outputs_of = {(u, cls): outs for u, outs in unit_outputs.items() for cls in classes}
    n_out = np.array([len(outs) for outs in unit_outputs.values()], dtype=np.int64)
    return outputs_of, tc_key, _tc_values(given, n_out, len(classes), len(materials))


def _tc_levels(exists: np.ndarray, n_c: int, n_m: int) -> tuple[np.ndarray, np.ndarray]:
    """(class code, material code) of the row that holds each (u, c, m), shape (U, C, M),
    from ``exists[u, c', m']`` (U, C+1, M+1): the first given of (c, m), (c, M), (C, m),
    (C, M) (C and M code '*'); (C, M) also when none is given."""
    exact = exists[:, :n_c, :n_m]
    cls_any = exists[:, :n_c, n_m][:, :, None]
    any_mat = exists[:, n_c, :n_m][:, None, :]
    c_idx = np.arange(n_c, dtype=np.int64)[None, :, None]
    m_idx = np.arange(n_m, dtype=np.int64)[None, None, :]
    sel_c = np.where(exact | cls_any, c_idx, n_c)
    sel_m = np.where(exact, m_idx, np.where(cls_any, n_m, np.where(any_mat, m_idx, n_m)))
    return sel_c, sel_m


def _tc_values(
    given: dict[tuple[int, int, int, int], float], n_out: np.ndarray, n_c: int, n_m: int
) -> np.ndarray:
    """The (K, M) resolved coefficients, rows (u, c, q) u-major then c then q < n_out[u]:
    row (u, c, q) at material m is given[(u, level(u, c, m), q)], else 0."""
    n_u, n_q = len(n_out), int(n_out.max(initial=0))
    if not given:
        return np.zeros((int(n_out.sum()) * n_c, n_m))
    codes = np.array(list(given), dtype=np.int64).reshape(-1, 4)
    exists = np.zeros((n_u, n_c + 1, n_m + 1), dtype=bool)
    exists[codes[:, 0], codes[:, 1], codes[:, 2]] = True
    sel_c, sel_m = _tc_levels(exists, n_c, n_m)

    def key(u: np.ndarray, c: np.ndarray, m: np.ndarray, q: np.ndarray) -> np.ndarray:
        return ((u * (n_c + 1) + c) * (n_m + 1) + m) * n_q + q

    table = key(codes[:, 0], codes[:, 1], codes[:, 2], codes[:, 3])
    order = np.argsort(table, kind="stable")
    table, values = table[order], np.fromiter(given.values(), float, len(given))[order]
    ku = np.repeat(np.arange(n_u, dtype=np.int64), n_out * n_c)
    start = np.concatenate([[0], np.cumsum(n_out * n_c)[:-1]]).astype(np.int64)
    r = np.arange(len(ku), dtype=np.int64) - start[ku]
    kc, kq = r // n_out[ku], r % n_out[ku]
    query = key(ku[:, None], sel_c[ku, kc], sel_m[ku, kc], kq[:, None])
    pos = np.minimum(np.searchsorted(table, query), len(table) - 1)
    return np.where(table[pos] == query, values[pos], 0.0)


@dataclass(frozen=True)
class _Index:
    """Positions of the instance's ids in the tree's tuples, and the feed compositions."""

    materials: list[str]
    feeds: list[str]
    classes: list[str]
    feed_cls: np.ndarray  # class index of each feed
    units: list[str]
    products: list[str]
    sinks: list[str]
    comp: np.ndarray  # (F, M), the remainder booked to 'other'


def _index(instance: Instance) -> _Index:
    materials = _col(instance["materials"], "material")
    m_index = {m: i for i, m in enumerate(materials)}
    feeds_df = instance["feeds"]
    feeds = _col(feeds_df, "feed_id")
    feed_classes = _col(feeds_df, "feed_class")
    classes = sorted(set(feed_classes))
    c_index = {c: i for i, c in enumerate(classes)}
    routing = instance["routing"]
    sinks = sorted(
        {t for k, t in zip(_col(routing, "to_kind"), _col(routing, "to_id")) if k in _SINK_KINDS}
    )
    comp = np.zeros((len(feeds), len(materials)))
    cdf = instance["composition"]
    f_index = {f: i for i, f in enumerate(feeds)}
    for f, m, x in zip(*(_col(cdf, c) for c in ("feed_id", "material", "mass_frac"))):
        comp[f_index[f], m_index[m]] += float(x)
    if "other" in m_index:  # book the remainder of each feed to 'other'
        comp[:, m_index["other"]] += np.clip(1.0 - comp.sum(axis=1), 0.0, None)
    return _Index(
        materials,
        feeds,
        classes,
        np.array([c_index[c] for c in feed_classes], dtype=np.int64),
        _col(instance["units"], "unit_id"),
        _col(instance["products"], "product_id"),
        sinks,
        comp,
    )


@dataclass(frozen=True)
class _Edges:
    """Outgoing edges of a unit node, as a CSR table keyed by unit * n_classes + class."""

    ptr: np.ndarray
    k: np.ndarray  # resolved tc row of the edge
    o: np.ndarray  # output index
    kind: np.ndarray
    target: np.ndarray
    cost: np.ndarray
    tc: np.ndarray  # (K, M) resolved transfer coefficients
    tc_key: list[tuple[str, str, str]]
    outputs: list[str]


def _destinations(
    instance: Instance, ix: _Index
) -> tuple[dict[tuple[str, str], int], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The routing rows grouped by (unit, output) in order of first appearance, as CSR:
    (pair index of each (unit, output), ptr, kind code, target index, cost EUR/t), each
    pair's destinations in the table's order; pair len(index) is empty (unrouted)."""
    names = (
        {u: i for i, u in enumerate(ix.units)},
        {p: i for i, p in enumerate(ix.products)},
        {s: i for i, s in enumerate(ix.sinks)},
        {s: i for i, s in enumerate(ix.sinks)},
    )
    routing = instance["routing"]
    pair_of: dict[tuple[str, str], int] = {}
    pair, code, target, cost = [], [], [], []
    for u, o, kind, to, c in zip(
        *(_col(routing, c) for c in ("unit_id", "output_id", "to_kind", "to_id", "cost_eur_per_t"))
    ):
        kc = _KIND_CODE[kind]
        pair.append(pair_of.setdefault((u, o), len(pair_of)))
        code.append(kc)
        target.append(names[kc][to])
        cost.append(float(c))
    order = np.argsort(np.array(pair, dtype=np.int64), kind="stable")
    ptr = np.zeros(len(pair_of) + 2, dtype=np.int64)
    ptr[1 : len(pair_of) + 1] = np.cumsum(np.bincount(pair, minlength=len(pair_of)))
    ptr[-1] = ptr[-2]
    return (
        pair_of,
        ptr,
        np.array(code, dtype=np.int64)[order],
        np.array(target, dtype=np.int64)[order],
        np.array(cost, dtype=float)[order],
    )


def _edges(instance: Instance, ix: _Index) -> _Edges:
    """The edges of every (unit, class): for each resolved tc row (u, class, output), in
    key order u * n_classes + class and the unit's output order within a key (a stable sort
    of the rows, which are grouped by (u, class)), the destinations of (u, output)."""
    pair_of, d_ptr, d_kind, d_target, d_cost = _destinations(instance, ix)
    _, tc_key, tc_arr = _resolve_tc_arrays(instance, ix.materials)
    u_index = {u: i for i, u in enumerate(ix.units)}
    c_index = {c: i for i, c in enumerate(ix.classes)}
    output_names = sorted({o for (_, _, o) in tc_key})
    o_index = {o: i for i, o in enumerate(output_names)}
    n_keys, unrouted = len(ix.units) * len(ix.classes), len(pair_of)
    row_key = np.array(
        [u_index[u] * len(ix.classes) + c_index[cls] for u, cls, _ in tc_key], dtype=np.int64
    )
    row_pair = np.array([pair_of.get((u, o), unrouted) for u, _, o in tc_key], dtype=np.int64)
    row_o = np.array([o_index[o] for _, _, o in tc_key], dtype=np.int64)
    rows = np.argsort(row_key, kind="stable")
    pos, e = csr_take(d_ptr, row_pair[rows])
    edge_k = rows[pos]
    ptr = np.zeros(n_keys + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(row_key[edge_k], minlength=n_keys))
    return _Edges(
        ptr,
        edge_k,
        row_o[edge_k],
        d_kind[e],
        d_target[e],
        d_cost[e],
        tc_arr,
        tc_key,
        output_names,
    )


def build_route_tree(instance: Instance, max_nodes: int | None = None) -> RouteTree:
    """Enumerate every route of every feed of a validated instance, level by level.

    Each level is expanded at once with array operations: the outgoing edges of every unit
    node (its outputs times their destinations) come from a CSR table keyed by (unit, feed
    class); an edge is kept when the output carries a material present on the path (boolean
    support matrix). Nodes are numbered level by level, so parents come before children.
    Raises :class:`RouteTreeTooLarge` when the tree would exceed ``max_nodes`` (default: the
    manifest's ``max_route_nodes``).
    """
    limit = int(max_nodes or instance.manifest.max_route_nodes or 200_000)
    ix = _index(instance)
    edges = _edges(instance, ix)
    node, groups, n0, nnz = _expand(instance, ix, edges, limit)
    sizes = np.concatenate(groups["size"])
    ptr = np.zeros(len(sizes) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(sizes)
    # children of group g are contiguous: root groups hold the entry nodes in feed order,
    # later groups hold the nodes of their level in order
    n_total = len(node["feed"])
    children = np.concatenate(
        [np.argsort(node["feed"][:n0], kind="stable"), np.arange(n0, n_total, dtype=np.int64)]
    )
    coef = node_coefficients_sparse(
        ix.comp, edges.tc, node["feed"], node["parent"], node["tcrow"], nnz_hint=nnz
    )
    return RouteTree(
        materials=tuple(ix.materials),
        feeds=tuple(ix.feeds),
        units=tuple(ix.units),
        products=tuple(ix.products),
        sinks=tuple(ix.sinks),
        outputs=tuple(edges.outputs),
        comp=ix.comp,
        tc=edges.tc,
        tc_key=tuple(edges.tc_key),
        node_feed=node["feed"],
        node_kind=node["kind"],
        node_target=node["target"],
        node_parent=node["parent"],
        node_output=node["output"],
        node_tcrow=node["tcrow"],
        node_route_cost=node["cost"].astype(float),
        group_parent=np.concatenate(groups["parent"]),
        group_feed=np.concatenate(groups["feed"]),
        group_ptr=ptr,
        group_children=children,
        node_coef=coef,
    )


_NODE_COLUMNS = ("feed", "kind", "target", "parent", "output", "tcrow", "cost")


def _entry_nodes(instance: Instance, ix: _Index) -> tuple[np.ndarray, np.ndarray]:
    """(feed, unit) of every entry node: one per feed and entry unit of the feed's class,
    feed-major in feed_entry order."""
    u_index = {u: i for i, u in enumerate(ix.units)}
    c_index = {c: i for i, c in enumerate(ix.classes)}
    entry: dict[int, list[int]] = defaultdict(list)
    fe = instance["feed_entry"]
    for cls, u in zip(_col(fe, "feed_class"), _col(fe, "unit_id")):
        entry[c_index[cls]].append(u_index[u])
    F = len(ix.feeds)
    e_feed = np.array([f for f in range(F) for _ in entry[ix.feed_cls[f]]], np.int64)
    e_unit = np.array([u for f in range(F) for u in entry[ix.feed_cls[f]]], np.int64)
    return e_feed, e_unit


@dataclass
class _Level:
    """The level being expanded: node ids, feed, unit, support (materials present)."""

    ids: np.ndarray
    feed: np.ndarray
    unit: np.ndarray
    support: np.ndarray


def _expand_level(
    lvl: _Level,
    ix: _Index,
    edges: _Edges,
    tc_mask: np.ndarray,
    cols: dict[str, list[np.ndarray]],
    groups: dict[str, list[np.ndarray]],
    n_total: int,
    limit: int,
) -> tuple[_Level, int]:
    """Append the children of every node of ``lvl`` (edges whose transfer row keeps a material
    the node carries) to ``cols`` / ``groups``; return the next level (children at units) and
    the number of (child, material) pairs the children carry."""
    pos, e = csr_take(edges.ptr, lvl.unit * len(ix.classes) + ix.feed_cls[lvl.feed])
    support = lvl.support[pos] & tc_mask[edges.k[e]]
    keep = support.any(axis=1)
    pos, e, support = pos[keep], e[keep], support[keep]
    n_new = len(e)
    if n_total + n_new > limit:
        raise RouteTreeTooLarge(_too_large(limit, n_total + n_new))
    parent = lvl.ids[pos]
    feed = lvl.feed[pos]
    out = edges.o[e]
    for name, arr in zip(
        _NODE_COLUMNS,
        (feed, edges.kind[e], edges.target[e], parent, out, edges.k[e], edges.cost[e]),
    ):
        cols[name].append(arr)
    if n_new:  # one group per (parent node, output); edges are ordered by both
        starts = np.flatnonzero(np.r_[True, (parent[1:] != parent[:-1]) | (out[1:] != out[:-1])])
        groups["parent"].append(parent[starts])
        groups["feed"].append(feed[starts])
        groups["size"].append(np.diff(np.r_[starts, n_new]))
    units_next = edges.kind[e] == KIND_UNIT
    nxt = _Level(
        (n_total + np.arange(n_new, dtype=np.int64))[units_next],
        feed[units_next],
        edges.target[e][units_next],
        support[units_next],
    )
    return nxt, int(np.count_nonzero(support))


def _expand(
    instance: Instance, ix: _Index, edges: _Edges, limit: int
) -> tuple[dict[str, np.ndarray], dict[str, list[np.ndarray]], int, int]:
    """Breadth-first expansion: node columns, conservation groups, number of entry nodes and
    number of (node, material) pairs with a material present (the coefficients' size)."""
    F = len(ix.feeds)
    e_feed, e_unit = _entry_nodes(instance, ix)
    n0 = len(e_feed)
    if n0 > limit:
        raise RouteTreeTooLarge(_too_large(limit, n0))
    entry = (e_feed, np.zeros(n0, np.int64), e_unit, *(np.full(n0, -1),) * 3, np.zeros(n0))
    cols: dict[str, list[np.ndarray]] = {n: [a] for n, a in zip(_NODE_COLUMNS, entry)}
    groups = {
        "parent": [np.full(F, -1, dtype=np.int64)],
        "feed": [np.arange(F, dtype=np.int64)],
        "size": [np.bincount(e_feed, minlength=F)],
    }
    tc_mask = edges.tc > 0
    lvl = _Level(np.arange(n0, dtype=np.int64), e_feed, e_unit, ix.comp[e_feed] > 0)
    n_total, nnz = n0, int(np.count_nonzero(lvl.support))
    while len(lvl.ids):
        lvl, pairs = _expand_level(lvl, ix, edges, tc_mask, cols, groups, n_total, limit)
        n_total += len(cols["feed"][-1])  # the nodes just added
        nnz += pairs
    return {name: np.concatenate(arrs) for name, arrs in cols.items()}, groups, n0, nnz


def _too_large(limit: int, count: int) -> str:
    return (
        f"the route tree exceeds {limit:,} nodes (at least {count:,}); reduce routing "
        "choices, or raise max_route_nodes in the manifest (or --max-route-nodes) if "
        "the machine has the memory"
    )

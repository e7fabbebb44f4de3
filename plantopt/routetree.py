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
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .errors import RouteTreeTooLarge
from .instance import Instance
from .kernels import node_coefficients
from .schema import WILDCARD

KIND_UNIT, KIND_PRODUCT, KIND_DISPOSAL, KIND_LOSS = 0, 1, 2, 3
KIND_NAMES = ("unit", "product", "disposal", "loss")
_KIND_CODE = {name: i for i, name in enumerate(KIND_NAMES)}


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
    coef: np.ndarray  # (N, M) t of material at node per feed-equivalent t

    @property
    def n_nodes(self) -> int:
        return int(self.node_kind.shape[0])

    @property
    def n_groups(self) -> int:
        return int(self.group_parent.shape[0])

    def node_mass(self) -> np.ndarray:
        """Real tonnes per feed-equivalent tonne at each node: sum over materials of coef."""
        return self.coef.sum(axis=1)

    def _label(self, n: int) -> str:
        kind = int(self.node_kind[n])
        target = int(self.node_target[n])
        name = (self.units, self.products, self.sinks, self.sinks)[kind][target]
        out = int(self.node_output[n])
        prefix = f"[{self.outputs[out]}] " if out >= 0 else ""
        return f"{prefix}{KIND_NAMES[kind]}:{name}"

    def paths(self) -> list[str]:
        """Readable path of every node (feed first), in node order."""
        labels: list[str] = []
        for n in range(self.n_nodes):
            parent = int(self.node_parent[n])
            head = labels[parent] if parent >= 0 else self.feeds[int(self.node_feed[n])]
            labels.append(f"{head} > {self._label(n)}")
        return labels


def _resolve_tc(instance: Instance, materials: list[str]) -> tuple[
        dict[tuple[str, str], list[str]], dict[tuple[str, str, str], np.ndarray]]:
    """Resolve the transfer coefficients of every (unit, feed class, output).

    For each material the most specific rows win, in this order: (class, material),
    (class, '*'), ('*', material), ('*', '*'). Returns the outputs of each (unit, class) and
    the coefficient vector over materials of each (unit, class, output).
    """
    tc = instance["transfer_coefficients"]
    m_index = {m: i for i, m in enumerate(materials)}
    rows: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    unit_outputs: dict[str, list[str]] = defaultdict(list)
    for u, cls, mat, out, frac in zip(tc["unit_id"], tc["feed_class"], tc["material"],
                                      tc["output_id"], tc["tc_frac"]):
        rows[(u, cls, mat)][out] = float(frac)
        if out not in unit_outputs[u]:
            unit_outputs[u].append(out)
    classes = sorted(set(instance["feeds"]["feed_class"]))
    outputs_of: dict[tuple[str, str], list[str]] = {}
    vectors: dict[tuple[str, str, str], np.ndarray] = {}
    for u, outs in unit_outputs.items():
        for cls in classes:
            mat_rows: list[dict[str, float] | None] = []
            for m in materials:
                for key in ((u, cls, m), (u, cls, WILDCARD), (u, WILDCARD, m),
                            (u, WILDCARD, WILDCARD)):
                    if key in rows:
                        mat_rows.append(rows[key])
                        break
                else:
                    mat_rows.append(None)
            outputs_of[(u, cls)] = outs
            for out in outs:
                vec = np.zeros(len(materials))
                for m, r in zip(materials, mat_rows):
                    if r is not None:
                        vec[m_index[m]] = r.get(out, 0.0)
                vectors[(u, cls, out)] = vec
    return outputs_of, vectors


def build_route_tree(instance: Instance, max_nodes: int | None = None) -> RouteTree:
    """Enumerate every route of every feed of a validated instance.

    Raises :class:`RouteTreeTooLarge` when the tree would exceed ``max_nodes`` (default: the
    manifest's ``max_route_nodes``).
    """
    limit = int(max_nodes or instance.manifest.get("max_route_nodes") or 200_000)
    materials = list(instance["materials"]["material"])
    m_index = {m: i for i, m in enumerate(materials)}
    feeds_df = instance["feeds"]
    feeds = list(feeds_df["feed_id"])
    feed_class = dict(zip(feeds_df["feed_id"], feeds_df["feed_class"]))
    units = list(instance["units"]["unit_id"])
    u_index = {u: i for i, u in enumerate(units)}
    products = list(instance["products"]["product_id"])
    p_index = {p: i for i, p in enumerate(products)}
    routing = instance["routing"]
    sinks = sorted(set(routing.loc[routing["to_kind"].isin(["disposal", "loss"]), "to_id"]))
    s_index = {s: i for i, s in enumerate(sinks)}

    comp = np.zeros((len(feeds), len(materials)))
    cdf = instance["composition"]
    f_index = {f: i for i, f in enumerate(feeds)}
    for f, m, x in zip(cdf["feed_id"], cdf["material"], cdf["mass_frac"]):
        comp[f_index[f], m_index[m]] += float(x)
    if "other" in m_index:  # book the remainder of each feed to 'other'
        rest = np.clip(1.0 - comp.sum(axis=1), 0.0, None)
        comp[:, m_index["other"]] += rest

    outputs_of, vectors = _resolve_tc(instance, materials)
    dests: dict[tuple[str, str], list[tuple[str, str, float]]] = defaultdict(list)
    for u, o, kind, to, cost in zip(routing["unit_id"], routing["output_id"],
                                    routing["to_kind"], routing["to_id"],
                                    routing["cost_eur_per_t"]):
        dests[(u, o)].append((kind, to, float(cost)))
    entry: dict[str, list[str]] = defaultdict(list)
    for cls, u in zip(instance["feed_entry"]["feed_class"], instance["feed_entry"]["unit_id"]):
        entry[cls].append(u)

    output_names: list[str] = []
    o_index: dict[str, int] = {}
    tc_key: list[tuple[str, str, str]] = []
    tc_rows: list[np.ndarray] = []
    k_index: dict[tuple[str, str, str], int] = {}
    masks: dict[tuple[str, str, str], int] = {}
    for key, vec in vectors.items():
        masks[key] = sum(1 << i for i in np.flatnonzero(vec > 0))

    n_feed: list[int] = []
    n_kind: list[int] = []
    n_target: list[int] = []
    n_parent: list[int] = []
    n_output: list[int] = []
    n_tcrow: list[int] = []
    n_cost: list[float] = []
    g_parent: list[int] = []
    g_feed: list[int] = []
    g_children: list[list[int]] = []

    def add_node(f: int, kind: int, target: int, parent: int, out: int, k: int,
                 cost: float) -> int:
        if len(n_kind) >= limit:
            raise RouteTreeTooLarge(
                f"the route tree exceeds {limit:,} nodes (while enumerating feed "
                f"'{feeds[f]}'); reduce routing choices, or raise max_route_nodes in the "
                "manifest (or --max-route-nodes) if the machine has the memory")
        n_feed.append(f)
        n_kind.append(kind)
        n_target.append(target)
        n_parent.append(parent)
        n_output.append(out)
        n_tcrow.append(k)
        n_cost.append(cost)
        return len(n_kind) - 1

    for f, feed in enumerate(feeds):
        cls = feed_class[feed]
        support0 = sum(1 << i for i in np.flatnonzero(comp[f] > 0))
        root_children: list[int] = []
        # stack of unit nodes still to expand: (node, unit, support bitmask)
        stack: list[tuple[int, str, int]] = []
        for u in entry.get(cls, []):
            n = add_node(f, KIND_UNIT, u_index[u], -1, -1, -1, 0.0)
            root_children.append(n)
            stack.append((n, u, support0))
        g_parent.append(-1)
        g_feed.append(f)
        g_children.append(root_children)
        # depth-first expansion; children are appended after their parent (parents first)
        while stack:
            node, u, support = stack.pop()
            for out in outputs_of.get((u, cls), []):
                key = (u, cls, out)
                child_support = support & masks[key]
                if child_support == 0:
                    continue
                if key not in k_index:
                    k_index[key] = len(tc_rows)
                    tc_rows.append(vectors[key])
                    tc_key.append(key)
                if out not in o_index:
                    o_index[out] = len(output_names)
                    output_names.append(out)
                k, o = k_index[key], o_index[out]
                children: list[int] = []
                for kind, to, cost in dests.get((u, out), []):
                    if kind == "unit":
                        child = add_node(f, KIND_UNIT, u_index[to], node, o, k, cost)
                        stack.append((child, to, child_support))
                    elif kind == "product":
                        child = add_node(f, KIND_PRODUCT, p_index[to], node, o, k, cost)
                    else:
                        child = add_node(f, _KIND_CODE[kind], s_index[to], node, o, k, cost)
                    children.append(child)
                g_parent.append(node)
                g_feed.append(f)
                g_children.append(children)

    ptr = np.zeros(len(g_children) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(c) for c in g_children])
    flat = np.fromiter((c for cs in g_children for c in cs), dtype=np.int64, count=int(ptr[-1]))
    tc_arr = np.array(tc_rows) if tc_rows else np.zeros((0, len(materials)))
    node_feed = np.asarray(n_feed, dtype=np.int64)
    node_parent = np.asarray(n_parent, dtype=np.int64)
    node_tcrow = np.asarray(n_tcrow, dtype=np.int64)
    coef = node_coefficients(comp, tc_arr, node_feed, node_parent, node_tcrow)
    return RouteTree(
        materials=tuple(materials), feeds=tuple(feeds), units=tuple(units),
        products=tuple(products), sinks=tuple(sinks), outputs=tuple(output_names),
        comp=comp, tc=tc_arr, tc_key=tuple(tc_key),
        node_feed=node_feed, node_kind=np.asarray(n_kind, dtype=np.int64),
        node_target=np.asarray(n_target, dtype=np.int64), node_parent=node_parent,
        node_output=np.asarray(n_output, dtype=np.int64), node_tcrow=node_tcrow,
        node_route_cost=np.asarray(n_cost, dtype=float),
        group_parent=np.asarray(g_parent, dtype=np.int64),
        group_feed=np.asarray(g_feed, dtype=np.int64), group_ptr=ptr, group_children=flat,
        coef=coef,
    )

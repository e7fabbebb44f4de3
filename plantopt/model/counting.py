"""What counts for the regulatory ratios, per product, material and product node.

Calculation points (Delegated Regulation (EU) 2025/606): material k of product p counts with
the weight

    w[p, k] = 1 if p is final and product_prices marks k recovered in p, else 0;
    w[p, k] = r[p, k] if p is intermediate (downstream_recovery.csv; 0 without a row);
    w[p, k] = 0 for products prepared for re-use or second life (not recycled material).

x_k = 1 for the substances a recycler may leave out of Part B (``partb_excludable``) when the
manifest's ``partb_exclude_substances`` is set and the year is at most 2029, else 0.

Over the product nodes n (feed f(n), product p(n)) the targets read one material column
``coef[n, k]`` and weighted row sums ``sum_k coef[n, k] w[p(n), k] (1 - x_k)``; both are
computed once per instance and year from the route tree's non-zero coefficients
(:class:`ProductNodes`), never from a dense (nodes x materials) array.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from plantopt.instance.instance import Instance
from plantopt.instance.rows import positions
from plantopt.instance.targets import PARTB_EXCLUSION_LAST_YEAR
from plantopt.model.data import ModelData
from plantopt.model.entry_blocks import node_sums
from plantopt.routetree.tree import KIND_DISPOSAL, KIND_PRODUCT, RouteTree


@dataclass(frozen=True)
class Counting:
    """What counts, per product and material, for the targets of one instance and year.

    ``weight[p, k]`` is w[p, k] of the module docstring (products and materials in tree
    order); ``excluded[k]`` is x_k; ``nodes_of`` the product (and energy-recovery) nodes
    whose whole mass counts for the WEEE ratios.
    """

    weight: np.ndarray  # (P, M)
    excluded: np.ndarray  # (M,) 0/1
    recycled_p: np.ndarray  # (P,) bool: counts_recycled
    nodes_of: dict[str, np.ndarray]
    out_of_waste_p: np.ndarray  # (P,) bool: prepared for re-use or second life
    products: ProductNodes | None = None  # the product nodes' columns, shared by the targets


def counting_weights(
    instance: Instance,
    products: list[str],
    materials: list[str],
    prods: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """w[p, k]: 1 for final products where k counts as recovered, the downstream recovery
    share for intermediate products (0 without a downstream_recovery row), 0 for products
    prepared for re-use or second life. ``prods``: the products table's columns
    (:func:`product_columns`) in the order ``products``, when the caller has them."""
    p_index = {p: i for i, p in enumerate(products)}
    m_index = {m: i for i, m in enumerate(materials)}
    w = np.zeros((len(products), len(materials)))
    prods = product_columns(instance, products, PRODUCT_COLUMNS) if prods is None else prods
    calc_point = prods["calc_point"].astype(str)
    inter = {p for p, c in zip(products, calc_point) if c == "intermediate"}
    pp = instance["product_prices"]
    for p, k, rec in zip(pp["product_id"].tolist(), pp["material"].tolist(), pp["recovered"]):
        if p in p_index and k in m_index and p not in inter and bool(rec):
            w[p_index[p], m_index[k]] = 1.0
    dr = instance["downstream_recovery"]
    for p, k, r in zip(dr["product_id"].tolist(), dr["material"].tolist(), dr["recovery_frac"]):
        if p in inter and k in m_index:
            w[p_index[p], m_index[k]] = float(r)
    # re-used or repurposed items are not recycled material
    w[prods["reuse_kind"].astype(str) != "none"] = 0.0
    return w


#: The products columns the counting reads.
PRODUCT_COLUMNS = ("calc_point", "reuse_kind", "counts_recycled", "counts_recovered")


def product_columns(
    instance: Instance, products: list[str] | tuple[str, ...], columns: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """The products table's ``columns`` as arrays, rows in the order ``products`` (one
    position lookup shared by the columns; a product missing from the table: KeyError)."""
    table = instance["products"]
    rows = np.array(positions(table, "product_id", products), dtype=np.int64)
    return {c: table[c].to_numpy()[rows] for c in columns}


def excluded_materials(instance: Instance, materials: list[str], year: int | None) -> np.ndarray:
    """x_k: 1 for partb_excludable materials when the manifest leaves them out (year <= 2029)."""
    x = np.zeros(len(materials))
    if not instance.manifest.partb_exclude_substances or year is None:
        return x
    if year > PARTB_EXCLUSION_LAST_YEAR:
        return x
    mats = instance["materials"]
    excl = set(mats.loc[mats["partb_excludable"].astype(bool), "material"])
    x[[i for i, m in enumerate(materials) if m in excl]] = 1.0
    return x


class ProductNodes:
    """The product nodes of a tree (ascending), their feeds and products, and what the
    targets read over them, made once for all the targets of an instance (each target takes
    the rows of its covered feeds).

    Both readers work on the non-zero entries (i, k, c) of the product nodes' coefficients,
    c = coef[nodes[i], k], taken once from the route tree's CSR:

        material(k)              = (i, coef[nodes[i], k]) over the entries of material k
        row_sums(keep, w)[i]     = sum_{entries (i, k, c)} c w[p(i), k] keep[k]

    (one pass over the entries, O(nnz); no (nodes x materials) array), and
    ``covered(key, ...)`` the nodes where such a reading is > 0, found once for all targets
    and kept with their feeds, so a target selects its covered feeds' nodes with one mask.
    """

    def __init__(self, tree: RouteTree) -> None:
        self.tree = tree
        self.pe = tree.product_entries()  # shared with the revenue terms (model data)
        self.nodes = self.pe.nodes
        self.p_of = self.pe.product
        self._materials: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._sums: dict[str, np.ndarray] = {}
        self._positive: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(position i in ``nodes``, material k, coef) of every non-zero entry, node-major."""
        return self.pe.pos, self.pe.mat, self.pe.val

    def material(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(positions i, coef[nodes[i], k]) of the product nodes with a non-zero coefficient
        of material k, ascending (the non-zero entries of the dense column k)."""
        if k not in self._materials:
            e = np.flatnonzero(self.pe.mat == k)
            self._materials[k] = self.pe.pos[e], self.pe.val[e]
        return self._materials[k]

    def row_sums(self, key: str, keep: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
        """sum_m coef[n, m] weight[p(n), m] keep[m] of every product node n (no weight when
        None; cached by ``key``: the same ``keep`` and ``weight`` for one instance and
        year), in cache-sized blocks of entries (:func:`node_sums`: one bincount over all
        entries bit for bit)."""
        if key not in self._sums:
            pos, mat, val = self.entries()
            table = None if weight is None else np.ascontiguousarray(weight).reshape(-1)
            code = self.pe.code

            def terms(a: int, b: int) -> np.ndarray:
                t = val[a:b] * keep[mat[a:b]]
                if table is not None:
                    t *= table[code[a:b]]
                return t

            self._sums[key] = node_sums(pos, len(self.nodes), terms)
        return self._sums[key]

    def covered(
        self,
        key: str,
        make: Callable[[], tuple[np.ndarray, np.ndarray]],
        feeds: np.ndarray,
        positions: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(route-tree nodes, values) of ``make()`` where the value is > 0 and the node's
        feed is marked in the boolean ``feeds``, in the given order. ``make()`` gives
        (positions among ``nodes``, values), or (route-tree nodes, values) when
        ``positions`` is False; what is > 0 is found once per ``key`` and kept with each
        node's feed (a target then reads its covered feeds' nodes with one mask; the kept arrays
        themselves when it covers them all). The arrays are read-only."""
        if key not in self._positive:
            ids, values = make()
            keep = values > 0
            nodes = ids[keep]
            nodes = self.nodes[nodes] if positions else nodes
            feed = self.tree.node_feed[nodes].astype(np.int32)
            nodes, values = nodes.astype(np.int64, copy=False), np.asarray(values[keep], float)
            nodes.flags.writeable = values.flags.writeable = False  # shared by the targets
            self._positive[key] = nodes, values, feed
        nodes, values, feed = self._positive[key]
        on = feeds[feed]
        if on.all():
            return nodes, values
        nodes, values = nodes[on], values[on]
        nodes.flags.writeable = values.flags.writeable = False
        return nodes, values


def counting(instance: Instance, data: ModelData, year: int | None) -> Counting:
    """What counts for the targets of ``instance`` in ``year`` (see the module docstring)."""
    tree = data.tree
    kind, target = tree.node_kind, tree.node_target
    prods = product_columns(instance, tree.products, PRODUCT_COLUMNS)
    flag = {c: prods[c].astype(bool) for c in FLAGS}
    reuse = prods["reuse_kind"].astype(str) != "none"
    # WEEE Annex V: "prepared for re-use and recycled" (re-use counts with recycling)
    recycled_p = flag["counts_recycled"] | reuse
    recovered_p = recycled_p | flag["counts_recovered"]
    prod_nodes = np.flatnonzero(kind == KIND_PRODUCT)
    nodes_of = {
        "recycled": prod_nodes[recycled_p[target[prod_nodes]]].astype(np.int64, copy=False),
        "recovered": np.concatenate(
            [prod_nodes[recovered_p[target[prod_nodes]]], energy_recovery_nodes(instance, data)]
        ).astype(np.int64, copy=False),
    }
    return Counting(
        weight=counting_weights(instance, list(tree.products), list(tree.materials), prods),
        excluded=excluded_materials(instance, list(tree.materials), year),
        recycled_p=flag["counts_recycled"] & ~reuse,
        nodes_of=nodes_of,
        out_of_waste_p=reuse,
        products=ProductNodes(tree),
    )


FLAGS = ("counts_recycled", "counts_recovered")


def energy_recovery_nodes(instance: Instance, data: ModelData) -> np.ndarray:
    """Disposal nodes reached through a routing row with ``counts_recovered``."""
    routing = instance["routing"]
    flagged = {
        (u, o, t)
        for u, o, k, t, c in zip(
            routing["unit_id"].tolist(),
            routing["output_id"].tolist(),
            routing["to_kind"].tolist(),
            routing["to_id"].tolist(),
            routing["counts_recovered"].tolist(),
        )
        if k == "disposal" and bool(c)
    }
    tree = data.tree
    if not flagged:
        return np.zeros(0, dtype=np.int64)
    u_index = {u: i for i, u in enumerate(tree.units)}
    o_index = {o: i for i, o in enumerate(tree.outputs)}
    s_index = {x: i for i, x in enumerate(tree.sinks)}
    # code each (unit, output, sink) as one integer and look the disposal nodes up
    n_o, n_s = len(tree.outputs), len(tree.sinks)
    codes = np.array(
        [
            (u_index[u] * n_o + o_index[o]) * n_s + s_index[t]
            for u, o, t in flagged
            if u in u_index and o in o_index and t in s_index
        ],
        dtype=np.int64,
    )
    nodes = np.flatnonzero(tree.node_kind == KIND_DISPOSAL)
    parent_unit = tree.node_target[tree.node_parent[nodes]]
    node_codes = (parent_unit * n_o + tree.node_output[nodes]) * n_s + tree.node_target[nodes]
    return nodes[np.isin(node_codes, codes)].astype(np.int64, copy=False)


__all__ = [
    "FLAGS",
    "Counting",
    "PRODUCT_COLUMNS",
    "ProductNodes",
    "counting",
    "product_columns",
    "counting_weights",
    "energy_recovery_nodes",
    "excluded_materials",
]

"""Reuse and second life: the value of graded items and repurposed packs, and their return.

A testing/grading unit is an ordinary unit whose outputs route whole items by grading
yield (the same transfer coefficient for every material of an output). Its outputs go to
products with ``products.reuse_kind``:

* ``prepared_for_reuse`` (EEE sold for re-use): counts as "prepared for re-use" in the WEEE
  Annex V ratios (numerator of weee_recycling and weee_recovery), never as a recycled
  material for the Battery Regulation;
* ``second_life`` (EV packs repurposed to stationary storage): leave the waste stage, so
  they are taken out of the Battery Regulation ratios' input (Part B input fraction, Part C
  element entering), and in multi-period instances they come back as a feed after their
  second life (``returns_as_feed`` after ``second_life_yr`` years).

Value per tonne of product mass (EUR/t), for every product (0 unless set):

    v_p = value_eur_per_t + value_eur_per_item / item_mass_t + kwh_per_t * value_eur_per_kwh

    reuse_revenue    = sum_{product nodes n} v_{p(n)} mass_n flow[n]              (EUR/yr)
    repurposing_cost = sum_{product nodes n} r_{p(n)} mass_n flow[n]              (EUR/yr)

with r_p = ``repurposing_cost_eur_per_t``; both are ledger items.
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass
from typing import Any

import numpy as np

from plantopt.instance.instance import Instance
from plantopt.instance.rows import positions
from plantopt.routetree.tree import KIND_PRODUCT, RouteTree

REUSE = "prepared_for_reuse"
SECOND_LIFE = "second_life"


@dataclass(frozen=True)
class SecondLifeReturn:
    """Packs of ``product_id`` come back as feed ``feed_id`` after ``lag_yr`` years."""

    product_id: str
    feed_id: str
    lag_yr: float


@dataclass(frozen=True)
class ReuseTerms:
    """Per product (tree order): kind flags and EUR per tonne; per-node value terms."""

    reuse_p: np.ndarray  # (P,) bool: prepared for re-use
    second_p: np.ndarray  # (P,) bool: second life
    value_node: np.ndarray  # product nodes with a value ...
    value_coef: np.ndarray  # ... EUR per feed-equivalent t (v_p mass_n)
    cost_node: np.ndarray
    cost_coef: np.ndarray  # r_p mass_n
    returns: tuple[SecondLifeReturn, ...] = ()

    @property
    def out_of_waste_p(self) -> np.ndarray:
        """Products that leave the waste stage (re-use or second life)."""
        return self.reuse_p | self.second_p


def _num(x: object) -> float:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return v if np.isfinite(v) else 0.0


def product_value_eur_per_t(row: object) -> float:
    """v_p of one products.csv row (a namedtuple or Series with the reuse columns)."""
    per_item = _num(getattr(row, "value_eur_per_item", 0.0))
    mass = _num(getattr(row, "item_mass_t", 0.0))
    return (
        _num(getattr(row, "value_eur_per_t", 0.0))
        + (per_item / mass if mass > 0 else 0.0)
        + _num(getattr(row, "kwh_per_t", 0.0)) * _num(getattr(row, "value_eur_per_kwh", 0.0))
    )


def _at(row: object, col: str, side: str) -> float:
    """``{col}_{side}`` of a products row; the nominal ``col`` where that cell is empty."""
    end = getattr(row, f"{col}_{side}", None)
    try:
        v = float(end)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    return v if math.isfinite(v) else _num(getattr(row, col, 0.0))


def product_money_ranges(row: object) -> tuple[tuple[float, float, float], tuple[float, ...]]:
    """((low, nominal, high) of v_p, (low, nominal, high) of r_p) of one products row.

    Each term of v_p takes its own ``_low`` / ``_high`` column (an empty cell: its nominal
    value), so v_p^low = value_eur_per_t_low + value_eur_per_item_low / item_mass_t +
    kwh_per_t * value_eur_per_kwh_low, and likewise high; r_p from
    ``repurposing_cost_eur_per_t_low`` / ``_high``. The mean mass and kWh per t are fixed."""
    mass = _num(getattr(row, "item_mass_t", 0.0))
    kwh = _num(getattr(row, "kwh_per_t", 0.0))

    def v(side: str) -> float:
        per_item = _at(row, "value_eur_per_item", side)
        return (
            _at(row, "value_eur_per_t", side)
            + (per_item / mass if mass > 0 else 0.0)
            + kwh * _at(row, "value_eur_per_kwh", side)
        )

    nominal_r = _num(getattr(row, "repurposing_cost_eur_per_t", 0.0))
    r = (
        _at(row, "repurposing_cost_eur_per_t", "low"),
        nominal_r,
        _at(row, "repurposing_cost_eur_per_t", "high"),
    )
    return (v("low"), product_value_eur_per_t(row), v("high")), r


def _node_terms(tree: RouteTree, per_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(product nodes n, per_t[p(n)] mass_n) where that product is not 0, nodes ascending:
    only the nodes of products with a non-zero per_t are read (none on most instances)."""
    nodes = np.flatnonzero(tree.node_kind == KIND_PRODUCT) if per_t.any() else np.zeros(0, int)
    nodes = nodes[per_t[tree.node_target[nodes]] != 0]
    coef = per_t[tree.node_target[nodes]] * tree.node_mass()[nodes]
    keep = coef != 0
    return nodes[keep].astype(np.int64, copy=False), coef[keep]


def _product_rows(instance: Instance, tree: RouteTree) -> list[Any]:
    """The products table's rows in tree order as named tuples of Python values, fields
    the columns (as ``itertuples(index=False)`` gives them), one ``tolist`` per column."""
    table = instance["products"]
    columns = [table[c].tolist() for c in table.columns]
    row: Any = namedtuple("Pandas", [str(c) for c in table.columns], rename=True)  # type: ignore[misc]
    return [
        row._make([c[i] for c in columns]) for i in positions(table, "product_id", tree.products)
    ]


def reuse_terms(instance: Instance, tree: RouteTree) -> ReuseTerms:
    """Value and cost terms of every product node, and the second-life returns."""
    rows = _product_rows(instance, tree)
    kind = np.array([str(r.reuse_kind) for r in rows], dtype=object)
    value = np.array([product_value_eur_per_t(r) for r in rows], dtype=float)
    cost = np.array([_num(r.repurposing_cost_eur_per_t) for r in rows], dtype=float)
    value_node, value_coef = _node_terms(tree, value)
    cost_node, cost_coef = _node_terms(tree, cost)
    returns = tuple(
        SecondLifeReturn(p, str(r.returns_as_feed), _num(r.second_life_yr))
        for p, r in zip(tree.products, rows)  # the rows are in tree order
        if str(r.returns_as_feed or "")
    )
    return ReuseTerms(
        reuse_p=kind == REUSE,
        second_p=kind == SECOND_LIFE,
        value_node=value_node,
        value_coef=value_coef,
        cost_node=cost_node,
        cost_coef=cost_coef,
        returns=returns,
    )


__all__ = [
    "REUSE",
    "SECOND_LIFE",
    "ReuseTerms",
    "SecondLifeReturn",
    "product_money_ranges",
    "product_value_eur_per_t",
    "reuse_terms",
]

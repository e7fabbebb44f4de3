"""Row families: every constraint family and every linear expression, defined once as arrays.

A :class:`Family` is ``len(index)`` rows ``lower <= A x + constant <= upper`` with A given by
coordinate triplets (row, col, val). ``col`` is in the local (one-period) layout of
:mod:`plantopt.model.layout` when ``scope == "period"`` and in the global layout when
``scope == "global"``. An expression family (revenue, throughput, target_num, ...) has no
bounds. The emitters (matrix form for HiGHS, the Pyomo model, the elastic model of the
diagnosis) read nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

INF = float("inf")


@dataclass(frozen=True)
class Relax:
    """How the elastic diagnosis may relax the rows of a family: slack s >= 0 enters row i
    as ``+ s`` (a ``>=`` row) or ``- s`` (a ``<=`` row); the elastic objective divides s by
    ``scale[i]``; rows sharing a ``key`` share one slack."""

    group: str  # the user's word for it: target, capacity, budget, offtake, floor
    keys: tuple[str, ...]  # per row
    rhs: np.ndarray  # the required value the slack is measured against, per row
    scale: np.ndarray  # divisor in the elastic objective, per row
    unit: str


@dataclass(frozen=True)
class Family:
    name: str
    index: list[Any]
    row: np.ndarray
    col: np.ndarray
    val: np.ndarray
    lower: np.ndarray | None = None  # None: an expression family
    upper: np.ndarray | None = None
    constant: np.ndarray | None = None
    scope: str = "period"
    doc: str = ""
    relax: Relax | None = None
    block: str = "period"  # Pyomo: on the period block, or "model" (global rows)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.index)

    @property
    def is_constraint(self) -> bool:
        return self.lower is not None

    def matrix(self, n_cols: int) -> sp.csr_array:
        """A as a sparse (rows x n_cols) matrix; duplicate triplets are summed."""
        return sp.csr_array((self.val, (self.row, self.col)), shape=(self.n, n_cols))

    def const(self) -> np.ndarray:
        return np.zeros(self.n) if self.constant is None else self.constant

    def value(self, x: np.ndarray) -> np.ndarray:
        """A x + constant for x in the family's layout."""
        out = self.const().copy()
        np.add.at(out, self.row, self.val * x[self.col])
        return out


def family(
    name: str,
    index: Sequence[Any],
    row: Any,
    col: Any,
    val: Any,
    lower: Any = None,
    upper: Any = None,
    constant: Any = None,
    **kw: Any,
) -> Family:
    """A :class:`Family` from array-likes; scalar bounds broadcast over the rows."""
    n = len(index)

    def vec(v: Any) -> np.ndarray | None:
        return None if v is None else np.broadcast_to(np.asarray(v, float), (n,)).copy()

    lo, hi = vec(lower), vec(upper)
    if (lo is None) != (hi is None):
        lo = np.full(n, -INF) if lo is None else lo
        hi = np.full(n, INF) if hi is None else hi
    return Family(
        name,
        list(index),
        np.asarray(row, np.int64),
        np.asarray(col, np.int64),
        np.asarray(val, float),
        lo,
        hi,
        vec(constant),
        **kw,
    )


def csr_rows(lists: Sequence[Sequence[int] | np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Row ids and flattened members of a list of index lists (or index arrays)."""
    lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    rows = np.repeat(np.arange(len(lists)), lengths)
    if not lists:
        return rows, np.zeros(0, np.int64)
    flat = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
    return rows, flat


def stack(*parts: tuple[Any, Any, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate (row, col, val) triplet parts."""
    rows, cols, vals = (
        np.concatenate([np.asarray(p[i], dt) for p in parts])
        for i, dt in enumerate((np.int64, np.int64, float))
    )
    return rows, cols, vals


__all__ = ["Family", "INF", "Relax", "csr_rows", "family", "stack"]

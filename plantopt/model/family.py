"""Row families: every constraint family and every linear expression, defined once as arrays.

A :class:`Family` is ``len(index)`` rows ``lower <= A x + constant <= upper`` with A given by
coordinate triplets (row, col, val). ``col`` is in the local (one-period) layout of
:mod:`plantopt.model.layout` when ``scope == "period"`` and in the global layout when
``scope == "global"``. An expression family (revenue, throughput, target_num, ...) has no
bounds. The emitters (matrix form for HiGHS, the Pyomo model, the elastic model of the
diagnosis) read nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

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


class IntLabels(Sequence[int]):
    """Integer row labels kept as one int64 array instead of a list of Python ints (the
    output_balance rows of the generated XL model: 324,900 labels, 2.5 MiB instead of 12):
    a read-only sequence of ints, equal to the list of the same ints."""

    def __init__(self, labels: Any) -> None:
        self._a = np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return int(self._a.shape[0])

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return list(self._a[i].tolist())
        return int(self._a[i])

    def __iter__(self) -> Iterator[int]:
        return iter(self._a.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IntLabels):
            return bool(np.array_equal(self._a, other._a))
        if isinstance(other, (list, tuple)):
            return len(other) == len(self) and self._a.tolist() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IntLabels({self._a.tolist()!r})"


@dataclass(frozen=True)
class Family:
    name: str
    index: Sequence[Any]  # a list, or IntLabels for many integer labels
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

    def matrix(self, n_cols: int) -> Any:
        """A as a scipy (rows x n_cols) ``csr_array``; duplicate triplets are summed (scipy
        is imported here: the solve path does not use it)."""
        import scipy.sparse as sp

        return sp.csr_array((self.val, (self.row, self.col)), shape=(self.n, n_cols))

    def const(self) -> np.ndarray:
        return np.zeros(self.n) if self.constant is None else self.constant

    def value(self, x: np.ndarray) -> np.ndarray:
        """A x + constant for x in the family's layout."""
        out = self.const().copy()
        np.add.at(out, self.row, self.val * x[self.col])
        return out


def index32(a: Any) -> np.ndarray:
    """Row or column indices as int32 (half the memory of int64; what HiGHS takes), refusing
    indices that do not fit."""
    out = np.asarray(a)
    if out.dtype == np.int32:
        return out
    if out.size and (int(out.max()) > np.iinfo(np.int32).max or int(out.min()) < 0):
        raise ValueError("a row or column index does not fit in int32")
    return out.astype(np.int32)


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
        if v is None:
            return None
        a = np.asarray(v, float)  # a scalar stays one number: a read-only broadcast view
        return np.broadcast_to(a, (n,)) if a.ndim == 0 else np.broadcast_to(a, (n,)).copy()

    lo, hi = vec(lower), vec(upper)
    if (lo is None) != (hi is None):
        lo = np.full(n, -INF) if lo is None else lo
        hi = np.full(n, INF) if hi is None else hi
    return Family(
        name,
        index if isinstance(index, IntLabels) else list(index),
        index32(row),
        index32(col),
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


def _int32_concat(parts: list[Any]) -> np.ndarray:
    """Index parts concatenated straight into one int32 array (what :func:`index32` makes
    of them: no int64 copy in between), refusing indices that do not fit."""
    arrays = [np.asarray(a) for a in parts]
    for a in arrays:
        if a.size and a.dtype != np.int32 and (a.max() > np.iinfo(np.int32).max or a.min() < 0):
            raise ValueError("a row or column index does not fit in int32")
    return np.concatenate(arrays, dtype=np.int32, casting="unsafe")


def stack(*parts: tuple[Any, Any, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate (row, col, val) triplet parts (indices as int32, values as float64)."""
    rows = _int32_concat([p[0] for p in parts])
    cols = _int32_concat([p[1] for p in parts])
    vals = np.concatenate([np.asarray(p[2], float) for p in parts])
    return rows, cols, vals


__all__ = ["Family", "INF", "IntLabels", "Relax", "csr_rows", "family", "index32", "stack"]

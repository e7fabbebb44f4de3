"""The two sparse matrices of the solve path, in plain NumPy (no scipy import on that path).

* :class:`CscMatrix`: the constraint matrix A (rows x columns) in compressed sparse column
  form, canonical as HiGHS takes it and as scipy's ``csc_array`` would hold it: column j's
  entries are ``data[indptr[j]:indptr[j+1]]`` in rows ``indices[...]``, rows strictly
  ascending within a column (no duplicates), no stored zeros, int32 indices.
* :class:`OnesCsr`: a substitution S_t (local columns x global columns) in compressed sparse
  row form with int32 indices: row i's entries are columns ``indices[indptr[i]:indptr[i+1]]``
  with the values ``data[...]`` (1 unless an entry was given twice).

Products are summed in storage order, as scipy's own kernels sum them (so the numbers are
the same bit for bit): ``A x``, ``S x`` and ``v S``. Anything else (slicing, conversion,
products of matrices) goes through scipy, imported only then (:meth:`CscMatrix.tocsc`,
:meth:`OnesCsr.tocsr`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

SORT_BLOCK = 1 << 16  # positions added to the sort keys per step
PLACE_BLOCK = 1 << 14  # entries placed per step of the counting sort (cache-sized)
PLACE_MIN_NNZ = 1 << 20  # fewer entries: concatenated and sorted (see csc_from_blocks)


def _floats(a: np.ndarray) -> np.ndarray:
    """float64 (bincount of no entries gives int64 zeros even with weights)."""
    return a.astype(np.float64, copy=False)


def _indptr(ids: np.ndarray, n: int) -> np.ndarray:
    """ptr[k] = #{e : ids[e] < k}, k = 0..n, as int32 (the slices of a sorted id array)."""
    counts = np.bincount(ids, minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int32)
    ptr[1:] = np.cumsum(counts, out=counts)
    return ptr


def _ascending(indptr: np.ndarray, minor: np.ndarray) -> bool:
    """Whether ``minor`` is strictly ascending within every slice indptr[k]:indptr[k+1]."""
    n = len(minor)
    if n < 2:
        return True
    drop = np.ascontiguousarray(minor[1:] <= minor[:-1])  # drop[e]: minor[e+1] <= minor[e]
    starts = indptr[1:-1]
    starts = starts[(starts > 0) & (starts < n)]
    drop[starts - 1] = False  # entry starts[.] opens a new slice: no order with the one before
    return not drop.any()


def _sum_duplicates(
    major: np.ndarray, minor: np.ndarray, val: np.ndarray, n_minor: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Triplets sorted by (major, minor) with the entries of one (major, minor) summed (in
    their given order): the rare path, when the entries are not already canonical."""
    order = np.lexsort((minor, major))  # stable: equal keys keep their given order
    key = major[order].astype(np.int64) * n_minor + minor[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    summed = np.add.reduceat(val[order], first) if len(first) else val[:0]
    return major[order][first], minor[order][first], summed


class CscMatrix:
    """A in canonical CSC form (see the module docstring): ``shape``, ``nnz``, ``indptr``,
    ``indices`` (rows), ``data``; ``A @ x`` for a vector x."""

    __array_ufunc__ = None  # ndarray @ A defers to A (NumPy does not make an object array)

    def __init__(
        self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]
    ) -> None:
        self.data, self.indices, self.indptr = data, indices, indptr
        self.shape = (int(shape[0]), int(shape[1]))

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    def col_ids(self) -> np.ndarray:
        """The column of every stored entry (storage order)."""
        return np.repeat(np.arange(self.shape[1], dtype=np.int32), np.diff(self.indptr))

    def __matmul__(self, x: Any) -> np.ndarray:
        """y_i = sum_j a_ij x_j, the terms of a row added in storage order (column by
        column, as scipy's csc_matvec)."""
        if not (isinstance(x, np.ndarray) and x.ndim == 1 and len(x) == self.shape[1]):
            return self.tocsc() @ x
        w = self.data * x[self.col_ids()]
        return _floats(np.bincount(self.indices, weights=w, minlength=self.shape[0]))

    def tocsc(self) -> Any:
        """The same matrix as a scipy ``csc_array`` (sharing the arrays)."""
        import scipy.sparse as sp

        return sp.csc_array((self.data, self.indices, self.indptr), shape=self.shape)

    def tocsr(self) -> Any:
        return self.tocsc().tocsr()

    def toarray(self) -> np.ndarray:
        return np.asarray(self.tocsc().toarray())

    def __getitem__(self, key: Any) -> Any:
        return self.tocsc()[key]


def _stable_order_in_place(col: np.ndarray) -> np.ndarray:
    """``argsort(col, kind="stable")``, written over the int64 array ``col``: the values
    col[e] 2^s + e (unique keys; s bits for the positions e, col < 2^31 and e < 2^31) are
    sorted in place and masked to e. Sorting values moves less memory than an indirect
    sort, and no array is allocated (the same permutation)."""
    n = len(col)
    s = max(1, (n - 1).bit_length())
    col <<= s
    for a in range(0, n, SORT_BLOCK):  # + e, without an n-sized arange
        col[a : a + SORT_BLOCK] |= np.arange(a, min(a + SORT_BLOCK, n), dtype=np.int64)
    col.sort(kind="stable")
    col &= (1 << s) - 1
    return col


def csc_from_triplets(
    row: np.ndarray,
    col: np.ndarray,
    val: np.ndarray,
    shape: tuple[int, int],
    overwrite_col: bool = False,
) -> CscMatrix:
    """A = the sum of the triplets (a_ij = sum of val[e] over the e with (row[e], col[e]) =
    (i, j)) in canonical CSC form with int32 indices: entries ordered by column stably (the
    order scipy's COO -> CSC counting sort gives); only when some column's rows are then not
    strictly ascending are they sorted and duplicates summed, in their given order (scipy
    sums an entry given three or more times in its sort's order, so such a sum may differ in
    the last bit; no family of the model gives an entry twice); entries equal to zero are
    dropped (scipy's ``eliminate_zeros``). ``overwrite_col``: an int64 ``col`` may be used
    as the sort's work array (its values are lost)."""
    n_rows, n_cols = shape
    row = row.astype(np.int32, copy=False)
    key = col if overwrite_col and col.dtype == np.int64 else col.astype(np.int64)
    indptr = _indptr(key, n_cols)
    order = _stable_order_in_place(key)
    indices, data = row[order], val[order]
    del order, key
    return _canonical(indptr, indices, data, shape)


TripletBlock = tuple[np.ndarray, int, np.ndarray, np.ndarray]  # (row, row offset, col, val)
_ZERO = np.zeros(1, dtype=np.intp)
RUNS_PER_ENTRY = 1 / 64  # a block with more nondecreasing runs is sorted on its own first


def _run_starts(col: np.ndarray) -> np.ndarray:
    """0, the starts of col's maximal nondecreasing runs, len(col)."""
    return np.r_[0, np.flatnonzero(col[1:] < col[:-1]) + 1, len(col)]


def _placed(col: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    """Where the entries of a nondecreasing run go in a stable counting sort by column: the
    entries of column c to nxt[c], nxt[c] + 1, ... in their order (dest[e] = nxt[c] + e -
    first[c]); nxt[c] advanced by their number."""
    first = np.flatnonzero(col[1:] != col[:-1])
    first += 1
    first = np.concatenate((_ZERO, first))
    length = np.diff(first, append=len(col))
    c = col[first]
    dest = np.repeat(nxt[c] - first, length)
    dest += np.arange(len(col), dtype=dest.dtype)
    nxt[c] += length
    return dest


def _concatenated(
    blocks: list[TripletBlock], total: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row + r0, col, val) of the blocks one after another: int32 rows, int64 columns (the
    sort's work array), float64 values, each block written into place."""
    row, col, val = np.empty(total, np.int32), np.empty(total, np.int64), np.empty(total)
    at = 0
    for r, r0, c, v in blocks:
        k = len(v)
        np.add(r, r0, out=row[at : at + k], casting="unsafe")
        col[at : at + k], val[at : at + k] = c, v
        at += k
    return row, col, val


def csc_from_blocks(blocks: list[TripletBlock], shape: tuple[int, int]) -> CscMatrix:
    """:func:`csc_from_triplets` of the blocks' triplets one after another (rows row + r0),
    without concatenating them: a stable counting sort by column writes each entry straight
    into place (the same order as the stable sort), run by nondecreasing run of a block's
    columns; a block of many runs is stably sorted by column on its own first. Below
    :data:`PLACE_MIN_NNZ` entries the blocks are concatenated and sorted instead (fewer
    passes; the fresh pages of the copies cost little there): the same matrix."""
    total = sum(len(val) for _, _, _, val in blocks)
    if total < PLACE_MIN_NNZ:
        return csc_from_triplets(*_concatenated(blocks, total), shape, overwrite_col=True)
    n_rows, n_cols = shape
    counts = np.zeros(n_cols, dtype=np.int64)
    for _, _, col, _ in blocks:
        counts += np.bincount(col, minlength=n_cols)
    indptr = np.zeros(n_cols + 1, dtype=np.int32)
    indptr[1:] = np.cumsum(counts, out=counts)
    nxt = indptr[:-1].copy()
    indices, data = np.empty(int(indptr[-1]), np.int32), np.empty(int(indptr[-1]))
    for row, r0, col, val in blocks:
        starts = _run_starts(col)
        if len(starts) > 2 + RUNS_PER_ENTRY * len(col):
            order = np.argsort(col, kind="stable")
            row, col, val, starts = row[order], col[order], val[order], starts[[0, -1]]
        for a, b in zip(starts[:-1].tolist(), starts[1:].tolist()):
            for c in range(a, b, PLACE_BLOCK):  # a run's pieces in order: cache-sized work
                e = min(c + PLACE_BLOCK, b)
                dest = _placed(col[c:e], nxt)
                indices[dest] = row[c:e] + r0 if r0 else row[c:e]
                data[dest] = val[c:e]
    return _canonical(indptr, indices, data, shape)


def _canonical(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, shape: tuple[int, int]
) -> CscMatrix:
    """The CSC of entries ordered by column stably made canonical: rows sorted and
    duplicates summed only when some column's rows are not strictly ascending, zeros
    dropped."""
    n_rows, n_cols = shape
    if not _ascending(indptr, indices):
        cols = np.repeat(np.arange(n_cols, dtype=np.int32), np.diff(indptr))
        cols, indices, data = _sum_duplicates(cols, indices, np.asarray(data, float), n_rows)
        indptr = _indptr(cols, n_cols)
    if not data.all():  # some entry is 0 (a reduction: no entry-sized mask unless so)
        keep = data != 0
        cols = np.repeat(np.arange(n_cols, dtype=np.int32), np.diff(indptr))[keep]
        indices, data, indptr = indices[keep], data[keep], _indptr(cols, n_cols)
    return CscMatrix(data, indices.astype(np.int32, copy=False), indptr, (n_rows, n_cols))


class OnesCsr:
    """A substitution S (see the module docstring): ``shape``, ``indptr``, ``indices``,
    ``data``; ``S @ x`` and ``v @ S`` for vectors."""

    __array_ufunc__ = None  # ndarray @ S defers to S.__rmatmul__

    def __init__(
        self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]
    ) -> None:
        self.data, self.indices, self.indptr = data, indices, indptr
        self.shape = (int(shape[0]), int(shape[1]))

    @classmethod
    def of_ones(cls, r: np.ndarray, c: np.ndarray, shape: tuple[int, int]) -> OnesCsr:
        """The 0/1 matrix with ones at (r[e], c[e]): entries ordered by row stably (as
        scipy's COO -> CSR), then made canonical (columns ascending within a row, an entry
        given k times stored once as k) only when they are not."""
        indptr = _indptr(r, shape[0])
        indices = c[np.argsort(r, kind="stable")].astype(np.int32)
        data = np.ones(len(r))
        if not _ascending(indptr, indices):
            rows, indices, data = _sum_duplicates(
                np.asarray(r, np.int64), np.asarray(c, np.int32), np.ones(len(r)), shape[1]
            )
            indptr = _indptr(rows, shape[0])
        return cls(data, indices.astype(np.int32, copy=False), indptr, shape)

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.shape[0], dtype=np.int32), np.diff(self.indptr))

    def __matmul__(self, x: Any) -> np.ndarray:
        """(S x)_i = sum_k s_ik x_k, in storage order (scipy's csr_matvec)."""
        if not (isinstance(x, np.ndarray) and x.ndim == 1 and len(x) == self.shape[1]):
            return self.tocsr() @ x
        w = self.data * x[self.indices]
        return _floats(np.bincount(self.row_ids(), weights=w, minlength=self.shape[0]))

    def __rmatmul__(self, v: Any) -> np.ndarray:
        """(v S)_k = sum_i v_i s_ik, rows in order (scipy's product with S transposed)."""
        if not (isinstance(v, np.ndarray) and v.ndim == 1 and len(v) == self.shape[0]):
            return v @ self.tocsr()
        w = self.data * v[self.row_ids()]
        return _floats(np.bincount(self.indices, weights=w, minlength=self.shape[1]))

    def tocsr(self) -> Any:
        """The same matrix as a scipy ``csr_array`` (sharing the arrays)."""
        import scipy.sparse as sp

        return sp.csr_array((self.data, self.indices, self.indptr), shape=self.shape)

    def toarray(self) -> np.ndarray:
        return np.asarray(self.tocsr().toarray())


__all__ = ["CscMatrix", "OnesCsr", "csc_from_blocks", "csc_from_triplets"]

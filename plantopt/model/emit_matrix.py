"""Matrix emitter: the families as one sparse MILP for HiGHS (the default build).

Row blocks in :func:`plantopt.model.build.build_families` order: each period's rows as
A_f S_t (local triplets mapped to the global columns), then the global rows. The named
objectives become cost rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plantopt.model.build import Families
from plantopt.model.family import Family
from plantopt.model.matrix_form import MatrixModel
from plantopt.model.sparse import OnesCsr, csc_from_triplets


def constraint_families(fams: Families) -> list[Family]:
    """Every constraint family with rows, in row order: each period's rows, then the global
    rows."""
    out = [f for per in fams.periods for f in per.rows if f.n]
    return out + [f for f in fams.global_rows if f.n]


def row_blocks(fams: Families) -> list[tuple[Family, Any]]:
    """(family, its rows over the global columns as a scipy ``csr_array``) of every
    constraint family with rows."""
    n_local = fams.layout.local().n_cols
    out = []
    for per in fams.periods:
        for f in per.rows:
            if f.n:  # with one period S is the identity
                m = f.matrix(n_local)
                out.append((f, m @ per.subst.tocsr() if fams.multi else m))
    for f in fams.global_rows:
        if f.n:
            out.append((f, f.matrix(fams.layout.n_cols)))
    return out


_Triplets = tuple[np.ndarray, np.ndarray, np.ndarray]


def _through(subst: OnesCsr, row: np.ndarray, col: np.ndarray, val: np.ndarray) -> _Triplets:
    """Triplets over local columns mapped to global ones: (r, c, v) -> (r, c', v s_cc') for
    every entry (c, c', s_cc') of S_t."""
    ptr = subst.indptr
    start, length = ptr[col], ptr[col + 1] - ptr[col]
    rep = np.repeat(np.arange(len(col)), length)
    pos = start[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(length) - length, length))
    return row[rep], subst.indices[pos], val[rep] * subst.data[pos]


def global_triplets(fams: Families) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Family]]:
    """(row, col, val) of every constraint row over the global columns, rows numbered in
    :func:`row_blocks` order, and the families with rows in that order.

    Row indices are int32 (what HiGHS takes), column indices int64 (the work array of the
    CSC's sort, :func:`~plantopt.model.sparse.csc_from_triplets`); each family's triplets
    are written into place in arrays of the final size (no list of copies, no
    concatenation)."""
    blocks: list[tuple[Family, OnesCsr | None, int]] = []
    r0 = 0
    for per in fams.periods:
        for f in per.rows:
            if f.n:
                blocks.append((f, per.subst if fams.multi else None, r0))
                r0 += f.n
    for f in fams.global_rows:
        if f.n:
            blocks.append((f, None, r0))
            r0 += f.n
    sizes = [len(f.val) if s is None else int(np.diff(s.indptr)[f.col].sum()) for f, s, _ in blocks]
    total = int(sum(sizes))
    row, col, val = np.empty(total, np.int32), np.empty(total, np.int64), np.empty(total)
    at = 0
    for (f, s, r0), k in zip(blocks, sizes):
        if s is None:  # written into place (no row + r0 temporary)
            np.add(f.row, r0, out=row[at : at + k], casting="unsafe")
            col[at : at + k], val[at : at + k] = f.col, f.val
        else:
            row[at : at + k], col[at : at + k], val[at : at + k] = _through(
                s, f.row + r0, f.col, f.val
            )
        at += k
    return row, col, val, [f for f, _, _ in blocks]


def _read_only(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.flags.writeable = False
    return v


def emit_matrix(fams: Families, objectives: list[str]) -> MatrixModel:
    """The model in matrix form with the named objectives (all maximised) as cost rows."""
    row, col, val, used = global_triplets(fams)
    n = fams.layout.n_cols
    lower = np.concatenate([f.lower for f in used]) if used else np.zeros(0)
    upper = np.concatenate([f.upper for f in used]) if used else np.zeros(0)
    a = csc_from_triplets(row, col, val, (len(lower), n), overwrite_col=True)
    del row, col, val
    return MatrixModel(
        a_csc=a,
        row_lower=lower,
        row_upper=upper,
        col_lower=_read_only(fams.col_lower),  # views, not copies (3.7 MiB each on XL)
        col_upper=_read_only(fams.col_upper),
        costs=np.vstack([fams.objectives[o] for o in objectives]),
        offsets=np.zeros(len(objectives)),
        maximize=True,
        integrality=fams.layout.integrality(),
        columns=[],
        objective_names=list(objectives),
        row_names=[],
    )


__all__ = [
    "constraint_families",
    "csc_from_triplets",
    "emit_matrix",
    "global_triplets",
    "row_blocks",
]

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
from plantopt.model.sparse import OnesCsr, TripletBlock, csc_from_blocks, csc_from_triplets


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


def triplet_blocks(fams: Families) -> tuple[list[TripletBlock], list[Family]]:
    """(row, row offset, col, val) of every constraint family with rows over the global
    columns, rows numbered in :func:`row_blocks` order (a family's rows are row + offset),
    and the families with rows in that order; a single period's families are passed as
    they are (no copies)."""
    blocks: list[TripletBlock] = []
    used: list[Family] = []
    r0 = 0
    for per in fams.periods:
        for f in per.rows:
            if f.n:
                if fams.multi:
                    row, col, val = _through(per.subst, f.row + r0, f.col, f.val)
                    blocks.append((row, 0, col, val))
                else:
                    blocks.append((f.row, r0, f.col, f.val))
                used.append(f)
                r0 += f.n
    for f in fams.global_rows:
        if f.n:
            blocks.append((f.row, r0, f.col, f.val))
            used.append(f)
            r0 += f.n
    return blocks, used


def _read_only(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.flags.writeable = False
    return v


def emit_matrix(fams: Families, objectives: list[str]) -> MatrixModel:
    """The model in matrix form with the named objectives (all maximised) as cost rows."""
    blocks, used = triplet_blocks(fams)
    n = fams.layout.n_cols
    lower = np.concatenate([f.lower for f in used]) if used else np.zeros(0)
    upper = np.concatenate([f.upper for f in used]) if used else np.zeros(0)
    a = csc_from_blocks(blocks, (len(lower), n))
    del blocks
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
    "row_blocks",
    "triplet_blocks",
]

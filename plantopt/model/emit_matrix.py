"""Matrix emitter: the families as one sparse MILP for HiGHS (the default build).

Row blocks in :func:`plantopt.model.build.build_families` order: each period's rows as
A_f S_t (local triplets mapped to the global columns), then the global rows. The named
objectives become cost rows.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from plantopt.model.build import Families
from plantopt.model.family import Family
from plantopt.model.matrix_form import MatrixModel


def row_blocks(fams: Families) -> list[tuple[Family, sp.csr_array]]:
    """(family, its rows over the global columns) of every constraint family with rows."""
    n_local = fams.layout.local().n_cols
    out = []
    for per in fams.periods:
        for f in per.rows:
            if f.n:  # with one period S is the identity
                m = f.matrix(n_local)
                out.append((f, m @ per.subst if fams.multi else m))
    for f in fams.global_rows:
        if f.n:
            out.append((f, f.matrix(fams.layout.n_cols)))
    return out


def emit_matrix(fams: Families, objectives: list[str]) -> MatrixModel:
    """The model in matrix form with the named objectives (all maximised) as cost rows."""
    blocks = row_blocks(fams)
    n = fams.layout.n_cols
    lower = np.concatenate([f.lower for f, _ in blocks]) if blocks else np.zeros(0)
    upper = np.concatenate([f.upper for f, _ in blocks]) if blocks else np.zeros(0)
    if blocks:
        a = sp.vstack([m for _, m in blocks], format="csr")
        del blocks[:]  # free the blocks before the CSC copy
        a.sum_duplicates()
        a = a.tocsc()
    else:
        a = sp.csc_array((0, n))
    return MatrixModel(
        a_csc=a,
        row_lower=lower,
        row_upper=upper,
        col_lower=fams.col_lower.copy(),
        col_upper=fams.col_upper.copy(),
        costs=np.vstack([fams.objectives[o] for o in objectives]),
        offsets=np.zeros(len(objectives)),
        maximize=True,
        integrality=fams.layout.integrality(),
        columns=[],
        objective_names=list(objectives),
        row_names=[],
    )


__all__ = ["emit_matrix", "row_blocks"]

"""The MILP in matrix form, as every build produces it and the solver module consumes it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the command line names these types without NumPy
    import numpy as np
    import scipy.sparse as sp

    from plantopt.model.sparse import CscMatrix

INF = math.inf  # HiGHS reads +-inf as kHighsInf
OBJECTIVES = ("recovery", "profit", "npv")


@dataclass
class MatrixModel:
    """A MILP in matrix form: max/min c x + offset, row_lower <= A x <= row_upper."""

    a_csc: CscMatrix | sp.csc_array  # (rows x cols); the emitter's is a CscMatrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    costs: np.ndarray  # (objectives x cols), one row per declared objective
    offsets: np.ndarray
    maximize: bool
    integrality: np.ndarray  # int32: 0 continuous, 1 integer
    columns: list = field(default_factory=list)  # Pyomo VarData per column
    objective_names: list[str] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)  # Pyomo constraint names, if compiled

    @property
    def shape(self) -> tuple[int, int, int]:
        """(rows, columns, nonzeros)."""
        return (int(self.a_csc.shape[0]), int(self.a_csc.shape[1]), int(self.a_csc.nnz))

"""What goes into and comes out of a solve: options, status, the matrix form, the raw solution.

Free of solver imports, so the command line and the instance layer can name them cheaply.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plantopt.model.matrix_form import INF, MatrixModel  # noqa: F401  (re-exported)
from plantopt.solver.deadline import Deadline

if TYPE_CHECKING:  # annotations only: ``plantopt --help`` imports this module, not NumPy
    import numpy as np

#: file suffixes ``--write-model`` accepts (HiGHS picks the format from the suffix)
MODEL_FILE_SUFFIXES = (".mps", ".lp")


class SolveStatus(enum.StrEnum):
    """Outcome of a solve, as scripts see it."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a solution with a gap (time limit or gap reached)
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class SolveOptions:
    """Solver options; ``None`` leaves the solver default."""

    solver: str = "highs"
    build: str = "matrix"  # "matrix": vectorised build; "pyomo": via the Pyomo model
    time_limit_s: float | None = None
    mip_rel_gap: float | None = 1e-6
    threads: int | None = None
    random_seed: int = 0
    tie_break: bool = True
    tie_break_rel_tol: float = 1e-7
    #: CPU budget of the tie-break stage (MIP): this multiple of the primary stage's solve CPU
    #: time, at least ``tie_break_min_s`` CPU seconds; None: only the time limit bounds it.
    #: CPU time of this process, so the plan does not depend on how busy the machine is.
    #: The stage starts from the primary solution, so stopping it early keeps a
    #: primary-optimal plan; the summary says whether the secondary objective was proven
    #: optimal, with its gap. Default None (exact: the stage runs to the end): measured on
    #: generated M, a 0.3 budget kept 2.10 of the 38.47 M EUR/yr the exact stage finds.
    tie_break_budget: float | None = None
    tie_break_min_s: float = 0.25
    log_to_console: bool = False
    #: the command's deadline (load to extraction); the solver gets what is left of it
    deadline: Deadline | None = None
    write_model: str | None = None  # write the model handed to HiGHS here (.mps or .lp)


@dataclass
class RawSolution:
    status: SolveStatus
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    solve_s: float
    message: str = ""
    secondary_objective: float | None = None
    node_count: int = 0
    #: the tie-break stage: ``tie_break_summary`` (status, secondary bound and gap, budget)
    tie_break: dict[str, object] | None = None

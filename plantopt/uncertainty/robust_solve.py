"""Solving an extensive form and reading it back: scenario values, targets met, highest alpha."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from plantopt.instance.instance import Instance
from plantopt.model.build import Families
from plantopt.model.matrix_form import MatrixModel
from plantopt.solver.types import RawSolution, SolveOptions, SolveStatus
from plantopt.uncertainty.robust_ef import Extensive, extensive_form

TARGET_TOL = 1e-6  # t/yr: a target row value above -tol counts as met


@dataclass
class Solved:
    """One solve of an extensive form: status, objective and the solution split back."""

    ef: Extensive
    raw: RawSolution

    @property
    def ok(self) -> bool:
        return self.raw.status.has_solution and self.raw.x is not None

    @property
    def objective(self) -> float:
        return float(self.raw.objective) if self.ok and self.raw.objective is not None else -np.inf

    def x(self, s: int) -> np.ndarray:
        assert self.raw.x is not None
        return self.ef.scenario_x(self.raw.x, s)

    def first(self) -> np.ndarray:
        return self.x(0)[self.ef.first]


@dataclass
class RobustResult:
    solved: Solved
    nominal_x: np.ndarray
    scenarios: list[Any]
    families: list[Families]
    nominal_families: Families
    instance: Instance
    summary: dict[str, Any] = field(default_factory=dict)


def solve_ef(ef: Extensive, options: SolveOptions) -> Solved:
    """HiGHS on the extensive form. Sampled node coefficients can be tiny (products of many
    transfer coefficients, ~1e-9): HiGHS's presolve then sometimes declares a feasible MILP
    infeasible (seen on an nl-2027 scenario that solves to optimality without presolve), so
    an 'infeasible' answer is checked once more with presolve off."""
    from plantopt.solver.highs import solve_matrix

    raw = solve_matrix(ef.mm, options)
    if raw.status == SolveStatus.INFEASIBLE:
        again = _without_presolve(ef.mm, options)
        if again.status.has_solution:
            again.message += "; HiGHS presolve said infeasible, solved without presolve"
            raw = again
    return Solved(ef, raw)


def solve_ef_from(ef: Extensive, options: SolveOptions, start: np.ndarray) -> Solved:
    """HiGHS on the extensive form from a feasible start (the first MIP incumbent)."""
    import time

    import highspy

    from plantopt.solver.highs import _new_highs, _pass, _read

    started = time.perf_counter()
    h = _new_highs(options)
    _pass(h, ef.mm, ef.mm.costs[0], float(ef.mm.offsets[0]))
    sol = highspy.HighsSolution()
    sol.col_value = list(np.asarray(start, dtype=np.float64))
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    return Solved(ef, _read(h, True, started))


def cvar_start(exact: Extensive, cvar: Solved) -> np.ndarray | None:
    """A start for the exact chance form from a solution of its CVaR approximation: the same
    first and second stage, z[s] (z[s, t]) = 1 where the scenario misses (that target).
    Feasible: the CVaR rows imply the chance constraint in sample, and z = 1 frees a row."""
    if not cvar.ok:
        return None
    start = np.zeros(exact.mm.a_csc.shape[1])
    n = min(exact.risk_cols["z"].min(), cvar.ef.risk_cols["u"].min())
    assert cvar.raw.x is not None
    start[:n] = cvar.raw.x[:n]
    z = exact.risk_cols["z"]
    for s, f in enumerate(exact.families):
        missed = ~targets_met(f, cvar.x(s))
        start[z[s]] = missed.any() if z.shape[1] == 1 else missed
    return start


def _without_presolve(mm: MatrixModel, options: SolveOptions) -> RawSolution:
    import time

    from plantopt.solver.highs import _new_highs, _pass, _read

    started = time.perf_counter()
    h = _new_highs(options)
    _pass(h, mm, mm.costs[0], float(mm.offsets[0]))
    h.setOptionValue("presolve", "off")
    h.run()
    return _read(h, bool(mm.integrality.any()), started)


def targets_met(fams: Families, x: np.ndarray) -> np.ndarray:
    """Per enforced target row (all periods): is target_num - R target_den >= -tol at x?"""
    vals = []
    for per in fams.periods:
        xt = x if not fams.multi else np.asarray(per.subst @ x).ravel()
        for f in per.rows:
            if f.name == "target_ratio":
                assert f.lower is not None
                vals.append(f.value(xt) >= f.lower - TARGET_TOL)
    return np.concatenate(vals) if vals else np.zeros(0, dtype=bool)


def target_labels(fams: Families) -> list[str]:
    return [
        str(i)
        for per in fams.periods
        for f in per.rows
        if f.name == "target_ratio"
        for i in f.index
    ]


def scenario_table(solved: Solved, objective: str) -> list[dict[str, Any]]:
    """Per training scenario: objective value and whether all enforced targets are met."""
    out = []
    for s, f in enumerate(solved.ef.families):
        xs = solved.x(s)
        met = targets_met(f, xs)
        out.append(
            {
                "scenario": s,
                objective: float(f.objectives[objective] @ xs),
                "all_targets_met": bool(met.all()),
                "targets_missed": [lab for lab, ok in zip(target_labels(f), met) if not ok],
            }
        )
    return out


def nominal_plan(fams: Families, objective: str, stage: str, options: SolveOptions) -> Solved:
    """The deterministic plan: the nominal scenario alone, targets enforced."""
    return solve_ef(extensive_form([fams], objective, stage), options)


def highest_alpha(
    fams: list[Families], objective: str, stage: str, per_target: bool, options: SolveOptions
) -> dict[str, Any]:
    """min sum_s p_s z_s over the extensive form: the highest reachable alpha and what blocks."""
    ef = extensive_form(fams, objective, stage, alpha=0.0, per_target=per_target)
    z = ef.z.reshape(len(fams), -1)
    ef.mm.costs[0] = 0.0
    ef.mm.costs[0][z.ravel()] = -np.repeat(ef.weights, z.shape[1]) / z.shape[1]
    sol = solve_ef(ef, options)
    if not sol.ok:
        return {"alpha_max": None, "status": sol.raw.status.value, "message": sol.raw.message}
    missed: dict[str, int] = {}
    n_met = 0
    for s, f in enumerate(fams):
        met = targets_met(f, sol.x(s))
        n_met += int(met.all())
        for lab, ok in zip(target_labels(f), met):
            if not ok:
                missed[lab] = missed.get(lab, 0) + 1
    return {
        "alpha_max": n_met / len(fams),
        "blocking_targets": {k: v / len(fams) for k, v in sorted(missed.items())},
    }


__all__ = [
    "RobustResult",
    "Solved",
    "highest_alpha",
    "nominal_plan",
    "scenario_table",
    "cvar_start",
    "solve_ef",
    "solve_ef_from",
    "targets_met",
]

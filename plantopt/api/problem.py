"""The problem a solve works on: an instance with its families, and its Pyomo model when the
model is built through Pyomo (``build="pyomo"``, another solver, or a model passed in)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from plantopt.instance.instance import Instance
from plantopt.instance.loader import load_instance
from plantopt.model.build import Families
from plantopt.model.emit_matrix import emit_matrix
from plantopt.model.matrix_form import OBJECTIVES, MatrixModel
from plantopt.model.pipeline import families_of
from plantopt.routetree.tree import build_route_tree
from plantopt.solver.deadline import Deadline
from plantopt.solver.types import RawSolution, SolveOptions

#: phases that do not start once the command's deadline has passed (issue 13)
STOP_BEFORE = ("route_tree", "build", "handoff")


@dataclass
class Clock:
    """Seconds per phase of a solve; with a deadline, the phases of STOP_BEFORE do not start
    once it has passed (:class:`~plantopt.solver.deadline.TimeLimitReached`)."""

    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    deadline: Deadline | None = None

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self.deadline is not None:
            if name in STOP_BEFORE:
                self.deadline.check(name)
            self.deadline.enter(name)
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": time.perf_counter() - self.started}


@dataclass
class Problem:
    instance: Instance
    fams: Families
    objective: str
    model: Any = None  # pyomo ConcreteModel, when built through Pyomo

    def objectives(self, tie_break: bool) -> list[str]:
        """The primary objective, then (tie-break) the others in declaration order."""
        rest = [o for o in OBJECTIVES if o != self.objective] if tie_break else []
        return [self.objective, *rest]

    def handoff(self, objectives: list[str], options: SolveOptions) -> MatrixModel | None:
        """The matrix form for HiGHS: emitted from the families, or compiled from the Pyomo
        model (which may hold the user's own components); None for other solvers."""
        if self.model is None:
            return emit_matrix(self.fams, objectives)
        if options.solver != "highs":
            return None
        from plantopt.solver.highs import compile_model

        return compile_model(self.model, objectives)

    def solution_x(self, mm: MatrixModel | None, raw: RawSolution) -> np.ndarray | None:
        """The solution over the families' global columns, or None without one."""
        if not raw.status.has_solution:
            return None
        if self.model is None:
            return raw.x
        if mm is not None and raw.x is not None:
            for var, value in zip(mm.columns, raw.x):
                var.set_value(float(value), skip_validation=True)
        return np.array([v.value or 0.0 for v in self.model.plantopt_columns])


def prepare(target: Any, objective: str | None, options: SolveOptions, clock: Clock) -> Problem:
    """Load (unless given), route tree, families, and the Pyomo model when it is needed."""
    if hasattr(target, "plantopt_families"):  # a built Pyomo model, maybe extended
        from plantopt.model.emit_pyomo import active_objective, set_objective

        if objective is not None:
            set_objective(target, objective)
        return Problem(
            target.plantopt_instance, target.plantopt_families, active_objective(target), target
        )
    with clock.phase("load"):
        instance = (
            target
            if isinstance(target, Instance)
            else load_instance(None if target is None else Path(target))
        )
    name = objective or instance.manifest.objective or "recovery"
    if name not in OBJECTIVES:
        raise ValueError(f"unknown objective {name!r}; expected one of {OBJECTIVES}")
    with clock.phase("route_tree"):
        tree = build_route_tree(instance)
    with clock.phase("build"):
        fams = families_of(instance, tree)
        model = None
        if options.build == "pyomo" or options.solver != "highs":
            from plantopt.model.pipeline import build_model

            model = build_model(instance, name, families=fams)
    return Problem(instance, fams, name, model)


__all__ = ["Clock", "Problem", "prepare"]

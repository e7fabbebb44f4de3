"""The Python API: load, build, solve and read results, with timings per phase.

    inst = plantopt.load_instance("instances/nl-2027")
    res = plantopt.solve(inst, objective="profit", time_limit_s=60)
    res["recovery"]        # tidy DataFrame
    res.save("out/nl-2027")

or build the Pyomo model first, add constraints, then solve it:

    model = plantopt.build_model(inst)
    model.my_cut = pyo.Constraint(expr=model.accept["ev_lfp"] <= 500)
    res = plantopt.solve(model)

One pipeline: load -> route tree -> model data -> families -> emit (matrix form, or the Pyomo
model) -> solve -> :class:`~plantopt.results.solution.Solution` -> tables -> summary.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from plantopt.api.problem import Clock, Problem, prepare
from plantopt.api.summary import summary_of, versions
from plantopt.api.tables import result_tables
from plantopt.instance.instance import Instance
from plantopt.model.matrix_form import MatrixModel
from plantopt.results.solution import read_solution
from plantopt.results.tables import Result
from plantopt.solver.types import RawSolution, SolveOptions, SolveStatus


def solve(
    target: Instance | str | Path | Any = None,
    objective: str | None = None,
    options: SolveOptions | None = None,
    diagnose: bool = True,
    **option_overrides: Any,
) -> Result:
    """Solve an instance (object, folder, or None for the packaged default) or a built model.

    ``option_overrides`` are fields of :class:`SolveOptions` (``time_limit_s``,
    ``mip_rel_gap``, ``threads``, ``random_seed``, ``tie_break``, ``solver``, ``build``), or
    levers, requirements and floors (``capex_subsidy=0.3``, ``capex_subsidy_for={"hydromet":
    0.4}``, ``require=["hydromet"]``, ``forbid=["lead_smelter"]``, ``recovery_floor``,
    ``profit_floor``, ``target_year``; :mod:`plantopt.business.setup`). An
    instance is emitted straight into matrices (``build="matrix"``, the default with HiGHS)
    or as the Pyomo model (``build="pyomo"``, or any other solver); a Pyomo model passed in
    (e.g. with user constraints) is solved as it is. The :class:`Result` carries status,
    objective, bound, gap, timings per phase and tables (compliance with the EU targets in
    force, offtake contracts, the business case); the instance is never modified. When the
    solve is infeasible and ``diagnose`` is true (HiGHS), an elastic re-solve explains why
    (naming the period with several): ``summary["diagnosis"]`` and the table ``diagnosis``.
    """
    target = _apply_setup(target, option_overrides)
    options = replace(options or SolveOptions(), **option_overrides)
    if options.build not in ("matrix", "pyomo"):
        raise ValueError(f"unknown build {options.build!r}; expected 'matrix' or 'pyomo'")
    clock = Clock(deadline=options.deadline)
    problem = prepare(target, objective, options, clock)
    with clock.phase("handoff"):
        mm = problem.handoff(problem.objectives(options.tie_break), options)
    if options.deadline is not None:
        options.deadline.check_solver_time("solve")
    raw = _run(problem, mm, options)
    clock.timings["solve"] = raw.solve_s
    tables, parts = _tables(problem, mm, raw, clock)
    diagnosis = _diagnose(problem, raw, options, clock) if diagnose else None
    return _result(problem, raw, options, clock, _size(mm), tables, parts, diagnosis)


def _result(
    problem: Problem,
    raw: RawSolution,
    options: SolveOptions,
    clock: Clock,
    size: dict[str, int],
    tables: dict[str, Any],
    parts: tuple[Any, Any] | None,
    diagnosis: Any,
) -> Result:
    """The :class:`Result`: tables (with the diagnosis table), summary, plan warnings."""
    from plantopt.results.warnings import plan_warnings

    if diagnosis is not None:
        tables["diagnosis"] = diagnosis.table()
    summary = summary_of(
        problem.instance,
        problem.fams,
        raw,
        problem.objective,
        options,
        clock.total(),
        size,
        tables,
        parts,
    )
    if diagnosis is not None:
        summary["diagnosis"] = diagnosis.messages
    summary["plan_warnings"] = plan_warnings(summary, tables)
    return Result(
        status=raw.status,
        objective_name=problem.objective,
        objective=raw.objective,
        bound=raw.bound,
        gap=raw.gap,
        timings_s=summary["timings_s"],
        summary=summary,
        tables=tables,
        message=raw.message,
        instance=problem.instance,
    )


def _apply_setup(target: Any, option_overrides: dict[str, Any]) -> Any:
    """Pop levers, requirements and floors from ``option_overrides`` and apply them to a
    validated copy of the instance (:mod:`plantopt.business.setup`); else ``target``."""
    from plantopt.business.setup import SETUP_ARGS, with_setup

    setup = {k: option_overrides.pop(k) for k in list(option_overrides) if k in SETUP_ARGS}
    if not setup:
        return target
    if target is not None and not isinstance(target, (Instance, str, Path)):
        raise ValueError(
            f"{', '.join(setup)}: levers and requirements apply to an "
            "instance, not to a built model"
        )
    from plantopt.instance.loader import load_instance

    base = target if isinstance(target, Instance) else load_instance(target)
    return with_setup(base, **setup)


def _tables(
    problem: Problem, mm: MatrixModel | None, raw: RawSolution, clock: Clock
) -> tuple[dict[str, Any], tuple[Any, Any] | None]:
    """Result tables and (compliance, business-case) summaries; empty without a solution."""
    with clock.phase("extract"):
        x = problem.solution_x(mm, raw)
        if x is None:
            return {}, None
        tables, reg, case = result_tables(
            problem.instance, problem.fams, read_solution(problem.fams, x)
        )
        return tables, (reg, case)


def _run(problem: Problem, mm: MatrixModel | None, options: SolveOptions) -> RawSolution:
    from plantopt.solver.highs import solve_matrix, solve_with_pyomo_solver

    if mm is not None:
        return solve_matrix(mm, options)
    return solve_with_pyomo_solver(problem.model, options)


def _size(mm: MatrixModel | None) -> dict[str, int]:
    if mm is None:
        return {}
    rows, cols, nnz = mm.shape
    return {
        "rows": rows,
        "columns": cols,
        "nonzeros": nnz,
        "integer_columns": int(mm.integrality.sum()),
    }


def _diagnose(problem: Problem, raw: RawSolution, options: SolveOptions, clock: Clock) -> Any:
    """The elastic diagnosis of an infeasible solve (HiGHS), else None."""
    if raw.status != SolveStatus.INFEASIBLE or options.solver != "highs":
        return None
    from pyomo.common.errors import InfeasibleConstraintException

    from plantopt.regulation.diagnosis import diagnose as run_diagnosis

    with clock.phase("diagnosis"):
        try:
            return run_diagnosis(problem.instance, problem.fams.data.tree, options)
        except InfeasibleConstraintException as exc:  # a row without decisions (issue 13)
            raw.message += (
                f"; no diagnosis: a constraint holds no decision and cannot be "
                f"met ({exc}); e.g. a profit floor when nothing earns money"
            )
            return None


def model_size(model: Any) -> dict[str, int]:
    """Rows, columns, nonzeros and integer columns of a built Pyomo model."""
    from plantopt.model.emit_pyomo import active_objective
    from plantopt.solver.highs import compile_model

    return _size(compile_model(model, [active_objective(model)]))


__all__ = ["SolveOptions", "SolveStatus", "model_size", "solve", "versions"]

"""The one module that talks to a solver.

Default path: Pyomo's linear standard-form compiler turns the model into sparse matrices,
which are handed to HiGHS through ``highspy`` in one call (no per-component interface
overhead). Any other Pyomo solver can be chosen by name; it then goes through
``SolverFactory``.

Ties are broken lexicographically: after the primary objective z1 is solved, the row
``c1 x >= z1 - tol`` is added to the same HiGHS model and the secondary objective (profit
after recovery, recovery after profit) is maximised, warm-started from the first incumbent,
bounded by the time left and without the sub-MIP heuristics (the incumbent is already
primary-optimal). By default the stage runs to the end; it may get a CPU budget
(``tie_break_budget`` x the primary's CPU time, at least ``tie_break_min_s``): a stage
stopped by it keeps a primary-optimal plan, whose continuous part is re-optimised for the
secondary objective, and says that the secondary objective is not proven optimal, with
its gap. Every MIP solution is then polished: integers
fixed, flows below ``FLOW_CLEAN_TOL`` fixed at zero, LP re-solved.

Guarantee (stage run to the end, the default): with ``tau = tie_break_rel_tol *
max(1, |z1|)`` and ``g = mip_rel_gap``, the plan has ``c1 x >= z1 - tau`` (z1 within g of
the primary bound) and ``c2 x >= max{c2 y : y feasible, c1 y >= z1 - tau} - g |c2 x|``.
Measured against the alternatives (models/formulation.md §6, ``benchmarks/bench_tiebreak.py
--all``): HiGHS's own lexicographic multi-objective (``addLinearObjective`` with priorities)
costs 1.6-1.9x these stages; a blended objective c1 + eps c2 that keeps the primary within
tau cannot resolve the secondary inside the MIP gap (no guarantee, worse plans); a skip test
from the stage's LP relaxation never applies on nl-2027 or generated M and L; stage 2
started from the lexicographic optimum itself still costs 0.4-1.4x the primary, so no exact
variant of these stages adds only 30 %.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import highspy
import numpy as np

if TYPE_CHECKING:
    import pyomo.environ as pyo

from plantopt.solver.types import (  # noqa: F401  (re-exported)
    INF,
    MODEL_FILE_SUFFIXES,
    MatrixModel,
    RawSolution,
    SolveOptions,
    SolveStatus,
)

assert INF == highspy.kHighsInf


def compile_model(model: pyo.ConcreteModel, objectives: list[str]) -> MatrixModel:
    """Compile ``model`` to matrix form with the named objectives (all maximised) as cost rows.

    The objectives are activated for the compile only; the model's own active objective is
    restored afterwards. (Pyomo is imported here: only Pyomo models need it.)
    """
    import pyomo.environ as pyo
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    objs = [getattr(model, f"obj_{name}") for name in objectives]
    was_active = {o.name: o.active for o in model.component_objects(pyo.Objective)}
    for o in model.component_objects(pyo.Objective):
        o.deactivate()
    for o in objs:
        o.activate()
    try:
        info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    finally:
        for o in model.component_objects(pyo.Objective):
            o.activate() if was_active[o.name] else o.deactivate()
    senses = {o.sense for o in info.objectives}
    if senses != {pyo.maximize}:
        raise ValueError("plantopt objectives are all maximised")
    n_rows = len(info.rows)
    row_lower = np.full(n_rows, -INF)
    row_upper = np.full(n_rows, INF)
    mult = np.fromiter((r[1] for r in info.rows), dtype=np.int64, count=n_rows)
    rhs = np.asarray(info.rhs, dtype=float)
    row_lower[mult <= 0] = rhs[mult <= 0]
    row_upper[mult >= 0] = rhs[mult >= 0]
    cols = info.columns
    lower = np.fromiter((-INF if v.lb is None else v.lb for v in cols), float, len(cols))
    upper = np.fromiter((INF if v.ub is None else v.ub for v in cols), float, len(cols))
    integrality = np.fromiter((1 if v.is_integer() else 0 for v in cols), np.int32, len(cols))
    costs = info.c.toarray() if len(cols) else np.zeros((len(objs), 0))
    # the compiler orders objectives as declared on the model; map back to the names asked
    ids = [id(o) for o in info.objectives]
    order = [ids.index(id(o)) for o in objs]
    return MatrixModel(
        a_csc=info.A.tocsc(),
        row_lower=row_lower,
        row_upper=row_upper,
        col_lower=lower,
        col_upper=upper,
        costs=np.asarray(costs)[order],
        offsets=np.asarray(info.c_offset, dtype=float)[order],
        maximize=True,
        integrality=integrality,
        columns=list(cols),
        objective_names=list(objectives),
        row_names=[r[0].name for r in info.rows],
    )


@contextlib.contextmanager
def _silence_stdout_fd() -> Iterator[None]:
    """Silence C-level stdout (HiGHS prints a banner from its constructor)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no usable fd 1 (embedded interpreters): just run
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _new_highs(options: SolveOptions) -> highspy.Highs:
    if options.log_to_console:
        h = highspy.Highs()
    else:
        with _silence_stdout_fd():
            h = highspy.Highs()
    h.setOptionValue("output_flag", bool(options.log_to_console))
    h.setOptionValue("random_seed", int(options.random_seed))
    limit = solver_time_limit(options)
    if limit is not None:
        h.setOptionValue("time_limit", float(limit))
    if options.mip_rel_gap is not None:
        h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
        _match_scheduler(int(options.threads))
    return h


_SCHEDULER_THREADS: list[int | None] = [None]  # size the HiGHS scheduler was last reset to


def _match_scheduler(threads: int) -> None:
    """Resize HiGHS's process-wide thread scheduler when a run asks for another size.

    The scheduler is created by the first run of the process; a later run with a different
    ``threads`` option otherwise fails with model status 'Not Set'.
    """
    if _SCHEDULER_THREADS[0] != threads:
        highspy.Highs.resetGlobalScheduler(True)
        _SCHEDULER_THREADS[0] = threads


def _pass(h: highspy.Highs, mm: MatrixModel, cost: np.ndarray, offset: float) -> None:
    a = mm.a_csc
    n_rows, n_cols = a.shape
    status = h.passModel(
        int(n_cols),
        int(n_rows),
        int(a.nnz),
        1,
        -1 if mm.maximize else 1,
        float(offset),
        np.ascontiguousarray(cost, dtype=np.float64),
        mm.col_lower,
        mm.col_upper,
        mm.row_lower,
        mm.row_upper,
        np.asarray(a.indptr, dtype=np.int32),  # no copy: the emitter makes int32 indices
        np.asarray(a.indices, dtype=np.int32),
        np.asarray(a.data, dtype=np.float64),
        mm.integrality,
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")


def _read(h: highspy.Highs, is_mip: bool, started: float) -> RawSolution:
    ms = h.getModelStatus()
    info = h.getInfo()
    has_x = info.primal_solution_status == 2
    x = np.asarray(h.getSolution().col_value) if has_x else None
    obj = float(info.objective_function_value) if has_x else None
    bound = gap = None
    if is_mip and has_x:
        bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else None
    M = highspy.HighsModelStatus
    if ms == M.kOptimal:
        status = SolveStatus.OPTIMAL
        if not is_mip:
            bound, gap = obj, 0.0
    elif ms in (M.kInfeasible,):
        status = SolveStatus.INFEASIBLE
    elif ms == M.kUnboundedOrInfeasible:
        status = SolveStatus.INFEASIBLE  # every plantopt model is bounded (feeds are finite)
    elif ms == M.kUnbounded:
        status = SolveStatus.UNBOUNDED
    elif ms in (
        M.kTimeLimit,
        M.kIterationLimit,
        M.kSolutionLimit,
        M.kInterrupt,
        M.kObjectiveBound,
        M.kObjectiveTarget,
    ):
        status = SolveStatus.FEASIBLE if has_x else SolveStatus.TIME_LIMIT_NO_SOLUTION
    else:
        status = SolveStatus.ERROR
    return RawSolution(
        status,
        x,
        obj,
        bound,
        gap,
        time.perf_counter() - started,
        h.modelStatusToString(ms),
        node_count=int(info.mip_node_count) if is_mip else 0,
    )


def solve_matrix(mm: MatrixModel, options: SolveOptions) -> RawSolution:
    """Solve with HiGHS: primary objective (cost row 0), then optionally the tie-break.

    Lexicographic tie-break (``options.tie_break`` and a second cost row): with z1 the
    primary optimum, maximise c2 x subject to c1 x >= z1 - tol, tol = tie_break_rel_tol *
    max(1, |z1|), warm-started from the primary solution, bounded by the time left and by
    the tie-break budget: ``tie_break_budget`` x the primary stage's CPU time, at least
    ``tie_break_min_s`` CPU seconds. Every plan the stage can return satisfies
    c1 x >= z1 - tol, so stopping it early keeps a primary-optimal plan;
    ``RawSolution.tie_break`` says whether the secondary objective was proven optimal, with
    its bound and gap. The result is then polished (:func:`_polish`): integers fixed, tiny
    flows set to zero, LP re-solved (for the secondary objective after the tie-break).
    """
    started = time.perf_counter()
    is_mip = bool(mm.integrality.any())
    h = _new_highs(options)
    _pass(h, mm, mm.costs[0], mm.offsets[0])
    limit = solver_time_limit(options)  # again: passing a large model takes time
    if limit is not None:
        h.setOptionValue("time_limit", float(limit))
    if options.write_model:
        write_passed_model(h, options.write_model)
    cpu_started = time.process_time()
    h.run()
    primary_cpu_s = time.process_time() - cpu_started
    first = _read(h, is_mip, started)
    if not (options.tie_break and first.status.has_solution and len(mm.costs) > 1):
        return _polish(h, mm, first, options, started)
    remaining = _time_left(options, started)
    if remaining is not None and remaining <= 0.01:  # the time limit is a hard limit
        first.message += "; tie-break stage skipped: time limit reached"
        first.tie_break = {"status": "skipped: time limit reached"}
        return _polish(h, mm, first, options, started)
    budget = (
        None
        if options.tie_break_budget is None or not is_mip
        else max(options.tie_break_budget * primary_cpu_s, options.tie_break_min_s)
    )
    return _tie_break(h, mm, first, options, started, (primary_cpu_s, remaining, budget))


def _tie_break(
    h: highspy.Highs,
    mm: MatrixModel,
    first: RawSolution,
    options: SolveOptions,
    started: float,
    limits: tuple[float, float | None, float | None],
) -> RawSolution:
    """Run the tie-break stage and polish its plan (or, when the stage stopped before HiGHS
    reported one, the primary plan) for the secondary objective."""
    primary_cpu_s, remaining, budget = limits
    cpu_started = time.process_time()
    second, by_budget = _secondary_stage(h, mm, first, remaining, budget, options)
    proven = second.status == SolveStatus.OPTIMAL
    x = second.x if second.status.has_solution and second.x is not None else first.x
    assert x is not None  # first has a solution (checked by the caller)
    stopped = "budget reached" if by_budget else "time limit reached"
    report: dict[str, object] = {
        "status": "optimal" if proven else f"not proven optimal: {stopped}",
        "secondary": mm.objective_names[1] if len(mm.objective_names) > 1 else None,
        "secondary_bound": second.bound
        if second.bound is not None and math.isfinite(second.bound)
        else None,
        "primary_cpu_s": primary_cpu_s,
        "budget_cpu_s": budget,
        "stage_cpu_s": time.process_time() - cpu_started,
    }
    combined = RawSolution(
        first.status,  # every plan of the stage is primary-optimal (the added row)
        x,
        float(mm.costs[0] @ x + mm.offsets[0]),
        first.bound,
        first.gap,
        time.perf_counter() - started,
        first.message if proven else f"{first.message}; tie-break {stopped}, not proven optimal",
        secondary_objective=float(mm.costs[1] @ x + mm.offsets[1]),
        node_count=first.node_count + second.node_count,
        tie_break=report,
    )
    out = _polish(h, mm, combined, options, started, secondary=True, force=not proven)
    out.tie_break = {**report, **_secondary_gap(out.secondary_objective, second.bound, proven)}
    return out


def _secondary_gap(value: float | None, bound: float | None, proven: bool) -> dict[str, object]:
    """The secondary objective's relative gap |bound - value| / |value| (HiGHS's definition);
    0 when proven optimal, None without a bound."""
    if proven:
        return {"secondary_gap": 0.0}
    if value is None or bound is None or not math.isfinite(bound) or value == 0.0:
        return {"secondary_gap": None}
    return {"secondary_gap": max(0.0, bound - value) / abs(value)}


#: sub-MIP heuristics switched off in the tie-break stage. The stage starts from the primary
#: solution, which is feasible for it, and its bound closes by cuts and branching; RINS,
#: RENS and the root reduced-cost heuristic spent most of the stage's time on generated M
#: (7.6 s of stage 2 against 0.8 s without them, same optimum; benchmarks/results.md).
STAGE2_OFF = (
    "mip_heuristic_run_rins",
    "mip_heuristic_run_rens",
    "mip_heuristic_run_root_reduced_cost",
)


def _secondary_stage(
    h: highspy.Highs,
    mm: MatrixModel,
    first: RawSolution,
    remaining: float | None,
    budget_cpu_s: float | None,
    options: SolveOptions,
) -> tuple[RawSolution, bool]:
    """Add c1 x >= z1 - tol, switch to objective row 1, warm-start and solve within the
    time left and the CPU budget (checked by HiGHS's MIP interrupt callback); the stage's
    solution and whether the budget stopped it."""
    started = time.perf_counter()
    is_mip = bool(mm.integrality.any())
    assert first.objective is not None  # a solution comes with its objective value
    z1 = float(first.objective) - float(mm.offsets[0])  # without the constant
    tol = options.tie_break_rel_tol * max(1.0, abs(z1))
    c1 = mm.costs[0]
    idx = np.flatnonzero(c1).astype(np.int32)
    h.addRow(z1 - tol, INF, len(idx), idx, c1[idx].astype(np.float64))
    n = mm.a_csc.shape[1]
    h.changeColsCost(n, np.arange(n, dtype=np.int32), mm.costs[1].astype(np.float64))
    h.changeObjectiveOffset(float(mm.offsets[1]))
    if is_mip and first.x is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(first.x)
        sol.value_valid = True
        h.setSolution(sol)
    for name in STAGE2_OFF:
        h.setOptionValue(name, False)
    h.setOptionValue("time_limit", INF if remaining is None else max(0.01, remaining))
    stopped = [False]
    cpu_started = time.process_time()

    def over_budget(event: object) -> None:
        if budget_cpu_s is not None and time.process_time() - cpu_started > budget_cpu_s:
            stopped[0] = True
            event.interrupt()  # type: ignore[attr-defined]

    h.cbMipInterrupt.subscribe(over_budget)
    try:
        h.run()
    finally:
        h.cbMipInterrupt.unsubscribe(over_budget)
    return _read(h, is_mip, started), stopped[0]


def _min_limit(*limits: float | None) -> float | None:
    given = [x for x in limits if x is not None]
    return min(given) if given else None


def solver_time_limit(options: SolveOptions) -> float | None:
    """Seconds the solver may run now: ``time_limit_s``, or less when the command's
    :class:`~plantopt.solver.deadline.Deadline` leaves less (minus its extraction reserve)."""
    deadline = options.deadline.solver_limit() if options.deadline is not None else None
    return _min_limit(options.time_limit_s, deadline)


def _time_left(options: SolveOptions, started: float) -> float | None:
    """Seconds of the time limit left since ``started`` (and of the command's deadline);
    None without a limit."""
    own = (
        None
        if options.time_limit_s is None
        else options.time_limit_s - (time.perf_counter() - started)
    )
    deadline = options.deadline.solver_limit() if options.deadline is not None else None
    return _min_limit(own, deadline)


#: integer columns further than this from a whole number trigger polishing
INTEGRALITY_SLACK = 1e-9
#: continuous columns with 0 < |x| <= this (tonnes per year: 1 g/yr) are leaks of HiGHS's
#: feasibility tolerances (1e-7 primal, 1e-6 MIP) and are fixed at zero when polishing
FLOW_CLEAN_TOL = 1e-6


def leak_columns(mm: MatrixModel, x: np.ndarray) -> np.ndarray:
    """Continuous columns with a tiny nonzero value whose bounds allow exactly zero."""
    tiny = (np.abs(x) > 0.0) & (np.abs(x) <= FLOW_CLEAN_TOL) & (mm.integrality == 0)
    tiny &= (mm.col_lower <= 0.0) & (mm.col_upper >= 0.0)
    return np.flatnonzero(tiny)


def _polish(
    h: highspy.Highs,
    mm: MatrixModel,
    raw: RawSolution,
    options: SolveOptions,
    started: float,
    secondary: bool = False,
    force: bool = False,
) -> RawSolution:
    """Re-solve the LP with integers fixed at their rounded values and leaks fixed at 0.

    HiGHS accepts integer values within its integrality tolerance (1e-6) and rows within
    1e-7, so a binary at 1e-8 counts as 0 while a big-M row still lets ``cap * 1e-8`` tonnes
    through an unbuilt unit, and a feed accepted at 0 can carry 9e-7 t/yr on a descendant
    node. Fixing every integer at its rounded value and every continuous column with
    ``0 < |x| <= FLOW_CLEAN_TOL`` at 0, then re-solving the remaining LP (same objective and
    rows), gives a plan whose flows are exactly zero where the decisions say so, so mass
    conservation holds along every path. Nothing is done when there is nothing to fix (unless
    ``force``: after a stopped tie-break stage); if the LP fails, the unpolished solution
    is kept and the message says so.
    """
    if raw.x is None:
        return raw
    ints = np.flatnonzero(mm.integrality)
    values = np.round(raw.x[ints])
    fractional = bool(len(ints)) and float(np.max(np.abs(raw.x[ints] - values))) > INTEGRALITY_SLACK
    leaks = leak_columns(mm, raw.x)
    if not fractional and not len(leaks) and not force:
        return raw
    idx = np.concatenate([ints, leaks]).astype(np.int32)
    fixed = np.concatenate([values, np.zeros(len(leaks))])
    remaining = _time_left(options, started)
    h.setOptionValue("time_limit", INF if remaining is None else max(0.01, remaining))
    # with every integer fixed the rest is an LP: solve it as one, from scratch (a MIP re-run
    # may hand back the warm-start incumbent, fractional binaries included)
    h.changeColsIntegrality(len(ints), ints.astype(np.int32), np.zeros(len(ints), dtype=np.uint8))
    h.changeColsBounds(len(idx), idx, fixed, fixed)
    h.clearSolver()
    h.run()
    polished = _read(h, False, started)
    if not polished.status.has_solution or polished.x is None:
        raw.message += (
            "; polishing (integers fixed, tiny flows zeroed) failed, unpolished solution kept"
        )
        return raw
    x = polished.x
    assert polished.objective is not None  # x comes with its objective value (_read)
    x[idx] = fixed  # fixed columns come back at their bound; make it exact
    return RawSolution(
        raw.status,
        x,
        float(mm.costs[0] @ x + mm.offsets[0]),
        raw.bound,
        raw.gap,
        time.perf_counter() - started,
        raw.message + f"; polished (integers fixed, {len(leaks)} tiny flows set to zero)",
        secondary_objective=float(polished.objective) if secondary else None,
        node_count=raw.node_count,
        tie_break=raw.tie_break,
    )


def solve_with_pyomo_solver(model: pyo.ConcreteModel, options: SolveOptions) -> RawSolution:
    """Solve through ``pyo.SolverFactory(options.solver)`` (no tie-break stage)."""
    import pyomo.environ as pyo
    from pyomo.opt import TerminationCondition as TC

    started = time.perf_counter()
    opt = pyo.SolverFactory(options.solver)
    if opt is None or not opt.available(exception_flag=False):
        return RawSolution(
            SolveStatus.ERROR,
            None,
            None,
            None,
            None,
            0.0,
            f"solver {options.solver!r} is not available",
        )
    limit = solver_time_limit(options)
    res = opt.solve(
        model,
        load_solutions=False,
        **({"timelimit": max(limit, 0.01)} if limit is not None else {}),
    )
    tc = res.solver.termination_condition
    elapsed = time.perf_counter() - started
    if tc in (TC.infeasible, TC.infeasibleOrUnbounded):
        return RawSolution(SolveStatus.INFEASIBLE, None, None, None, None, elapsed, str(tc))
    if tc == TC.unbounded:
        return RawSolution(SolveStatus.UNBOUNDED, None, None, None, None, elapsed, str(tc))
    if len(res.solution) == 0:
        status = SolveStatus.TIME_LIMIT_NO_SOLUTION if tc == TC.maxTimeLimit else SolveStatus.ERROR
        return RawSolution(status, None, None, None, None, elapsed, str(tc))
    model.solutions.load_from(res)
    obj = next(o for o in model.component_data_objects(pyo.Objective, active=True))
    status = SolveStatus.OPTIMAL if tc == TC.optimal else SolveStatus.FEASIBLE
    return RawSolution(status, None, float(pyo.value(obj)), None, None, elapsed, str(tc))


_IIS_BOUND = {2: "lower bound", 3: "upper bound", 4: "both bounds"}


def lp_relaxation_iis(mm: MatrixModel) -> list[str] | None:
    """An irreducible infeasible subset of the LP relaxation, as readable names.

    Returns e.g. ``["capacity_limit[shred_bm] (upper bound)", "accept[lead_acid] (lower
    bound)"]``: rows by their Pyomo constraint names (``mm`` must come from
    :func:`compile_model`) and columns by variable name, with the bound that takes part.
    Returns None when the LP relaxation is feasible (the conflict then needs the build or run
    decisions to be whole numbers) or when HiGHS finds no IIS.
    """
    h = _new_highs(SolveOptions())
    h.setOptionValue("iis_strategy", 2)  # from the LP itself (the default finds none here)
    lp = replace(mm, integrality=np.zeros_like(mm.integrality))
    _pass(h, lp, mm.costs[0], mm.offsets[0])
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
        return None
    status, iis = h.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return None
    names = [
        f"{mm.row_names[i] if i < len(mm.row_names) else f'row {i}'} "
        f"({_IIS_BOUND.get(int(b), 'bound')})"
        for i, b in zip(iis.row_index_, iis.row_bound_)
    ]
    names += [
        f"{_column_name(mm, j)} ({_IIS_BOUND.get(int(b), 'bound')})"
        for j, b in zip(iis.col_index_, iis.col_bound_)
    ]
    return names


def _column_name(mm: MatrixModel, j: int) -> str:
    """A Pyomo variable's name, or the name the emitter gave the column."""
    if j >= len(mm.columns):
        return f"column {j}"
    return str(getattr(mm.columns[j], "name", mm.columns[j]))


def write_passed_model(h: highspy.Highs, path: str) -> None:
    """Write the model held by ``h`` (as passed, before any solve) to ``path``.

    The format follows the suffix: ``.mps`` (free MPS) or ``.lp`` (CPLEX LP). This is the
    exact primary-stage model HiGHS solves; the tie-break stage adds one row and swaps the
    objective (see :func:`solve_matrix`).
    """
    if Path(path).suffix.lower() not in MODEL_FILE_SUFFIXES:
        raise ValueError(f"--write-model {path}: expected a file name ending in .mps or .lp")
    with _silence_stdout_fd():
        status = h.writeModel(str(path))
    if status == highspy.HighsStatus.kError:
        raise OSError(f"HiGHS could not write the model to {path}")


def write_mps(mm: MatrixModel, path: str, objective_row: int = 0) -> None:
    """Write the matrix model with one objective to an MPS file (for solver-alone timing)."""
    h = _new_highs(SolveOptions())
    _pass(h, mm, mm.costs[objective_row], mm.offsets[objective_row])
    h.writeModel(str(path))


def solve_mps(path: str, options: SolveOptions) -> RawSolution:
    """Read an MPS file into a fresh HiGHS and solve it: the solver's own time, nothing else."""
    h = _new_highs(options)
    h.readModel(str(path))
    started = time.perf_counter()
    h.run()
    is_mip = (
        h.getLp().integrality_ is not None
        and len(h.getLp().integrality_) > 0
        and any(int(v) != 0 for v in h.getLp().integrality_)
    )
    return _read(h, is_mip, started)

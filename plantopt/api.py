"""The Python API: load, build, solve and read results, with timings per phase.

    inst = plantopt.load_instance("instances/nl-2027")
    res = plantopt.solve(inst, objective="profit", time_limit_s=60)
    res["recovery"]        # tidy DataFrame
    res.save("out/nl-2027")

or build the Pyomo model first, add constraints, then solve it:

    model = plantopt.build_model(inst)
    model.my_cut = pyo.Constraint(expr=model.accept["ev_lfp"] <= 500)
    res = plantopt.solve(model)
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from plantopt.business.case import business_results
from plantopt.instance.instance import Instance
from plantopt.instance.loader import load_instance
from plantopt.model import build_model
from plantopt.model.data import build_model_data
from plantopt.model.matrix import build_matrix
from plantopt.model.objective import OBJECTIVES
from plantopt.model.regulation_terms import build_regulation_data
from plantopt.regulation.diagnosis import diagnose as run_diagnosis
from plantopt.regulation.report import regulation_results
from plantopt.results.tables import Result, economics_table, extract_tables
from plantopt.routetree.tree import build_route_tree
from plantopt.solver.highs import (
    SolveOptions,
    SolveStatus,
    compile_model,
    solve_matrix,
    solve_with_pyomo_solver,
)


def versions() -> dict[str, str]:
    out = {}
    for pkg in ("plantopt", "pyomo", "highspy", "numpy", "pandas", "numba"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def model_size(model: pyo.ConcreteModel) -> dict[str, int]:
    """Rows, columns, nonzeros and integer columns of the compiled model."""
    mm = compile_model(model, [_active_objective(model)])
    rows, cols, nnz = mm.shape
    return {"rows": rows, "columns": cols, "nonzeros": nnz,
            "integer_columns": int(mm.integrality.sum())}


def _active_objective(model: pyo.ConcreteModel) -> str:
    for name in OBJECTIVES:
        if getattr(model, f"obj_{name}").active:
            return name
    raise ValueError("the model has no active plantopt objective")


def solve(target: Instance | str | Path | pyo.ConcreteModel | None = None,
          objective: str | None = None, options: SolveOptions | None = None,
          diagnose: bool = True, **option_overrides: Any) -> Result:
    """Solve an instance (object, folder, or None for the packaged default) or a built model.

    ``option_overrides`` are fields of :class:`SolveOptions` (``time_limit_s``,
    ``mip_rel_gap``, ``threads``, ``random_seed``, ``tie_break``, ``solver``, ``build``). An
    instance is built straight into matrices (``build="matrix"``, the default with HiGHS) or
    through the Pyomo model (``build="pyomo"``, or any other solver); a Pyomo model passed in
    (e.g. with user constraints) is always solved as it is. The returned :class:`Result`
    carries status, objective, bound, gap, timings per phase and tables; the instance is
    never modified. Tables include ``compliance`` (EU targets in force, recomputed from the
    result tables) and ``offtake_contracts``. When the solve is infeasible and ``diagnose``
    is true (HiGHS only), an elastic re-solve explains why: ``summary["diagnosis"]`` (text)
    and the table ``diagnosis``; it rebuilds the model from the instance, so user-added
    constraints are not part of it.
    """
    options = replace(options or SolveOptions(), **option_overrides)
    if options.build not in ("matrix", "pyomo"):
        raise ValueError(f"unknown build {options.build!r}; expected 'matrix' or 'pyomo'")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    model = target if isinstance(target, pyo.ConcreteModel) else None
    if model is not None:
        instance: Instance = model.plantopt_instance
        if objective is not None:
            from plantopt.model import set_objective
            set_objective(model, objective)
        timings.update(load=0.0, route_tree=0.0, build=0.0)
        obj_name = _active_objective(model)
    else:
        instance = target if isinstance(target, Instance) else load_instance(target)
        timings["load"] = time.perf_counter() - t0
        obj_name = objective or instance.manifest.get("objective") or "recovery"
        if obj_name not in OBJECTIVES:
            raise ValueError(f"unknown objective {obj_name!r}; expected one of {OBJECTIVES}")
        t = time.perf_counter()
        tree = build_route_tree(instance)
        timings["route_tree"] = time.perf_counter() - t
    objectives = [obj_name] + ([o for o in OBJECTIVES if o != obj_name]
                               if options.tie_break else [])

    t = time.perf_counter()
    if model is None and options.solver == "highs" and options.build == "matrix":
        data = build_model_data(instance, tree)
        regulation = build_regulation_data(instance, data)
        timings["build"] = time.perf_counter() - t
        t = time.perf_counter()
        mm, cm = build_matrix(data, objectives, regulation)
        timings["handoff"] = time.perf_counter() - t
        raw = solve_matrix(mm, options)
        T = cm.n_periods
        solution = [cm.split(raw.x, t) for t in range(T)] if raw.x is not None else None
        take = [{c: float(raw.x[t * cm.block + cm.take0 + i])
                 for i, c in enumerate(cm.contracts)} for t in range(T)] \
            if raw.x is not None else []
    else:
        if model is None:
            model = build_model(instance, obj_name, tree=tree)
            timings["build"] = time.perf_counter() - t
        data, regulation = model.plantopt_data, model.plantopt_regulation
        t = time.perf_counter()
        if options.solver == "highs":
            mm = compile_model(model, objectives)
            timings["handoff"] = time.perf_counter() - t
            raw = solve_matrix(mm, options)
            if raw.x is not None:
                for var, value in zip(mm.columns, raw.x):
                    var.set_value(float(value), skip_validation=True)
        else:
            mm = None
            timings["handoff"] = 0.0
            raw = solve_with_pyomo_solver(model, options)
        blocks = [model.period[p.period_id] for p in data.periods] \
            if data.timing.multi else [model]
        solution = [_read_model_solution(model, b, d, t) for t, (b, d) in
                    enumerate(zip(blocks, data.per_period))] \
            if raw.status.has_solution else None
        take = [{c: float(b.take[c].value or 0.0) for c in b.CONTRACTS} for b in blocks]
    timings["solve"] = raw.solve_s
    size = {}
    if mm is not None:
        size = dict(zip(("rows", "columns", "nonzeros"), mm.shape))
        size["integer_columns"] = int(mm.integrality.sum())

    t = time.perf_counter()
    tables: dict = {}
    mb_err = None
    if solution is not None and not data.timing.multi:
        accept, flow, build, run = solution[0]
        tables = extract_tables(instance, data, accept, flow, build, run)
        tables["economics"] = economics_table(data, tables, flow, accept)
        mb_err = float(tables["mass_balance"]["relative_error"].max()) \
            if len(tables["mass_balance"]) else 0.0
        reg_tables, reg_summary = regulation_results(instance, regulation, tables, take[0])
        tables.update(reg_tables)
        case_tables, case_summary = business_results(data, tables)
        tables.update(case_tables)
    elif solution is not None:
        tables, reg_summary, case_summary = period_results(instance, data, regulation,
                                                           solution, take)
        mb_err = float(tables["mass_balance"]["relative_error"].max()) \
            if len(tables["mass_balance"]) else 0.0
    timings["extract"] = time.perf_counter() - t
    diagnosis = None  # the elastic diagnosis covers the single-period model
    if raw.status == SolveStatus.INFEASIBLE and diagnose and options.solver == "highs" \
            and not data.timing.multi:
        t = time.perf_counter()
        diagnosis = run_diagnosis(instance, data.tree, options)
        tables["diagnosis"] = diagnosis.table()
        timings["diagnosis"] = time.perf_counter() - t
    elif raw.status == SolveStatus.INFEASIBLE and data.timing.multi:
        raw.message += ("; no plain-words diagnosis for multi-period instances yet: solve the "
                        "periods one at a time (each as a single-period instance) to see "
                        "which targets, minimums, capacities or budget to relax")
    timings["total"] = time.perf_counter() - t0

    summary = {
        "status": raw.status.value, "message": raw.message, "objective_name": obj_name,
        "objective": raw.objective, "bound": raw.bound, "gap": raw.gap,
        "secondary_objective": raw.secondary_objective, "mip_nodes": raw.node_count,
        "mass_balance_max_relative_error": mb_err, "timings_s": timings,
        "model_size": {**size, "route_tree_nodes": data.tree.n_nodes},
        "instance": {"name": instance.name, "path": str(instance.path or ""),
                     "hash": instance.content_hash()},
        "options": {k: v for k, v in asdict(options).items()}, "versions": versions(),
        "warnings": [str(p) for p in instance.warnings],
        "target_year": regulation.target_year,
    }
    if solution is not None:
        summary["compliance"] = reg_summary
        summary["business_case"] = case_summary
    if diagnosis is not None:
        summary["diagnosis"] = diagnosis.messages
    if solution is not None and not data.timing.multi:
        econ = tables["economics"].set_index("item")["eur_per_yr"]
        summary["profit_eur_per_yr"] = float(econ["profit"])
        summary["capex_eur"] = float(econ["capex_total"])
        rec = tables["recovery"]
        crit = rec[rec["eu_critical"]]
        summary["critical_recovered_t_per_yr"] = float(crit["recovered_t_per_yr"].sum())
        summary["weighted_recovery_t_per_yr"] = float(
            (rec["recovered_t_per_yr"] * rec["recovery_weight"]).sum())
    elif solution is not None:  # horizon means (weights d_t / H) and the capex of all builds
        per = tables["periods"]
        w = per["weight"].to_numpy()
        summary["profit_eur_per_yr"] = float(w @ per["profit_eur_per_yr"].to_numpy())
        summary["capex_eur"] = case_summary["capex_net_eur"]
        summary["critical_recovered_t_per_yr"] = float(
            w @ per["critical_recovered_t_per_yr"].to_numpy())
        summary["weighted_recovery_t_per_yr"] = float(
            w @ per["weighted_recovery_t_per_yr"].to_numpy())
        summary["periods"] = per.to_dict("records")
    return Result(status=raw.status, objective_name=obj_name, objective=raw.objective,
                  bound=raw.bound, gap=raw.gap, timings_s=timings, summary=summary,
                  tables=tables, message=raw.message)


def _read_model_solution(model: pyo.ConcreteModel, blk: Any, data: Any, t: int
                         ) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """(accept, flow, build decided in period t, run) of period t's block of a solved model."""
    timing = data.timing
    accept = np.array([blk.accept[f].value or 0.0 for f in data.feeds])
    flow = np.array([blk.flow[n].value or 0.0 for n in range(data.tree.n_nodes)])
    build = {k: (model.build[timing.key(k, t)].value or 0.0) for k in data.options}
    run = {u: (blk.run[u].value or 0.0) for u in blk.MIN_LOAD_UNITS}
    return accept, flow, build, run


def period_results(instance: Instance, data: Any, regulation: Any, solution: list,
                   take: list[dict[str, float]]) -> tuple[dict, dict, dict]:
    """Per-period tables (single-period code on each period's view, stacked with a
    ``period`` column) plus builds, capex schedule, cash flows and the periods table."""
    from plantopt.business.multiperiod import in_service, multiperiod_case
    from plantopt.model.periods import period_instance

    decisions = [s[2] for s in solution]
    per_tables, per_summary = [], []
    for t, (p, d, reg, (accept, flow, _, run)) in enumerate(zip(
            data.periods, data.per_period, regulation.per_period, solution)):
        inst_t = period_instance(instance, p)
        tab = extract_tables(inst_t, d, accept, flow, in_service(data.timing, decisions, t),
                             run)
        tab["economics"] = economics_table(d, tab, flow, accept)
        reg_tables, reg_summary = regulation_results(inst_t, reg, tab, take[t])
        tab.update(reg_tables)
        case_tables, _ = business_results(d, tab)
        for name in ("economics", "revenue_by_product", "cost_by_category"):
            tab[name] = case_tables[name]
        per_tables.append(tab)
        per_summary.append({"period": p.period_id, **reg_summary})
    case_tables, case_summary = multiperiod_case(data, decisions, per_tables)
    tables = {name: pd.concat([tab[name].assign(period=p.period_id)[
        ["period", *tab[name].columns]] for p, tab in zip(data.periods, per_tables)],
        ignore_index=True) for name in per_tables[0]}
    tables.update(case_tables)
    return tables, {"periods": per_summary}, case_summary


__all__ = ["solve", "load_instance", "build_model", "versions", "model_size", "SolveOptions",
           "SolveStatus"]

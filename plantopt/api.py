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
import pyomo.environ as pyo

from .instance import Instance
from .loader import load_instance
from .model import build_model
from .model.objective import OBJECTIVES
from .results import Result, economics_table, extract_tables
from .routetree import build_route_tree
from .solver import SolveOptions, SolveStatus, compile_model, solve_matrix, solve_with_pyomo_solver


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
          **option_overrides: Any) -> Result:
    """Solve an instance (object, folder, or None for the packaged default) or a built model.

    ``option_overrides`` are fields of :class:`SolveOptions` (``time_limit_s``,
    ``mip_rel_gap``, ``threads``, ``random_seed``, ``tie_break``, ``solver``). The returned
    :class:`Result` carries status, objective, bound, gap, timings per phase and tables; the
    instance is never modified.
    """
    options = replace(options or SolveOptions(), **option_overrides)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if isinstance(target, pyo.ConcreteModel):
        model = target
        instance: Instance = model.plantopt_instance
        if objective is not None:
            from .model import set_objective
            set_objective(model, objective)
        timings["load"] = 0.0
        timings["route_tree"] = 0.0
        timings["build"] = 0.0
    else:
        instance = target if isinstance(target, Instance) else load_instance(target)
        timings["load"] = time.perf_counter() - t0
        t = time.perf_counter()
        tree = build_route_tree(instance)
        timings["route_tree"] = time.perf_counter() - t
        t = time.perf_counter()
        model = build_model(instance, objective, tree=tree)
        timings["build"] = time.perf_counter() - t
    obj_name = _active_objective(model)
    data = model.plantopt_data

    t = time.perf_counter()
    raw_obj = None
    if options.solver == "highs":
        secondary = [o for o in OBJECTIVES if o != obj_name]
        mm = compile_model(model, [obj_name] + (secondary if options.tie_break else []))
        timings["handoff"] = time.perf_counter() - t
        raw = solve_matrix(mm, options)
        timings["solve"] = raw.solve_s
        size = dict(zip(("rows", "columns", "nonzeros"), mm.shape))
        size["integer_columns"] = int(mm.integrality.sum())
        if raw.x is not None:
            for var, value in zip(mm.columns, raw.x):
                var.set_value(float(value), skip_validation=True)
    else:
        timings["handoff"] = 0.0
        raw = solve_with_pyomo_solver(model, options)
        timings["solve"] = raw.solve_s
        size = {}
    raw_obj = raw.objective

    t = time.perf_counter()
    tables: dict = {}
    mb_err = None
    if raw.status.has_solution:
        accept = np.array([pyo.value(model.accept[f], exception=False) or 0.0
                           for f in data.feeds])
        flow = np.array([model.flow[n].value or 0.0 for n in range(data.tree.n_nodes)])
        build = {k: (model.build[k].value or 0.0) for k in data.options}
        run = {u: (model.run[u].value or 0.0) for u in model.MIN_LOAD_UNITS}
        tables = extract_tables(instance, data, accept, flow, build, run)
        tables["economics"] = economics_table(data, tables, flow, accept)
        mb_err = float(tables["mass_balance"]["relative_error"].max()) \
            if len(tables["mass_balance"]) else 0.0
    timings["extract"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0

    summary = {
        "status": raw.status.value, "message": raw.message, "objective_name": obj_name,
        "objective": raw_obj, "bound": raw.bound, "gap": raw.gap,
        "secondary_objective": raw.secondary_objective, "mip_nodes": raw.node_count,
        "mass_balance_max_relative_error": mb_err, "timings_s": timings,
        "model_size": {**size, "route_tree_nodes": data.tree.n_nodes},
        "instance": {"name": instance.name, "path": str(instance.path or ""),
                     "hash": instance.content_hash()},
        "options": {k: v for k, v in asdict(options).items()}, "versions": versions(),
        "warnings": [str(p) for p in instance.warnings],
    }
    if raw.status.has_solution:
        econ = tables["economics"].set_index("item")["eur_per_yr"]
        summary["profit_eur_per_yr"] = float(econ["profit"])
        summary["capex_eur"] = float(econ["capex_total"])
        rec = tables["recovery"]
        crit = rec[rec["eu_critical"]]
        summary["critical_recovered_t_per_yr"] = float(crit["recovered_t_per_yr"].sum())
        summary["weighted_recovery_t_per_yr"] = float(
            (rec["recovered_t_per_yr"] * rec["recovery_weight"]).sum())
    return Result(status=raw.status, objective_name=obj_name, objective=raw_obj,
                  bound=raw.bound, gap=raw.gap, timings_s=timings, summary=summary,
                  tables=tables, message=raw.message)


__all__ = ["solve", "load_instance", "build_model", "versions", "model_size", "SolveOptions",
           "SolveStatus"]

"""plantopt: optimise recycling plants that recover critical raw materials.

Public API::

    from plantopt import load_instance, validate, build_model, solve

    res = plantopt.solve(inst, objective="npv", capex_subsidy=0.3, require=["hydromet"])
    res["built_units"], res.plot.sankey("Co"), res.plot.economics()
    res.save("out/case"); res = plantopt.Result.load("out/case")

Studies: ``breakeven`` (lever value that closes a business case), ``pareto_front``,
``evaluate`` (Monte Carlo), ``sensitivity`` (tornado), ``compare`` (two result folders),
``run_batch`` / ``collect``.

The names are loaded on first use (PEP 562), so ``import plantopt`` and the command line's
``--help`` and ``validate`` do not import Pyomo, numba, Dask or plotly.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC: dict[str, str] = {
    "Instance": "plantopt.instance.instance",
    "InstanceError": "plantopt.instance.errors",
    "PlantoptError": "plantopt.instance.errors",
    "Problem": "plantopt.instance.errors",
    "RouteTreeTooLarge": "plantopt.instance.errors",
    "instance_from_tables": "plantopt.instance.loader",
    "load_instance": "plantopt.instance.loader",
    "packaged_instance_path": "plantopt.instance.loader",
    "validate": "plantopt.instance.loader",
    "RouteTree": "plantopt.routetree.tree",
    "build_route_tree": "plantopt.routetree.tree",
    "build_model": "plantopt.model",
    "SolveOptions": "plantopt.solver.types",
    "SolveStatus": "plantopt.solver.types",
    "Result": "plantopt.results.tables",
    "model_size": "plantopt.api",
    "solve": "plantopt.api",
    "versions": "plantopt.api",
    "breakeven": "plantopt.studies.breakeven",
    "pareto_front": "plantopt.studies.pareto",
    "compare": "plantopt.studies.compare",
    "evaluate": "plantopt.uncertainty.evaluate",
    "robust": "plantopt.uncertainty.robust",
    "sensitivity": "plantopt.studies.sensitivity",
    "run_batch": "plantopt.batch",
    "collect": "plantopt.batch",
    "LeverOverrides": "plantopt.business.levers",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'plantopt' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])

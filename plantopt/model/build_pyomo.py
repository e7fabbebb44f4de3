"""Build the Pyomo model of an instance: one block function per concern, in fixed order.

:func:`build_model` returns a plain ``ConcreteModel`` that users may extend with their own
constraints before :func:`plantopt.solve`. The route tree and the grouped coefficients it was
built from are kept on ``model.plantopt_data`` (a :class:`ModelData`) so results are read back
through the instance's index sets.
"""

from __future__ import annotations

import pyomo.environ as pyo

from plantopt.instance.instance import Instance
from plantopt.model.data import ModelData, build_model_data
from plantopt.model.economics import add_economics
from plantopt.model.feeds import add_feeds
from plantopt.model.investment import add_budget, add_build, add_one_option, add_period_blocks
from plantopt.model.levers import add_levers
from plantopt.model.objective import OBJECTIVES, add_objective, add_recovery, set_objective
from plantopt.model.regulation import add_regulation
from plantopt.model.routing import add_routing
from plantopt.model.units import add_units
from plantopt.routetree.tree import RouteTree, build_route_tree


def build_model(instance: Instance, objective: str | None = None,
                tree: RouteTree | None = None) -> pyo.ConcreteModel:
    """Build the MILP for ``instance`` with the given objective (default: the manifest's).

    Investment decisions first, then the operating blocks once per planning period (on the
    model itself when there is one period: the single-period model), then the objectives.
    """
    objective = objective or instance.manifest.get("objective") or "recovery"
    if tree is None:
        tree = build_route_tree(instance)
    data = build_model_data(instance, tree)
    model = pyo.ConcreteModel(name=f"plantopt[{instance.name}]")
    model.plantopt_data = data
    model.plantopt_instance = instance
    from plantopt.model.regulation_terms import build_regulation_data  # avoids an import cycle

    regulation = build_regulation_data(instance, data)
    model.plantopt_regulation = regulation
    multi = data.timing is not None and data.timing.multi
    if multi:
        add_build(model, data)
    blocks = add_period_blocks(model, data)
    # one period: components are declared in the single-period model's order (the compile,
    # and so HiGHS, sees the same rows and columns in the same order)
    for t, (blk, d, reg) in enumerate(zip(blocks, data.per_period, regulation.per_period)):
        add_routing(blk, d)
        add_feeds(blk, d)
        if not multi:
            add_build(model, data)
        add_units(blk, d, before_limits=(lambda: add_one_option(model, data)) if t == 0
                  else None)
        add_economics(blk, d, after_profit=(lambda: add_budget(model, data)) if t == 0
                      else None)
        add_levers(blk, d)
        add_regulation(blk, d, reg)
        add_recovery(blk, d)
    add_objective(model, data, objective, blocks)
    return model


__all__ = ["build_model", "ModelData", "OBJECTIVES", "set_objective"]

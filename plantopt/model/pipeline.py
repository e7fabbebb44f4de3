"""From an instance to its families and to either emitted form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plantopt.instance.instance import Instance
from plantopt.model.build import Families, build_families
from plantopt.model.data import build_model_data
from plantopt.model.regulation_terms import build_regulation_data
from plantopt.routetree.tree import RouteTree, build_route_tree

if TYPE_CHECKING:
    import pyomo.environ as pyo


def families_of(instance: Instance, tree: RouteTree | None = None) -> Families:
    """Route tree (unless given) -> model data -> regulation terms -> families."""
    tree = build_route_tree(instance) if tree is None else tree
    data = build_model_data(instance, tree)
    return build_families(data, build_regulation_data(instance, data))


def build_model(
    instance: Instance,
    objective: str | None = None,
    tree: RouteTree | None = None,
    families: Families | None = None,
) -> pyo.ConcreteModel:
    """The Pyomo model of ``instance`` with ``objective`` active (default: the manifest's).

    A plain ``ConcreteModel`` users may extend with their own constraints before
    :func:`plantopt.solve`; the families it was emitted from are kept on
    ``model.plantopt_families`` (data on ``plantopt_data``, regulation terms on
    ``plantopt_regulation``) so results are read back through the instance's index sets.
    """
    from plantopt.model.emit_pyomo import emit_pyomo

    objective = objective or instance.manifest.objective or "recovery"
    fams = families if families is not None else families_of(instance, tree)
    model = emit_pyomo(fams, objective, name=f"plantopt[{instance.name}]")
    model.plantopt_families = fams
    model.plantopt_data = fams.data
    model.plantopt_instance = instance
    model.plantopt_regulation = fams.regulation
    return model


__all__ = ["build_model", "families_of"]

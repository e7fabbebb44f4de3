"""The model: data grouped from the route tree, and the MILP built from it.

``build_model`` (the public Pyomo model) is loaded on first use, so importing the model data
does not import Pyomo.
"""

from __future__ import annotations

from typing import Any

from plantopt.model.matrix_form import OBJECTIVES


def build_model(*args: Any, **kwargs: Any) -> Any:
    """The Pyomo ``ConcreteModel`` of an instance (:func:`.pipeline.build_model`)."""
    from plantopt.model.pipeline import build_model as build

    return build(*args, **kwargs)


def set_objective(model: Any, objective: str) -> None:
    """Activate one of :data:`OBJECTIVES` on a built model; deactivate the others."""
    from plantopt.model.emit_pyomo import set_objective as activate

    activate(model, objective)


__all__ = ["OBJECTIVES", "build_model", "set_objective"]

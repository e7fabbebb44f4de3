"""plantopt: optimise recycling plants that recover critical raw materials.

Public API::

    from plantopt import load_instance, validate, build_model, solve
"""

from .api import model_size, solve, versions
from .errors import InstanceError, PlantoptError, Problem, RouteTreeTooLarge
from .instance import Instance
from .loader import instance_from_tables, load_instance, packaged_instance_path
from .model import build_model
from .results import Result
from .routetree import RouteTree, build_route_tree
from .solver import SolveOptions, SolveStatus
from .validate import validate

__version__ = "0.1.0"

__all__ = [
    "Instance", "InstanceError", "PlantoptError", "Problem", "Result", "RouteTree",
    "RouteTreeTooLarge", "SolveOptions", "SolveStatus", "build_model", "build_route_tree",
    "instance_from_tables", "load_instance", "model_size", "packaged_instance_path", "solve",
    "validate", "versions",
]

"""Levers, requirements, floors and the target year as keyword arguments of ``solve()``.

    res = plantopt.solve(inst, objective="npv", capex_subsidy=0.3,
                         capex_subsidy_for={"hydromet": 0.4}, require=["hydromet"],
                         forbid=["lead_smelter"], recovery_floor=500, target_year=2031)

Each argument sets the instance field the command line's option of the same name sets
(:mod:`plantopt.business.levers` for the levers; ``require_units`` / ``forbid_units``,
``recovery_floor_t_per_yr``, ``profit_floor_eur_per_yr``, ``target_year``,
``apply_targets`` in the manifest) on a validated copy; the input is never changed.
"""

from __future__ import annotations

from typing import Any

from plantopt.business.levers import LeverOverrides, apply_levers
from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance
from plantopt.instance.lever_registry import LEVERS
from plantopt.instance.requirements import (
    FORBID,
    REQUIRE,
    check_requirements,
    format_unit_list,
)

LEVER_ARGS = frozenset(LEVERS)
MANIFEST_ARGS = {
    "recovery_floor": "recovery_floor_t_per_yr",
    "profit_floor": "profit_floor_eur_per_yr",
    "target_year": "target_year",
    "apply_targets": "apply_targets",
    "max_route_nodes": "max_route_nodes",
}
#: every keyword :func:`with_setup` takes
SETUP_ARGS = LEVER_ARGS | frozenset(MANIFEST_ARGS) | {"levers", "require", "forbid"}


def with_setup(
    instance: Instance,
    levers: LeverOverrides | None = None,
    require: list[str] | str | None = None,
    forbid: list[str] | str | None = None,
    **kwargs: Any,
) -> Instance:
    """A validated copy of ``instance`` with the given levers, requirements and fields."""
    unknown = set(kwargs) - SETUP_ARGS
    if unknown:
        raise TypeError(
            f"unknown argument(s) {', '.join(sorted(unknown))}; expected "
            f"{', '.join(sorted(SETUP_ARGS))}"
        )
    lever_kw = {k: v for k, v in kwargs.items() if k in LEVER_ARGS and v is not None}
    if lever_kw:
        levers = (levers or LeverOverrides()).replace(**lever_kw)
    inst = apply_levers(instance, levers) if levers is not None else instance
    changes = {
        MANIFEST_ARGS[k]: v for k, v in kwargs.items() if k in MANIFEST_ARGS and v is not None
    }
    for field, value in ((REQUIRE, require), (FORBID, forbid)):
        if value is not None:
            changes[field] = format_unit_list([value] if isinstance(value, str) else list(value))
    if not changes:
        return inst
    inst = inst.with_manifest(**changes)
    problems = ProblemList()
    check_requirements(inst, problems)
    problems.raise_if_errors(f"{inst.name} (solve arguments)")
    return inst


__all__ = ["SETUP_ARGS", "with_setup"]

"""Required and forbidden units: the manifest fields ``require_units`` and ``forbid_units``.

Both are comma-separated lists (so that the command line, batch scenarios and the manifest
share one form)::

    require_units: "hydromet, shredder=large"   # hydromet built (any option); shredder with
                                                 # option large
    forbid_units:  "pb_smelter"                  # no option of pb_smelter built

In the model, with build[u, j, t] the build decisions (t only with several periods):

    forbidden u:            build[u, j, t] <= 0 for every option j and period t
    required u=j:           build[u, j', t] <= 0 for every other option j' of u, and
    required u (or u=j):    require_build[u]:  sum_{j allowed, t} build[u, j, t] >= 1

so a required unit is built (in some period) and a forbidden one never is. Units that exist
already keep their existing capacity either way (``--forbid`` stops new capacity only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plantopt.instance.errors import ProblemList
from plantopt.instance.manifest import Manifest

REQUIRE, FORBID = "require_units", "forbid_units"


def parse_unit_list(text: Any) -> list[tuple[str, str | None]]:
    """``"a, b=opt"`` -> [("a", None), ("b", "opt")]; empty or None -> []."""
    if text is None or (isinstance(text, float) and text != text):
        return []
    out = []
    for item in str(text).split(","):
        unit, sep, option = item.strip().partition("=")
        if unit.strip():
            out.append((unit.strip(), option.strip() if sep else None))
    return out


def format_unit_list(items: list[str] | None) -> str | None:
    """CLI values (``["a", "b=opt"]``) -> the manifest form ``"a, b=opt"`` (None if empty)."""
    items = [i.strip() for i in items or [] if i.strip()]
    return ", ".join(items) if items else None


@dataclass(frozen=True)
class BuildRequirements:
    """Build columns fixed to 0 and the units that must be built (with their allowed options)."""

    forbidden: frozenset[tuple[str, str]]  # (unit, option) never built
    required: dict[str, tuple[str, ...]]  # unit -> options of which one must be built

    @property
    def empty(self) -> bool:
        return not self.forbidden and not self.required


def build_requirements(manifest: Manifest, unit_options: dict[str, list[str]]) -> BuildRequirements:
    """The requirements of a (validated) manifest over ``unit_options`` (unit -> options)."""
    forbidden: set[tuple[str, str]] = set()
    for unit, _ in parse_unit_list(manifest.forbid_units):
        forbidden |= {(unit, j) for j in unit_options.get(unit, [])}
    required: dict[str, tuple[str, ...]] = {}
    for unit, option in parse_unit_list(manifest.require_units):
        allowed = [j for j in unit_options.get(unit, []) if option is None or j == option]
        forbidden |= {(unit, j) for j in unit_options.get(unit, []) if j not in allowed}
        required[unit] = tuple(allowed)
    return BuildRequirements(frozenset(forbidden), required)


def check_requirements(instance: Any, problems: ProblemList) -> None:
    """Named units exist and have capacity options; an option belongs to its unit; no unit
    is both required and forbidden."""
    m = instance.manifest
    units = set(instance["units"]["unit_id"])
    co = instance["capacity_options"]
    options: dict[str, list[str]] = {}
    for u, j in zip(co["unit_id"], co["option_id"]):
        options.setdefault(u, []).append(j)
    named: dict[str, set[str]] = {}
    for field, text in ((REQUIRE, m.require_units), (FORBID, m.forbid_units)):
        for unit, option in parse_unit_list(text):
            named.setdefault(unit, set()).add(field)
            if unit not in units:
                problems.error(
                    "instance.yaml",
                    "names no unit",
                    column=field,
                    found=unit,
                    expected="a unit_id of units.csv: " + ", ".join(sorted(units)),
                )
            elif not options.get(unit):
                problems.error(
                    "instance.yaml",
                    "unit has no capacity options to build",
                    column=field,
                    found=unit,
                    expected="a unit with rows in capacity_options.csv",
                )
            elif option is not None and field == REQUIRE and option not in options[unit]:
                problems.error(
                    "instance.yaml",
                    f"unit {unit} has no such capacity option",
                    column=field,
                    found=f"{unit}={option}",
                    expected="one of " + ", ".join(options[unit]),
                )
            elif option is not None and field == FORBID:
                problems.error(
                    "instance.yaml",
                    "forbid takes a unit, not an option",
                    column=field,
                    found=f"{unit}={option}",
                    expected=unit,
                )
    for unit, fields in named.items():
        if len(fields) == 2:
            problems.error(
                "instance.yaml",
                "unit is both required and forbidden",
                column=REQUIRE,
                found=unit,
                expected="one of the two",
            )


__all__ = [
    "BuildRequirements",
    "FORBID",
    "REQUIRE",
    "build_requirements",
    "check_requirements",
    "format_unit_list",
    "parse_unit_list",
]

"""Options shared by solve, breakeven and pareto: levers, requirements, floors, solver.

Each option is declared once here (type, bounds, help) and used by every command that takes
it; :func:`prepare_instance` applies them to a loaded instance in one place, so the three
commands solve exactly the same instance for the same options.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

Objective = Annotated[
    str | None, typer.Option(help="recovery, profit or npv (default: the instance manifest's)")
]
TimeLimit = Annotated[float | None, typer.Option(help="Seconds per solve.", min=0.0)]
Gap = Annotated[float | None, typer.Option(help="Relative MIP gap.", min=0.0)]
Threads = Annotated[int | None, typer.Option(help="Solver threads.", min=1)]
Seed = Annotated[int, typer.Option(help="Solver random seed.")]
Solver = Annotated[str, typer.Option(help="highs, or any Pyomo solver name.")]
Build = Annotated[
    str, typer.Option(help="matrix (vectorised, fast) or pyomo (through the Pyomo model).")
]
TargetYear = Annotated[
    int | None,
    typer.Option(
        "--target-year",
        min=2000,
        max=2100,
        help="Apply the EU targets in force in YEAR (default: the manifest's target_year; "
        "none: no targets).",
    ),
]
NoTargets = Annotated[
    bool, typer.Option("--no-targets", help="Do not enforce the targets; still report compliance.")
]
Require = Annotated[
    list[str] | None,
    typer.Option("--require", help="UNIT or UNIT=OPTION that must be built (repeatable)."),
]
Forbid = Annotated[
    list[str] | None,
    typer.Option("--forbid", help="UNIT of which no new capacity may be built (repeatable)."),
]
RecoveryFloor = Annotated[
    float | None, typer.Option(help="Least weighted recovery, t/yr.", min=0.0)
]
ProfitFloor = Annotated[float | None, typer.Option(help="Least annual profit, EUR/yr.")]
CapexSubsidy = Annotated[
    float | None, typer.Option(min=0.0, max=1.0, help="Lever: capex subsidy share for all units.")
]
CapexSubsidyFor = Annotated[
    list[str] | None, typer.Option(help="Lever: UNIT_OR_STAGE=SHARE capex subsidy (repeatable).")
]
EcoFee = Annotated[
    list[str] | None,
    typer.Option(help="Lever: RECYCLABILITY_CLASS=EUR_PER_T gate-fee adjustment (repeatable)."),
]
GuaranteeFrac = Annotated[
    float | None,
    typer.Option(min=0.0, max=1.0, help="Lever: share of capex under a loan guarantee."),
]
GuaranteeRate = Annotated[
    float | None,
    typer.Option(min=0.0, max=1.0, help="Lever: discount rate on the guaranteed share."),
]
Co2Price = Annotated[
    float | None, typer.Option(min=0.0, help="Lever: EUR per t of direct process CO2.")
]
Co2Cap = Annotated[float | None, typer.Option(min=0.0, help="Most direct process CO2, t/yr.")]
Land = Annotated[
    float | None, typer.Option(min=0.0, help="Lever: land available for new units, m2.")
]
Staff = Annotated[
    float | None, typer.Option(min=0.0, help="Lever: staff available for new units, FTE.")
]
StaffPool = Annotated[
    list[str] | None, typer.Option(help="Lever: SKILL_LEVEL=FTE available (repeatable).")
]
Procurement = Annotated[
    list[str] | None,
    typer.Option(
        help="Lever: public procurement offtake PRODUCT:MATERIAL=MAX_T[@PREMIUM_EUR_PER_T] "
        "(repeatable)."
    ),
]
Horizon = Annotated[int | None, typer.Option(min=1, max=100, help="Business-case horizon, years.")]
MaxNodes = Annotated[
    int | None,
    typer.Option(
        min=1, help="Largest route tree to build (default: the manifest's max_route_nodes)."
    ),
]

#: keyword names of the lever options (as in the command signatures)
LEVER_ARGS = (
    "capex_subsidy",
    "capex_subsidy_for",
    "eco_fee",
    "guarantee_frac",
    "guarantee_rate",
    "co2_price",
    "co2_cap",
    "land",
    "staff",
    "staff_pool",
    "procurement",
    "horizon",
)


def levers_from(args: dict[str, Any]) -> Any:
    """:class:`LeverOverrides` from the lever options among ``args`` (command locals)."""
    from plantopt.business.levers import LeverOverrides, parse_pairs, parse_procurement

    return LeverOverrides(
        capex_subsidy=args.get("capex_subsidy"),
        capex_subsidy_for=parse_pairs(args.get("capex_subsidy_for"), "--capex-subsidy-for"),
        eco_fee=parse_pairs(args.get("eco_fee"), "--eco-fee"),
        guarantee_frac=args.get("guarantee_frac"),
        guarantee_rate=args.get("guarantee_rate"),
        co2_price=args.get("co2_price"),
        co2_cap=args.get("co2_cap"),
        land=args.get("land"),
        staff=args.get("staff"),
        staff_pool=parse_pairs(args.get("staff_pool"), "--staff-pool"),
        procurement=parse_procurement(args.get("procurement")),
        horizon=args.get("horizon"),
    )


def prepare_instance(inst: Any, args: dict[str, Any]) -> Any:
    """``inst`` with the levers, requirements, floors, target year and route-node limit of
    ``args`` applied; requirements are validated (bad names: :class:`InstanceError`)."""
    from plantopt.business.levers import apply_levers
    from plantopt.instance.errors import ProblemList
    from plantopt.instance.requirements import FORBID, REQUIRE, check_requirements, format_unit_list

    if args.get("max_route_nodes") is not None:
        inst = inst.with_manifest(max_route_nodes=args["max_route_nodes"])
    inst = apply_levers(inst, levers_from(args))
    changes: dict[str, Any] = {}  # manifest field -> value, set in one replace below
    for key, field in (("require", REQUIRE), ("forbid", FORBID)):
        text = format_unit_list(args.get(key))
        if text is not None:
            changes[field] = text
    for key, field in (
        ("recovery_floor", "recovery_floor_t_per_yr"),
        ("profit_floor", "profit_floor_eur_per_yr"),
        ("target_year", "target_year"),
    ):
        if args.get(key) is not None:
            changes[field] = args[key]
    if args.get("no_targets"):
        changes["apply_targets"] = False
    if not changes:
        return inst
    inst = inst.with_manifest(**changes)
    if REQUIRE in changes or FORBID in changes:
        problems = ProblemList()
        check_requirements(inst, problems)
        problems.raise_if_errors(f"{inst.name} (--require / --forbid)")
    return inst


def solve_options(args: dict[str, Any]) -> Any:
    """:class:`SolveOptions` from the solver options among ``args``; bad choices exit 2."""
    from plantopt.instance.errors import PlantoptError
    from plantopt.solver.types import SolveOptions

    objective, build = args.get("objective"), args.get("build") or "matrix"
    if objective is not None and objective not in ("recovery", "profit", "npv"):
        raise PlantoptError(f"--objective must be recovery or profit or npv, not {objective!r}")
    if build not in ("matrix", "pyomo"):
        raise PlantoptError(f"--build must be matrix or pyomo, not {build!r}")
    gap = args.get("gap")
    return SolveOptions(
        solver=args.get("solver") or "highs",
        build=build,
        time_limit_s=args.get("time_limit"),
        threads=args.get("threads"),
        random_seed=args.get("seed") or 0,
        **({"mip_rel_gap": gap} if gap is not None else {}),
    )

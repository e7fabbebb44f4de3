"""Options shared by solve, breakeven and pareto: levers, requirements, floors, solver.

Each option is declared once: the levers in :data:`plantopt.instance.lever_registry.LEVERS`
(their options are made from it by :func:`lever_params`), the others here.
:func:`shared_options` gives a command those options; :func:`prepare_instance` applies them
to a loaded instance in one place, so the three commands solve exactly the same instance for
the same options.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
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
MaxNodes = Annotated[
    int | None,
    typer.Option(
        min=1, help="Largest route tree to build (default: the manifest's max_route_nodes)."
    ),
]

Params = list[inspect.Parameter]


def _param(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def lever_params() -> Params:
    """One option per command-line lever of the registry (type, bounds, help from there)."""
    from plantopt.instance.lever_registry import CLI_LEVERS

    out = []
    for lv in CLI_LEVERS:
        lo, hi = lv.bounds
        if lv.shape == "flag":  # --name / --no-name; neither: the instance's own value
            option = typer.Option(lv.flags, help=f"Lever: {lv.help}")
            out.append(_param(lv.name, Annotated[bool | None, option], None))
            continue
        if lv.shape == "number":
            kind: Any = int if lv.dtype == "int" else float
            lo, hi = (None if x is None else kind(x) for x in (lo, hi))
            option = typer.Option(lv.flag, min=lo, max=hi, help=f"Lever: {lv.help}")
            out.append(_param(lv.name, Annotated[kind | None, option], None))
            continue
        metavar = lv.expected().split(" with ")[0]
        option = typer.Option(lv.flag, metavar=metavar, help=f"Lever: {lv.help}")
        out.append(_param(lv.name, Annotated[list[str] | None, option], None))
    return out


#: the shared options of solve / breakeven / pareto by group; a command's own parameter of
#: the same name (e.g. solve's --time-limit help) takes precedence
GROUPS: dict[str, Callable[[], Params]] = {
    "solver": lambda: [
        _param("objective", Objective, None),
        _param("time_limit", TimeLimit, None),
        _param("gap", Gap, None),
        _param("threads", Threads, None),
        _param("seed", Seed, 0),
        _param("solver", Solver, "highs"),
        _param("build", Build, "matrix"),
    ],
    "setup": lambda: [
        _param("target_year", TargetYear, None),
        _param("no_targets", NoTargets, False),
        _param("require", Require, None),
        _param("forbid", Forbid, None),
        _param("recovery_floor", RecoveryFloor, None),
        _param("profit_floor", ProfitFloor, None),
        _param("max_route_nodes", MaxNodes, None),
    ],
    "levers": lever_params,
}


def shared_options(*groups: str, exclude: tuple[str, ...] = ()) -> Callable[[Any], Any]:
    """Give a command the options of ``groups`` (see :data:`GROUPS`) after its own.

    The command is written ``def cmd(path, own_option, ..., **opts)``; typer sees one
    signature with every option (so ``--help`` lists them with their help), and the
    command gets the shared ones in ``opts``.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(func, eval_str=True)
        own = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
        names = {p.name for p in own} | set(exclude)
        extra = [p for g in groups for p in GROUPS[g]() if p.name not in names]

        def command(**kwargs: Any) -> Any:
            return func(**kwargs)

        command.__name__, command.__qualname__ = func.__name__, func.__qualname__
        command.__doc__, command.__module__ = func.__doc__, func.__module__
        params = own + extra
        command.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return decorate


def prepare_instance(inst: Any, args: dict[str, Any]) -> Any:
    """``inst`` with the levers, requirements, floors, target year and route-node limit of
    ``args`` applied; requirements are validated (bad names: :class:`InstanceError`)."""
    from plantopt.business.levers import apply_levers, check_values, levers_from
    from plantopt.instance.errors import ProblemList
    from plantopt.instance.requirements import FORBID, REQUIRE, check_requirements, format_unit_list

    if args.get("max_route_nodes") is not None:
        inst = inst.with_manifest(max_route_nodes=args["max_route_nodes"])
    levers = levers_from(args)
    check_values(levers, "command line")
    inst = apply_levers(inst, levers)
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

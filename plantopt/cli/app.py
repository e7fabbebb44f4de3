"""Command line: ``plantopt validate | describe | solve | schema-doc | levers-doc`` and the
commands of :mod:`plantopt.cli.commands`.

Exit codes (scripts can trust them):

    0  a solution was found (optimal, or feasible within the time limit)
    1  internal error (a bug: please report it)
    2  bad input (instance problems, unknown files, bad options)
    3  infeasible
    4  no solution within the time limit
    5  unbounded
    6  solver error
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from plantopt.atomic import FORCE_HELP
from plantopt.cli import _options as O
from plantopt.cli._validate import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    run_reporting_errors,
    validate_folder,
)
from plantopt.solver.deadline import Deadline, TimeLimitReached
from plantopt.solver.types import SolveStatus

EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_UNBOUNDED, EXIT_SOLVER_ERROR = 3, 4, 5, 6
STATUS_EXIT = {
    SolveStatus.OPTIMAL: EXIT_OK,
    SolveStatus.FEASIBLE: EXIT_OK,
    SolveStatus.INFEASIBLE: EXIT_INFEASIBLE,
    SolveStatus.TIME_LIMIT_NO_SOLUTION: EXIT_NO_SOLUTION,
    SolveStatus.UNBOUNDED: EXIT_UNBOUNDED,
    SolveStatus.ERROR: EXIT_SOLVER_ERROR,
}

#: when main() started the command (the start of ``--time-limit``); None outside main()
_COMMAND_STARTED: list[float | None] = [None]

# Plain (Click) help and usage errors: typer's rich help formatter imports rich.markdown and
# markdown-it, ~0.1 s CPU of every ``--help`` (issue 17: --help <= 0.3 s CPU).
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Optimise recycling plants for critical raw materials.",
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

PathArg = Annotated[
    Path | None,
    typer.Argument(
        help="Instance folder (default: the packaged nl-2027 instance).", show_default=False
    ),
]


def _load(path: Path | None):
    from plantopt.instance.loader import load_instance
    from plantopt.instance.string_storage import use_python_strings

    use_python_strings()
    return load_instance(path)


@app.command()
def validate(path: PathArg = None) -> None:
    """Check an instance and list every problem (file, row, column, expected)."""
    code = validate_folder(console, path)
    if code != EXIT_OK:
        raise typer.Exit(code)


def _with_max_nodes(inst, max_route_nodes: int | None):
    return inst if max_route_nodes is None else inst.with_manifest(max_route_nodes=max_route_nodes)


@app.command()
def describe(
    path: PathArg = None,
    objective: Annotated[str | None, typer.Option(help="recovery, profit or npv")] = None,
    max_route_nodes: O.MaxNodes = None,
) -> None:
    """Set sizes, route-tree size and model size (rows, columns, nonzeros)."""
    from plantopt.model.build import build_families
    from plantopt.model.data import build_model_data
    from plantopt.model.emit_matrix import emit_matrix
    from plantopt.model.regulation_terms import build_regulation_data
    from plantopt.results.network import network_sizes
    from plantopt.results.text import _t
    from plantopt.routetree.tree import KIND_NAMES, build_route_tree

    inst = _with_max_nodes(_load(path), max_route_nodes)
    t0 = time.perf_counter()
    tree = build_route_tree(inst)
    t_tree = time.perf_counter() - t0
    t0 = time.perf_counter()
    data = build_model_data(inst, tree)
    fams = build_families(data, build_regulation_data(inst, data))
    mm = emit_matrix(fams, [objective or inst.manifest.objective or "recovery"])
    t_build = time.perf_counter() - t0
    rows, cols, nnz = mm.shape
    size = {
        "rows": rows,
        "columns": cols,
        "nonzeros": nnz,
        "integer_columns": int(mm.integrality.sum()),
    }
    tab = _t(f"{inst.name}: sizes", "what", "count")
    for name in (
        "materials",
        "feeds",
        "units",
        "capacity_options",
        "transfer_coefficients",
        "routing",
        "products",
    ):
        tab.add_row(name, str(len(inst[name])))
    tab.add_row("route-tree nodes", f"{tree.n_nodes:,}")
    for k, kind in enumerate(KIND_NAMES):
        tab.add_row(f"  {kind} nodes", f"{int((tree.node_kind == k).sum()):,}")
    tab.add_row("conservation groups", f"{tree.n_groups:,}")
    for name, count in network_sizes(fams.layout, data).items():  # sites.csv (issue 15)
        tab.add_row(name, f"{count:,}")
    for key in ("rows", "columns", "nonzeros", "integer_columns"):
        tab.add_row(f"model {key.replace('_', ' ')}", f"{size[key]:,}")
    tab.add_row("route tree time", f"{t_tree:.3f} s")
    tab.add_row("build time (matrix)", f"{t_build:.3f} s")
    console.print(tab)
    per_feed = _t("Route-tree nodes per feed", "feed", "nodes")
    for f, name in enumerate(tree.feeds):
        per_feed.add_row(name, f"{int((tree.node_feed == f).sum()):,}")
    console.print(per_feed)


CommandTimeLimit = Annotated[
    float | None,
    typer.Option(
        help="Seconds for the whole command (load, route tree, build, solve, extraction); "
        "the solver gets what is left.",
        min=0.0,
    ),
]
SolveOut = Annotated[
    Path | None,
    typer.Option(
        help="Result folder (default: results/<instance name as a safe slug>-<objective>)."
    ),
]
Force = Annotated[bool, typer.Option(help=FORCE_HELP)]
Quiet = Annotated[bool, typer.Option(help="Print only the status line.")]
TieBreak = Annotated[
    bool,
    typer.Option(
        "--tie-break/--no-tie-break",
        help="Among plans optimal for the objective, pick the best for the other one "
        "(profit after recovery, recovery after profit).",
    ),
]
TieBreakBudget = Annotated[
    float,
    typer.Option(
        "--tie-break-budget",
        metavar="FACTOR",
        min=0.0,
        help="CPU budget of the tie-break stage as a multiple of the primary solve's CPU "
        "time (at least 0.25 s); default inf: run it to the end (exact). A stage stopped by "
        "its budget keeps a primary-optimal plan and reports the secondary gap.",
    ),
]
WriteModel = Annotated[
    Path | None,
    typer.Option(
        "--write-model",
        metavar="FILE.mps|FILE.lp",
        help="Write the exact model handed to HiGHS (primary stage) to this file.",
    ),
]


@app.command()
@O.shared_options("solver", "setup", "levers")
def solve(
    path: PathArg = None,
    time_limit: CommandTimeLimit = None,
    out: SolveOut = None,
    force: Force = False,
    quiet: Quiet = False,
    tie_break: TieBreak = True,
    tie_break_budget: TieBreakBudget = math.inf,
    write_model: WriteModel = None,
    **shared: Any,
) -> None:
    """Solve an instance, print the plan and compliance, write Parquet tables + summary.json
    and the solved instance (instance/).

    An infeasible instance is diagnosed (which targets, minimums, capacities or budget to
    relax), printed and saved as diagnosis.txt; the exit code stays 3.
    """
    args = {**locals(), **shared}
    _check_choices(args["objective"], args["build"])
    _check_write_model(write_model, args["solver"])
    deadline = Deadline.start(time_limit)
    deadline.started = _COMMAND_STARTED[0] or deadline.started  # start-up counts too
    where: dict[str, Path] = {"target": out} if out is not None else {}
    try:
        with deadline.watchdog():  # armed before the heavy imports: they count too
            inst, res = _load_and_solve(args, deadline, where)
    except TimeLimitReached as exc:
        _time_limit_exit(exc, where.get("target"), force)
    _print_result(inst, res, quiet, out or where["target"])
    diagnosis = res.summary.get("diagnosis")
    from plantopt.results.tables import write_result_dir

    write_result_dir(
        out or where["target"],
        res.tables,
        res.summary,
        extra={"diagnosis.txt": "\n".join(diagnosis) + "\n"} if diagnosis else None,
        force=force,
        instance=res.instance,
    )
    console.print(f"results written to {out or where['target']}/")
    raise typer.Exit(STATUS_EXIT[res.status])


def _check_choices(objective: str | None, build: str) -> None:
    """Exit 2 for an unknown --objective or --build."""
    if objective is not None and objective not in ("recovery", "profit", "npv"):
        err_console.print(
            f"error: --objective must be recovery or profit or npv, not {objective!r}"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    if build not in ("matrix", "pyomo"):
        err_console.print(f"error: --build must be matrix or pyomo, not {build!r}")
        raise typer.Exit(EXIT_BAD_INPUT)


def _load_and_solve(args: dict[str, Any], deadline: Deadline, where: dict[str, Path]) -> Any:
    """Load, apply the options, refuse a foreign output folder, solve; (instance, result).

    ``where["target"]`` is set to the result folder as soon as it is known."""
    deadline.phase = "start-up (imports)"
    from plantopt.api import solve as run_solve
    from plantopt.atomic import check_output_folder, default_output_dir

    deadline.phase = "load"
    inst = O.prepare_instance(_load(args["path"]), args)
    objective = args["objective"]
    # refuse a foreign output folder before solving, not after
    where["target"] = args["out"] or default_output_dir(
        inst.name, objective or inst.manifest.objective or "recovery"
    )
    check_output_folder(where["target"], args["force"])
    deadline.check("route tree")
    write_model, budget = args["write_model"], float(args["tie_break_budget"])
    opts = replace(
        O.solve_options(args),
        deadline=deadline,
        tie_break=args["tie_break"],
        tie_break_budget=None if math.isinf(budget) else budget,
        write_model=None if write_model is None else str(write_model),
    )
    with _solving(console, inst.name, not args["quiet"]):
        return inst, run_solve(inst, objective=objective, options=opts)


def _print_result(inst: Any, res: Any, quiet: bool, target: Path) -> None:
    """The status line (quiet) or the plan, compliance, business case, diagnosis, warnings."""
    from plantopt.business.report import print_business_case, print_periods
    from plantopt.regulation.report import print_compliance, print_diagnosis
    from plantopt.results.text import print_plan, print_warnings

    if quiet:
        console.print(f"{inst.name} {res.objective_name} {res.status.value} {res.objective}")
        return
    print_plan(console, res)
    if res.has_solution and "periods" in res.tables:  # multi-period plan
        print_periods(console, res.tables, inst.manifest.currency)
        print_business_case(console, res.summary, inst.manifest.currency)
    elif res.has_solution:
        print_compliance(console, res.tables, res.summary)
        print_business_case(console, res.summary, inst.manifest.currency)
    print_diagnosis(console, res.summary, str(target / "diagnosis.txt"))
    print_warnings(console, res.summary)


def _time_limit_exit(exc: TimeLimitReached, target: Path | None, force: bool) -> None:
    """The time limit passed before the solver had a solution: say so, write the status
    (summary.json only) when the result folder is known, exit 4."""
    from plantopt.results.tables import write_result_dir

    err_console.print(f"{exc}")
    if target is not None:
        write_result_dir(
            target,
            {},
            {
                "status": SolveStatus.TIME_LIMIT_NO_SOLUTION.value,
                "message": str(exc),
                "time_limit_s": exc.limit_s,
                "stopped_during": exc.phase,
                "timings_s": {"total": exc.elapsed_s},
            },
            force=force,
        )
        console.print(f"results written to {target}/")
    raise typer.Exit(EXIT_NO_SOLUTION)


def _solving(console: Console, name: str, show: bool):  # noqa: ANN202
    """A spinner with elapsed time while a solve runs (terminals only)."""
    import contextlib

    if not show or not console.is_terminal:
        return contextlib.nullcontext()
    from plantopt.cli._progress import spinner

    return spinner(console, f"solving {name} (model build, HiGHS, tables) ...")


def _check_write_model(path: Path | None, solver: str) -> None:
    """Exit 2 with a clear message if ``--write-model`` cannot be honoured."""
    from plantopt.solver.types import MODEL_FILE_SUFFIXES

    if path is None:
        return
    if path.suffix.lower() not in MODEL_FILE_SUFFIXES:
        err_console.print(
            f"error: --write-model {path}: expected a file name ending in "
            f".mps or .lp, not {path.suffix or 'no suffix'!r}"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    if solver != "highs":
        err_console.print(
            "error: --write-model needs --solver highs (it writes the model "
            f"handed to HiGHS), not {solver!r}"
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    if not path.resolve().parent.is_dir():
        err_console.print(f"error: --write-model {path}: folder {path.parent} does not exist")
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("schema-doc")
def schema_doc(
    out: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the instance-format documentation generated from the schema."""
    from plantopt.instance.schema import format_markdown

    text = format_markdown()
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)


@app.command("levers-doc")
def levers_doc(
    out: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the policy-lever documentation (docs/levers.md) generated from the registry."""
    from plantopt.instance.lever_registry import format_levers_markdown

    text = format_levers_markdown()
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)


def _register_plugins() -> None:
    from plantopt.cli.commands import register_all

    register_all(app)


_register_plugins()


def main() -> None:
    """Entry point: run the app, turning plantopt's errors into messages and exit codes.

    Usage errors are reported by typer itself (exit 2); bad input raises plantopt's own
    errors, printed here without a traceback.
    """
    from plantopt.solver.deadline import process_started

    _COMMAND_STARTED[0] = process_started()
    try:
        run_reporting_errors(app, err_console)
    finally:
        _COMMAND_STARTED[0] = None


if __name__ == "__main__":
    main()

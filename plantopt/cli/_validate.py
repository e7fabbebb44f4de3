"""``plantopt validate [PATH]`` without the command-line framework (issue 17: <= 0.8 s).

The common call, ``plantopt validate`` with at most one folder and no option, is recognised by
:func:`plantopt.cli.main` before typer, Click and the other commands are imported (~0.07 s
CPU), and runs :func:`quick_validate`: the same check (:func:`validate_folder`, which the
typer command ``validate`` runs too), the same output and exit codes, the same error handling
(:func:`run_reporting_errors`, also the body of :func:`plantopt.cli.app.main`). Any other
argument list (an option, ``--help``, two folders) goes through typer as before.

Nothing here imports typer, Click or pandas at module level.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


def validate_folder(console: Console, path: Path | None) -> int:
    """Check an instance folder (the packaged default when ``path`` is None), print every
    problem (file, row, column, expected) and the verdict; the exit code (0 or 2)."""
    from plantopt.instance.loader import packaged_instance_path
    from plantopt.instance.loader import validate as run_validate
    from plantopt.instance.string_storage import use_python_strings
    from plantopt.results.text import print_problems

    use_python_strings()
    folder = path or packaged_instance_path()
    problems = run_validate(folder)
    print_problems(console, problems, str(folder))
    if any(p.severity == "error" for p in problems):
        return EXIT_BAD_INPUT
    console.print(
        f"[green]ok[/]: {folder} is valid "
        f"({sum(p.severity == 'warning' for p in problems)} warning(s))"
    )
    return EXIT_OK


def run_reporting_errors(run: Callable[[], object], err_console: Console) -> None:
    """Run ``run()``, turning plantopt's errors into messages and exit codes.

    Bad input (plantopt's own errors, a missing file) is printed without a traceback, exit 2;
    anything else is a bug: exit 1 with a message (``PLANTOPT_DEBUG=1`` re-raises it)."""
    from plantopt.instance.errors import InstanceError, PlantoptError

    try:
        run()
    except InstanceError as exc:
        from plantopt.results.text import print_problems

        print_problems(err_console, exc.problems, exc.source)
        sys.exit(EXIT_BAD_INPUT)
    except (PlantoptError, FileNotFoundError) as exc:
        err_console.print(f"error: {exc}")
        sys.exit(EXIT_BAD_INPUT)
    except Exception as exc:  # a genuine bug
        if os.environ.get("PLANTOPT_DEBUG"):
            raise
        err_console.print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in plantopt; please report it with the command "
            "you ran. Set PLANTOPT_DEBUG=1 to see the traceback."
        )
        sys.exit(EXIT_INTERNAL)


def is_quick_validate(args: list[str]) -> bool:
    """True for ``validate`` with at most one argument that is not an option."""
    return (
        len(args) in (1, 2) and args[0] == "validate" and not any(a.startswith("-") for a in args)
    )


def quick_validate(args: list[str]) -> NoReturn:
    """``plantopt validate [PATH]`` (``args`` as :func:`is_quick_validate` accepts them)."""
    _without_pyarrow()
    from rich.console import Console

    console = Console(highlight=False)
    err_console = Console(stderr=True, highlight=False)
    code: list[int] = [EXIT_OK]

    def run() -> None:
        code[0] = validate_folder(console, Path(args[1]) if len(args) > 1 else None)

    try:
        run_reporting_errors(run, err_console)
        sys.stdout.flush()
    except OSError as exc:  # as Click does: a closed pipe (``| head``) is not an error
        if exc.errno != errno.EPIPE:
            raise
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (nothing more is written)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code[0])


def _without_pyarrow() -> None:
    """Import pandas without pyarrow in this process.

    pandas 3 imports pyarrow and ``pyarrow.compute`` when they are installed (~0.1 s CPU of
    a 0.8 s command, measured on a 2-core machine), to hold text columns in Arrow arrays and
    to read and write Parquet. ``validate`` reads CSV text and checks it; the command line
    holds text as Python strings anyway (:mod:`plantopt.instance.string_storage`) and
    ``validate`` writes no Parquet. So pyarrow is marked as absent (``sys.modules`` entry
    ``None``: ``import pyarrow`` raises ImportError, which pandas treats as "not installed")
    only when pandas is not imported yet, in a process that ends after the check."""
    if "pandas" not in sys.modules:
        sys.modules.setdefault("pyarrow", None)  # type: ignore[arg-type]

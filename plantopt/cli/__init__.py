"""The command line: ``plantopt COMMAND`` (app.py), one module per further command (cmd_*.py)."""

from __future__ import annotations

import os
import sys

# OpenBLAS starts one thread per core when NumPy is imported: ~0.1 s CPU on every command
# (measured on a 2-core machine), for linear algebra that is small here (HiGHS and the numba
# kernels have their own threads). One BLAS thread unless the user asked for more; batch
# workers inherit it, so they do not oversubscribe the cores either.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS",)


def main() -> None:
    """Run the command line of ``sys.argv`` (in this process; it ends with ``SystemExit``).
    The ``plantopt`` script runs it through :func:`console_main`.

    ``plantopt validate [PATH]`` runs without typer (:mod:`plantopt.cli._validate`); every
    other command line goes through :mod:`plantopt.cli.app`."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    from plantopt.cli._validate import is_quick_validate, quick_validate

    if is_quick_validate(sys.argv[1:]):
        quick_validate(sys.argv[1:])
    from plantopt.cli.app import main as run

    run()


#: commands that end with :func:`_exit_now`: they run in this one thread and have written and
#: closed every file when they return; the others end through the interpreter's teardown
FAST_EXIT_COMMANDS = frozenset({"validate", "solve", "describe", "schema-doc", "levers-doc"})


def console_main() -> None:
    """Entry point of the ``plantopt`` script and of ``python -m plantopt.cli``: :func:`main`,
    ended by :func:`_exit_now` for the commands of :data:`FAST_EXIT_COMMANDS` and for help
    (no command, or ``--help`` first)."""
    first = sys.argv[1] if len(sys.argv) > 1 else "--help"
    if first not in FAST_EXIT_COMMANDS and first not in ("--help", "-h"):
        main()
        return
    try:
        main()
        code: str | int | None = 0
    except SystemExit as exc:
        code = exc.code
    _exit_now(code)


def _exit_now(code: str | int | None) -> None:
    """End the process with the status ``sys.exit(code)`` gives, without the interpreter's
    teardown.

    Tearing the interpreter down once pandas, NumPy and HiGHS are imported costs 0.1-0.3 s
    CPU (measured 2026-12-02 on a 2-core machine: 0.12 s after ``import pandas`` alone, ~0.25
    s after ``plantopt solve`` of nl-2027, 15-20 % of the command), freeing objects one by one
    for a process that is about to end. The commands that end here have written and closed
    their files (a result folder is renamed into place before the command returns). The
    atexit handlers still run and the standard streams are flushed, then ``os._exit``. With
    another thread still running, or a stream that cannot be flushed (a closed pipe), the
    process ends the usual way (``sys.exit``: threads joined, the error reported)."""
    import atexit
    import threading

    if threading.active_count() > 1:
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message on standard error, status 1
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(status)
    os._exit(status)

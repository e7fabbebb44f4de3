"""One whole ``plantopt solve`` in this process, with the CPU and wall time of each phase.

The phases of the command, in order: the interpreter's start (before this script runs), the
imports of the solve path (done up front here; the command does them as it goes), reading
and checking the instance, ``plantopt.solve`` (route tree, build, hand-off, HiGHS with the
tie-break, result tables and summary; split further by ``summary.json``'s ``timings_s``),
the terminal output, writing the result folder. The process then ends as the ``plantopt``
script ends it (:func:`plantopt.cli.console_main`); the parent measures that teardown as its
whole CPU time (``os.wait4``) minus ``cpu_at_end_s``.

    python benchmarks/solve_phases.py PHASES.json solve CASE [OPTIONS]

writes ``PHASES.json`` (``{"cpu_s": {...}, "wall_s": {...}, "cpu_at_end_s": ...}``) just
before the process ends. Used by ``bench_command.py``.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import Callable
from typing import Any

START_CPU = time.process_time()  # the interpreter's start-up, before this line
START_WALL = time.perf_counter()
MARKS: list[tuple[str, float, float]] = [("start", START_WALL, START_CPU)]


def _mark(name: str) -> None:
    MARKS.append((name, time.perf_counter(), time.process_time()))


def _wrap(module: Any, name: str, phase: str) -> None:
    """Time ``module.name`` as ``phase`` (what runs between two phases is ``other``)."""
    inner: Callable[..., Any] = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        _mark("other")
        try:
            return inner(*args, **kwargs)
        finally:
            _mark(phase)

    setattr(module, name, timed)


def _phases() -> tuple[dict[str, float], dict[str, float]]:
    cpu: dict[str, float] = {"interpreter": START_CPU}
    wall: dict[str, float] = {}
    for (_, w0, c0), (name, w1, c1) in itertools.pairwise(MARKS):
        cpu[name] = cpu.get(name, 0.0) + c1 - c0
        wall[name] = wall.get(name, 0.0) + w1 - w0
    return cpu, wall


def main(out: str, argv: list[str]) -> None:
    import os

    from plantopt import cli

    for var in cli.BLAS_THREAD_VARIABLES:  # set before NumPy loads, as the script does
        os.environ.setdefault(var, "1")
    import pyarrow.parquet  # noqa: F401 (the result folder's tables)

    import plantopt.api
    import plantopt.business.report
    import plantopt.regulation.report
    import plantopt.results.text
    from plantopt.cli import app
    from plantopt.results import tables

    _mark("imports")
    _wrap(app, "_load", "load_and_checks")
    _wrap(plantopt.api, "solve", "api_solve")
    _wrap(app, "_print_result", "print")
    _wrap(tables, "write_result_dir", "write")
    sys.argv = ["plantopt", *argv]
    code: str | int | None = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code
    _mark("other")
    cpu, wall = _phases()
    with open(out, "w") as fh:
        json.dump({"cpu_s": cpu, "wall_s": wall, "cpu_at_end_s": time.process_time()}, fh)
    cli._exit_now(code)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1].startswith("-"):  # never a file named "--help"
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    main(sys.argv[1], sys.argv[2:])

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
    """Entry point of the ``plantopt`` script (and of ``python -m plantopt.cli``).

    ``plantopt validate [PATH]`` runs without typer (:mod:`plantopt.cli._validate`); every
    other command line goes through :mod:`plantopt.cli.app`."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    from plantopt.cli._validate import is_quick_validate, quick_validate

    if is_quick_validate(sys.argv[1:]):
        quick_validate(sys.argv[1:])
    from plantopt.cli.app import main as run

    run()

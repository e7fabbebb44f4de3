"""Sub-commands beyond the core ones, one module each (``plantopt/cli/cmd_*.py``).

Every such module defines ``register(app: typer.Typer) -> None``, which adds its commands;
:mod:`plantopt.cli.app` registers them all in name order. Import errors are not hidden.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import typer


def register_all(app: typer.Typer) -> None:
    here = str(Path(__file__).resolve().parent)
    names = sorted(m.name for m in pkgutil.iter_modules([here]) if m.name.startswith("cmd_"))
    for name in names:
        importlib.import_module(f"plantopt.cli.{name}").register(app)

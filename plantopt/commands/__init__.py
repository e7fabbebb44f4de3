"""Sub-commands beyond the core ones, one module each.

Every module in this package defines ``register(app: typer.Typer) -> None``, which adds its
commands; :mod:`plantopt.cli` imports them all in name order. Import errors are not hidden.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer


def register_all(app: typer.Typer) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(app)

"""The command line: ``plantopt COMMAND`` (app.py), one module per further command (cmd_*.py)."""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``plantopt`` script."""
    from plantopt.cli.app import main as run

    run()

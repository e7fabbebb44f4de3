"""Progress displays: a bar for commands that run many solves (breakeven, pareto), a spinner
with the elapsed time for one long solve."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def solve_progress(
    console: Any, title: str, total: int | None = None, enabled: bool = True
) -> Iterator[Callable[[str], None]]:
    """Yield ``tick(text)``: one more solve done, with a status text.

    A rich progress bar (spinner, solves done, elapsed time; a bar when ``total`` is known)
    on a terminal; nothing when disabled or not a terminal (scripts and logs stay clean).
    """
    if not enabled or not console.is_terminal:
        yield lambda text: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [
        SpinnerColumn(),
        TextColumn(f"{title}"),
        BarColumn() if total else None,
        MofNCompleteColumn() if total else TextColumn("{task.completed} solves"),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    ]
    with Progress(*[c for c in columns if c is not None], console=console, transient=True) as bar:
        task = bar.add_task(title, total=total, status="")
        yield lambda text: bar.update(task, advance=1, status=text)


@contextlib.contextmanager
def spinner(console: Any, text: str) -> Iterator[None]:
    """A spinner, ``text`` and the elapsed time while the block runs (cleared after)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn(text), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        bar.add_task(text, total=None)
        yield

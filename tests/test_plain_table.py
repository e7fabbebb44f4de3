"""The plain terminal table draws what rich's table draws (same characters, widths and
justification) at a fraction of the cost, and falls back to rich's table when too wide."""

from __future__ import annotations

import io
import os

import pytest
from rich.console import Console
from rich.table import Table

from plantopt.results.plain_table import PlainTable


def _draw(table: object, width: int = 80) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    console.print(table)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [line.rstrip() for line in text.rstrip("\n").split("\n")]


def _pair(rows: list[tuple[str, ...]]) -> tuple[PlainTable, Table]:
    plain = PlainTable(title="Units (t/yr)", title_justify="left", show_edge=False)
    rich = Table(title="Units (t/yr)", title_justify="left", show_edge=False, pad_edge=False)
    for tab in (plain, rich):
        tab.add_column("unit", justify="left")
        tab.add_column("capacity", justify="right")
        tab.add_column("status", justify="left")
        for r in rows:
            tab.add_row(*r)
    return plain, rich


def test_draws_what_rich_draws() -> None:
    rows = [("shredder", "1,000.0", "met"), ("hydrometallurgy", "10.0", "[red]violated[/]")]
    plain, rich = _pair(rows)
    assert _draw(plain) == _draw(rich)
    lines = _draw(plain)
    assert lines[1] == "unit            ┃ capacity ┃ status"
    assert lines[2] == "━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━"
    assert lines[4] == "hydrometallurgy │     10.0 │ violated"  # markup not counted


def test_empty_and_short_rows() -> None:
    plain, rich = _pair([("a",)])  # missing cells are empty, as in rich
    assert _draw(plain) == _draw(rich)
    empty = PlainTable(title="none")
    empty.add_column("x")
    assert _draw(empty) == ["none", "x", "━"]


def test_a_table_wider_than_the_console_is_wrapped_by_rich() -> None:
    plain, rich = _pair([("u" * 50, "1.0", "w" * 40)])
    narrow = _draw(plain, width=60)
    assert narrow == _draw(rich, width=60)
    assert max(len(x) for x in narrow) <= 60


def test_the_command_line_asks_for_one_blas_thread_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import plantopt.cli as cli
    import plantopt.cli.app as app

    monkeypatch.setattr(app, "main", lambda: None)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    cli.main()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    cli.main()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"

"""Every table a command prints reads at 80 columns (issue 18): rendered at a console width
of 80 it has as many lines as at 400 (no cell, header or title wraps) and no line is wider
than 80. The tables are caught where the commands print them (rich ``Console.print``)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from plantopt.results.plain_table import PlainTable
from tests.conftest import INSTANCES
from tests.test_cli import run_main

WIDTH = 80
_PRINT = Console.print  # the real one: the fixture below spies on Console.print


def render(table: Table | PlainTable, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    _PRINT(console, table)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    return out.rstrip("\n").split("\n")


def wrapped(tables: list[Table | PlainTable]) -> list[str]:
    """The tables that wrap or overflow at 80 columns, drawn wide, for the message."""
    bad = []
    for t in tables:
        narrow, wide = render(t, WIDTH), render(t, 400)
        if len(narrow) != len(wide) or max(len(x) for x in narrow) > WIDTH:
            bad.append("\n".join(narrow))
    return bad


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[Table | PlainTable]:
    """Every table (rich's or plantopt's plain one) printed while the test runs."""
    seen: list[Table | PlainTable] = []
    original = Console.print

    def spy(self: Console, *objects: Any, **kwargs: Any) -> None:
        seen.extend(o for o in objects if isinstance(o, (Table, PlainTable)))
        original(self, *objects, **kwargs)

    monkeypatch.setattr(Console, "print", spy)
    return seen


def _run(mp: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: object) -> str:
    mp.setenv("COLUMNS", str(WIDTH))
    code, out, err = run_main(mp, capsys, *args)
    assert code in (0, 3), err
    return out


def test_solve_tables_fit_80_columns(
    printed: list[Table | PlainTable],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    nl = INSTANCES / "nl-2027"
    _run(
        monkeypatch,
        capsys,
        *("solve", nl, "--objective", "npv", "--target-year", "2031", "--out", tmp_path / "a"),
    )
    titles = [str(t.title) for t in printed]
    assert any(t.startswith("EU targets in force in 2031") for t in titles), titles
    assert any(t.startswith("Business case") for t in titles), titles
    assert not wrapped(printed), "\n\n".join(wrapped(printed))


def test_multi_period_solve_tables_fit_80_columns(
    printed: list[Table | PlainTable],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from plantopt.instance.writer import write_instance
    from tests.test_multiperiod import li_plant, periods

    folder = write_instance(li_plant(periods((2027, 4), (2031, 4))), tmp_path / "li")
    _run(monkeypatch, capsys, "solve", folder, "--objective", "npv", "--out", tmp_path / "r")
    titles = [str(t.title) for t in printed]
    assert "Periods" in titles and "Builds" in titles, titles
    assert not wrapped(printed), "\n\n".join(wrapped(printed))


@pytest.fixture(scope="module")
def tiny_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import plantopt

    root = tmp_path_factory.mktemp("w")
    tiny = INSTANCES / "tiny"
    a = plantopt.solve(tiny, objective="profit").save(root / "profit")
    b = plantopt.solve(tiny, objective="recovery").save(root / "recovery")
    return a, b


def test_study_tables_fit_80_columns(
    printed: list[Table | PlainTable],
    tiny_results: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a, b = tiny_results
    _run(monkeypatch, capsys, "compare", a, b)
    _run(
        monkeypatch,
        capsys,
        *("evaluate", a, "--samples", "200", "--spread", "0.1", "--engine", "numpy"),
        *("--no-plot", "--out", tmp_path / "mc"),
    )
    tiny = INSTANCES / "tiny"
    _run(monkeypatch, capsys, "pareto", tiny, "--points", "2", "--out", tmp_path / "front")
    titles = [str(t.title) for t in printed]
    assert len(titles) >= 4, titles
    assert not wrapped(printed), "\n\n".join(wrapped(printed))


def test_batch_and_sensitivity_tables_fit_80_columns(
    printed: list[Table | PlainTable],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from plantopt.instance.writer import write_instance
    from tests.test_sensitivity import case

    scen = tmp_path / "s.yaml"
    scen.write_text(
        f"name: w\nbase: {INSTANCES / 'tiny'}\ngrid:\n  objective: [profit, recovery]\n"
    )
    st = tmp_path / "st"
    _run(monkeypatch, capsys, "batch", scen, "--out", st, "--workers", "1", "--no-progress")
    _run(monkeypatch, capsys, "collect", st)
    folder = write_instance(case(), tmp_path / "case")
    _run(
        monkeypatch,
        capsys,
        *("sensitivity", folder, "--objective", "profit", "--workers", "1"),
        *("--out", tmp_path / "t"),
    )
    assert any("tornado" in str(t.title) for t in printed)
    assert not wrapped(printed), "\n\n".join(wrapped(printed))


def test_a_long_solve_shows_a_spinner_with_the_elapsed_time() -> None:
    import time

    from plantopt.cli.app import _solving

    console = Console(file=io.StringIO(), force_terminal=True, width=WIDTH)
    with _solving(console, "nl-2027", True):
        time.sleep(0.4)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "solving nl-2027 (model build, HiGHS, tables) ..." in shown
    assert "0:00:0" in shown  # the elapsed time
    quiet = Console(file=io.StringIO(), force_terminal=False)
    with _solving(quiet, "nl-2027", True):
        pass
    assert quiet.file.getvalue() == ""  # type: ignore[attr-defined]  # not a terminal

"""``plantopt validate [PATH]`` without typer (plantopt/cli/_validate.py, issue 17).

The quick path must print exactly what the typer command prints (every problem with file,
row, column and expected), exit with the same code, and import neither typer, Click nor
pyarrow. Each case runs both paths as whole processes: ``python -m plantopt.cli`` (the entry
point, quick path) and ``plantopt.cli.app.main()`` (typer)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from plantopt.cli._validate import is_quick_validate
from tests.builders import InstanceFolder
from tests.conftest import INSTANCES

ROOT = Path(__file__).resolve().parents[1]
QUICK = "from plantopt.cli import main\nmain()\n"
TYPER = "from plantopt.cli.app import main\nmain()\n"


def run_cli_code(code: str, args: list[str], cwd: Path, extra: str = "") -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of a fresh interpreter running ``code`` with
    ``sys.argv = ["plantopt", *args]`` (``extra`` runs first), in ``cwd``."""
    env = {k: v for k, v in os.environ.items() if k not in ("PLANTOPT_DEBUG", "COLUMNS")}
    script = f"import sys\nsys.argv = ['plantopt', *{args!r}]\n{extra}{code}"
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _broken(tmp_path: Path) -> Path:
    bad = InstanceFolder(tmp_path / "bad")
    bad.set_cell("composition.csv", 3, "mass_frac", "0.5")
    bad.set_cell("feeds.csv", 2, "available_t_per_yr", "lots")
    bad.set_cell("routing.csv", 8, "to_id", "noproduct")
    return bad.path


@pytest.mark.parametrize("case", ["default", "broken", "missing", "warning-only"])
def test_quick_validate_prints_what_typer_prints(case: str, tmp_path: Path) -> None:
    if case == "warning-only":
        warn = InstanceFolder(tmp_path / "w")
        warn.add_row("units.csv", unit_id="orphan", stage="refining", existing_capacity_t_per_yr=5)
    folder = {
        "default": lambda: None,
        "broken": lambda: _broken(tmp_path),
        "missing": lambda: tmp_path / "absent",
        "warning-only": lambda: tmp_path / "w" / "tiny",
    }[case]()
    args = ["validate"] if folder is None else ["validate", str(folder)]
    quick = run_cli_code(QUICK, args, tmp_path)
    assert quick == run_cli_code(TYPER, args, tmp_path)
    assert "Traceback" not in quick[1] + quick[2]
    expected_code = {"broken": 2, "missing": 2}.get(case, 0)
    assert quick[0] == expected_code, quick
    if case == "broken":
        out = quick[1]
        assert "3 error(s)" in out
        assert "composition.csv, row 2, column 'mass_frac'" in out
        assert "feeds.csv, row 2, column 'available_t_per_yr'" in out and "'lots'" in out
        assert "routing.csv, row 8, column 'to_id'" in out
    if case == "warning-only":
        words = " ".join(quick[1].split())  # the line wraps at 80 columns with a long path
        assert "orphan" in words and "valid (1 warning(s))" in words


def test_quick_validate_imports_no_typer_click_or_pyarrow(tmp_path: Path) -> None:
    probe = (
        "import atexit\n"
        "atexit.register(lambda: print(sorted(m for m in ('typer', 'click', 'pyarrow') "
        "if sys.modules.get(m) is not None), file=sys.stderr))\n"
    )
    code, out, err = run_cli_code(QUICK, ["validate", str(INSTANCES / "tiny")], tmp_path, probe)
    assert code == 0 and "is valid" in out, err
    assert err.strip().splitlines()[-1] == "[]", err


def test_other_command_lines_go_through_typer(tmp_path: Path) -> None:
    assert is_quick_validate(["validate"]) and is_quick_validate(["validate", "x"])
    for args in (
        [],
        ["validate", "--help"],
        ["validate", "a", "b"],
        ["validate", "-h"],
        ["solve"],
        ["--help"],
    ):
        assert not is_quick_validate(args), args
    code, out, _ = run_cli_code(QUICK, ["validate", "--help"], tmp_path)
    assert code == 0 and "Usage" in out
    code, _, err = run_cli_code(QUICK, ["validate", "a", "b"], tmp_path)
    assert code == 2 and "unexpected extra argument" in err.lower()


def test_in_process_validate_leaves_pyarrow_importable() -> None:
    """In a process that has imported pandas already (a test run, a notebook), the quick
    path changes nothing about pyarrow."""
    import pandas  # noqa: F401

    from plantopt.cli._validate import _without_pyarrow

    _without_pyarrow()
    import pyarrow

    assert sys.modules["pyarrow"] is pyarrow

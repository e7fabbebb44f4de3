"""`plantopt solve` with targets: --target-year, --no-targets, compliance printed and saved,
exit code 3 with the diagnosis printed and saved for an infeasible instance."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt import cli
from plantopt.instance.writer import write_instance
from tests.conftest import assert_mass_balance
from tests.regulation_cases import battery_case


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: object
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["plantopt", *map(str, args)])
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("PLANTOPT_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        cli.main()
    code = info.value.code
    return (0 if code is None else int(code)), capsys.readouterr().out


def _load_result(out: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in out.glob("*.parquet")}


def test_target_year_option_applies_and_prints_compliance(tmp_path, monkeypatch, capsys):
    folder = write_instance(battery_case(), tmp_path / "inst")  # no target_year in manifest
    code, text = run_main(monkeypatch, capsys, "solve", folder, "--out", tmp_path / "a")
    assert code == 0 and "no EU targets applied" in text
    code, text = run_main(
        monkeypatch, capsys, "solve", folder, "--target-year", "2027", "--out", tmp_path / "b"
    )
    assert code == 0
    assert "EU targets in force in 2027 (enforced)" in text
    assert "Li recovery, Li-based (2027)" in text and "binding" in text
    tables = _load_result(tmp_path / "b")
    comp = tables["compliance"].set_index("target_id")
    assert comp.at["C-RM-Li-2027:lithium", "status"] == "binding"
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary["compliance"]["target_year"] == 2027
    # the saved tables balance (checked through a Result rebuilt from the files)
    inst = plantopt.load_instance(folder)
    res = plantopt.Result(
        plantopt.SolveStatus.OPTIMAL, "profit", None, None, None, {}, summary, tables
    )
    assert_mass_balance(inst, res)


def test_no_targets_option_reports_violation_without_enforcing(tmp_path, monkeypatch, capsys):
    folder = write_instance(battery_case(target_year=2027), tmp_path / "inst")
    code, text = run_main(
        monkeypatch, capsys, "solve", folder, "--no-targets", "--out", tmp_path / "c"
    )
    assert code == 0 and "NOT enforced" in text and "violated" in text
    comp = pd.read_parquet(tmp_path / "c" / "compliance.parquet").set_index("target_id")
    assert comp.at["C-RM-Li-2027:lithium", "status"] == "violated"
    assert not comp.at["C-RM-Li-2027:lithium", "enforced"]


def test_infeasible_exit_3_with_diagnosis_printed_and_saved(tmp_path, monkeypatch, capsys):
    folder = write_instance(battery_case(hydromet=False, contracted_min=100.0), tmp_path / "inst")
    code, text = run_main(
        monkeypatch, capsys, "solve", folder, "--target-year", "2031", "--out", tmp_path / "d"
    )
    assert code == 3
    assert "Why the instance is infeasible" in text
    assert (
        "Li material recovery, lithium-based (2031): at most 0.0 % achievable, 80 % required"
        in text
    )
    saved = (tmp_path / "d" / "diagnosis.txt").read_text()
    assert "no unit in this instance recovers Li" in saved
    assert (tmp_path / "d" / "diagnosis.parquet").is_file()
    summary = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert summary["status"] == "infeasible" and summary["diagnosis"]
    # the same instance solves with 2027 targets? Li 50 % also needs a Li route: still 3
    code, _ = run_main(
        monkeypatch, capsys, "solve", folder, "--target-year", "2027", "--out", tmp_path / "e"
    )
    assert code == 3

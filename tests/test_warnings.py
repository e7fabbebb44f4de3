"""Warnings next to the headline numbers (issue 18): targets met only by refusing their feeds,
a solve that hit a limit, a Monte Carlo median far from the plan; the diagnosis in plain
words on the terminal with the conflict set in diagnosis.txt."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.results.warnings import monte_carlo_warnings, plan_warnings
from tests.builders import InstanceFolder
from tests.conftest import INSTANCES
from tests.test_cli import run_main


def test_npv_plan_refusing_battery_feeds_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """nl-2027 under the 2031 targets with objective npv refuses every battery feed: the
    battery targets read 'not applicable — no covered feed accepted', which must not look
    like compliance."""
    out = tmp_path / "r"
    code, stdout, err = run_main(
        monkeypatch,
        capsys,
        "solve",
        INSTANCES / "nl-2027",
        "--target-year",
        "2031",
        "--objective",
        "npv",
        "--out",
        out,
    )
    assert code == 0, err
    comp = pd.read_parquet(out / "compliance.parquet")
    refused = comp[comp["status"] == "not applicable — no covered feed accepted"]
    assert len(refused)  # the situation of the issue
    summary = json.loads((out / "summary.json").read_text())
    (warning,) = [w for w in summary["plan_warnings"] if "refuses every feed" in w]
    assert f"{len(refused)} target(s)" in warning
    assert "refuses every feed" in " ".join(stdout.split())


def test_plan_with_every_covered_feed_accepted_has_no_refusal_warning() -> None:
    res = plantopt.solve(INSTANCES / "tiny")
    assert not any("refuses" in w for w in res.summary["plan_warnings"])


def test_limit_warnings() -> None:
    assert "stopped at a limit" in plan_warnings({"status": "feasible", "gap": 0.05}, {})[0]
    assert (
        "above the"
        in plan_warnings({"status": "optimal", "gap": 0.05, "options": {"mip_rel_gap": 1e-4}}, {})[
            0
        ]
    )
    assert (
        plan_warnings({"status": "optimal", "gap": 1e-5, "options": {"mip_rel_gap": 1e-4}}, {})
        == []
    )


def test_monte_carlo_median_far_from_the_plan() -> None:
    q = pd.DataFrame({"metric": ["profit_eur_per_yr"], "p5": [0.0], "p50": [8.0e7], "p95": [1e8]})
    (w,) = monte_carlo_warnings(q, {"profit_eur_per_yr": 1.0e6})
    assert "80.0x" in w and "lopsided" in w
    assert monte_carlo_warnings(q, {"profit_eur_per_yr": 7.0e7}) == []


def test_diagnosis_plain_words_on_terminal_conflict_set_in_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = InstanceFolder(tmp_path)
    folder.set_cell("feeds.csv", 2, "contracted_min_t_per_yr", "100")
    folder.set_cell("units.csv", 4, "existing_capacity_t_per_yr", "10")
    out = tmp_path / "res"
    code, stdout, err = run_main(monkeypatch, capsys, "solve", folder.path, "--out", out)
    assert code == 3
    text = (out / "diagnosis.txt").read_text()
    assert "capacity_limit[" in text  # the conflict set is in the file ...
    assert "capacity_limit[" not in stdout  # ... not on the terminal
    assert "constraints conflict" in stdout and "diagnosis.txt" in stdout
    assert "Infeasible" in stdout

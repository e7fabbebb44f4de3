"""pareto, breakeven, batch + collect on a small multi-period instance, by hand (issue 18;
default run, a few seconds; nl-2027-2040 runs them in tests/test_multiperiod_workflow.py,
slow).

The instance is tests/test_multiperiod.li_plant over periods 2027+4 and 2031+4 (r = 0):
X (x1: 10 t/yr, capex 80 000, 8 yr) is needed from 2031 for the 80 % Li target.
  npv with X built in 2031: 6000 x 4 + 10 000 x 4 - 80 000 + salvage 40 000 = 24 000;
  with a capex subsidy s on X: 24 000 + 40 000 s (net capex and salvage both scale by 1 - s),
  so NPV >= 34 000 from s = 0.25.
  profit (horizon mean) 3000; weighted recovery (Li weight 1): 6 t/yr in 2027 (60 % of the
  10 t of Li) and 10 t/yr in 2031 (all Li, through X), mean 8 t/yr.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.studies.breakeven import breakeven
from plantopt.studies.pareto import pareto_front
from tests.test_cli import run_main
from tests.test_multiperiod import li_plant, periods


@pytest.fixture(scope="module")
def li() -> plantopt.Instance:
    return li_plant(periods((2027, 4), (2031, 4)))


def test_pareto_on_a_multi_period_instance(li: plantopt.Instance) -> None:
    front = pareto_front(li, n_points=2, economic="npv")
    p = front.points
    # npv anchor: X in 2031 (recovery 8, npv 24 000); recovery anchor: X already in 2027,
    # in service (and paid) for all 8 years: Li 10 t/yr in both periods, npv
    # 10 000 x 8 - 80 000 = 0 (no salvage: the life ends with the horizon)
    assert len(p) == 2
    assert list(p["npv_eur"]) == pytest.approx([24_000.0, 0.0], abs=1e-3)
    assert list(p["weighted_recovery_t_per_yr"]) == pytest.approx([8.0, 10.0], rel=1e-4)
    assert list(p["built"]) == ["X:x1@2031", "X:x1@2027"]
    assert p.at[1, "changes"] == "+X:x1@2027; -X:x1@2031"  # the plan change is named


def test_breakeven_on_a_multi_period_instance(li: plantopt.Instance) -> None:
    ticks: list[tuple[int, float, float]] = []
    b = breakeven(
        li,
        "capex-subsidy",
        hurdle_eur=34_000.0,
        tolerance=1e-3,
        subsidy_on=["X"],
        progress=lambda n, lo, hi: ticks.append((n, lo, hi)),
    )
    assert b.status == "found"
    assert b.value == pytest.approx(0.25, abs=1e-3) and b.value >= 0.25
    assert b.summary["npv_at_value_eur"] == pytest.approx(24_000 + 40_000 * b.value, rel=1e-9)
    assert [n for n, _, _ in ticks] == list(range(1, len(b.iterations) + 1))
    assert ticks[-1][2] - ticks[-1][1] <= 2e-3  # the bracket narrows (before the last halving)


def test_batch_and_collect_on_a_multi_period_instance(
    li: plantopt.Instance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from plantopt.instance.writer import write_instance

    folder = write_instance(li, tmp_path / "li")
    scen = tmp_path / "s.yaml"
    scen.write_text(f"name: mp\nbase: {folder}\ngrid:\n  objective: [npv, profit]\n")
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "batch",
        scen,
        "--out",
        tmp_path / "st",
        "--workers",
        "1",
        "--no-progress",
    )
    assert code == 0, err
    code, out, err = run_main(monkeypatch, capsys, "collect", tmp_path / "st")
    assert code == 0, err
    df = pd.read_parquet(tmp_path / "st" / "collect.parquet").set_index("objective_name")
    assert df.at["npv", "npv_eur"] == pytest.approx(24_000.0, rel=1e-9)
    assert df.at["profit", "profit_eur_per_yr"] == pytest.approx(3_000.0, rel=1e-9)
    assert df.at["npv", "units_built"] == "X:x1@2031"
    assert bool(df.at["npv", "all_targets_met"])

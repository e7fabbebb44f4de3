"""The highest alpha any plan can reach (issue 19): the per-scenario feasibility bound.

The hand case of tests/test_robust_ph.py (:func:`chance_plant`, 4 scenarios of seed 0,
T = 91.10, 64.78, 77.24, 64.43 t/yr, all of F accepted) with R's options small (65 t/yr)
and medium (80 t/yr) only: an option of capacity C meets the Co target (90 %) only where
0.95 C >= 0.9 T, so no plan meets it in s0 (T = 91.10 > 0.95 * 80 / 0.9 = 84.44) and
medium meets it in the other three. By hand: the highest reachable alpha is 3/4, the
per-scenario bound too; s0 is short by 0.9 * 0.8 * 91.0987 - 0.95 * 0.8 * 80 =
65.5911 - 60.8 = 4.7911 t/yr of Co (its Part B target, 0.65 * 91.10 = 59.21 <= 60.8 t/yr
recycled, holds). With every option large enough the bound is 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plantopt.instance.writer import write_instance
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ceiling import alpha_ceiling, scenario_feasible, shortfalls
from plantopt.uncertainty.robust_solve import highest_alpha
from tests.test_robust_ph import TONNAGES, chance_plant, chance_scenarios

OPTS = SolveOptions(tie_break=False)
SMALL_MEDIUM = (("small", 65.0, 100.0), ("medium", 80.0, 150.0))
SHORT_S0 = 0.9 * 0.8 * TONNAGES[0] - 0.95 * 0.8 * 80.0


def test_ceiling_by_hand() -> None:
    fams = chance_scenarios(chance_plant(SMALL_MEDIUM))
    assert [scenario_feasible(f, "builds", OPTS) for f in fams] == [False, True, True, True]
    ceiling = alpha_ceiling(fams, "builds", OPTS)
    assert ceiling["alpha_upper_bound"] == 0.75
    assert ceiling["scenarios_blocked"] == [0]
    assert SHORT_S0 == pytest.approx(4.7911, abs=1e-4)
    assert ceiling["shortfall_t_per_yr"] == {"0": {"C-RM-Co-2027:lithium": pytest.approx(SHORT_S0)}}
    assert ceiling["blocking_share"] == {"C-RM-Co-2027:lithium": 0.25}
    # the bound is reached here: medium meets the targets in s1..s3
    assert highest_alpha(fams, "profit", "builds", False, OPTS)["alpha_max"] == 0.75
    # a scenario that can be met has no shortfall; with big (120 t/yr) all can
    assert shortfalls(fams[1], "builds", OPTS) == ({}, {})
    # s0's Co target cannot be met even with Part B dropped
    assert ceiling["alone_shortfall_t_per_yr"] == {
        "0": {"C-RM-Co-2027:lithium": pytest.approx(SHORT_S0)}
    }
    assert alpha_ceiling(chance_scenarios(chance_plant()), "builds", OPTS)["alpha_upper_bound"] == 1


def test_robust_prints_the_highest_alpha_and_what_blocks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.test_cli import run_main

    folder = write_instance(chance_plant(SMALL_MEDIUM), tmp_path / "case")
    out = tmp_path / "rb"
    code, text, _ = run_main(
        monkeypatch, capsys, "robust", str(folder), "--scenarios", "4", "--seed", "0",
        "--alpha", "0.9", "--objective", "profit", "--oos-samples", "0", "--no-evpi",
        "--out", out,
    )  # fmt: skip
    assert code == 1, text  # no plan reaches alpha
    words = " ".join(text.split())
    assert "alpha 0.9 not reachable: the highest reachable alpha is 0.750" in words
    assert "no scenario alone reaches more than 0.750" in words
    assert "blocked by C-RM-Co-2027:lithium in 25.0% of the scenarios" in words
    assert f"scenario 0: C-RM-Co-2027:lithium short by {SHORT_S0:,.2f} t/yr (even alone)" in words
    s = json.loads((out / "robust.json").read_text())
    assert s["highest_alpha"]["per_scenario"]["alpha_upper_bound"] == 0.75

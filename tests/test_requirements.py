"""--require / --forbid (manifest require_units / forbid_units), floors on solve, and the
break-even with every option (issue 18).

Hand case: ``tests/test_levers.plant`` (r = 0, lifetime 10 yr). Unsubsidised, no option pays:
    big   (100 t/yr): margin 100 x (0.1 x 1000 - 50) = 5000, annualised capex 6000 -> -1000
    small  (50 t/yr): margin  50 x 50              = 2500, annualised capex 4000 -> -1500
so max profit builds nothing (0); required to build R it builds big (-1000); required to
build R=small, -1500; forbidden to build R, recovery is 0 (nothing can treat the feed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.instance.errors import InstanceError
from plantopt.instance.writer import write_instance
from tests.conftest import assert_mass_balance
from tests.test_cli import run_main
from tests.test_levers import built, plant

BUILDS = ["matrix", "pyomo"]


@pytest.mark.parametrize("build", BUILDS)
def test_required_unit_is_built_at_a_loss(build: str) -> None:
    res = plantopt.solve(plant({"require_units": "R"}), objective="profit", build=build)
    assert_mass_balance(plant(), res)
    assert built(res) == {"big"} and res.objective == pytest.approx(-1000.0, rel=1e-6)
    res = plantopt.solve(plant({"require_units": "R=small"}), objective="profit", build=build)
    assert built(res) == {"small"} and res.objective == pytest.approx(-1500.0, rel=1e-6)


@pytest.mark.parametrize("build", BUILDS)
def test_forbidden_unit_is_never_built(build: str) -> None:
    free = plantopt.solve(plant(), objective="recovery", build=build)
    assert built(free) == {"big"} and free.objective == pytest.approx(10.0, rel=1e-6)
    res = plantopt.solve(plant({"forbid_units": "R"}), objective="recovery", build=build)
    assert built(res) == set() and res.objective == pytest.approx(0.0, abs=1e-9)
    # required and forced by a recovery floor it cannot meet: infeasible, not silently ignored
    res = plantopt.solve(
        plant({"forbid_units": "R", "recovery_floor_t_per_yr": 1.0}),
        objective="profit",
        build=build,
        diagnose=False,
    )
    assert res.status == plantopt.SolveStatus.INFEASIBLE


def test_bad_requirements_name_the_field_and_what_is_expected() -> None:
    with pytest.raises(InstanceError) as info:
        plant({"require_units": "R=huge, nope", "forbid_units": "R"})
    text = str(info.value) + " ".join(str(p) for p in info.value.problems)
    assert "require_units" in text and "huge" in text and "big, small" in text
    assert "nope" in text and "both required and forbidden" in text


def test_cli_solve_require_forbid_and_floors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_instance(plant(), tmp_path / "inst")
    out = tmp_path / "r"
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "solve",
        folder,
        "--objective",
        "profit",
        "--require",
        "R",
        "--out",
        out,
        "--quiet",
    )
    assert code == 0, err
    assert json.loads((out / "summary.json").read_text())["objective"] == pytest.approx(-1000)
    assert plantopt.load_instance(out / "instance").manifest["require_units"] == "R"
    # recovery floor 6 t/yr: small (5 t) is not enough, big is built although it loses money
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "solve",
        folder,
        "--objective",
        "profit",
        "--recovery-floor",
        "6",
        "--out",
        out,
        "--quiet",
    )
    assert code == 0, err
    assert json.loads((out / "summary.json").read_text())["objective"] == pytest.approx(-1000)
    # a profit floor of 0 with objective recovery: nothing can be built
    code, _, err = run_main(
        monkeypatch, capsys, "solve", folder, "--profit-floor", "0", "--out", out, "--quiet"
    )
    assert code == 0, err
    assert json.loads((out / "summary.json").read_text())["objective"] == pytest.approx(0)
    code, _, err = run_main(monkeypatch, capsys, "solve", folder, "--forbid", "X")
    assert code == 2 and "forbid_units" in err and "Traceback" not in err


def test_cli_breakeven_subsidy_on_chosen_units_with_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Required to build R, the subsidy on R only that closes the case is 1/6 (as for the
    whole park, which is R alone); the solved instance subsidises R only."""
    folder = write_instance(plant(), tmp_path / "inst")
    out = tmp_path / "be"
    code, stdout, err = run_main(
        monkeypatch,
        capsys,
        "breakeven",
        folder,
        "--require",
        "R",
        "--subsidy-on",
        "R",
        "--objective",
        "npv",
        "--target-year",
        "2031",
        "--time-limit",
        "30",
        "--out",
        out,
    )
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())["breakeven"]
    assert summary["status"] == "found" and summary["subsidy_on"] == ["R"]
    assert 1 / 6 <= summary["value"] <= 1 / 6 + summary["tolerance"] + 1e-12
    solved = plantopt.load_instance(out / "instance")
    assert solved.manifest.get("capex_subsidy_frac") in (None, 0.0)
    rows = solved["capex_subsidies"]
    assert list(rows["applies_to"]) == ["R"]
    assert solved.manifest["require_units"] == "R" and solved.manifest["target_year"] == 2031
    code, _, err = run_main(monkeypatch, capsys, "breakeven", folder, "--subsidy-on", "nope")
    assert code == 2 and "nope" in err
    code, _, err = run_main(
        monkeypatch, capsys, "breakeven", folder, "--lever", "gate-fee", "--subsidy-on", "R"
    )
    assert code == 2 and "--subsidy-on" in err


def test_cli_pareto_takes_requirements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_instance(plant({"capex_subsidy_frac": 0.4}), tmp_path / "inst")
    out = tmp_path / "front"
    code, _, err = run_main(
        monkeypatch, capsys, "pareto", folder, "--points", "3", "--require", "R=small", "--out", out
    )
    assert code == 0, err
    for point in (out / "points").iterdir():
        res = plantopt.Result.load(point)
        assert set(res.tables["built_units"]["option_id"]) == {"small"}


def test_batch_scenario_sets_requirements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_instance(plant(), tmp_path / "inst")
    scen = tmp_path / "s.yaml"
    scen.write_text(
        f"base: {folder}\nset:\n  objective: profit\ngrid:\n  require_units: ['R', 'R=small']\n"
    )
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "batch",
        scen,
        "--out",
        tmp_path / "store",
        "--workers",
        "1",
        "--no-progress",
    )
    assert code == 0, err
    objectives = sorted(
        json.loads((d / "summary.json").read_text())["objective"]
        for d in (tmp_path / "store" / "jobs").iterdir()
    )
    assert objectives == pytest.approx([-1500.0, -1000.0])


def test_multi_period_requirements_nl_2027_2040() -> None:
    """Over 2027-2040 (builds per period): a forbidden unit is built in no period, a required
    one in some period, and neither can beat the free plan's NPV."""
    from tests.conftest import INSTANCES

    inst = plantopt.load_instance(INSTANCES / "nl-2027-2040")
    free = plantopt.solve(inst, objective="npv", time_limit_s=120)
    tol = 2 * free.summary["options"]["mip_rel_gap"] * abs(free.objective)
    no_pm = plantopt.solve(
        inst.with_manifest(forbid_units="pm_smelter"), objective="npv", time_limit_s=120
    )
    assert "pm_smelter" not in set(no_pm.tables["built_units"]["unit_id"])
    hydro = plantopt.solve(
        inst.with_manifest(require_units="hydromet"), objective="npv", time_limit_s=120
    )
    assert "hydromet" in set(hydro.tables["built_units"]["unit_id"])
    assert no_pm.objective <= free.objective + tol and hydro.objective <= free.objective + tol


def test_collect_has_npv_irr_targets_and_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """nl-2027, max NPV under the 2027 and the 2031 targets: the 2031 plan refuses the
    battery feeds, so its targets are not all met although none is violated."""
    from tests.conftest import INSTANCES

    scen = tmp_path / "s.yaml"
    scen.write_text(
        f"base: {INSTANCES / 'nl-2027'}\nset:\n  objective: npv\n"
        "grid:\n  target_year: [2027, 2031]\n"
    )
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
    code, stdout, err = run_main(monkeypatch, capsys, "collect", tmp_path / "st")
    assert code == 0, err
    df = pd.read_csv(tmp_path / "st" / "collect.csv").set_index("target year")
    for col in (
        "npv_eur",
        "irr",
        "payback_year",
        "capex_gross_eur",
        "units_built",
        "all_targets_met",
    ):
        assert col in df.columns
    assert df.at[2031, "targets_met_by_refusing_feeds"] > 0
    assert not df.at[2031, "all_targets_met"]
    for year in (2027, 2031):
        summary = json.loads(
            (tmp_path / "st" / "jobs" / df.at[year, "scenario_id"] / "summary.json").read_text()
        )
        assert df.at[year, "npv_eur"] == pytest.approx(summary["business_case"]["npv_eur"])
    assert "NOT met" in stdout and "NPV" in stdout

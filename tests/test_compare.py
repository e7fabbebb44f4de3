"""plantopt compare A B (issue 18): what differs between two plans, read from result folders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.instance.writer import write_instance
from plantopt.studies.compare import compare, compare_results
from tests.conftest import INSTANCES
from tests.test_cli import run_main
from tests.test_levers import plant


def test_hand_plans_differ_by_the_option_and_its_flows(tmp_path: Path) -> None:
    """Required R=small vs R=big (tests/test_requirements.py): 50 vs 100 t/yr accepted,
    capacities 50 vs 100, profit -1500 vs -1000."""
    small = plantopt.solve(plant({"require_units": "R=small"}), objective="profit")
    big = plantopt.solve(plant({"require_units": "R=big"}), objective="profit")
    small.save(tmp_path / "small")
    big.save(tmp_path / "big")
    cmp = compare(tmp_path / "small", tmp_path / "big")
    units = cmp.units.set_index("option_id")
    assert (
        units.at["small", "capacity_t_per_yr_a"] == 50
        and units.at["small", "capacity_t_per_yr_b"] == 0
    )
    assert units.at["big", "capacity_t_per_yr_delta"] == 100
    feeds = cmp.feeds.set_index("feed_id")
    assert feeds.at["F", "accepted_t_per_yr_a"] == pytest.approx(50)
    assert feeds.at["F", "accepted_t_per_yr_delta"] == pytest.approx(50)
    head = cmp.headline.set_index("metric")
    assert head.at["profit per year", "delta"] == pytest.approx(500, rel=1e-6)
    routes = cmp.routes.set_index(["source", "target"])
    # Co into product P: 0.1 x accepted
    assert routes.at[("R", "product:P"), "mass_t_per_yr_delta"] == pytest.approx(5.0)
    assert not cmp.same_plan
    assert compare_results(small, small).same_plan


def test_cli_compare_prints_at_80_columns_and_writes_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_instance(plant(), tmp_path / "inst")
    for name, req in (("a", "R=small"), ("b", "R")):
        code, _, err = run_main(
            monkeypatch,
            capsys,
            "solve",
            folder,
            "--objective",
            "profit",
            "--require",
            req,
            "--out",
            tmp_path / name,
            "--quiet",
        )
        assert code == 0, err
    monkeypatch.setenv("COLUMNS", "80")
    code, stdout, err = run_main(
        monkeypatch, capsys, "compare", tmp_path / "a", tmp_path / "b", "--out", tmp_path / "cmp"
    )
    assert code == 0, err
    assert max(len(line) for line in stdout.splitlines()) <= 80
    assert "R / big" in stdout and "R / small" in stdout and "EUR" in stdout
    units = pd.read_parquet(tmp_path / "cmp" / "compare_units.parquet")
    assert set(units["option_id"]) == {"big", "small"}
    code, _, err = run_main(monkeypatch, capsys, "compare", tmp_path / "a", tmp_path / "nope")
    assert code == 2 and "summary.json" in err


def test_compare_multi_period_plans_period_by_period(tmp_path: Path) -> None:
    inst = plantopt.load_instance(INSTANCES / "nl-2027-2040")
    free = plantopt.solve(inst, objective="npv", time_limit_s=120)
    no_pm = plantopt.solve(
        inst.with_manifest(forbid_units="pm_smelter"), objective="npv", time_limit_s=120
    )
    cmp = compare_results(free, no_pm)
    assert "period" in cmp.units.columns and "period" in cmp.feeds.columns
    gone = cmp.units[cmp.units["unit_id"] == "pm_smelter"]
    assert len(gone) and (gone["count_b"] == 0).all() and (gone["count_a"] > 0).all()
    assert cmp.headline.set_index("metric").at["NPV", "delta"] < 0

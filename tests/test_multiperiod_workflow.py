"""Every command on a multi-period result (issue 18), on nl-2027-2040 (periods 2027, 2031,
2035): evaluate period by period, report, compare, collect; pareto, breakeven and the
infeasibility diagnosis (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.uncertainty import load_plan, nominal_metrics, regulation_targets
from tests.conftest import INSTANCES
from tests.test_cli import run_main

NL = INSTANCES / "nl-2027-2040"


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    res = plantopt.solve(NL, objective="npv", time_limit_s=120)
    assert res.has_solution
    return res.save(tmp_path_factory.mktemp("mp") / "plan")


def test_each_period_is_a_plan_that_reproduces_its_tables(plan_dir: Path) -> None:
    econ = pd.read_parquet(plan_dir / "economics.parquet")
    rec = pd.read_parquet(plan_dir / "recovery.parquet")
    periods = list(dict.fromkeys(econ["period"].astype(str)))
    assert periods == ["2027", "2031", "2035"]
    for p in periods:
        plan = load_plan(plan_dir, period=p)
        nominal = nominal_metrics(plan, regulation_targets(plan))
        profit = econ[(econ["period"].astype(str) == p) & (econ["item"] == "profit")]
        assert nominal["profit_eur_per_yr"] == pytest.approx(
            float(profit["eur_per_yr"].iloc[0]), rel=1e-9
        )
        r = rec[rec["period"].astype(str) == p].set_index("material")
        for m in ("Li", "Cu"):
            assert nominal[f"recovered_t_per_yr:{m}"] == pytest.approx(
                r.at[m, "recovered_t_per_yr"], rel=1e-9, abs=1e-9
            )
    with pytest.raises(plantopt.PlantoptError, match="multi-period"):
        load_plan(plan_dir)


def test_cli_evaluate_and_report_on_a_multi_period_result(
    plan_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "mc"
    code, stdout, err = run_main(
        monkeypatch,
        capsys,
        "evaluate",
        plan_dir,
        "--samples",
        "300",
        "--spread",
        "0.1",
        "--engine",
        "numpy",
        "--no-plot",
        "--out",
        out,
    )
    assert code == 0, err
    for p in ("2027", "2031", "2035"):
        assert f"period {p}" in stdout
        summary = json.loads((out / p / "summary.json").read_text())
        assert summary["samples"] == 300
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "evaluate",
        plan_dir,
        "--samples",
        "100",
        "--period",
        "2031",
        "--engine",
        "numpy",
        "--no-plot",
        "--out",
        tmp_path / "one",
    )
    assert code == 0, err and (tmp_path / "one" / "summary.json").is_file()
    code, _, err = run_main(
        monkeypatch, capsys, "report", plan_dir, "--no-static", "--out", tmp_path / "r.html"
    )
    assert code == 0, err
    page = (tmp_path / "r.html").read_text()
    built = pd.read_parquet(plan_dir / "built_units.parquet")
    assert page.count("data-unit=") == len(built)  # every (period, option) on the card
    assert "flows of period 2035" in page


@pytest.mark.slow
def test_pareto_and_breakeven_on_a_multi_period_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "pareto",
        NL,
        "--points",
        "2",
        "--time-limit",
        "120",
        "--out",
        tmp_path / "front",
    )
    assert code == 0, err
    points = pd.read_parquet(tmp_path / "front" / "pareto.parquet")
    assert len(points) >= 1 and (tmp_path / "front" / "points" / "0" / "instance").is_dir()
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "breakeven",
        NL,
        "--require",
        "hydromet",
        "--subsidy-on",
        "hydromet",
        "--hurdle",
        "2e8",
        "--tolerance",
        "0.02",
        "--time-limit",
        "120",
        "--out",
        tmp_path / "be",
    )
    assert code == 0, err
    s = json.loads((tmp_path / "be" / "summary.json").read_text())["breakeven"]
    assert s["status"] in ("found", "not_reached", "closes_without_lever")


@pytest.mark.slow
def test_infeasible_nl_2027_2040_is_diagnosed_by_period() -> None:
    # a recovery floor of 1000 t/yr (horizon mean) is far above what any plan recovers
    res = plantopt.solve(NL, objective="npv", recovery_floor=1000.0, time_limit_s=120)
    assert res.status == plantopt.SolveStatus.INFEASIBLE
    d = res["diagnosis"]
    floor = d[(d["analysis"] == "only floor") & (d["key"] == "recovery_floor")].iloc[0]
    assert floor["required"] == 1000.0 and floor["possible"] < 1000.0 and floor["period"] == ""
    assert "mean over the horizon" in floor["message"]
    targets = d[d["analysis"] == "only target"]
    assert set(targets["period"]) <= {"2027", "2031", "2035"} and len(targets)
    assert all(m.startswith(f"period {p}: ") for m, p in zip(targets["message"], targets["period"]))
    iis = d.loc[d["analysis"] == "iis", "key"].tolist()
    if iis:  # the LP relaxation is infeasible too: its conflict set names periods
        assert any(k.startswith("period[") for k in iis)
    else:  # the LP relaxation is feasible: only whole-number builds conflict
        assert any("LP relaxation is feasible" in m for m in res.summary["diagnosis"])

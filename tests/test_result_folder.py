"""Every result folder holds exactly what was solved (issue 18): solve, breakeven, Pareto
points and batch jobs can all be evaluated, reported and loaded back with Result.load."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.business.levers import LeverOverrides, apply_levers
from plantopt.instance.writer import write_instance
from plantopt.results.folder import ResultFolderError, solved_instance
from plantopt.results.tables import Result
from tests.conftest import INSTANCES
from tests.test_cli import run_main
from tests.test_levers import plant


def test_saved_instance_loads_with_the_recorded_hash(tmp_path: Path) -> None:
    # a lever value that %.10g would round: the copy must still hash the same
    inst = apply_levers(plant({"horizon_yr": 10}), LeverOverrides(gate_fee_shift=1 / 3))
    res = plantopt.solve(inst, objective="npv")
    res.save(tmp_path / "r")
    copy = plantopt.load_instance(tmp_path / "r" / "instance")
    assert copy.content_hash() == inst.content_hash() == res.summary["instance"]["hash"]
    back = Result.load(tmp_path / "r")
    assert back.status == res.status and back.objective == pytest.approx(res.objective)
    assert back.instance is not None and back.instance.content_hash() == inst.content_hash()
    pd.testing.assert_frame_equal(back.tables["built_units"], res.tables["built_units"])


def test_tables_are_indexed_by_their_ids() -> None:
    res = plantopt.solve(INSTANCES / "tiny")
    rec = res["recovery"]
    assert rec.loc["Co", "recovered_t_per_yr"] == pytest.approx(100 * 0.10 * 0.95 * 0.98)
    assert "material" in rec.columns and rec.index.name is None
    assert res["feed_intake"].index.tolist() == res.tables["feed_intake"]["feed_id"].tolist()
    econ = res["economics"]
    assert econ.loc["profit", "eur_per_yr"] == pytest.approx(res.summary["profit_eur_per_yr"])
    # the stored table keeps its 0..n index
    assert res.tables["recovery"].index.tolist() == list(range(len(rec)))


def test_changed_copy_is_refused(tmp_path: Path) -> None:
    res = plantopt.solve(INSTANCES / "tiny")
    res.save(tmp_path / "r")
    feeds = tmp_path / "r" / "instance" / "feeds.csv"
    df = pd.read_csv(feeds)
    df["gate_fee_eur_per_t"] = 7.0
    df.to_csv(feeds, index=False)
    with pytest.raises(ResultFolderError, match="changed since"):
        solved_instance(tmp_path / "r")


def test_evaluate_and_report_accept_a_breakeven_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bug of issue 18: breakeven recorded the lever-applied hash but no instance."""
    folder = write_instance(plant({"horizon_yr": 10}), tmp_path / "inst")
    out = tmp_path / "be"
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "breakeven",
        folder,
        "--lever",
        "gate-fee",
        "--recovery-floor",
        "10",
        "--out",
        out,
    )
    assert code == 0, err
    solved = plantopt.load_instance(out / "instance")
    # the copy is the lever-applied instance (fees shifted), not the original
    base = plantopt.load_instance(folder)
    assert (solved["feeds"]["gate_fee_eur_per_t"] > base["feeds"]["gate_fee_eur_per_t"]).all()
    assert solved.manifest["recovery_floor_t_per_yr"] == 10.0
    code, stdout, err = run_main(
        monkeypatch,
        capsys,
        "evaluate",
        out,
        "--samples",
        "200",
        "--spread",
        "0.1",
        "--no-plot",
        "--engine",
        "numpy",
    )
    assert code == 0, err
    code, _, err = run_main(monkeypatch, capsys, "report", out, "--no-static")
    assert code == 0, err and (out / "report.html").is_file()


def test_pareto_points_are_result_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_instance(
        plant({"capex_subsidy_frac": 0.4, "horizon_yr": 10, "co2_price_eur_per_t": 30}, co2=0.5),
        tmp_path / "inst",
    )
    out = tmp_path / "front"
    code, _, err = run_main(monkeypatch, capsys, "pareto", folder, "--points", "3", "--out", out)
    assert code == 0, err
    points = pd.read_parquet(out / "pareto.parquet")
    for k in points["point"]:
        res = Result.load(out / "points" / str(k))
        assert res.has_solution and res.instance is not None
        assert res.summary["weighted_recovery_t_per_yr"] == pytest.approx(
            points.loc[k, "weighted_recovery_t_per_yr"], rel=1e-6
        )
    last = out / "points" / str(points["point"].max())
    code, _, err = run_main(
        monkeypatch, capsys, "evaluate", last, "--samples", "100", "--no-plot", "--engine", "numpy"
    )
    assert code == 0, err


def test_batch_job_holds_base_plus_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_instance(plant({"horizon_yr": 10}), tmp_path / "inst")
    scen = tmp_path / "s.yaml"
    scen.write_text(
        f"base: {folder}\nset:\n  feeds.gate_fee_eur_per_t: 3.3333333333333\n"
        "  recovery_floor_t_per_yr: 10.0\n"
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
    jobs = sorted((tmp_path / "store" / "jobs").iterdir())
    assert jobs and (jobs[0] / "job.json").is_file() and (jobs[0] / "instance").is_dir()
    summary = json.loads((jobs[0] / "summary.json").read_text())
    inst = solved_instance(jobs[0])
    assert inst.content_hash() == summary["instance"]["hash"]
    assert (inst["feeds"]["gate_fee_eur_per_t"] == 3.3333333333333).all()
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "evaluate",
        jobs[0],
        "--samples",
        "100",
        "--no-plot",
        "--engine",
        "numpy",
    )
    assert code == 0, err

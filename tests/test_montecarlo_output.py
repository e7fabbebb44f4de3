"""Monte Carlo output (issue 18): led by P(all targets met) and P(met) per target; every
target gets a histogram panel with the plan and the required share drawn in."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from plantopt.uncertainty.montecarlo import MonteCarloResult
from plantopt.uncertainty.report import metric_label, plot_metrics, target_rows
from tests.conftest import INSTANCES
from tests.test_cli import run_main


def test_evaluate_leads_with_the_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    res = tmp_path / "r"
    code, _, err = run_main(
        monkeypatch, capsys, "solve", INSTANCES / "tiny", "--out", res, "--quiet"
    )
    assert code == 0, err
    out = tmp_path / "mc"
    code, stdout, err = run_main(
        monkeypatch,
        capsys,
        "evaluate",
        res,
        "--samples",
        "2000",
        "--spread",
        "0.1",
        "--target",
        "Li=0.2",
        "--target",
        "Co=0.9",
        "--engine",
        "numpy",
        "--out",
        out,
    )
    assert code == 0, err
    assert stdout.index("P(all targets met)") < stdout.index("Distribution per metric")
    summary = json.loads((out / "summary.json").read_text())
    targets = pd.read_parquet(out / "targets.parquet")
    assert targets.iloc[0]["target"] == "all targets"
    assert targets.iloc[0]["probability_met"] == pytest.approx(
        summary["probabilities"]["all_targets_met"]
    )
    assert f"{100 * summary['probabilities']['all_targets_met']:.1f} %" in stdout
    assert len(targets) == 3 and (targets["probability_met"] <= 1).all()
    assert "e+0" not in stdout and "e-0" not in stdout


def test_every_target_has_a_panel() -> None:
    n = 200
    rng = np.random.default_rng(0)
    cols = {"profit_eur_per_yr": rng.normal(size=n), "revenue_eur_per_yr": rng.normal(size=n)}
    labels = [f"target {i}" for i in range(20)]
    for label in labels:
        cols[f"target_ratio:{label}"] = rng.uniform(size=n)
        cols[f"target_met:{label}"] = cols[f"target_ratio:{label}"] > 0.5
    for m in ("Co", "Ni", "Li"):
        cols[f"recovery_frac:{m}"] = rng.uniform(size=n)
        cols[f"recovered_t_per_yr:{m}"] = rng.uniform(size=n)
    samples = pd.DataFrame(cols)
    mc = MonteCarloResult(
        samples=samples,
        quantiles=pd.DataFrame({"metric": list(cols), "p5": 0.0, "p50": 0.5, "p95": 1.0}),
        probabilities={"all_targets_met": 0.1},
        summary={"targets": [{"label": label, "required_frac": 0.5} for label in labels]},
    )
    panels = plot_metrics(mc)
    assert panels[0] == "profit_eur_per_yr"
    assert {f"target_ratio:{label}" for label in labels} <= set(panels)
    rows = target_rows(mc, {})
    assert len(rows) == 21 and rows.iloc[0]["probability_met"] == 0.1
    assert metric_label("profit_eur_per_yr", "USD") == "profit (USD/yr)"
    assert metric_label("recovery_frac:Co") == "Co recovery"

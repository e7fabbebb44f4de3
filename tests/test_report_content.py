"""The report reads at a glance (issue 18): a summary card whose figures equal summary.json,
readable labels, shares in %, an economics waterfall, the Pareto front as steps, Sankey
labels with amounts, Monte Carlo histograms with plan and required lines. Checked in the DOM
headless Chromium renders (when installed), by content, not by byte size."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.report import make_report
from plantopt.report.card import column_label
from tests.conftest import INSTANCES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def business_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """nl-2027 under the 2031 targets, max NPV; a Monte Carlo run next to it."""
    from plantopt.uncertainty import (
        SamplingOptions,
        load_plan,
        nominal_metrics,
        regulation_targets,
        run_monte_carlo,
    )
    from plantopt.uncertainty.report import write_outputs

    inst = plantopt.load_instance(INSTANCES / "nl-2027").with_manifest(target_year=2031)
    res = plantopt.solve(inst, objective="npv", time_limit_s=120)
    folder = res.save(tmp_path_factory.mktemp("res") / "case")
    plan = load_plan(folder)
    targets = regulation_targets(plan, 2027)
    mc = run_monte_carlo(
        plan, 300, 1, SamplingOptions(comp_spread=0.1, tc_spread=0.1), targets, use_numba=False
    )
    write_outputs(mc, folder.with_name("case-evaluate"), nominal_metrics(plan, targets), plot=False)
    return folder


def _kpis(page: str) -> dict[str, str]:
    return dict(re.findall(r"data-kpi=['\"](\w+)['\"] data-value=['\"]([^'\"]*)['\"]", page))


def _check_card(page: str, folder: Path) -> None:
    summary = json.loads((folder / "summary.json").read_text())
    case = summary["business_case"]
    kpi = _kpis(page)
    assert float(kpi["npv_eur"]) == pytest.approx(case["npv_eur"], rel=1e-12)
    assert float(kpi["irr"]) == pytest.approx(case["irr"], rel=1e-12)
    assert float(kpi["capex_gross_eur"]) == pytest.approx(case["capex_gross_eur"])
    assert float(kpi["profit_eur_per_yr"]) == pytest.approx(summary["profit_eur_per_yr"])
    assert int(float(kpi["payback_year"])) == case["payback_year"]
    built = pd.read_parquet(folder / "built_units.parquet")
    assert sorted(re.findall(r"data-unit=['\"]([^'\"]+)['\"]", page)) == sorted(built["unit_id"])
    intake = pd.read_parquet(folder / "feed_intake.parquet")
    accepted = sorted(intake.loc[intake["accepted_t_per_yr"] > 1e-9, "feed_id"])
    assert sorted(re.findall(r"data-feed=['\"]([^'\"]+)['\"]", page)) == accepted
    comp = pd.read_parquet(folder / "compliance.parquet")
    measured = comp[comp["achieved_frac"].notna()]
    ok = measured["status"].isin(["met", "binding"]).sum()
    assert float(kpi["compliance_frac"]) == pytest.approx(ok / len(measured))
    for w in summary["plan_warnings"]:
        assert w.split(":")[0] in page  # the refused-feed warning is on the card
    card = page[page.index("summary-card") : page.index("Material flows")]
    assert "refuses every feed" in card


def test_report_content(business_case: Path, tmp_path: Path) -> None:
    out, _ = make_report(business_case, tmp_path / "report.html", static=False)
    page = out.read_text()
    _check_card(page, business_case)
    assert '"type":"waterfall"' in page  # economics waterfall
    assert "P(all targets met)" in page and "data-kpi='p_all_targets_met'" in page
    assert "annotation" in page and '"text":"required"' in page  # target lines on histograms
    labels = re.findall(r'"label":\[([^\]]*)\]', page)[0]
    assert "t\\u002fyr)" in labels and not re.search(r"\de[+-]\d", labels)  # amounts, no e-notation
    assert "snake_case" not in page and "capacity (t/yr)" in page and "achieved (%)" in page
    assert page.index("summary-card") < page.index("Material flows")


def test_pareto_drawn_as_steps_with_changes(tmp_path: Path) -> None:
    from plantopt.report.sections import pareto_figure

    points = pd.DataFrame(
        {
            "point": [0, 1],
            "weighted_recovery_t_per_yr": [5.0, 10.0],
            "npv_eur": [100.0, 50.0],
            "changes": ["", "+R:big"],
        }
    )
    fig = pareto_figure(points)
    assert fig.data[0].line.shape == "vh"
    assert "1: +R:big" in list(fig.data[1].text)


def test_labels() -> None:
    assert column_label("capacity_t_per_yr") == "capacity (t/yr)"
    assert column_label("capex_eur", "USD") == "capex (USD)"
    assert column_label("unit_id") == "unit"
    assert column_label("recovery_frac") == "recovery (%)"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_summary_card_in_headless_chromium(business_case: Path, tmp_path: Path) -> None:
    from tests.test_report import FLAGS

    out, _ = make_report(business_case, tmp_path / "report.html", static=False)
    with tempfile.TemporaryDirectory(prefix="plantopt-chromium-") as profile:
        dom = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", out.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-render-status="ok"' in dom.stdout, dom.stdout[-3000:]
    _check_card(dom.stdout, business_case)
    # plotly drew the waterfall and the Sankey node labels with their amounts
    assert "waterfall" in dom.stdout and re.search(r"t/yr\)</text>", dom.stdout)

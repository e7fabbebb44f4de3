"""HTML report and static figures of a result folder (tiny instance, DESIGN.md example).

Hand-worked flows (tests/test_tiny.py): 100 t of feed is shredded; 10 t/yr of black mass
(26.455 t of feed) goes to hydromet, 27.8 t to the smelter, 62.2 t of shredder residue to
landfill. Li into li2co3 = 26.455 * 0.02 * 0.95 * 0.90 = 0.4524 t/yr; Co into co_alloy =
73.545 * 0.10 * 0.95 * 0.98 = 6.847 t/yr.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import plantopt
from plantopt.report import make_report, read_result, sankey_views
from tests.conftest import assert_mass_balance

LI_TO_LI2CO3 = 10 / 0.378 * 0.02 * 0.95 * 0.90
CO_TO_ALLOY = (100 - 10 / 0.378) * 0.10 * 0.95 * 0.98


@pytest.fixture(scope="module")
def result_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tiny = plantopt.load_instance(Path(plantopt.packaged_instance_path("tiny")))
    res = plantopt.solve(tiny)
    assert_mass_balance(tiny, res)
    return res.save(tmp_path_factory.mktemp("res") / "tiny")


def _link(view: pd.DataFrame, source: str, target: str) -> float:
    sel = view[(view["source_id"] == source) & (view["target_id"] == target)]
    return float(sel["mass_t_per_yr"].sum())


def test_sankey_views_match_hand_flows(result_dir: Path) -> None:
    views = sankey_views(read_result(result_dir))
    assert list(views) == ["total mass", "Li", "Co"]  # critical materials that entered
    total = views["total mass"]
    assert _link(total, "liion", "shredder") == pytest.approx(100.0)
    assert _link(total, "shredder", "hydromet") == pytest.approx(10.0)
    assert _link(total, "shredder", "smelter") == pytest.approx(0.378 * (100 - 10 / 0.378))
    assert _link(views["Li"], "hydromet", "li2co3") == pytest.approx(LI_TO_LI2CO3, rel=1e-9)
    assert _link(views["Co"], "smelter", "co_alloy") == pytest.approx(CO_TO_ALLOY, rel=1e-9)
    # every view conserves mass: what enters from feeds leaves to products/disposal/losses
    for view in views.values():
        into = view.loc[view["source_kind"] == "feed", "mass_t_per_yr"].sum()
        out = view.loc[view["target_kind"] != "unit", "mass_t_per_yr"].sum()
        assert out == pytest.approx(into, rel=1e-9)


def test_views_rebuilt_for_results_without_material_flows(result_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(result_dir, old)
    (old / "material_flows.parquet").unlink()
    views = sankey_views(read_result(old))  # rebuilt from the instance's route tree
    assert _link(views["Li"], "hydromet", "li2co3") == pytest.approx(LI_TO_LI2CO3, rel=1e-9)
    shutil.rmtree(old / "instance", ignore_errors=True)  # the solved copy (issue 18)
    summary = (old / "summary.json").read_text().replace('"path": "', '"path": "/nowhere')
    (old / "summary.json").write_text(summary)
    views = sankey_views(read_result(old))  # only flows.parquet: total mass only
    assert list(views) == ["total mass"]
    assert _link(views["total mass"], "shredder", "hydromet") == pytest.approx(10.0)


def test_report_html_and_static_figures(result_dir: Path, tmp_path: Path) -> None:
    # the layout plantopt pareto and plantopt evaluate write next to a result folder
    folder = tmp_path / "tiny-recovery"
    shutil.copytree(result_dir, folder)
    (tmp_path / "tiny-pareto").mkdir()
    pd.DataFrame(
        {
            "point": [0, 1, 2],
            "weighted_recovery_t_per_yr": [9.0, 9.5, 9.76],
            "npv_eur": [3e5, 2e5, 0.0],
        }
    ).to_parquet(tmp_path / "tiny-pareto" / "pareto.parquet")
    (tmp_path / "tiny-pareto" / "summary.json").write_text('{"npv_rate_basis": "8.0 % real"}')
    mc = tmp_path / "tiny-recovery-evaluate"
    mc.mkdir()
    pd.DataFrame(
        {
            "sample": range(50),
            "profit_eur_per_yr": [float(i) for i in range(50)],
            "recovery_frac:Li": [0.2 + i / 1000 for i in range(50)],
        }
    ).to_parquet(mc / "samples.parquet")
    pd.DataFrame({"event": ["profit > 0"], "probability": [0.98]}).to_parquet(
        mc / "probabilities.parquet"
    )
    out, figures = make_report(folder, tmp_path / "r" / "report.html")
    text = out.read_text()
    assert "monte_carlo_probabilities" in text and "profit &gt; 0" in text
    assert "plan change that buys the extra recovery; NPV at 8.0 % real" in text
    assert "<script src=" not in text and len(text) > 1_000_000  # plotly.js inline: offline
    assert text.count('"type":"sankey"') == 3  # total mass, Li, Co
    for section in (
        "Material flows",
        "Recovery per material",
        "Compliance",
        "Economics",
        "Pareto front",
        "Monte Carlo",
    ):
        assert f"<h2>{section}</h2>" in text
    names = {p.name for p in figures}
    for stem in (
        "sankey_total_mass",
        "sankey_li",
        "sankey_co",
        "economics",
        "pareto",
        "monte_carlo",
    ):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    for p in figures:
        head = p.read_bytes()[:8]
        assert (
            head == b"\x89PNG\r\n\x1a\n" if p.suffix == ".png" else b"<svg" in p.read_bytes()[:400]
        )
        assert p.stat().st_size > 5000


def test_report_without_optional_tables(result_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bare"
    shutil.copytree(result_dir, folder)
    for name in ("compliance", "economics", "offtake_contracts"):
        (folder / f"{name}.parquet").unlink(missing_ok=True)
    out, _ = make_report(folder, static=False)
    text = out.read_text()
    assert "has no compliance table" in text and "<h2>Pareto front</h2>" not in text
    with pytest.raises(FileNotFoundError, match="not a result folder"):
        make_report(tmp_path)


def test_cli_report(result_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from plantopt.cli.app import app

    res = CliRunner().invoke(app, ["report", str(result_dir), "--out", str(tmp_path / "x.html")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "x.html").is_file() and (tmp_path / "x_figures").is_dir()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=15000",
]


def _chromium(args: list[str]) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="plantopt-chromium-") as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_report_renders_in_headless_chromium(result_dir: Path, tmp_path: Path) -> None:
    out, _ = make_report(result_dir, tmp_path / "report.html", static=False)
    dom = _chromium(["--dump-dom", out.as_uri()])
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-render-status="ok"' in dom.stdout, dom.stdout[-3000:]
    assert "[rendered]</title>" in dom.stdout
    assert '<pre id="js-errors"></pre>' in dom.stdout  # no script errors
    nodes = int(dom.stdout.split('data-sankey-nodes="')[1].split('"')[0])
    assert nodes == 9  # liion, shredder, hydromet, smelter, landfill, offgas, 3 products
    shot = tmp_path / "report.png"
    run = _chromium(
        ["--hide-scrollbars", "--window-size=1400,1000", f"--screenshot={shot}", out.as_uri()]
    )
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    print(f"screenshot: {shot}")

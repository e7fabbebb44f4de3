"""Smoke run of the benchmark suite on size S (a benchmark, not a timed test).

Asserts that the suite runs end to end and reports every phase, the model size and the
ratios, and that plantopt and HiGHS alone agree on the optimum — nothing about seconds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke_run(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    header = next(line for line in text.splitlines() if line.startswith("| case"))
    for column in (
        "t_load",
        "t_route_tree",
        "t_build",
        "t_handoff",
        "t_solve",
        "t_extract",
        "t_highs_alone",
        "ratio_end_to_end_vs_highs",
        "nnz",
        "peak_rss_mib",
    ):
        assert column in header
    row = next(line for line in text.splitlines() if line.startswith("| gen-S "))
    cells = dict(
        zip(
            [c.strip() for c in header.strip("|").split("|")],
            [c.strip() for c in row.strip("|").split("|")],
        )
    )
    assert cells["status"] == "optimal"
    assert int(cells["nnz"].replace(",", "")) > 0


def test_benchmark_objectives_agree_with_highs_alone() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.run import run_case

    result = run_case("gen-S", pyomo_path=True)
    assert result["status"] == result["highs_alone_status"] == "optimal"
    assert result["objective"] == pytest.approx(result["highs_alone_objective"], rel=1e-6)
    assert result["objective"] == pytest.approx(result["pyomo_objective"], rel=1e-6)

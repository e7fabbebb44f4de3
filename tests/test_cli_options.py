"""CLI options of the core: the route-tree guard and the choice of build path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import INSTANCES


def _run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "plantopt.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_max_route_nodes_guard_is_bad_input_with_a_clear_message(tmp_path: Path) -> None:
    proc = _run("describe", INSTANCES / "nl-2027", "--max-route-nodes", 100)
    assert proc.returncode == 2
    text = proc.stdout + proc.stderr
    assert "exceeds 100 nodes" in text and "max_route_nodes" in text
    assert "Traceback" not in text


@pytest.mark.parametrize("objective", ["recovery", "profit"])
def test_build_paths_give_the_same_optimum(tmp_path: Path, objective: str) -> None:
    values = {}
    for build in ("matrix", "pyomo"):
        out = tmp_path / build
        proc = _run(
            "solve",
            INSTANCES / "nl-2027",
            "--objective",
            objective,
            "--build",
            build,
            "--quiet",
            "--out",
            out,
        )
        assert proc.returncode == 0, proc.stderr
        summary = json.loads((out / "summary.json").read_text())
        assert summary["options"]["build"] == build
        values[build] = summary["objective"]
    assert values["matrix"] == pytest.approx(values["pyomo"], rel=1e-6)


def test_unknown_build_is_bad_input() -> None:
    proc = _run("solve", INSTANCES / "tiny", "--build", "magic", "--quiet")
    assert proc.returncode == 2
    assert "--build must be matrix or pyomo" in proc.stderr

"""Progressive hedging with mpi-sppy on 2 MPI ranks gives the extensive form's first stage.

The case is the hand-solved plant of tests/test_robust.py with the tonnage of F uncertain
(30..120 t/yr, PERT around 75): of the 4 scenarios of seed 0, two prefer the big option and
two the medium one alone (wait-and-see); the extensive form builds medium (expected profit
597.03 EUR/yr). PH runs as ``mpiexec -n 2 python -m plantopt.uncertainty.robust_ph`` (a
separate MPI job, bounded to 240 s) and must agree on the builds and the expected profit.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from plantopt.instance.loader import load_instance
from plantopt.instance.writer import write_instance
from plantopt.model.pipeline import families_of
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ef import extensive_form
from plantopt.uncertainty.robust_report import built_options
from plantopt.uncertainty.robust_scenarios import draw_scenarios
from plantopt.uncertainty.robust_solve import solve_ef
from plantopt.uncertainty.spec import SamplingOptions
from tests.test_robust import plant

# found, not imported: importing mpi-sppy initialises MPI in the test process
HAVE_MPISPPY = all(importlib.util.find_spec(m) is not None for m in ("mpisppy", "mpi4py"))
MPIEXEC = shutil.which("mpiexec")


def case(folder: Path) -> Path:
    inst = plant(75)
    feeds = inst["feeds"].assign(available_t_per_yr_low=30.0, available_t_per_yr_high=120.0)
    write_instance(replace(inst, tables={**inst.tables, "feeds": feeds}), folder)
    return folder


@pytest.mark.skipif(not HAVE_MPISPPY, reason="mpi-sppy and mpi4py: pip install .[mpi]")
@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec (Debian: openmpi-bin)")
def test_ph_on_two_ranks_matches_the_extensive_form(tmp_path: Path) -> None:
    folder = case(tmp_path / "case")
    inst = load_instance(folder)
    scen = draw_scenarios(inst, 4, 0, SamplingOptions())
    fams = [families_of(s.instance, s.tree) for s in scen]
    ef = solve_ef(extensive_form(fams, "profit"), SolveOptions(tie_break=False))
    ws = solve_ef(extensive_form(fams, "profit", anticipative=True), SolveOptions(tie_break=False))
    plans = {tuple(built_options(f, ws.x(s))) for s, f in enumerate(fams)}
    assert len(plans) > 1  # the scenarios disagree: PH has to reconcile them
    assert built_options(fams[0], ef.x(0)) == ["S=medium"]
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    out = tmp_path / "ph.json"
    cmd = [MPIEXEC, "-n", "2", "--oversubscribe", sys.executable, "-m",
           "plantopt.uncertainty.robust_ph", str(folder), "--scenarios", "4", "--seed", "0",
           "--objective", "profit", "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    res = json.loads(out.read_text())
    assert res["ranks"] == 2
    assert res["builds"] == ["S=medium"]
    assert res["expected_objective"] == pytest.approx(ef.objective, rel=1e-6)
    assert np.isfinite(res["bound"]) and res["bound"] >= ef.objective - 1e-6

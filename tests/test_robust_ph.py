"""Progressive hedging with mpi-sppy on 2 MPI ranks gives the extensive form's first stage.

The case is the hand-solved plant of tests/test_robust.py with the tonnage of F uncertain
(30..120 t/yr, PERT around 75): of the 4 scenarios of seed 0, two prefer the big option and
two the medium one alone (wait-and-see); the extensive form builds medium (expected profit
597.03 EUR/yr). PH runs as ``mpiexec -n 2 python -m plantopt.uncertainty.robust_ph`` (a
separate MPI job, bounded to 240 s) and must agree on the builds and the expected profit.

With the chance constraint (``--alpha``, Lagrangian PH of :mod:`plantopt.uncertainty.
robust_ph_chance`) the case is :func:`chance_plant`: a lithium-based feed F (Co 80 %,
tonnage 30..120 t/yr, PERT around 75), all of it accepted (take-back), either refined in R
(Co 95 % into a recovered product) or landfilled by L. The Co target (90 % in 2027) needs
0.95 R-intake >= 0.9 T, R >= 0.947 T, so an option of capacity C meets it in the scenarios
with T <= 1.0556 C. The 4 scenarios of seed 0 have T = 91.10, 64.78, 77.24, 64.43 t/yr
(mean 74.39): R options small (65 t/yr, 100 EUR/yr: meets s1, s3), medium (80, 150: all
but s0) and big (120, 400: all). Profit = 10 T - fixed opex:

    targets hard:  big    743.86 - 400 = 343.86
    alpha = 0.75:  medium 743.86 - 150 = 593.86   (s0 may miss: 1 of 4)
    alpha = 0.5:   small  743.86 - 100 = 643.86   (s0 and s2 may miss)
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

from plantopt.instance.instance import Instance
from plantopt.instance.loader import load_instance
from plantopt.instance.writer import write_instance
from plantopt.model.pipeline import families_of
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ef import extensive_form
from plantopt.uncertainty.robust_report import built_options
from plantopt.uncertainty.robust_scenarios import draw_scenarios
from plantopt.uncertainty.robust_solve import solve_ef, target_labels, targets_met
from plantopt.uncertainty.spec import SamplingOptions
from tests.builders import make_instance, route, tc_rows
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


def chance_plant(
    options: tuple[tuple[str, float, float], ...] = (
        ("small", 65, 100),
        ("medium", 80, 150),
        ("big", 120, 400),
    ),
) -> Instance:
    """The hand case of the chance constraint (module doc): R's options (id, t/yr, EUR/yr)."""
    return make_instance(
        manifest={"objective": "profit", "target_year": 2027, "apply_targets": True,
                  "treat_all_collected": True},
        materials=[{"material": "Co", "eu_critical": True, "recovery_weight": 1.0},
                   {"material": "other", "recovery_weight": 0.0}],
        feeds=[{"feed_id": "F", "feed_class": "li", "reg_class": "battery:lithium",
                "available_t_per_yr": 75, "available_t_per_yr_low": 30,
                "available_t_per_yr_high": 120, "contracted_min_t_per_yr": 0,
                "gate_fee_eur_per_t": 10}],
        composition=[{"feed_id": "F", "material": "Co", "mass_frac": 0.8},
                     {"feed_id": "F", "material": "other", "mass_frac": 0.2}],
        units=[{"unit_id": "R", "stage": "preprocessing", "opex_eur_per_t": 0},
               {"unit_id": "L", "stage": "preprocessing", "opex_eur_per_t": 0,
                "existing_capacity_t_per_yr": 1000}],
        capacity_options=[{"unit_id": "R", "option_id": n, "capacity_t_per_yr": c,
                           "capex_eur": 0, "fixed_opex_eur_per_yr": f, "lifetime_yr": 10}
                          for n, c, f in options],
        transfer_coefficients=tc_rows("R", {"Co": {"co": 0.95, "res": 0.05},
                                            "other": {"res": 1.0}})
        + tc_rows("L", {"Co": {"res": 1.0}, "other": {"res": 1.0}}),
        routing=[route("R", "co", "product", "co_salt"),
                 route("R", "res", "disposal", "landfill"),
                 route("L", "res", "disposal", "landfill")],
        feed_entry=[{"feed_class": "li", "unit_id": "R"}, {"feed_class": "li", "unit_id": "L"}],
        products=[{"product_id": "co_salt", "calc_point": "final"}],
        product_prices=[{"product_id": "co_salt", "material": "Co", "price_eur_per_t": 0,
                         "recovered": True}],
    )  # fmt: skip


TONNAGES = [91.09872582596456, 64.78094462994272, 77.23966210043818, 64.42517299808745]


def chance_scenarios(inst: Instance) -> list:
    scen = draw_scenarios(inst, 4, 0, SamplingOptions())
    got = [float(s.instance["feeds"]["available_t_per_yr"].iloc[0]) for s in scen]
    np.testing.assert_allclose(got, TONNAGES, rtol=1e-12)
    return [families_of(s.instance, s.tree) for s in scen]


def test_chance_case_by_hand() -> None:
    """The extensive form (exact chance rows) gives the hand table of the module doc."""
    fams = chance_scenarios(chance_plant())
    mean = float(np.mean(TONNAGES))
    caps = {"R=small": 65.0, "R=medium": 80.0, "R=big": 120.0}
    for alpha, plan, fixed, missing in (
        (None, "R=big", 400, []),
        (0.75, "R=medium", 150, [0]),
        (0.5, "R=small", 100, [0, 2]),
    ):
        sol = solve_ef(extensive_form(fams, "profit", alpha=alpha), SolveOptions(tie_break=False))
        assert built_options(fams[0], sol.x(0)) == [plan]
        assert sol.objective == pytest.approx(10 * mean - fixed, rel=1e-9)
        # by hand: the option meets the Co target where T <= C 0.95 / 0.9
        assert [s for s, t in enumerate(TONNAGES) if t > caps[plan] * 0.95 / 0.9] == missing
        assert sol.raw.x is not None
        z = sol.raw.x[sol.ef.z] if alpha is not None else np.zeros(4)
        for s in range(4):  # an indicator at 0 means the scenario's targets hold
            assert z[s] > 0.5 or targets_met(fams[s], sol.x(s)).all()
            assert s not in missing or z[s] > 0.5


def test_discards_choose_the_largest_gains() -> None:
    from plantopt.uncertainty.robust_ph_chance import discards

    hard = np.array([-np.inf, 5.0, 1.0, 4.0])
    free = np.array([10.0, 6.0, 9.0, 4.0])
    assert discards(hard, free, 0.9) is None  # none may miss, but s0 cannot meet them
    one = discards(hard, free, 0.75)  # one may: s0 must, so s2 (gain 8) keeps its targets
    assert one is not None and one["allowed_to_miss"] == [0]
    assert one["value"] == pytest.approx((10 + 5 + 1 + 4) / 4)
    best = discards(hard, free, 0.5)
    assert best is not None and best["allowed_to_miss"] == [0, 2] and best["must_miss"] == [0]
    assert best["value"] == pytest.approx((10 + 5 + 9 + 4) / 4)
    assert best["p_met_at_least"] == 0.5
    # a plan with no second stage at all in some scenario cannot be valued
    assert discards(np.full(4, -np.inf), np.array([1.0, -np.inf, 1.0, 1.0]), 0.0) is None


@pytest.mark.skipif(not HAVE_MPISPPY, reason="mpi-sppy and mpi4py: pip install .[mpi]")
@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec (Debian: openmpi-bin)")
def test_ph_with_the_chance_constraint_matches_the_extensive_form(tmp_path: Path) -> None:
    """2 MPI ranks: PH with alpha 0.75 builds medium like the exact extensive form (not big,
    the plan with the targets hard), its exact in-sample value equals the EF objective, s0
    is the scenario allowed to miss, and the reported upper bound is above the optimum."""
    inst = chance_plant()
    fams = chance_scenarios(inst)
    ef = solve_ef(extensive_form(fams, "profit", alpha=0.75), SolveOptions(tie_break=False))
    hard = solve_ef(extensive_form(fams, "profit"), SolveOptions(tie_break=False))
    assert built_options(fams[0], ef.x(0)) == ["R=medium"]
    assert built_options(fams[0], hard.x(0)) == ["R=big"]
    folder = tmp_path / "chance"
    write_instance(inst, folder)
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    out = tmp_path / "ph.json"
    cmd = [MPIEXEC, "-n", "2", "--oversubscribe", sys.executable, "-m",
           "plantopt.uncertainty.robust_ph", str(folder), "--scenarios", "4", "--seed", "0",
           "--objective", "profit", "--alpha", "0.75", "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    res = json.loads(out.read_text())
    assert res["ranks"] == 2 and res["feasible"]
    assert res["builds"] == ["R=medium"]
    assert res["value"] == pytest.approx(ef.objective, rel=1e-9)
    assert res["allowed_to_miss"] == [0] and res["p_met_at_least"] >= 0.75
    assert res["upper_bound"] >= ef.objective - 1e-6
    # the multiplier search ran PH at mu = 0 (targets free: nothing built, infeasible)
    assert res["runs"][0]["mu"] == 0.0 and not res["runs"][0]["feasible"]


def test_valued_start_by_hand() -> None:
    """Each first stage valued exactly at alpha 0.75 (one of 4 may miss): big 343.86 (none
    has to miss), medium 593.86 (s0 must), small infeasible (s0 and s2 must); the best is a
    feasible start of the exact form, and the robust solve from it ends at the optimum."""
    from plantopt.uncertainty.robust import solve_rp
    from plantopt.uncertainty.robust_ef import Risk
    from plantopt.uncertainty.robust_start import value_first_stage, valued_start

    fams = chance_scenarios(chance_plant())
    opts = SolveOptions(tie_break=False)
    plans = {
        a: solve_ef(extensive_form(fams, "profit", alpha=a), opts).first()
        for a in (None, 0.75, 0.5)
    }
    mean = float(np.mean(TONNAGES))
    big, _ = value_first_stage(fams, "profit", "builds", 0.75, plans[None], opts)
    medium, _ = value_first_stage(fams, "profit", "builds", 0.75, plans[0.75], opts)
    assert big is not None and big["value"] == pytest.approx(10 * mean - 400, rel=1e-9)
    assert big["allowed_to_miss"] == [] and big["must_miss"] == []
    assert medium is not None and medium["value"] == pytest.approx(10 * mean - 150, rel=1e-9)
    assert medium["must_miss"] == [0]
    assert value_first_stage(fams, "profit", "builds", 0.75, plans[0.5], opts)[0] is None
    exact = extensive_form(fams, "profit", alpha=0.75)
    got = valued_start(
        exact, "profit", "builds", 0.75, [plans[None], plans[0.5], plans[0.75]], opts
    )
    assert got is not None and got[1]["value"] == pytest.approx(medium["value"])
    start, mm = got[0], exact.mm
    ax = mm.a_csc @ start
    assert (ax >= mm.row_lower - 1e-7).all() and (ax <= mm.row_upper + 1e-7).all()
    assert (start >= mm.col_lower - 1e-9).all() and (start <= mm.col_upper + 1e-9).all()
    assert float(mm.costs[0] @ start) == pytest.approx(medium["value"], rel=1e-9)
    rp = solve_rp(fams, "profit", "builds", 0.75, False, Risk(), opts)
    assert built_options(fams[0], rp.x(0)) == ["R=medium"]
    assert rp.objective == pytest.approx(10 * mean - 150, rel=1e-9)


def test_tight_big_m_is_valid_and_below_the_box() -> None:
    """The LP bound of each shortfall: in the hand case all of F may be landfilled, so the
    Co row's largest shortfall is 0.9 * 0.8 T (= the box M) and Part B's 0.65 T, and the
    exact form gives the same optima with it. On nl-2027 it is far below the box M (WEEE
    cat. 6 recovery: intake is bounded by what the plant can process, not by the supply),
    and the targets-free optimum's shortfalls stay below it."""
    from plantopt.uncertainty.robust_start import tight_big_m

    fams = chance_scenarios(chance_plant())
    opts = SolveOptions(tie_break=False)
    for f, t in zip(fams, TONNAGES):
        m = dict(zip(target_labels(f), tight_big_m(f, "builds", opts)))
        assert m["C-RM-Co-2027:lithium"] == pytest.approx(0.9 * 0.8 * t, rel=1e-5)
        assert m["B-RE-lithium-2025"] == pytest.approx(0.65 * t, rel=1e-5)
    ms = [tight_big_m(f, "builds", opts) for f in fams]
    for alpha in (0.75, 0.5):
        box = solve_ef(extensive_form(fams, "profit", alpha=alpha), opts)
        tight = solve_ef(extensive_form(fams, "profit", alpha=alpha, big_ms=ms), opts)
        assert tight.objective == pytest.approx(box.objective, rel=1e-9)
    from plantopt.instance.loader import load_instance as load
    from plantopt.model.emit_matrix import row_blocks
    from plantopt.model.families.scenarios import big_m

    nl = families_of(load("instances/nl-2027"))
    tight = dict(zip(target_labels(nl), tight_big_m(nl, "builds", opts)))
    free = extensive_form([nl], "npv", alpha=0.0)
    free.mm.col_lower[free.z.ravel()] = 1.0
    x = solve_ef(free, opts).x(0)
    box = {}
    for f, m in row_blocks(nl):
        if f.name == "target_ratio":
            assert f.lower is not None
            lab = [str(i) for i in f.index]
            box.update(zip(lab, big_m(m, f.lower, nl.col_lower, nl.col_upper)))
            for t, short in zip(lab, f.lower - m @ x):  # shortfall of the free optimum
                assert short <= tight[t] + 1e-6, t
    assert all(tight[t] <= box[t] * (1 + 1e-6) + 1e-6 for t in tight)
    assert tight["W-RC-6-2018"] < 0.2 * box["W-RC-6-2018"]

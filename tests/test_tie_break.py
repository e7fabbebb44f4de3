"""Tie-break and polishing: cheap second stage, no leaks through HiGHS's tolerances.

Two leaks were seen before polishing cleaned tiny flows (issue 17): a feed accepted at 0 t/yr
whose descendants carried ~1e-6 feed-equivalent t/yr (material in products with no input;
mass-balance relative error 1.0 on generated S, seed 1, objective profit), and units with
no capacity built reporting throughput (generated S, seed 0, objective profit). Both
instances are rebuilt here and every solution is checked exactly (== 0.0, not approx).
"""

from __future__ import annotations

import json
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import plantopt
from plantopt.instance.generate import generate
from plantopt.solver.highs import (
    FLOW_CLEAN_TOL,
    MatrixModel,
    RawSolution,
    SolveOptions,
    SolveStatus,
    _new_highs,
    _pass,
    _polish,
    solve_matrix,
)
from tests.test_cli import TINY, run_main


def assert_no_leaks(res: plantopt.Result) -> None:
    """Zero flow from a feed accepted at 0; zero throughput through a unit with no capacity."""
    fi, fl, ut = res["feed_intake"], res["flows"], res["unit_throughput"]
    acc = fi["accepted_t_per_yr"]
    assert not ((acc > 0) & (acc <= FLOW_CLEAN_TOL)).any(), fi[acc <= FLOW_CLEAN_TOL]
    zero_feeds = set(fi.loc[acc == 0.0, "feed_id"])
    leaked = fl[fl["feed_id"].isin(zero_feeds) & (fl["flow_feed_equiv_t_per_yr"] != 0.0)]
    assert leaked.empty, leaked
    unbuilt = ut[ut["capacity_t_per_yr"] == 0.0]
    assert (unbuilt["throughput_t_per_yr"] == 0.0).all(), unbuilt
    assert not unbuilt["running"].any(), unbuilt
    mb = res["mass_balance"]
    assert (mb["relative_error"] <= 1e-6).all(), mb


@pytest.mark.parametrize("seed", [0, 1])
def test_generated_s_profit_has_no_leaks(seed: int) -> None:
    res = plantopt.solve(generate("S", seed), "profit")
    assert res.status == SolveStatus.OPTIMAL
    assert_no_leaks(res)


def test_nl_2027_default_solve_has_no_leaks() -> None:
    assert_no_leaks(plantopt.solve(None))


def leaky_model() -> tuple[MatrixModel, np.ndarray]:
    """Columns: accept a, descendant flow f, build b (binary), throughput t.

    Rows: f - 0.5 a = 0 (conservation), t - f = 0 (the unit takes the flow),
    t - 900 b <= 0 (capacity). Objective max t - 50 b - 0.1 a. The "solution" given to
    polishing has the two leaks of the issue: a = 0 with f = t = 9.1e-7, and b = 1e-8.
    """
    a = sp.csc_array(
        np.array([[-0.5, 1.0, 0.0, 0.0], [0.0, -1.0, 0.0, 1.0], [0.0, 0.0, -900.0, 1.0]])
    )
    mm = MatrixModel(
        a_csc=a,
        row_lower=np.array([0.0, 0.0, -highspy.kHighsInf]),
        row_upper=np.array([0.0, 0.0, 0.0]),
        col_lower=np.zeros(4),
        col_upper=np.array([10.0, highspy.kHighsInf, 1.0, highspy.kHighsInf]),
        costs=np.array([[-0.1, 0.0, -50.0, 1.0]]),
        offsets=np.zeros(1),
        maximize=True,
        integrality=np.array([0, 0, 1, 0], dtype=np.int32),
    )
    return mm, np.array([0.0, 9.1e-7, 1e-8, 9.1e-7])


def test_polish_zeroes_leaks_and_conservation_holds_exactly() -> None:
    mm, x = leaky_model()
    h = _new_highs(SolveOptions())
    _pass(h, mm, mm.costs[0], 0.0)
    raw = RawSolution(SolveStatus.OPTIMAL, x.copy(), 0.0, 0.0, 0.0, 0.0, "Optimal")
    out = _polish(h, mm, raw, SolveOptions(), 0.0)
    assert out.x is not None
    assert list(out.x) == [0.0, 0.0, 0.0, 0.0]
    residual = mm.a_csc @ out.x
    assert residual[0] == 0.0 and residual[1] == 0.0
    assert "2 tiny flows set to zero" in out.message


def test_polish_keeps_real_flows() -> None:
    # flows well above the clean tolerance are a real plan: nothing is zeroed
    mm, _ = leaky_model()
    raw = solve_matrix(mm, SolveOptions())
    assert raw.x is not None and raw.x[0] == pytest.approx(0.0)  # building does not pay
    mm.costs[0] = np.array([-0.1, 0.0, -1.0, 1.0])  # now it pays: a = 10, f = t = 5
    raw = solve_matrix(mm, SolveOptions())
    assert raw.x is not None
    assert raw.x == pytest.approx([10.0, 5.0, 1.0, 5.0])


def test_tie_break_warm_start_and_stage_options_keep_the_lexicographic_optimum() -> None:
    # gen-S recovery: the second stage must not lose primary optimality and must not be
    # worse on profit than the primary-stage plan
    inst = generate("S", 0)
    first = plantopt.solve(inst, "recovery", tie_break=False)
    both = plantopt.solve(inst, "recovery")
    assert both.objective == pytest.approx(first.objective, rel=1e-6)
    assert both.summary["profit_eur_per_yr"] >= first.summary["profit_eur_per_yr"] - 1e-3


# ------------------------------------------------------------------------------ command line


def test_no_tie_break_flag(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, stdout, _ = run_main(
        monkeypatch, capsys, "solve", TINY, "--no-tie-break", "--out", tmp_path / "r", "--quiet"
    )
    assert code == 0, stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["options"]["tie_break"] is False
    assert summary["secondary_objective"] is None


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_write_model_is_the_model_solved(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    model = tmp_path / f"model{suffix}"
    code, stdout, _ = run_main(
        monkeypatch,
        capsys,
        "solve",
        "--no-tie-break",
        "--out",
        tmp_path / "r",
        "--quiet",
        "--write-model",
        model,
    )
    assert code == 0, stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(model)) == highspy.HighsStatus.kOk
    assert h.getNumCol() == summary["model_size"]["columns"]
    assert h.getNumRow() == summary["model_size"]["rows"]
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(summary["objective"], rel=1e-6)


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--write-model", "m.txt"], "expected a file name ending in .mps or .lp"),
        (["--write-model", "m.mps", "--solver", "glpk"], "needs --solver highs"),
        (["--write-model", "no/such/dir/m.mps"], "does not exist"),
    ],
)
def test_write_model_bad_input_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run_main(monkeypatch, capsys, "solve", TINY, "--out", "r", *args)
    assert code == 2
    assert expected in stderr
    assert "Traceback" not in stderr


def test_flows_table_has_exact_zeros_not_tolerance_dust() -> None:
    res = plantopt.solve(generate("S", 1), "profit")
    flows = res["flows"]["flow_feed_equiv_t_per_yr"].abs()
    assert not ((flows > 0) & (flows <= FLOW_CLEAN_TOL)).any()
    assert isinstance(res["flows"], pd.DataFrame)


# ------------------------------------------------------------------------------ budget


def test_default_tie_break_is_proven_and_reported() -> None:
    res = plantopt.solve(None)  # the default runs the stage to the end
    tb = res.summary["tie_break"]
    assert tb["status"] == "optimal" and tb["secondary"] == "profit"
    assert tb["secondary_gap"] == 0.0
    budgeted = plantopt.solve(None, tie_break_budget=0.3)  # nl-2027: far below the 0.25 s floor
    tb = budgeted.summary["tie_break"]
    assert tb["status"] == "optimal"
    assert tb["budget_cpu_s"] == pytest.approx(max(0.3 * tb["primary_cpu_s"], 0.25))
    assert tb["stage_cpu_s"] < tb["budget_cpu_s"]
    assert res.summary["secondary_objective"] <= tb["secondary_bound"] + 1e-6 * abs(
        tb["secondary_bound"]
    )


def test_stage_stopped_by_its_budget_keeps_a_primary_optimal_clean_plan() -> None:
    # a budget of 0 CPU seconds stops the stage at HiGHS's first interrupt check: the plan is
    # the primary one with its continuous part re-optimised for profit, still optimal for
    # recovery, and the summary says the secondary objective is not proven
    primary = plantopt.solve(None, tie_break=False)
    res = plantopt.solve(None, tie_break_budget=0.0, tie_break_min_s=0.0)
    assert res.status == SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(primary.objective, rel=1e-7)
    tb = res.summary["tie_break"]
    assert tb["status"] == "not proven optimal: budget reached"
    assert tb["secondary_gap"] is None or tb["secondary_gap"] > 0.0
    assert res.summary["secondary_objective"] >= primary.summary["profit_eur_per_yr"] - 1e-3
    assert res.summary["profit_eur_per_yr"] == pytest.approx(
        res.summary["secondary_objective"], rel=1e-9
    )
    assert "not proven optimal" in res.message
    assert_no_leaks(res)
    full = plantopt.solve(None, tie_break_budget=None)
    assert full.summary["tie_break"]["status"] == "optimal"
    assert full.summary["secondary_objective"] >= res.summary["secondary_objective"] - 1e-3


def test_tie_break_budget_flag(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, stdout, _ = run_main(
        monkeypatch, capsys, "solve", "--tie-break-budget", "0.3", "--out", tmp_path / "b"
    )
    assert code == 0, stdout
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary["options"]["tie_break_budget"] == 0.3
    code, stdout, _ = run_main(monkeypatch, capsys, "solve", "--out", tmp_path / "r")
    assert code == 0, stdout
    assert "tie-break: best profit among recovery-optimal plans (proven)" in stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["options"]["tie_break_budget"] is None
    assert summary["tie_break"]["status"] == "optimal"
    code, _, stderr = run_main(monkeypatch, capsys, "solve", TINY, "--tie-break-budget", "-1")
    assert code == 2 and "Traceback" not in stderr


# ------------------------------------------------------------------- lexicographic meaning


def two_route_model(fixed_a: float, fixed_b: float, integer: bool = True) -> MatrixModel:
    """10 t/yr of feed through unit A, B or C; columns t_A, t_B, t_C (t/yr), b_A, b_B, b_C.

    Rows: t_A + t_B + t_C <= 10 (the feed), t_k - 10 b_k <= 0 (capacity of a built unit).
    Recovery (cost row 0) = 0.5 t_A + 0.5 t_B + 0.3 t_C; profit (row 1) = 20 t_A - fixed_a b_A
    + 20 t_B - fixed_b b_B + 100 t_C - 10 b_C. Solved by hand: recovery is 5 t/yr at best,
    reached only by sending all 10 t through A or B (or splitting them over both), so there
    are two primary-optimal single-unit plans with profit 200 - fixed_a and 200 - fixed_b
    (splitting pays both fixed costs); C alone is the profit optimum (990 EUR/yr) but
    recovers only 3 t/yr. The lexicographic optimum is the cheaper of A and B.
    """
    rows = np.array(
        [
            [1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, -10.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0, -10.0, 0.0],
            [0.0, 0.0, 1.0, 0.0, 0.0, -10.0],
        ]
    )
    return MatrixModel(
        a_csc=sp.csc_array(rows),
        row_lower=np.full(4, -highspy.kHighsInf),
        row_upper=np.array([10.0, 0.0, 0.0, 0.0]),
        col_lower=np.zeros(6),
        col_upper=np.array([highspy.kHighsInf] * 3 + [1.0] * 3),
        costs=np.array(
            [[0.5, 0.5, 0.3, 0.0, 0.0, 0.0], [20.0, 20.0, 100.0, -fixed_a, -fixed_b, -10.0]]
        ),
        offsets=np.zeros(2),
        maximize=True,
        integrality=np.array([0, 0, 0, 1, 1, 1] if integer else [0] * 6, dtype=np.int32),
        objective_names=["recovery", "profit"],
    )


@pytest.mark.parametrize("fixed_a,fixed_b", [(100.0, 60.0), (60.0, 100.0)])
def test_tie_break_picks_the_more_profitable_of_two_recovery_optimal_plans(
    fixed_a: float, fixed_b: float
) -> None:
    mm = two_route_model(fixed_a, fixed_b)
    raw = solve_matrix(mm, SolveOptions())
    assert raw.x is not None and raw.objective is not None
    tau = SolveOptions().tie_break_rel_tol * 5.0
    assert raw.objective >= 5.0 - tau  # primary-optimal within the stated tolerance
    assert raw.secondary_objective == pytest.approx(200.0 - min(fixed_a, fixed_b), abs=1e-6)
    cheaper = 0 if fixed_a < fixed_b else 1
    assert raw.x[3 + cheaper] == 1.0 and raw.x[3 + 1 - cheaper] == 0.0 and raw.x[5] == 0.0
    assert raw.x[cheaper] == pytest.approx(10.0, abs=1e-9)
    assert raw.x[1 - cheaper] == 0.0 and raw.x[2] == 0.0  # no dust through the unbuilt units
    assert raw.tie_break is not None and raw.tie_break["status"] == "optimal"
    alone = solve_matrix(mm, SolveOptions(tie_break=False))
    assert alone.objective == pytest.approx(5.0, abs=1e-9)
    assert alone.secondary_objective is None


def test_lp_tie_break_picks_the_more_profitable_route() -> None:
    # the same flows without build decisions (fixed costs never paid, both routes earn 20
    # EUR/t): make B earn more per tonne and A must carry nothing
    mm = two_route_model(0.0, 0.0, integer=False)
    mm.costs[1, 1] = 25.0
    raw = solve_matrix(mm, SolveOptions())
    assert raw.x is not None
    assert raw.objective == pytest.approx(5.0, abs=1e-6)
    assert raw.secondary_objective == pytest.approx(250.0, abs=1e-6)
    assert raw.x[0] == pytest.approx(0.0, abs=1e-9) and raw.x[2] == pytest.approx(0.0, abs=1e-9)


def _lp_value(mm: MatrixModel, cost: np.ndarray, fixed: np.ndarray, floor: float | None) -> float:
    """max cost x over the LP with the binaries fixed at ``fixed`` (and c1 x >= floor)."""
    h = _new_highs(SolveOptions())
    ints = np.flatnonzero(mm.integrality)
    lower, upper = mm.col_lower.copy(), mm.col_upper.copy()
    lower[ints] = upper[ints] = fixed
    lp = MatrixModel(
        mm.a_csc,
        mm.row_lower,
        mm.row_upper,
        lower,
        upper,
        mm.costs,
        mm.offsets,
        True,
        np.zeros_like(mm.integrality),
    )
    _pass(h, lp, cost, 0.0)
    if floor is not None:
        idx = np.flatnonzero(mm.costs[0]).astype(np.int32)
        h.addRow(floor, highspy.kHighsInf, len(idx), idx, mm.costs[0][idx])
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return -np.inf
    return float(h.getInfo().objective_function_value)


def random_tie_model(seed: int) -> MatrixModel:
    """Four units sharing 10 t/yr of feed, recovery rates drawn from {0.3, 0.5} so that ties
    are common, random margins and fixed costs; at most 6 t/yr per unit."""
    rng = np.random.default_rng(seed)
    k = 4
    rate = rng.choice([0.3, 0.5], size=k)
    margin, fixed = rng.uniform(5.0, 40.0, size=k), rng.uniform(0.0, 120.0, size=k)
    a = np.zeros((1 + k, 2 * k))
    a[0, :k] = 1.0
    for j in range(k):
        a[1 + j, j], a[1 + j, k + j] = 1.0, -6.0
    return MatrixModel(
        a_csc=sp.csc_array(a),
        row_lower=np.full(1 + k, -highspy.kHighsInf),
        row_upper=np.array([10.0] + [0.0] * k),
        col_lower=np.zeros(2 * k),
        col_upper=np.array([highspy.kHighsInf] * k + [1.0] * k),
        costs=np.vstack([np.r_[rate, np.zeros(k)], np.r_[margin, -fixed]]),
        offsets=np.zeros(2),
        maximize=True,
        integrality=np.r_[np.zeros(k), np.ones(k)].astype(np.int32),
        objective_names=["recovery", "profit"],
    )


@pytest.mark.parametrize("seed", range(8))
def test_tie_break_matches_brute_force_lexicographic_optimum(seed: int) -> None:
    """Enumerate the 16 build decisions, solve each LP: z1 = max recovery, then the best
    profit with recovery >= z1 - tau; the solver's plan must reach both within tolerance."""
    mm = random_tie_model(seed)
    builds = [np.array([(m >> j) & 1 for j in range(4)], dtype=float) for m in range(16)]
    z1 = max(_lp_value(mm, mm.costs[0], b, None) for b in builds)
    tau = SolveOptions().tie_break_rel_tol * max(1.0, abs(z1))
    z2 = max(_lp_value(mm, mm.costs[1], b, z1 - tau) for b in builds)
    raw = solve_matrix(mm, SolveOptions())
    assert raw.x is not None and raw.objective is not None
    assert raw.secondary_objective is not None
    assert raw.objective >= z1 - tau - 1e-9
    assert raw.secondary_objective == pytest.approx(z2, rel=1e-6, abs=1e-6)
    assert float(mm.costs[1] @ raw.x) == pytest.approx(z2, rel=1e-6, abs=1e-6)

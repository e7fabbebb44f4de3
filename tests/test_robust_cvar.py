"""CVaR in the extensive form (issue 19): the objective's CVaR and the CVaR approximation of
the chance constraint, each on a case solved by hand.

Objective (Rockafellar-Uryasev). The two-scenario plant of tests/test_robust.py (profit; A
100 t/yr, B 50 t/yr available; options small / medium / big):

    option   V_A   V_B   E[V]   CVaR_0.5(V) = min(V_A, V_B)   (two scenarios of 1/2)
    small    400   400   400    400
    medium   630   380   505    380
    big      740   240   490    240

so max (1 - lam) E + lam CVaR_0.5 builds medium for lam < 0.84 (505 - 125 lam > 400) and
small above: lam = 0.5 -> medium, 442.5; lam = 0.9 -> small, 400; lam = 1 -> small, 400,
with eta = VaR = 400. beta = 0 makes CVaR the mean: medium, 505.

Chance constraint. Four scenarios (p = 1/4) of one target row x - d_s >= 0 with d = 1, 2,
3, 4, x in [0, 10], minimise x, big-M 1 (g_s = d_s - x): exact at alpha = 0.5 needs two
scenarios met, x = 2; CVaR_0.5(g) <= 0 needs the mean of the two worst shortfalls <= 0,
(4 - x + 3 - x) / 2 <= 0, x = 3.5, which meets three of the four (0.75 >= 0.5).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from plantopt.model.families.scenarios import cvar_budget, cvar_target
from plantopt.model.family import family
from plantopt.model.matrix_form import MatrixModel
from plantopt.model.pipeline import families_of
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ef import Risk, extensive_form
from plantopt.uncertainty.robust_report import cvar_lower, wait_and_see
from plantopt.uncertainty.robust_solve import solve_ef
from tests.test_robust import built, plant

OPTS = SolveOptions(tie_break=False)


@pytest.fixture(scope="module")
def two() -> list:
    return [families_of(plant(100)), families_of(plant(50))]


@pytest.mark.parametrize(
    "beta, lam, plan, value",
    [(0.5, 0.5, "medium", 442.5), (0.5, 0.9, "small", 400), (0.5, 1.0, "small", 400),
     (0.0, 1.0, "medium", 505), (0.5, 0.0, "medium", 505)],
)  # fmt: skip
def test_cvar_objective_by_hand(
    two: list, beta: float, lam: float, plan: str, value: float
) -> None:
    ef = extensive_form(two, "profit", "builds", risk=Risk(cvar_beta=beta, cvar_weight=lam))
    sol = solve_ef(ef, OPTS)
    assert built(two[0], sol.x(0)) == [plan]
    assert sol.objective == pytest.approx(value)
    assert {"v", "eta"} <= set(ef.risk_cols)
    assert [f.name for _, f in ef.rows].count("cvar_objective") == 1
    if lam == 1.0 and beta == 0.5:
        assert sol.raw.x is not None and sol.raw.x[ef.risk_cols["eta"][0]] == pytest.approx(400)


def test_cvar_of_a_sample() -> None:
    assert cvar_lower(np.array([630.0, 380.0]), 0.5) == pytest.approx(380)
    assert cvar_lower(np.array([630.0, 380.0]), 0.0) == pytest.approx(505)
    # worst 1 - 0.75 = 25 % of four values: the lowest; of 0.6: the lowest and half the next
    v = np.array([1.0, 2.0, 3.0, 4.0])
    assert cvar_lower(v, 0.75) == pytest.approx(1.0)
    assert cvar_lower(v, 0.5) == pytest.approx(1.5)
    assert cvar_lower(v, 0.6) == pytest.approx((1.0 * 0.25 + 2.0 * 0.15) / 0.4)


def test_wait_and_see_with_a_cvar_term_does_not_decompose(two: list) -> None:
    # each scenario its own plan: A big (740), B small (400); CVaR_0.5 = 400, E = 570
    ws, _ = wait_and_see(two, "profit", "builds", None, False, OPTS, Risk(cvar_beta=0.5))
    assert ws == pytest.approx(400)


def _four_scenarios() -> MatrixModel:
    """x (column 0), u_s (1..4), tau (5); the rows x / M + u_s + tau >= d_s and the budget."""
    d = np.array([1.0, 2.0, 3.0, 4.0])
    n = 6
    rows = []
    for s in range(4):
        row = family("target_ratio", [s], [0], [0], [1.0], d[s], np.inf)
        a = sp.csr_array((np.array([1.0]), (np.array([0]), np.array([0]))), shape=(1, n))
        rows.append(cvar_target(row, a, np.array([1.0]), np.array([1 + s]), np.array([5]), s))
    rows.append(cvar_budget(np.arange(1, 5), np.array([5]), np.full(4, 0.25), 0.5))
    mats = [f.matrix(n) for f in rows]
    lower = np.concatenate([f.lower for f in rows if f.lower is not None])
    upper = np.concatenate([f.upper for f in rows if f.upper is not None])
    col_lower = np.concatenate([[0.0], np.zeros(4), [-np.inf]])
    col_upper = np.concatenate([[10.0], np.full(4, np.inf), [np.inf]])
    cost = np.zeros(n)
    cost[0] = -1.0  # maximise -x
    mm = MatrixModel(
        sp.vstack(mats, format="csc"), lower, upper, col_lower, col_upper, cost[None, :],
        np.zeros(1), True, np.zeros(n, dtype=np.int32), objective_names=["x"],
    )  # fmt: skip
    return mm


def test_cvar_chance_rows_by_hand() -> None:
    from plantopt.solver.highs import solve_matrix

    mm = _four_scenarios()
    raw = solve_matrix(mm, OPTS)
    assert raw.x is not None
    x = raw.x[0]
    assert x == pytest.approx(3.5)
    met = x - np.array([1.0, 2.0, 3.0, 4.0]) >= -1e-9
    assert met.mean() == pytest.approx(0.75)
    # the budget row: tau + (u_1 + ... + u_4) / 4 / (1 - 0.5) <= 0, and u_s >= d_s - x - tau
    tau, u = raw.x[5], raw.x[1:5]
    assert tau + u.sum() * 0.25 / 0.5 <= 1e-9
    assert (u >= np.array([1.0, 2.0, 3.0, 4.0]) - x - tau - 1e-9).all()
    with pytest.raises(Exception, match="alpha < 1"):
        cvar_budget(np.arange(4), np.array([5]), np.full(4, 0.25), 1.0)


def test_cvar_chance_on_nl_2027_holds_alpha_in_sample() -> None:
    """The CVaR rows replace target_ratio and imply the chance constraint in sample."""
    from plantopt.uncertainty.robust import robust
    from plantopt.uncertainty.robust_solve import scenario_table

    rb = robust(
        "instances/nl-2027", scenarios=5, seed=1, alpha=0.6, stage="static", spread=0.05,
        price_sigma=0.3, oos_samples=0, evpi=False, risk=Risk(chance="cvar"),
    )  # fmt: skip
    assert rb.solved.ok
    names = {f.name for _, f in rb.solved.ef.rows}
    assert {"cvar_target", "cvar_budget"} <= names and "target_ratio" not in names
    assert not rb.solved.ef.mm.integrality[rb.solved.ef.risk_cols["u"].ravel()].any()
    met = np.array([r["all_targets_met"] for r in scenario_table(rb.solved, "npv")])
    assert met.mean() >= 0.6


def test_recourse_replans_the_second_stage_with_the_first_fixed(two: list) -> None:
    """medium built (75 t/yr): a 100 t/yr draw takes 75 t/yr (630), a 50 t/yr draw 50 (380);
    the fixed operating plan of evaluate would have kept one intake for both."""
    from plantopt.uncertainty.robust_recourse import _one_draw

    sol = solve_ef(extensive_form(two, "profit", "builds"), OPTS)
    first = sol.first()
    for fams, intake, value in zip(two, (75, 50), (630, 380)):
        met, v, x, v_free = _one_draw(fams, "profit", "builds", first, OPTS)
        assert met and v == pytest.approx(value) and v_free == pytest.approx(value)
        assert x is not None and x[0] == pytest.approx(intake)


def test_recourse_draw_that_cannot_meet_a_target() -> None:
    """A draw whose first target asks 1e12 t/yr more: not met, valued with the targets free
    (at least the value of the unmodified draw with the targets hard)."""
    from dataclasses import replace

    from plantopt.instance.loader import load_instance
    from plantopt.uncertainty.robust_recourse import _one_draw, applied_targets

    inst = load_instance("instances/nl-2027")
    ok_fams, fams = families_of(inst), families_of(inst)
    rows = fams.periods[0].rows
    i = [f.name for f in rows].index("target_ratio")
    assert rows[i].lower is not None
    rows[i] = replace(rows[i], lower=rows[i].lower + np.r_[1e12, np.zeros(rows[i].n - 1)])
    first = solve_ef(extensive_form([ok_fams], "npv", "builds"), OPTS).first()
    met0, v0, x0, free0 = _one_draw(ok_fams, "npv", "builds", first, OPTS)
    met, v, _, free = _one_draw(fams, "npv", "builds", first, OPTS)
    assert met0 and not met
    assert v == pytest.approx(free) and v >= v0 - 1e-6 * abs(v0) and free0 >= v0 - 1e-6 * abs(v0)
    assert x0 is not None and applied_targets(ok_fams, x0).any()  # the nominal plan takes WEEE 6


def test_robust_command_with_cvar_and_recourse(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    import json
    from pathlib import Path

    from tests.test_cli import run_main

    out = Path(str(tmp_path)) / "rb"
    code, text, _ = run_main(
        monkeypatch, capsys, "robust", "instances/tiny", "--scenarios", "2", "--spread", "0.1",
        "--oos-samples", "20", "--recourse-samples", "3", "--cvar-beta", "0.5",
        "--cvar-weight", "0.5", "--out", out,
    )  # fmt: skip
    assert code == 0, text
    s = json.loads((out / "robust.json").read_text())
    assert s["settings"]["cvar_beta"] == 0.5 and "cvar_0.5_npv" in s["robust"]
    rec = s["recourse"]
    assert rec["samples"] == 3 and 0.0 <= rec["robust"]["all_targets_met"] <= 1.0
    assert "with recourse (3 draws), robust" in text
    code, _, err = run_main(monkeypatch, capsys, "robust", "instances/tiny", "--chance", "x")
    assert code == 2 and "--chance exact or cvar" in err


def test_formulation_section_names_the_cvar_families(two: list) -> None:
    from pathlib import Path

    text = (Path(__file__).parents[1] / "models" / "formulation.md").read_text()
    section = text.split("## 14. Scenarios and the extensive form", 1)[1]
    ef = extensive_form(two, "profit", risk=Risk(cvar_beta=0.5))
    assert {f.name for _, f in ef.rows} - {f.name for f in two[0].periods[0].rows} - {
        f.name for f in two[0].global_rows
    } == {"cvar_objective"}
    for name in ("cvar_target", "cvar_budget", "cvar_objective"):
        assert name.replace("_", "\\_") in section


def test_the_cvar_solution_is_a_feasible_start_of_the_exact_form() -> None:
    """The CVaR plan of two nl-2027 scenarios (both met) as a start of the exact form of the
    same two scenarios, the second unable to meet its first target (raised by 1e12): z = 1
    there, every row of the exact form holds, and the exact solve from it ends no worse."""
    from dataclasses import replace

    from plantopt.instance.loader import load_instance
    from plantopt.uncertainty.robust_solve import cvar_start, solve_ef_from

    inst = load_instance("instances/nl-2027")
    same = [families_of(inst), families_of(inst)]
    fams = [families_of(inst), families_of(inst)]
    rows = fams[1].periods[0].rows
    i = [f.name for f in rows].index("target_ratio")
    assert rows[i].lower is not None
    rows[i] = replace(rows[i], lower=rows[i].lower + np.r_[1e12, np.zeros(rows[i].n - 1)])
    cvar = solve_ef(extensive_form(same, "npv", "builds", alpha=0.5, risk=Risk("cvar")), OPTS)
    exact = extensive_form(fams, "npv", "builds", alpha=0.5)
    start = cvar_start(exact, cvar)
    assert start is not None
    assert start[exact.risk_cols["z"].ravel()].tolist() == [0.0, 1.0]
    mm = exact.mm
    ax = mm.a_csc @ start
    tol = 1e-6 * np.maximum(1.0, np.abs(ax))
    assert (ax >= mm.row_lower - tol).all() and (ax <= mm.row_upper + tol).all()
    assert (start >= mm.col_lower - 1e-9).all() and (start <= mm.col_upper + 1e-9).all()
    sol = solve_ef_from(exact, OPTS, start)
    assert sol.ok and sol.objective >= float(mm.costs[0] @ start) - 1e-6 * abs(sol.objective)

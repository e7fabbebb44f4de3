"""The sample-average approximation (issue 19): extensive form, chance rows, scenarios.

Hand-solved two-scenario plant (objective: annual profit). Feed F (gate fee 10 EUR/t paid to
the plant, Co 10 %) is shredded by S and all of it leaves at zero cost and price, so profit =
10 t - fixed opex of the option built. Options (capacity t/yr, fixed opex EUR/yr): small
(50, 100), medium (75, 120), big (100, 260). Scenario A has 100 t/yr available, B 50 t/yr:

    option   A alone        B alone       expected (p = 1/2)
    none     0              0             0
    small    500-100 = 400  500-100 = 400 400
    medium   750-120 = 630  500-120 = 380 505
    big     1000-260 = 740  500-260 = 240 490

A's plan is big (740), B's is small (400), the stochastic plan is medium (505): it differs
from both. EEV (nominal = mean tonnage 75 t/yr: medium 630 > big 490 > small 400) = 505, VSS
= 0 here; WS = (740 + 400) / 2 = 570, EVPI = 570 - 505 = 65.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from plantopt.instance.instance import Instance
from plantopt.model.families.scenarios import big_m, chance_count
from plantopt.model.pipeline import families_of
from plantopt.solver.types import SolveOptions
from plantopt.uncertainty.robust_ef import extensive_form
from plantopt.uncertainty.robust_solve import solve_ef, targets_met
from tests.builders import make_instance, materials, route, tc_rows

OPTS = SolveOptions(tie_break=False)


def plant(available: float) -> Instance:
    return make_instance(
        manifest={"apply_targets": False},
        materials=materials({"Co": 1.0}),
        feeds=[
            {
                "feed_id": "F",
                "feed_class": "c",
                "available_t_per_yr": available,
                "contracted_min_t_per_yr": 0,
                "gate_fee_eur_per_t": 10,
            }
        ],
        composition=[
            {"feed_id": "F", "material": "Co", "mass_frac": 0.1},
            {"feed_id": "F", "material": "other", "mass_frac": 0.9},
        ],
        units=[{"unit_id": "S", "stage": "preprocessing", "opex_eur_per_t": 0}],
        capacity_options=[
            {
                "unit_id": "S",
                "option_id": name,
                "capacity_t_per_yr": cap,
                "capex_eur": 0,
                "fixed_opex_eur_per_yr": fixed,
                "lifetime_yr": 10,
            }
            for name, cap, fixed in (("small", 50, 100), ("medium", 75, 120), ("big", 100, 260))
        ],
        transfer_coefficients=tc_rows("S", {"Co": {"out": 1.0}, "other": {"out": 1.0}}),
        routing=[route("S", "out", "disposal", "landfill", 0)],
        feed_entry=[{"feed_class": "c", "unit_id": "S"}],
    )


def built(fams: object, x: np.ndarray) -> list[str]:
    lay = fams.layout  # type: ignore[attr-defined]
    return [j for i, (_, j) in enumerate(lay.options) if x[lay.build0 + i] > 0.5]


@pytest.fixture(scope="module")
def two() -> list:
    return [families_of(plant(100)), families_of(plant(50))]


def test_each_scenario_alone(two: list) -> None:
    for fams, plan, value in zip(two, (["big"], ["small"]), (740, 400)):
        sol = solve_ef(extensive_form([fams], "profit"), OPTS)
        assert built(fams, sol.x(0)) == plan
        assert sol.objective == pytest.approx(value)


def test_stochastic_plan_differs_from_both_scenario_plans(two: list) -> None:
    sol = solve_ef(extensive_form(two, "profit", "builds"), OPTS)
    assert sol.objective == pytest.approx(505)
    assert built(two[0], sol.x(0)) == built(two[1], sol.x(1)) == ["medium"]
    # second stage per scenario: intake 75 in A, 50 in B; mass balance per material
    for fams, x, intake in zip(two, (sol.x(0), sol.x(1)), (75, 50)):
        lay = fams.layout
        assert x[0] == pytest.approx(intake)
        tree = fams.data.tree
        sinks = tree.node_kind > 0
        out = (x[lay.flow0 : lay.build0][sinks, None] * tree.coef[sinks]).sum(axis=0)
        np.testing.assert_allclose(out, x[0] * tree.comp[0], rtol=1e-9)


def test_vss_and_evpi_by_hand(two: list) -> None:
    nominal = solve_ef(extensive_form([families_of(plant(75))], "profit"), OPTS)
    assert built(two[0], nominal.x(0)) == ["medium"]
    eev = solve_ef(extensive_form(two, "profit", fixed_first=nominal.first()), OPTS)
    assert eev.objective == pytest.approx(505)
    ws = solve_ef(extensive_form(two, "profit", anticipative=True), OPTS)
    assert ws.objective == pytest.approx(570)
    from plantopt.uncertainty.robust_report import wait_and_see

    assert wait_and_see(two, "profit", "builds", None, False, OPTS)[0] == pytest.approx(570)
    # contracted intake (first stage): at most min_s available = 50, so small: 400
    contracts = solve_ef(extensive_form(two, "profit", "contracts"), OPTS)
    assert contracts.objective == pytest.approx(400)


def test_one_copy_of_the_first_stage(two: list) -> None:
    ef = extensive_form(two, "profit", "builds")
    n = two[0].layout.n_cols
    n_first = len(two[0].layout.options)
    assert ef.mm.a_csc.shape[1] == n_first + 2 * (n - n_first)
    np.testing.assert_array_equal(ef.colmap[0][ef.first], ef.colmap[1][ef.first])
    # one_option once, every other row family per scenario
    names = [f.name for _, f in ef.rows]
    assert names.count("one_option") == 1 and names.count("capacity_limit") == 2


def test_big_m_is_the_row_minimum_over_the_box() -> None:
    # flow - 0.5 accept >= 0 with flow in [0, inf), accept in [0, 100]: min = -50, M = 50
    a = sp.csr_array(np.array([[1.0, -0.5], [2.0, 0.0]]))
    m = big_m(a, np.array([0.0, 3.0]), np.zeros(2), np.array([np.inf, 100.0]))
    np.testing.assert_allclose(m, [50.0, 3.0])
    count = chance_count(np.array([7, 8, 9]), np.full(3, 1 / 3), np.array(0.6))
    assert count.matrix(10).toarray()[0, 7:].tolist() == pytest.approx([1 / 3] * 3)
    assert count.upper is not None and count.upper[0] == pytest.approx(0.4, abs=1e-6)


def test_chance_rows_honour_alpha_on_the_training_scenarios() -> None:
    pytest.importorskip("highspy")
    from plantopt.uncertainty.robust import robust
    from plantopt.uncertainty.robust_solve import scenario_table

    rb = robust(
        "instances/nl-2027", scenarios=5, seed=1, alpha=0.6, stage="static",
        spread=0.05, price_sigma=0.3, oos_samples=0, evpi=False,
    )  # fmt: skip
    assert rb.solved.ok
    table = scenario_table(rb.solved, "npv")
    met = np.array([r["all_targets_met"] for r in table])
    assert met.mean() >= 0.6
    # the indicators are honest: z_s = 0 implies the scenario's targets hold
    x = rb.solved.raw.x
    assert x is not None
    for s, fams in enumerate(rb.families):
        if x[rb.solved.ef.z[s]] < 0.5:
            assert targets_met(fams, rb.solved.x(s)).all()


def test_formulation_section_names_the_scenario_families() -> None:
    from pathlib import Path

    from plantopt.instance.loader import load_instance

    text = (Path(__file__).parents[1] / "models" / "formulation.md").read_text()
    section = text.split("## 14. Scenarios and the extensive form", 1)[1]
    fams = [families_of(load_instance("instances/nl-2027"))] * 2
    ef = extensive_form(fams, "npv", alpha=0.5)
    made = {f.name for _, f in ef.rows} - {f.name for per in fams[0].periods for f in per.rows}
    made -= {f.name for f in fams[0].global_rows}
    assert made == {"chance_target", "chance_count"}
    assert "target_ratio" not in {f.name for _, f in ef.rows}
    for name in ("chance_target", "chance_count", "model/families/scenarios.py"):
        assert name.replace("_", "\\_") in section or name in section


def test_robust_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    import json
    from pathlib import Path

    from tests.test_cli import run_main

    out = Path(str(tmp_path)) / "rb"
    code, text, _ = run_main(
        monkeypatch, capsys, "robust", "instances/tiny", "--scenarios", "2", "--spread", "0.1",
        "--oos-samples", "50", "--out", out,
    )  # fmt: skip
    assert code == 0, text
    s = json.loads((out / "robust.json").read_text())
    assert s["settings"]["scenarios"] == 2 and s["robust"]["status"] == "optimal"
    assert {"vss", "evpi", "out_of_sample"} <= set(s)
    assert "out of sample, robust" in text
    from plantopt.instance.loader import load_instance

    m = load_instance("instances/tiny").manifest
    basis = f"{100 * m.discount_rate:.1f} % {m.discount_rate_basis}"
    words = " ".join(text.split())  # the terminal wraps at its width
    assert s["npv_rate_basis"] == basis and f"every NPV at {basis}" in words
    assert f"NPV ({basis}) P5/P50/P95" in words
    code, _, err = run_main(monkeypatch, capsys, "robust", "instances/tiny", "--alpha", "1.5")
    assert code == 2 and "--alpha must be in (0, 1]" in err


def test_per_target_levels_and_the_highest_reachable_alpha() -> None:
    """Scenario 1's first target asks for more than any plan can give (its lower bound is
    raised by 1e12 t/yr): alpha = 1 is unreachable, the highest reachable alpha is 1/2 and
    that target is the one that blocks."""
    from plantopt.instance.loader import load_instance
    from plantopt.uncertainty.robust_solve import highest_alpha

    inst = load_instance("instances/nl-2027")
    fams = [families_of(inst), families_of(inst)]
    rows = fams[1].periods[0].rows
    i = [f.name for f in rows].index("target_ratio")
    target = rows[i]
    assert target.lower is not None and target.n >= 2
    lower = target.lower.copy()
    lower[0] += 1e12
    rows[i] = replace(target, lower=lower)
    assert not solve_ef(extensive_form(fams, "npv", "static", alpha=1.0), OPTS).ok
    best = highest_alpha(fams, "npv", "static", False, OPTS)
    assert best["alpha_max"] == pytest.approx(0.5)
    assert best["blocking_targets"] == {str(target.index[0]): 0.5}
    # per target: one indicator per (scenario, target) and one count row per target
    ef = extensive_form(fams, "npv", "static", alpha=0.5, per_target=True)
    assert ef.z.shape == (2, target.n)
    count = [f for _, f in ef.rows if f.name == "chance_count"]
    assert len(count) == 1 and count[0].n == target.n
    sol = solve_ef(ef, OPTS)
    assert sol.ok and targets_met(fams[0], sol.x(0))[0]  # target 0 may miss in s = 1 only


def test_a_continuous_size_is_first_stage() -> None:
    """Continuous size s in [30, 150] t/yr at 30 EUR/yr per t/yr (tests/test_capacity.py,
    LINEAR), margin 50 EUR/t, F = 60 or 100 t/yr with probability 1/2 each. One size for both:
    E = 20 s for s <= 60 and 1500 - 5 s above, best s = 60, E = 1200. Sizes chosen per
    scenario would give (50 - 30) 60 and (50 - 30) 100: 1600."""
    from tests.test_capacity import LINEAR, cplant

    def scenario(available: float) -> object:
        inst = cplant([LINEAR])
        feeds = inst["feeds"].assign(available_t_per_yr=available)
        return families_of(replace(inst, tables={**inst.tables, "feeds": feeds}))

    fams = [scenario(60), scenario(100)]
    sol = solve_ef(extensive_form(fams, "profit", "builds"), OPTS)  # type: ignore[arg-type]
    assert sol.objective == pytest.approx(1200, rel=1e-9)
    for s, f in enumerate(fams):
        lay = f.layout  # type: ignore[attr-defined]
        # size = 30 build + (150 - 30) segment: segment = (60 - 30) / 120 in both scenarios
        assert sol.x(s)[lay.segment0 : lay.segment_on0].sum() == pytest.approx(0.25, rel=1e-9)

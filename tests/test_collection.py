"""Collection as a decision: the supply curve of collection steps and the collection targets.

Hand case: portable batteries P, 1,000 t/yr placed on the market, 400 t/yr collected today
(40 %), gate fee (the producers' EPR fee) 100 EUR/t, nothing else earned or spent. Steps:
s1 200 t/yr at 50 EUR/t, s2 200 t/yr at 150 EUR/t, s3 200 t/yr at 300 EUR/t.

* no target: s1 pays (100 - 50 > 0), s2 does not: 600 t/yr, profit 600*100 - 200*50 = 50,000;
* 2027 (portable 63 %): 630 t/yr, s2 climbed 30 t: 63,000 - 10,000 - 4,500 = 48,500;
* 2030 (73 %): 730 t/yr, s2 130 t: 73,000 - 10,000 - 19,500 = 43,500.
"""

from __future__ import annotations

import numpy as np
import pytest

import plantopt
from plantopt.model.pipeline import families_of
from tests.builders import InstanceFolder, find, make_instance, materials, route, tc_rows
from tests.conftest import assert_mass_balance

STEPS = [("s1", 200, 50), ("s2", 200, 150), ("s3", 200, 300)]


def portable(steps=STEPS, **manifest: object) -> plantopt.Instance:
    return make_instance(
        manifest={"objective": "profit", "enforce_collection_targets": True, **manifest},
        materials=materials({"Co": 1.0}),
        feeds=[
            {
                "feed_id": "P",
                "feed_class": "p",
                "collection_class": "portable",
                "placed_on_market_t_per_yr": 1000,
                "available_t_per_yr": 400,
                "gate_fee_eur_per_t": 100,
            }
        ],
        composition=[{"feed_id": "P", "material": "Co", "mass_frac": 0.1}],
        units=[{"unit_id": "S", "stage": "preprocessing", "existing_capacity_t_per_yr": 2000}],
        transfer_coefficients=tc_rows("S", {"Co": {"out": 1.0}, "other": {"out": 1.0}}),
        routing=[route("S", "out", "product", "prod")],
        feed_entry=[{"feed_class": "p", "unit_id": "S"}],
        products=[{"product_id": "prod"}],
        collection_steps=[
            {"feed_id": "P", "step_id": s, "t_per_yr": t, "cost_eur_per_t": c, "source": "test"}
            for s, t, c in steps
        ],
    )


def _solve(inst: plantopt.Instance) -> plantopt.Result:
    res = plantopt.solve(inst, tie_break=False, diagnose=False)
    assert res.has_solution, res.message
    assert_mass_balance(inst, res)
    return res


def test_collection_families_by_hand() -> None:
    fams = families_of(portable(target_year=2027))
    lay = fams.layout
    assert lay.steps == ("P:s1", "P:s2", "P:s3")
    rows = {f.name: f for f in fams.periods[0].rows}
    supply = rows["collection_supply"].matrix(lay.n_cols).toarray()
    expect = np.zeros(lay.n_cols)
    expect[0] = 1.0
    expect[lay.collect0 : lay.collect0 + 3] = -1.0
    assert np.array_equal(supply[0], expect)  # accept[P] - collect[s1..s3] <= 400
    assert rows["collection_supply"].upper.tolist() == [400.0]
    target = rows["collection_target"]
    assert target.index == ["K-CR-portable-2027"] and target.lower.tolist() == [630.0]
    assert target.matrix(lay.n_cols).toarray()[0, 0] == 1.0
    assert fams.col_upper[0] == 1000.0  # 400 + 3 * 200
    assert fams.col_upper[lay.collect0 : lay.collect0 + 3].tolist() == [200.0, 200.0, 200.0]
    cost = fams.periods[0].ledger.vector("collection_cost", lay.n_cols)
    assert cost[lay.collect0 : lay.collect0 + 3].tolist() == [50.0, 150.0, 300.0]


@pytest.mark.parametrize(
    ("year", "accepted", "profit"),
    [(None, 600.0, 50_000.0), (2027, 630.0, 48_500.0), (2030, 730.0, 43_500.0)],
)
def test_the_optimiser_climbs_the_supply_curve(year, accepted, profit) -> None:
    res = _solve(portable(target_year=year))
    assert res.objective == pytest.approx(profit, rel=1e-9)
    intake = res["feed_intake"].set_index("feed_id")["accepted_t_per_yr"]
    assert intake["P"] == pytest.approx(accepted, rel=1e-9)
    coll = res["collection"].set_index("step_id")
    assert coll.at["s1", "collected_t_per_yr"] == pytest.approx(200.0)
    assert coll.at["s3", "collected_t_per_yr"] == pytest.approx(0.0, abs=1e-9)
    econ = res["economics"].set_index("item")["eur_per_yr"]
    assert -econ["collection_cost"] == pytest.approx(coll["cost_eur_per_yr"].sum(), rel=1e-9)
    if year is not None:
        comp = res["compliance"].set_index("target_id")
        row = comp.loc[f"K-CR-portable-{year}"]
        assert row["status"] == "binding" and row["enforced"]
        assert row["denominator_t_per_yr"] == 1000.0


def test_collection_target_reported_not_enforced() -> None:
    res = _solve(portable(target_year=2027, apply_targets=False))
    row = res["compliance"].set_index("target_id").loc["K-CR-portable-2027"]
    assert row["achieved_frac"] == pytest.approx(0.60) and row["status"] == "violated"
    assert not row["enforced"]


def test_collection_target_reported_only_by_default() -> None:
    # the actual collection rate is the base: without enforce_collection_targets the plan is
    # the unconstrained one (600 t/yr, 60 %) and the 2027 target is reported as violated
    res = _solve(portable(target_year=2027, enforce_collection_targets=False))
    assert res.objective == pytest.approx(50_000.0, rel=1e-9)
    row = res["compliance"].set_index("target_id").loc["K-CR-portable-2027"]
    assert row["status"] == "violated" and not row["enforced"]


def test_lmt_target_covers_no_portable_feed() -> None:
    res = _solve(portable(target_year=2031))
    row = res["compliance"].set_index("target_id").loc["K-CR-lmt-2031"]
    assert row["status"] == "no covered feed in instance"


def test_falling_marginal_cost_is_an_error() -> None:
    with pytest.raises(plantopt.InstanceError) as info:
        portable(steps=[("s1", 200, 150), ("s2", 200, 50)])
    find(info.value.errors, "collection_steps.csv", 3, "cost_eur_per_t", "falls")


def test_unknown_collection_class_and_feed(tmp_path) -> None:
    folder = InstanceFolder(tmp_path)
    folder.add_column("feeds.csv", "collection_class", "handheld")
    folder.write_text(
        "collection_steps.csv", "feed_id,step_id,t_per_yr,cost_eur_per_t\nnope,a,10,5\n"
    )
    errors = folder.errors()
    find(errors, "feeds.csv", 2, "collection_class", "unknown collection class")
    find(errors, "collection_steps.csv", 2, "feed_id", "unknown feed_id")


def test_unreachable_collection_target_is_diagnosed() -> None:
    """2030 portable target 73 % of 1,000 t/yr = 730 t/yr; today's 400 t/yr plus one step of
    100 t/yr reach at most 500 t/yr: infeasible, and the diagnosis names the collection
    target with 730 required and 500 possible."""
    inst = portable(steps=[("s1", 100, 50)], target_year=2030)
    res = plantopt.solve(inst, tie_break=False)
    assert res.status == plantopt.SolveStatus.INFEASIBLE
    d = res["diagnosis"]
    row = d[(d["family"] == "collection") & (d["analysis"].str.startswith("only "))]
    assert row["key"].tolist() == ["K-CR-portable-2030"]
    assert float(row["required"].iloc[0]) == pytest.approx(730.0)
    assert float(row["possible"].iloc[0]) == pytest.approx(500.0)
    assert any("at most 500.0 t/yr can be collected" in m for m in res.summary["diagnosis"])


def test_recovery_objective_climbing_costed_steps_is_a_plan_warning() -> None:
    """Recovery does not weigh money: with Co of prod counted as recovered every step is
    climbed (400 + 3 x 200 = 1,000 t/yr accepted), at 200 x 50 + 200 x 150 + 200 x 300 =
    100,000 EUR/yr, and the plan says so; the profit plan (which weighs the cost) climbs
    only s1 and has no such warning."""
    import pandas as pd

    from plantopt.instance.loader import instance_from_tables

    base = portable(objective="recovery", enforce_collection_targets=False)
    prices = pd.DataFrame(
        [{"product_id": "prod", "material": "Co", "price_eur_per_t": 0.0, "recovered": True}]
    )
    inst = instance_from_tables(base.manifest, {**base.tables, "product_prices": prices})
    res = plantopt.solve(inst, diagnose=False)
    assert_mass_balance(inst, res)
    assert res["feed_intake"]["accepted_t_per_yr"].sum() == pytest.approx(1000.0, rel=1e-6)
    assert res["collection"]["collected_t_per_yr"].tolist() == pytest.approx([200.0] * 3)
    (warning,) = [w for w in res.summary["plan_warnings"] if "collection cost" in w]
    assert "collects 600 t/yr more on 3 collection step(s) (3 in full)" in warning
    assert "at 100,000 EUR/yr, up to 300 EUR/t" in warning and "--profit-floor" in warning
    profit = plantopt.solve(inst.with_manifest(objective="profit"), diagnose=False)
    assert profit["collection"]["collected_t_per_yr"].tolist() == pytest.approx(
        [200, 0, 0], abs=1e-3
    )
    assert not [w for w in profit.summary["plan_warnings"] if "collection cost" in w]


@pytest.mark.parametrize(
    ("accept", "solved", "canonical"),
    [
        (0.0, [200.0, 200.0, 0.0], [0.0, 0.0, 0.0]),  # collected with nothing accepted
        (400.0, [0.0, 0.0, 150.0], [0.0, 0.0, 0.0]),  # the base covers the intake
        (500.0, [200.0, 200.0, 200.0], [100.0, 0.0, 0.0]),
        (750.0, [0.0, 150.0, 200.0], [200.0, 150.0, 0.0]),
        (1000.0, [200.0, 200.0, 200.0], [200.0, 200.0, 200.0]),
    ],
)
def test_collect_columns_read_back_as_the_cheapest_fill_of_the_excess(
    accept, solved, canonical
) -> None:
    """By hand: 400 t/yr on offer, steps of 200 t/yr; collected = max(0, accept - 400)
    filled s1, s2, s3 in turn, whatever the solve put in the collect columns."""
    from plantopt.results.solution import read_solution

    fams = families_of(portable(target_year=None))
    lay = fams.layout
    x = np.zeros(lay.n_cols)
    x[0] = accept
    x[lay.collect0 : lay.collect0 + 3] = solved
    sol = read_solution(fams, x)
    assert list(sol.periods[0].collect.values()) == canonical
    assert sol.x[0] == accept  # nothing else moves


def test_recovery_without_tie_break_collects_only_what_it_accepts() -> None:
    """Recovery without the tie-break gives collect no weight: with Co recovered the plan
    accepts 1,000 t/yr (every step, 600 t/yr collected); with nothing counted as recovered
    the recovery is 0 whatever is accepted, and the collection table and its cost follow
    the intake (never tonnes collected with nothing accepted)."""
    import pandas as pd

    from plantopt.instance.loader import instance_from_tables

    base = portable(objective="recovery", enforce_collection_targets=False)
    for recovered, total in ((True, 1000.0), (False, None)):
        prices = pd.DataFrame(
            [
                {
                    "product_id": "prod",
                    "material": "Co",
                    "price_eur_per_t": 0.0,
                    "recovered": recovered,
                }
            ]
        )
        inst = instance_from_tables(base.manifest, {**base.tables, "product_prices": prices})
        res = plantopt.solve(inst, tie_break=False, diagnose=False)
        assert res.has_solution
        accepted = float(res["feed_intake"]["accepted_t_per_yr"].sum())
        if total is not None:
            assert accepted == pytest.approx(total, rel=1e-9)
        coll = res["collection"].set_index("step_id")["collected_t_per_yr"]
        excess = max(0.0, accepted - 400.0)
        expect = [min(200.0, max(0.0, excess - 200.0 * k)) for k in range(3)]
        assert coll.tolist() == pytest.approx(expect, abs=1e-6)
        econ = res["economics"].set_index("item")["eur_per_yr"]
        cost = 50 * expect[0] + 150 * expect[1] + 300 * expect[2]
        assert -econ.get("collection_cost", 0.0) == pytest.approx(cost, abs=1e-6)

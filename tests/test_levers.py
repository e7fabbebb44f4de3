"""Policy levers (issue 5), each on a one-unit instance whose optimum is worked out by hand.

Base case ``plant()``: feed F, 100 t/yr, Co 10 %, other 90 %, no gate fee. Unit R (refining,
nothing installed) has options ``big`` (100 t/yr) and ``small`` (50 t/yr); opex 50 EUR/t;
Co -> product P (1000 EUR/t of Co), other -> free disposal. Per tonne of feed R earns
0.1 * 1000 - 50 = 50 EUR, so running F fully through ``big`` earns 5000 EUR/yr before capital.
``big`` costs 60 000 EUR over 10 years at r = 0: 6000 EUR/yr, more than it earns — without a
lever the profit optimum builds nothing (profit 0). ``small`` costs 40 000 EUR (4000 EUR/yr
for 2500 EUR/yr of margin) and is never worth it for profit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import plantopt
from plantopt.business.levers import LeverOverrides, apply_levers, parse_procurement
from plantopt.instance.errors import InstanceError, PlantoptError
from tests.builders import accepted, economics, make_instance, materials, route, tc_rows
from tests.conftest import assert_mass_balance

REL = 1e-6


def plant(
    manifest: dict | None = None,
    co2: float = 0.0,
    feed: dict | None = None,
    unit: dict | None = None,
    **tables: list,
) -> plantopt.Instance:
    opts = [
        {
            "unit_id": "R",
            "option_id": "big",
            "capacity_t_per_yr": 100,
            "capex_eur": 60_000,
            "lifetime_yr": 10,
            "land_m2": 500,
            "staff_fte": 8,
        },
        {
            "unit_id": "R",
            "option_id": "small",
            "capacity_t_per_yr": 50,
            "capex_eur": 40_000,
            "lifetime_yr": 10,
            "land_m2": 300,
            "staff_fte": 4,
        },
    ]
    return make_instance(
        manifest={"horizon_yr": 10, **(manifest or {})},
        materials=materials({"Co": 1.0}),
        feeds=[{"feed_id": "F", "feed_class": "c", "available_t_per_yr": 100, **(feed or {})}],
        composition=[
            {"feed_id": "F", "material": "Co", "mass_frac": 0.1},
            {"feed_id": "F", "material": "other", "mass_frac": 0.9},
        ],
        units=[
            {
                "unit_id": "R",
                "stage": "refining",
                "opex_eur_per_t": 50,
                "co2_t_per_t": co2,
                **(unit or {}),
            }
        ],
        capacity_options=opts,
        transfer_coefficients=tc_rows("R", {"Co": {"prod": 1.0}, "other": {"slag": 1.0}}),
        routing=[route("R", "prod", "product", "P"), route("R", "slag", "disposal", "dump")],
        feed_entry=[{"feed_class": "c", "unit_id": "R"}],
        products=[{"product_id": "P"}],
        product_prices=[{"product_id": "P", "material": "Co", "price_eur_per_t": 1000}],
        **tables,
    )


def solve(
    inst: plantopt.Instance, objective: str = "profit", build: str = "matrix"
) -> plantopt.Result:
    res = plantopt.solve(inst, objective=objective, build=build)
    assert res.status == plantopt.SolveStatus.OPTIMAL, res.message
    assert_mass_balance(inst, res)
    return res


def built(res: plantopt.Result) -> set[str]:
    return set(res["built_units"]["option_id"])


def test_without_levers_nothing_is_built() -> None:
    res = solve(plant())
    assert built(res) == set()
    assert res.objective == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("build", ["matrix", "pyomo"])
def test_capex_subsidy_closes_the_case_and_counts_net_in_the_budget(build: str) -> None:
    # s = 0.2: annualised 60 000 x 0.8 / 10 = 4800 < 5000 -> build big, profit 200
    res = solve(plant({"capex_subsidy_frac": 0.2}), build=build)
    assert built(res) == {"big"}
    assert res.objective == pytest.approx(200.0, rel=REL)
    # s = 0.1: 5400 > 5000 -> nothing
    assert built(solve(plant({"capex_subsidy_frac": 0.1}), build=build)) == set()
    # a unit row wins over a stage row, which wins over the manifest's share
    rows = [
        {"applies_to": "refining", "capex_subsidy_frac": 0.1, "scheme": "EKOO"},
        {"applies_to": "R", "capex_subsidy_frac": 0.2, "scheme": "DEI+"},
    ]
    res = solve(plant({"capex_subsidy_frac": 0.0}, capex_subsidies=rows), build=build)
    assert res.objective == pytest.approx(200.0, rel=REL)
    res = solve(plant({"capex_subsidy_frac": 0.2}, capex_subsidies=rows[:1]), build=build)
    assert built(res) == set()
    # budget 50 000: gross 60 000 does not fit, net 48 000 does (recovery objective)
    res = solve(plant({"budget_eur": 50_000}), "recovery", build)
    assert built(res) == {"small"} and res.objective == pytest.approx(5.0, rel=REL)
    res = solve(plant({"budget_eur": 50_000, "capex_subsidy_frac": 0.2}), "recovery", build)
    assert built(res) == {"big"} and res.objective == pytest.approx(10.0, rel=REL)
    assert res.summary["business_case"]["capex_subsidy_eur"] == pytest.approx(12_000)


def test_eco_modulated_fee_by_recyclability_class() -> None:
    # +15 EUR/t for class 'hard': 5000 + 1500 - 6000 = 500 EUR/yr with big
    inst = plant(
        eco_modulation=[
            {"feed_id": "F", "recyclability_class": "hard", "gate_fee_adjustment_eur_per_t": 15}
        ]
    )
    res = solve(inst)
    assert built(res) == {"big"}
    assert res.objective == pytest.approx(500.0, rel=REL)
    assert economics(res)["gate_fees"] == pytest.approx(1500.0, rel=REL)
    # +5 EUR/t only: 5000 + 500 - 6000 < 0 -> nothing; the CLI-style override sets the class
    low = apply_levers(inst, LeverOverrides(eco_fee={"hard": 5.0}))
    assert built(solve(low)) == set()


@pytest.mark.parametrize("build", ["matrix", "pyomo"])
def test_loan_guarantee_blends_the_discount_rate(build: str) -> None:
    # r = 0.10 on half, 0.02 on the other half: r_b = 0.06, CRF(0.06, 10) = 0.135868
    # big: 60 000 x 0.135868 = 8152 EUR/yr > 5000 -> with a 30 % subsidy: 5706 > 5000, still
    # not; with 45 %: 4484 < 5000 -> build, profit 5000 - 4484.0 = 516.0
    crf = 0.06 * 1.06**10 / (1.06**10 - 1)
    m = {"discount_rate": 0.10, "guarantee_frac": 0.5, "guarantee_rate": 0.02}
    assert built(solve(plant({**m, "capex_subsidy_frac": 0.3}), build=build)) == set()
    res = solve(plant({**m, "capex_subsidy_frac": 0.45}), build=build)
    assert built(res) == {"big"}
    assert res.objective == pytest.approx(5000 - 60_000 * 0.55 * crf, rel=REL)
    row = res["built_units"].iloc[0]
    assert row["annualised_capex_eur_per_yr"] == pytest.approx(60_000 * 0.55 * crf, rel=1e-12)
    assert res.summary["business_case"]["discount_rate"] == pytest.approx(0.06)


def test_guarantee_without_rate_is_an_input_error() -> None:
    with pytest.raises(InstanceError, match="guarantee_rate"):
        plant({"guarantee_frac": 0.5})


def test_co2_price_enters_profit() -> None:
    # subsidy 0.5: capital 3000 EUR/yr; co2 0.5 t/t x 100 t = 50 t/yr
    # price 10 EUR/t: 5000 - 3000 - 500 = 1500; price 100: 5000 - 3000 - 5000 < 0 -> nothing
    res = solve(plant({"capex_subsidy_frac": 0.5, "co2_price_eur_per_t": 10}, co2=0.5))
    assert built(res) == {"big"} and res.objective == pytest.approx(1500.0, rel=REL)
    econ = economics(res)
    assert econ["co2_cost"] == pytest.approx(-500.0, rel=REL)
    assert econ["profit"] == pytest.approx(1500.0, rel=REL)
    res = solve(plant({"capex_subsidy_frac": 0.5, "co2_price_eur_per_t": 100}, co2=0.5))
    assert built(res) == set()


@pytest.mark.parametrize("build", ["matrix", "pyomo"])
def test_co2_cap_limits_throughput(build: str) -> None:
    # cap 20 t/yr at 0.5 t CO2 per t: 40 t of feed -> 4 t Co recovered
    res = solve(plant({"co2_cap_t_per_yr": 20.0}, co2=0.5), "recovery", build)
    assert res.objective == pytest.approx(4.0, rel=REL)
    assert accepted(res)["F"] == pytest.approx(40.0, rel=REL)
    assert res["unit_throughput"]["co2_t_per_yr"].sum() <= 20.0 + 1e-6


@pytest.mark.parametrize("build", ["matrix", "pyomo"])
def test_land_and_staff_limits(build: str) -> None:
    # land 400 m2: big needs 500, small 300 -> small, 5 t Co
    res = solve(plant({"land_available_m2": 400}), "recovery", build)
    assert built(res) == {"small"} and res.objective == pytest.approx(5.0, rel=REL)
    # staff 7 FTE: big needs 8 -> small
    res = solve(plant({"staff_available_fte": 7}), "recovery", build)
    assert built(res) == {"small"}
    # per skill level: the refining stage draws on 'chemist', 3 FTE -> neither (4 and 8 FTE)
    inst = plant(
        staff_pools=[{"skill_level": "chemist", "applies_to": "refining", "available_fte": 3}]
    )
    res = solve(inst, "recovery", build)
    assert built(res) == set() and res.objective == pytest.approx(0.0, abs=1e-9)
    more = apply_levers(inst, LeverOverrides(staff_pool={"chemist": 8}))
    assert built(solve(more, "recovery", build)) == {"big"}


def test_public_procurement_reuses_offtake_contracts() -> None:
    # 10 t Co at a 200 EUR/t procurement premium up to 5 t: +1000 EUR/yr; with a 20 %
    # subsidy: 5000 - 4800 + 1000 = 1200
    inst = apply_levers(
        plant({"capex_subsidy_frac": 0.2}),
        LeverOverrides(procurement=parse_procurement(["P:Co=5@200"])),
    )
    assert list(inst["offtake_contracts"]["contract_id"]) == ["procurement:P:Co"]
    res = solve(inst)
    assert res.objective == pytest.approx(1200.0, rel=REL)
    assert res["offtake_contracts"]["taken_t_per_yr"].sum() == pytest.approx(5.0, rel=REL)


def test_bad_lever_values_are_clear_errors() -> None:
    with pytest.raises(PlantoptError, match="expected PRODUCT:MATERIAL"):
        parse_procurement(["P=5"])
    with pytest.raises(PlantoptError, match="no unit or stage"):
        apply_levers(plant(), LeverOverrides(capex_subsidy_for={"nope": 0.2}))
    with pytest.raises(InstanceError, match="capex_subsidy_frac"):
        apply_levers(plant(), LeverOverrides(capex_subsidy=1.5))
    with pytest.raises(PlantoptError, match="no row of eco_modulation.csv"):
        apply_levers(plant(), LeverOverrides(eco_fee={"hard": 1.0}))
    with pytest.raises(InstanceError, match="applies_to"):
        plant(capex_subsidies=[{"applies_to": "nope", "capex_subsidy_frac": 0.1}])
    with pytest.raises(InstanceError, match="two adjustments"):
        make_bad_eco()


def make_bad_eco() -> plantopt.Instance:
    return plant(
        eco_modulation=[
            {"feed_id": "F", "recyclability_class": "hard", "gate_fee_adjustment_eur_per_t": 1},
            {"feed_id": "G", "recyclability_class": "hard", "gate_fee_adjustment_eur_per_t": 2},
        ]
    )


def test_levers_leave_the_input_unchanged() -> None:
    inst = plant()
    h = inst.content_hash()
    apply_levers(
        inst,
        LeverOverrides(
            capex_subsidy_for={"refining": 0.3},
            gate_fee_shift=5,
            price={"P": 2.0},
            procurement=[("P", "Co", 1, 1)],
        ),
    )
    assert inst.content_hash() == h


def test_cli_solve_lever_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from plantopt.instance.writer import write_instance
    from tests.test_cli import run_main

    folder = write_instance(plant(co2=0.5), tmp_path / "inst")
    out = tmp_path / "res"
    code, stdout, err = run_main(
        monkeypatch,
        capsys,
        "solve",
        folder,
        "--objective",
        "profit",
        "--out",
        out,
        "--capex-subsidy-for",
        "refining=0.5",
        "--co2-price",
        "10",
        "--land",
        "1000",
        "--staff",
        "10",
        "--procurement",
        "P:Co=5@200",
    )
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    # 5000 - 3000 - 500 + 1000
    assert summary["objective"] == pytest.approx(2500.0, rel=REL)
    assert summary["business_case"]["co2_cost_eur_per_yr"] == pytest.approx(500.0)
    assert "Business case" in stdout and "NPV" in stdout
    code, _, err = run_main(monkeypatch, capsys, "solve", folder, "--eco-fee", "oops")
    assert code == 2 and "NAME=NUMBER" in err

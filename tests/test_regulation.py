"""Regulation block: targets in force, each target type binding and changing the plan,
offtake contracts, and the compliance table checked against an independent recomputation.

Hand calculations (battery_case, tests/regulation_cases.py): per t of feed, black mass is
0.95*0.12 + 0.05*0.88 = 0.158 t; hydromet costs (500-100)*0.158 = 63.2 EUR more than the
smelter and yields Li 0.02*0.95*0.90 = 0.0171 t. Co revenue is the same either way
(100*0.1*0.95*0.98*20,000 = 186,200 EUR/yr); smelter opex 100*0.158*100 = 1,580 EUR/yr.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import plantopt
from plantopt.instance.errors import InstanceError
from plantopt.instance.targets import covers, load_targets, targets_in_force
from tests.conftest import assert_mass_balance
from tests.regulation_cases import battery_case, recompute_ratios, weee_case

NO_TARGET_PROFIT = 186_200 - 1_580  # everything to the smelter


def _solve(inst: plantopt.Instance, **kw) -> plantopt.Result:
    res = plantopt.solve(inst, **kw)
    assert res.status == plantopt.SolveStatus.OPTIMAL, res.message
    assert_mass_balance(inst, res)
    comp = res["compliance"]
    # independent recomputation from flows + instance tables matches the reported table
    recomputed = recompute_ratios(inst, res)
    reported = comp.dropna(subset=["achieved_frac"]).set_index("target_id")["achieved_frac"]
    assert set(recomputed) == set(reported.index)
    for tid, value in recomputed.items():
        assert reported[tid] == pytest.approx(value, rel=1e-9, abs=1e-12), tid
    return res


def _row(res: plantopt.Result, target_id: str) -> pd.Series:
    return res["compliance"].set_index("target_id").loc[target_id]


def test_targets_table_years_and_latest_row_wins() -> None:
    table = load_targets()
    assert targets_in_force(table, None).empty
    assert targets_in_force(table, 2024)["kind"].str.startswith("weee").all()
    y27 = targets_in_force(table, 2027).set_index("target_id")
    assert y27.at["B-RE-lithium-2025", "required_frac"] == 0.65
    assert y27.at["C-RM-Li-2027", "required_frac"] == 0.50
    y31 = targets_in_force(table, 2031).set_index("target_id")
    assert (
        "B-RE-lithium-2025" not in y31.index
        and y31.at["B-RE-lithium-2030", "required_frac"] == 0.70
    )
    assert y31.at["B-RE-nickel_cadmium-2025", "required_frac"] == 0.80  # no later figure
    assert y31.at["C-RM-Li-2031", "required_frac"] == 0.80
    assert y31.at["C-RM-Co-2031", "required_frac"] == 0.95
    assert (table["legal_reference"].str.len() > 20).all()
    assert covers("battery:*", "battery:lead_acid") and not covers("battery:*", "weee:6")
    assert not covers("weee:1", "") and covers("weee:6", "weee:6")


def test_bad_targets_table_is_reported(tmp_path) -> None:
    bad = tmp_path / "t.csv"
    text = load_targets.__globals__["default_targets_path"]().read_text()
    bad.write_text(
        text.replace(
            "C-RM-Li-2031,2026.1,material_recovery,battery:*,Li,2031",
            "C-RM-Li-2031,2026.1,material_recovery,battery:*,,20x1",
        )
    )
    with pytest.raises(InstanceError) as exc:
        load_targets(bad)
    msg = str(exc.value)
    assert "year" in msg and "material" in msg


def test_material_recovery_li_binds_and_moves_black_mass_to_hydromet() -> None:
    # Li 50 % (2027): share y of black mass to hydromet with 0.95*0.90*y = 0.5,
    # y = 0.5848; profit falls by 100*y*63.2 = 3,695.9 EUR/yr.
    free = _solve(battery_case())
    hydro_free = free["unit_throughput"].set_index("unit_id").at["hydromet", "throughput_t_per_yr"]
    assert hydro_free == pytest.approx(0.0, abs=1e-3)  # tie-break on recovery may add ~1e-4
    assert free.objective == pytest.approx(NO_TARGET_PROFIT, rel=1e-6)
    res = _solve(battery_case(target_year=2027))
    y = 0.5 / (0.95 * 0.90)
    assert res.objective == pytest.approx(NO_TARGET_PROFIT - 100 * y * 63.2, rel=1e-6)
    hydro = res["unit_throughput"].set_index("unit_id").at["hydromet", "throughput_t_per_yr"]
    assert hydro == pytest.approx(100 * y * 0.158, rel=1e-5)
    li = _row(res, "C-RM-Li-2027:lithium")
    assert li["status"] == "binding" and li["binding"] and li["enforced"]
    assert li["achieved_frac"] == pytest.approx(0.5, abs=1e-4)
    assert li["covered_feeds"] == "liion"
    co = _row(res, "C-RM-Co-2027:lithium")  # 0.95*0.98 = 93.1 % either way: met, not binding
    assert co["status"] == "met" and co["achieved_frac"] == pytest.approx(0.931, rel=1e-9)
    assert _row(res, "C-RM-Cu-2027:lithium")["status"] == "covered feeds contain no Cu"
    assert _row(res, "B-RE-lead_acid-2025")["status"] == "no covered feed in instance"
    assert res.summary["compliance"]["binding"] == ["C-RM-Li-2027:lithium"]


def test_no_targets_reports_but_does_not_enforce() -> None:
    res = _solve(battery_case(target_year=2027).with_manifest(apply_targets=False))
    assert res.objective == pytest.approx(NO_TARGET_PROFIT, rel=1e-6)
    li = _row(res, "C-RM-Li-2027:lithium")
    assert li["status"] == "violated" and not li["enforced"]
    assert li["achieved_frac"] == pytest.approx(0.0, abs=1e-4)


def test_recycling_efficiency_binds_and_sends_scrap_to_recycling() -> None:
    # Scrap (0.05*0.12 + 0.95*0.88 = 0.842 t/t) goes to landfill for free or to recycling
    # at 30 EUR/t. Feed class battery:other, 2027: Part B 50 % and Part C Li 50 % apply.
    # Li forces y = 0.5/0.855 of black mass to hydromet (as above). Part B counts output
    # materials only (Delegated Regulation 2025/606): of the scrap only its bulk ("other",
    # 0.95*0.88 = 0.836 t/t) is recovered, not its Co (recovered false) or Li (no row), so the
    # counted mass per t is 0.0931 (Co products) + 0.0171 y (Li2CO3) + 0.836 z (scrap share z)
    # >= 0.5: 0.836 z = 0.4069 - 0.0171 y, costing 30*100*0.842 z EUR/yr.
    free = _solve(battery_case(reg_class="battery:other", scrap_cost=30.0))
    assert free.objective == pytest.approx(NO_TARGET_PROFIT, rel=1e-6)
    res = _solve(battery_case(reg_class="battery:other", scrap_cost=30.0, target_year=2027))
    y = 0.5 / 0.855
    scrap = 100 * 0.842 * (0.4069 - 0.0171 * y) / 0.836
    assert res.objective == pytest.approx(NO_TARGET_PROFIT - 100 * y * 63.2 - 30 * scrap, rel=1e-6)
    assert res["flows"].groupby("target_id")["mass_t_per_yr"].sum()["scrap"] == pytest.approx(
        scrap, rel=1e-5
    )
    assert _row(res, "B-RE-other-2025")["status"] == "binding"
    assert _row(res, "C-RM-Li-2027:other")["status"] == "binding"
    assert _row(res, "B-RE-lithium-2025")["status"] == "no covered feed in instance"


def test_weee_recycling_and_recovery_both_bind() -> None:
    # plastics 0.73 t/t: without targets all to landfill (50 EUR/t): cost 3,650 EUR/yr,
    # recycled 0.27 t/t. Cat. 6: recycled >= 55 % -> 0.28 t/t to regrind (120 EUR/t),
    # recovered >= 75 % -> 0.20 t/t more to energy recovery (60 EUR/t), 0.25 t/t landfill:
    # cost 100*(0.28*120 + 0.20*60 + 0.25*50) = 5,810 EUR/yr. Cu revenue 100*0.19*5000.
    free = _solve(weee_case())
    assert free.objective == pytest.approx(95_000 - 3_650, rel=1e-9)
    res = _solve(weee_case(target_year=2027))
    assert res.objective == pytest.approx(95_000 - 5_810, rel=1e-9)
    rr, rc = _row(res, "W-RR-6-2018"), _row(res, "W-RC-6-2018")
    assert rr["status"] == "binding" and rr["achieved_frac"] == pytest.approx(0.55)
    assert rc["status"] == "binding" and rc["achieved_frac"] == pytest.approx(0.75)
    flows = res["flows"].groupby("target_id")["mass_t_per_yr"].sum()
    assert flows["wte"] == pytest.approx(20.0) and flows["plastic_regrind"] == pytest.approx(28.0)


def test_offtake_contract_premium_and_take_or_pay() -> None:
    # premium 20,000 EUR/t Li, at most 0.5 t: Li per t of feed to hydromet 0.0171 t earns
    # 342 EUR > 63.2 EUR extra cost, so y = 0.5/1.71 of the feed goes to hydromet:
    # profit = 184,620 - 100*y*63.2 + 10,000.
    res = _solve(battery_case(contracts=[("c1", "li2co3", "Li", 0.5, 0.0, 20_000.0)]))
    y = 0.5 / 1.71
    assert res.objective == pytest.approx(NO_TARGET_PROFIT - 100 * y * 63.2 + 10_000, rel=1e-6)
    c = res["offtake_contracts"].set_index("contract_id").loc["c1"]
    assert c["taken_t_per_yr"] == pytest.approx(0.5) and c["premium_eur_per_yr"] == pytest.approx(
        10_000
    )
    econ = res["economics"].set_index("item")["eur_per_yr"]
    assert econ["offtake_premiums"] == pytest.approx(10_000)
    assert econ["profit"] == pytest.approx(res.objective, rel=1e-9)
    # take-or-pay 1 t without premium: forces y = 1/1.71, like the Li 2027 target
    top = _solve(battery_case(contracts=[("c1", "li2co3", "Li", 5.0, 1.0, 0.0)]))
    assert top.objective == pytest.approx(NO_TARGET_PROFIT - 100 / 1.71 * 63.2, rel=1e-6)
    assert top.tables["offtake_contracts"].at[0, "taken_t_per_yr"] >= 1.0 - 1e-9


def test_contract_on_unrecovered_material_is_rejected() -> None:
    with pytest.raises(InstanceError) as exc:
        battery_case(contracts=[("bad", "scrap", "Co", 1.0, 2.0, 0.0)])
    msg = str(exc.value)
    assert "offtake_contracts.csv" in msg and "recycled" in msg and "minimum above" in msg


def test_pyomo_and_matrix_builds_agree_with_targets_and_contracts() -> None:
    inst = battery_case(target_year=2027, contracts=[("c1", "li2co3", "Li", 0.5, 0.2, 5000.0)])
    a = _solve(inst, build="matrix")
    b = _solve(inst, build="pyomo")
    assert a.objective == pytest.approx(b.objective, rel=1e-9)
    assert not math.isnan(
        a["compliance"].set_index("target_id").at["C-RM-Li-2027:lithium", "achieved_frac"]
    )

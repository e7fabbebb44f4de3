"""Multi-period planning (issue 5): timed builds, persistence and lifetime, per-period targets,
NPV from the cash-flow table, mass balance per period, validation of the period tables.

All cases use r = 0 (tests/builders.make_instance) so every figure is a sum by hand.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import plantopt
from plantopt.instance.errors import InstanceError
from plantopt.instance.generate import generate
from plantopt.instance.generate_periods import with_periods
from plantopt.model.data import build_model_data
from plantopt.model.periods import period_instance
from plantopt.routetree.tree import build_route_tree
from tests.builders import make_instance, materials, route, tc_rows
from tests.conftest import INSTANCES, assert_mass_balance
from tests.test_levers import plant

BUILDS = ["matrix", "pyomo"]


def periods(*rows: tuple[int, int]) -> list[dict]:
    return [{"period_id": str(y), "start_year": y, "duration_yr": d} for y, d in rows]


def period_view(res: plantopt.Result, pid: str) -> plantopt.Result:
    """The tables of one period (without the period column) as a Result."""
    tables = {
        k: v[v["period"] == pid].drop(columns="period").reset_index(drop=True)
        for k, v in res.tables.items()
        if "period" in v.columns and k not in ("periods", "builds", "capex_schedule")
    }
    return plantopt.Result(
        res.status,
        res.objective_name,
        res.objective,
        res.bound,
        res.gap,
        res.timings_s,
        res.summary,
        tables,
    )


def check_periods_balance(inst: plantopt.Instance, res: plantopt.Result) -> None:
    """assert_mass_balance on every period's tables, against the period's instance."""
    data = build_model_data(inst, build_route_tree(inst))
    for p in data.periods:
        assert_mass_balance(period_instance(inst, p), period_view(res, p.period_id))


def npv_from_cash_flows(res: plantopt.Result, rate: float = 0.0) -> float:
    f = res["cash_flows"]
    return float(sum(cf / (1 + rate) ** y for y, cf in zip(f["year"], f["net_cash_flow_eur"])))


# ---------------------------------------------------------------- deferred until 2031
def li_plant(objective_periods: list[dict]) -> plantopt.Instance:
    """Feed F (battery:lithium) 100 t/yr, Li 10 %, rest 90 %. Unit B (existing 100 t/yr, no
    cost) sends 60 % of Li to product P, 40 % to residue ``res``, the rest to product Q
    (counts as recycled, price 0). ``res`` goes to disposal or to unit X (option x1: 10 t/yr,
    capex 80 000, lifetime 8 yr) which puts all its Li into P. Li in P: 1000 EUR/t.

    Li material recovery must be >= 50 % from 2027 and >= 80 % from 2031 (Regulation (EU)
    2023/1542 Annex XII Part C), so X is needed from the 2031 period only. Periods 2027 and
    2031, 4 years each, r = 0:
      profit (horizon mean): X built in 2031 -> (6000 x 4 + (10 000 - 80 000/8) x 4) / 8 = 3000;
        built in 2027 it is in service (and paid) in both periods -> 0.
      npv: X in 2031 in service for W = 4 of its 8 years -> capex 80 000 at year 4, salvage
        40 000 at year 8: 6000 x 4 + 10 000 x 4 - 80 000 + 40 000 = 24 000.
    """
    return make_instance(
        manifest={"apply_targets": True},
        materials=materials({"Li": 1.0}),
        feeds=[
            {
                "feed_id": "F",
                "feed_class": "c",
                "reg_class": "battery:lithium",
                "available_t_per_yr": 100,
                "contracted_min_t_per_yr": 100,
            }
        ],
        composition=[
            {"feed_id": "F", "material": "Li", "mass_frac": 0.1},
            {"feed_id": "F", "material": "other", "mass_frac": 0.9},
        ],
        units=[
            {"unit_id": "B", "stage": "preprocessing", "existing_capacity_t_per_yr": 100},
            {"unit_id": "X", "stage": "refining"},
        ],
        capacity_options=[
            {
                "unit_id": "X",
                "option_id": "x1",
                "capacity_t_per_yr": 10,
                "capex_eur": 80_000,
                "lifetime_yr": 8,
            }
        ],
        transfer_coefficients=tc_rows("B", {"Li": {"li": 0.6, "res": 0.4}, "other": {"oth": 1.0}})
        + tc_rows("X", {"Li": {"li": 1.0}, "other": {"li": 1.0}}),
        routing=[
            route("B", "li", "product", "P"),
            route("B", "oth", "product", "Q"),
            route("B", "res", "unit", "X"),
            route("B", "res", "disposal", "dump"),
            route("X", "li", "product", "P"),
        ],
        feed_entry=[{"feed_class": "c", "unit_id": "B"}],
        products=[{"product_id": "P"}, {"product_id": "Q"}],
        product_prices=[
            {"product_id": "P", "material": "Li", "price_eur_per_t": 1000},
            {"product_id": "Q", "material": "other", "price_eur_per_t": 0},
        ],
        periods=objective_periods,
    )


@pytest.mark.parametrize("build", BUILDS)
def test_li_unit_deferred_until_the_2031_target(build: str) -> None:
    inst = li_plant(periods((2027, 4), (2031, 4)))
    res = plantopt.solve(inst, objective="profit", build=build)
    assert res.status == plantopt.SolveStatus.OPTIMAL, res.message
    check_periods_balance(inst, res)
    b = res["builds"]
    assert list(zip(b["unit_id"], b["period_built"])) == [("X", "2031")]
    assert res.objective == pytest.approx(3000.0, rel=1e-9)
    per = res["periods"].set_index("period")
    assert per.at["2027", "profit_eur_per_yr"] == pytest.approx(6000.0, rel=1e-9)
    assert per.at["2031", "profit_eur_per_yr"] == pytest.approx(0.0, abs=1e-6)
    comp = res["compliance"]
    li = comp[comp["target_id"].str.startswith("C-RM-Li")]
    assert list(li["period"]) == ["2027", "2031"]
    assert list(li["target_id"]) == ["C-RM-Li-2027:lithium", "C-RM-Li-2031:lithium"]
    # npv: same timing, 24 000 by hand, and equal to the cash-flow table's NPV
    res = plantopt.solve(inst, objective="npv", build=build)
    check_periods_balance(inst, res)
    assert list(res["builds"]["period_built"]) == ["2031"]
    assert res.objective == pytest.approx(24_000.0, rel=1e-9)
    assert npv_from_cash_flows(res) == pytest.approx(24_000.0, rel=1e-9)
    f = res["cash_flows"].set_index("year")
    assert f.at[4, "capex_eur"] == pytest.approx(-80_000)
    assert f.at[8, "salvage_eur"] == pytest.approx(40_000)
    assert list(f["calendar_year"])[:2] == [2027, 2028]


def test_without_the_2031_period_nothing_is_built() -> None:
    # one period (2027, 8 yr): only the 50 % target applies; X never pays for itself
    res = plantopt.solve(li_plant(periods((2027, 8))), objective="profit")
    assert_mass_balance(li_plant(periods((2027, 8))), res)
    assert "period" not in res["built_units"].columns  # one period: tables as before
    assert len(res["built_units"]) == 0
    assert res.objective == pytest.approx(6000.0, rel=1e-9)


# ---------------------------------------------------------------- advanced by a subsidy
def growth_plant(subsidy: float) -> plantopt.Instance:
    """tests/test_levers.plant without variable opex (margin 100 EUR/t), feed 50 t/yr in
    2027-2031 and 100 t/yr in 2032-2036, r = 0 (npv = undiscounted sum). Options big
    (100 t/yr, 60 000, 10 yr) and small (50 t/yr, 40 000, 10 yr). By hand (s = subsidy):
      big in 2027 (in service 10 yr): 5000 x 5 + 10 000 x 5 - 60 000 (1 - s)
      big in 2032 (5 of 10 yr, half salvaged): 10 000 x 5 - 30 000 (1 - s)
      small in 2027: 5000 x 10 - 40 000 (1 - s);  small 2027 + big 2032: 75 000 - 40 000
      (1 - s) - 30 000 (1 - s)
    s = 0: big 2032 wins (20 000 vs 15 000, 10 000, 5 000);
    s = 0.5: big 2027 wins (45 000 vs 35 000, 30 000, 40 000)."""
    inst = plant(
        {"capex_subsidy_frac": subsidy}, unit={"opex_eur_per_t": 0}, feed={"available_t_per_yr": 50}
    )
    tables = dict(inst.tables)
    tables["periods"] = pd.DataFrame(periods((2027, 5), (2032, 5)))
    tables["feed_periods"] = pd.DataFrame(
        [{"feed_id": "F", "period_id": "2032", "available_t_per_yr": 100.0}]
    )
    return plantopt.instance_from_tables(inst.manifest, tables)


@pytest.mark.parametrize("build", BUILDS)
def test_build_advanced_by_a_subsidy(build: str) -> None:
    inst = growth_plant(0.0)
    res = plantopt.solve(inst, objective="npv", build=build)
    check_periods_balance(inst, res)
    assert list(zip(res["builds"]["option_id"], res["builds"]["period_built"])) == [("big", "2032")]
    assert res.objective == pytest.approx(20_000.0, rel=1e-9)
    assert npv_from_cash_flows(res) == pytest.approx(20_000.0, rel=1e-9)
    inst = growth_plant(0.5)
    res = plantopt.solve(inst, objective="npv", build=build)
    check_periods_balance(inst, res)
    assert list(zip(res["builds"]["option_id"], res["builds"]["period_built"])) == [("big", "2027")]
    assert res.objective == pytest.approx(45_000.0, rel=1e-9)
    assert npv_from_cash_flows(res) == pytest.approx(45_000.0, rel=1e-9)
    assert res.summary["business_case"]["npv_eur"] == pytest.approx(45_000.0, rel=1e-9)
    # the 2027 build persists: in service in 2032 as well
    bu = res["built_units"]
    assert list(bu["period"]) == ["2027", "2032"] and set(bu["option_id"]) == {"big"}


# ---------------------------------------------------------------- lifetime ends
@pytest.mark.parametrize("build", BUILDS)
def test_capacity_persists_and_ends_after_its_lifetime(build: str) -> None:
    """Three 5-year periods, feed 100 t/yr, margin 100 EUR/t (10 000 EUR/yr), r = 0. big
    (10 yr) built in 2027 serves 2027 and 2032, not 2037 (its 10 years are over): a new
    build in 2037 (in service 5 of 10 yr, half salvaged). npv = 150 000 - 60 000 - 30 000
    = 60 000; building twice in 2027/2032 would cost 120 000 - ... (worse)."""
    inst = plant(unit={"opex_eur_per_t": 0}, periods=periods((2027, 5), (2032, 5), (2037, 5)))
    res = plantopt.solve(inst, objective="npv", build=build)
    check_periods_balance(inst, res)
    b = res["builds"]
    assert list(zip(b["option_id"], b["period_built"], b["first_period"], b["last_period"])) == [
        ("big", "2027", "2027", "2032"),
        ("big", "2037", "2037", "2037"),
    ]
    assert res.objective == pytest.approx(60_000.0, rel=1e-9)
    assert npv_from_cash_flows(res) == pytest.approx(60_000.0, rel=1e-9)
    per = res["periods"].set_index("period")
    assert list(per["capacity_in_service_t_per_yr"]) == [100.0, 100.0, 100.0]


def test_lead_time_delays_service() -> None:
    # lead 5 yr: a 2027 build serves from 2032; nothing can serve 2027
    inst = plant(
        unit={"opex_eur_per_t": 0},
        periods=periods((2027, 5), (2032, 5)),
        lead_times=[{"applies_to": "refining", "lead_time_yr": 5.0}],
    )
    timing = build_model_data(inst, build_route_tree(inst)).timing
    assert timing.active[("R", "big", 0)] == ()
    assert timing.active[("R", "big", 1)] == (0,)
    res = plantopt.solve(inst, objective="npv")
    check_periods_balance(inst, res)
    per = res["periods"].set_index("period")
    assert per.at["2027", "accepted_t_per_yr"] == 0.0
    # built 2027 (capex at year 0), in service 2032-2036 (5 of 10 yr): 50 000 - 60 000
    # + 30 000 salvage = 20 000
    assert res.objective == pytest.approx(20_000.0, rel=1e-9)
    assert npv_from_cash_flows(res) == pytest.approx(20_000.0, rel=1e-9)


def test_generated_three_periods_both_builds_agree() -> None:
    base = generate("M", 2, base=plantopt.load_instance(INSTANCES / "tiny"))
    inst = with_periods(
        base.with_manifest(apply_targets=False, discount_rate=0.06),
        [2027, 2031, 2035],
        [4, 4, 5],
        feed_growth=0.05,
        price_growth=0.01,
    )
    for objective in ("npv", "recovery"):
        a = plantopt.solve(inst, objective=objective)
        b = plantopt.solve(inst, objective=objective, build="pyomo")
        assert a.objective == pytest.approx(b.objective, rel=1e-6)
        check_periods_balance(inst, a)
        assert a.summary["business_case"]["npv_eur"] == pytest.approx(
            npv_from_cash_flows(a, 0.06), rel=1e-9, abs=1e-6
        )
    assert a.objective > 0
    # recovery is the duration-weighted mean of the periods' weighted recovery (feed grows)
    per = a["periods"]
    assert a.objective == pytest.approx(
        float((per["weight"] * per["weighted_recovery_t_per_yr"]).sum()), rel=1e-9
    )
    assert per["accepted_t_per_yr"].is_monotonic_increasing


# ---------------------------------------------------------------- validation
def test_period_tables_are_validated() -> None:
    inst = li_plant(periods((2027, 4), (2031, 4)))
    tables = dict(inst.tables)
    tables["periods"] = pd.DataFrame(periods((2027, 4), (2032, 4)))  # gap: 2031 expected
    tables["feed_periods"] = pd.DataFrame(
        [
            {"feed_id": "G", "period_id": "2027", "available_t_per_yr": 5.0},
            {"feed_id": "F", "period_id": "2040", "available_t_per_yr": 5.0},
            {"feed_id": "F", "period_id": "2027", "available_t_per_yr": 50.0},
        ]
    )
    tables["price_periods"] = pd.DataFrame(
        [{"product_id": "P", "material": "Co", "period_id": "2027", "price_eur_per_t": 1.0}]
    )
    with pytest.raises(InstanceError) as err:
        plantopt.instance_from_tables(inst.manifest, tables)
    text = str(err.value)
    for part in (
        "periods.csv",
        "start_year",
        "2031",
        "feed_periods.csv",
        "unknown feed",
        "unknown period",
        "contracted minimum above availability",
        "price_periods.csv",
        "P/Co",
    ):
        assert part in text, part


def test_every_multiperiod_component_is_documented() -> None:
    """models/formulation.md §13 lists what a multi-period model adds; the operating
    components inside period[t] are those of the single-period indexes."""
    from tests.test_docs import (
        all_indexes,
        component_index,
        documented_in_regulation_doc,
        model_components,
    )

    inst = li_plant(periods((2027, 4), (2031, 4)))
    model = plantopt.build_model(inst, "npv")
    extra = component_index("multiperiod-index")
    single = all_indexes()
    missing = []
    for name in model_components(model):
        plain = re.sub(r"\[[^\]]*\]", "", name)  # period[2027].flow -> period.flow
        local = plain.rsplit(".", 1)[-1]
        if plain in extra or local in single or documented_in_regulation_doc(local):
            continue
        missing.append(name)
    assert not missing, f"not documented in models/formulation.md: {missing}"
    for name in extra:  # and every listed name exists
        assert any(re.sub(r"\[[^\]]*\]", "", n) == name for n in model_components(model)), name


def test_cli_solve_prints_periods_and_saves_tables(tmp_path, monkeypatch, capsys) -> None:
    from plantopt.instance.writer import write_instance
    from tests.test_cli import run_main

    folder = write_instance(li_plant(periods((2027, 4), (2031, 4))), tmp_path / "li")
    # written and read back: the period tables survive the round trip
    assert set(plantopt.load_instance(folder).tables["periods"]["period_id"]) == {"2027", "2031"}
    code, out, err = run_main(
        monkeypatch, capsys, "solve", folder, "--objective", "npv", "--out", tmp_path / "res"
    )
    assert code == 0, err
    assert "Periods" in out and "Builds" in out and "2031" in out
    saved = pd.read_parquet(tmp_path / "res" / "builds.parquet")
    assert list(saved["period_built"]) == ["2031"]
    flows = pd.read_parquet(tmp_path / "res" / "cash_flows.parquet")
    assert float(flows["net_cash_flow_eur"].sum()) == pytest.approx(24_000.0, rel=1e-9)


def _budget_starved() -> plantopt.Instance:
    # X (capex 80 000) is needed from 2031 for the 80 % Li target while the feed is
    # contracted; a budget of 1 000 EUR makes every plan infeasible. Without X, B sends
    # 60 % of the Li to P: Li recovery at most 60 % in 2031 (the 2027 target, 50 %, holds).
    return li_plant(periods((2027, 4), (2031, 4))).with_manifest(budget_eur=1_000.0)


def test_infeasible_multi_period_is_diagnosed_by_period() -> None:
    res = plantopt.solve(_budget_starved())
    assert res.status == plantopt.SolveStatus.INFEASIBLE
    d = res["diagnosis"]
    alone = d[d["analysis"].str.startswith("only ")].set_index(["family", "period", "key"])
    li = alone.loc[("target", "2031", "C-RM-Li-2031:lithium")]
    assert li["possible"] == pytest.approx(0.6, rel=1e-6) and li["required"] == 0.8
    assert (
        "period 2031: Li material recovery, lithium-based (2031): at most 60.0 % achievable, "
        "80 % required" in (li["message"])
    )
    assert ("target", "2027", "C-RM-Li-2027:lithium") not in alone.index  # 60 % >= 50 %: holds
    # the contracted feed, the capacity of X in 2031, the budget (global: no period)
    assert alone.loc[("feed_minimum", "2031", "F"), "possible"] == pytest.approx(0.0, abs=1e-6)
    assert alone.loc[("capacity", "2031", "X"), "possible"] == pytest.approx(2.0, rel=1e-6)
    budget = alone.loc[("budget", "", "budget")]
    assert budget["possible"] == pytest.approx(80_000.0, rel=1e-9)
    assert "it needs 80 k EUR of capex" in budget["message"]
    iis = d.loc[d["analysis"] == "iis", "key"].tolist()
    assert any(k.startswith("period[2031].target_ratio[C-RM-Li-2031:lithium]") for k in iis)
    assert any(k.startswith("period[2031].flow on route F") for k in iis), iis
    assert "solve the periods one at a time" not in res.message


def test_cli_infeasible_multi_period_words_on_the_terminal_conflicts_in_the_file(
    tmp_path, monkeypatch, capsys
) -> None:
    from plantopt.instance.writer import write_instance
    from tests.test_cli import run_main

    folder = write_instance(_budget_starved(), tmp_path / "li")
    code, out, err = run_main(monkeypatch, capsys, "solve", folder, "--out", tmp_path / "res")
    assert code == 3, err
    assert "Why the instance is infeasible" in out
    assert (
        "period 2031: Li material recovery, lithium-based (2031): at most 60.0 % achievable" in out
    )
    assert "period[2031]." not in out  # the conflict set is counted, not printed
    assert "constraints conflict" in out and "diagnosis.txt" in out
    text = (tmp_path / "res" / "diagnosis.txt").read_text()
    assert "period 2031: feed F: contracted minimum 100.0 t/yr" in text
    assert "period[2031].target_ratio[C-RM-Li-2031:lithium] (lower bound)" in text


@pytest.mark.parametrize("build", BUILDS)
def test_lead_time_with_one_period_is_not_used(build: str) -> None:
    # one period is a steady state: the lead time would make the option never serve (its
    # service starts after the only period), so it is not used, the same in both emitters,
    # and the checks say so. Without it: big (100 t/yr, capex 60 000 over 10 yr = 6 000/yr)
    # takes all 10 t/yr Co at 1000 EUR/t - 50 EUR/t x 100 t opex: 10 000 - 5 000 - 6 000 < 0,
    # so at r = 0 the profit optimum builds nothing; objective recovery builds big.
    lead = [{"applies_to": "refining", "lead_time_yr": 5.0}]
    inst, base = plant(lead_times=lead), plant()
    warnings = [p for p in plantopt.validate(inst) if p.severity == "warning"]
    assert [(p.file, p.column) for p in warnings if "lead times" in p.message] == [
        ("lead_times.csv", "lead_time_yr")
    ]
    timing = build_model_data(inst, build_route_tree(inst)).timing
    assert timing.active[("R", "big", 0)] == (0,)
    res, ref = (plantopt.solve(i, objective="recovery", build=build) for i in (inst, base))
    assert res.objective == pytest.approx(ref.objective, rel=1e-9)
    assert res.objective == pytest.approx(10.0, rel=1e-9)
    assert_mass_balance(inst, res)
    units = res["unit_throughput"].set_index("unit_id")
    assert units.at["R", "built_option"] == "big"
    assert units.at["R", "capacity_t_per_yr"] == pytest.approx(100.0)
    assert units.at["R", "throughput_t_per_yr"] == pytest.approx(100.0)

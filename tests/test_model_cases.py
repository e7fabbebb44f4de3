"""Tiny instances whose optimum is worked out by hand in the comments.

Every instance uses material A (critical, recovery weight 1) and the remainder 'other'
(weight 0). Tonnages are t/yr, money EUR/yr. Each test checks the objective, the decision
that matters, the economics table against a profit recomputed from the tables, and the mass
balance.
"""

from __future__ import annotations

import pandas as pd
import pytest

import plantopt
from tests.builders import (
    accepted,
    assert_solved,
    crf,
    economics,
    make_instance,
    materials,
    recompute_profit,
    recovered,
    route,
    tc_rows,
    throughput,
)
from tests.conftest import assert_mass_balance

# The tie-break stage (plantopt.solver) may give up to ``tie_break_rel_tol`` (relative) of the
# primary objective to improve the secondary one, so optima are checked to 10x that, and
# quantities that should be zero to ABS (t/yr or EUR/yr).
REL = 10 * plantopt.SolveOptions().tie_break_rel_tol
ABS = 1e-3


def solve_checked(inst: plantopt.Instance, objective: str, **kw: object) -> plantopt.Result:
    """Solve, require optimality, check mass balance and the economics table."""
    res = plantopt.solve(inst, objective=objective, **kw)
    assert_solved(res)
    assert_mass_balance(inst, res)
    econ = economics(res)
    assert econ["profit"] == pytest.approx(recompute_profit(inst, res), abs=1e-6)
    if objective == "profit":
        assert res.objective == pytest.approx(econ["profit"], abs=1e-6)
    return res


# ----------------------------------------------------------------------------- (a), (d), (g)


def two_routes(
    r2_opex: float = 20.0, offtake_hi: float | None = None, manifest: dict | None = None
) -> plantopt.Instance:
    """Feed F: 100 t/yr, A 10 %, other 90 %, gate fee 5 EUR/t.

    prep (existing 1000 t/yr): all A and half of 'other' go to conc, i.e. 0.1 + 0.45 = 0.55 t
    of conc per t of feed; the rest to tailings (disposal, free).
    conc goes to R1 (existing 22 t/yr, opex 10 EUR/t; A 90 % -> product p_hi at 1000 EUR/t,
    payable 1) or to R2 (existing 1000 t/yr, opex r2_opex; A 60 % -> p_lo at 1000 EUR/t,
    payable 0.8). Residues and slag are disposed of for free.
    """
    return make_instance(
        manifest=manifest,
        materials=materials({"A": 1.0}),
        feeds=[
            {"feed_id": "F", "feed_class": "c", "available_t_per_yr": 100, "gate_fee_eur_per_t": 5}
        ],
        composition=[
            {"feed_id": "F", "material": "A", "mass_frac": 0.1},
            {"feed_id": "F", "material": "other", "mass_frac": 0.9},
        ],
        units=[
            {"unit_id": "prep", "stage": "preprocessing", "existing_capacity_t_per_yr": 1000},
            {
                "unit_id": "R1",
                "stage": "refining",
                "opex_eur_per_t": 10,
                "existing_capacity_t_per_yr": 22,
            },
            {
                "unit_id": "R2",
                "stage": "refining",
                "opex_eur_per_t": r2_opex,
                "existing_capacity_t_per_yr": 1000,
            },
        ],
        transfer_coefficients=(
            tc_rows("prep", {"A": {"conc": 1.0}, "other": {"conc": 0.5, "tail": 0.5}})
            + tc_rows("R1", {"A": {"prod": 0.9, "res": 0.1}, "other": {"res": 1.0}})
            + tc_rows("R2", {"A": {"alloy": 0.6, "slag": 0.4}, "other": {"slag": 1.0}})
        ),
        routing=[
            route("prep", "conc", "unit", "R1"),
            route("prep", "conc", "unit", "R2"),
            route("prep", "tail", "disposal", "landfill"),
            route("R1", "prod", "product", "p_hi"),
            route("R1", "res", "disposal", "landfill"),
            route("R2", "alloy", "product", "p_lo"),
            route("R2", "slag", "disposal", "landfill"),
        ],
        feed_entry=[{"feed_class": "c", "unit_id": "prep"}],
        products=[
            {"product_id": "p_hi", "max_offtake_t_per_yr": offtake_hi},
            {"product_id": "p_lo"},
        ],
        product_prices=[
            {"product_id": "p_hi", "material": "A", "price_eur_per_t": 1000, "payable_frac": 1},
            {"product_id": "p_lo", "material": "A", "price_eur_per_t": 1000, "payable_frac": 0.8},
        ],
    )


def test_a_capacity_bound_choice_between_two_refining_routes() -> None:
    # Profit per t of feed: via R1 5 + 0.1*0.9*1000 - 10*0.55 = 89.5;
    # via R2 5 + 0.1*0.6*1000*0.8 - 20*0.55 = 42. Both positive: take all 100 t, R1 first.
    # R1 takes 22 t/yr of conc = 22 / 0.55 = 40 t of feed; the other 60 t go to R2.
    # Profit = 40*89.5 + 60*42 = 3580 + 2520 = 6100.
    # Revenue 40*90 + 60*48 = 6480; gate fees 500; opex 10*22 + 20*33 = 880.
    inst = two_routes()
    res = solve_checked(inst, "profit")
    assert res.objective == pytest.approx(6100.0, rel=REL)
    assert accepted(res)["F"] == pytest.approx(100.0)
    thr = throughput(res)
    assert thr["R1"] == pytest.approx(22.0, rel=REL)  # capacity binds
    assert thr["R2"] == pytest.approx(60 * 0.55, rel=REL)
    econ = economics(res)
    assert econ["revenue"] == pytest.approx(6480.0)
    assert econ["gate_fees"] == pytest.approx(500.0)
    assert econ["variable_opex"] == pytest.approx(-880.0)
    assert recovered(res)["A"] == pytest.approx(40 * 0.09 + 60 * 0.06)  # 7.2
    util = res["unit_throughput"].set_index("unit_id")["utilisation_frac"]
    assert util["R1"] == pytest.approx(1.0)


def test_d_profit_floor_binds_under_recovery_objective() -> None:
    # R2 opex 100: profit per t of feed via R1 89.5 (as in (a)), via R2
    # 5 + 48 - 100*0.55 = -2. Recovery per t: R1 0.09, R2 0.06.
    # No floor: recovery takes everything: 40 t R1 + 60 t R2 -> A = 7.2,
    # profit = 3580 - 120 = 3460.
    # Floor 3500: 3580 - 2*x2 >= 3500 -> x2 <= 40 -> A = 3.6 + 0.06*40 = 6.0, profit 3500,
    # 20 t of feed declined.
    free = solve_checked(two_routes(r2_opex=100), "recovery")
    assert free.objective == pytest.approx(7.2, rel=REL)
    assert economics(free)["profit"] == pytest.approx(3460.0)

    inst = two_routes(r2_opex=100, manifest={"profit_floor_eur_per_yr": 3500})
    res = solve_checked(inst, "recovery")
    assert res.objective == pytest.approx(6.0, rel=REL)
    assert economics(res)["profit"] == pytest.approx(3500.0, rel=REL)
    assert accepted(res)["F"] == pytest.approx(80.0, rel=REL)
    assert throughput(res)["R2"] == pytest.approx(40 * 0.55, rel=REL)


def test_d_recovery_floor_binds_under_profit_objective() -> None:
    # Same instance, profit objective: R2 loses 2 EUR per t of feed, so without a floor only
    # R1 is used: 40 t, profit 3580, A = 3.6.
    # Recovery floor 5.0 t/yr: 3.6 + 0.06*x2 >= 5 -> x2 = 23.333 t, profit 3580 - 46.667.
    free = solve_checked(two_routes(r2_opex=100), "profit")
    assert free.objective == pytest.approx(3580.0, rel=REL)
    # The tie-break (recovery after profit) may give up tie_break_rel_tol * 3580 EUR of
    # profit; at 2 EUR lost per 0.06 t of A via R2 that buys at most 0.03 t of A per EUR.
    slack_eur = plantopt.SolveOptions().tie_break_rel_tol * 3580.0
    assert 3.6 - 1e-9 <= recovered(free)["A"] <= 3.6 + 0.03 * slack_eur + 1e-9

    inst = two_routes(r2_opex=100, manifest={"recovery_floor_t_per_yr": 5.0})
    res = solve_checked(inst, "profit")
    x2 = (5.0 - 3.6) / 0.06
    assert res.objective == pytest.approx(3580.0 - 2 * x2, rel=REL)
    # the floor binds, up to what the tie-break may buy with its slack (see above):
    # 0.03 t of A and 0.5 t of feed per EUR of profit given up
    slack_eur = plantopt.SolveOptions().tie_break_rel_tol * res.objective
    assert 5.0 - 1e-9 <= recovered(res)["A"] <= 5.0 + 0.03 * slack_eur + 1e-9
    assert 40 + x2 - 1e-7 <= accepted(res)["F"] <= 40 + x2 + 0.5 * slack_eur + 1e-7


def test_g_product_offtake_limit_binds() -> None:
    # p_hi holds only A: 0.1*0.9 = 0.09 t of product per t of feed via R1. Buyers take 2.7 t/yr
    # -> at most 30 t of feed via R1 (R1 capacity would allow 40). The other 70 t go to R2.
    # Profit = 30*89.5 + 70*42 = 2685 + 2940 = 5625 (vs 6100 without the limit).
    inst = two_routes(offtake_hi=2.7)
    res = solve_checked(inst, "profit")
    assert res.objective == pytest.approx(5625.0, rel=REL)
    prod = res["products"].groupby("product_id")["mass_t_per_yr"].sum()
    assert prod["p_hi"] == pytest.approx(2.7, rel=REL)
    assert throughput(res)["R1"] == pytest.approx(30 * 0.55, rel=REL)


# ----------------------------------------------------------------------------- (b), (f)


def one_unit_to_build(
    options: list[dict], price: float, rate: float, budget: float | None = None
) -> plantopt.Instance:
    """Feed F: 100 t/yr, A 10 %, gate fee 0. Unit U has no existing capacity; A goes 100 %
    to product p at ``price`` EUR/t, 'other' to free disposal."""
    return make_instance(
        manifest={"discount_rate": rate, "budget_eur": budget},
        materials=materials({"A": 1.0}),
        feeds=[{"feed_id": "F", "feed_class": "c", "available_t_per_yr": 100}],
        composition=[{"feed_id": "F", "material": "A", "mass_frac": 0.1}],
        units=[{"unit_id": "U", "stage": "refining"}],
        capacity_options=[{"unit_id": "U", **o} for o in options],
        transfer_coefficients=tc_rows("U", {"A": {"prod": 1.0}, "other": {"res": 1.0}}),
        routing=[route("U", "prod", "product", "p"), route("U", "res", "disposal", "dump")],
        feed_entry=[{"feed_class": "c", "unit_id": "U"}],
        products=[{"product_id": "p"}],
        product_prices=[{"product_id": "p", "material": "A", "price_eur_per_t": price}],
    )


def test_b_capital_recovery_factor_value() -> None:
    # CRF(0.08, 10) = 0.08 * 1.08^10 / (1.08^10 - 1) = 0.08 * 2.158925 / 1.158925 = 0.1490295
    from plantopt.model.data import capital_recovery_factor

    assert capital_recovery_factor(0.08, 10) == pytest.approx(0.1490294887, rel=REL)
    assert capital_recovery_factor(0.0, 10) == pytest.approx(0.1)


@pytest.mark.parametrize("capex, built", [(60_000.0, True), (75_000.0, False)])
def test_b_build_or_not_decided_by_capex(capex: float, built: bool) -> None:
    # Full use: 100 t * 0.1 * 1000 EUR/t = 10,000 EUR/yr revenue, no other cost.
    # Annualised capex = capex * CRF(0.08, 10) = capex * 0.1490295.
    # Break-even capex = 10,000 / 0.1490295 = 67,100.8 EUR.
    # capex 60,000 -> 8,941.77 EUR/yr -> build, profit 1,058.23.
    # capex 75,000 -> 11,177.21 EUR/yr -> building loses 1,177.21: do not build, profit 0.
    assert 10_000 / crf(0.08, 10) == pytest.approx(67_100.8, abs=0.1)
    inst = one_unit_to_build(
        [{"option_id": "std", "capacity_t_per_yr": 100, "capex_eur": capex, "lifetime_yr": 10}],
        price=1000,
        rate=0.08,
    )
    res = solve_checked(inst, "profit")
    assert (len(res["built_units"]) == 1) is built
    if built:
        annual = capex * 0.1490294887
        assert res.objective == pytest.approx(10_000 - annual, rel=REL)
        assert economics(res)["annualised_capex"] == pytest.approx(-annual, rel=REL)
        assert res["built_units"].iloc[0]["annualised_capex_eur_per_yr"] == pytest.approx(
            annual, rel=REL
        )
        assert accepted(res)["F"] == pytest.approx(100.0)
    else:
        assert res.objective == pytest.approx(0.0, abs=ABS)
        assert accepted(res)["F"] == pytest.approx(0.0, abs=ABS)


@pytest.mark.parametrize(
    "budget, option, profit", [(None, "big", 10_000.0), (50_000.0, "small", 6_000.0)]
)
def test_f_budget_excludes_best_option(budget: float | None, option: str, profit: float) -> None:
    # Revenue 0.1 * 2000 = 200 EUR per t of feed; discount rate 0 -> CRF = 1/L = 0.1.
    # big:   100 t/yr, capex 100,000 -> 10,000/yr; profit 100*200 - 10,000 = 10,000.
    # small:  50 t/yr, capex  40,000 ->  4,000/yr; profit  50*200 -  4,000 =  6,000.
    # Budget 50,000 < 100,000 excludes big: small is built, 50 t accepted.
    inst = one_unit_to_build(
        [
            {"option_id": "big", "capacity_t_per_yr": 100, "capex_eur": 100_000, "lifetime_yr": 10},
            {"option_id": "small", "capacity_t_per_yr": 50, "capex_eur": 40_000, "lifetime_yr": 10},
        ],
        price=2000,
        rate=0.0,
        budget=budget,
    )
    res = solve_checked(inst, "profit")
    assert res.objective == pytest.approx(profit, rel=REL)
    assert list(res["built_units"]["option_id"]) == [option]
    capex_total = economics(res)["capex_total"]
    assert capex_total == pytest.approx(100_000 if option == "big" else 40_000)
    if budget is not None:
        assert capex_total <= budget
    assert accepted(res)["F"] == pytest.approx(100.0 if option == "big" else 50.0)


# ----------------------------------------------------------------------------- (c), (e)


def min_load_case(min_load: float, f2_fee: float, f2_contract: float = 0.0) -> plantopt.Instance:
    """F1: 50 t/yr, A 10 %, gate fee 0; A sells at 200 EUR/t -> 20 EUR per t of F1.
    F2: 100 t/yr of 'other' only, bought at -f2_fee EUR/t (a filler, worth nothing).
    Both enter unit U (existing 100 t/yr, min load ``min_load``), which sends A to product p
    and everything else to free disposal."""
    return make_instance(
        materials=materials({"A": 1.0}),
        feeds=[
            {"feed_id": "F1", "feed_class": "c", "available_t_per_yr": 50},
            {
                "feed_id": "F2",
                "feed_class": "c",
                "available_t_per_yr": 100,
                "gate_fee_eur_per_t": f2_fee,
                "contracted_min_t_per_yr": f2_contract,
            },
        ],
        composition=[
            {"feed_id": "F1", "material": "A", "mass_frac": 0.1},
            {"feed_id": "F2", "material": "other", "mass_frac": 1.0},
        ],
        units=[
            {
                "unit_id": "U",
                "stage": "refining",
                "existing_capacity_t_per_yr": 100,
                "min_load_frac": min_load,
            }
        ],
        transfer_coefficients=tc_rows("U", {"A": {"prod": 1.0}, "other": {"res": 1.0}}),
        routing=[route("U", "prod", "product", "p"), route("U", "res", "disposal", "dump")],
        feed_entry=[{"feed_class": "c", "unit_id": "U"}],
        products=[{"product_id": "p"}],
        product_prices=[{"product_id": "p", "material": "A", "price_eur_per_t": 200}],
    )


@pytest.mark.parametrize(
    "min_load, f2_fee, f1, f2, profit, running",
    [
        # no min load: all 50 t of F1 (20 EUR/t), no filler; U runs at 50 % -> profit 1000
        (0.0, -15.0, 50.0, 0.0, 1000.0, True),
        # min load 80 %: U needs >= 80 t. Run with 50 t F1 + 30 t F2 = 1000 - 30*15 = 550 > 0 (off)
        (0.8, -15.0, 50.0, 30.0, 550.0, True),
        # filler at 40 EUR/t: running costs 1000 - 30*40 = -200 < 0 -> U off, nothing accepted
        (0.8, -40.0, 0.0, 0.0, 0.0, False),
    ],
)
def test_c_min_load_binary_flips_the_answer(
    min_load: float, f2_fee: float, f1: float, f2: float, profit: float, running: bool
) -> None:
    inst = min_load_case(min_load, f2_fee)
    res = solve_checked(inst, "profit")
    assert res.objective == pytest.approx(profit, abs=ABS)
    acc = accepted(res)
    assert acc["F1"] == pytest.approx(f1, abs=ABS)
    assert acc["F2"] == pytest.approx(f2, abs=ABS)
    unit = res["unit_throughput"].set_index("unit_id").loc["U"]
    assert bool(unit["running"]) is running
    assert unit["throughput_t_per_yr"] == pytest.approx(f1 + f2, abs=ABS)
    if running and min_load > 0:
        assert unit["utilisation_frac"] >= min_load - 1e-9


def test_e_contracted_minimum_forces_unprofitable_feed() -> None:
    # As (c) without min load: F2 loses 15 EUR/t and would not be taken (see (c), row 1).
    # A contract for 20 t/yr forces it: F1 50 t (+1000), F2 exactly 20 t (-300) -> 700.
    inst = min_load_case(0.0, -15.0, f2_contract=20.0)
    res = solve_checked(inst, "profit")
    assert res.objective == pytest.approx(700.0, rel=REL)
    assert accepted(res) == pytest.approx({"F1": 50.0, "F2": 20.0})
    assert economics(res)["gate_fees"] == pytest.approx(-300.0)


# ----------------------------------------------------------------------------- (h)


def test_h_feed_class_transfer_coefficients_override_default() -> None:
    # Feeds G (class gen) and S (class special): 10 t/yr each, A 10 %. Unit U (15 t/yr):
    # default '*' rows send 50 % of A to product; class 'special' has its own A rows (90 %).
    # 'other' only has '*' rows, so S falls back to them for 'other'.
    # Recovery per t of feed: S 0.09, G 0.05. Capacity 15 t: S 10 t, G 5 t ->
    # A = 0.9 + 0.25 = 1.15 (if the override were ignored both would give 0.05/t: 0.75).
    inst = make_instance(
        materials=materials({"A": 1.0}),
        feeds=[
            {"feed_id": "G", "feed_class": "gen", "available_t_per_yr": 10},
            {"feed_id": "S", "feed_class": "special", "available_t_per_yr": 10},
        ],
        composition=[{"feed_id": f, "material": "A", "mass_frac": 0.1} for f in ("G", "S")],
        units=[{"unit_id": "U", "stage": "dismantling", "existing_capacity_t_per_yr": 15}],
        transfer_coefficients=(
            tc_rows("U", {"A": {"prod": 0.5, "res": 0.5}, "other": {"res": 1.0}})
            + tc_rows("U", {"A": {"prod": 0.9, "res": 0.1}}, feed_class="special")
        ),
        routing=[route("U", "prod", "product", "p"), route("U", "res", "disposal", "dump")],
        feed_entry=[
            {"feed_class": "gen", "unit_id": "U"},
            {"feed_class": "special", "unit_id": "U"},
        ],
        products=[{"product_id": "p"}],
        product_prices=[{"product_id": "p", "material": "A"}],
    )
    res = solve_checked(inst, "recovery")
    assert res.objective == pytest.approx(1.15, rel=REL)
    assert accepted(res) == pytest.approx({"G": 5.0, "S": 10.0})
    tree = plantopt.build_route_tree(inst)
    paths = tree.paths()
    a, other = tree.materials.index("A"), tree.materials.index("other")
    assert tree.coef[paths.index("S > unit:U > [prod] product:p"), a] == pytest.approx(0.09)
    assert tree.coef[paths.index("G > unit:U > [prod] product:p"), a] == pytest.approx(0.05)
    assert tree.coef[paths.index("S > unit:U > [res] disposal:dump"), other] == pytest.approx(0.9)


# ----------------------------------------------------------------------------- (i)


def disposal_case(landfill_cost: float) -> plantopt.Instance:
    """Feed F: 100 t/yr, A 10 %, other 90 %, gate fee 20 EUR/t. U sends A to product p
    (300 EUR/t) and 'other' (0.9 t per t of feed) to residue, which may go to a landfill at
    ``landfill_cost`` or an incinerator at 80 EUR/t."""
    return make_instance(
        materials=materials({"A": 1.0}),
        feeds=[
            {"feed_id": "F", "feed_class": "c", "available_t_per_yr": 100, "gate_fee_eur_per_t": 20}
        ],
        composition=[{"feed_id": "F", "material": "A", "mass_frac": 0.1}],
        units=[{"unit_id": "U", "stage": "refining", "existing_capacity_t_per_yr": 1000}],
        transfer_coefficients=tc_rows("U", {"A": {"prod": 1.0}, "other": {"res": 1.0}}),
        routing=[
            route("U", "prod", "product", "p"),
            route("U", "res", "disposal", "landfill", landfill_cost),
            route("U", "res", "disposal", "incinerator", 80.0),
        ],
        feed_entry=[{"feed_class": "c", "unit_id": "U"}],
        products=[{"product_id": "p"}],
        product_prices=[{"product_id": "p", "material": "A", "price_eur_per_t": 300}],
    )


@pytest.mark.parametrize(
    "landfill_cost, accept, profit",
    [
        # per t of feed: 20 + 0.1*300 - 0.9*50 = +5 -> take all 100 t: profit 500,
        # disposal 0.9*100*50 = 4500 EUR/yr, 90 t to the landfill, none to the incinerator
        (50.0, 100.0, 500.0),
        # landfill at 60: 20 + 30 - 54 = -4 (incinerator worse) -> decline the feed, profit 0
        (60.0, 0.0, 0.0),
    ],
)
def test_i_disposal_cost_on_a_route(landfill_cost: float, accept: float, profit: float) -> None:
    inst = disposal_case(landfill_cost)
    res = solve_checked(inst, "profit")
    assert res.objective == pytest.approx(profit, abs=ABS)
    assert accepted(res)["F"] == pytest.approx(accept, abs=ABS)
    assert economics(res)["disposal_and_route_costs"] == pytest.approx(
        -0.9 * accept * landfill_cost, abs=ABS
    )
    sinks = res["losses"].groupby("sink_id")["mass_t_per_yr"].sum()
    assert sinks.get("landfill", 0.0) == pytest.approx(0.9 * accept, abs=ABS)
    assert sinks.get("incinerator", 0.0) == pytest.approx(0.0, abs=ABS)


# ----------------------------------------------------------------------------- tie-breaking


def two_equal_units(
    opex: tuple[float, float], recovery: tuple[float, float], price: float, gate_fee: float
) -> plantopt.Instance:
    """Feed F: 10 t/yr, A 10 %, may enter U1 or U2 (existing 100 t/yr each); Ui sends
    ``recovery[i]`` of A to product p, the rest to free disposal."""
    tcs = []
    for u, r in zip(("U1", "U2"), recovery):
        a = {"prod": r, "res": 1 - r} if r < 1 else {"prod": 1.0}
        tcs += tc_rows(u, {"A": a, "other": {"res": 1.0}})
    return make_instance(
        materials=materials({"A": 1.0}),
        feeds=[
            {
                "feed_id": "F",
                "feed_class": "c",
                "available_t_per_yr": 10,
                "gate_fee_eur_per_t": gate_fee,
            }
        ],
        composition=[{"feed_id": "F", "material": "A", "mass_frac": 0.1}],
        units=[
            {
                "unit_id": u,
                "stage": "refining",
                "existing_capacity_t_per_yr": 100,
                "opex_eur_per_t": c,
            }
            for u, c in zip(("U1", "U2"), opex)
        ],
        transfer_coefficients=tcs,
        routing=[
            route(u, o, k, t)
            for u in ("U1", "U2")
            for o, k, t in (("prod", "product", "p"), ("res", "disposal", "dump"))
        ],
        feed_entry=[{"feed_class": "c", "unit_id": u} for u in ("U1", "U2")],
        products=[{"product_id": "p"}],
        product_prices=[{"product_id": "p", "material": "A", "price_eur_per_t": price}],
    )


def test_tie_break_recovery_prefers_more_profitable_plan() -> None:
    # Both units recover all A: every split of the 10 t gives A = 1.0 t (equal recovery).
    # Profit: 10 t * 0.1 * 100 EUR/t = 100 revenue minus opex 5/t (U1) or 3/t (U2):
    # all via U1 -> 50, all via U2 -> 70. The tie-break must pick all via U2 (profit 70).
    inst = two_equal_units(opex=(5.0, 3.0), recovery=(1.0, 1.0), price=100.0, gate_fee=0.0)
    res = solve_checked(inst, "recovery")
    assert res.objective == pytest.approx(1.0, rel=REL)
    assert throughput(res) == pytest.approx({"U1": 0.0, "U2": 10.0}, abs=ABS)
    assert economics(res)["profit"] == pytest.approx(70.0, rel=REL)
    assert res.summary["secondary_objective"] == pytest.approx(70.0, rel=REL)


def test_tie_break_profit_prefers_more_recovery() -> None:
    # Price 0, gate fee 10, opex 3 on both units: profit = 10*(10 - 3) = 70 whatever the
    # split. U2 recovers 90 % of A, U1 50 %: the tie-break sends all 10 t to U2, A = 0.9.
    inst = two_equal_units(opex=(3.0, 3.0), recovery=(0.5, 0.9), price=0.0, gate_fee=10.0)
    res = solve_checked(inst, "profit")
    assert res.objective == pytest.approx(70.0, rel=REL)
    assert recovered(res)["A"] == pytest.approx(0.9, rel=REL)
    assert throughput(res)["U2"] == pytest.approx(10.0, rel=REL)


def test_tie_break_is_deterministic() -> None:
    # The same instance solved three times (twice from the same object, once rebuilt)
    # gives identical flows, node by node.
    plans = []
    for inst in [two_equal_units((4.0, 4.0), (1.0, 1.0), 100.0, 0.0)] * 2 + [
        two_equal_units((4.0, 4.0), (1.0, 1.0), 100.0, 0.0)
    ]:
        res = solve_checked(inst, "recovery")
        plans.append(res["flows"])
    pd.testing.assert_frame_equal(plans[0], plans[1])
    pd.testing.assert_frame_equal(plans[0], plans[2])

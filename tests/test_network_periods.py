"""Network instances with modular options and planning periods (issue 15), hand-checked
on the case of tests/network_case.py (road EUR 0.1 per t.km; per tonne of feed: through
spoke A haul 1 + ship 0.4 x 10 = 5 EUR, through B 5 + 0.4 x 4 = 6.6 EUR; revenue 1,000
EUR per t of feed: 0.1 t Co x 10,000)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.builders import economics
from tests.conftest import assert_mass_balance
from tests.network_case import distances, network_instance, sites
from tests.test_network_model import REVENUE, route_cost, solve

MODULE = {"unit_id": "D", "option_id": "m", "capacity_t_per_yr": 40, "capex_eur": 150,
          "max_modules": 3, "land_m2": 10}  # fmt: skip


def site_capacity(r, unit: str = "D") -> dict[str, float]:  # type: ignore[no-untyped-def]
    su = r["site_units"]
    su = su[su["unit_id"] == unit]
    return {s: c for s, c in zip(su["site_id"], su["capacity_t_per_yr"]) if c > 0}


def test_modular_option_counts_modules_per_site() -> None:
    """40 t modules, capex 150 (10 EUR/yr each): 3 modules at A carry the 100 t: 500 + 30.
    With land for 2 modules at A: 80 t through A (400) and 20 t through B in one module
    (132): 100,000 - 532 - 30."""
    inst = network_instance(capacity_options=[MODULE])
    r = solve(inst)
    assert site_capacity(r) == {"A": pytest.approx(120.0)}
    assert r.objective == pytest.approx(REVENUE - 500.0 - 30.0)
    assert economics(r)["capex_total"] == pytest.approx(450.0)
    assert_mass_balance(inst, r)
    inst = network_instance(capacity_options=[MODULE], site_rows=sites(A={"land_available_m2": 20}))
    r = solve(inst)
    assert site_capacity(r) == {"A": pytest.approx(80.0), "B": pytest.approx(40.0)}
    su = r["site_units"].set_index(["site_id", "unit_id"])
    assert su.loc[("A", "D"), "throughput_t_per_yr"] == pytest.approx(80.0)
    assert su.loc[("A", "D"), "built_option"] == "mx2"
    assert route_cost(r) == pytest.approx(400.0 + 132.0)
    assert r.objective == pytest.approx(REVENUE - 532.0 - 30.0)
    assert r["sites"].set_index("site_id").loc["A", "land_used_m2"] == pytest.approx(20.0)
    assert_mass_balance(inst, r)
    assert r["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-6
    assert solve(inst, build="pyomo").objective == pytest.approx(r.objective, rel=1e-9)


PERIODS = [
    {"period_id": "p1", "start_year": 2027, "duration_yr": 5},
    {"period_id": "p2", "start_year": 2032, "duration_yr": 5},
]


def period_balance(inst, r) -> None:  # type: ignore[no-untyped-def]
    """Per period: accepted x composition = products + losses per material (from the
    tables), and every site balances per material."""
    comp = inst["composition"].pivot_table(
        index="feed_id", columns="material", values="mass_frac", aggfunc="sum"
    )
    comp = comp.fillna(0.0)
    for p, intake in r["feed_intake"].groupby("period"):
        inflow = comp.mul(intake.set_index("feed_id")["accepted_t_per_yr"], axis=0).sum()
        out = pd.concat([r["products"], r["losses"]])
        out = out[out["period"] == p].groupby("material")["mass_t_per_yr"].sum()
        for m, t in inflow.items():
            assert float(out.get(m, 0.0)) == pytest.approx(float(t), rel=1e-6, abs=1e-6), (p, m)
    assert r["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-6


def test_periods_with_modules_added_at_a_second_site() -> None:
    """p1 (5 yr) 50 t/yr, p2 (5 yr) 100 t/yr (feed_periods; region R scaled with it), land
    at A for 2 modules. p1: 2 modules at A, 50 t: 50,000 - 250 - 20 = 49,730; p2: the third
    module at B (20 t through B): 100,000 - 532 - 30 = 99,438; profit = the mean 74,584."""
    inst = network_instance(
        capacity_options=[MODULE],
        site_rows=sites(A={"land_available_m2": 20}),
        periods=PERIODS,
        feed_periods=[
            {"feed_id": "F", "period_id": "p1", "available_t_per_yr": 50},
            {"feed_id": "F", "period_id": "p2", "available_t_per_yr": 100},
        ],
    )
    r = solve(inst)
    assert r.objective == pytest.approx(0.5 * 49_730 + 0.5 * 99_438)
    b = r["builds"]
    got = sorted(zip(b["option_id"], b["period_built"], b["count"]))
    assert got == [("m", "p1", 2.0), ("m", "p2", 1.0)]
    su = r["site_units"][r["site_units"]["unit_id"] == "D"]
    cap = {(p, s): c for p, s, c in zip(su["period"], su["site_id"], su["capacity_t_per_yr"])}
    assert cap == {("p1", "A"): 80.0, ("p2", "A"): 80.0, ("p2", "B"): 40.0}
    haul = r["lanes"][r["lanes"]["kind"] == "haul"].groupby("period")["t_per_yr"].sum()
    assert haul.to_dict() == {"p1": pytest.approx(50.0), "p2": pytest.approx(100.0)}
    period_balance(inst, r)
    assert solve(inst, build="pyomo").objective == pytest.approx(r.objective, rel=1e-9)


def test_expansion_at_the_same_site_in_a_later_period() -> None:
    """Option s (60 t/yr, one option per site and decision) at A in p1 and again at A in p2:
    120 t at A in p2 (no land limit); site_one_option holds per decision, not in service."""
    options = [{"unit_id": "D", "option_id": "s", "capacity_t_per_yr": 60, "capex_eur": 150}]
    inst = network_instance(
        capacity_options=options,
        periods=PERIODS,
        feed_periods=[
            {"feed_id": "F", "period_id": "p1", "available_t_per_yr": 60},
            {"feed_id": "F", "period_id": "p2", "available_t_per_yr": 100},
        ],
    )
    r = solve(inst)
    su = r["site_units"][r["site_units"]["unit_id"] == "D"]
    cap = {(p, s): c for p, s, c in zip(su["period"], su["site_id"], su["capacity_t_per_yr"])}
    assert cap == {("p1", "A"): 60.0, ("p2", "A"): 120.0}
    # p1 60 t: 60,000 - 300 - 10; p2 100 t: 100,000 - 500 - 20
    assert r.objective == pytest.approx(0.5 * 59_690 + 0.5 * 99_480)
    period_balance(inst, r)


def test_collection_steps_come_from_the_regions_pro_rata() -> None:
    """Regions R (60 t, 10 km to A) and Q (40 t, 20 km to A); a step adds 50 t at 500 EUR/t:
    R hauls 60 + 30, Q 40 + 20. Route 90 + 60 x 2 + 150 x 0.4 x 100 x 0.1 = 810; profit
    150,000 - 810 - 25,000 - 10 = 124,180."""
    inst = network_instance(
        regions=[{"region_id": "R", "country": "NL", "lat_deg": 51.2, "lon_deg": 4.1},
                 {"region_id": "Q", "country": "NL", "lat_deg": 51.3, "lon_deg": 4.0}],
        region_supply=[{"region_id": "R", "feed_id": "F", "available_t_per_yr": 60},
                       {"region_id": "Q", "feed_id": "F", "available_t_per_yr": 40}],
        distance_rows=distances() + [
            {"from_id": "Q", "to_id": s, "mode": "road", "distance_km": km}
            for s, km in (("A", 20.0), ("B", 80.0), ("X", 250.0))],
        collection_steps=[{"feed_id": "F", "step_id": "more", "t_per_yr": 50,
                           "cost_eur_per_t": 500}],
    )  # fmt: skip
    r = solve(inst)
    hauls = r["lanes"][r["lanes"]["kind"] == "haul"].groupby("from_id")["t_per_yr"].sum()
    assert hauls.to_dict() == {"Q": pytest.approx(60.0), "R": pytest.approx(90.0)}
    assert route_cost(r) == pytest.approx(810.0)
    assert r.objective == pytest.approx(150_000 - 810 - 25_000 - 10)
    assert_mass_balance(inst, r)
    assert r["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-6


def test_npv_with_site_capex_factors_equals_the_cash_flows() -> None:
    """npv objective at rate 5 %, A's capex x 2 and opex x 1.5 over two periods: the model's
    npv equals the cash-flow table's (capex, replacements and salvage at the site factor of
    each build decision, fixed opex in the period's ledger)."""
    inst = network_instance(
        manifest={"objective": "npv", "discount_rate": 0.05},
        capacity_options=[dict(MODULE, fixed_opex_eur_per_yr=5)],
        site_rows=sites(A={"land_available_m2": 20, "capex_factor": 2.0, "opex_factor": 1.5}),
        periods=PERIODS,
        feed_periods=[
            {"feed_id": "F", "period_id": "p1", "available_t_per_yr": 50},
            {"feed_id": "F", "period_id": "p2", "available_t_per_yr": 100},
        ],
    )
    r = solve(inst)
    su = r["site_units"][r["site_units"]["unit_id"] == "D"]
    cap = {(p, s): c for p, s, c in zip(su["period"], su["site_id"], su["capacity_t_per_yr"])}
    # p1: a module at A and one at B (A costs twice as much); p2: a second module at A
    assert cap == {("p1", "A"): 40.0, ("p1", "B"): 40.0, ("p2", "A"): 80.0, ("p2", "B"): 40.0}
    assert r.summary["business_case"]["npv_eur"] == pytest.approx(r.objective, rel=1e-9)
    b = r["builds"].set_index("period_built")
    assert b.loc["p1", "capex_eur"] == pytest.approx(2 * 150.0 + 150.0)  # A x 2, B x 1
    assert b.loc["p2", "capex_eur"] == pytest.approx(2 * 150.0)
    period_balance(inst, r)

"""The network families (issue 15) on the hand-checked case of tests/network_case.py.

Costs by hand (road EUR 0.1 per t.km; D's option: capex 150 over 15 years at rate 0 = 10
EUR/yr; revenue 10 t Co x 10,000 = 100,000 EUR/yr):
    through spoke A: haul 100 t x 10 km + ship 40 t x 100 km = 5000 t.km = EUR 500
    through spoke B: haul 100 t x 50 km + ship 40 t x 40 km  = 6600 t.km = EUR 660
"""

from __future__ import annotations

import pytest

import plantopt
from plantopt.model.network import NetworkTooLarge, great_circle_km
from plantopt.model.pipeline import families_of
from plantopt.solver.types import SolveOptions
from tests.builders import assert_solved, economics
from tests.conftest import INSTANCES, assert_mass_balance
from tests.network_case import distances, network_instance, sites

REVENUE, CAPEX_YR = 100_000.0, 10.0
BORDER = [
    {"from_country": "NL", "to_country": "BE", "notification_eur_per_t": 2, "lead_time_days": 10},
    {"from_country": "BE", "to_country": "NL", "notification_eur_per_t": 2, "lead_time_days": 10},
]


def solve(inst: plantopt.Instance, **kw: object) -> plantopt.Result:
    result = plantopt.solve(inst, options=SolveOptions(tie_break=False, **kw))  # type: ignore[arg-type]
    assert_solved(result)
    return result


def spoke(result: plantopt.Result) -> str:
    """The site where D runs."""
    su = result["site_units"]
    used = su[(su["unit_id"] == "D") & (su["throughput_t_per_yr"] > 1e-6)]
    assert len(used) == 1, su
    return str(used["site_id"].iloc[0])


def route_cost(result: plantopt.Result) -> float:
    return -economics(result)["disposal_and_route_costs"]


def test_hub_against_two_spokes_decided_by_distance() -> None:
    r = solve(network_instance())
    assert spoke(r) == "A" and route_cost(r) == pytest.approx(500.0)
    assert r.objective == pytest.approx(REVENUE - 500.0 - CAPEX_YR)
    lanes = r["lanes"].set_index(["kind", "from_id", "to_id"])
    assert lanes.loc[("haul", "R", "A"), "t_per_yr"] == pytest.approx(100.0)
    assert lanes.loc[("ship", "A", "X"), "t_per_yr"] == pytest.approx(40.0)  # real t of bm
    assert lanes.loc[("ship", "A", "X"), "tkm_per_yr"] == pytest.approx(4000.0)
    # move the region: R->A 60 km makes A 100 x 60 + 4000 = 10,000 t.km > B's 6600
    r = solve(network_instance(distance_rows=distances(R_A=60.0)))
    assert spoke(r) == "B" and route_cost(r) == pytest.approx(660.0)
    assert_mass_balance(network_instance(), solve(network_instance()))


def test_transhipment_through_a_third_site_is_exact() -> None:
    """A -> B -> X (45 + 40 km) beats A -> X (100 km): the balance at B passes it on."""
    r = solve(network_instance(distance_rows=distances(A_B=45.0)))
    assert spoke(r) == "A"
    assert route_cost(r) == pytest.approx(100.0 + 40 * 85 * 0.1)
    ships = r["lanes"][r["lanes"]["kind"] == "ship"].set_index(["from_id", "to_id"])
    assert ships.loc[("A", "B"), "t_per_yr"] == pytest.approx(40.0)
    assert ships.loc[("B", "X"), "t_per_yr"] == pytest.approx(40.0)


def test_border_crossing_with_notification_and_lead_time_flips_the_choice() -> None:
    """Spoke A in Belgium: haul NL->BE and ship BE->NL each cost 2 EUR/t notification plus 10
    days x 0.1 EUR/(t d): A = 500 + 100 x 3 + 40 x 3 = 920 > B = 660."""
    be = sites(A={"country": "BE"})
    r = solve(network_instance(site_rows=be))
    assert spoke(r) == "A"  # no border table: crossing is free
    lead = {"lead_time_cost_eur_per_t_day": 0.1}
    r = solve(network_instance(manifest=lead, site_rows=be, border_crossings=BORDER))
    assert spoke(r) == "B" and route_cost(r) == pytest.approx(660.0)
    cheap = [dict(b, notification_eur_per_t=0.5) for b in BORDER]  # A = 500 + 150 + 60 = 710
    r = solve(network_instance(manifest=lead, site_rows=be, border_crossings=cheap))
    assert spoke(r) == "B"
    free = [dict(b, notification_eur_per_t=0.0, lead_time_days=1) for b in BORDER]
    r = solve(network_instance(manifest=lead, site_rows=be, border_crossings=free))
    assert spoke(r) == "A" and route_cost(r) == pytest.approx(500.0 + 14.0)
    # the lead time alone excludes the Belgian lanes when above max_lead_time_days
    r = solve(network_instance(manifest={"max_lead_time_days": 0.5}, site_rows=be,
                               border_crossings=free))  # fmt: skip
    assert spoke(r) == "B"
    assert r["lanes"]["crosses_border"].sum() == 0


def test_border_applies_only_to_the_named_feed_classes() -> None:
    be = sites(A={"country": "BE"})
    weee_only = [dict(b, reg_classes="weee:*") for b in BORDER]
    r = solve(network_instance(site_rows=be, border_crossings=weee_only))
    assert spoke(r) == "A" and route_cost(r) == pytest.approx(500.0)


def test_adr_surcharge_on_battery_streams_before_preprocessing() -> None:
    adr = [
        {"mode": "road", "cost_eur_per_tkm": 0.1, "co2_kg_per_tkm": 0.1, "adr_surcharge_frac": 0.5}
    ]
    r = solve(network_instance(transport_modes=adr))
    assert route_cost(r) == pytest.approx(1.5 * 500.0)  # D dismantles: bm still packs
    units = [{"unit_id": "D", "stage": "preprocessing"}, {"unit_id": "H", "stage": "refining"}]
    r = solve(network_instance(transport_modes=adr, units=units))
    assert route_cost(r) == pytest.approx(1.5 * 100.0 + 400.0)  # shredded: bm is not ADR


def test_site_cost_factor_and_land_decide_the_site() -> None:
    """capex x 20 at A: 150 x 20 / 15 = 200 EUR/yr, more than B's 160 EUR/yr extra transport."""
    r = solve(network_instance(site_rows=sites(A={"capex_factor": 20.0})))
    assert spoke(r) == "B"
    assert economics(r)["capex_total"] == pytest.approx(150.0)
    assert r.objective == pytest.approx(REVENUE - 660.0 - CAPEX_YR)
    r = solve(network_instance(site_rows=sites(A={"capex_factor": 5.0})))  # 50 EUR/yr < 160
    assert spoke(r) == "A" and economics(r)["capex_total"] == pytest.approx(750.0)
    assert r["built_units"]["capex_eur"].sum() == pytest.approx(750.0)  # the business case's
    assert r.summary["business_case"]["capex_gross_eur"] == pytest.approx(750.0)
    options = [{"unit_id": "D", "option_id": "s", "capacity_t_per_yr": 200, "capex_eur": 150,
                "land_m2": 20}]  # fmt: skip
    r = solve(network_instance(site_rows=sites(A={"land_available_m2": 10}),
                               capacity_options=options))  # fmt: skip
    assert spoke(r) == "B"


def test_site_capacity_splits_a_feed_across_sites() -> None:
    """D holds 60 t/yr per site: 60 t through A (the cheaper), 40 t through B."""
    options = [{"unit_id": "D", "option_id": "s", "capacity_t_per_yr": 60, "capex_eur": 150}]
    r = solve(network_instance(capacity_options=options))
    su = r["site_units"].set_index(["site_id", "unit_id"])
    assert su.loc[("A", "D"), "throughput_t_per_yr"] == pytest.approx(60.0)
    assert su.loc[("B", "D"), "throughput_t_per_yr"] == pytest.approx(40.0)
    assert route_cost(r) == pytest.approx(0.6 * 500 + 0.4 * 660)
    assert_mass_balance(r.instance or network_instance(capacity_options=options), r)
    mb = r["site_mass_balance"]
    assert mb["imbalance_t_per_yr"].abs().max() < 1e-6
    assert mb.groupby("material")["products_t_per_yr"].sum()["Co"] == pytest.approx(10.0)


def test_emissions_and_net_co2_cap() -> None:
    """transport 5000 t.km x 0.1 kg = 0.5 t; grid 40 t x 1 MWh/t x 0.3 = 12 t at X; credit
    10 t Co x 8 t/t = 80 t; water 40 t x 2 m3/t = 80 m3."""
    inst = network_instance(
        site_rows=sites(X={"grid_co2_t_per_mwh": 0.3}),
        unit_footprint=[{"unit_id": "H", "electricity_mwh_per_t": 1.0, "water_m3_per_t": 2.0}],
        material_credits=[{"material": "Co", "avoided_co2_t_per_t": 8.0}],
    )
    em = solve(inst)["emissions"].set_index("item")["value"]
    assert em["transport_co2"] == pytest.approx(0.5)
    assert em["grid_co2"] == pytest.approx(12.0)
    assert em["avoided_co2"] == pytest.approx(80.0)
    assert em["net_co2"] == pytest.approx(0.5 + 12.0 - 80.0)
    assert em["water_use"] == pytest.approx(80.0)
    # a cap of 0.3 t net without credits: 0.005 t CO2 per t of feed -> 60 t accepted
    capped = network_instance(manifest={"net_co2_cap_t_per_yr": 0.3})
    r = solve(capped)
    assert r["feed_intake"]["accepted_t_per_yr"].sum() == pytest.approx(60.0)


def test_pyomo_path_gives_the_same_optimum() -> None:
    inst = network_instance(capacity_options=[
        {"unit_id": "D", "option_id": "s", "capacity_t_per_yr": 60, "capex_eur": 150}])  # fmt: skip
    a = solve(inst)
    b = solve(inst, build="pyomo")
    assert a.objective == pytest.approx(b.objective, rel=1e-9)


def test_size_guard_and_no_sites_no_network_columns() -> None:
    with pytest.raises(NetworkTooLarge, match="max_network_columns"):
        families_of(network_instance(manifest={"max_network_columns": 5}))
    tiny = plantopt.load_instance(INSTANCES / "tiny")
    fams = families_of(tiny)
    assert fams.layout.block == fams.layout.crew0 + len(fams.layout.crew)
    names = {f.name for p in fams.periods for f in p.rows} | set(fams.periods[0].expressions)
    assert not {n for n in names if n.startswith("site_") or n.endswith("_co2")}


def test_great_circle_fallback() -> None:
    """No distances row: road = great circle x detour (Amsterdam-Antwerp ~ 140 km)."""
    assert great_circle_km(52.37, 4.90, 51.22, 4.40) == pytest.approx(133, abs=3)
    inst = network_instance(distance_rows=[], manifest={"detour_factor": 1.0})
    fams = families_of(inst)
    lane = [ln for ln in fams.data.network.site_lanes if (ln.origin, ln.to) == ("A", "X")][0]  # type: ignore[union-attr]
    assert lane.km == pytest.approx(great_circle_km(51.0, 4.0, 52.0, 5.0))


def test_network_component_index_matches_the_model() -> None:
    from tests.test_docs import (
        all_indexes,
        component_index,
        documented_in_regulation_doc,
        model_components,
    )

    inst = network_instance(
        manifest={"net_co2_cap_t_per_yr": 1e6},
        material_credits=[{"material": "Co", "avoided_co2_t_per_t": 8.0}],
        capacity_options=[  # two options: site_one_option has rows (empty families are not made)
            {"unit_id": "D", "option_id": "s", "capacity_t_per_yr": 200, "capex_eur": 150},
            {"unit_id": "D", "option_id": "l", "capacity_t_per_yr": 400, "capex_eur": 250},
        ],
    )
    comps = model_components(plantopt.build_model(inst))
    net = component_index("network-index")
    known = {**all_indexes(), **net}
    missing = [n for n in comps if n not in known and not documented_in_regulation_doc(n)]
    assert not missing, f"not in a component index of models/formulation.md: {missing}"
    for name, (kind, _) in net.items():
        assert comps.get(name) == kind, f"`{name}`: {comps.get(name)} on the model, doc {kind}"


def test_generated_network_instance_is_valid_and_balanced(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A bounded generated network (tiny over 3 regions x 2 sites) through the CLI: valid,
    solved, every feed's regions add up, mass balance per site and material."""
    from tests.test_cli import run_subprocess

    out = tmp_path / "net"
    proc = run_subprocess("generate", "--base", INSTANCES / "tiny", "--network", "3x2",
                          "--seed", "4", "--out", out)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    inst = plantopt.load_instance(out)
    assert len(inst["sites"]) == 2 and len(inst["regions"]) == 3
    r = solve(inst.with_manifest(objective="profit", apply_targets=False))
    assert_mass_balance(inst, r)
    assert r["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-6
    hauled = r["lanes"][r["lanes"]["kind"] == "haul"]["t_per_yr"].sum()
    assert hauled == pytest.approx(r["feed_intake"]["accepted_t_per_yr"].sum())
    bad = run_subprocess("generate", "--network", "3by2", "--out", tmp_path / "x")
    assert bad.returncode == 2 and "--network" in bad.stderr


def test_pareto_with_co2_as_third_axis() -> None:
    """Under net CO2 <= 0.3 t/yr only 60 t of feed fit (0.005 t CO2 per t): profit drops to
    0.6 x (revenue - transport) - capex; without the cap the full plan."""
    from plantopt.studies.pareto import pareto_front

    front = pareto_front(network_instance(), 2, "profit", SolveOptions(), co2_caps=[10.0, 0.3])
    p = front.points
    assert set(p["co2_cap_t_per_yr"]) == {10.0, 0.3}
    assert (p["net_co2_t_per_yr"] <= p["co2_cap_t_per_yr"] + 1e-6).all()
    best = p.groupby("co2_cap_t_per_yr")["profit_eur_per_yr"].max()
    assert best[10.0] == pytest.approx(REVENUE - 500.0 - CAPEX_YR)
    assert best[0.3] == pytest.approx(0.6 * (REVENUE - 500.0) - CAPEX_YR)
    assert front.summary["co2_caps_t_per_yr"] == [10.0, 0.3]


def test_report_draws_the_network_map(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from plantopt.report.network import network_parts

    r = solve(network_instance())
    parts = network_parts(r.tables)
    page = "".join(parts)
    assert "<h2>Network</h2>" in page and page.count("<circle") == 3  # three sites
    assert page.count("<line") == len(r["lanes"]) == 2  # haul R->A, ship A->X
    assert "Hauled 100 t/yr, shipped 40 t/yr" in page
    assert network_parts({}) == []


@pytest.mark.slow
def test_benchmark_12_regions_8_sites_12_units_within_60_s() -> None:
    """nl-2027 (12 units) over 12 regions x 8 sites: optimal within 60 s of solving."""
    import time

    from plantopt.instance.generate import without_reuse
    from plantopt.instance.generate_network import with_network

    base = without_reuse(plantopt.load_instance())  # the 12 plant units of issue 12
    assert len(base["units"]) == 12
    inst = with_network(base, 12, 8, 0).with_manifest(objective="profit")
    t0 = time.perf_counter()
    r = solve(inst)
    assert time.perf_counter() - t0 <= 60.0
    assert r["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-5
    assert_mass_balance(inst, r, rel_tol=1e-5)


def test_feed_without_regions_enters_any_site_free() -> None:
    """No region_supply rows: no haul; the spoke is decided by the shipment alone (B->X 40 km
    = 40 t x 40 km x 0.1 = 160 EUR against A->X 400 EUR)."""
    site_lanes = [d for d in distances() if d["from_id"] != "R"]
    r = solve(network_instance(region_supply=[], regions=[], distance_rows=site_lanes))
    assert spoke(r) == "B" and route_cost(r) == pytest.approx(160.0)
    assert (r["lanes"]["kind"] == "ship").all()


def test_minimum_load_holds_per_site() -> None:
    """H needs half its capacity when it runs: with 200 t/yr at X the 40 t of black mass
    cannot run it (nothing is processed), with 60 t/yr it runs at 40 t."""
    units = [{"unit_id": "D", "stage": "dismantling"},
             {"unit_id": "H", "stage": "refining", "min_load_frac": 0.5}]  # fmt: skip
    r = solve(network_instance(units=units))
    assert r.objective == pytest.approx(0.0, abs=1e-6)
    small = [{"site_id": "X", "unit_id": "H", "existing_capacity_t_per_yr": 60},
             {"site_id": "X", "unit_id": "D", "allow_build": False}]  # fmt: skip
    r = solve(network_instance(units=units, site_units=small))
    assert r.objective == pytest.approx(REVENUE - 500.0 - CAPEX_YR)

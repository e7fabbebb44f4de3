"""Products and disposal delivered to their buyer's location (deliveries.csv, issue 15).

The case of tests/network_case.py with D's black mass sold as product BM (Co 10,000 EUR/t,
revenue 100,000 EUR/yr; 40 real t/yr of bm from 100 t of feed) instead of refined at X, and
spoke B in Belgium. Road EUR 0.1 per t.km; R->A 10 km, R->B 12 km, A->B 60 km; a border
NL<->BE costs 2 EUR/t + 10 d x 0.1 EUR/(t d) = 3 EUR/t for battery streams (waste).

    no deliveries rows:  A = haul 100 x 10 x 0.1 = 100;   B = 100 x (1.2 + 3) = 420  -> A
    buyer at site B, BM not waste:  A = 100 + 40 x 60 x 0.1 = 340                   -> A
    buyer at site B, BM as waste:   A = 100 + 40 x (6 + 3) = 460 > B = 420 (free)   -> B
"""

from __future__ import annotations

import pytest

import plantopt
from plantopt.instance.errors import InstanceError
from tests.builders import find, route, tc_rows
from tests.conftest import assert_mass_balance
from tests.network_case import distances, network_instance, sites
from tests.test_network_model import BORDER, CAPEX_YR, REVENUE, route_cost, solve, spoke

LEAD = {"lead_time_cost_eur_per_t_day": 0.1}
ROUTING = [
    route("D", "bm", "product", "BM"),
    route("D", "residue", "disposal", "landfill"),
]


def case(deliveries: list[dict] | None = None, manifest: dict | None = None,
         extra_km: dict[str, float] | None = None) -> plantopt.Instance:  # fmt: skip
    rows = distances(R_B=12.0, A_B=60.0)
    for k, v in (extra_km or {}).items():
        a, b = k.split("-")
        rows.append({"from_id": a, "to_id": b, "mode": "road", "distance_km": v})
    tables: dict = {
        "routing": ROUTING,
        "transfer_coefficients": tc_rows(
            "D", {"Co": {"bm": 1.0}, "other": {"bm": 1 / 3, "residue": 2 / 3}}
        ),
        "units": [{"unit_id": "D", "stage": "dismantling"}],
        "site_units": [{"site_id": "X", "unit_id": "D", "allow_build": False}],
        "products": [{"product_id": "BM"}],
        "product_prices": [{"product_id": "BM", "material": "Co", "price_eur_per_t": 10000}],
        "border_crossings": BORDER,
    }
    if deliveries is not None:
        tables["deliveries"] = deliveries
    return network_instance(
        manifest={**LEAD, **(manifest or {})},
        site_rows=sites(B={"country": "BE"}),
        distance_rows=rows,
        **tables,
    )


def buyer(location: str, waste: bool = False, **place: object) -> dict:
    return {"to_kind": "product", "to_id": "BM", "location_id": location,
            "waste_shipment": waste, **place}  # fmt: skip


def deliveries(r: plantopt.Result) -> dict[tuple[str, str], float]:
    lanes = r["lanes"]
    d = lanes[lanes["kind"] == "deliver"]
    return {(a, b): t for a, b, t in zip(d["from_id"], d["to_id"], d["t_per_yr"])}


def check_balanced(inst: plantopt.Instance, r: plantopt.Result) -> None:
    assert_mass_balance(inst, r)
    assert r["site_mass_balance"]["imbalance_t_per_yr"].abs().max() < 1e-6


def test_without_deliveries_products_leave_where_they_arise() -> None:
    inst = case()
    r = solve(inst)
    assert spoke(r) == "A" and route_cost(r) == pytest.approx(100.0)
    assert r.objective == pytest.approx(REVENUE - 100.0 - CAPEX_YR)
    assert deliveries(r) == {}
    check_balanced(inst, r)


def test_buyer_across_the_border_flips_the_spoke_when_the_product_is_waste() -> None:
    inst = case([buyer("B")])
    r = solve(inst)  # a product, no notification: A = 100 + 240 = 340 < 420
    assert spoke(r) == "A" and route_cost(r) == pytest.approx(340.0)
    assert deliveries(r) == {("A", "B"): pytest.approx(40.0)}
    check_balanced(inst, r)
    inst = case([buyer("B", waste=True)])
    r = solve(inst)  # black mass as waste: A = 100 + 40 x 9 = 460 > B = 420, sold at B free
    assert spoke(r) == "B" and route_cost(r) == pytest.approx(420.0)
    assert r.objective == pytest.approx(REVENUE - 420.0 - CAPEX_YR)
    assert deliveries(r) == {}
    check_balanced(inst, r)
    assert solve(inst, build="pyomo").objective == pytest.approx(r.objective, rel=1e-9)
    # lead time over the limit: haul R->B and delivery A->B are not offered, so BM reaches
    # no buyer (A's site_flow into BM is bounded to 0): nothing is made, on both paths
    inst = case([buyer("B", waste=True)], manifest={"max_lead_time_days": 5})
    assert solve(inst).objective == pytest.approx(0.0)
    assert solve(inst, build="pyomo").objective == pytest.approx(0.0)


def test_buyer_at_a_location_of_its_own_and_the_cheapest_of_two() -> None:
    """M in Belgium (A->M 20 km, B->M 70 km): A = 100 + 40 (2 + 3) = 300; B = 420 + 40 x 7
    = 700. A second buyer N in NL at 45 km from A: 40 x 4.5 = 180 < 200: A = 280."""
    m = buyer("M", waste=True, country="BE", lat_deg=51.1, lon_deg=4.2)
    inst = case([m], extra_km={"A-M": 20.0, "B-M": 70.0})
    r = solve(inst)
    assert spoke(r) == "A" and route_cost(r) == pytest.approx(300.0)
    lanes = r["lanes"].set_index(["kind", "from_id", "to_id"])
    row = lanes.loc[("deliver", "A", "M")]
    assert row["crosses_border"] and row["tkm_per_yr"] == pytest.approx(800.0)
    assert row["cost_eur_per_yr"] == pytest.approx(200.0)
    n = buyer("N", waste=True, country="NL", lat_deg=51.4, lon_deg=4.9)
    km = {"A-M": 20.0, "B-M": 70.0, "A-N": 45.0, "B-N": 90.0}
    inst = case([m, n], extra_km=km)
    r = solve(inst)
    assert spoke(r) == "A" and route_cost(r) == pytest.approx(280.0)
    assert deliveries(r) == {("A", "N"): pytest.approx(40.0)}
    check_balanced(inst, r)
    # lead time over the limit: no border lane for battery streams (haul R->B, A->M gone)
    r = solve(case([m, n], manifest={"max_lead_time_days": 5}, extra_km=km))
    assert spoke(r) == "A" and route_cost(r) == pytest.approx(280.0)
    r = solve(case([m], manifest={"max_lead_time_days": 5}, extra_km={"A-M": 20.0}))
    assert r.objective == pytest.approx(0.0)  # BM cannot reach its buyer from A: nothing made


def test_disposal_delivered_with_its_transport_and_co2() -> None:
    """Residue 60 t/yr to landfill L (A->L 10 km): 100 + 60 x 1 = 160; CO2 0.1 kg/t.km:
    haul 1000 t.km + 600 t.km = 0.16 t."""
    dump = {"to_kind": "disposal", "to_id": "landfill", "location_id": "L", "country": "NL",
            "lat_deg": 51.0, "lon_deg": 4.1}  # fmt: skip
    inst = case([dump], extra_km={"A-L": 10.0, "B-L": 100.0})
    r = solve(inst)
    assert spoke(r) == "A" and route_cost(r) == pytest.approx(160.0)
    em = r["emissions"].set_index("item")["value"]
    assert em["transport_co2"] == pytest.approx(0.16)
    check_balanced(inst, r)


def test_bad_deliveries_rows_are_errors() -> None:
    with pytest.raises(InstanceError) as info:
        case([dict(buyer("B"), to_id="NOPE")])
    find(info.value.errors, "deliveries.csv", 2, "to_id", "unknown product_id")
    with pytest.raises(InstanceError) as info:
        case([buyer("M", country="BE", lon_deg=4.0)])
    find(info.value.errors, "deliveries.csv", 2, "lat_deg", "needs a place")

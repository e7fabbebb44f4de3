"""A hand-checkable network instance: one feed, a spoke unit and a hub unit, three sites.

Feed F (battery:lithium, 100 t/yr, Co 10 %, other 90 %) is collected in region R. Unit D
(dismantling, opex 0) splits it into black mass "bm" (all Co, a third of other: 0.1 + 0.3 =
0.4 t per t of feed) going to unit H (refining) and residue (0.6 t/t) to landfill. H turns
all Co into product CO (Co at 10,000 EUR/t) and the rest into slag (landfill). D can be built
at spoke A or spoke B (option "s": 200 t/yr, capex 0); H exists at hub site X (200 t/yr).

Distances (road only, EUR 0.1 per t.km, 0.1 kg CO2 per t.km): R->A 10 km, R->B 50 km,
A->X 100 km, B->X 40 km, R->X 200 km. Through A: haul 100 t x 10 km + ship 40 t x 100 km
= 1000 + 4000 = 5000 t.km; through B: 100 x 50 + 40 x 40 = 5000 + 1600 = 6600 t.km. So A wins
(EUR 500 against 660); D at X directly would be 100 x 200 = 20,000 t.km but D may not be
built at X (site_units allow_build false). The residue is landfilled where D runs.
"""

from __future__ import annotations

from typing import Any

import plantopt
from tests.builders import Rows, make_instance, materials, route, tc_rows


def sites(**extra: dict[str, Any]) -> Rows:
    rows = [
        {"site_id": "A", "country": "NL", "lat_deg": 51.0, "lon_deg": 4.0},
        {"site_id": "B", "country": "NL", "lat_deg": 51.5, "lon_deg": 4.5},
        {"site_id": "X", "country": "NL", "lat_deg": 52.0, "lon_deg": 5.0},
    ]
    for r in rows:
        r.update(extra.get(r["site_id"], {}))
    return rows


def distances(**km: float) -> Rows:
    base = {"R-A": 10.0, "R-B": 50.0, "A-X": 100.0, "B-X": 40.0, "R-X": 200.0, "A-B": 80.0}
    base.update({k.replace("_", "-"): v for k, v in km.items()})
    return [
        {"from_id": k.split("-")[0], "to_id": k.split("-")[1], "mode": "road", "distance_km": v}
        for k, v in base.items()
    ]


def network_instance(
    manifest: dict[str, Any] | None = None,
    site_rows: Rows | None = None,
    distance_rows: Rows | None = None,
    **tables: Rows,
) -> plantopt.Instance:
    """The instance of the module docstring; keyword tables replace its defaults."""
    base: dict[str, Rows] = {
        "materials": materials({"Co": 1.0}),
        "feeds": [
            {
                "feed_id": "F",
                "feed_class": "c",
                "reg_class": "battery:lithium",
                "available_t_per_yr": 100,
            }
        ],
        "composition": [
            {"feed_id": "F", "material": "Co", "mass_frac": 0.1},
            {"feed_id": "F", "material": "other", "mass_frac": 0.9},
        ],
        "units": [
            {"unit_id": "D", "stage": "dismantling"},
            {"unit_id": "H", "stage": "refining"},
        ],
        "capacity_options": [
            {"unit_id": "D", "option_id": "s", "capacity_t_per_yr": 200, "capex_eur": 150}
        ],
        "transfer_coefficients": tc_rows(
            "D", {"Co": {"bm": 1.0}, "other": {"bm": 1 / 3, "residue": 2 / 3}}
        )
        + tc_rows("H", {"Co": {"co": 1.0}, "other": {"slag": 1.0}}),
        "routing": [
            route("D", "bm", "unit", "H"),
            route("D", "residue", "disposal", "landfill"),
            route("H", "co", "product", "CO"),
            route("H", "slag", "disposal", "landfill"),
        ],
        "feed_entry": [{"feed_class": "c", "unit_id": "D"}],
        "products": [{"product_id": "CO"}],
        "product_prices": [{"product_id": "CO", "material": "Co", "price_eur_per_t": 10000}],
        "sites": site_rows if site_rows is not None else sites(),
        "site_units": [
            {"site_id": "X", "unit_id": "H", "existing_capacity_t_per_yr": 200},
            {"site_id": "X", "unit_id": "D", "allow_build": False},
        ],
        "regions": [{"region_id": "R", "country": "NL", "lat_deg": 51.2, "lon_deg": 4.1}],
        "region_supply": [{"region_id": "R", "feed_id": "F", "available_t_per_yr": 100}],
        "transport_modes": [{"mode": "road", "cost_eur_per_tkm": 0.1, "co2_kg_per_tkm": 0.1}],
        "distances": distance_rows if distance_rows is not None else distances(),
    }
    base.update(tables)
    return make_instance(
        manifest={"apply_targets": False, "objective": "profit", **(manifest or {})}, **base
    )

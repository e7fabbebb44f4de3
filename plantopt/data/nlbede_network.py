"""Network tables of ``nlbede-2030``: sites, existing units, regions, transport modes, distances,
border crossings, avoided-primary credits and water per unit, from the reference tables
``network_*.csv``, ``material_credits.csv`` and ``unit_water.csv`` (sources there).

Derived figures (the recipe is written into each row's ``source``):

* capex factor of a site = (1 - s_c) + s_c x L_country / L_NL, opex factor = (1 - s_o) +
  s_o x L_country / L_NL, with L the Eurostat hourly labour cost and s_c, s_o the assumed local
  labour shares of capex and opex;
* road cost per t.km = cost per km / payload; rail and barge cost per t.km = KiM cost per t over
  165 km / 165;
* distance = great-circle distance (haversine, R = 6371.0088 km) x the mode's detour factor;
* notification cost per t = (fee of the origin authority + fee of the destination authority +
  admin hours x origin labour cost) / t per notification + guarantee cost per t.
"""

from __future__ import annotations

import math
from itertools import combinations

import pandas as pd

from plantopt.data.nlbede_supply import REF, anchor, anchors, regions

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
KIM_LANE_KM = 165.0  # the KiM comparison trip: Maasvlakte - German border
HA_TO_M2 = 10_000.0
#: feeds.csv reg_class values a cross-border shipment is notified for: every battery class and
#: the WEEE categories with hazardous mirror entries (1 temperature exchange, 2 screens, 3 lamps)
NOTIFIED = "battery:*;weee:1;weee:2;weee:3"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, keep_default_na=False)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance: 2 R asin(sqrt(sin^2(dphi/2) + cos phi1 cos phi2 sin^2(dlambda/2)))."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def cost_factor(a: pd.DataFrame, country: str, share_id: str) -> float:
    """(1 - s) + s x labour cost(country) / labour cost(NL)."""
    s = anchor(a, share_id)[1]
    rel = anchor(a, "labour_cost", country)[1] / anchor(a, "labour_cost", "NL")[1]
    return round((1 - s) + s * rel, 4)


def sites_table() -> pd.DataFrame:
    """sites.csv of the instance."""
    a = anchors()
    rows = []
    for s in _read("network_sites.csv").itertuples(index=False):
        capex_f = cost_factor(a, s.country, "capex_labour_share")
        opex_f = cost_factor(a, s.country, "opex_labour_share")
        grid = anchor(a, "grid_co2", s.country)[1]
        rows.append(
            {
                "site_id": s.site_id,
                "name": s.name,
                "country": s.country,
                "lat_deg": s.lat_deg,
                "lon_deg": s.lon_deg,
                "land_available_m2": float(s.land_available_ha) * HA_TO_M2,
                "staff_available_fte": float(s.staff_available_fte),
                "capex_factor": capex_f,
                "opex_factor": opex_f,
                "grid_co2_t_per_mwh": grid,
                "source": f"network_sites.csv: {s.source} | capex factor {capex_f:g} and opex "
                f"factor {opex_f:g} = (1 - share) + share x {s.country} / NL labour cost "
                "(network_anchors.csv labour_cost, capex_labour_share, opex_labour_share) | "
                f"grid CO2 {grid:g} t/MWh: network_anchors.csv grid_co2 {s.country}",
            }
        )
    return pd.DataFrame(rows)


def site_units_table(unit_ids: list[str]) -> pd.DataFrame:
    """site_units.csv: the existing units of network_site_units.csv (with their minimum load
    where it differs from the unit's: none for a toll share), and at a site without land
    (Umicore Hoboken) every other unit marked allow_build = false."""
    rows = []
    existing = _read("network_site_units.csv")
    for e in existing.itertuples(index=False):
        cap = float(e.nameplate_t_per_yr) * float(e.available_frac)
        rows.append(
            {
                "site_id": e.site_id,
                "unit_id": e.unit_id,
                "existing_capacity_t_per_yr": cap,
                "allow_build": str(e.allow_build).lower(),
                "min_load_frac": e.min_load_frac,
                "source": f"{e.plant}: {e.nameplate_t_per_yr} t/yr x {e.available_frac} "
                f"available (network_site_units.csv: {e.source})",
            }
        )
    listed = set(zip(existing["site_id"], existing["unit_id"]))
    for s in _read("network_sites.csv").itertuples(index=False):
        if float(s.land_available_ha) > 0:
            continue
        for u in unit_ids:
            if (s.site_id, u) not in listed:
                rows.append(
                    {
                        "site_id": s.site_id,
                        "unit_id": u,
                        "existing_capacity_t_per_yr": 0.0,
                        "allow_build": "false",
                        "min_load_frac": "",
                        "source": f"network_sites.csv: no land for a new unit at {s.name}",
                    }
                )
    return pd.DataFrame(rows)


def regions_table() -> pd.DataFrame:
    """regions.csv of the instance."""
    r = regions()
    return r[["region_id", "name", "country", "lat_deg", "lon_deg", "source"]].assign(
        source=[f"network_regions.csv: {s}" for s in r["source"]]
    )


def _mode_cost(a: pd.DataFrame, mode: str) -> tuple[float, str]:
    if mode == "road":
        per_km, payload = anchor(a, "road_cost_per_km")[1], anchor(a, "road_payload")[1]
        return per_km / payload, f"{per_km:g} EUR/km / {payload:g} t payload"
    per_t = anchor(a, f"{mode}_cost_per_t_165km")[1]
    return per_t / KIM_LANE_KM, f"{per_t:g} EUR/t / {KIM_LANE_KM:g} km"


def transport_modes_table() -> pd.DataFrame:
    """transport_modes.csv: cost and CO2 per t.km, transhipment, detour and ADR surcharge."""
    a = anchors()
    rows = []
    for mode in ("road", "rail", "barge"):
        cost, how = _mode_cost(a, mode)
        handling = 0.0 if mode == "road" else anchor(a, "transhipment_cost")[1]
        rows.append(
            {
                "mode": mode,
                "cost_eur_per_tkm": round(cost, 5),
                "co2_kg_per_tkm": anchor(a, f"{mode}_co2")[1],
                "handling_eur_per_t": handling,
                "detour_factor": anchor(a, "detour", mode)[1],
                "adr_surcharge_frac": anchor(a, "adr_surcharge")[1],
                "source": f"network_anchors.csv: cost {how}; CO2 {mode}_co2; handling "
                f"{'none (door to door)' if mode == 'road' else 'transhipment_cost'}; detour "
                f"{mode}; ADR surcharge adr_surcharge (RID/ADN alike for rail/barge, assumption)",
            }
        )
    return pd.DataFrame(rows)


def _distance_row(frm: pd.Series, to: pd.Series, mode: str, detour: float) -> dict[str, object]:
    gc = great_circle_km(frm.lat_deg, frm.lon_deg, to.lat_deg, to.lon_deg)
    return {
        "from_id": frm.iloc[0],
        "to_id": to.iloc[0],
        "mode": mode,
        "distance_km": round(gc * detour, 1),
        "source": f"great circle {gc:.1f} km (haversine of network_regions/network_sites "
        f"coordinates) x {mode} detour factor {detour:g} (network_anchors.csv)",
    }


def distances_table() -> pd.DataFrame:
    """distances.csv: road from every region to every site, and road, rail and barge between
    every pair of sites with that access (one row per pair, valid both ways)."""
    a = anchors()
    detour = {m: anchor(a, "detour", m)[1] for m in ("road", "rail", "barge")}
    sites = _read("network_sites.csv")
    rows = [
        _distance_row(r, s, "road", detour["road"])
        for _, r in regions().iterrows()
        for _, s in sites.iterrows()
    ]
    for (_, s1), (_, s2) in combinations(sites.iterrows(), 2):
        rows.append(_distance_row(s1, s2, "road", detour["road"]))
        for mode in ("rail", "barge"):
            if str(s1[mode]).lower() == "true" == str(s2[mode]).lower():
                rows.append(_distance_row(s1, s2, mode, detour[mode]))
    return pd.DataFrame(rows)


def notification_cost(a: pd.DataFrame, frm: str, to: str) -> tuple[float, str]:
    """EUR per t of one prior-notified shipment from country ``frm`` to ``to``."""
    fee_f, fee_t = anchor(a, "notification_fee", frm)[1], anchor(a, "notification_fee", to)[1]
    hours = anchor(a, "notification_admin_hours")[1]
    labour = anchor(a, "labour_cost", frm)[1]
    tonnes = anchor(a, "notification_tonnes")[1]
    guarantee = anchor(a, "notification_guarantee")[1]
    cost = (fee_f + fee_t + hours * labour) / tonnes + guarantee
    how = (
        f"({fee_f:g} EUR {frm} fee + {fee_t:g} EUR {to} fee + {hours:g} h x {labour:g} EUR/h) / "
        f"{tonnes:g} t per notification + {guarantee:g} EUR/t guarantee"
    )
    return round(cost, 4), how


def border_crossings_table() -> pd.DataFrame:
    """border_crossings.csv for every ordered pair of NL, BE, DE."""
    a = anchors()
    lead = anchor(a, "notification_lead_time")[1]
    pairs = [(f, t) for f in ("NL", "BE", "DE") for t in ("NL", "BE", "DE") if f != t]
    return pd.DataFrame([_crossing(a, frm, to, lead) for frm, to in pairs])


def _crossing(a: pd.DataFrame, frm: str, to: str, lead: float) -> dict[str, object]:
    cost, how = notification_cost(a, frm, to)
    return {
        "from_country": frm,
        "to_country": to,
        "notification_eur_per_t": cost,
        "lead_time_days": lead,
        "reg_classes": NOTIFIED,
        "source": f"Waste Shipment Regulation (EU) 2024/1157 prior written notification and "
        f"consent: {how} (network_anchors.csv); lead time notification_lead_time; classes: "
        "waste batteries and WEEE categories 1-3 (hazardous entries; assumption: categories "
        "4-6 depolluted and shipped without notification); transit countries ignored",
    }


def material_credits_table(materials: set[str]) -> pd.DataFrame:
    """material_credits.csv: the nominal credit of every material of the instance listed."""
    c = _read("material_credits.csv")
    c = c[c["material"].isin(materials)]
    return pd.DataFrame(
        {
            "material": c["material"],
            "avoided_co2_t_per_t": c["avoided_co2_t_per_t"].astype(float),
            "source": [f"material_credits.csv: {s}" for s in c["source"]],
        }
    )


def unit_footprint_table(unit_ids: list[str]) -> pd.DataFrame:
    """unit_footprint.csv: water per t entering; electricity left to units.energy_mwh_per_t."""
    w = _read("unit_water.csv").set_index("unit_id").loc[unit_ids]
    return pd.DataFrame(
        {
            "unit_id": unit_ids,
            "electricity_mwh_per_t": "",
            "water_m3_per_t": w["water_m3_per_t"].astype(float).to_list(),
            "source": [
                f"water: unit_water.csv: {s}; electricity: units.csv energy_mwh_per_t"
                for s in w["source"]
            ],
        }
    )

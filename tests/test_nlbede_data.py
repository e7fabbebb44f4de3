"""The network instance nlbede-2030 (issue 15, data side): the builder reproduces the shipped
folder byte for byte, every row has a source, every reference range contains its base, the
regional tonnages add up to the feeds, and the derived figures check by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from plantopt.data import nlbede, nlbede_network, nlbede_supply
from plantopt.data.nl_tonnages import feed_tonnages

DATA = Path(__file__).resolve().parents[1] / "plantopt" / "data"
REF = DATA / "reference"
INST = DATA / "instances" / "nlbede-2030"
TOL = 1e-9


def _ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, keep_default_na=False)


#: tables computed only from netdata's reference tables and nl_tonnages (not from nl-2027 files)
NETWORK_FILES = (
    "sites.csv",
    "site_units.csv",
    "regions.csv",
    "region_supply.csv",
    "transport_modes.csv",
    "distances.csv",
    "border_crossings.csv",
    "material_credits.csv",
    "unit_footprint.csv",
)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return nlbede.build(tmp_path_factory.mktemp("nlbede") / "nlbede-2030")


def test_builder_reproduces_the_network_tables_byte_for_byte(rebuilt: Path) -> None:
    assert sorted(p.name for p in rebuilt.iterdir()) == sorted(p.name for p in INST.iterdir())
    for name in NETWORK_FILES:
        assert (rebuilt / name).read_bytes() == (INST / name).read_bytes(), name


def test_builder_reproduces_the_tables_taken_from_nl_2027_byte_for_byte(rebuilt: Path) -> None:
    """The rest of the folder depends on the nl-2027 files too; the shipped description records
    their hash. When nl-2027 changed after the last build the comparison is skipped (and says
    how to rebuild) instead of failing another engineer's landing of nl-2027."""
    shipped = (INST / "instance.yaml").read_text()
    if nlbede.base_hash() not in shipped.replace("\n  ", " "):
        pytest.skip("nl-2027 changed since nlbede-2030 was built: python -m plantopt.data.nlbede")
    for p in sorted(INST.iterdir()):
        assert (rebuilt / p.name).read_bytes() == p.read_bytes(), p.name


@pytest.mark.parametrize("name", sorted(p.name for p in INST.glob("*.csv")))
def test_every_row_of_the_instance_has_a_source(name: str) -> None:
    df = pd.read_csv(INST / name, keep_default_na=False)
    assert "source" in df.columns, name
    assert (df["source"].astype(str).str.strip() != "").all(), name


@pytest.mark.parametrize(
    ("name", "lo", "nom", "hi"),
    [
        ("network_anchors.csv", "value_low", "value", "value_high"),
        (
            "material_credits.csv",
            "avoided_co2_t_per_t_low",
            "avoided_co2_t_per_t",
            "avoided_co2_t_per_t_high",
        ),
        ("unit_water.csv", "water_m3_per_t_low", "water_m3_per_t", "water_m3_per_t_high"),
        ("network_sites.csv", "land_low_ha", "land_available_ha", "land_high_ha"),
        ("network_sites.csv", "staff_low_fte", "staff_available_fte", "staff_high_fte"),
        ("network_site_units.csv", "available_frac_low", "available_frac", "available_frac_high"),
    ],
)
def test_reference_ranges_contain_the_base(name: str, lo: str, nom: str, hi: str) -> None:
    df = _ref(name)
    bad = df[(df[lo] > df[nom] + TOL) | (df[nom] > df[hi] + TOL)]
    assert bad.empty, bad
    assert (df[lo] >= 0).all()


def test_region_supply_adds_up_to_the_feeds_and_keeps_the_dutch_2030_tonnage() -> None:
    feeds = pd.read_csv(INST / "feeds.csv").set_index("feed_id")
    supply = pd.read_csv(INST / "region_supply.csv")
    regions = pd.read_csv(INST / "regions.csv")
    sums = supply.groupby("feed_id")["available_t_per_yr"].sum()
    for fid, total in feeds["available_t_per_yr"].items():
        assert sums[fid] == pytest.approx(total, rel=1e-6, abs=1e-9), fid
    assert (feeds["available_t_per_yr_low"] <= feeds["available_t_per_yr"] + 0.1).all()
    assert (feeds["available_t_per_yr"] <= feeds["available_t_per_yr_high"] + 0.1).all()
    nl_regions = set(regions.loc[regions["country"] == "NL", "region_id"])
    nl = supply[supply["region_id"].isin(nl_regions)].groupby("feed_id")["available_t_per_yr"].sum()
    for fid, (_, t, _, _) in feed_tonnages(2030).items():
        assert nl[fid] == pytest.approx(t, abs=12 * 0.05), fid  # 12 provinces, 0.1 t rounding
    assert set(regions["country"]) == {"NL", "BE", "DE"} and len(regions) == 18


def test_flemish_weee_by_hand() -> None:
    """Flanders, large WEEE: NL 2030 tonnage x (134,446 t / 11,763,650 BE inhabitants) /
    (239,000 t / 17,947,684 NL inhabitants) x 6,825,000 / 17,947,684."""
    ratio = (134_446 / 11_763_650) / (239_000 / 17_947_684)
    assert ratio == pytest.approx(0.8583, abs=1e-4)
    t_nl = feed_tonnages(2030)["weee_large"][1]
    supply = pd.read_csv(INST / "region_supply.csv").set_index(["region_id", "feed_id"])
    want = round(t_nl * ratio * 6_825_000 / 17_947_684, 1)
    assert supply.loc[("BE-VLG", "weee_large"), "available_t_per_yr"] == pytest.approx(want)


def test_great_circle_and_detour_by_hand() -> None:
    # one degree of latitude: pi / 180 x 6371.0088 km = 111.195 km
    assert nlbede_network.great_circle_km(50.0, 5.0, 51.0, 5.0) == pytest.approx(111.195, abs=1e-3)
    d = pd.read_csv(INST / "distances.csv").set_index(["from_id", "to_id", "mode"])
    sites = pd.read_csv(INST / "sites.csv").set_index("site_id")
    a, b = sites.loc["rotterdam"], sites.loc["antwerp"]
    gc = nlbede_network.great_circle_km(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg)
    assert 75 < gc < 90  # Maasvlakte 2 - Antwerp, ~81 km as the crow flies
    assert d.loc[("rotterdam", "antwerp", "road"), "distance_km"] == round(gc * 1.3, 1)
    assert d.loc[("rotterdam", "antwerp", "barge"), "distance_km"] == round(gc * 1.5, 1)
    n_sites, n_regions = len(sites), 18
    pairs = n_sites * (n_sites - 1) // 2
    assert len(d) == n_regions * n_sites + 3 * pairs  # every site has rail and barge access


def test_cost_factors_transport_rates_and_notification_by_hand() -> None:
    sites = pd.read_csv(INST / "sites.csv").set_index("site_id")
    # capex: 0.6 + 0.4 x 48.2 / 45.2 = 1.02655; opex: 0.7 + 0.3 x 43.4 / 45.2 = 0.98805
    assert sites.loc["antwerp", "capex_factor"] == pytest.approx(0.6 + 0.4 * 48.2 / 45.2, abs=1e-4)
    assert sites.loc["duisburg", "opex_factor"] == pytest.approx(0.7 + 0.3 * 43.4 / 45.2, abs=1e-4)
    assert sites.loc["chemelot", "capex_factor"] == 1.0
    assert sites.loc["duisburg", "grid_co2_t_per_mwh"] > sites.loc["ghent", "grid_co2_t_per_mwh"]
    modes = pd.read_csv(INST / "transport_modes.csv").set_index("mode")
    assert modes.loc["road", "cost_eur_per_tkm"] == pytest.approx(1.92 / 16)
    assert modes.loc["rail", "cost_eur_per_tkm"] == pytest.approx(6.32 / 165, abs=1e-5)
    assert modes.loc["barge", "cost_eur_per_tkm"] == pytest.approx(2.76 / 165, abs=1e-5)
    assert (
        modes.loc["barge", "co2_kg_per_tkm"]
        < modes.loc["road", "co2_kg_per_tkm"]
        > modes.loc["rail", "co2_kg_per_tkm"]
    )
    border = pd.read_csv(INST / "border_crossings.csv").set_index(["from_country", "to_country"])
    # NL -> BE: (550 + 400 + 40 h x 45.2 EUR/h) / 2000 t + 5 EUR/t = 6.379 EUR/t
    assert border.loc[("NL", "BE"), "notification_eur_per_t"] == pytest.approx(6.379)
    assert len(border) == 6 and (border["lead_time_days"] == 45).all()
    assert (border["reg_classes"].str.contains("battery:")).all()


def test_existing_units_moved_to_sites_and_hoboken_builds_nothing() -> None:
    units = pd.read_csv(INST / "units.csv")
    assert (units["existing_capacity_t_per_yr"] == 0).all()
    su = pd.read_csv(INST / "site_units.csv").set_index(["site_id", "unit_id"])
    assert su.loc[("moerdijk", "weee_shred"), "existing_capacity_t_per_yr"] == 40_000
    assert su.loc[("hoboken", "pm_smelter"), "existing_capacity_t_per_yr"] == 0.03 * 500_000
    hob = su.loc["hoboken"]
    assert set(hob.index) == set(units["unit_id"]) and not hob["allow_build"].any()


def test_credits_and_water_cover_the_instance() -> None:
    credits = pd.read_csv(INST / "material_credits.csv").set_index("material")
    for m in ("Li", "Co", "Ni", "Mn", "Cu", "Al", "Au", "Ag", "Pd", "Nd", "Dy", "Pb"):
        assert credits.loc[m, "avoided_co2_t_per_t"] > 0, m
    # Nuss & Eckelman (2014): Au 12,500 and Pd 3,880 kg CO2e/kg, Cu 2.8, Ni 6.5, Co 8.3
    assert credits.loc["Au", "avoided_co2_t_per_t"] == 12_500
    assert credits.loc["Cu", "avoided_co2_t_per_t"] < credits.loc["Ni", "avoided_co2_t_per_t"]
    footprint = pd.read_csv(INST / "unit_footprint.csv").set_index("unit_id")
    units = pd.read_csv(INST / "units.csv")
    assert set(footprint.index) == set(units["unit_id"])
    assert (
        footprint.loc["hydromet", "water_m3_per_t"] > footprint.loc["weee_shred", "water_m3_per_t"]
    )


def test_anchor_lookup_names_the_row() -> None:
    a = nlbede_supply.anchors()
    assert nlbede_supply.anchor(a, "labour_cost", "BE") == (46.1, 48.2, 50.4)
    with pytest.raises(KeyError):
        nlbede_supply.anchor(a, "labour_cost", "FR")
    assert math.isclose(nlbede_supply.ratio(a, "NL", "weee")[1], 1.0)

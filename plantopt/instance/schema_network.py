"""Optional network tables (issue 15): sites, collection regions, transport and footprints.

An instance without ``sites.csv`` is the one-site model of before (every table here has
``required=False``, and none of them adds a column or a row then). With ``sites.csv`` the
model places every unit at sites, ships streams between sites and hauls feeds from their
collection regions (``models/formulation.md`` section 15, ``docs/network.md``).
``material_credits.csv`` and ``unit_footprint.csv`` also work without sites (emissions).
"""

from __future__ import annotations

from plantopt.instance.schema_types import Column, Table, _source

MODES = ("road", "rail", "barge")


def _latlon(what: str) -> tuple[Column, Column]:
    return (
        Column(
            "lat_deg",
            "float",
            f"WGS84 latitude of the {what}.",
            unit="deg",
            required=True,
            lo=-90.0,
            hi=90.0,
        ),
        Column(
            "lon_deg",
            "float",
            f"WGS84 longitude of the {what}.",
            unit="deg",
            required=True,
            lo=-180.0,
            hi=180.0,
        ),
    )


def _country(what: str) -> Column:
    return Column(
        "country",
        "str",
        f"ISO 3166-1 alpha-2 country of the {what} (NL, BE, DE, ...); a lane between two "
        "countries crosses a border.",
        required=True,
    )


SITES = Table(
    "sites",
    "sites.csv",
    "Optional candidate sites of a network of plants; with it every unit is placed at sites "
    "and streams may be shipped between them (docs/network.md).",
    (
        Column("site_id", "str", "Site id (not also a region_id).", required=True),
        Column("name", "str", "Readable name.", default=""),
        _country("site"),
        *_latlon("site"),
        Column(
            "land_available_m2",
            "float",
            "Land available at the site in a suitable (high environmental category) zone: "
            "bounds the land_m2 of the options built here; empty: no limit.",
            unit="m2",
            lo=0.0,
        ),
        Column(
            "staff_available_fte",
            "float",
            "Staff pool of the site: bounds the staff_fte of the options built here; empty: "
            "no limit.",
            unit="FTE",
            lo=0.0,
        ),
        Column(
            "capex_factor",
            "float",
            "Local factor on the capex of every option built at the site.",
            default=1.0,
            lo=0.0,
            lo_open=True,
        ),
        Column(
            "opex_factor",
            "float",
            "Local factor on the variable and fixed opex of the units at the site.",
            default=1.0,
            lo=0.0,
            lo_open=True,
        ),
        Column(
            "grid_co2_t_per_mwh",
            "float",
            "Emission factor of grid electricity at the site.",
            unit="t/MWh",
            default=0.0,
            lo=0.0,
        ),
        _source(),
    ),
    key=("site_id",),
    required=False,
)

SITE_UNITS = Table(
    "site_units",
    "site_units.csv",
    "Optional existing units per site, and units that may not be built at a site.",
    (
        Column("site_id", "str", "Site id (sites.csv).", required=True),
        Column("unit_id", "str", "Unit id (units.csv).", required=True),
        Column(
            "existing_capacity_t_per_yr",
            "float",
            "Capacity of the unit already installed at the site (no capex).",
            unit="t/yr",
            default=0.0,
            lo=0.0,
        ),
        Column(
            "allow_build",
            "bool",
            "false: no capacity option of the unit may be built at the site.",
            default=True,
        ),
        Column(
            "min_load_frac",
            "float",
            "Minimum load of the unit at this site, at most the unit's min_load_frac of "
            "units.csv (e.g. 0 for a toll share of a plant another firm runs); empty means "
            "the unit's.",
            lo=0.0,
            hi=1.0,
        ),
        _source(),
    ),
    key=("site_id", "unit_id"),
    required=False,
)

REGIONS = Table(
    "regions",
    "regions.csv",
    "Optional collection regions where the feeds originate (with sites.csv).",
    (
        Column("region_id", "str", "Region id.", required=True),
        Column("name", "str", "Readable name.", default=""),
        _country("region"),
        *_latlon("region's collection centre"),
        _source(),
    ),
    key=("region_id",),
    required=False,
)

REGION_SUPPLY = Table(
    "region_supply",
    "region_supply.csv",
    "Optional tonnes of each feed collected per region per year; a feed's rows sum to its "
    "available_t_per_yr. A feed without rows is delivered to any site free of transport.",
    (
        Column("region_id", "str", "Region id (regions.csv).", required=True),
        Column("feed_id", "str", "Feed id (feeds.csv).", required=True),
        Column(
            "available_t_per_yr",
            "float",
            "Tonnes of the feed collected in the region per year.",
            unit="t/yr",
            required=True,
            lo=0.0,
        ),
        _source(),
    ),
    key=("region_id", "feed_id"),
    required=False,
)

TRANSPORT_MODES = Table(
    "transport_modes",
    "transport_modes.csv",
    "Optional transport modes: cost and CO2 per tonne-kilometre.",
    (
        Column("mode", "str", "Mode.", required=True, choices=MODES),
        Column(
            "cost_eur_per_tkm",
            "float",
            "Cost per tonne-kilometre.",
            unit="EUR/(t km)",
            required=True,
            lo=0.0,
        ),
        Column(
            "co2_kg_per_tkm",
            "float",
            "Emissions per tonne-kilometre (well to wheel).",
            unit="kg/(t km)",
            required=True,
            lo=0.0,
        ),
        Column(
            "handling_eur_per_t",
            "float",
            "Loading and transhipment cost per tonne per lane travelled.",
            unit="EUR/t",
            default=0.0,
            lo=0.0,
        ),
        Column(
            "detour_factor",
            "float",
            "Distance over great-circle distance for lanes without a distances.csv row "
            "(road only); empty: the manifest's detour_factor.",
            lo=1.0,
        ),
        Column(
            "adr_surcharge_frac",
            "float",
            "Extra share on cost_eur_per_tkm for dangerous goods under ADR (battery "
            "streams before preprocessing: packs, modules, cells).",
            default=0.0,
            lo=0.0,
        ),
        _source(),
    ),
    key=("mode",),
    required=False,
)

DISTANCES = Table(
    "distances",
    "distances.csv",
    "Optional distances per lane and mode (from a region or site to a site); a site-to-site "
    "row holds both ways unless the reverse row is given. Road lanes without a row use the "
    "great-circle distance times the detour factor; rail and barge exist only where a row "
    "names them.",
    (
        Column("from_id", "str", "Region or site id.", required=True),
        Column("to_id", "str", "Site id, or a location_id of deliveries.csv.", required=True),
        Column("mode", "str", "Mode (transport_modes.csv).", required=True, choices=MODES),
        Column(
            "distance_km",
            "float",
            "Distance along the mode's network.",
            unit="km",
            required=True,
            lo=0.0,
            lo_open=True,
        ),
        _source(),
    ),
    key=("from_id", "to_id", "mode"),
    required=False,
)

BORDER_CROSSINGS = Table(
    "border_crossings",
    "border_crossings.csv",
    "Optional cost and lead time of shipping waste across a border (prior written "
    "notification and consent, Waste Shipment Regulation (EU) 2024/1157), per direction.",
    (
        Column("from_country", "str", "Country shipped from (ISO alpha-2).", required=True),
        Column("to_country", "str", "Country shipped to (ISO alpha-2).", required=True),
        Column(
            "notification_eur_per_t",
            "float",
            "Notification, financial guarantee and handling cost per tonne shipped.",
            unit="EUR/t",
            default=0.0,
            lo=0.0,
        ),
        Column(
            "lead_time_days",
            "float",
            "Lead time of the notification procedure.",
            unit="d",
            default=0.0,
            lo=0.0,
        ),
        Column(
            "reg_classes",
            "str",
            "Feeds (by reg_class of feeds.csv, ';'-separated) whose streams need the "
            "notification; 'battery:*' is every battery class, '*' every feed.",
            default="battery:*",
        ),
        _source(),
    ),
    key=("from_country", "to_country"),
    required=False,
)

MATERIAL_CREDITS = Table(
    "material_credits",
    "material_credits.csv",
    "Optional avoided primary production: CO2 credited per tonne of material recovered.",
    (
        Column("material", "str", "Material id (materials.csv).", required=True),
        Column(
            "avoided_co2_t_per_t",
            "float",
            "CO2e of primary production avoided per tonne recovered.",
            unit="t/t",
            required=True,
            lo=0.0,
        ),
        _source(),
    ),
    key=("material",),
    required=False,
)

UNIT_FOOTPRINT = Table(
    "unit_footprint",
    "unit_footprint.csv",
    "Optional electricity and water use per unit (grid CO2 and water in the emissions).",
    (
        Column("unit_id", "str", "Unit id (units.csv).", required=True),
        Column(
            "electricity_mwh_per_t",
            "float",
            "Grid electricity per tonne entering; empty: energy_mwh_per_t of units.csv.",
            unit="MWh/t",
            lo=0.0,
        ),
        Column(
            "water_m3_per_t",
            "float",
            "Water per tonne entering.",
            unit="m3/t",
            default=0.0,
            lo=0.0,
        ),
        _source(),
    ),
    key=("unit_id",),
    required=False,
)

DELIVERIES = Table(
    "deliveries",
    "deliveries.csv",
    "Optional buyer and disposal locations of a network instance: a product (or disposal "
    "stream) with rows here is delivered from the site where it arises to the cheapest of "
    "its locations, transport paid (a location that is that site costs nothing); without "
    "rows it leaves from that site free, as in a one-site instance.",
    (
        Column(
            "to_kind",
            "str",
            "Kind of stream delivered (routing.csv to_kind).",
            required=True,
            choices=("product", "disposal"),
        ),
        Column(
            "to_id",
            "str",
            "Product id (products.csv) or disposal label (routing.csv to_id).",
            required=True,
        ),
        Column(
            "location_id",
            "str",
            "Where the buyer or disposal facility is: a site_id, or an id of its own placed by "
            "country, lat_deg and lon_deg (distances.csv may name it as to_id).",
            required=True,
        ),
        Column(
            "country",
            "str",
            "ISO 3166-1 alpha-2 country of a location that is not a site (empty for a site).",
        ),
        Column("lat_deg", "float", "WGS84 latitude of a location that is not a site.",
               unit="deg", lo=-90.0, hi=90.0),
        Column("lon_deg", "float", "WGS84 longitude of a location that is not a site.",
               unit="deg", lo=-180.0, hi=180.0),
        Column(
            "waste_shipment",
            "bool",
            "true: the stream travels as waste (e.g. black mass), so border_crossings.csv "
            "applies to it (by its feed's reg_class); false: a product that is no longer "
            "waste crosses borders free.",
            default=False,
        ),
        _source(),
    ),
    key=("to_kind", "to_id", "location_id"),
    required=False,
)  # fmt: skip

NETWORK_TABLES: tuple[Table, ...] = (
    SITES,
    SITE_UNITS,
    REGIONS,
    REGION_SUPPLY,
    TRANSPORT_MODES,
    DISTANCES,
    BORDER_CROSSINGS,
    MATERIAL_CREDITS,
    UNIT_FOOTPRINT,
    DELIVERIES,
)

__all__ = ["MODES", "NETWORK_TABLES"]

"""The single source of truth for the instance format.

Every table of an instance folder is declared here once (the manifest fields in
:mod:`plantopt.instance.manifest`, collected here as :data:`MANIFEST`):
name, type, unit, whether it is required, its default, its bounds and a description. The
loader (:mod:`plantopt.instance.loader`), the validator (:mod:`plantopt.instance.checks`) and the
generated
format documentation (``docs/instance-format.md``, :func:`format_markdown`) all read it.

Conventions: base units are tonne, EUR and year; fractions are in [0, 1], never percent;
column names carry their unit (``capacity_t_per_yr``, ``tc_frac``).
"""

from __future__ import annotations

from plantopt.instance.manifest import LEVER_FIELDS, MANIFEST_COLUMNS
from plantopt.instance.schema_capacity import CAPACITY_CHOICE_COLUMNS, CAPEX_CURVES
from plantopt.instance.schema_network import NETWORK_TABLES
from plantopt.instance.schema_optional import OPTIONAL_TABLES
from plantopt.instance.schema_types import FRACTION, Column, Table, _source

#: Wildcard accepted in ``feed_class`` and ``material`` of the transfer-coefficient table.
WILDCARD = "*"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "materials",
            "materials.csv",
            "Elements and tracked pseudo-materials, their EU list status and their weight in "
            "the recovery objective.",
            (
                Column(
                    "material",
                    "str",
                    "Material id (element symbol or pseudo-material).",
                    required=True,
                ),
                Column("name", "str", "Readable name.", default=""),
                Column(
                    "eu_critical",
                    "bool",
                    "On the EU critical raw materials list (CRMA 2024/1252 Annex II).",
                    default=False,
                ),
                Column(
                    "eu_strategic",
                    "bool",
                    "On the EU strategic raw materials list (CRMA 2024/1252 Annex I).",
                    default=False,
                ),
                Column(
                    "partb_excludable",
                    "bool",
                    "One of the substances (carbon, phosphorus, sulphur and the like) a "
                    "recycler may leave out of the Part B recycling efficiency until 2029 "
                    "(Delegated Regulation (EU) 2025/606); see manifest partb_exclude_substances.",
                    default=False,
                ),
                Column(
                    "recovery_weight",
                    "float",
                    "Weight of one recovered tonne in the recovery objective.",
                    unit="1/t",
                    default=0.0,
                    lo=0.0,
                ),
                _source(),
            ),
            key=("material",),
        ),
        Table(
            "feeds",
            "feeds.csv",
            "Collected waste streams the plant may accept.",
            (
                Column("feed_id", "str", "Feed id.", required=True),
                Column(
                    "feed_class",
                    "str",
                    "Process class of the feed: selects entry units "
                    "and class-specific transfer coefficients.",
                    required=True,
                ),
                Column(
                    "reg_class",
                    "str",
                    "Regulatory class: battery type per Battery "
                    "Regulation Annex XII (battery:lithium, battery:lead_acid, "
                    "battery:nickel_cadmium, battery:other) or WEEE category "
                    "(weee:1 .. weee:6); empty if none.",
                    default="",
                ),
                Column(
                    "collection_class",
                    "str",
                    "Collection category of the Battery Regulation (portable, lmt, sli, ev, "
                    "industrial) for the collection-rate targets; empty if none.",
                    default="",
                ),
                Column(
                    "placed_on_market_t_per_yr",
                    "float",
                    "Tonnes placed on the market per year (the collection rate's "
                    "denominator; the regulation's three-year average); empty if not known.",
                    unit="t/yr",
                    lo=0.0,
                ),
                Column("description", "str", "Readable description.", default=""),
                Column(
                    "available_t_per_yr",
                    "float",
                    "Tonnes of this feed on offer per year (collected at today's rate; "
                    "collection_steps.csv may add more).",
                    unit="t/yr",
                    required=True,
                    lo=0.0,
                ),
                Column(
                    "contracted_min_t_per_yr",
                    "float",
                    "Tonnes the plant is contracted to accept per year.",
                    unit="t/yr",
                    default=0.0,
                    lo=0.0,
                ),
                Column(
                    "gate_fee_eur_per_t",
                    "float",
                    "Fee paid to the plant per tonne accepted; negative for a purchase price.",
                    unit="EUR/t",
                    default=0.0,
                ),
                Column(
                    "available_t_per_yr_low",
                    "float",
                    "Low end of the plausible tonnage "
                    "(sensitivity analysis); empty means equal to available_t_per_yr.",
                    unit="t/yr",
                    lo=0.0,
                ),
                Column(
                    "available_t_per_yr_high",
                    "float",
                    "High end of the plausible tonnage; empty means equal to available_t_per_yr.",
                    unit="t/yr",
                    lo=0.0,
                ),
                Column(
                    "gate_fee_eur_per_t_low",
                    "float",
                    "Low end of the plausible gate fee; empty means equal to gate_fee_eur_per_t.",
                    unit="EUR/t",
                ),
                Column(
                    "gate_fee_eur_per_t_high",
                    "float",
                    "High end of the plausible gate fee; empty means equal to gate_fee_eur_per_t.",
                    unit="EUR/t",
                ),
                _source(),
            ),
            key=("feed_id",),
        ),
        Table(
            "composition",
            "composition.csv",
            "Feed composition in long format: mass fraction of each material. Fractions of a "
            "feed sum to at most 1; a remainder is booked to material 'other'.",
            (
                Column("feed_id", "str", "Feed id (feeds.csv).", required=True),
                Column("material", "str", "Material id (materials.csv).", required=True),
                Column(
                    "mass_frac",
                    "float",
                    "Mass fraction of the material in the feed.",
                    unit="t/t",
                    required=True,
                    **FRACTION,
                ),
                Column(
                    "mass_frac_low",
                    "float",
                    "Low end of the plausible range (for "
                    "uncertainty analysis); empty means equal to mass_frac.",
                    unit="t/t",
                    **FRACTION,
                ),
                Column(
                    "mass_frac_high",
                    "float",
                    "High end of the plausible range; empty means equal to mass_frac.",
                    unit="t/t",
                    **FRACTION,
                ),
                _source(),
            ),
            key=("feed_id", "material"),
        ),
        Table(
            "units",
            "units.csv",
            "Process units of the superstructure.",
            (
                Column("unit_id", "str", "Unit id.", required=True),
                Column(
                    "stage",
                    "str",
                    "Process stage.",
                    required=True,
                    choices=("dismantling", "preprocessing", "refining"),
                ),
                Column("description", "str", "Readable description.", default=""),
                Column(
                    "opex_eur_per_t",
                    "float",
                    "Variable operating cost per tonne entering.",
                    unit="EUR/t",
                    default=0.0,
                    lo=0.0,
                ),
                Column(
                    "min_load_frac",
                    "float",
                    "Minimum throughput as a fraction of installed capacity when the unit runs.",
                    unit="t/t",
                    default=0.0,
                    **FRACTION,
                ),
                Column(
                    "existing_capacity_t_per_yr",
                    "float",
                    "Capacity already installed (no capex); 0 if the unit must be built.",
                    unit="t/yr",
                    default=0.0,
                    lo=0.0,
                ),
                Column(
                    "energy_mwh_per_t",
                    "float",
                    "Electricity and heat per tonne entering.",
                    unit="MWh/t",
                    default=0.0,
                    lo=0.0,
                ),
                Column(
                    "co2_t_per_t",
                    "float",
                    "Direct process CO2 per tonne entering.",
                    unit="t/t",
                    default=0.0,
                    lo=0.0,
                ),
                _source(),
            ),
            key=("unit_id",),
        ),
        Table(
            "capacity_options",
            "capacity_options.csv",
            "Sizes a unit can be built at; at most one option per unit is built.",
            (
                Column("unit_id", "str", "Unit id (units.csv).", required=True),
                Column("option_id", "str", "Option id, unique within the unit.", required=True),
                Column(
                    "capacity_t_per_yr",
                    "float",
                    "Tonnes entering per year at full load.",
                    unit="t/yr",
                    required=True,
                    lo=0.0,
                    lo_open=True,
                ),
                Column("capex_eur", "float", "Investment.", unit="EUR", required=True, lo=0.0),
                Column(
                    "capex_eur_low",
                    "float",
                    "Low end of the plausible investment "
                    "(sensitivity analysis); empty means equal to capex_eur.",
                    unit="EUR",
                    lo=0.0,
                ),
                Column(
                    "capex_eur_high",
                    "float",
                    "High end of the plausible investment; empty means equal to capex_eur.",
                    unit="EUR",
                    lo=0.0,
                ),
                Column(
                    "fixed_opex_eur_per_yr",
                    "float",
                    "Fixed operating cost when built.",
                    unit="EUR/yr",
                    default=0.0,
                    lo=0.0,
                ),
                Column(
                    "lifetime_yr",
                    "float",
                    "Economic lifetime for the capital recovery factor.",
                    unit="yr",
                    default=15.0,
                    lo=0.0,
                    lo_open=True,
                ),
                Column("staff_fte", "float", "Staff needed.", unit="FTE", default=0.0, lo=0.0),
                Column("land_m2", "float", "Land needed.", unit="m2", default=0.0, lo=0.0),
                *CAPACITY_CHOICE_COLUMNS,
                _source(),
            ),
            key=("unit_id", "option_id"),
        ),
        Table(
            "transfer_coefficients",
            "transfer_coefficients.csv",
            "Split of each material entering a unit over the unit's outputs. For every unit, "
            "feed class and material the fractions over outputs sum to 1 (losses are an "
            "output). feed_class '*' is the default for classes without their own rows; "
            "material '*' is the default for materials without their own rows.",
            (
                Column("unit_id", "str", "Unit id (units.csv).", required=True),
                Column(
                    "feed_class", "str", "Feed class the row applies to, or '*'.", default=WILDCARD
                ),
                Column("material", "str", "Material id, or '*'.", required=True),
                Column("output_id", "str", "Output of the unit.", required=True),
                Column(
                    "tc_frac",
                    "float",
                    "Fraction of the material entering that leaves through this output.",
                    unit="t/t",
                    required=True,
                    **FRACTION,
                ),
                Column(
                    "tc_frac_low",
                    "float",
                    "Low end of the plausible range; empty means equal to tc_frac.",
                    unit="t/t",
                    **FRACTION,
                ),
                Column(
                    "tc_frac_high",
                    "float",
                    "High end of the plausible range; empty means equal to tc_frac.",
                    unit="t/t",
                    **FRACTION,
                ),
                _source(),
            ),
            key=("unit_id", "feed_class", "material", "output_id"),
        ),
        Table(
            "routing",
            "routing.csv",
            "Where each unit output may go. Several rows for one output are a choice the "
            "optimiser makes.",
            (
                Column("unit_id", "str", "Unit the output leaves.", required=True),
                Column("output_id", "str", "Output id (transfer_coefficients.csv).", required=True),
                Column(
                    "to_kind",
                    "str",
                    "Kind of destination.",
                    required=True,
                    choices=("unit", "product", "disposal", "loss"),
                ),
                Column(
                    "to_id",
                    "str",
                    "Destination: a unit_id, a product_id, or a free label for disposal and loss.",
                    required=True,
                ),
                Column(
                    "cost_eur_per_t",
                    "float",
                    "Cost per tonne sent along this route (disposal fee, transport).",
                    unit="EUR/t",
                    default=0.0,
                ),
                Column(
                    "counts_recovered",
                    "bool",
                    "Mass sent along this route counts as "
                    "recovered (energy recovery) for WEEE recovery targets; honoured on "
                    "disposal rows only (landfill and incineration without energy recovery: "
                    "false).",
                    default=False,
                ),
                _source(),
            ),
            key=("unit_id", "output_id", "to_kind", "to_id"),
        ),
        Table(
            "feed_entry",
            "feed_entry.csv",
            "Units a feed class may enter first.",
            (
                Column("feed_class", "str", "Feed class (feeds.csv).", required=True),
                Column("unit_id", "str", "Entry unit (units.csv).", required=True),
                _source(),
            ),
            key=("feed_class", "unit_id"),
        ),
        Table(
            "products",
            "products.csv",
            "Saleable output fractions.",
            (
                Column("product_id", "str", "Product id.", required=True),
                Column("description", "str", "Readable description.", default=""),
                Column(
                    "counts_recycled",
                    "bool",
                    "The fraction counts as recycled for recycling-efficiency targets.",
                    default=True,
                ),
                Column(
                    "counts_recovered",
                    "bool",
                    "The fraction counts as recovered "
                    "(energy recovery, e.g. refuse-derived fuel) for WEEE recovery targets "
                    "although not recycled; a recycled fraction counts as recovered anyway.",
                    default=False,
                ),
                Column(
                    "calc_point",
                    "str",
                    "Calculation point (Delegated Regulation (EU) 2025/606): final = the "
                    "product substitutes primary raw material as it leaves the plant, its "
                    "materials count where product_prices says recovered; intermediate = the "
                    "buyer processes it further, its materials count only at the downstream "
                    "recovery of downstream_recovery.csv.",
                    default="final",
                    choices=("final", "intermediate"),
                ),
                Column(
                    "reuse_kind",
                    "str",
                    "none = a material product; prepared_for_reuse = graded EEE sold for "
                    "re-use (counts as prepared for re-use in WEEE Annex V); second_life = "
                    "packs repurposed to stationary storage (leave the waste stage: out of "
                    "the Battery Regulation ratios' input).",
                    default="none",
                    choices=("none", "prepared_for_reuse", "second_life"),
                ),
                Column(
                    "value_eur_per_t",
                    "float",
                    "Value per tonne of product mass (re-use or second-life sale), on top "
                    "of product_prices.",
                    unit="EUR/t",
                    default=0.0,
                    lo=0.0,
                ),
                Column(
                    "value_eur_per_t_low",
                    "float",
                    "Low end of the plausible value per tonne (Monte Carlo); empty means equal to "
                    "value_eur_per_t.",
                    unit="EUR/t",
                    lo=0.0,
                ),
                Column(
                    "value_eur_per_t_high",
                    "float",
                    "High end of the plausible value per tonne; empty means equal to "
                    "value_eur_per_t.",
                    unit="EUR/t",
                    lo=0.0,
                ),
                Column(
                    "value_eur_per_item",
                    "float",
                    "Value per item sold for re-use (with item_mass_t); empty: none.",
                    unit="EUR",
                    lo=0.0,
                ),
                Column(
                    "value_eur_per_item_low",
                    "float",
                    "Low end of the plausible value per item (Monte Carlo); empty means equal to "
                    "value_eur_per_item.",
                    unit="EUR",
                    lo=0.0,
                ),
                Column(
                    "value_eur_per_item_high",
                    "float",
                    "High end of the plausible value per item; empty means equal to "
                    "value_eur_per_item.",
                    unit="EUR",
                    lo=0.0,
                ),
                Column(
                    "item_mass_t",
                    "float",
                    "Mean mass of one item (value_eur_per_item per tonne = value / mass).",
                    unit="t",
                    lo=0.0,
                    lo_open=True,
                ),
                Column(
                    "kwh_per_t",
                    "float",
                    "Storage capacity of a second-life pack per tonne of pack.",
                    unit="kWh/t",
                    lo=0.0,
                ),
                Column(
                    "value_eur_per_kwh",
                    "float",
                    "Value of second-life storage capacity per kWh.",
                    unit="EUR/kWh",
                    lo=0.0,
                ),
                Column(
                    "value_eur_per_kwh_low",
                    "float",
                    "Low end of the plausible value per kWh (Monte Carlo); empty means equal to "
                    "value_eur_per_kwh.",
                    unit="EUR/kWh",
                    lo=0.0,
                ),
                Column(
                    "value_eur_per_kwh_high",
                    "float",
                    "High end of the plausible value per kWh; empty means equal to "
                    "value_eur_per_kwh.",
                    unit="EUR/kWh",
                    lo=0.0,
                ),
                Column(
                    "repurposing_cost_eur_per_t",
                    "float",
                    "Cost of repurposing or refurbishing per tonne of product.",
                    unit="EUR/t",
                    default=0.0,
                    lo=0.0,
                ),
                Column(
                    "repurposing_cost_eur_per_t_low",
                    "float",
                    "Low end of the plausible repurposing cost (Monte Carlo); empty means equal to "
                    "repurposing_cost_eur_per_t.",
                    unit="EUR/t",
                    lo=0.0,
                ),
                Column(
                    "repurposing_cost_eur_per_t_high",
                    "float",
                    "High end of the plausible repurposing cost; empty means equal to "
                    "repurposing_cost_eur_per_t.",
                    unit="EUR/t",
                    lo=0.0,
                ),
                Column(
                    "returns_as_feed",
                    "str",
                    "Second-life packs come back as this feed (feeds.csv) after "
                    "second_life_yr years (multi-period instances); empty: they do not.",
                    default="",
                ),
                Column(
                    "second_life_yr",
                    "float",
                    "Years of second life before the packs return as returns_as_feed.",
                    unit="yr",
                    lo=0.0,
                ),
                Column(
                    "max_offtake_t_per_yr",
                    "float",
                    "Most product mass buyers take per year; empty for no limit.",
                    unit="t/yr",
                    lo=0.0,
                ),
                _source(),
            ),
            key=("product_id",),
        ),
        Table(
            "product_prices",
            "product_prices.csv",
            "Revenue and recovery per material contained in a product. A material absent "
            "here is neither paid nor counted as recovered in that product.",
            (
                Column("product_id", "str", "Product id (products.csv).", required=True),
                Column("material", "str", "Material id (materials.csv).", required=True),
                Column(
                    "price_eur_per_t",
                    "float",
                    "Price per tonne of contained material.",
                    unit="EUR/t",
                    default=0.0,
                    lo=0.0,
                ),
                Column(
                    "price_eur_per_t_low",
                    "float",
                    "Low end of the plausible price "
                    "(sensitivity analysis); empty means equal to price_eur_per_t.",
                    unit="EUR/t",
                    lo=0.0,
                ),
                Column(
                    "price_eur_per_t_high",
                    "float",
                    "High end of the plausible price; empty means equal to price_eur_per_t.",
                    unit="EUR/t",
                    lo=0.0,
                ),
                Column(
                    "payable_frac",
                    "float",
                    "Share of the price the buyer pays.",
                    unit="-",
                    default=1.0,
                    **FRACTION,
                ),
                Column(
                    "recovered",
                    "bool",
                    "The material in this product counts as "
                    "recovered (objective, material-recovery targets).",
                    default=True,
                ),
                Column("price_date", "str", "Date of the price (YYYY-MM).", default=""),
                _source(),
            ),
            key=("product_id", "material"),
        ),
    )
    + OPTIONAL_TABLES
    + (CAPEX_CURVES,)
    + NETWORK_TABLES
}

MANIFEST_FILES = ("instance.yaml", "instance.yml", "instance.toml")

#: every manifest field, made from its one declaration in
#: :class:`plantopt.instance.manifest.Manifest`
MANIFEST: tuple[Column, ...] = MANIFEST_COLUMNS


def manifest_column(name: str) -> Column:
    for col in MANIFEST:
        if col.name == name:
            return col
    raise KeyError(name)


def _md_row(col: Column, lever: bool = False) -> str:
    default = "" if col.required else ("empty" if col.default is None else repr(col.default))
    note = " A policy lever sets it (docs/levers.md)." if lever else ""
    return (
        f"| `{col.name}` | {col.dtype} | {col.unit} | {'yes' if col.required else 'no'} "
        f"| {default} | {col.expected()} | {col.description}{note} |"
    )


def format_markdown() -> str:
    """Render the instance format as a Markdown page (``docs/instance-format.md``)."""
    head = (
        "| column | type | unit | required | default | valid values | description |\n"
        "|---|---|---|---|---|---|---|"
    )
    out = [
        "# Instance format",
        "",
        "<!-- generated by `plantopt schema-doc` from plantopt/instance/schema.py and "
        "plantopt/instance/manifest.py; do not edit -->",
        "",
        "An instance is a folder holding a manifest (`instance.yaml` or `instance.toml`) and "
        "one CSV file per table below. CSV files are comma-separated with a header row; "
        "empty cells take the default. Base units are tonne, EUR and year; fractions are in "
        "[0, 1].",
        "",
        "## Manifest",
        "",
        head,
        *(_md_row(c, c.name in LEVER_FIELDS) for c in MANIFEST),
    ]
    for table in TABLES.values():
        out += [
            "",
            f"## `{table.file}`",
            "",
            table.description,
            "",
            f"Key: {', '.join(table.key)}.",
            "",
            head,
            *(_md_row(c) for c in table.columns),
        ]
    return "\n".join(out) + "\n"


__all__ = [
    "Column",
    "Table",
    "TABLES",
    "MANIFEST",
    "MANIFEST_FILES",
    "WILDCARD",
    "format_markdown",
    "manifest_column",
]

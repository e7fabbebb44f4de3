"""Optional instance tables: offtake contracts, policy levers and periods.

An instance without these files behaves exactly as before they existed (every table here has
``required=False``). Declared with the same building blocks as the core tables in
:mod:`plantopt.instance.schema`, which appends them to ``TABLES`` in this order.
"""

from __future__ import annotations

from plantopt.instance.schema_types import FRACTION, Column, Table, _source

OPTIONAL_TABLES: tuple[Table, ...] = (
    Table(
        "offtake_contracts",
        "offtake_contracts.csv",
        "Optional recycled-content offtake contracts (Battery Regulation Art. 8 demand): a "
        "buyer takes recycled Co, Li, Ni or Pb contained in a product at a premium on top "
        "of the product price, up to a maximum; a minimum is take-or-pay (a constraint).",
        (
            Column("contract_id", "str", "Contract id.", required=True),
            Column(
                "product_id",
                "str",
                "Product the material is delivered in (products.csv).",
                required=True,
            ),
            Column(
                "material",
                "str",
                "Contained material bought.",
                required=True,
                choices=("Co", "Li", "Ni", "Pb"),
            ),
            Column(
                "max_t_per_yr",
                "float",
                "Most contained material taken per year.",
                unit="t/yr",
                required=True,
                lo=0.0,
            ),
            Column(
                "min_t_per_yr",
                "float",
                "Take-or-pay minimum the plant must deliver.",
                unit="t/yr",
                default=0.0,
                lo=0.0,
            ),
            Column(
                "premium_eur_per_t",
                "float",
                "Premium per tonne of contained material, on top of the product price.",
                unit="EUR/t",
                default=0.0,
            ),
            _source(),
        ),
        key=("contract_id",),
        required=False,
    ),
    Table(
        "downstream_recovery",
        "downstream_recovery.csv",
        "Optional downstream recovery of intermediate products (calc_point intermediate in "
        "products.csv): the share of each material the buyer's process recovers at the "
        "calculation point (Delegated Regulation (EU) 2025/606 counts a material where it "
        "substitutes primary raw material, also at another recycler). A material of an "
        "intermediate product without a row here counts as not recovered.",
        (
            Column("product_id", "str", "Intermediate product (products.csv).", required=True),
            Column("material", "str", "Material (materials.csv).", required=True),
            Column(
                "recovery_frac",
                "float",
                "Share of the material in the product recovered downstream.",
                unit="t/t",
                required=True,
                **FRACTION,
            ),
            Column("process", "str", "The buyer's process.", default=""),
            _source(),
        ),
        key=("product_id", "material"),
        required=False,
    ),
    Table(
        "collection_steps",
        "collection_steps.csv",
        "Optional collection supply curve per feed: each step collects up to t_per_yr more "
        "on top of available_t_per_yr at a marginal cost per tonne (increasing along a "
        "feed's steps, in file order); the optimiser climbs it as far as it pays or a "
        "collection target requires. The gate fee (with its eco-modulation) applies to every "
        "tonne accepted, so producer fees can pay for collection.",
        (
            Column("feed_id", "str", "Feed id (feeds.csv).", required=True),
            Column("step_id", "str", "Step id, unique within the feed.", required=True),
            Column(
                "t_per_yr",
                "float",
                "Most tonnes the step adds per year.",
                unit="t/yr",
                required=True,
                lo=0.0,
                lo_open=True,
            ),
            Column(
                "cost_eur_per_t",
                "float",
                "Marginal collection cost per tonne of the step (paid by the plant).",
                unit="EUR/t",
                required=True,
            ),
            _source(),
        ),
        key=("feed_id", "step_id"),
        required=False,
    ),
    Table(
        "eco_modulation",
        "eco_modulation.csv",
        "Optional eco-modulated producer fees (EPR): each feed's recyclability class and "
        "the gate-fee adjustment of that class (the same for every feed of a class).",
        (
            Column("feed_id", "str", "Feed id (feeds.csv).", required=True),
            Column("recyclability_class", "str", "Recyclability class of the feed.", required=True),
            Column(
                "gate_fee_adjustment_eur_per_t",
                "float",
                "Added to the feed's gate fee; negative lowers it.",
                unit="EUR/t",
                required=True,
            ),
            _source(),
        ),
        key=("feed_id",),
        required=False,
    ),
    Table(
        "capex_subsidies",
        "capex_subsidies.csv",
        "Optional investment subsidies (DEI+, EKOO) per unit or stage: the share of capex "
        "paid by the scheme. A unit row wins over a stage row, which wins over the "
        "manifest's capex_subsidy_frac.",
        (
            Column("applies_to", "str", "A unit_id or a stage.", required=True),
            Column(
                "capex_subsidy_frac",
                "float",
                "Share of capex paid by the subsidy.",
                required=True,
                **FRACTION,
            ),
            Column("scheme", "str", "Name of the scheme.", default=""),
            _source(),
        ),
        key=("applies_to",),
        required=False,
    ),
    Table(
        "periods",
        "periods.csv",
        "Optional planning periods (multi-period planning): contiguous, in start order "
        "(each starts when the previous one ends). Without this table the instance is "
        "one period of horizon_yr years starting in target_year. Targets in force in a "
        "period are those of its start year; the horizon is the sum of the durations.",
        (
            Column("period_id", "str", "Period id.", required=True),
            Column(
                "start_year",
                "int",
                "First year of the period.",
                unit="yr",
                required=True,
                lo=1900.0,
                hi=2200.0,
            ),
            Column(
                "duration_yr",
                "int",
                "Years in the period.",
                unit="yr",
                required=True,
                lo=1.0,
                hi=100.0,
            ),
            _source(),
        ),
        key=("period_id",),
        required=False,
    ),
    Table(
        "lead_times",
        "lead_times.csv",
        "Optional lead times per unit or stage (a unit row wins over a stage row): years "
        "from the investment (capex paid at the start of the period it is built in) to "
        "the start of service; used with two planning "
        "periods or more (periods.csv); with one period every built unit serves the whole "
        "horizon and the lead times are not used (a warning). Default 0.",
        (
            Column("applies_to", "str", "A unit_id or a stage.", required=True),
            Column(
                "lead_time_yr",
                "float",
                "Years from investment to service.",
                unit="yr",
                required=True,
                lo=0.0,
            ),
            _source(),
        ),
        key=("applies_to",),
        required=False,
    ),
    Table(
        "feed_periods",
        "feed_periods.csv",
        "Optional per-period feed figures (periods.csv); an empty cell keeps the value "
        "of feeds.csv.",
        (
            Column("feed_id", "str", "Feed id (feeds.csv).", required=True),
            Column("period_id", "str", "Period id (periods.csv).", required=True),
            Column(
                "available_t_per_yr", "float", "Tonnes on offer in the period.", unit="t/yr", lo=0.0
            ),
            Column(
                "contracted_min_t_per_yr",
                "float",
                "Contracted minimum in the period.",
                unit="t/yr",
                lo=0.0,
            ),
            Column("gate_fee_eur_per_t", "float", "Gate fee in the period.", unit="EUR/t"),
            _source(),
        ),
        key=("feed_id", "period_id"),
        required=False,
    ),
    Table(
        "price_periods",
        "price_periods.csv",
        "Optional per-period product prices (periods.csv) replacing price_eur_per_t of "
        "product_prices.csv in that period.",
        (
            Column("product_id", "str", "Product id (product_prices.csv).", required=True),
            Column("material", "str", "Material (product_prices.csv).", required=True),
            Column("period_id", "str", "Period id (periods.csv).", required=True),
            Column(
                "price_eur_per_t",
                "float",
                "Price per tonne contained in the period.",
                unit="EUR/t",
                required=True,
                lo=0.0,
            ),
            _source(),
        ),
        key=("product_id", "material", "period_id"),
        required=False,
    ),
    Table(
        "staff_pools",
        "staff_pools.csv",
        "Optional skilled staff per skill level (long format): the staff_fte of built "
        "options of the units a pool applies to is at most the pool's available_fte "
        "(the same on every row of a pool).",
        (
            Column("skill_level", "str", "Skill level (pool name).", required=True),
            Column("applies_to", "str", "A unit_id or a stage drawing on the pool.", required=True),
            Column(
                "available_fte",
                "float",
                "Staff of this skill level available.",
                unit="FTE",
                required=True,
                lo=0.0,
            ),
            _source(),
        ),
        key=("skill_level", "applies_to"),
        required=False,
    ),
)

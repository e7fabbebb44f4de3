"""Capacity choices per unit (issue 16): the columns of capacity_options.csv that make an
option an integer number of identical modules or a continuous size with a piecewise-linear
capex curve, and the optional capex_curves.csv table of (size, capex) points.

An option is, by its row:

* a discrete option (the default): built or not, at ``capacity_t_per_yr`` for ``capex_eur``;
* modular (``max_modules`` > 1): n = 0..max_modules identical modules of
  ``capacity_t_per_yr`` each, n times the capex, fixed opex, staff and land;
* continuous (``size_max_t_per_yr`` set): any size between ``size_min_t_per_yr`` and
  ``size_max_t_per_yr`` once built, capex piecewise linear through the option's rows of
  capex_curves.csv, or, without rows, through ``curve_points`` points of the six-tenths
  rule capex(s) = capex_eur (s / capacity_t_per_yr)^scale_exponent (the row's capacity and
  capex are then the reference point). Fixed opex follows the curve: its
  ``fixed_opex_eur_per_yr`` column, else ``fixed_opex_frac_of_capex`` times the capex, else
  the reference row's fixed opex / capex share.
"""

from __future__ import annotations

from plantopt.instance.schema_types import Column, Table, _source

CAPACITY_CHOICE_COLUMNS: tuple[Column, ...] = (
    Column(
        "operators_per_shift",
        "float",
        "Operators this option needs on each shift (per module); the plant's crew per shift "
        "is the sum over built options rounded up (manifest shift_crews).",
        unit="FTE",
        default=0.0,
        lo=0.0,
    ),
    Column(
        "max_modules",
        "int",
        "Most identical modules of this option that may be built (1: a plain option; "
        "more: an integer count, the unit's only option).",
        default=1,
        lo=1.0,
        hi=1000.0,
    ),
    Column(
        "size_min_t_per_yr",
        "float",
        "Smallest size of a continuous option; empty: capacity_t_per_yr (with "
        "size_max_t_per_yr) or the first capex_curves.csv point.",
        unit="t/yr",
        lo=0.0,
        lo_open=True,
    ),
    Column(
        "size_max_t_per_yr",
        "float",
        "Largest size of a continuous option; set it (or give capex_curves.csv rows) to make "
        "the option continuous; empty: a discrete option.",
        unit="t/yr",
        lo=0.0,
        lo_open=True,
    ),
    Column(
        "scale_exponent",
        "float",
        "Exponent n of capex(s) = capex_eur (s / capacity_t_per_yr)^n for a continuous "
        "option without capex_curves.csv rows (the six-tenths rule: 0.6).",
        lo=0.0,
        lo_open=True,
        hi=1.5,
    ),
    Column(
        "curve_points",
        "int",
        "Breakpoints of a generated capex curve (geometrically spaced from the smallest to "
        "the largest size).",
        default=5,
        lo=2.0,
        hi=50.0,
    ),
    Column(
        "fixed_opex_frac_of_capex",
        "float",
        "Fixed opex per year as a share of capex (replaces fixed_opex_eur_per_yr when set; "
        "continuous options: along the curve); empty: fixed_opex_eur_per_yr (continuous: the "
        "curve's fixed opex, else fixed_opex_eur_per_yr / capex_eur of this row).",
        unit="1/yr",
        lo=0.0,
        hi=1.0,
    ),
)

CAPEX_CURVES = Table(
    "capex_curves",
    "capex_curves.csv",
    "Optional (size, capex) points of continuous capacity options: capex is piecewise linear "
    "between consecutive points of an option; its smallest and largest sizes bound the size "
    "once built.",
    (
        Column("unit_id", "str", "Unit id (capacity_options.csv).", required=True),
        Column("option_id", "str", "Option id (capacity_options.csv).", required=True),
        Column(
            "capacity_t_per_yr",
            "float",
            "Size at this point.",
            unit="t/yr",
            required=True,
            lo=0.0,
            lo_open=True,
        ),
        Column("capex_eur", "float", "Capex at this size.", unit="EUR", required=True, lo=0.0),
        Column(
            "capex_eur_low",
            "float",
            "Low end of the plausible capex at this size (sensitivity analysis: the unit's "
            "capex group moves every point of its curves at once); empty means equal to "
            "capex_eur.",
            unit="EUR",
            lo=0.0,
        ),
        Column(
            "capex_eur_high",
            "float",
            "High end of the plausible capex at this size; empty means equal to capex_eur.",
            unit="EUR",
            lo=0.0,
        ),
        Column(
            "fixed_opex_eur_per_yr",
            "float",
            "Fixed opex at this size; empty: from the option row.",
            unit="EUR/yr",
            lo=0.0,
        ),
        _source(),
    ),
    key=("unit_id", "option_id", "capacity_t_per_yr"),
    required=False,
)

__all__ = ["CAPACITY_CHOICE_COLUMNS", "CAPEX_CURVES"]

"""The manifest of an instance: every field declared once, read into a typed, frozen object.

:class:`Manifest` is that declaration: each attribute carries its type (the annotation), its
default, and in :func:`spec` its description, unit, bounds, allowed values and whether it is
a policy lever. :data:`plantopt.instance.schema.MANIFEST` (the loader's coercion, the
generated ``docs/instance-format.md``, the batch override fields) is made from it, so adding
a manifest field is one attribute here.

The loader (:func:`plantopt.instance.loader.coerce_manifest`) checks the raw YAML/TOML
mapping against these declarations and builds a :class:`Manifest` once; code reads typed
attributes (``instance.manifest.discount_rate``). A variant is
``manifest.replace(field=value)`` (``dataclasses.replace``), never a mutation. A read-only
mapping view (``manifest["name"]``, ``dict(manifest)``) remains for writers and old callers.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from plantopt.instance.schema_types import FRACTION, Column, Dtype

_SPEC = "plantopt.spec"


def spec(
    description: str,
    *,
    default: object = None,
    unit: str = "-",
    required: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    lever: bool = False,
) -> Any:
    """A manifest field: its default plus what :class:`Column` needs (type: the annotation)."""
    meta = {
        "description": description,
        "unit": unit,
        "required": required,
        "lo": lo,
        "hi": hi,
        "choices": choices,
        "lever": lever,
    }
    return field(default=default, metadata={_SPEC: meta})


@dataclass(frozen=True)
class Manifest(Mapping[str, Any]):
    """Every field of ``instance.yaml`` / ``instance.toml``, typed, defaults filled in."""

    name: str = spec("Instance name.", default="", required=True)
    description: str = spec("What the instance represents.", default="")
    currency: str = spec("Currency of every money column.", default="EUR")
    price_year: int | None = spec("Year the prices and costs refer to.")
    objective: str = spec(
        "Default objective.", default="recovery", choices=("recovery", "profit", "npv")
    )
    discount_rate: float = spec(
        "Discount rate for the capital recovery factor.", default=0.08, unit="1/yr", lo=0, hi=1
    )
    budget_eur: float | None = spec("Most total capex; empty for no limit.", unit="EUR", lo=0)
    profit_floor_eur_per_yr: float | None = spec(
        "Least annual profit (a constraint under either objective; meant for objective "
        "recovery); empty for none.",
        unit="EUR/yr",
    )
    recovery_floor_t_per_yr: float | None = spec(
        "Least weighted recovery (a constraint under either objective; meant for objective "
        "profit); empty for none.",
        unit="t/yr",
        lo=0,
    )
    require_units: str | None = spec(
        "Units that must be built: comma-separated unit ids, each optionally with its "
        "capacity option (hydromet, shredder=large); empty: none."
    )
    forbid_units: str | None = spec(
        "Units of which no new capacity may be built: comma-separated unit ids; empty: none."
    )
    max_route_nodes: int = spec(
        "Largest route tree plantopt builds before it stops with an error.",
        default=200_000,
        lo=1,
    )
    target_year: int | None = spec(
        "Year whose EU targets are in force (rows of the targets table with year <= "
        "target_year, latest per target); empty: no targets unless --target-year is given.",
        unit="yr",
        lo=2000,
        hi=2100,
    )
    apply_targets: bool = spec(
        "Enforce the targets in force as constraints (false: only report compliance).",
        default=True,
    )
    treat_all_collected: bool = spec(
        "Take-back obligation (Battery Regulation Art. 71(1)): every feed with a reg_class "
        "must be accepted at its available tonnage, so no target can be met by refusing "
        "covered feeds.",
        default=False,
        lever=True,
    )
    enforce_collection_targets: bool = spec(
        "Enforce the Battery Regulation collection targets in force (portable, LMT) as "
        "constraints; false: report them only, so the actual collection rate stays the base "
        "and the target is a scenario.",
        default=False,
        lever=True,
    )
    partb_exclude_substances: bool = spec(
        "Leave the materials with partb_excludable out of the Part B recycling efficiency "
        "(numerator and input fraction), as Delegated Regulation (EU) 2025/606 allows until "
        "2029; ignored for target years after 2029.",
        default=False,
    )
    tc_sum_tolerance: float = spec(
        "Tolerance on transfer coefficients and compositions summing to 1.",
        default=1e-6,
        lo=0,
        hi=0.01,
    )
    # policy levers and business case (issue 5); see docs/business-case.md, docs/levers.md
    capex_subsidy_frac: float | None = spec(
        "Share of capex paid by an investment subsidy (DEI+, EKOO) for units without a row "
        "in capex_subsidies.csv; empty: none.",
        lever=True,
        **FRACTION,
    )
    guarantee_frac: float | None = spec(
        "Share of capex financed under a government loan guarantee at guarantee_rate; empty: none.",
        lever=True,
        **FRACTION,
    )
    guarantee_rate: float | None = spec(
        "Discount rate on the guaranteed share of capex.", unit="1/yr", lever=True, **FRACTION
    )
    co2_price_eur_per_t: float | None = spec(
        "Price on direct process CO2 (EU ETS or a national levy), charged in profit; empty: none.",
        unit="EUR/t",
        lo=0,
        lever=True,
    )
    co2_cap_t_per_yr: float | None = spec(
        "Most direct process CO2 per year; empty: no cap.", unit="t/yr", lo=0, lever=True
    )
    land_available_m2: float | None = spec(
        "Land available for new units in high-environmental-category zones (sum of land_m2 "
        "of built options); empty: no limit.",
        unit="m2",
        lo=0,
        lever=True,
    )
    staff_available_fte: float | None = spec(
        "Skilled staff available for new units (sum of staff_fte of built options); empty: "
        "no limit.",
        unit="FTE",
        lo=0,
        lever=True,
    )
    # network of plants (issue 15; docs/network.md); read only when sites.csv is given,
    # except grid_co2_t_per_mwh and net_co2_cap_t_per_yr
    detour_factor: float = spec(
        "Road distance over great-circle distance for lanes without a distances.csv row "
        "(a mode's own detour_factor wins).",
        default=1.3,
        lo=1,
        hi=5,
    )
    max_transport_km: float | None = spec(
        "Lanes longer than this are not offered; empty: every lane.", unit="km", lo=0
    )
    lead_time_cost_eur_per_t_day: float = spec(
        "Cost of one day of lead time per tonne shipped across a border (capital and "
        "storage tied up while the notification is pending).",
        default=0.0,
        unit="EUR/(t d)",
        lo=0,
    )
    max_lead_time_days: float | None = spec(
        "Border lanes whose lead time exceeds this are not offered; empty: no limit.",
        unit="d",
        lo=0,
    )
    grid_co2_t_per_mwh: float | None = spec(
        "Grid electricity emission factor of a one-site instance (sites.csv gives one per "
        "site); empty: 0.",
        unit="t/MWh",
        lo=0,
    )
    net_co2_cap_t_per_yr: float | None = spec(
        "Most net CO2 per year: direct + transport + grid electricity - avoided primary "
        "production (the epsilon of the CO2 axis of pareto); empty: no cap.",
        unit="t/yr",
    )
    max_network_columns: int = spec(
        "Size guard of the network model: most site_flow, ship, haul and site_build columns "
        "(models/formulation.md section 15).",
        default=2_000_000,
        lo=1,
    )
    horizon_yr: int = spec(
        "Years of operation in the business case and the npv objective (capex in year 0, "
        "cash flows in years 1..horizon).",
        default=15,
        unit="yr",
        lo=1,
        hi=100,
        lever=True,
    )
    # finance as a bank reads it (issue 16); see docs/business-case.md
    discount_rate_basis: str = spec(
        "Whether discount_rate and every money column are real (constant price_year money) or "
        "nominal; stated in every business-case output.",
        default="real",
        choices=("real", "nominal"),
    )
    construction_yr: int = spec(
        "Years of construction before operation starts (capex spread over them by "
        "capex_spend_profile, paid at the start of each year).",
        default=0,
        unit="yr",
        lo=0,
        hi=10,
    )
    capex_spend_profile: str | None = spec(
        "Shares of the initial capex paid in each construction year, comma-separated, "
        "summing to 1 (e.g. 0.1,0.6,0.3); empty: equal shares."
    )
    capex_escalation_rate: float = spec(
        "Yearly escalation of capex outlays from year 0.", default=0.0, unit="1/yr", lo=-0.5, hi=1
    )
    opex_escalation_rate: float = spec(
        "Yearly escalation of operating costs (variable and fixed opex, route, CO2, staff).",
        default=0.0,
        unit="1/yr",
        lo=-0.5,
        hi=1,
    )
    revenue_escalation_rate: float = spec(
        "Yearly escalation of revenue, gate fees and offtake premiums.",
        default=0.0,
        unit="1/yr",
        lo=-0.5,
        hi=1,
    )
    tax_rate: float = spec(
        "Corporate income tax on operating cash flow less depreciation (a loss is a credit).",
        default=0.0,
        **FRACTION,
    )
    tax_life_yr: float | None = spec(
        "Straight-line tax depreciation life of capex; empty: each option's lifetime_yr.",
        unit="yr",
        lo=1,
        hi=100,
    )
    shift_crews: int | None = spec(
        "Crews that man the shifts (e.g. 5 for 24/7 operation); with it the plant employs "
        "ceil(sum of operators_per_shift of built options) operators per crew, an integer "
        "plant-wide cost; empty: no staffing cost.",
        lo=1,
        hi=10,
    )
    operator_cost_eur_per_yr: float = spec(
        "Yearly cost of one operator (wage and social charges).",
        default=0.0,
        unit="EUR/yr",
        lo=0,
    )
    working_capital_days_revenue: float = spec(
        "Working capital tied up, in days of revenue (receivables).",
        default=0.0,
        unit="d",
        lo=0,
        hi=365,
    )
    working_capital_days_cost: float = spec(
        "Working capital tied up, in days of operating cost (stock).",
        default=0.0,
        unit="d",
        lo=0,
        hi=365,
    )

    # -- read-only mapping view (writers, ``dict(manifest)``, older callers) ----------------
    def __getitem__(self, key: str) -> Any:
        if key not in FIELD_NAMES:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(FIELD_NAMES)

    def __len__(self) -> int:
        return len(FIELD_NAMES)

    def __eq__(self, other: object) -> bool:
        """Equal to a manifest or a mapping with the same fields and values."""
        if isinstance(other, Mapping):
            return self.as_dict() == dict(other)
        return NotImplemented

    def replace(self, **changes: Any) -> Manifest:
        """A copy with some fields replaced (``dataclasses.replace``; not re-validated)."""
        unknown = sorted(set(changes) - set(FIELD_NAMES))
        if unknown:
            raise TypeError(
                f"unknown manifest field(s) {', '.join(unknown)}; expected one of "
                f"{', '.join(FIELD_NAMES)}"
            )
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Every field as a plain dict, in declaration order."""
        return {k: getattr(self, k) for k in FIELD_NAMES}

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Manifest:
        """A manifest from already-typed values (defaults for the rest; not validated)."""
        if isinstance(values, Manifest):
            return values
        return cls().replace(**dict(values))


_DTYPES: dict[type, Dtype] = {str: "str", float: "float", int: "int", bool: "bool"}


def _dtype(annotation: Any, name: str) -> tuple[Dtype, bool]:
    """(dtype, whether None is allowed) of a field's annotation ``X`` or ``X | None``."""
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else ()
    optional = type(None) in args
    base = next((a for a in args if a is not type(None)), annotation) if args else annotation
    if base not in _DTYPES or len(args) > 2:
        raise TypeError(f"Manifest.{name}: type {annotation!r} is not str, float, int or bool")
    return _DTYPES[base], optional


def _columns() -> tuple[Column, ...]:
    """The :class:`Column` of every field, checked: a default of None needs ``X | None``."""
    hints = typing.get_type_hints(Manifest)
    out = []
    for f in dataclasses.fields(Manifest):
        meta = f.metadata[_SPEC]
        dtype, optional = _dtype(hints[f.name], f.name)
        if f.default is None and not optional:
            raise TypeError(f"Manifest.{f.name}: default None needs the type X | None")
        lo, hi = meta["lo"], meta["hi"]
        out.append(
            Column(
                f.name,
                dtype,
                meta["description"],
                unit=meta["unit"],
                required=meta["required"],
                default=None if meta["required"] else f.default,
                lo=None if lo is None else float(lo),
                hi=None if hi is None else float(hi),
                choices=meta["choices"],
            )
        )
    return tuple(out)


#: names of every manifest field, in declaration order
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Manifest))
#: the fields as schema columns (what the loader checks)
MANIFEST_COLUMNS: tuple[Column, ...] = _columns()
#: the fields marked ``lever=True`` (set by a lever of :mod:`plantopt.instance.lever_registry`)
LEVER_FIELDS: frozenset[str] = frozenset(
    f.name for f in dataclasses.fields(Manifest) if f.metadata[_SPEC]["lever"]
)

__all__ = ["FIELD_NAMES", "LEVER_FIELDS", "MANIFEST_COLUMNS", "Manifest", "spec"]

"""Every policy lever declared once; the CLI, the batch fields, validation and docs read it.

A :class:`Lever` names the instance field it sets and how (``how``):

    manifest   set manifest field ``field`` (bounds, unit, type from its declaration in
               :class:`plantopt.instance.manifest.Manifest`); a ``bool`` field makes a
               flag lever: true or false, ``--name/--no-name`` on the command line
    upsert     NAME=VALUE pairs: one row of ``table`` per NAME (key ``key``) with ``column``
    set_rows   NAME=VALUE pairs: set ``column`` on every existing row whose ``key`` is NAME
    shift      one number added to ``column`` of every row of ``table``
    scale      NAME=FACTOR pairs: ``column`` times FACTOR on the rows whose ``key`` is NAME
    contracts  PRODUCT:MATERIAL=MAX_T[@PREMIUM] items: offtake contract rows

Type, unit and bounds of a table lever come from its column in
:data:`plantopt.instance.schema.TABLES`, so nothing is declared twice. From :data:`LEVERS`:

* the command-line options of solve, breakeven and pareto (``plantopt.cli._options``),
* :class:`plantopt.business.levers.LeverOverrides` and ``apply_levers``,
* the ``solve()`` keyword arguments (``plantopt.business.setup``),
* the batch scenario fields (``plantopt.batch.fields``),
* the cross-table lever checks (:mod:`plantopt.instance.checks_levers`: ``refs``,
  ``one_value`` and ``needs``),
* ``docs/levers.md`` (:func:`format_levers_markdown`).

Adding a lever is one entry here (plus, for a new manifest field, its attribute on
``Manifest``); docs/architecture.md says how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from plantopt.instance.manifest import MANIFEST_COLUMNS
from plantopt.instance.schema import TABLES
from plantopt.instance.schema_types import Column, Dtype

How = Literal["manifest", "upsert", "set_rows", "shift", "scale", "contracts"]
#: shape of a lever's value: one number, true/false (a manifest bool), NAME=NUMBER pairs, or
#: procurement items
Shape = Literal["number", "flag", "pairs", "contracts"]
_SHAPE: dict[str, Shape] = {
    "manifest": "number",
    "shift": "number",
    "upsert": "pairs",
    "set_rows": "pairs",
    "scale": "pairs",
    "contracts": "contracts",
}
#: what a ``refs`` entry may point at
UNITS_OR_STAGES = "units or stages"
FEEDS = "feeds"


@dataclass(frozen=True)
class Lever:
    """One policy lever: what it is called, what it sets, how, and how it is checked."""

    name: str  # keyword of LeverOverrides / solve() / batch field; --name-with-dashes on the CLI
    help: str
    how: How
    field: str = ""  # manifest field (how="manifest")
    table: str = ""
    key: str = ""  # column naming the rows (pairs levers)
    column: str = ""  # column set (table levers)
    metavar: str = ""  # what NAME is, for pairs: UNIT_OR_STAGE, SKILL_LEVEL, ...
    cli: bool = True  # offered as a command-line option (break-even-only levers are not)
    #: cross-table checks of ``table``: (column, FEEDS or UNITS_OR_STAGES) references
    refs: tuple[tuple[str, str], ...] = ()
    #: ``column`` must take one value per ``key`` across rows; the plural used in the message
    one_value: str = ""
    #: a manifest field that must be set when this lever's field is > 0
    needs: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def flags(self) -> str:
        """The command-line option: ``--name`` or, for a flag lever, ``--name/--no-name``."""
        if self.shape == "flag":
            return f"{self.flag}/--no-{self.flag.removeprefix('--')}"
        return self.flag

    @property
    def shape(self) -> Shape:
        if self.how == "manifest" and self.target.dtype == "bool":
            return "flag"
        return _SHAPE[self.how]

    @property
    def target(self) -> Column:
        """The schema column the lever's values go into (type, unit, bounds)."""
        if self.how == "manifest":
            return next(c for c in MANIFEST_COLUMNS if c.name == self.field)
        return TABLES[self.table].column(self.column)

    @property
    def dtype(self) -> Dtype:
        return "float" if self.how == "scale" else self.target.dtype

    @property
    def unit(self) -> str:
        return "factor" if self.how == "scale" else self.target.unit

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """(lo, hi) of one value; a shift or a scale factor has none but its result's."""
        if self.how in ("shift", "scale", "contracts") or self.shape == "flag":
            return (0.0, None) if self.how == "scale" else (None, None)
        return self.target.lo, self.target.hi

    @property
    def sets(self) -> str:
        """Where the lever writes, in words for the docs."""
        if self.how == "manifest":
            return f"manifest `{self.field}`"
        file = TABLES[self.table].file
        return f"`{file}` `{self.column}`" + (f" by `{self.key}`" if self.key else "")

    def expected(self) -> str:
        """What a valid value looks like (for messages and docs)."""
        if self.shape == "flag":
            return "true or false"
        lo, hi = self.bounds
        rng = "a number" if self.dtype == "float" else "a whole number"
        if lo is not None and hi is not None:
            rng += f" in [{lo:g}, {hi:g}]"
        elif lo is not None:
            rng += f" >= {lo:g}"
        if self.shape == "pairs":
            return f"{self.metavar}=VALUE with VALUE {rng}"
        if self.shape == "contracts":
            return "PRODUCT:MATERIAL=MAX_T_PER_YR[@PREMIUM_EUR_PER_T]"
        return rng


LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        Lever(
            "capex_subsidy",
            "Capex subsidy share for every unit without its own row.",
            "manifest",
            field="capex_subsidy_frac",
        ),
        Lever(
            "capex_subsidy_for",
            "Capex subsidy share for a unit or stage (repeatable).",
            "upsert",
            table="capex_subsidies",
            key="applies_to",
            column="capex_subsidy_frac",
            metavar="UNIT_OR_STAGE",
            refs=(("applies_to", UNITS_OR_STAGES),),
        ),
        Lever(
            "eco_fee",
            "Gate-fee adjustment, EUR/t, of every feed of a recyclability class (repeatable).",
            "set_rows",
            table="eco_modulation",
            key="recyclability_class",
            column="gate_fee_adjustment_eur_per_t",
            metavar="RECYCLABILITY_CLASS",
            refs=(("feed_id", FEEDS),),
            one_value="adjustments",
        ),
        Lever(
            "gate_fee_shift",
            "EUR/t added to every feed's gate fee (a break-even lever).",
            "shift",
            table="feeds",
            column="gate_fee_eur_per_t",
            cli=False,
        ),
        Lever(
            "guarantee_frac",
            "Share of capex under a government loan guarantee (needs guarantee_rate).",
            "manifest",
            field="guarantee_frac",
            needs="guarantee_rate",
        ),
        Lever(
            "guarantee_rate",
            "Discount rate on the guaranteed share of capex.",
            "manifest",
            field="guarantee_rate",
        ),
        Lever(
            "co2_price",
            "Price on direct process CO2, EUR/t.",
            "manifest",
            field="co2_price_eur_per_t",
        ),
        Lever("co2_cap", "Most direct process CO2, t/yr.", "manifest", field="co2_cap_t_per_yr"),
        Lever(
            "land",
            "Land available for new units, m2.",
            "manifest",
            field="land_available_m2",
        ),
        Lever(
            "staff",
            "Staff available for new units, FTE.",
            "manifest",
            field="staff_available_fte",
        ),
        Lever(
            "staff_pool",
            "FTE available in a skill level's pool (repeatable).",
            "set_rows",
            table="staff_pools",
            key="skill_level",
            column="available_fte",
            metavar="SKILL_LEVEL",
            refs=(("applies_to", UNITS_OR_STAGES),),
            one_value="available_fte",
        ),
        Lever(
            "procurement",
            "Public-procurement offtake contract (repeatable).",
            "contracts",
            table="offtake_contracts",
            column="max_t_per_yr",
        ),
        Lever(
            "price",
            "Factor on a product's prices (a break-even lever).",
            "scale",
            table="product_prices",
            key="product_id",
            column="price_eur_per_t",
            metavar="PRODUCT",
            cli=False,
        ),
        Lever(
            "horizon",
            "Business-case horizon, years.",
            "manifest",
            field="horizon_yr",
        ),
        Lever(
            "treat_all_collected",
            "Take-back obligation: every feed with a reg_class is accepted in full.",
            "manifest",
            field="treat_all_collected",
        ),
        Lever(
            "enforce_collection_targets",
            "Enforce the Battery Regulation collection targets in force as constraints.",
            "manifest",
            field="enforce_collection_targets",
        ),
    )
}

#: the levers offered as command-line options
CLI_LEVERS: tuple[Lever, ...] = tuple(lv for lv in LEVERS.values() if lv.cli)


def lever_for_field(field: str) -> Lever | None:
    """The lever that sets manifest ``field``, if any."""
    return next((lv for lv in LEVERS.values() if lv.field == field), None)


def format_levers_markdown() -> str:
    """``docs/levers.md``: every lever with its option, value, unit, bounds and target."""
    out = [
        "# Policy levers",
        "",
        "<!-- generated by `plantopt levers-doc` from plantopt/instance/lever_registry.py; "
        "do not edit -->",
        "",
        "Each lever is declared once in `plantopt/instance/lever_registry.py`. It is an "
        "option of `plantopt solve`, `breakeven` and `pareto` (unless marked *API only*), a "
        "keyword of `plantopt.solve()` and of `LeverOverrides`, and a field of a batch "
        "scenario file (`<name>: value`, e.g. `co2_price: 90`, `treat_all_collected: true`, "
        '`capex_subsidy_for: "hydromet=0.4, shredder=0.2"` or '
        '`procurement: "P:Co=5@200"`). A lever sets an instance field on a validated '
        "copy of the instance; the input is never changed. Bounds are checked before "
        "anything is solved: a bad value is bad input (exit 2) naming the option or "
        "scenario field and what was expected. A true-or-false lever is a pair of options "
        "(`--treat-all-collected` sets it, `--no-treat-all-collected` clears it; neither "
        "keeps the instance's value) and `true` or `false` in a scenario file.",
        "",
        'To add a lever, see "How to add a lever or manifest field" in `docs/architecture.md`.',
        "",
        "| lever | option | value | unit | sets | description |",
        "|---|---|---|---|---|---|",
    ]
    for lv in LEVERS.values():
        option = f"`{lv.flags}`" if lv.cli else "*API only*"
        out.append(
            f"| `{lv.name}` | {option} | {lv.expected()} | {lv.unit} | {lv.sets} | {lv.help} |"
        )
    return "\n".join(out) + "\n"


__all__ = [
    "CLI_LEVERS",
    "FEEDS",
    "LEVERS",
    "UNITS_OR_STAGES",
    "Lever",
    "format_levers_markdown",
    "lever_for_field",
]

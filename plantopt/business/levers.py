"""Lever overrides: a copy of an instance with policy levers set (CLI, break-even, Pareto).

Every lever is an instance field (manifest field, optional column or optional table of
:mod:`plantopt.instance.schema`); an override replaces it in a copy of the instance, never the
input:

    capex_subsidy             manifest capex_subsidy_frac (all units without their own)
    capex_subsidy_for         capex_subsidies rows: unit id or stage -> share
    eco_fee                   eco_modulation: recyclability class -> EUR/t adjustment of every
                              feed of that class
    gate_fee_shift            EUR/t added to every feed's gate fee (break-even lever)
    guarantee_frac/_rate      manifest guarantee_frac / guarantee_rate
    co2_price, co2_cap        manifest co2_price_eur_per_t / co2_cap_t_per_yr
    land, staff               manifest land_available_m2 / staff_available_fte
    staff_pool                staff_pools: skill level -> FTE available
    procurement               offtake_contracts rows (the regulation layer's contracts) for
                              public procurement: (product, material, max t/yr, premium EUR/t)
    price                     product_prices: product -> factor on price_eur_per_t
    horizon                   manifest horizon_yr
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from plantopt.instance.errors import PlantoptError
from plantopt.instance.instance import Instance
from plantopt.instance.schema import TABLES

_MANIFEST = {
    "capex_subsidy": "capex_subsidy_frac",
    "guarantee_frac": "guarantee_frac",
    "guarantee_rate": "guarantee_rate",
    "co2_price": "co2_price_eur_per_t",
    "co2_cap": "co2_cap_t_per_yr",
    "land": "land_available_m2",
    "staff": "staff_available_fte",
    "horizon": "horizon_yr",
}


@dataclass
class LeverOverrides:
    """Lever values to set; ``None`` / empty leaves the instance's own value."""

    capex_subsidy: float | None = None
    capex_subsidy_for: dict[str, float] = field(default_factory=dict)
    eco_fee: dict[str, float] = field(default_factory=dict)
    gate_fee_shift: float | None = None
    guarantee_frac: float | None = None
    guarantee_rate: float | None = None
    co2_price: float | None = None
    co2_cap: float | None = None
    land: float | None = None
    staff: float | None = None
    staff_pool: dict[str, float] = field(default_factory=dict)
    procurement: list[tuple[str, str, float, float]] = field(default_factory=list)
    price: dict[str, float] = field(default_factory=dict)
    horizon: int | None = None

    def is_empty(self) -> bool:
        return self == LeverOverrides()


def parse_pairs(items: list[str] | None, option: str) -> dict[str, float]:
    """``["a=0.3", "b=-5"]`` -> {"a": 0.3, "b": -5.0}; bad items raise a clear error."""
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            if not sep or not key.strip():
                raise ValueError
            out[key.strip()] = float(value)
        except ValueError:
            raise PlantoptError(f"{option} {item!r}: expected NAME=NUMBER") from None
    return out


def parse_procurement(items: list[str] | None) -> list[tuple[str, str, float, float]]:
    """``PRODUCT:MATERIAL=MAX_T[@PREMIUM_EUR_PER_T]`` -> (product, material, max, premium)."""
    out = []
    for item in items or []:
        try:
            head, _, tail = item.partition("=")
            product, material = head.split(":")
            amount, _, premium = tail.partition("@")
            out.append(
                (
                    product.strip(),
                    material.strip(),
                    float(amount),
                    float(premium) if premium else 0.0,
                )
            )
        except ValueError:
            raise PlantoptError(
                f"--procurement {item!r}: expected "
                "PRODUCT:MATERIAL=MAX_T_PER_YR[@PREMIUM_EUR_PER_T]"
            ) from None
    return out


def apply_levers(instance: Instance, levers: LeverOverrides, validate: bool = True) -> Instance:
    """A copy of ``instance`` with the levers set.

    With ``validate`` the copy is checked like a file (bounds, references) and bad values
    raise :class:`~plantopt.instance.errors.InstanceError`; break-even and Pareto loops pass
    ``validate=False`` after checking their first copy.
    """
    if levers.is_empty():
        return instance
    manifest = instance.manifest.replace(
        **{
            name: getattr(levers, attr)
            for attr, name in _MANIFEST.items()
            if getattr(levers, attr) is not None
        }
    )
    tables = dict(instance.tables)
    if levers.capex_subsidy_for:
        units = tables["units"]
        names = set(units["unit_id"]) | set(units["stage"])
        for name in levers.capex_subsidy_for:
            if name not in names:
                raise PlantoptError(
                    f"--capex-subsidy-for {name}: no unit or stage of that name; units: "
                    f"{', '.join(units['unit_id'])}; stages: "
                    f"{', '.join(sorted(set(units['stage'])))}"
                )
        _set_rows(
            tables, "capex_subsidies", "applies_to", "capex_subsidy_frac", levers.capex_subsidy_for
        )
    if levers.gate_fee_shift is not None:
        feeds = tables["feeds"].copy()
        feeds["gate_fee_eur_per_t"] = feeds["gate_fee_eur_per_t"] + levers.gate_fee_shift
        tables["feeds"] = feeds
    if levers.price:
        pp = tables["product_prices"].copy()
        for product, factor in levers.price.items():
            sel = pp["product_id"] == product
            if not sel.any():
                raise PlantoptError(
                    f"price lever: no product {product!r} in product_prices; "
                    f"products: {', '.join(sorted(set(pp['product_id'])))}"
                )
            pp.loc[sel, "price_eur_per_t"] = pp.loc[sel, "price_eur_per_t"] * factor
        tables["product_prices"] = pp
    _set_existing(
        tables,
        "eco_modulation",
        "recyclability_class",
        "gate_fee_adjustment_eur_per_t",
        levers.eco_fee,
        "--eco-fee",
    )
    _set_existing(
        tables, "staff_pools", "skill_level", "available_fte", levers.staff_pool, "--staff-pool"
    )
    if levers.procurement:
        rows = [
            {
                "contract_id": f"procurement:{p}:{m}",
                "product_id": p,
                "material": m,
                "max_t_per_yr": amount,
                "min_t_per_yr": 0.0,
                "premium_eur_per_t": premium,
                "source": "public procurement lever (--procurement)",
            }
            for p, m, amount, premium in levers.procurement
        ]
        old = tables["offtake_contracts"]
        old = old[~old["contract_id"].isin([r["contract_id"] for r in rows])]
        tables["offtake_contracts"] = pd.concat([old, pd.DataFrame(rows)], ignore_index=True)
    if validate:
        from plantopt.instance.loader import instance_from_tables

        checked = instance_from_tables(manifest, tables)
        return replace(checked, path=instance.path, name=instance.name)
    return replace(instance, manifest=manifest, tables=tables)


def _set_rows(
    tables: dict[str, pd.DataFrame], table: str, key: str, column: str, values: dict[str, float]
) -> None:
    if not values:
        return
    df = tables[table]
    df = df[~df[key].isin(list(values))]
    new = pd.DataFrame(
        [{key: k, column: v, "source": "lever override"} for k, v in values.items()],
        columns=TABLES[table].column_names,
    )
    tables[table] = pd.concat([df, new], ignore_index=True) if len(df) else new


def _set_existing(
    tables: dict[str, pd.DataFrame],
    table: str,
    key: str,
    column: str,
    values: dict[str, float],
    option: str,
) -> None:
    """Set ``column`` on every row whose ``key`` is named; a name without rows is an error."""
    if not values:
        return
    df = tables[table].copy()
    for name, value in values.items():
        sel = df[key] == name
        if not sel.any():
            known = ", ".join(sorted(set(df[key]))) or "none"
            raise PlantoptError(
                f"{option} {name}: no row of {TABLES[table].file} has {key} "
                f"{name!r} (known: {known})"
            )
        df.loc[sel, column] = value
    tables[table] = df


__all__ = ["LeverOverrides", "apply_levers", "parse_pairs", "parse_procurement"]

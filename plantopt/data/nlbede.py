"""Build the network instance ``instances/nlbede-2030`` (issue 15): plants across the
Netherlands, Flanders and North Rhine-Westphalia in 2030.

    python -m plantopt.data.nlbede

Deterministic; it reads only

* the shipped ``instances/nl-2027`` (materials, compositions, units, capacity options, transfer
  coefficients, routing, feed entry, products and prices: the prices are the pre-2031 quotes
  that nl-2027 uses, the 2027 recovery targets stay in force until 2031);
* the 2030 Dutch tonnage per feed of :func:`plantopt.data.nl_tonnages.feed_tonnages`, spread over
  18 collection regions by :mod:`plantopt.data.nlbede_supply`;
* ``reference/network_*.csv``, ``material_credits.csv`` and ``unit_water.csv`` for the network
  tables (:mod:`plantopt.data.nlbede_network`).

feeds.csv offers the total over the regions; the existing 40 kt/yr WEEE shredder of the nl
instances moves from units.csv to site_units.csv (Moerdijk, a stated assumption). Sources of
every figure: docs/network-data.md and the ``source`` column of every row.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from plantopt.data import nlbede_network as net
from plantopt.data.build_instances import NL_PLANT_UNITS
from plantopt.data.nl_tonnages import feed_tonnages
from plantopt.data.nlbede_supply import country_totals, region_rows

HERE = Path(__file__).resolve().parent
INSTANCES = HERE / "instances"
BASE = INSTANCES / "nl-2027"
NAME = "nlbede-2030"
YEAR = 2030
#: tables taken unchanged from nl-2027
COPIED = (
    "materials.csv",
    "composition.csv",
    "capacity_options.csv",
    "transfer_coefficients.csv",
    "routing.csv",
    "feed_entry.csv",
    "products.csv",
    "product_prices.csv",
    "downstream_recovery.csv",
)
#: the units of the network: the 12 units of nl-2027 of issue 12 (the re-use grading units of
#: issue 14 are left out: they are test benches in an existing Dutch hall, not plants to site)
NETWORK_UNITS = tuple(NL_PLANT_UNITS)
#: files of nl-2027 the builder reads (their content hash is written into the description)
BASE_FILES = (*COPIED, "feeds.csv", "units.csv")
#: assumptions of the manifest (same budget and discount rate as the nl instances)
BUDGET_EUR = 400e6
DISCOUNT_RATE = 0.08


def _read_base(name: str) -> pd.DataFrame:
    return pd.read_csv(BASE / name, dtype=str, keep_default_na=False)


def base_hash() -> str:
    """First 12 hex digits of the SHA-256 of the nl-2027 files the builder reads."""
    h = hashlib.sha256()
    for name in BASE_FILES:
        h.update(name.encode() + b"\0" + (BASE / name).read_bytes())
    return h.hexdigest()[:12]


def _base_tables() -> dict[str, pd.DataFrame]:
    """The copied nl-2027 tables restricted to NETWORK_UNITS (as build_instances restricts the
    reference superstructure): units' coefficients, routes between them, their entries, and
    the products they route to."""
    out = {name: _read_base(name) for name in COPIED}
    units = set(NETWORK_UNITS)
    for name in ("capacity_options.csv", "transfer_coefficients.csv", "feed_entry.csv"):
        out[name] = out[name][out[name]["unit_id"].isin(units)]
    r = out["routing.csv"]
    r = r[r["unit_id"].isin(units) & ((r["to_kind"] != "unit") | r["to_id"].isin(units))]
    out["routing.csv"] = r
    used = set(r.loc[r["to_kind"] == "product", "to_id"])
    for name in ("products.csv", "product_prices.csv", "downstream_recovery.csv"):
        out[name] = out[name][out[name]["product_id"].isin(used)]
    return out


def _write(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def _feed_source(fid: str, nl_src: str, by_country: dict[tuple[str, str], float]) -> str:
    parts = ", ".join(f"{c} {by_country[(fid, c)]:,.1f} t" for c in ("NL", "BE", "DE"))
    return (
        f"sum of region_supply.csv over 18 regions ({parts}; NL = the {YEAR} Dutch tonnage, "
        f"BE = Flanders, DE = NRW; plantopt/data/nlbede_supply.py) | NL {YEAR}: {nl_src}"
    )


def feeds_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """feeds.csv (totals over the regions, nl-2027's other columns) and region_supply.csv."""
    rows, totals = region_rows(YEAR)
    by_country = country_totals(rows)
    nl = feed_tonnages(YEAR)
    feeds = _read_base("feeds.csv")
    fids = list(feeds["feed_id"])
    feeds["available_t_per_yr"] = [totals[f][1] for f in fids]
    feeds["available_t_per_yr_low"] = [totals[f][0] for f in fids]
    feeds["available_t_per_yr_high"] = [totals[f][2] for f in fids]
    feeds["collection_class"] = ""  # national collection targets: see docs/network-data.md
    feeds["placed_on_market_t_per_yr"] = ""
    feeds["source"] = [
        _feed_source(f, nl[f][3], by_country) + f" | gate fee: nl-2027 feeds.csv ({src})"
        for f, src in zip(fids, feeds["source"])
    ]
    return feeds, pd.DataFrame(rows)


def units_table() -> pd.DataFrame:
    """nl-2027's units.csv with no existing capacity (it lives per site in site_units.csv)."""
    units = _read_base("units.csv")
    units = units[units["unit_id"].isin(NETWORK_UNITS)]
    moved = units["existing_capacity_t_per_yr"].astype(float) > 0
    units.loc[moved, "source"] = units.loc[moved, "source"] + (
        " | existing capacity moved to site_units.csv (network instance)"
    )
    units["existing_capacity_t_per_yr"] = "0"
    return units


def manifest(n_feeds: int, total_t: float) -> str:
    """instance.yaml."""
    return (
        f"name: {NAME}\n"
        "description: >-\n"
        f"  Network of recycling plants for waste batteries and WEEE across the Netherlands,\n"
        f"  Flanders and North Rhine-Westphalia, {YEAR}: {n_feeds} feeds ({total_t:,.0f} t/yr on\n"
        "  offer) collected in 18 regions, 10 candidate sites, road, rail and barge lanes,\n"
        "  border notification, grid CO2 per country, avoided-primary credits and water per\n"
        "  unit. Built by plantopt/data/nlbede.py from nl-2027 (files hash\n"
        f"  {base_hash()}) and the network reference tables; see docs/network-data.md.\n"
        "currency: EUR\n"
        "price_year: 2025\n"
        "objective: npv\n"
        f"discount_rate: {DISCOUNT_RATE}\n"
        f"budget_eur: {BUDGET_EUR:.0f}\n"
        f"target_year: {YEAR}\n"
        "apply_targets: true\n"
    )


def tables() -> dict[str, pd.DataFrame]:
    """Every CSV of the instance by file name."""
    feeds, supply = feeds_table()
    units = units_table()
    unit_ids = list(units["unit_id"])
    materials = set(_read_base("materials.csv")["material"])
    out = _base_tables()
    out |= {
        "feeds.csv": feeds,
        "units.csv": units,
        "sites.csv": net.sites_table(),
        "site_units.csv": net.site_units_table(unit_ids),
        "regions.csv": net.regions_table(),
        "region_supply.csv": supply,
        "transport_modes.csv": net.transport_modes_table(),
        "distances.csv": net.distances_table(),
        "border_crossings.csv": net.border_crossings_table(),
        "material_credits.csv": net.material_credits_table(materials),
        "unit_footprint.csv": net.unit_footprint_table(unit_ids),
    }
    return out


def build(out_dir: Path = INSTANCES / NAME) -> Path:
    """Write the instance folder ``out_dir`` (every file rewritten)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    all_tables = tables()
    for name, df in sorted(all_tables.items()):
        _write(df, out_dir / name)
    feeds = all_tables["feeds.csv"]
    total = float(feeds["available_t_per_yr"].astype(float).sum())
    (out_dir / "instance.yaml").write_text(manifest(len(feeds), total))
    return out_dir


def main() -> None:
    d = build()
    feeds = pd.read_csv(d / "feeds.csv")
    print(f"{NAME}: {len(feeds)} feeds, {feeds['available_t_per_yr'].sum():,.0f} t/yr -> {d}")


if __name__ == "__main__":
    main()

"""Synthetic instances for benchmarks and tests, drawn from a reference-built base instance.

The base instance (default: the packaged ``nl-2027``, itself assembled from the reference
tables in ``plantopt/data/reference``) supplies materials, feeds with composition ranges,
units with transfer-coefficient ranges, capacity options, routing and prices. A generated
instance of size S/M/L/XL multiplies it, deterministically by seed:

- ``feed_variants`` variants of every feed: each composition fraction drawn uniformly within
  its [low, high] range (or nominal x U(0.9, 1.1) where no range is given), renormalised to
  sum <= 1; availability x U(0.3, 1.0); gate fee x U(0.8, 1.2);
- ``unit_alternatives`` parallel technology lines of every unit: transfer coefficients drawn
  within their ranges (or nominal x U(0.95, 1.05)) and renormalised per (unit, class,
  material); opex x U(0.8, 1.2); new lines must be built (no existing capacity);
- ``options_per_unit`` capacity options per unit, scaled from the base option (capacity
  x {0.5, 1, 1.5, 2, ...}, capex with the six-tenths rule cap^0.6);
- routing: every base route between units is offered between every pair of alternatives, so
  the route tree grows like unit_alternatives ** depth.

The re-use and second-life routes of the base (grading units: units routed to a product
with a ``reuse_kind``, those products and every row naming them) are left out of the
generated instances: a grading unit in front of a dismantling line multiplies that line's
subtree of the route tree by its outputs x ``unit_alternatives`` (with the grading units of
nl-2027, XL --hard grew from 482,760 to over 2.6 million nodes, past the 2 million guard),
and the generator's purpose is scale, not the re-use options. The base's collection steps,
calculation points and Part B exclusions are kept (they add no route-tree nodes).

The ``hard`` variant adds minimum loads (0.5-0.7) and a budget of 40 % of the most expensive
plant, which forces branching. Every generated row's ``source`` says it was generated, from
which base and seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.instance.loader import instance_from_tables, load_instance


@dataclass(frozen=True)
class SizeSpec:
    feed_variants: int
    unit_alternatives: int
    options_per_unit: int


SIZES: dict[str, SizeSpec] = {
    "S": SizeSpec(feed_variants=1, unit_alternatives=1, options_per_unit=2),
    "M": SizeSpec(feed_variants=3, unit_alternatives=2, options_per_unit=3),
    "L": SizeSpec(feed_variants=10, unit_alternatives=2, options_per_unit=4),
    "XL": SizeSpec(feed_variants=30, unit_alternatives=3, options_per_unit=4),
}


def _draw(
    rng: np.random.Generator, nominal: np.ndarray, low: np.ndarray, high: np.ndarray, spread: float
) -> np.ndarray:
    """Uniform draw in [low, high] where a range is given, else nominal x U(1-s, 1+s)."""
    lo = np.where(np.isnan(low), nominal * (1 - spread), low)
    hi = np.where(np.isnan(high), nominal * (1 + spread), high)
    return np.clip(rng.uniform(lo, np.maximum(hi, lo)), 0.0, 1.0)


def _alt_id(unit: str, a: int) -> str:
    return unit if a == 0 else f"{unit}_alt{a}"


def _feed_tables(
    base: Instance, rng: np.random.Generator, n_var: int, tag: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    feeds, comp = base["feeds"], base["composition"]
    new_feeds, new_comp = [], []
    for v in range(n_var):
        f = feeds.copy()
        if v > 0:
            f["feed_id"] = f["feed_id"] + f"_v{v}"
            f["available_t_per_yr"] *= rng.uniform(0.3, 1.0, len(f))
            f["gate_fee_eur_per_t"] *= rng.uniform(0.8, 1.2, len(f))
            f["contracted_min_t_per_yr"] = 0.0
            f["source"] = f"generated ({tag}) from: " + f["source"].astype(str)
        new_feeds.append(f)
        c = comp.copy()
        if v > 0:
            c["feed_id"] = c["feed_id"] + f"_v{v}"
            c["mass_frac"] = _draw(
                rng,
                c["mass_frac"].to_numpy(),
                c["mass_frac_low"].to_numpy(dtype=float),
                c["mass_frac_high"].to_numpy(dtype=float),
                0.1,
            )
            total = c.groupby("feed_id")["mass_frac"].transform("sum")
            c["mass_frac"] = np.where(total > 1.0, c["mass_frac"] / total, c["mass_frac"])
            c["mass_frac_low"] = np.fmin(c["mass_frac_low"], c["mass_frac"])
            c["mass_frac_high"] = np.fmax(c["mass_frac_high"], c["mass_frac"])
            c["source"] = f"generated ({tag}) from: " + c["source"].astype(str)
        new_comp.append(c)
    return pd.concat(new_feeds, ignore_index=True), pd.concat(new_comp, ignore_index=True)


def _alt_units(
    units: pd.DataFrame, tc: pd.DataFrame, rng: np.random.Generator, a: int, tag: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units and transfer coefficients of alternative ``a`` (a = 0: the base as is; else
    renamed, opex x U(0.8, 1.2), no existing capacity, coefficients redrawn within their range
    and renormalised to sum to 1 per unit, feed class and material)."""
    u = units.copy()
    t = tc.copy()
    if a == 0:
        return u, t
    u["unit_id"] = u["unit_id"].map(lambda x: _alt_id(x, a))
    u["opex_eur_per_t"] *= rng.uniform(0.8, 1.2, len(u))
    u["existing_capacity_t_per_yr"] = 0.0
    u["source"] = f"generated ({tag}) from: " + u["source"].astype(str)
    t["unit_id"] = t["unit_id"].map(lambda x: _alt_id(x, a))
    t["tc_frac"] = _draw(
        rng,
        t["tc_frac"].to_numpy(),
        t["tc_frac_low"].to_numpy(dtype=float),
        t["tc_frac_high"].to_numpy(dtype=float),
        0.05,
    )
    total = t.groupby(["unit_id", "feed_class", "material"])["tc_frac"].transform("sum")
    t["tc_frac"] = np.where(total > 0, t["tc_frac"] / total, t["tc_frac"])
    t["tc_frac_low"] = np.fmin(t["tc_frac_low"], t["tc_frac"])
    t["tc_frac_high"] = np.fmax(t["tc_frac_high"], t["tc_frac"])
    t["source"] = f"generated ({tag}) from: " + t["source"].astype(str)
    return u, t


# capacity t/yr, capex EUR, fixed opex EUR/yr, lifetime yr, staff FTE, land m2, source
_OptionRef = tuple[float, float, float, float, float, float, str]


def _option_reference(r: Any, opts: pd.DataFrame, a: int, tag: str) -> _OptionRef | None:
    """What unit ``r``'s options are scaled from: its largest base option, else (for an
    alternative) its existing capacity at no cost; None when it gets no options."""
    base_opts = opts[opts["unit_id"] == r.unit_id]
    if len(base_opts):
        ref = base_opts.sort_values("capacity_t_per_yr").iloc[-1]
        src = f"generated ({tag}), scaled from {r.unit_id}/{ref.option_id}: {ref.source}"
        return (
            float(ref.capacity_t_per_yr),
            float(ref.capex_eur),
            float(ref.fixed_opex_eur_per_yr),
            float(ref.lifetime_yr),
            float(ref.staff_fte),
            float(ref.land_m2),
            src,
        )
    if r.existing_capacity_t_per_yr > 0 and a > 0:
        src = f"generated ({tag}): assumption: copy of existing {r.unit_id}, no cost data"
        return float(r.existing_capacity_t_per_yr), 0.0, 0.0, 15.0, 0.0, 0.0, src
    return None  # no options and nothing to copy, or an existing unit in the base (kept)


def _scaled_options(
    uid: str, ref: _OptionRef, spec: SizeSpec, rng: np.random.Generator
) -> list[dict[str, object]]:
    """``spec.options_per_unit`` sizes 0.5, 1.0, ... x the reference capacity, costs by the
    six-tenths rule with a U(0.9, 1.1) jitter."""
    cap0, capex0, fixed0, life, staff0, land0, src = ref
    out: list[dict[str, object]] = []
    for k in range(spec.options_per_unit):
        scale = 0.5 * (k + 1)
        jitter = float(rng.uniform(0.9, 1.1))
        out.append(
            {
                "unit_id": uid,
                "option_id": f"size{k + 1}",
                "capacity_t_per_yr": cap0 * scale,
                "capex_eur": capex0 * scale**0.6 * jitter,
                "fixed_opex_eur_per_yr": fixed0 * scale**0.6 * jitter,
                "lifetime_yr": life,
                "staff_fte": staff0 * scale**0.6,
                "land_m2": land0 * scale**0.6,
                "source": src + "; six-tenths scaling rule",
            }
        )
    return out


def _unit_tables(
    base: Instance, rng: np.random.Generator, spec: SizeSpec, tag: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Units, transfer coefficients and capacity options of every unit alternative."""
    units, tc, opts = base["units"], base["transfer_coefficients"], base["capacity_options"]
    new_units, new_tc, new_opts = [], [], []
    for a in range(spec.unit_alternatives):
        u, t = _alt_units(units, tc, rng, a, tag)
        new_units.append(u)
        new_tc.append(t)
        # capacity options: scale each unit's largest base option (or its existing capacity)
        for r in units.itertuples(index=False):
            ref = _option_reference(r, opts, a, tag)
            if ref is not None:
                new_opts.extend(_scaled_options(_alt_id(r.unit_id, a), ref, spec, rng))
    opts_df = pd.DataFrame(new_opts, columns=list(opts.columns)) if new_opts else opts.iloc[:0]
    return (pd.concat(new_units, ignore_index=True), pd.concat(new_tc, ignore_index=True), opts_df)


def without_reuse(base: Instance) -> Instance:
    """``base`` without its re-use products and grading units (see :func:`_without_reuse`):
    the 12 plant units of nl-2027 that the generated and network benchmarks are sized on."""
    return Instance(name=base.name, manifest=base.manifest, tables=_without_reuse(base))


def _without_reuse(base: Instance) -> dict[str, pd.DataFrame]:
    """The base's tables without its re-use products and the grading units routed to them.

    Reuse products: ``products.reuse_kind`` other than ``none``; grading units: units with a
    routing row to one of them. Rows of every table naming a grading unit (``unit_id``, or a
    routing row's ``to_id``) or a reuse product (``product_id``) are dropped.
    """
    tables = dict(base.tables)
    products, routing = tables["products"], tables["routing"]
    reuse = set(products.loc[products["reuse_kind"] != "none", "product_id"])
    to_reuse = (routing["to_kind"] == "product") & routing["to_id"].isin(reuse)
    grading = set(routing.loc[to_reuse, "unit_id"])
    if not reuse and not grading:
        return tables
    for name, df in tables.items():
        keep = pd.Series(True, index=df.index)
        if "unit_id" in df.columns:
            keep &= ~df["unit_id"].isin(grading)
        if "product_id" in df.columns:
            keep &= ~df["product_id"].isin(reuse)
        if name == "routing":
            keep &= ~(df["to_id"].isin(grading) & (df["to_kind"] == "unit"))
            keep &= ~((df["to_kind"] == "product") & df["to_id"].isin(reuse))
        if "applies_to" in df.columns:  # lead times, subsidies, staff pools
            keep &= ~df["applies_to"].isin(grading)
        tables[name] = df[keep].reset_index(drop=True)
    return tables


def _routing(base: Instance, n_alt: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for r in base["routing"].to_dict("records"):
        for a in range(n_alt):
            targets = range(n_alt) if r["to_kind"] == "unit" else [None]
            for b in targets:
                new = dict(r)
                new["unit_id"] = _alt_id(r["unit_id"], a)
                if b is not None:
                    new["to_id"] = _alt_id(r["to_id"], b)
                rows.append(new)
    entry = [
        {"feed_class": r["feed_class"], "unit_id": _alt_id(r["unit_id"], a)}
        for r in base["feed_entry"].to_dict("records")
        for a in range(n_alt)
    ]
    return pd.DataFrame(rows), pd.DataFrame(entry)


def generate(
    size: str = "S",
    seed: int = 0,
    base: Instance | str | Path | None = None,
    hard: bool = False,
    max_route_nodes: int = 2_000_000,
) -> Instance:
    """Generate a synthetic instance of the given size (S, M, L, XL); deterministic by seed."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {sorted(SIZES)}")
    spec = SIZES[size]
    loaded = base if isinstance(base, Instance) else load_instance(base)
    base_inst = Instance(name=loaded.name, manifest=loaded.manifest, tables=_without_reuse(loaded))
    rng = np.random.default_rng([seed, list(SIZES).index(size), int(hard)])
    tag = f"base {base_inst.name}, size {size}, seed {seed}{', hard' if hard else ''}"
    feeds, comp = _feed_tables(base_inst, rng, spec.feed_variants, tag)
    units, tc, opts = _unit_tables(base_inst, rng, spec, tag)
    routing, entry = _routing(base_inst, spec.unit_alternatives)
    budget: float | None = None
    if hard:
        units["min_load_frac"] = rng.uniform(0.5, 0.7, len(units))
        most = opts.groupby("unit_id")["capex_eur"].max().sum() if len(opts) else 0.0
        budget = 0.4 * float(most)
    manifest = base_inst.manifest.replace(
        name=f"gen-{size}{'-hard' if hard else ''}-s{seed}",
        description=f"Synthetic instance generated by plantopt ({tag}).",
        max_route_nodes=max_route_nodes,
        budget_eur=budget,
    )
    tables = dict(base_inst.tables)
    tables.update(
        feeds=feeds,
        composition=comp,
        units=units,
        transfer_coefficients=tc,
        capacity_options=opts,
        routing=routing,
        feed_entry=entry,
    )
    return instance_from_tables(manifest, tables)

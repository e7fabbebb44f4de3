"""Derive the reference tables and assemble the shipped Dutch instances from them.

Run ``python -m plantopt.data.build_instances`` (or this file) from the repository. The
script is deterministic: it only reads ``plantopt/data/reference/*.csv`` and writes

1. derived reference rows (marked ``derived:`` in their ``source``):
   - pack, WEEE and other mixture compositions in ``feed_compositions.csv`` from
     ``feed_mixtures.csv`` (share x component composition);
   - dismantling transfer coefficients in ``unit_transfer_coefficients.csv`` from
     ``dismantling_routes.csv`` and ``class_representatives.csv``;
   - ``unit_capacity_options.csv`` from ``unit_capacity_anchors.csv`` (power-law scaling);
   - ``product_prices.csv`` from ``price_quotes.csv`` and ``product_price_basis.csv``
     (USD -> EUR and compound -> contained element);
2. the instance folders ``instances/nl-2027`` and ``instances/nl-2031`` with tonnages
   computed from ``nl_anchors.csv``.

Tonnages come from :mod:`plantopt.data.nl_tonnages` (collected actuals, the EV vintage model
of :mod:`plantopt.data.ev_vintage`), capex anchors of the battery and e-scrap routes from
:mod:`plantopt.data.capex_fit` (public plants). Nothing numeric lives in this file except unit
conversions (troy ounce, kg), the exchange rates and VAT, all stated below and in
docs/data-sources.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from plantopt.data.capex_fit import fit_route
from plantopt.data.nl_circularity import add_circularity
from plantopt.data.nl_tonnages import feed_tonnages, target_scenario
from plantopt.instance.schema import TABLES

HERE = Path(__file__).resolve().parent
REF = HERE / "reference"
INSTANCES = HERE / "instances"

#: EUR per USD for the dated price quotes (Dec 2025 / Jan 2026): ECB reference rate
#: 1.1658-1.1690 USD/EUR in late 2025 (ECB via utroruse.com) -> 1 / 1.167.
EUR_PER_USD = 0.857
#: CNY per USD, Jan 2026 (assumption: ~7.0; Reuters quoted 7.18 in Aug 2025).
CNY_PER_USD = 7.0
#: Troy ounces per tonne (1 oz t = 31.1035 g).
OZ_PER_T = 1e6 / 31.1035
DERIVED = "derived by build_instances.py: "


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype=str, keep_default_na=False)


def _write(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def _f(x: str | float) -> float:
    return float(x) if str(x) != "" else 0.0


# ------------------------------------------------------------------ compositions


Comp = dict[str, tuple[float, float, float]]  # material -> (low, nominal, high)


def _primary_compositions(comp: pd.DataFrame) -> dict[str, Comp]:
    out: dict[str, Comp] = {}
    for r in comp.itertuples(index=False):
        out.setdefault(r.feed_type, {})[r.material] = (
            _f(r.mass_frac_low),
            _f(r.mass_frac),
            _f(r.mass_frac_high),
        )
    return out


def _mixture_composition(
    feed_type: str, mixtures: pd.DataFrame, known: dict[str, Comp], materials: set[str]
) -> Comp:
    if feed_type in known:
        return known[feed_type]
    rows = mixtures[mixtures["feed_type"] == feed_type]
    if rows.empty:
        raise KeyError(f"no composition or mixture for feed type {feed_type!r}")
    acc: dict[str, list[float]] = {}
    for r in rows.itertuples(index=False):
        shares = (_f(r.share_low), _f(r.share), _f(r.share_high))
        if r.component in materials:
            part: Comp = {r.component: (1.0, 1.0, 1.0)}
        else:
            part = _mixture_composition(r.component, mixtures, known, materials)
        for m, vals in part.items():
            a = acc.setdefault(m, [0.0, 0.0, 0.0])
            for i in range(3):
                a[i] += shares[i] * vals[i]
    result = {m: (round(a[0], 8), round(a[1], 8), round(min(a[2], 1.0), 8)) for m, a in acc.items()}
    known[feed_type] = result
    return result


def derive_compositions() -> pd.DataFrame:
    comp = _read("feed_compositions.csv")
    comp = comp[~comp["source"].str.startswith(DERIVED)].reset_index(drop=True)
    mixtures = _read("feed_mixtures.csv")
    materials = set(_read("materials.csv")["material"])
    known = _primary_compositions(comp)
    rows = []
    for ft in dict.fromkeys(mixtures["feed_type"]):
        parts = mixtures[mixtures["feed_type"] == ft]
        recipe = " + ".join(f"{_f(s):g} x {c}" for c, s in zip(parts["component"], parts["share"]))
        for m, (lo, nom, hi) in _mixture_composition(ft, mixtures, known, materials).items():
            if m == "other" or hi <= 0:
                continue
            rows.append(
                {
                    "feed_type": ft,
                    "material": m,
                    "mass_frac_low": lo,
                    "mass_frac": nom,
                    "mass_frac_high": hi,
                    "source": f"{DERIVED}{recipe} (feed_mixtures.csv; low/high use the "
                    "low/high shares and component ranges)",
                }
            )
    out = pd.concat([comp, pd.DataFrame(rows, dtype=object)], ignore_index=True)
    _write(out, REF / "feed_compositions.csv")
    return out


# ------------------------------------------------------------ dismantling split


_Range = tuple[float, float, float]  # (low, nominal, high)


def _component_routes(r_unit: pd.DataFrame) -> dict[str, dict[str, _Range]]:
    """component -> output -> (low, nominal, high) fraction routed there by the unit."""
    route: dict[str, dict[str, _Range]] = {}
    for r in r_unit.itertuples(index=False):
        route.setdefault(r.component, {})[r.output_id] = (
            _f(r.frac_low),
            _f(r.frac),
            _f(r.frac_high),
        )
    return route


def _carried_by_component(
    parts: pd.DataFrame,
    mixtures: pd.DataFrame,
    known: dict[str, Comp],
    materials: set[str],
    route: dict[str, dict[str, _Range]],
) -> list[dict[str, dict[str, float]]]:
    """Mass of material m carried by component c per t of feed, for the low, nominal and
    high share settings: ``carried[k][c][m]``. A component without a route as a whole sends
    its materials by their own routes; the rest of the feed is the component ``other``."""
    carried: list[dict[str, dict[str, float]]] = []
    for k in range(3):
        per_c: dict[str, dict[str, float]] = {}
        other_direct = 1.0
        for p in parts.itertuples(index=False):
            share = (_f(p.share_low), _f(p.share), _f(p.share_high))[k]
            other_direct -= _f(p.share)
            if p.component in materials:
                d = per_c.setdefault(p.component, {})
                d[p.component] = d.get(p.component, 0.0) + share
                continue
            cc = _mixture_composition(p.component, mixtures, known, materials)
            masses = {m: share * v[1] for m, v in cc.items()}
            masses["other"] = share * max(0.0, 1.0 - sum(v[1] for v in cc.values()))
            if p.component in route:
                per_c[p.component] = masses
            else:  # no route for the component as a whole: its materials go by their own
                for m, v in masses.items():
                    d = per_c.setdefault(m, {})
                    d[m] = d.get(m, 0.0) + v
        per_c.setdefault("other", {})["other"] = max(0.0, other_direct)
        carried.append(per_c)
    return carried


def _material_split(
    m: str,
    outputs: list[str],
    carried: list[dict[str, dict[str, float]]],
    route: dict[str, dict[str, _Range]],
) -> dict[str, _Range]:
    """output -> (low, nominal, high) share of material m: the mass-weighted route of the
    components carrying m, per share setting; low/high the extremes over the settings."""
    vals: dict[str, _Range] = {}
    for o in outputs:
        per_setting = []
        for k in range(3):
            w = {c: masses.get(m, 0.0) for c, masses in carried[k].items()}
            tot = sum(w.values())
            if tot <= 0:
                continue
            per_setting.append(
                tuple(
                    sum(w[c] * route.get(c, {}).get(o, (0, 0, 0))[i] for c in w) / tot
                    for i in range(3)
                )
            )
        nom = per_setting[1][1] if len(per_setting) == 3 else per_setting[0][1]
        lo = min(min(s[0] for s in per_setting), nom)
        hi = min(1.0, max(max(s[2] for s in per_setting), nom))
        if hi > 0:
            vals[o] = (lo, nom, hi)
    return vals


def _representative_rows(
    rep: Any,
    routes: pd.DataFrame,
    mixtures: pd.DataFrame,
    known: dict[str, Comp],
    materials: set[str],
) -> list[dict[str, object]]:
    """The coefficient rows of one (dismantling unit, feed class) representative, plus its
    '*' -> residue row."""
    r_unit = routes[routes["unit_id"] == rep.unit_id]
    route = _component_routes(r_unit)
    parts = mixtures[mixtures["feed_type"] == rep.feed_type]
    outputs = list(dict.fromkeys(r_unit["output_id"]))
    carried = _carried_by_component(parts, mixtures, known, materials, route)
    mats = sorted({m for c in carried[1].values() for m, v in c.items() if v > 0})
    recipe = ", ".join(f"{c}" for c in parts["component"])
    src = f"{DERIVED}component split of {rep.feed_type} ({recipe}) x dismantling_routes.csv"
    key = {"unit_id": rep.unit_id, "feed_class": rep.feed_class}
    rows: list[dict[str, object]] = []
    for m in mats:
        vals = _material_split(m, outputs, carried, route)
        missing = {c for c, masses in carried[1].items() if masses.get(m, 0) > 0 and c not in route}
        if missing:
            raise KeyError(f"{rep.unit_id}: no dismantling route for {sorted(missing)}")
        for o, (lo, nom, hi) in vals.items():
            rows.append(
                key
                | {"material": m, "output_id": o, "tc_frac_low": round(lo, 8)}
                | {"tc_frac": round(nom, 8), "tc_frac_high": round(hi, 8), "source": src}
            )
    rows.append(
        key
        | {"material": "*", "output_id": "residue", "tc_frac_low": 1.0, "tc_frac": 1.0}
        | {"tc_frac_high": 1.0}
        | {"source": f"{DERIVED}materials absent from {rep.feed_type} go to residue"}
    )
    return rows


def derive_dismantling_tc(comp: pd.DataFrame) -> pd.DataFrame:
    """Transfer coefficients of dismantling units from the component structure of a feed.

    A dismantling line separates components (cells, PCBs, magnets, housings), not
    elements; the fraction of material m leaving through output o is the mass-weighted
    route of the components that carry m.
    """
    tc = _read("unit_transfer_coefficients.csv")
    tc = tc[~tc["source"].str.startswith(DERIVED)].reset_index(drop=True)
    routes = _read("dismantling_routes.csv")
    reps = _read("class_representatives.csv")
    mixtures = _read("feed_mixtures.csv")
    materials = set(_read("materials.csv")["material"])
    known = _primary_compositions(comp[~comp["source"].str.startswith(DERIVED)])
    rows = []
    for rep in reps.itertuples(index=False):
        rows.extend(_representative_rows(rep, routes, mixtures, known, materials))
    out = pd.concat([tc, pd.DataFrame(rows, dtype=object)], ignore_index=True)
    _write(out, REF / "unit_transfer_coefficients.csv")
    return out


# ------------------------------------------------------------ capacity options


#: Loaded cost of one industrial FTE in NL (assumption, see docs/data-sources.md).
EUR_PER_FTE = 60000.0


#: unit -> (route of capex_plants.csv, share of the route's capex). Pack dismantling and
#: shredding split a pre-processing plant 35/65 (assumption: the public plants do both);
#: battery smelting has no public plant and borrows the e-scrap smelter line (assumption).
FITTED_UNITS = {
    "hydromet": ("hydromet", 1.0),
    "shred_bm": ("preprocessing", 0.65),
    "dismantle_pack": ("preprocessing", 0.35),
    "pm_smelter": ("pm_smelter", 1.0),
    "pyro_smelt": ("pm_smelter", 1.0),
}


def _capex_line(a: Any) -> tuple[Callable[[float], float], float, float, str]:
    """(capex(C) function, low factor, high factor, source) of a unit's capex line."""
    if a.unit_id in FITTED_UNITS:
        route, share = FITTED_UNITS[a.unit_id]
        f = fit_route(route)
        note = (
            ""
            if share == 1.0 and route == a.unit_id
            else (f"; {share:g} x the '{route}' line ({a.source})")
        )
        return (
            lambda c: share * f.capex_eur(c),
            f.low_factor,
            f.high_factor,
            f"capex_plants.csv {f.describe()}{note}",
        )
    c0, k0, e = _f(a.anchor_capacity_t_per_yr), _f(a.anchor_capex_eur), _f(a.scale_exponent)
    return (
        lambda c: k0 * (c / c0) ** e,
        _f(a.capex_low_factor),
        _f(a.capex_high_factor),
        f"capex = {k0:.4g} EUR x (C/{c0:g})^{e:g}; fewer than three public plants found "
        f"for this unit: {a.source}",
    )


def derive_capacity_options() -> pd.DataFrame:
    anchors = _read("unit_capacity_anchors.csv")
    rows = []
    for a in anchors.itertuples(index=False):
        line, lo_f, hi_f, src = _capex_line(a)
        for size in a.sizes_t_per_yr.split(";"):
            c = float(size)
            capex = line(c)
            fte = max(_f(a.fte_min), _f(a.fte_per_kt) * c / 1000.0)
            land = max(_f(a.land_m2_min), _f(a.land_m2_per_kt) * c / 1000.0)
            rows.append(
                {
                    "unit_id": a.unit_id,
                    "option_id": f"c{int(c)}",
                    "capacity_t_per_yr": c,
                    "capex_eur": round(capex, -3),
                    "capex_eur_low": round(capex * lo_f, -3),
                    "capex_eur_high": round(capex * hi_f, -3),
                    "fixed_opex_eur_per_yr": round(
                        _f(a.maintenance_frac) * capex + EUR_PER_FTE * round(fte), -3
                    ),
                    "lifetime_yr": _f(a.lifetime_yr),
                    "staff_fte": round(fte),
                    "land_m2": round(land, -2),
                    "source": f"{DERIVED}fixed opex = "
                    f"{_f(a.maintenance_frac):g} x capex + {EUR_PER_FTE:g} EUR/FTE x "
                    f"staff; anchor: {src}",
                }
            )
    out = pd.DataFrame(rows, dtype=object)
    _write(out, REF / "unit_capacity_options.csv")
    return out


# ---------------------------------------------------------------------- prices


#: EUR per tonne of quoted material for one unit of each quote unit.
UNIT_TO_EUR_PER_T = {
    "USD/kg": 1000.0 * EUR_PER_USD,
    "USD/t": EUR_PER_USD,
    "USD/oz": OZ_PER_T * EUR_PER_USD,
    "EUR/t": 1.0,
    "CNY/t": EUR_PER_USD / CNY_PER_USD,
}


def _eur_per_t_contained(q: pd.Series, which: str = "value") -> float:
    """Quote -> EUR per t contained: value x unit factor / (1 + VAT) / contained fraction."""
    unit = q["unit"]
    if unit not in UNIT_TO_EUR_PER_T:
        raise ValueError(
            f"price_quotes.csv: unknown price unit {unit!r} in quote "
            f"{q.name!r}; expected one of {', '.join(UNIT_TO_EUR_PER_T)}"
        )
    per_t = _f(q[which]) * UNIT_TO_EUR_PER_T[unit] / (1.0 + _f(q["vat_frac"]))
    return per_t / _f(q["contained_frac"])


def derive_product_prices() -> pd.DataFrame:
    quotes = _read("price_quotes.csv").set_index("quote_id")
    basis = _read("product_price_basis.csv")
    rows = []
    for b in basis.itertuples(index=False):
        q, q31 = quotes.loc[b.quote_id], quotes.loc[b.quote_id_2031]
        rows.append(
            {
                "product_id": b.product_id,
                "material": b.material,
                "price_eur_per_t": round(_eur_per_t_contained(q), 2),
                "price_eur_per_t_low": round(_eur_per_t_contained(q, "value_low"), 2),
                "price_eur_per_t_high": round(_eur_per_t_contained(q, "value_high"), 2),
                "payable_frac": _f(b.payable_frac),
                "payable_frac_low": _f(b.payable_low),
                "payable_frac_high": _f(b.payable_high),
                "recovered": b.recovered,
                "price_date": q["date"],
                "currency": "EUR",
                "price_eur_per_t_2031": round(_eur_per_t_contained(q31), 2),
                "price_date_2031": q31["date"],
                "source": f"{DERIVED}quote '{b.quote_id}' ({q['value']} {q['unit']}, "
                f"{q['date']}; low {q['value_low']}, high {q['value_high']}) / "
                f"(1 + VAT {q['vat_frac']}) / {q['contained_frac']} contained, at "
                f"{EUR_PER_USD} EUR/USD and {CNY_PER_USD} CNY/USD; quote: {q['source']}; "
                f"payable/recovered: {b.source}",
            }
        )
    out = pd.DataFrame(rows, dtype=object)
    _write(out, REF / "product_prices.csv")
    return out


def derive_reference() -> None:
    comp = derive_compositions()
    derive_dismantling_tc(comp)
    derive_capacity_options()
    derive_product_prices()


#: feed id -> reference feed type
NL_FEEDS = {
    "ev_nmc111": "li_nmc111_pack",
    "ev_nmc622": "li_nmc622_pack",
    "ev_nmc811": "li_nmc811_pack",
    "ev_nca": "li_nca_pack",
    "ev_lfp": "li_lfp_pack",
    "ev_production_scrap": "li_nmc811_cell",
    "portable_liion": "portable_liion",
    "ebike_liion": "ebike_liion",
    "nimh": "nimh",
    "lead_acid": "lead_acid_sli",
    "small_it": "weee_small_it",
    "pcb": "pcb",
    "hdd": "hdd",
    "pv": "pv_csi",
    "weee_temp": "weee_temp",
    "weee_screens": "weee_screens",
    "weee_lamps": "weee_lamps",
    "weee_large": "weee_large",
    "weee_small": "weee_small_nopcb",
}
#: the plant units of the nl instances (issue 12); the re-use grading benches of issue 14 follow
NL_PLANT_UNITS = [
    "dismantle_pack",
    "shred_bm",
    "thermal_pre",
    "hydromet",
    "pyro_smelt",
    "direct_recycl",
    "lead_smelter",
    "pm_smelter",
    "ndfeb_recycl",
    "pv_delam",
    "dismantle_weee",
    "weee_shred",
]
NL_UNITS = [*NL_PLANT_UNITS, "grade_pack", "grade_eee"]
#: existing capacity (t/yr) -- assumption: the park may use part of an existing Dutch WEEE
#: shredder line.
NL_EXISTING = {"weee_shred": 40000.0, "grade_pack": 40000.0, "grade_eee": 40000.0}
NL_EXISTING_NOTE = {
    "weee_shred": "assumption, part of an existing Dutch WEEE shredder",
    "grade_pack": "assumption, test benches in an existing hall, 40,000 t/yr (above every pack "
    "and small-IT feed; no capex modelled)",
    "grade_eee": "assumption, test benches in an existing hall, 40,000 t/yr (above every pack "
    "and small-IT feed; no capex modelled)",
}
#: budget and discount rate -- assumptions, documented in docs/data-sources.md
NL_BUDGET_EUR = 400e6
NL_DISCOUNT_RATE = 0.08
#: Enforce the EU targets of the instance year as constraints? 2031: no -- at the nominal
#: reference yields no route reaches the 2031 Part C targets (Co/Ni/Cu 95 %), so the
#: optimiser would simply refuse every battery feed; the targets are reported instead.
NL_APPLY_TARGETS = {2027: True, 2031: False}


def _cols(table: str) -> list[str]:
    return TABLES[table].column_names


def _conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Exactly the schema's columns, in its order; absent ones take the schema default."""
    df = df.copy()
    for col in TABLES[table].columns:
        if col.name not in df.columns:
            df[col.name] = (
                ""
                if col.default is None
                else (str(col.default).lower() if isinstance(col.default, bool) else col.default)
            )
    return df[_cols(table)]


def _nl_feeds(
    year: int, comp: pd.DataFrame
) -> tuple[list[dict[str, object]], list[dict[str, object]], dict[str, tuple]]:
    """Feed rows and composition rows of every NL feed in ``year``; and its tonnages."""
    ftypes = _read("feed_types.csv").set_index("feed_type")
    tonnes = feed_tonnages(year)
    feeds, comps = [], []
    for fid, ft in NL_FEEDS.items():
        lo, t, hi, src = tonnes[fid]
        info = ftypes.loc[ft]
        feeds.append(
            {
                "feed_id": fid,
                "feed_class": info["feed_class"],
                "reg_class": info["reg_class"],
                "description": info["description"],
                "available_t_per_yr": t,
                "contracted_min_t_per_yr": 0.0,
                "gate_fee_eur_per_t": _f(info["gate_fee_eur_per_t"]),
                "available_t_per_yr_low": lo,
                "available_t_per_yr_high": hi,
                "gate_fee_eur_per_t_low": _f(info["gate_fee_low"]),
                "gate_fee_eur_per_t_high": _f(info["gate_fee_high"]),
                "source": f"tonnage: {src} | gate fee: {info['source']}",
            }
        )
        for r in comp[comp["feed_type"] == ft].itertuples(index=False):
            comps.append(
                {
                    "feed_id": fid,
                    "material": r.material,
                    "mass_frac": _f(r.mass_frac),
                    "mass_frac_low": _f(r.mass_frac_low),
                    "mass_frac_high": _f(r.mass_frac_high),
                    "source": f"reference feed type {ft}: {r.source}",
                }
            )
    return feeds, comps, tonnes


def _nl_units() -> pd.DataFrame:
    """units.csv of the NL park: the NL units of process_units.csv with existing capacity."""
    pu = _read("process_units.csv")
    pu = pu[pu["unit_id"].isin(NL_UNITS)]
    return pd.DataFrame(
        {
            "unit_id": pu["unit_id"],
            "stage": pu["stage"],
            "description": pu["description"],
            "opex_eur_per_t": pu["opex_eur_per_t"].astype(float),
            "min_load_frac": pu["min_load_frac"].astype(float),
            "existing_capacity_t_per_yr": [NL_EXISTING.get(u, 0.0) for u in pu["unit_id"]],
            "energy_mwh_per_t": pu["energy_mwh_per_t"].astype(float),
            "co2_t_per_t": pu["co2_t_per_t"].astype(float),
            "source": [
                s + (f" | existing capacity: {NL_EXISTING_NOTE[u]}" if u in NL_EXISTING else "")
                for u, s in zip(pu["unit_id"], pu["source"])
            ],
        }
    )


def _nl_routing(classes: set[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Transfer coefficients, routing and feed entry restricted to the NL units and the feed
    classes present."""
    tc = _read("unit_transfer_coefficients.csv")
    tc = tc[
        tc["unit_id"].isin(NL_UNITS) & (tc["feed_class"].isin(classes) | (tc["feed_class"] == "*"))
    ]

    routing = _read("unit_routing.csv")
    routing = routing[
        routing["unit_id"].isin(NL_UNITS)
        & ((routing["to_kind"] != "unit") | routing["to_id"].isin(NL_UNITS))
    ]
    entry = _read("feed_entry.csv")
    entry = entry[entry["feed_class"].isin(classes) & entry["unit_id"].isin(NL_UNITS)]

    return tc, routing, entry


def _nl_products(routing: pd.DataFrame, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Products routed to and their prices of ``year`` (2031 columns from 2031 on)."""
    price_col = "price_eur_per_t" if year < 2031 else "price_eur_per_t_2031"
    date_col = "price_date" if year < 2031 else "price_date_2031"
    used_products = set(routing.loc[routing["to_kind"] == "product", "to_id"])
    products = _read("products.csv")
    products = products[products["product_id"].isin(used_products)]
    prices = _read("product_prices.csv")
    prices = prices[prices["product_id"].isin(used_products)]
    prices = pd.DataFrame(
        {
            "product_id": prices["product_id"],
            "material": prices["material"],
            "price_eur_per_t": prices[price_col].astype(float),
            "price_eur_per_t_low": prices["price_eur_per_t_low"].astype(float),
            "price_eur_per_t_high": prices["price_eur_per_t_high"].astype(float),
            "payable_frac": prices["payable_frac"].astype(float),
            "recovered": prices["recovered"],
            "price_date": prices[date_col],
            "source": prices["source"],
        }
    )

    return products, prices


def _nl_manifest(name: str, year: int, tonnes: dict[str, tuple], n_feeds: int, n_units: int) -> str:
    """instance.yaml of an NL instance."""
    total = sum(v[1] for v in tonnes.values())
    return (
        f"name: {name}\n"
        f"description: >-\n"
        f"  Dutch national recycling plant park for waste batteries and WEEE, {year}:\n"
        f"  {n_feeds} feeds ({total:,.0f} t/yr on offer), {n_units} units. Tonnages,\n"
        f"  compositions, costs and prices are built by plantopt/data/build_instances.py\n"
        f"  from the reference tables; see docs/data-sources.md.\n"
        f"currency: EUR\n"
        f"price_year: 2025\n"
        f"objective: recovery\n"
        f"discount_rate: {NL_DISCOUNT_RATE}\n"
        f"budget_eur: {NL_BUDGET_EUR:.0f}\n"
        f"target_year: {year}\n"
        f"apply_targets: {'true' if NL_APPLY_TARGETS[year] else 'false'}\n"
    )


def build_instance(name: str, year: int) -> Path:
    """Write instances/<name>/ for ``year`` from the reference tables."""
    out_dir = INSTANCES / name
    comp = _read("feed_compositions.csv")
    feeds, comps, tonnes = _nl_feeds(year, comp)
    classes = {str(f["feed_class"]) for f in feeds}
    units = _nl_units()
    cap = _read("unit_capacity_options.csv")
    cap = cap[cap["unit_id"].isin(NL_UNITS)]
    tc, routing, entry = _nl_routing(classes)
    products, prices = _nl_products(routing, year)
    tables = {
        "materials": _read("materials.csv"),
        "feeds": pd.DataFrame(feeds),
        "composition": pd.DataFrame(comps),
        "units": units,
        "capacity_options": cap,
        "transfer_coefficients": tc,
        "routing": routing,
        "feed_entry": entry,
        "products": products,
        "product_prices": prices,
    }
    add_circularity(tables)  # calculation points, reuse/second life, collection steps
    for tname, df in tables.items():
        _write(_conform(df, tname).reset_index(drop=True), out_dir / TABLES[tname].file)
    manifest = _nl_manifest(name, year, tonnes, len(feeds), len(units))
    (out_dir / "instance.yaml").write_text(manifest)
    return out_dir


def critical_content(instance_dir: Path, exclude: tuple[str, ...] = ()) -> float:
    """Sum over feeds of available tonnes x mass fraction of EU-critical materials (t/yr)."""
    feeds = pd.read_csv(instance_dir / "feeds.csv")
    comp = pd.read_csv(instance_dir / "composition.csv")
    mats = pd.read_csv(instance_dir / "materials.csv")
    crit = set(mats.loc[mats["eu_critical"].astype(str).str.lower() == "true", "material"])
    crit -= set(exclude)
    c = comp[comp["material"].isin(crit)].merge(feeds[["feed_id", "available_t_per_yr"]])
    return float((c["mass_frac"] * c["available_t_per_yr"]).sum())


def write_target_scenario(name: str, year: int) -> Path:
    """A batch scenario: the instance with the legal collection targets met (not the base)."""
    path = HERE / "scenarios" / f"{name}-collection-targets.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# Generated by plantopt/data/build_instances.py: {name} with the EU collection",
        "# targets met (Battery Regulation Art. 59 / 69) instead of the actual collection",
        "# of the base instance. Run: plantopt batch <this file> --out runs/targets",
        f"name: {name}-collection-targets",
        f"base: ../instances/{name}",
        "cases:",
        "  - {case: actual}",
        "  - case: targets",
    ]
    lines += [
        f'    "feeds[feed_id={fid}].available_t_per_yr": {t}'
        for fid, t in target_scenario(year).items()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    derive_reference()
    for name, year in (("nl-2027", 2027), ("nl-2031", 2031)):
        d = build_instance(name, year)
        write_target_scenario(name, year)
        print(
            f"{name}: critical content {critical_content(d):,.0f} t/yr "
            f"(without Cu, Al: {critical_content(d, ('Cu', 'Al')):,.0f} t/yr)"
        )
        for fid, (lo, t, hi, _) in feed_tonnages(year).items():
            print(f"  {fid:20s} {t:10,.0f} t/yr ({lo:,.0f} - {hi:,.0f})")


if __name__ == "__main__":
    main()

"""Crafted small instances for the regulation tests, and an independent ratio recomputation.

Every optimum used by the tests is worked out by hand in the test that uses it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import plantopt

MATERIALS = [
    ("Li", True, True, 1.0),
    ("Co", True, True, 1.0),
    ("Cu", True, True, 0.0),
    ("other", False, False, 0.0),
]


def _df(cols: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=cols.split(","))


def battery_case(
    *,
    hydromet: bool = True,
    contracted_min: float = 0.0,
    shredder_capacity: float = 1000.0,
    hydromet_option: tuple | None = None,
    budget: float | None = None,
    target_year: int | None = None,
    contracts: list[tuple] | None = None,
    reg_class: str = "battery:lithium",
    scrap_cost: float | None = None,
) -> plantopt.Instance:
    """Li-ion feed (100 t/yr: Li 2 %, Co 10 %, other 88 %), profit objective.

    shredder: black_mass gets 95 % of Li and Co and 5 % of other (0.158 t per t of feed);
    scrap gets the rest and is sold as recycled scrap (no price, Co not recovered there).
    black mass -> hydromet (opex 500 EUR/t; Li 90 % to li2co3, Co 98 % to coso4) or smelter
    (opex 100 EUR/t; Co 98 % to alloy, Li to slag -> landfill). Co pays 20,000 EUR/t, Li 0.
    With ``scrap_cost`` the scrap may instead go to landfill for free, and recycling it costs
    ``scrap_cost`` EUR/t.
    """
    manifest = {
        "name": "reg-battery",
        "objective": "profit",
        "discount_rate": 0.0,
        "target_year": target_year,
        "budget_eur": budget,
    }
    units = [
        ("shredder", "preprocessing", 0.0, shredder_capacity),
        ("smelter", "refining", 100.0, 1000.0),
    ]
    if hydromet:
        units.append(("hydromet", "refining", 500.0, 0.0 if hydromet_option else 1000.0))
    tc = [
        ("shredder", "Li", "black_mass", 0.95),
        ("shredder", "Li", "scrap", 0.05),
        ("shredder", "Co", "black_mass", 0.95),
        ("shredder", "Co", "scrap", 0.05),
        ("shredder", "other", "black_mass", 0.05),
        ("shredder", "other", "scrap", 0.95),
        ("smelter", "Co", "alloy", 0.98),
        ("smelter", "Co", "slag", 0.02),
        ("smelter", "Li", "slag", 1.0),
        ("smelter", "other", "slag", 1.0),
    ]
    routing = [
        ("shredder", "scrap", "product", "scrap", scrap_cost or 0.0),
        ("shredder", "black_mass", "unit", "smelter", 0.0),
        ("smelter", "alloy", "product", "co_alloy", 0.0),
        ("smelter", "slag", "disposal", "landfill", 0.0),
    ]
    if scrap_cost is not None:
        routing.append(("shredder", "scrap", "disposal", "landfill", 0.0))
    if hydromet:
        tc += [
            ("hydromet", "Li", "li_salt", 0.90),
            ("hydromet", "Li", "residue", 0.10),
            ("hydromet", "Co", "co_salt", 0.98),
            ("hydromet", "Co", "residue", 0.02),
            ("hydromet", "other", "residue", 1.0),
        ]
        routing += [
            ("shredder", "black_mass", "unit", "hydromet", 0.0),
            ("hydromet", "li_salt", "product", "li2co3", 0.0),
            ("hydromet", "co_salt", "product", "coso4", 0.0),
            ("hydromet", "residue", "disposal", "landfill", 0.0),
        ]
    tables = {
        "materials": _df("material,eu_critical,eu_strategic,recovery_weight", MATERIALS),
        "feeds": _df(
            "feed_id,feed_class,reg_class,available_t_per_yr,contracted_min_t_per_yr,"
            "gate_fee_eur_per_t",
            [("liion", "li_ion", reg_class, 100.0, contracted_min, 0.0)],
        ),
        "composition": _df(
            "feed_id,material,mass_frac",
            [("liion", "Li", 0.02), ("liion", "Co", 0.10), ("liion", "other", 0.88)],
        ),
        "units": _df("unit_id,stage,opex_eur_per_t,existing_capacity_t_per_yr", units),
        "capacity_options": _df(
            "unit_id,option_id,capacity_t_per_yr,capex_eur,lifetime_yr",
            [("hydromet", *hydromet_option)] if hydromet_option else [],
        ),
        "transfer_coefficients": _df("unit_id,material,output_id,tc_frac", tc),
        "routing": _df("unit_id,output_id,to_kind,to_id,cost_eur_per_t", routing),
        "feed_entry": _df("feed_class,unit_id", [("li_ion", "shredder")]),
        "products": _df(
            "product_id,counts_recycled",
            [("scrap", True), ("co_alloy", True), ("li2co3", True), ("coso4", True)],
        ),
        "product_prices": _df(
            "product_id,material,price_eur_per_t,recovered",
            [
                ("co_alloy", "Co", 20000.0, True),
                ("coso4", "Co", 20000.0, True),
                ("li2co3", "Li", 0.0, True),
                ("scrap", "Co", 0.0, False),
                # the scrap's bulk (steel, aluminium, plastics) is a recycled output fraction
                ("scrap", "other", 0.0, True),
            ],
        ),
        "offtake_contracts": _df(
            "contract_id,product_id,material,max_t_per_yr,min_t_per_yr,premium_eur_per_t",
            contracts or [],
        ),
    }
    return plantopt.instance_from_tables(manifest, tables)


def weee_case(target_year: int | None = None) -> plantopt.Instance:
    """WEEE cat. 6 feed (100 t/yr: Cu 20 %, other 80 %), profit objective.

    dismantling: metals get 95 % of Cu and 10 % of other (0.27 t per t of feed) and are sold
    as Cu scrap (Cu 5,000 EUR/t); plastics (0.73 t per t) go to landfill (50 EUR/t), to
    incineration with energy recovery (60 EUR/t, counts as recovered) or to plastics
    recycling (120 EUR/t, counts as recycled).
    """
    manifest = {
        "name": "reg-weee",
        "objective": "profit",
        "discount_rate": 0.0,
        "target_year": target_year,
    }
    tables = {
        "materials": _df("material,eu_critical,eu_strategic,recovery_weight", MATERIALS),
        "feeds": _df(
            "feed_id,feed_class,reg_class,available_t_per_yr,gate_fee_eur_per_t",
            [("small_it", "weee", "weee:6", 100.0, 0.0)],
        ),
        "composition": _df(
            "feed_id,material,mass_frac", [("small_it", "Cu", 0.20), ("small_it", "other", 0.80)]
        ),
        "units": _df(
            "unit_id,stage,opex_eur_per_t,existing_capacity_t_per_yr",
            [("dismantling", "dismantling", 0.0, 1000.0)],
        ),
        "capacity_options": _df("unit_id,option_id,capacity_t_per_yr,capex_eur", []),
        "transfer_coefficients": _df(
            "unit_id,material,output_id,tc_frac",
            [
                ("dismantling", "Cu", "metals", 0.95),
                ("dismantling", "Cu", "plastics", 0.05),
                ("dismantling", "other", "metals", 0.10),
                ("dismantling", "other", "plastics", 0.90),
            ],
        ),
        "routing": _df(
            "unit_id,output_id,to_kind,to_id,cost_eur_per_t,counts_recovered",
            [
                ("dismantling", "metals", "product", "cu_scrap", 0.0, False),
                ("dismantling", "plastics", "disposal", "landfill", 50.0, False),
                ("dismantling", "plastics", "disposal", "wte", 60.0, True),
                ("dismantling", "plastics", "product", "plastic_regrind", 120.0, False),
            ],
        ),
        "feed_entry": _df("feed_class,unit_id", [("weee", "dismantling")]),
        "products": _df(
            "product_id,counts_recycled", [("cu_scrap", True), ("plastic_regrind", True)]
        ),
        "product_prices": _df(
            "product_id,material,price_eur_per_t,recovered", [("cu_scrap", "Cu", 5000.0, True)]
        ),
    }
    return plantopt.instance_from_tables(manifest, tables)


# --------------------------------------------------------------------------------------
# independent recomputation of every target ratio from the result tables


def _tc_lookup(instance: plantopt.Instance):
    tc = instance["transfer_coefficients"]
    rows: dict[tuple[str, str, str], dict[str, float]] = {}
    for u, cls, m, o, x in zip(
        tc["unit_id"], tc["feed_class"], tc["material"], tc["output_id"], tc["tc_frac"]
    ):
        rows.setdefault((u, cls, m), {})[o] = float(x)

    def frac(unit: str, cls: str, material: str, output: str) -> float:
        for key in (
            (unit, cls, material),
            (unit, cls, "*"),
            (unit, "*", material),
            (unit, "*", "*"),
        ):
            if key in rows:
                return rows[key].get(output, 0.0)
        return 0.0

    return frac


def node_material_masses(instance: plantopt.Instance, result: plantopt.Result) -> pd.DataFrame:
    """Real t/yr of each material at every used node, by walking each node's path.

    Uses only the ``flows`` table (node, parent, output, feed-equivalent flow) and the
    instance's composition and transfer-coefficient tables — no route-tree coefficients.
    """
    mats = list(instance["materials"]["material"])
    comp = {f: np.zeros(len(mats)) for f in instance["feeds"]["feed_id"]}
    for f, m, x in zip(*(instance["composition"][c] for c in ("feed_id", "material", "mass_frac"))):
        comp[f][mats.index(m)] += float(x)
    if "other" in mats:
        for f in comp:
            comp[f][mats.index("other")] += max(0.0, 1.0 - comp[f].sum())
    cls = dict(zip(instance["feeds"]["feed_id"], instance["feeds"]["feed_class"]))
    frac = _tc_lookup(instance)
    fl = result["flows"].set_index("node")
    per_t: dict[int, np.ndarray] = {}

    def composition(n: int) -> np.ndarray:
        if n in per_t:
            return per_t[n]
        r = fl.loc[n]
        parent = int(r["parent_node"])
        if parent < 0:
            out = comp[r["feed_id"]].copy()
        else:
            unit = fl.at[parent, "target_id"]
            out = composition(parent) * np.array(
                [frac(unit, cls[r["feed_id"]], m, r["output_id"]) for m in mats]
            )
        per_t[n] = out
        return out

    rows = []
    for n, r in fl.iterrows():
        x = composition(int(n)) * float(r["flow_feed_equiv_t_per_yr"])
        parent = int(r["parent_node"])
        rows += [
            {
                "node": n,
                "feed_id": r["feed_id"],
                "kind": r["kind"],
                "target_id": r["target_id"],
                "output_id": r["output_id"],
                "parent_unit": fl.at[parent, "target_id"] if parent >= 0 else "",
                "material": m,
                "mass_t_per_yr": x[i],
            }
            for i, m in enumerate(mats)
        ]
    return pd.DataFrame(rows)


def recompute_ratios(instance: plantopt.Instance, result: plantopt.Result) -> dict[str, float]:
    """Achieved ratio of every target in the compliance table whose denominator is positive."""
    nm = node_material_masses(instance, result)
    if nm.empty:
        return {}
    intake = result["feed_intake"].set_index("feed_id")["accepted_t_per_yr"]
    prods = instance["products"].set_index("product_id")
    recycled = set(prods.index[prods["counts_recycled"]])
    recovered_p = recycled | set(prods.index[prods["counts_recovered"]])
    rt = instance["routing"]
    energy = set(
        zip(
            rt.loc[rt["counts_recovered"] & (rt["to_kind"] == "disposal"), "unit_id"],
            rt.loc[rt["counts_recovered"] & (rt["to_kind"] == "disposal"), "output_id"],
            rt.loc[rt["counts_recovered"] & (rt["to_kind"] == "disposal"), "to_id"],
        )
    )
    weight = _weights(instance)
    excl = _excluded(instance, result)
    comp_in = nm[nm["parent_unit"] == ""].groupby(["feed_id", "material"])["mass_t_per_yr"].sum()
    out = {}
    for r in result["compliance"].itertuples():
        feeds = [f for f in r.covered_feeds.split(",") if f]
        sel = nm[nm["feed_id"].isin(feeds)]
        into = sel["kind"] == "product"
        w = np.array([weight.get((p, m), 0.0) for p, m in zip(sel["target_id"], sel["material"])])
        if r.kind == "material_recovery":
            is_k = into & (sel["material"] == r.material)
            num = float((sel["mass_t_per_yr"].to_numpy() * w)[is_k.to_numpy()].sum())
            den = sum(comp_in.get((f, r.material), 0.0) for f in feeds)
        elif r.kind == "recycling_efficiency":
            keep = (into & sel["target_id"].isin(recycled) & ~sel["material"].isin(excl)).to_numpy()
            num = float((sel["mass_t_per_yr"].to_numpy() * w)[keep].sum())
            den = float(intake.reindex(feeds).fillna(0.0).sum()) - sum(
                comp_in.get((f, m), 0.0) for f in feeds for m in excl
            )
        else:
            ok = into & sel["target_id"].isin(
                recovered_p if r.kind == "weee_recovery" else recycled
            )
            if r.kind == "weee_recovery":
                ok |= (sel["kind"] == "disposal") & pd.Series(
                    [
                        (u, o, t) in energy
                        for u, o, t in zip(sel["parent_unit"], sel["output_id"], sel["target_id"])
                    ],
                    index=sel.index,
                )
            num = sel.loc[ok, "mass_t_per_yr"].sum()
            den = float(intake.reindex(feeds).fillna(0.0).sum())
        if den > 0:
            out[r.target_id] = float(num / den)
    return out


def _weights(instance: plantopt.Instance) -> dict[tuple[str, str], float]:
    """(product, material) -> share counted at the calculation point (2025/606): 1 where a
    final product's material counts as recovered, the downstream recovery of an
    intermediate product."""
    prods = instance["products"].set_index("product_id")
    inter = set(prods.index[prods["calc_point"] == "intermediate"])
    pp = instance["product_prices"]
    out = {
        (p, m): 1.0
        for p, m, rec in zip(pp["product_id"], pp["material"], pp["recovered"])
        if rec and p not in inter
    }
    dr = instance["downstream_recovery"]
    for p, m, x in zip(dr["product_id"], dr["material"], dr["recovery_frac"]):
        if p in inter:
            out[(p, m)] = float(x)
    return out


def _excluded(instance: plantopt.Instance, result: plantopt.Result) -> set[str]:
    """Materials left out of Part B: partb_excludable, when the manifest says so, <= 2029."""
    year = instance.manifest.get("target_year")
    if not instance.manifest.get("partb_exclude_substances") or year is None or year > 2029:
        return set()
    mats = instance["materials"]
    return set(mats.loc[mats["partb_excludable"], "material"])

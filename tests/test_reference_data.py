"""Checks on the reference dataset (plantopt/data/reference) and the NL instances built from it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from plantopt.instance.schema import TABLES

DATA = Path(__file__).resolve().parents[1] / "plantopt" / "data"
REF = DATA / "reference"
NL = [DATA / "instances" / "nl-2027", DATA / "instances" / "nl-2031"]
TOL = 1e-6


def ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, keep_default_na=False)


REF_FILES = sorted(p.name for p in REF.glob("*.csv"))


@pytest.mark.parametrize("name", REF_FILES)
def test_every_reference_row_has_a_source(name: str) -> None:
    df = ref(name)
    assert "source" in df.columns, f"{name} has no source column"
    empty = df[df["source"].astype(str).str.strip() == ""]
    assert empty.empty, f"{name}: rows without source: {empty.index.tolist()}"


def _ranges_ok(df: pd.DataFrame, lo: str, nom: str, hi: str) -> pd.DataFrame:
    return df[(df[lo] > df[nom] + TOL) | (df[nom] > df[hi] + TOL)]


def test_compositions_sum_at_most_one_and_ranges_ordered() -> None:
    comp = ref("feed_compositions.csv")
    sums = comp.groupby("feed_type")["mass_frac"].sum()
    assert (sums <= 1 + TOL).all(), sums[sums > 1 + TOL]
    assert (comp.groupby("feed_type")["mass_frac_low"].sum() <= 1 + TOL).all()
    bad = _ranges_ok(comp, "mass_frac_low", "mass_frac", "mass_frac_high")
    assert bad.empty, bad
    assert ((comp["mass_frac_low"] >= 0) & (comp["mass_frac_high"] <= 1)).all()
    # every feed type of feed_types.csv has a composition
    types = set(ref("feed_types.csv")["feed_type"])
    assert types <= set(comp["feed_type"])


def test_transfer_coefficients_sum_to_one_and_ranges_ordered() -> None:
    tc = ref("unit_transfer_coefficients.csv")
    sums = tc.groupby(["unit_id", "feed_class", "material"])["tc_frac"].sum()
    off = sums[(sums - 1).abs() > TOL]
    assert off.empty, off
    bad = _ranges_ok(tc, "tc_frac_low", "tc_frac", "tc_frac_high")
    assert bad.empty, bad
    units = set(ref("process_units.csv")["unit_id"])
    assert set(tc["unit_id"]) == units


def test_class_specific_blocks_do_not_hide_material_defaults() -> None:
    """The loader resolves (class, m) > (class, '*') > ('*', m) > ('*', '*'): a class block
    with its own '*' row must list every material that has a default row of its own."""
    tc = ref("unit_transfer_coefficients.csv")
    for (u, cls), block in tc[tc["feed_class"] != "*"].groupby(["unit_id", "feed_class"]):
        if "*" not in set(block["material"]):
            continue
        defaults = set(tc[(tc["unit_id"] == u) & (tc["feed_class"] == "*")]["material"]) - {"*"}
        assert defaults <= set(block["material"]), (u, cls, defaults - set(block["material"]))


def test_routing_covers_every_output() -> None:
    tc = ref("unit_transfer_coefficients.csv")
    routing = ref("unit_routing.csv")
    outs = set(zip(tc["unit_id"], tc["output_id"]))
    routed = set(zip(routing["unit_id"], routing["output_id"]))
    assert outs <= routed, outs - routed
    products = set(ref("products.csv")["product_id"])
    assert set(routing.loc[routing["to_kind"] == "product", "to_id"]) <= products


def test_prices_positive_dated_and_in_eur() -> None:
    prices = ref("product_prices.csv")
    paid = prices[prices["payable_frac"] > 0]
    unpaid_quote = paid["source"].str.contains("quote 'zero'")
    assert (paid.loc[~unpaid_quote, "price_eur_per_t"] > 0).all()
    assert (prices["price_eur_per_t"] >= 0).all()
    assert prices["price_date"].astype(str).str.fullmatch(r"\d{4}-\d{2}").all()
    assert prices["price_date_2031"].astype(str).str.fullmatch(r"\d{4}-\d{2}").all()
    assert (prices["currency"] == "EUR").all()
    assert not _ranges_ok(
        prices, "price_eur_per_t_low", "price_eur_per_t", "price_eur_per_t_high"
    ).shape[0]
    assert not _ranges_ok(prices, "payable_frac_low", "payable_frac", "payable_frac_high").shape[0]
    # black mass: Ni/Co payables 68 % (Fastmarkets, CIF South Korea, Jan 2024), range 47 %
    # (EU, Jan 2024) to 82 % (offers, Oct 2023); changed in issue 12 from 50 % (47-52 %),
    # a range that excluded the Asian market where most black mass is sold
    bm = prices[prices["product_id"] == "black_mass"].set_index("material")
    assert bm.loc["Ni", "payable_frac"] == pytest.approx(0.68)
    assert bm.loc["Ni", "payable_frac_low"] <= 0.47 and bm.loc["Ni", "payable_frac_high"] >= 0.8
    assert not bm["recovered"].astype(bool).any()


def test_li2co3_price_is_per_tonne_of_contained_lithium() -> None:
    # Li2CO3: 2 x 6.941 / (2 x 6.941 + 12.011 + 3 x 15.999) = 13.882 / 73.890 = 18.79 % Li.
    # Quote (issue 12): SMM spot 152,500 CNY/t incl. 13 % VAT, 20 Jan 2026; 7.0 CNY/USD,
    # 0.857 EUR/USD -> 152500 / 1.13 / 7.0 x 0.857 / 0.1879 = 87.9 kEUR per t Li.
    li_frac = 2 * 6.941 / (2 * 6.941 + 12.011 + 3 * 15.999)
    q = ref("price_quotes.csv").set_index("quote_id").loc["li2co3"]
    assert (q["unit"], q["vat_frac"], q["date"]) == ("CNY/t", 0.13, "2026-01")
    p = ref("product_prices.csv")
    p = p[(p["product_id"] == "li2co3") & (p["material"] == "Li")].iloc[0]
    expected = q["value"] / 1.13 / 7.0 * 0.857 / li_frac
    assert p["price_eur_per_t"] == pytest.approx(expected, rel=1e-3)
    assert p["price_eur_per_t"] == pytest.approx(87_930, rel=1e-3)


def test_materials_crma_status() -> None:
    m = ref("materials.csv").set_index("material")
    for not_critical in ("Au", "Ag", "Sn", "Pb", "Zn", "In", "Fe"):
        assert not m.loc[not_critical, "eu_critical"], not_critical
    for strategic in (
        "Li",
        "Co",
        "Ni",
        "Mn",
        "Cu",
        "Al",
        "graphite",
        "Nd",
        "Pr",
        "Dy",
        "Pd",
        "Ga",
        "Si",
    ):
        assert m.loc[strategic, "eu_strategic"] and m.loc[strategic, "eu_critical"]
    assert m["eu_critical"][m["eu_strategic"]].all()  # strategic implies critical
    required = {
        "Li",
        "Co",
        "Ni",
        "Mn",
        "Cu",
        "Al",
        "Fe",
        "P",
        "Pb",
        "Cd",
        "Zn",
        "graphite",
        "Nd",
        "Pr",
        "Dy",
        "La",
        "Ce",
        "Au",
        "Ag",
        "Pd",
        "In",
        "Ga",
        "Sb",
        "Sn",
        "Si",
        "plastics",
        "glass",
        "electrolyte",
        "other",
    }
    assert required <= set(m.index)
    # weight rule: strategic 1 (bulk Al, Cu x 0.1), critical-only 0.5, otherwise 0
    for mat, r in m.iterrows():
        expected = 1.0 if r["eu_strategic"] else 0.5 if r["eu_critical"] else 0.0
        expected *= 0.1 if mat in ("Al", "Cu") else 1.0
        assert r["recovery_weight"] == pytest.approx(expected), mat


# ------------------------------------------------------------------ instances


@pytest.mark.parametrize("inst", NL, ids=lambda p: p.name)
def test_instance_csv_columns_match_schema(inst: Path) -> None:
    for table in TABLES.values():
        path = inst / table.file
        if not table.required and not path.exists():
            continue
        cols = list(pd.read_csv(path, nrows=0).columns)
        assert cols == table.column_names, (table.file, cols)


@pytest.mark.parametrize("inst", NL, ids=lambda p: p.name)
def test_instance_values_within_reference_ranges(inst: Path) -> None:
    comp = pd.read_csv(inst / "composition.csv")
    assert (comp["mass_frac_low"] <= comp["mass_frac"] + TOL).all()
    assert (comp["mass_frac"] <= comp["mass_frac_high"] + TOL).all()
    assert (comp.groupby("feed_id")["mass_frac"].sum() <= 1 + TOL).all()
    tc = pd.read_csv(inst / "transfer_coefficients.csv")
    rtc = ref("unit_transfer_coefficients.csv")
    m = tc.merge(
        rtc,
        on=["unit_id", "feed_class", "material", "output_id"],
        suffixes=("", "_ref"),
        how="left",
    )
    assert m["tc_frac_ref"].notna().all()
    assert (
        (m["tc_frac"] >= m["tc_frac_low_ref"] - TOL) & (m["tc_frac"] <= m["tc_frac_high_ref"] + TOL)
    ).all()
    units = pd.read_csv(inst / "units.csv").merge(
        ref("process_units.csv"), on="unit_id", suffixes=("", "_ref")
    )
    assert (
        (units["opex_eur_per_t"] >= units["opex_low"])
        & (units["opex_eur_per_t"] <= units["opex_high"])
    ).all()
    prices = pd.read_csv(inst / "product_prices.csv").merge(
        ref("product_prices.csv"), on=["product_id", "material"], suffixes=("", "_ref")
    )
    assert (
        (prices["price_eur_per_t"] >= prices["price_eur_per_t_low"] - 1e-6)
        & (prices["price_eur_per_t"] <= prices["price_eur_per_t_high"] + 1e-6)
    ).all()
    for table in TABLES.values():
        path = inst / table.file
        if path.exists() and "source" in table.column_names:
            src = pd.read_csv(path, keep_default_na=False)["source"].astype(str).str.strip()
            assert (src != "").all(), table.file


def test_nl_2027_recoverable_critical_materials_vs_government_estimate() -> None:
    """Like for like: recovered critical raw materials at maximal recovery (all waste
    batteries and WEEE categories 1-6, graphite excluded, Cu/Al counted as CRMA strategic)
    within 30 % of the government's ~5.9 kt/yr.

    Replaces (issue 12) the old check of *content at 100 %* of 11 feeds within x2.5, which
    could not fail. The government's Cu/Al convention is not public: without Cu and Al the
    same quantity is ~0.4 kt/yr, so the agreement rests on counting Cu and Al (asserted below
    so that a change of that split is noticed).
    """
    from plantopt.data.government_comparison import (
        GOVERNMENT_T_PER_YR,
        recoverable_critical_t_per_yr,
    )

    rec = recoverable_critical_t_per_yr(NL[0])
    total = sum(rec.values())
    assert abs(total / GOVERNMENT_T_PER_YR - 1) <= 0.30, total
    bulk = rec.get("Cu", 0.0) + rec.get("Al", 0.0)
    assert bulk / total > 0.8, (bulk, total)


def test_nl_ev_packs_calibrated_to_arn() -> None:
    """EV packs come from the vintage model calibrated to ARN (2022-2024): the fit is within
    30 % of every ARN year, and 2027 is far below the old EU-share estimate (9.7 kt)."""
    from plantopt.data.ev_vintage import calibrate, misfit

    fit = calibrate(15.0, 3.5)
    assert misfit(fit) <= 0.30, fit
    ev = ["ev_nmc111", "ev_nmc622", "ev_nmc811", "ev_nca", "ev_lfp"]
    f27 = pd.read_csv(NL[0] / "feeds.csv").set_index("feed_id")
    assert 800 <= f27.loc[ev, "available_t_per_yr"].sum() <= 3000
    assert (f27.loc[ev, "available_t_per_yr_low"] <= f27.loc[ev, "available_t_per_yr"]).all()
    assert (f27.loc[ev, "available_t_per_yr"] <= f27.loc[ev, "available_t_per_yr_high"]).all()
    # packs retiring in 2027 are 2013-2020 vintages: NCA present, LFP a minority
    assert f27.loc["ev_nca", "available_t_per_yr"] > f27.loc["ev_lfp", "available_t_per_yr"]
    assert f27.loc["ev_production_scrap", "available_t_per_yr"] == 0


def test_nl_2031_ev_packs_grow() -> None:
    f27 = pd.read_csv(NL[0] / "feeds.csv").set_index("feed_id")["available_t_per_yr"]
    f31 = pd.read_csv(NL[1] / "feeds.csv").set_index("feed_id")["available_t_per_yr"]
    ev = ["ev_nmc111", "ev_nmc622", "ev_nmc811", "ev_nca", "ev_lfp"]
    # vintage model (issue 12; was the EY EU estimate x7^0.4): the 2019-2024 fleet growth
    # reaches end of life after 2027, so 2031 is about three times 2027
    assert f31[ev].sum() / f27[ev].sum() > 2.0


def test_collection_is_actual_and_targets_are_a_scenario() -> None:
    """Base tonnages are collected actuals (Stibat 2022, ARN 2019); the legal collection
    targets only appear in the generated scenario file."""
    import yaml

    f27 = pd.read_csv(NL[0] / "feeds.csv").set_index("feed_id")
    assert f27.loc["lead_acid", "available_t_per_yr"] == 13443
    assert f27.loc["ebike_liion", "available_t_per_yr"] == 310
    sc = yaml.safe_load((DATA / "scenarios" / "nl-2027-collection-targets.yaml").read_text())
    targets = sc["cases"][1]
    assert targets["feeds[feed_id=ebike_liion].available_t_per_yr"] == round(1900 * 0.51)
    assert (
        f27.loc["portable_liion", "available_t_per_yr"]
        < targets["feeds[feed_id=portable_liion].available_t_per_yr"]
    )


def test_weee_categories_1_to_6_are_feeds() -> None:
    feeds = pd.read_csv(NL[0] / "feeds.csv")
    cats = set(feeds["reg_class"])
    assert {f"weee:{k}" for k in range(1, 7)} <= cats


def test_capex_fitted_to_three_public_plants_per_route() -> None:
    from plantopt.data.capex_fit import fit_route

    for route in ("hydromet", "preprocessing", "pm_smelter"):
        f = fit_route(route)
        assert f.n_plants >= 3 and 0.6 <= f.exponent <= 1.0
        assert f.low_factor < 1 < f.high_factor
    # hydromet at 5 kt/yr black mass: tens of MEUR, not the old 245 MEUR
    cap = pd.read_csv(NL[0] / "capacity_options.csv").set_index(["unit_id", "option_id"])
    assert 15e6 <= cap.loc[("hydromet", "c5000"), "capex_eur"] <= 60e6
    assert (
        cap.loc[("hydromet", "c5000"), "capex_eur_high"]
        >= 3 * cap.loc[("hydromet", "c5000"), "capex_eur"]
    )


INSTANCES = sorted(p for p in (DATA / "instances").iterdir() if p.is_dir())


@pytest.mark.parametrize("inst", INSTANCES, ids=lambda p: p.name)
def test_every_data_row_of_every_shipped_instance_has_a_source(inst: Path) -> None:
    for table in TABLES.values():
        path = inst / table.file
        if not path.exists():
            continue
        df = pd.read_csv(path, keep_default_na=False)
        assert "source" in df.columns, (inst.name, table.file)
        empty = df[df["source"].astype(str).str.strip() == ""]
        assert empty.empty, (inst.name, table.file, empty.index.tolist())


# ------------------------------------------------------ hub plausibility check
#
# Published hub nameplate (DATA_SOURCES, uncertain press figures): 35 kt/yr black mass ->
# ~8.5 kt Li2CO3, 48 kt NiSO4.6H2O, 7.5 kt CoSO4.7H2O.
# Molar masses: Li 6.941, Ni 58.693, Co 58.933, C 12.011, O 15.999, S 32.06, H 1.008.
LI_IN_LI2CO3 = 2 * 6.941 / (2 * 6.941 + 12.011 + 3 * 15.999)  # 18.79 %
H2O = 2 * 1.008 + 15.999
SO4 = 32.06 + 4 * 15.999
NI_IN_NISO4_6H2O = 58.693 / (58.693 + SO4 + 6 * H2O)  # 22.33 %
CO_IN_COSO4_7H2O = 58.933 / (58.933 + SO4 + 7 * H2O)  # 20.97 %
HUB_BM = 35000.0
HUB = {
    "Li": 8500 * LI_IN_LI2CO3,
    "Ni": 48000 * NI_IN_NISO4_6H2O,
    "Co": 7500 * CO_IN_COSO4_7H2O,
}  # contained t/yr: Li 1597, Ni 10718, Co 1573
PRODUCT_OUTPUT = {"Li": "li_salt", "Ni": "niso4", "Co": "coso4"}
#: Black-mass spec (Fastmarkets MB-BMS-0004): Ni 15-25 %, Co 5-15 %, Li 3-5 %.
SPEC = {"Ni": (0.15, 0.25), "Co": (0.05, 0.15), "Li": (0.03, 0.05)}


def _hydromet_tc(col: str = "tc_frac") -> dict[str, float]:
    tc = ref("unit_transfer_coefficients.csv")
    tc = tc[(tc["unit_id"] == "hydromet") & (tc["feed_class"] == "*")]
    return {
        m: float(tc[(tc["material"] == m) & (tc["output_id"] == o)][col].iloc[0])
        for m, o in PRODUCT_OUTPUT.items()
    }


def test_stoichiometry_constants() -> None:
    assert LI_IN_LI2CO3 == pytest.approx(0.1879, abs=1e-4)
    assert NI_IN_NISO4_6H2O == pytest.approx(0.2233, abs=1e-4)
    assert CO_IN_COSO4_7H2O == pytest.approx(0.2097, abs=1e-4)


def test_hub_nameplate_vs_mid_spec_black_mass() -> None:
    """Mid-spec black mass (Ni 20 %, Co 10 %, Li 4 %) through the reference hydromet tc.

    The nameplate is NOT consistent with the spec per product: 48 kt NiSO4.6H2O holds
    10.7 kt Ni = 31 % of 35 kt black mass (spec max 25 %), and 7.5 kt CoSO4.7H2O holds
    1.57 kt Co = 4.5 % (spec min 5 %): the hub assumes a Ni-rich, Co-lean (NMC811-type)
    black mass. What holds is the total payable-metal throughput: Li+Ni+Co in products
    within 25 % of the nameplate's contained Li+Ni+Co (13.9 kt/yr).
    """
    tc = _hydromet_tc()
    grade = {"Ni": 0.20, "Co": 0.10, "Li": 0.04}
    out = {m: HUB_BM * grade[m] * tc[m] for m in grade}
    total, hub_total = sum(out.values()), sum(HUB.values())
    assert abs(total / hub_total - 1) <= 0.25, (total, hub_total)
    # Li alone fits: 1.26 kt Li = 6.7 kt Li2CO3 vs 8.5 kt (within 25 %)
    assert abs(out["Li"] / HUB["Li"] - 1) <= 0.25


def test_hub_li_and_co_inside_spec_envelope() -> None:
    """Li2CO3 and CoSO4.7H2O nameplates lie inside [spec low x tc low, spec high x tc high]
    (10 % tolerance); NiSO4.6H2O does not (documented above)."""
    lo, hi = _hydromet_tc("tc_frac_low"), _hydromet_tc("tc_frac_high")
    for m in ("Li", "Co"):
        env = (HUB_BM * SPEC[m][0] * lo[m] * 0.9, HUB_BM * SPEC[m][1] * hi[m] * 1.1)
        assert env[0] <= HUB[m] <= env[1], (m, env, HUB[m])
    ni_max = HUB_BM * SPEC["Ni"][1] * hi["Ni"]
    assert HUB["Ni"] > ni_max  # the inconsistency: the nameplate needs > 25 % Ni


def test_hub_nameplate_vs_reference_nmc811_black_mass() -> None:
    """Black mass made by the reference chain from NMC811 cells (shred_bm nominal tc), scaled
    to 35 kt/yr, through the hydromet tc: each product within 35 % of the nameplate."""
    comp = ref("feed_compositions.csv")
    cell = comp[comp["feed_type"] == "li_nmc811_cell"].set_index("material")["mass_frac"]
    cell = pd.concat([cell, pd.Series({"other": 1 - cell.sum()})])
    tc = ref("unit_transfer_coefficients.csv")
    sb = tc[
        (tc["unit_id"] == "shred_bm")
        & (tc["feed_class"] == "*")
        & (tc["output_id"] == "black_mass")
    ].set_index("material")["tc_frac"]
    bm = pd.Series({m: f * sb.get(m, sb["*"]) for m, f in cell.items()})
    grade = bm / bm.sum()
    # the grade lands inside the spec for Li (3-5 %), Ni is at/above the top of 15-25 %
    assert SPEC["Li"][0] <= grade["Li"] <= SPEC["Li"][1]
    h = _hydromet_tc()
    for m in ("Li", "Ni", "Co"):
        made = HUB_BM * grade[m] * h[m]
        assert abs(made / HUB[m] - 1) <= 0.35, (m, made, HUB[m], grade[m])


# ------------------------------------------------- load, validate, solve (engine)


@pytest.mark.parametrize("inst", NL, ids=lambda p: p.name)
def test_nl_instances_load_and_validate(inst: Path) -> None:
    from plantopt import load_instance, validate

    problems = validate(str(inst))
    errors = [p for p in problems if getattr(p, "severity", "error") == "error"]
    assert not errors, errors
    assert load_instance(str(inst)) is not None


@pytest.mark.parametrize("inst", NL, ids=lambda p: p.name)
@pytest.mark.parametrize("objective", ["recovery", "profit"])
def test_nl_instances_solve_to_optimality(inst: Path, objective: str) -> None:
    from plantopt import load_instance, solve

    result = solve(load_instance(str(inst)), objective=objective, time_limit_s=60)
    assert str(result.status).lower().endswith("optimal"), result.status
    built = result.tables["built_units"]
    n_units = len(pd.read_csv(inst / "units.csv"))
    assert 0 < len(built) < n_units  # a plan: something built, not everything


def test_primary_rows_survive_regeneration() -> None:
    """build_instances.py drops and regenerates only rows marked as derived by it; primary
    rows calculated by hand (LiPF6 phosphorus, NiMH mischmetal) must stay."""
    comp = ref("feed_compositions.csv")
    nimh = set(comp.loc[comp["feed_type"] == "nimh", "material"])
    assert {"La", "Ce", "Nd", "Pr", "Ni", "Co"} <= nimh
    assert "P" in set(comp.loc[comp["feed_type"] == "li_nmc811_cell", "material"])

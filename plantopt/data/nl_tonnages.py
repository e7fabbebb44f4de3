"""Tonnes per year on offer for each Dutch feed: collected actuals, the EV vintage model, and
the legal collection targets as a scenario.

Every value is (low, nominal, high) t/yr with the recipe in words (the ``source`` of the feed
row). Base case = what is actually collected (Stibat, ARN, Stichting OPEN); the EU collection
targets (Battery Regulation Art. 59 / 69) are only used by :func:`target_scenario`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from plantopt.data.ev_vintage import describe_fit, ev_tonnes

REF = Path(__file__).resolve().parent / "reference"
Tonnes = tuple[float, float, float, str]
#: feed id -> EV chemistry of the vintage model
EV_FEEDS = {
    "ev_nmc111": "nmc111",
    "ev_nmc622": "nmc622",
    "ev_nmc811": "nmc811",
    "ev_nca": "nca",
    "ev_lfp": "lfp",
}


def _anchors() -> pd.DataFrame:
    return pd.read_csv(REF / "nl_anchors.csv", keep_default_na=False).set_index("anchor_id")


def _src(a: pd.DataFrame, *ids: str) -> str:
    return "; ".join(
        f"{i} = {a.loc[i, 'value']} {a.loc[i, 'unit']} ({a.loc[i, 'source']})" for i in ids
    )


def _v(a: pd.DataFrame, i: str) -> float:
    return float(a.loc[i, "value"])


def _ev(year: int, a: pd.DataFrame) -> dict[str, Tonnes]:
    life = (_v(a, "ev_life_mean_low_yr"), _v(a, "ev_life_mean_yr"), _v(a, "ev_life_mean_high_yr"))
    t, fits = ev_tonnes(year, life, _v(a, "ev_life_weibull_shape"))
    total = sum(v[1] for v in t.values())
    recipe = (
        f"EV vintage model (plantopt/data/ev_vintage.py): BEV fleet additions per vintage "
        f"(ev_fleet.csv, CBS/RDW/RAI) x pack mass x chemistry share by vintage "
        f"(ev_vintage_mix.csv) x Weibull retirement, calibrated to ARN 2022-2024; "
        f"{describe_fit(fits[1])}; all EV packs {year}: {total:,.0f} t; low/high: mean "
        f"life {life[0]:g} / {life[2]:g} yr refitted, widened by the misfit to ARN"
    )
    out = {fid: (*t[c], f"{recipe}; share {c}") for fid, c in EV_FEEDS.items()}
    s = _v(a, "ev_production_scrap")
    out["ev_production_scrap"] = (s, s, s, _src(a, "ev_production_scrap"))
    return out


def _pv(year: int, a: pd.DataFrame) -> Tonnes:
    t21 = _v(a, "pv_discards_2021")
    t30 = _v(a, "pv_panels_2030") * _v(a, "pv_panel_mass_kg") / 1000.0
    nom = t21 * (t30 / t21) ** ((year - 2021) / 9.0)
    return (
        nom * 0.5,
        nom,
        nom * 1.5,
        f"assumption: exponential interpolation between {t21:,.0f} t (2021) and "
        f"{t30:,.0f} t (2030) = {nom:,.0f} t in {year}; range x0.5 - x1.5; "
        + _src(a, "pv_discards_2021", "pv_panels_2030", "pv_panel_mass_kg"),
    )


def _weee(year: int, a: pd.DataFrame, pcb_in_small: float) -> dict[str, Tonnes]:
    weee = _v(a, "nl_weee_collected_2024") * (1 + _v(a, "weee_growth")) ** (year - 2024)
    base = (
        f"collected WEEE {year} {weee:,.0f} t ("
        + _src(a, "nl_weee_collected_2024", "weee_growth")
        + ")"
    )

    def cat(share_id: str, extra: float = 1.0, note: str = "") -> Tonnes:
        t = weee * _v(a, share_id) * extra
        return (
            t * 0.7,
            t,
            t * 1.3,
            f"{base} x {share_id}{note}; range x0.7 - x1.3 "
            "(assumption: category share); " + _src(a, share_id),
        )

    return {
        "weee_temp": cat("cat1_share"),
        "weee_screens": cat("cat2_share"),
        "weee_lamps": cat("cat3_share"),
        "weee_large": cat("cat4_share"),
        "weee_small": cat(
            "cat5_share",
            1 - pcb_in_small,
            f" x (1 - PCB share {pcb_in_small:g}, sold as the pcb feed)",
        ),
        "pcb": cat("cat5_share", pcb_in_small, f" x PCB share of cat. 5 {pcb_in_small:g}"),
        "small_it": cat("cat6_share"),
    }


def feed_tonnages(year: int) -> dict[str, Tonnes]:
    """(low, nominal, high, how) t/yr on offer for every NL feed in ``year``."""
    a = _anchors()
    y = "2027" if year < 2031 else "2031"
    mix = pd.read_csv(REF / "feed_mixtures.csv", keep_default_na=False)
    pcb_in_small = float(
        mix[(mix.feed_type == "weee_small") & (mix.component == "pcb")]["share"].iloc[0]
    )
    portable = _v(a, "portable_collected_2022")
    li = portable * _v(a, "portable_liion_share")
    out = _ev(year, a)
    out.update(
        {
            "portable_liion": (
                li * 0.7,
                li,
                li * 1.5,
                "actual collection (not the legal target) x Li-ion share; range "
                "x0.7 - x1.5 (assumption: Li-ion share and growth); "
                + _src(a, "portable_collected_2022", "portable_liion_share"),
            ),
            "ebike_liion": (
                _v(a, "ebike_collected_2022") * 0.8,
                _v(a, "ebike_collected_2022"),
                _v(a, "ebike_collected_2022") * 2.0,
                "actual collection (not the LMT target); range x0.8 - x2 (assumption: "
                "growing e-bike fleet); " + _src(a, "ebike_collected_2022"),
            ),
            "nimh": _nimh(portable, a, y),
            "lead_acid": (
                _v(a, "sli_collected_2019") * 0.9,
                _v(a, "sli_collected_2019"),
                _v(a, "sli_collected_2019") * 1.1,
                "actual collection, range +-10 % (assumption); " + _src(a, "sli_collected_2019"),
            ),
            "hdd": (
                _v(a, f"hdd_{y}") * 0.5,
                _v(a, f"hdd_{y}"),
                _v(a, f"hdd_{y}") * 1.5,
                "range x0.5 - x1.5; " + _src(a, f"hdd_{y}"),
            ),
            "pv": _pv(year, a),
        }
    )
    out.update(_weee(year, a, pcb_in_small))
    return {k: (round(lo), round(nom), round(hi), s) for k, (lo, nom, hi, s) in out.items()}


def _nimh(portable: float, a: pd.DataFrame, y: str) -> Tonnes:
    t = portable * _v(a, "portable_nimh_share") + _v(a, f"nimh_hev_{y}")
    return (
        t * 0.7,
        t,
        t * 1.3,
        "actual portable collection x NiMH share + hybrid packs; "
        "range +-30 % (assumption); "
        + _src(a, "portable_collected_2022", "portable_nimh_share", f"nimh_hev_{y}"),
    )


def target_scenario(year: int) -> dict[str, float]:
    """Feed tonnages if the legal collection targets were met (a scenario, not the base).

    Portable: put on market x target (Art. 59: 63 % by 2027, 73 % by 2030); e-bike: LMT put on
    market x target (Art. 69: 51 % by 2028, 61 % by 2031); NiMH scales with portable.
    """
    a = _anchors()
    y = "2027" if year < 2031 else "2031"
    portable = _v(a, "nl_portable_pom") * _v(a, f"portable_collection_{y}")
    return {
        "portable_liion": round(portable * _v(a, "portable_liion_share")),
        "ebike_liion": round(_v(a, "nl_ebike_pom") * _v(a, f"lmt_collection_{y}")),
        "nimh": round(portable * _v(a, "portable_nimh_share") + _v(a, f"nimh_hev_{y}")),
    }

"""Tonnes per collection region and feed for the ``nlbede-2030`` network instance.

The Dutch 2030 tonnage of every feed comes from :func:`plantopt.data.nl_tonnages.feed_tonnages`
(collected actuals, the EV vintage model). A region's tonnage of feed f is

    t(r, f) = t_NL(f) x ratio(country(r), basis(f)) x population(r) / population(NL)

where ``ratio`` is the country's collected tonnes per inhabitant relative to NL for the feed's
basis (``network_anchors.csv``): WEEE categories, PCBs and small IT scale with the national WEEE
collection (Recupel, Destatis, Stichting OPEN); portable Li-ion and NiMH with the national
portable-battery collection (Bebat, UBA, Stibat); EV packs with an assumed per-capita factor;
the rest (e-bike, lead-acid SLI, PV, hard disks, production scrap) with an assumed factor
(NL per inhabitant). Within a country the split is by population (assumption: collection per
inhabitant is even within a country). Low / high use the low / high NL tonnage and ratio.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from plantopt.data.nl_tonnages import feed_tonnages

REF = Path(__file__).resolve().parent / "reference"
Range = tuple[float, float, float]

#: feed id -> basis of its per-capita ratio between countries
BASIS = {
    "ev_nmc111": "ev",
    "ev_nmc622": "ev",
    "ev_nmc811": "ev",
    "ev_nca": "ev",
    "ev_lfp": "ev",
    "ev_production_scrap": "other",
    "portable_liion": "portable",
    "ebike_liion": "other",
    "nimh": "portable",
    "lead_acid": "other",
    "small_it": "weee",
    "pcb": "weee",
    "hdd": "other",
    "pv": "other",
    "weee_temp": "weee",
    "weee_screens": "weee",
    "weee_lamps": "weee",
    "weee_large": "weee",
    "weee_small": "weee",
}
BASIS_WORDS = {
    "weee": "WEEE collected per inhabitant",
    "portable": "portable batteries collected per inhabitant",
    "ev": "end-of-life EV packs per inhabitant (assumed factor)",
    "other": "tonnage per inhabitant (assumed factor)",
}


def anchors() -> pd.DataFrame:
    """network_anchors.csv indexed by (anchor_id, country); country '' for general figures."""
    a = pd.read_csv(REF / "network_anchors.csv", dtype=str, keep_default_na=False)
    return a.set_index(["anchor_id", "country"])


def anchor(a: pd.DataFrame, anchor_id: str, country: str = "") -> Range:
    """(low, value, high) of one anchor."""
    row = a.loc[(anchor_id, country)]
    return float(row["value_low"]), float(row["value"]), float(row["value_high"])


def regions() -> pd.DataFrame:
    """network_regions.csv."""
    return pd.read_csv(REF / "network_regions.csv", keep_default_na=False)


def _per_capita(a: pd.DataFrame, figure: str, country: str) -> Range:
    lo, nom, hi = anchor(a, figure, country)
    pop = anchor(a, "population", country)[1]
    return lo / pop, nom / pop, hi / pop


def ratio(a: pd.DataFrame, country: str, basis: str) -> Range:
    """(low, nominal, high) tonnes per inhabitant of ``country`` relative to NL for ``basis``.

    weee / portable: (collected / population) of the country over NL's nominal figure;
    ev / other: the assumed factor of network_anchors.csv; NL is 1 by definition.
    """
    if country == "NL":
        return 1.0, 1.0, 1.0
    if basis in ("ev", "other"):
        return anchor(a, f"{basis}_per_capita_factor", country)
    figure = "weee_collected" if basis == "weee" else "portable_collected"
    nl = _per_capita(a, figure, "NL")[1]
    lo, nom, hi = _per_capita(a, figure, country)
    return lo / nl, nom / nl, hi / nl


def _ratio_words(a: pd.DataFrame, country: str, basis: str) -> str:
    if country == "NL":
        return "NL"
    lo, nom, hi = ratio(a, country, basis)
    return (
        f"{country} {BASIS_WORDS[basis]} / NL = {nom:.4f} ({lo:.4f}-{hi:.4f}, network_anchors.csv)"
    )


def region_rows(year: int) -> tuple[list[dict[str, object]], dict[str, Range]]:
    """region_supply rows (nominal) and per feed the (low, nominal, high) total over regions."""
    a = anchors()
    nl = feed_tonnages(year)
    nl_pop = anchor(a, "population", "NL")[1]
    rows: list[dict[str, object]] = []
    totals: dict[str, list[float]] = {}
    for r in regions().itertuples(index=False):
        share = float(r.population) / nl_pop
        for fid, (t_lo, t, t_hi, _) in nl.items():
            basis = BASIS[fid]
            q_lo, q, q_hi = ratio(a, r.country, basis)
            value = round(t * q * share, 1)
            acc = totals.setdefault(fid, [0.0, 0.0, 0.0])
            acc[0] += t_lo * q_lo * share
            acc[1] += value
            acc[2] += t_hi * q_hi * share
            rows.append(
                {
                    "region_id": r.region_id,
                    "feed_id": fid,
                    "available_t_per_yr": value,
                    "source": f"NL {year} tonnage {t:,} t/yr (nl_tonnages.py, see feeds.csv) x "
                    f"ratio {q:.4f} ({_ratio_words(a, r.country, basis)}) x population "
                    f"{int(r.population):,} / NL {int(nl_pop):,} (network_regions.csv, "
                    "network_anchors.csv; assumption: even per inhabitant within a country)",
                }
            )
    out = {f: (round(v[0], 1), round(v[1], 1), round(v[2], 1)) for f, v in totals.items()}
    return rows, out


def country_totals(rows: list[dict[str, object]]) -> dict[tuple[str, str], float]:
    """(feed_id, country) -> tonnes, from region rows (for the feeds.csv source text)."""
    country = dict(zip(regions()["region_id"], regions()["country"]))
    out: dict[tuple[str, str], float] = {}
    for r in rows:
        key = (str(r["feed_id"]), country[str(r["region_id"])])
        out[key] = out.get(key, 0.0) + float(str(r["available_t_per_yr"]))
    return out

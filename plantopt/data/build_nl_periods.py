"""Build instances/nl-2027-2040 (three planning periods) from nl-2027 and nl-2031.

Periods 2027-2030, 2031-2034, 2035-2040. Feed tonnages, contracted minima and gate fees of
2027 and 2031 are those of nl-2027 and nl-2031 (sources in their feeds.csv); 2035 continues
each feed's four-year growth factor g = t_2031 / t_2027 once more, capped at 2 (assumption:
no 2035 tonnage table; the cap keeps the EV-pack feeds, which grow 1.3-3.6x from 2027 to
2031, within twice their 2031 value). Product prices: 2027 and 2031 from the two instances,
2035 = 2031 (assumption: no price forecast). Second-life packs return after 10 years as
the feed ev_second_life_return (NREL 2015; :func:`_second_life_return`). Every other table
is nl-2027's.

    python -m plantopt.data.build_nl_periods
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import yaml

CAP = 2.0


def main() -> None:
    root = Path(__file__).resolve().parent / "instances"
    a, b, out = root / "nl-2027", root / "nl-2031", root / "nl-2027-2040"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(a, out)
    _periods(a, b, out)


def _periods(a: Path, b: Path, out: Path) -> None:
    """Write feed_periods.csv, price_periods.csv, periods.csv and instance.yaml of ``out``
    from the nl-2027 (``a``) and nl-2031 (``b``) instances."""
    _feed_periods(a, b, out)
    _price_periods(a, b, out)
    _periods_table(out)
    _manifest(a, out)
    _second_life_return(out)


def _feed_periods(a: Path, b: Path, out: Path) -> None:
    """feed_periods.csv: 2027 and 2031 as in their instances; 2035 = 2031 x the 2027->2031
    growth factor, capped at CAP."""
    fa, fb = pd.read_csv(a / "feeds.csv"), pd.read_csv(b / "feeds.csv")
    assert list(fa["feed_id"]) == list(fb["feed_id"])
    rows = []
    for (_, ra), (_, rb) in zip(fa.iterrows(), fb.iterrows()):
        g = (
            rb["available_t_per_yr"] / ra["available_t_per_yr"]
            if ra["available_t_per_yr"] > 0
            else 1.0
        )  # a feed with nothing on offer stays
        rows.append(
            {
                "feed_id": ra["feed_id"],
                "period_id": "2027",
                "available_t_per_yr": ra["available_t_per_yr"],
                "contracted_min_t_per_yr": ra["contracted_min_t_per_yr"],
                "gate_fee_eur_per_t": ra["gate_fee_eur_per_t"],
                "source": "nl-2027/feeds.csv (see its source column)",
            }
        )
        rows.append(
            {
                "feed_id": rb["feed_id"],
                "period_id": "2031",
                "available_t_per_yr": rb["available_t_per_yr"],
                "contracted_min_t_per_yr": rb["contracted_min_t_per_yr"],
                "gate_fee_eur_per_t": rb["gate_fee_eur_per_t"],
                "source": "nl-2031/feeds.csv (see its source column)",
            }
        )
        g35 = min(g, CAP)
        rows.append(
            {
                "feed_id": rb["feed_id"],
                "period_id": "2035",
                "available_t_per_yr": round(rb["available_t_per_yr"] * g35),
                "contracted_min_t_per_yr": rb["contracted_min_t_per_yr"],
                "gate_fee_eur_per_t": rb["gate_fee_eur_per_t"],
                "source": f"assumption: nl-2031 tonnage x the 2027->2031 four-year growth "
                f"factor {g:.3f} continued to 2035, capped at {CAP:g} "
                f"(applied {g35:.3f}); contracted minimum and gate fee as in 2031",
            }
        )
    pd.DataFrame(rows).to_csv(out / "feed_periods.csv", index=False)


def _price_periods(a: Path, b: Path, out: Path) -> None:
    """price_periods.csv: 2027 and 2031 prices from their instances, 2035 held at 2031."""
    pa, pb = pd.read_csv(a / "product_prices.csv"), pd.read_csv(b / "product_prices.csv")
    prow = []
    for pid, df, src in (
        ("2027", pa, "nl-2027/product_prices.csv"),
        ("2031", pb, "nl-2031/product_prices.csv"),
        (
            "2035",
            pb,
            "assumption: 2031 prices held flat (no price forecast); nl-2031/product_prices.csv",
        ),
    ):
        for r in df.itertuples(index=False):
            prow.append(
                {
                    "product_id": r.product_id,
                    "material": r.material,
                    "period_id": pid,
                    "price_eur_per_t": r.price_eur_per_t,
                    "source": src,
                }
            )
    pd.DataFrame(prow).to_csv(out / "price_periods.csv", index=False)


def _periods_table(out: Path) -> None:
    """periods.csv: 2027-2030, 2031-2034, 2035-2040."""
    pd.DataFrame(
        [
            {
                "period_id": "2027",
                "start_year": 2027,
                "duration_yr": 4,
                "source": "EU Battery Regulation 2023/1542 first material-recovery targets (2027)",
            },
            {
                "period_id": "2031",
                "start_year": 2031,
                "duration_yr": 4,
                "source": "EU Battery Regulation 2023/1542 second material-recovery targets (2031)",
            },
            {
                "period_id": "2035",
                "start_year": 2035,
                "duration_yr": 6,
                "source": "assumption: last period 2035-2040 inclusive",
            },
        ]
    ).to_csv(out / "periods.csv", index=False)


#: years an EV pack serves as stationary storage before it comes back for recycling
SECOND_LIFE_YR = 10.0
SECOND_LIFE_SRC = (
    "second life: NREL, Battery Second Use for Plug-In Electric Vehicles Analysis "
    "(Neubauer et al., NREL/TP-5400-63332, 2015; nrel.gov/transportation/"
    "battery-second-use-analysis.html): packs retired at about 70 % of their capacity "
    "'potentially operate for an additional 10 years in their second use' (degradation "
    "model, one 50 % depth-of-discharge cycle a day); second_life_yr = 10 is that upper "
    "estimate; assumption: a harder duty shortens it (no dated lower figure found); with the "
    "periods 2027-2030, 2031-2034, 2035-2040 any lag of 8 to 10 years returns the packs "
    "repurposed in 2027-2030 in 2035-2040 (a = 4/6 of that period's years)"
)
RETURN_FEED = "ev_second_life_return"
RETURN_CLASS = "ev_pack_return"
RETURN_LIKE = "ev_nmc111"  # composition and gate fee of the returning packs


def _csv(path: Path) -> pd.DataFrame:
    """A generated table as text (rewritten without reformatting its numbers)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _second_life_return(out: Path) -> None:
    """Second-life packs come back (``products.returns_as_feed``) as feed RETURN_FEED after
    SECOND_LIFE_YR years: a feed of its own class that enters dismantle_pack only (a pack at
    the end of its second life is not graded again), with nothing on offer besides the
    returns. Its composition and gate fee are RETURN_LIKE's (assumption: the second-life
    packs' kWh/t rests on 2013-2020 NMC packs, see products.csv), and its transfer
    coefficients are those of the NMC pack class."""
    feeds = _csv(out / "feeds.csv")
    like = feeds[feeds["feed_id"] == RETURN_LIKE].iloc[0].copy()
    like["feed_id"], like["feed_class"] = RETURN_FEED, RETURN_CLASS
    like["description"] = "EV packs back from their second life (stationary storage)"
    for col in ("available_t_per_yr", "contracted_min_t_per_yr"):
        like[col] = "0"
    for col in ("available_t_per_yr_low", "available_t_per_yr_high"):
        like[col] = ""
    like["source"] = (
        f"tonnage: only the returning second-life packs (second_life_return row); "
        f"composition and gate fee as {RETURN_LIKE} (assumption); {SECOND_LIFE_SRC}"
    )
    pd.concat([feeds, like.to_frame().T]).to_csv(out / "feeds.csv", index=False)
    comp = _csv(out / "composition.csv")
    ret = comp[comp["feed_id"] == RETURN_LIKE].assign(
        feed_id=RETURN_FEED, source=f"assumption: as {RETURN_LIKE}"
    )
    pd.concat([comp, ret]).to_csv(out / "composition.csv", index=False)
    tc = _csv(out / "transfer_coefficients.csv")
    nmc = tc[tc["feed_class"] == "ev_pack_nmc"].assign(feed_class=RETURN_CLASS)
    pd.concat([tc, nmc]).to_csv(out / "transfer_coefficients.csv", index=False)
    entry = _csv(out / "feed_entry.csv")
    row = {
        "feed_class": RETURN_CLASS,
        "unit_id": "dismantle_pack",
        "source": "superstructure: returned packs are dismantled for recycling, not graded",
    }
    pd.concat([entry, pd.DataFrame([row])]).to_csv(out / "feed_entry.csv", index=False)
    fp = _csv(out / "feed_periods.csv")
    back = fp[fp["feed_id"] == RETURN_LIKE].assign(
        feed_id=RETURN_FEED,
        available_t_per_yr="0",
        contracted_min_t_per_yr="0",
        source=f"only the returning second-life packs; gate fee as {RETURN_LIKE}",
    )
    pd.concat([fp, back]).to_csv(out / "feed_periods.csv", index=False)
    prods = _csv(out / "products.csv")
    sl = prods["product_id"] == "second_life_pack"
    prods.loc[sl, "returns_as_feed"] = RETURN_FEED
    prods.loc[sl, "second_life_yr"] = f"{SECOND_LIFE_YR:g}"
    prods.loc[sl, "source"] = prods.loc[sl, "source"] + "; " + SECOND_LIFE_SRC
    prods.to_csv(out / "products.csv", index=False)


def _manifest(a: Path, out: Path) -> None:
    """instance.yaml: nl-2027's manifest renamed, NPV objective, no single target year."""
    m = yaml.safe_load((a / "instance.yaml").read_text())
    m["name"] = "nl-2027-2040"
    m["description"] = (
        "Dutch national recycling plant park 2027-2040 in three planning periods (2027-2030, "
        "2031-2034, 2035-2040): the nl-2027 instance with per-period feed tonnages and product "
        "prices from nl-2027 (2027) and nl-2031 (2031); 2035 tonnages continue each feed's "
        "2027->2031 growth factor, capped at 2, and 2035 prices equal 2031 (see the source "
        "columns of feed_periods.csv and price_periods.csv). Targets in force per period's "
        "start year. Built by plantopt/data/build_nl_periods.py from nl-2027 and nl-2031; "
        "see docs/business-case.md."
    )
    m["objective"] = "npv"
    m.pop("target_year", None)
    (out / "instance.yaml").write_text(yaml.safe_dump(m, sort_keys=False))


if __name__ == "__main__":
    main()

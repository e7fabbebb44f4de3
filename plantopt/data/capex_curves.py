"""Capex curves of the main routes from public plant figures (issue 16).

For each route of ``reference/capex_plants.csv`` with at least two dated public plants, the
fitted power law of :mod:`plantopt.data.capex_fit` (exponent clipped into [0.6, 1.0]) is
sampled at ``POINTS`` sizes spaced geometrically from the smallest to the largest public plant
(no extrapolation beyond the plants), with the low / high range of the plants' spread around
the line. The rows are the (size, capex) points of a continuous capacity option:
``capex_curves.csv`` of an instance takes ``capacity_t_per_yr`` and ``capex_eur`` (or the
low / high columns for a sensitivity case) for its unit and option.

    python -m plantopt.data.capex_curves      # writes reference/route_capex_curves.csv

Routes with two plants (pyro_smelt) get the line through both and the low / high range of
the route named in ``RANGE_PROXY`` (the spread of two plants on their own line is zero);
the source column says so.
Each capex is in money of its quote year (no inflation adjustment), as in capex_fit.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from plantopt.data.capex_fit import REF, _plants, fit_route

POINTS = 5
#: route with only two public plants -> route whose plants' spread gives its range
#: (assumption: the closest technology with three or more plants; the shipped instances'
#: pyro_smelt unit uses the pm_smelter line too, data/build_instances.FITTED_UNITS)
RANGE_PROXY = {"pyro_smelt": "pm_smelter"}
TWO_PLANTS = (
    "; two plants only: the line passes both, so their spread says nothing of the "
    "uncertainty; range x{lo:.2f} - x{hi:.2f} from the {proxy} route's plants (assumption: "
    "the closest smelting route with three or more public plants)"
)
OUT = REF / "route_capex_curves.csv"
COLUMNS = [
    "route",
    "capacity_t_per_yr",
    "capacity_basis",
    "capex_eur",
    "capex_eur_low",
    "capex_eur_high",
    "fitted_exponent",
    "exponent",
    "n_plants",
    "source",
]


def curve_rows(route: str) -> list[dict[str, object]]:
    """The POINTS rows of one route's curve."""
    f = fit_route(route, min_plants=2)
    lo_f, hi_f, note = f.low_factor, f.high_factor, ""
    if f.n_plants == 2:
        proxy = fit_route(RANGE_PROXY[route])
        lo_f, hi_f = proxy.low_factor, proxy.high_factor
        note = TWO_PLANTS.format(lo=lo_f, hi=hi_f, proxy=RANGE_PROXY[route])
    plants = _plants()
    fit = plants[(plants["unit_id"] == route) & (plants["role"] == "fit")]
    lo, hi = float(fit["capacity_t_per_yr"].min()), float(fit["capacity_t_per_yr"].max())
    years = f"{int(fit['year'].min())}-{int(fit['year'].max())}"
    out = []
    for k in range(POINTS):
        size = round(lo * (hi / lo) ** (k / (POINTS - 1)), -2)
        capex = f.capex_eur(size)
        out.append(
            {
                "route": route,
                "capacity_t_per_yr": size,
                "capacity_basis": str(fit["capacity_basis"].iloc[0]),
                "capex_eur": round(capex, -3),
                "capex_eur_low": round(capex * lo_f, -3),
                "capex_eur_high": round(capex * hi_f, -3),
                "fitted_exponent": round(f.fitted_exponent, 3),
                "exponent": round(f.exponent, 3),
                "n_plants": f.n_plants,
                "source": f"capex_plants.csv, quotes {years}: {f.describe()}" + note,
            }
        )
    return out


def routes() -> list[str]:
    """Routes with at least two public plants."""
    p = _plants()
    counts = p[p["role"] == "fit"]["unit_id"].value_counts()
    return sorted(r for r, n in counts.items() if n >= 2)


def curves_table() -> pd.DataFrame:
    rows = [r for route in routes() for r in curve_rows(route)]
    return pd.DataFrame(rows, columns=COLUMNS)


def two_point_exponent(c1: float, k1: float, c2: float, k2: float) -> float:
    """b = ln(K2 / K1) / ln(C2 / C1), the line through two plants."""
    return math.log(k2 / k1) / math.log(c2 / c1)


def main(out: Path = OUT) -> None:
    from plantopt.atomic import write_bytes_atomic

    write_bytes_atomic(out, curves_table().to_csv(index=False).encode())


if __name__ == "__main__":
    main()

"""Capex of a route from public plants: a fitted power law and its range.

For the plants of a route with role ``fit`` in ``capex_plants.csv`` (capacity C_i in the
route's basis, capex K_i converted to EUR at the stated rate of the quote year), fit

    ln K_i = ln K_0 + b (ln C_i - ln C_0)        (least squares, C_0 = geometric mean of C_i)

The fitted exponent b is reported as it is. The exponent used to scale capacity options is b
clipped into [B_MIN, B_MAX] (assumption: economies of scale between the six-tenths rule and
linear; a fit outside that band reflects differences of scope, site and year between the few
plants, not scale). Low / high factors: the smallest / largest ratio K_i / K(C_i) of the plants
to the line (with the used exponent), and for ``high_only`` rows (a failed project's estimate)
their ratio as the high end. Below the smallest public plant C_min the line is not
extrapolated linearly: K(C) = K(C_min) (C / C_min)^B_MIN (assumption: small plants lose the
economies of scale the six-tenths rule describes; a linear line would make a 5 kt/yr smelter
cost 5 % of a 100 kt/yr one). No inflation adjustment: each capex is in money of its year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REF = Path(__file__).resolve().parent / "reference"
B_MIN, B_MAX = 0.6, 1.0


@dataclass(frozen=True)
class CapexFit:
    route: str
    anchor_capacity_t_per_yr: float
    anchor_capex_eur: float
    fitted_exponent: float
    exponent: float
    low_factor: float
    high_factor: float
    n_plants: int
    plants: str
    min_capacity_t_per_yr: float

    def capex_eur(self, capacity_t_per_yr: float) -> float:
        """K(C) on the line, with six-tenths scaling below the smallest public plant."""
        c = max(capacity_t_per_yr, self.min_capacity_t_per_yr)
        k = self.anchor_capex_eur * (c / self.anchor_capacity_t_per_yr) ** self.exponent
        return k * (capacity_t_per_yr / c) ** B_MIN

    def describe(self) -> str:
        return (
            f"fit to {self.n_plants} public plants ({self.plants}): capex = "
            f"{self.anchor_capex_eur / 1e6:.1f} MEUR x "
            f"(C/{self.anchor_capacity_t_per_yr:,.0f})^b; fitted b = "
            f"{self.fitted_exponent:.2f}, used b = {self.exponent:.2f} (clipped to "
            f"[{B_MIN}, {B_MAX}], assumption), b = {B_MIN} below the smallest plant "
            f"({self.min_capacity_t_per_yr:,.0f} t/yr); range x{self.low_factor:.2f} "
            f"- x{self.high_factor:.2f} from the plants' spread around the line"
        )


def _plants() -> pd.DataFrame:
    df = pd.read_csv(REF / "capex_plants.csv", keep_default_na=False)
    df["capex_eur"] = (
        df["capex"].astype(float)
        * df["eur_per_currency"].astype(float)
        * df["scope_factor"].astype(float)
    )
    df["capacity_t_per_yr"] = df["capacity_t_per_yr"].astype(float)
    return df


def fit_route(route: str, min_plants: int = 3) -> CapexFit:
    """The fitted line of ``route``; needs at least ``min_plants`` ``fit`` plants (two give
    the line through both, used only for the capex curves of capex_curves.py)."""
    df = _plants()
    df = df[df["unit_id"] == route]
    fit = df[df["role"] == "fit"]
    if len(fit) < min_plants:
        raise ValueError(
            f"capex_plants.csv: route {route!r} has {len(fit)} plants with role "
            f"'fit', expected at least {min_plants}"
        )
    x = [math.log(c) for c in fit["capacity_t_per_yr"]]
    y = [math.log(k) for k in fit["capex_eur"]]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    b_fit = sum((a - mx) * (c - my) for a, c in zip(x, y)) / sum((a - mx) ** 2 for a in x)
    b = min(B_MAX, max(B_MIN, b_fit))
    c0, k0 = math.exp(mx), math.exp(my)  # the line passes the means whatever b is

    def ratio(c: float, k: float) -> float:
        return k / (k0 * (c / c0) ** b)

    ratios = [ratio(c, k) for c, k in zip(fit["capacity_t_per_yr"], fit["capex_eur"])]
    high = [
        ratio(c, k)
        for c, k in zip(
            df.loc[df["role"] == "high_only", "capacity_t_per_yr"],
            df.loc[df["role"] == "high_only", "capex_eur"],
        )
    ]
    return CapexFit(
        route,
        round(c0, -2),
        round(k0, -3),
        b_fit,
        b,
        min(ratios),
        max(ratios + high),
        len(fit),
        "; ".join(fit["plant"]),
        float(fit["capacity_t_per_yr"].min()),
    )


def routes() -> list[str]:
    return sorted(set(_plants()["unit_id"]))
